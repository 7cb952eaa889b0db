/*
 * request.c - the auth request core (see request.h and mech.h).
 *
 * A request runs one of three chains:
 *   - mechanism-driven passdb chain (AUTH): verify a password, fetch a
 *     credential, or only check that the user exists;
 *   - passdb lookup (PASS on a master socket);
 *   - userdb chain (USER on a master socket).
 * Each chain walks the configured databases in order, one asynchronous
 * driver call at a time, and ends in chain_done which answers the owner.
 */
#include "config.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "b64.h"
#include "cache.h"
#include "mech.h"
#include "request.h"
#include "auth/pwscheme.h"
#include "core/buf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"

struct auth *auth_global;

enum req_kind { REQ_AUTH, REQ_USER, REQ_PASS };
enum req_state {
	RS_MECH,	/* the mechanism (or a database) is working */
	RS_WAIT_CLIENT,	/* CONT sent, waiting for the client */
	RS_WAIT_FINAL,	/* final server data sent in CONT, waiting for the empty answer */
	RS_DELAYED,	/* failure queued for the failure delay */
	RS_DONE,
};
enum chain_kind { CHAIN_VERIFY, CHAIN_CREDENTIALS, CHAIN_LOOKUP, CHAIN_USERDB };

struct auth_request {
	enum req_kind kind;
	enum req_state state;
	unsigned id, minor;
	const struct mech *mech;
	void *mech_ctx;
	char *service, *lip, *rip, *lport, *rport, *session, *local_name, *cert_username;
	int secured, valid_client_cert, no_penalty, final_resp_ok, debug;
	char *orig_user;	/* as sent */
	char *user;		/* normalised (or the raw attempt when invalid) */
	int user_invalid;	/* normalisation failed */
	char *login_user;	/* master-user login: the user logged in as */
	char *master_user;	/* ... and the master who authenticated */
	char *log_user;		/* ANONYMOUS trace */
	int anonymous;
	struct db_fields fields;	/* passdb extra fields */
	struct db_fields ufields;	/* userdb fields */
	/* chain state */
	enum chain_kind chain;
	int master_phase;
	size_t idx;
	int cur_ok, had_internal, any_ran;
	int userdb_after_passdb;	/* USER: a passdb must know the user first (static userdb) */
	char *login_mech;		/* REQUEST: auth_mech= for the USER reply */
	int succeeded;
	int from_cache;		/* the current passdb answer came from the cache */
	enum db_result last;
	char *password;		/* CHAIN_VERIFY, wiped on free */
	const char *cred_scheme;
	struct buf cred;
	mech_verify_cb *verify_cb;
	mech_credentials_cb *cred_cb;
	/* final data (SCRAM server-final) waiting for the client's empty CONT */
	struct buf final_data;
	/* owner */
	auth_reply_fn *reply;
	void *reply_ctx;
	int aborted, busy;
	struct event_timer *timer;
	struct buf scratch;	/* decoded client data */
};

static void chain_next(struct auth_request *r);
static void userdb_finish(struct auth_request *r, enum db_result res);
static void request_maybe_free(struct auth_request *r);

/* ---------------------------------------------------------------- setup */

void auth_init(struct auth *auth, struct event_loop *loop)
{
	const char *t = getenv("PC_AUTH_REQUEST_TIMEOUT_MS");

	auth->loop = loop;
	auth->cache = auth_cache_create(auth->set.cache_size, auth->set.cache_ttl,
					auth->set.cache_negative_ttl);
	auth->request_timeout_ms = t != NULL && atoi(t) > 0 ? (unsigned)atoi(t) : 150 * 1000;
	auth_global = auth;
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* request_new - common part */
static struct auth_request *request_new(enum req_kind kind, unsigned id,
					const struct proto_params *p, auth_reply_fn *reply,
					void *ctx)
{
	struct auth_request *r = xcalloc(1, sizeof(*r));

	r->kind = kind;
	r->id = id;
	r->service = xstrdup(p->service != NULL ? p->service : "");
	r->lip = p->lip != NULL && *p->lip != '\0' ? xstrdup(p->lip) : NULL;
	r->rip = p->rip != NULL && *p->rip != '\0' ? xstrdup(p->rip) : NULL;
	r->lport = dup_or_null(p->lport);
	r->rport = dup_or_null(p->rport);
	r->session = p->session != NULL && *p->session != '\0' ? xstrdup(p->session) : NULL;
	r->local_name = dup_or_null(p->local_name);
	r->cert_username = dup_or_null(p->cert_username);
	r->secured = p->secured;
	r->valid_client_cert = p->valid_client_cert;
	r->no_penalty = p->no_penalty;
	r->final_resp_ok = p->final_resp_ok;
	r->debug = p->debug;
	r->reply = reply;
	r->reply_ctx = ctx;
	db_fields_init(&r->fields);
	db_fields_init(&r->ufields);
	buf_init(&r->cred, 0);
	buf_init(&r->final_data, 0);
	buf_init(&r->scratch, 0);
	return r;
}

static void request_free(struct auth_request *r)
{
	if (r->mech != NULL && r->mech->free != NULL)
		r->mech->free(r);
	event_timer_remove(auth_global->loop, &r->timer);
	xfree(r->service);
	xfree(r->lip);
	xfree(r->rip);
	xfree(r->lport);
	xfree(r->rport);
	xfree(r->session);
	xfree(r->local_name);
	xfree(r->cert_username);
	xfree(r->orig_user);
	xfree(r->user);
	xfree(r->login_user);
	xfree(r->master_user);
	xfree(r->log_user);
	xfree(r->login_mech);
	if (r->password != NULL) {
		OPENSSL_cleanse(r->password, strlen(r->password));
		xfree(r->password);
	}
	db_fields_deinit(&r->fields);
	db_fields_deinit(&r->ufields);
	OPENSSL_cleanse(r->cred.data, r->cred.len);
	buf_deinit(&r->cred);
	buf_deinit(&r->final_data);
	OPENSSL_cleanse(r->scratch.data, r->scratch.len);
	buf_deinit(&r->scratch);
	xfree(r);
}

/* request_maybe_free - free a finished or abandoned request nobody holds */
static void request_maybe_free(struct auth_request *r)
{
	if (r->busy == 0 && (r->state == RS_DONE || r->aborted) && r->state != RS_DELAYED)
		request_free(r);
}

unsigned auth_request_id(const struct auth_request *req)
{
	return req->id;
}

void auth_request_abort(struct auth_request *req)
{
	req->aborted = 1;
	if (req->state == RS_DELAYED)
		req->state = RS_DONE;
	event_timer_remove(auth_global->loop, &req->timer);
	request_maybe_free(req);
}

/* ---------------------------------------------------------------- logging */

/* log_prefix - "<name>(<user>,<rip>,<session>): " into out */
static void log_prefix(struct buf *out, const struct auth_request *r, const char *name)
{
	const char *user = r->log_user != NULL ? r->log_user
		: r->user != NULL && !r->user_invalid ? r->user : "?";

	buf_printf(out, "%s(%s", name, user);
	if (r->rip != NULL)
		buf_printf(out, ",%s", r->rip);
	if (r->session != NULL)
		buf_printf(out, ",<%s>", r->session);
	buf_append_str(out, "): ");
}

/* req_log - one line at level with the prefix for name */
static void req_log(const struct auth_request *r, enum log_level level, const char *name,
		    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
static void req_log(const struct auth_request *r, enum log_level level, const char *name,
		    const char *fmt, va_list ap)
{
	struct buf b;

	buf_init(&b, 0);
	log_prefix(&b, r, name);
	buf_vprintf(&b, fmt, ap);
	if (level == LOG_LEVEL_INFO)
		msg_info("%s", b.data);
	else if (level == LOG_LEVEL_DEBUG)
		msg_debug("%s", b.data);
	else if (level == LOG_LEVEL_WARN)
		msg_warn("%s", b.data);
	else
		msg_error("%s", b.data);
	buf_deinit(&b);
}

/* mech_log_name - "plain", "scram-sha-1" */
static const char *mech_log_name(const struct auth_request *r, char *buf, size_t size)
{
	size_t i;

	snprintf(buf, size, "%s", r->mech != NULL ? r->mech->name : "auth");
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return buf;
}

void auth_request_log_info(struct auth_request *req, const char *fmt, ...)
{
	char name[64];
	va_list ap;

	if (!auth_global->set.verbose)
		return;
	va_start(ap, fmt);
	req_log(req, LOG_LEVEL_INFO, mech_log_name(req, name, sizeof(name)), fmt, ap);
	va_end(ap);
}

void auth_request_log_error(struct auth_request *req, const char *fmt, ...)
{
	char name[64];
	va_list ap;

	va_start(ap, fmt);
	req_log(req, LOG_LEVEL_ERROR, mech_log_name(req, name, sizeof(name)), fmt, ap);
	va_end(ap);
}

/* db_log - a database's result line ("passwd-file(u,ip): unknown user") */
static void db_log(const struct auth_request *r, enum log_level level, const char *dbname,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void db_log(const struct auth_request *r, enum log_level level, const char *dbname,
		   const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_LEVEL_INFO && !auth_global->set.verbose)
		return;
	va_start(ap, fmt);
	req_log(r, level, dbname, fmt, ap);
	va_end(ap);
}

/* req_debug - an auth_debug line ("passwd-file(u,ip): Performing passdb lookup") */
static void req_debug(const struct auth_request *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void req_debug(const struct auth_request *r, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!r->debug && !auth_global->set.debug)
		return;
	va_start(ap, fmt);
	req_log(r, LOG_LEVEL_DEBUG, name, fmt, ap);
	va_end(ap);
}

/* given_password - auth_verbose_passwords suffix " (given password: x)" into out */
static void given_password(struct buf *out, const struct auth_request *r)
{
	const struct auth_settings *set = &auth_global->set;
	char shown[EVP_MAX_MD_SIZE * 2 + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	size_t n;

	if (set->verbose_passwords == AUTH_VPW_NO || r->password == NULL)
		return;
	if (set->verbose_passwords == AUTH_VPW_SHA1) {
		EVP_Digest(r->password, strlen(r->password), md, &mdlen, EVP_sha1(), NULL);
		for (i = 0; i < mdlen; i++)
			snprintf(shown + i * 2, 3, "%02x", md[i]);
		n = mdlen * 2;
	} else {
		n = snprintf(shown, sizeof(shown), "%s", r->password) >= (int)sizeof(shown)
			? sizeof(shown) - 1 : strlen(r->password);
	}
	if (set->verbose_passwords_trunc > 0 && n > set->verbose_passwords_trunc)
		n = set->verbose_passwords_trunc;
	shown[n] = '\0';
	buf_printf(out, " (given password: %s)", shown);
}

/* ---------------------------------------------------------------- replies */

/* field_hidden - extra fields never sent to clients */
static int field_hidden(const char *key)
{
	static const char *const hidden[] = {
		"password", "allow_nets", "allow_real_nets", "fail", "delay_until",
		"login_user", "user", "nodelay", "noauthenticate", "nopassword",
	};
	size_t i;

	if (strncmp(key, "userdb_", 7) == 0)
		return 1;
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (strcmp(key, hidden[i]) == 0)
			return 1;
	return 0;
}

/* append_fields - "\tk=v..." of the visible fields; Dovecot writes the TAB when any field exists */
static void append_fields(struct buf *out, const struct db_fields *f, int all)
{
	size_t i;
	int first = 1;

	if (f->n == 0)
		return;
	buf_append_c(out, '\t');
	for (i = 0; i < f->n; i++) {
		if (!all && field_hidden(f->keys[i]))
			continue;
		if (!first)
			buf_append_c(out, '\t');
		first = 0;
		proto_escape(out, f->keys[i]);
		if (f->values[i] != NULL && !(strcmp(f->keys[i], "nologin") == 0 ||
					      strcmp(f->keys[i], "proxy") == 0)) {
			buf_append_c(out, '=');
			proto_escape(out, f->values[i]);
		}
	}
}

/* send_reply - hand a line to the owner (unless aborted) */
static void send_reply(struct auth_request *r, const char *line, int final)
{
	if (final)
		r->state = RS_DONE;
	if (!r->aborted)
		r->reply(r, line, final, r->reply_ctx);
}

/* orig_changed - original_user= is reported */
static int orig_changed(const struct auth_request *r)
{
	return r->orig_user != NULL && r->user != NULL &&
	       (r->user_invalid || strcmp(r->orig_user, r->user) != 0);
}

/* send_ok - OK id user=... fields [resp=] */
static void send_ok(struct auth_request *r, const void *data, size_t len)
{
	struct buf b;

	r->succeeded = 1;
	buf_init(&b, 0);
	buf_printf(&b, "OK\t%u\tuser=", r->id);
	proto_escape(&b, r->user != NULL ? r->user : "");
	append_fields(&b, &r->fields, 0);
	if (orig_changed(r) && r->master_user == NULL) {
		buf_append_str(&b, "\toriginal_user=");
		proto_escape(&b, r->orig_user);
	}
	if (r->master_user != NULL) {
		buf_append_str(&b, "\tauth_user=");
		proto_escape(&b, r->master_user);
	}
	if (r->anonymous)
		buf_append_str(&b, "\tanonymous");
	if (data != NULL && len > 0) {
		buf_append_str(&b, "\tresp=");
		b64_encode(&b, data, len);
	}
	send_reply(r, b.data, 1);
	buf_deinit(&b);
}

/* fail_line - FAIL id [user=] [original_user=] [code=] [reason=] */
static void fail_line(struct buf *b, const struct auth_request *r, enum db_result result,
		      const char *reason)
{
	buf_printf(b, "FAIL\t%u", r->id);
	if (r->user != NULL) {
		buf_append_str(b, "\tuser=");
		proto_escape(b, r->user);
		if (orig_changed(r)) {
			buf_append_str(b, "\toriginal_user=");
			proto_escape(b, r->orig_user);
		}
	}
	/* fields of a passdb that answered (a credential lookup before the mechanism failed) */
	append_fields(b, &r->fields, 0);
	if (result == DB_INTERNAL)
		buf_append_str(b, "\tcode=temp_fail");
	else if (result == DB_DISABLED)
		buf_append_str(b, "\tcode=user_disabled");
	else if (result == DB_EXPIRED)
		buf_append_str(b, "\tcode=pass_expired");
	if (reason != NULL) {
		buf_append_str(b, "\treason=");
		proto_escape(b, reason);
	}
}

/* delayed_fail - the failure delay is over */
static void delayed_fail(void *ctx)
{
	struct auth_request *r = ctx;

	r->timer = NULL;
	r->state = RS_DONE;
	send_reply(r, r->scratch.data, 1);
	request_maybe_free(r);
}

/* send_fail - FAIL, after auth_failure_delay unless delay is 0 or nodelay is set */
static void send_fail(struct auth_request *r, enum db_result result, const char *reason, int delay)
{
	struct buf b;
	unsigned ms = auth_global->set.failure_delay_ms;

	buf_init(&b, 0);
	fail_line(&b, r, result, reason);
	event_timer_remove(auth_global->loop, &r->timer);
	if (delay && ms > 0 && !db_fields_has(&r->fields, "nodelay") && r->kind == REQ_AUTH) {
		buf_set(&r->scratch, b.data, b.len);
		r->state = RS_DELAYED;
		r->timer = event_timer_add(auth_global->loop, ms, delayed_fail, r);
	} else {
		send_reply(r, b.data, 1);
	}
	buf_deinit(&b);
}

/* ---------------------------------------------------------------- mechanism API */

void **auth_request_mech_ctx(struct auth_request *req)
{
	return &req->mech_ctx;
}

const char *auth_request_user(const struct auth_request *req)
{
	return req->user;
}

const char *auth_request_hostname(void)
{
	return auth_global->set.hostname;
}

const char *auth_request_cert_username(const struct auth_request *req)
{
	if (!req->valid_client_cert || !auth_global->set.ssl_username_from_cert ||
	    req->cert_username == NULL || *req->cert_username == '\0')
		return NULL;
	return req->cert_username;
}

void auth_request_set_anonymous(struct auth_request *req, const char *trace)
{
	xfree(req->log_user);
	req->log_user = xstrdup(trace);
	xfree(req->user);
	req->user = xstrdup(auth_global->set.anonymous_username);
	req->anonymous = 1;
}

/*
 * request_timeout - the client never finished the exchange: Dovecot logs
 * it and forgets the request without a reply (a later CONT for the id gets
 * "Authentication request timed out").
 */
static void request_timeout(void *ctx)
{
	struct auth_request *r = ctx;
	char name[64];
	struct buf b;

	r->timer = NULL;
	if (auth_global->set.verbose) {
		buf_init(&b, 0);
		log_prefix(&b, r, mech_log_name(r, name, sizeof(name)));
		msg_info("%sRequest timed out waiting for client to continue authentication (%u secs)",
			 b.data, auth_global->request_timeout_ms / 1000);
		buf_deinit(&b);
	}
	send_reply(r, NULL, 1);
	request_maybe_free(r);
}

void auth_request_challenge(struct auth_request *req, const void *data, size_t len)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "CONT\t%u\t", req->id);
	b64_encode(&b, data, len);
	req->state = RS_WAIT_CLIENT;
	if (req->timer == NULL)
		req->timer = event_timer_add(auth_global->loop, auth_global->request_timeout_ms,
					     request_timeout, req);
	send_reply(req, b.data, 0);
	buf_deinit(&b);
}

void auth_request_success(struct auth_request *req, const void *data, size_t len)
{
	if (req->login_user != NULL && req->master_user == NULL) {
		/* a master passdb authenticated the master: now the login user */
		xfree(req->master_user);
		req->master_user = req->user;
		req->user = req->login_user;
		req->login_user = NULL;
	}
	event_timer_remove(auth_global->loop, &req->timer);
	if (data != NULL && len > 0 && !req->final_resp_ok) {
		buf_set(&req->final_data, data, len);
		auth_request_challenge(req, data, len);
		req->state = RS_WAIT_FINAL;
		return;
	}
	send_ok(req, data, len);
}

void auth_request_fail_result(struct auth_request *req, enum db_result result)
{
	send_fail(req, result == DB_INTERNAL || result == DB_DISABLED || result == DB_EXPIRED
		  ? result : DB_MISMATCH, NULL, 1);
}

void auth_request_fail(struct auth_request *req)
{
	send_fail(req, DB_MISMATCH, NULL, 1);
}

/* ---------------------------------------------------------------- user names */

/* expand_user_format - auth_username_format over user */
static int expand_user_format(struct auth_request *r, const char *user, struct buf *out,
			      const char **error_r)
{
	struct db_request dr;

	memset(&dr, 0, sizeof(dr));
	dr.user = user;
	dr.orig_user = r->orig_user;
	dr.service = r->service;
	dr.mech = r->mech != NULL ? r->mech->name : NULL;
	dr.lip = r->lip;
	dr.rip = r->rip;
	dr.lport = r->lport;
	dr.rport = r->rport;
	dr.session = r->session;
	dr.local_name = r->local_name;
	dr.secured = r->secured;
	dr.passdb_fields = &r->fields;
	dr.userdb_fields = &r->ufields;
	return db_expand(out, auth_global->set.username_format, &dr, NULL, error_r);
}

/* normalise - realm, translation, allowed characters, format; malloc'ed result or NULL + error */
static char *normalise(struct auth_request *r, const char *user, const char **error_r)
{
	static char err[512];
	const struct auth_settings *set = &auth_global->set;
	struct buf b, out;
	const unsigned char *p;
	char *res;

	if (*user == '\0') {
		*error_r = "Empty username";
		return NULL;
	}
	buf_init(&b, 0);
	buf_append_str(&b, user);
	if (strchr(user, '@') == NULL && *set->default_realm != '\0')
		buf_printf(&b, "@%s", set->default_realm);
	for (p = (unsigned char *)b.data; *p != '\0'; p++) {
		*(unsigned char *)p = set->translation[*p];
		if (!set->username_chars[*p]) {
			snprintf(err, sizeof(err),
				 "Username character disallowed by auth_username_chars: 0x%02x (username: %s)",
				 *p, user);
			buf_deinit(&b);
			*error_r = err;
			return NULL;
		}
	}
	buf_init(&out, 0);
	if (*set->username_format != '\0' && expand_user_format(r, b.data, &out, error_r) < 0) {
		buf_deinit(&b);
		buf_deinit(&out);
		return NULL;
	}
	res = *set->username_format != '\0' ? buf_steal(&out) : buf_steal(&b);
	buf_deinit(&b);
	buf_deinit(&out);
	if (*res == '\0') {
		xfree(res);
		*error_r = "Empty username";
		return NULL;
	}
	return res;
}

int auth_request_set_username(struct auth_request *req, const char *user, const char **error_r)
{
	const char *sep = auth_global->set.master_user_separator;
	const char *at;
	char *norm, *login = NULL;

	xfree(req->orig_user);
	req->orig_user = xstrdup(user);
	if (*sep != '\0' && (at = strstr(user, sep)) != NULL && req->login_user == NULL) {
		/* "login*master": authenticate as master, log in as login */
		login = xstrndup(user, (size_t)(at - user));
		user = at + strlen(sep);
	}
	if ((norm = normalise(req, user, error_r)) == NULL) {
		xfree(req->user);
		req->user = xstrdup(user);
		req->user_invalid = 1;
		xfree(login);
		return -1;
	}
	xfree(req->user);
	req->user = norm;
	req->user_invalid = 0;
	if (login != NULL) {
		int ret = auth_request_set_login_username(req, login, error_r);

		xfree(login);
		return ret;
	}
	return 0;
}

/* have_master_passdbs - any passdb { master = yes } */
static int have_master_passdbs(void)
{
	size_t i;

	for (i = 0; i < auth_global->set.npassdbs; i++)
		if (auth_global->set.passdbs[i].master)
			return 1;
	return 0;
}

int auth_request_set_login_username(struct auth_request *req, const char *user, const char **error_r)
{
	char *norm;

	if (!have_master_passdbs()) {
		*error_r = "Master user login attempted without master passdbs";
		return -1;
	}
	if ((norm = normalise(req, user, error_r)) == NULL)
		return -1;
	xfree(req->login_user);
	req->login_user = norm;
	req->master_phase = 1;
	return 0;
}

/* ---------------------------------------------------------------- the passdb chain */

/* fill_db_request - the driver's view of r */
static void fill_db_request(struct db_request *dr, const struct auth_request *r)
{
	memset(dr, 0, sizeof(*dr));
	dr->user = r->user;
	dr->orig_user = r->orig_user != NULL ? r->orig_user : r->user;
	dr->service = r->service;
	dr->mech = r->kind == REQ_AUTH && r->mech != NULL ? r->mech->name : NULL;
	dr->lip = r->lip;
	dr->rip = r->rip;
	dr->lport = r->lport;
	dr->rport = r->rport;
	dr->session = r->session;
	dr->local_name = r->local_name;
	dr->secured = r->secured;
	dr->debug = r->debug || auth_global->set.debug;
	dr->passdb_fields = &r->fields;
	dr->userdb_fields = &r->ufields;
}

/* passdb_skipped - skip/mechanisms/username_filter say this passdb does not apply */
static int passdb_skipped(const struct auth_request *r, const struct auth_passdb *p)
{
	size_t i;
	int found = 0;

	if (p->master != r->master_phase)
		return 1;
	if ((p->skip == AUTH_SKIP_AUTHENTICATED && r->cur_ok) ||
	    (p->skip == AUTH_SKIP_UNAUTHENTICATED && !r->cur_ok))
		return 1;
	if (p->mechanisms.n > 0) {
		const char *m = r->kind == REQ_AUTH && r->mech != NULL ? r->mech->name : "none";

		for (i = 0; i < p->mechanisms.n; i++)
			if (strcasecmp(p->mechanisms.v[i], m) == 0)
				found = 1;
		if (!found)
			return 1;
	}
	if (*p->username_filter != '\0') {
		struct argv *f = argv_split(p->username_filter, " \t");
		int pos = 0, neg = 0;

		for (i = 0; i < f->n; i++) {
			if (f->v[i][0] == '!') {
				if (auth_wildcard_match(r->user, f->v[i] + 1))
					neg = 1;
			} else if (auth_wildcard_match(r->user, f->v[i])) {
				pos = 1;
			} else {
				pos = pos || 0;
			}
		}
		found = neg ? 0 : (pos || f->n == 0 || f->v[0][0] == '!');
		argv_destroy(&f);
		if (!found)
			return 1;
	}
	return 0;
}

/* cache_key - "<passdb index>\t<user>" */
static char *cache_key(const struct auth_request *r, char kind)
{
	return xasprintf("%c%zu\t%s", kind, r->idx, r->user);
}

/*
 * hash_password - "H<hex>": HMAC-SHA256 of a password that was verified,
 * under a key drawn once per process, so a cache hit costs one HMAC
 * instead of the stored scheme (SHA512-CRYPT: milliseconds) and the cache
 * never holds anything an offline attack could use after the process ends.
 */
static char *hash_password(const char *pw)
{
	static unsigned char key[32];
	static int have_key;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0, i;
	char *out = xmalloc(EVP_MAX_MD_SIZE * 2 + 2);

	if (!have_key) {
		if (RAND_bytes(key, sizeof(key)) != 1)
			msg_fatal("RAND_bytes failed: no key for the auth cache");
		have_key = 1;
	}
	HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)pw, strlen(pw), md, &len);
	out[0] = 'H';
	for (i = 0; i < len; i++)
		snprintf(out + 1 + i * 2, 3, "%02x", md[i]);
	return out;
}

/* cache_value - "P<stored>\n" or "H<hash>\n", then "k=v\n" per field (values tab-escaped) */
static char *cache_value(const char *first, const struct db_fields *f)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	buf_append_str(&b, first);
	buf_append_c(&b, '\n');
	for (i = 0; i < f->n; i++) {
		proto_escape(&b, f->keys[i]);
		if (f->values[i] != NULL) {
			buf_append_c(&b, '=');
			proto_escape(&b, f->values[i]);
		}
		buf_append_c(&b, '\n');
	}
	return buf_steal(&b);
}

/* cache_parse - value into a reply (stored password or hash, fields); hash_r for H entries */
static void cache_parse(const char *value, struct db_reply *rep, struct argv *keep)
{
	struct argv *lines = argv_split(value, "\n");
	size_t i;

	for (i = 0; i < lines->n; i++) {
		char *eq;

		argv_add(keep, lines->v[i]);
		if (i == 0) {
			rep->password = keep->v[keep->n - 1];
			continue;
		}
		eq = strchr(keep->v[keep->n - 1], '=');
		if (eq != NULL)
			*eq++ = '\0';
		proto_unescape(keep->v[keep->n - 1]);
		if (eq != NULL)
			proto_unescape(eq);
		db_fields_set(&rep->fields, keep->v[keep->n - 1], eq);
	}
	argv_destroy(&lines);
}

static void passdb_callback(const struct db_reply *reply, void *ctx);

/*
 * passdb_from_cache - answer from the cache when it can: 1 answered, 0 not.
 * A cached password that does not match is not trusted (the password may
 * have changed): the database is asked.
 */
static int passdb_from_cache(struct auth_request *r)
{
	char *key = cache_key(r, 'p');
	const char *value;
	struct db_reply rep;
	struct argv keep;
	int ret = auth_cache_lookup(auth_global->cache, key, time(NULL), &value), answered = 0;

	xfree(key);
	if (ret < 0)
		return 0;
	db_reply_init(&rep, ret == 0 ? DB_NOTFOUND : DB_OK);
	argv_init(&keep);
	if (ret > 0) {
		cache_parse(value, &rep, &keep);
		if (rep.password[0] == 'B') {
			/* "B<hmac>\t<stored>": the stored password and the proof of one that verified */
			char *entry = keep.v[0];	/* cache_parse's writable copy of the first line */
			char *tab = strchr(entry, '\t');
			char *h = r->chain == CHAIN_VERIFY ? hash_password(r->password) : NULL;

			if (tab != NULL)
				*tab = '\0';
			if (h != NULL && tab != NULL && strlen(entry + 1) == strlen(h + 1)
			    && CRYPTO_memcmp(h + 1, entry + 1, strlen(h + 1)) == 0) {
				rep.password = NULL;	/* the password that verified last time */
			} else if (tab != NULL) {
				/* another password (or a lookup): fall back to the stored one */
				*tab = 'P';
				rep.password = tab;
			} else {
				rep.password = NULL;	/* malformed entry: not trusted, ask the passdb */
				rep.result = DB_MISMATCH;
			}
			xfree(h);
		}
		if (rep.password == NULL) {
			/* verified from the cache */
		} else if (rep.password[0] == 'H') {
			char *h = r->chain == CHAIN_VERIFY ? hash_password(r->password) : NULL;

			if (h == NULL || strcmp(h, rep.password) != 0)
				rep.result = DB_MISMATCH;
			rep.password = NULL;
			xfree(h);
		} else {
			const struct auth_passdb *p = &auth_global->set.passdbs[r->idx];
			const char *error;

			rep.password++;	/* 'P' */
			if (*rep.password == '\0')
				rep.password = NULL;
			if (r->chain == CHAIN_VERIFY && rep.password != NULL) {
				if (pwscheme_verify(r->password, rep.password, p->db.default_scheme != NULL
						    ? p->db.default_scheme : "PLAIN", r->user, &error) != PW_OK)
					rep.result = DB_MISMATCH;
				else
					rep.password = NULL;	/* verified: not again */
			}
		}
	}
	if (rep.result != DB_MISMATCH) {
		r->busy++;
		r->from_cache = 1;
		passdb_callback(&rep, r);
		answered = 1;
	}
	db_reply_deinit(&rep);
	argv_deinit(&keep);
	return answered;
}

/* passdb_call - ask passdb r->idx */
static void passdb_call(struct auth_request *r, struct auth_passdb *p)
{
	struct db_request dr;
	const char *error;
	struct db_template t;

	if (*p->default_fields != '\0') {
		fill_db_request(&dr, r);
		db_template_parse(&t, p->default_fields);
		if (db_template_apply(&t, &dr, &r->fields, &error) < 0)
			db_log(r, LOG_LEVEL_ERROR, p->name, "Failed to expand default_fields: %s", error);
		db_template_deinit(&t);
	}
	r->any_ran = 1;
	if (p->db.cache_key != NULL && auth_cache_count(auth_global->cache) > 0 &&
	    passdb_from_cache(r))
		return;
	fill_db_request(&dr, r);
	r->busy++;
	req_debug(r, p->name, "Performing passdb lookup");
	if (r->chain == CHAIN_VERIFY)
		p->db.driver->verify_plain(&p->db, &dr, r->password, passdb_callback, r);
	else if (p->db.driver->lookup_credentials != NULL)
		p->db.driver->lookup_credentials(&p->db, &dr, passdb_callback, r);
	else {
		struct db_reply rep;

		db_reply_init(&rep, DB_INTERNAL);
		rep.error = r->kind == REQ_PASS ? "Configured passdbs don't support credentials lookups"
			: "passdb doesn't support credential lookups";
		passdb_callback(&rep, r);
		db_reply_deinit(&rep);
	}
}

/* verify_stored - the core's password check for a driver that returned a stored password */
static enum db_result verify_stored(struct auth_request *r, const struct auth_passdb *p,
				    const struct db_reply *reply)
{
	const char *scheme = reply->scheme != NULL ? reply->scheme : p->db.default_scheme;
	const char *error;
	int ret;

	if (reply->password == NULL)
		return db_fields_has(&reply->fields, "nopassword") ? DB_OK : DB_MISMATCH;
	if (r->chain == CHAIN_VERIFY) {
		ret = pwscheme_verify(r->password, reply->password, scheme != NULL ? scheme : "PLAIN",
				      r->user, &error);
		if (ret == PW_ERROR) {
			db_log(r, LOG_LEVEL_ERROR, p->name, "%s", error);
			return DB_INTERNAL;
		}
		return ret == PW_OK ? DB_OK : DB_MISMATCH;
	}
	if (r->chain == CHAIN_CREDENTIALS) {
		buf_reset(&r->cred);
		ret = pwscheme_credentials(&r->cred, r->cred_scheme, reply->password,
					   scheme != NULL ? scheme : "PLAIN", r->user, &error);
		if (ret < 0) {
			db_log(r, LOG_LEVEL_ERROR, p->name, "%s", error);
			return DB_INTERNAL;
		}
		if (ret == 0) {
			char have[64];
			const char *data;

			pwscheme_split(reply->password, scheme != NULL ? scheme : "PLAIN", have,
				       sizeof(have), &data);
			db_log(r, LOG_LEVEL_INFO, p->name,
			       "Requested %s scheme, but we have only %s", r->cred_scheme, have);
			return DB_NEED_SCHEME;
		}
	}
	return DB_OK;
}

/* net_match - ip (text) in "addr[/bits]"; -1 if net is malformed */
static int net_match(const char *ip, const char *net)
{
	unsigned char a[16], b[16];
	char addr[64];
	const char *slash = strchr(net, '/');
	int fam, len, bits, i;

	snprintf(addr, sizeof(addr), "%.*s", slash != NULL ? (int)(slash - net) : (int)strlen(net), net);
	fam = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	len = fam == AF_INET6 ? 16 : 4;
	if (inet_pton(fam, addr, b) != 1)
		return -1;
	bits = slash != NULL ? atoi(slash + 1) : len * 8;
	if (bits < 0 || bits > len * 8)
		return -1;
	if (inet_pton(fam, ip, a) != 1)
		return 0;
	for (i = 0; i < len && bits > 0; i++, bits -= 8) {
		unsigned mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;

		if ((a[i] & mask) != (b[i] & mask))
			return 0;
	}
	return 1;
}

/* allow_nets_ok - the allow_nets extra field against rip; logs Dovecot's line on failure */
static int allow_nets_ok(const struct auth_request *r, const struct auth_passdb *p, const char *nets)
{
	struct argv *list = argv_split(nets, ", \t");
	size_t i;
	int ok = 0, local = 0;

	for (i = 0; i < list->n && !ok; i++) {
		if (strcmp(list->v[i], "local") == 0)
			local = 1;
		else if (r->rip != NULL && net_match(r->rip, list->v[i]) > 0)
			ok = 1;
	}
	argv_destroy(&list);
	if (ok || (r->rip == NULL && local))
		return 1;
	if (r->rip == NULL)
		db_log(r, LOG_LEVEL_INFO, p->name, "allow_nets check failed: Remote IP not known and 'local' missing");
	else
		db_log(r, LOG_LEVEL_INFO, p->name, "allow_nets check failed: IP %s not in allowed networks", r->rip);
	return 0;
}

/* log_result - Dovecot's Info line for a failed lookup */
static void log_result(struct auth_request *r, const struct auth_passdb *p, enum db_result res,
		       const struct db_reply *reply)
{
	struct buf suffix;

	buf_init(&suffix, 0);
	given_password(&suffix, r);
	if (res == DB_NOTFOUND)
		db_log(r, LOG_LEVEL_INFO, p->name, "%s%s",
		       reply->log_reason != NULL ? reply->log_reason : "unknown user", suffix.data);
	else if (res == DB_MISMATCH)
		db_log(r, LOG_LEVEL_INFO, p->name, "%s%s",
		       reply->log_reason != NULL ? reply->log_reason : "Password mismatch", suffix.data);
	else if (res == DB_INTERNAL && reply->error != NULL)
		db_log(r, LOG_LEVEL_ERROR, p->name, "%s", reply->error);
	else if ((res == DB_DISABLED || res == DB_EXPIRED) && reply->log_reason != NULL)
		db_log(r, LOG_LEVEL_INFO, p->name, "%s", reply->log_reason);
	buf_deinit(&suffix);
}

/* cache_store - remember the passdb's answer */
static void cache_store(struct auth_request *r, const struct auth_passdb *p,
			const struct db_reply *reply, enum db_result res)
{
	char *key, *value, *h = NULL;

	if (p->db.cache_key == NULL || auth_global->set.cache_size == 0)
		return;
	key = cache_key(r, 'p');
	if (res == DB_NOTFOUND) {
		auth_cache_insert(auth_global->cache, key, NULL, time(NULL));
	} else if (res == DB_OK && reply->password != NULL) {
		char *first;

		if (r->chain == CHAIN_VERIFY && r->password != NULL) {
			h = hash_password(r->password);
			first = xasprintf("B%s\t%s", h + 1, reply->password);
			xfree(h);
		} else {
			first = xasprintf("P%s", reply->password);
		}

		value = cache_value(first, &reply->fields);
		auth_cache_insert(auth_global->cache, key, value, time(NULL));
		xfree(first);
		xfree(value);
	} else if (res == DB_OK && r->chain == CHAIN_VERIFY) {
		h = hash_password(r->password);
		value = cache_value(h, &reply->fields);
		auth_cache_insert(auth_global->cache, key, value, time(NULL));
		xfree(value);
		xfree(h);
	}
	xfree(key);
}

/* merge_reply_fields - a successful passdb's fields and user change */
static void merge_reply_fields(struct auth_request *r, const struct auth_passdb *p,
			       const struct db_reply *reply)
{
	struct db_request dr;
	struct db_template t;
	const char *error;
	size_t i;

	for (i = 0; i < reply->fields.n; i++)
		db_fields_set(&r->fields, reply->fields.keys[i], reply->fields.values[i]);
	if (reply->user != NULL && (r->user == NULL || strcmp(reply->user, r->user) != 0)) {
		xfree(r->user);
		r->user = xstrdup(reply->user);
	}
	if (*p->override_fields != '\0') {
		fill_db_request(&dr, r);
		db_template_parse(&t, p->override_fields);
		if (db_template_apply(&t, &dr, &r->fields, &error) < 0)
			db_log(r, LOG_LEVEL_ERROR, p->name, "Failed to expand override_fields: %s", error);
		db_template_deinit(&t);
	}
}

/* passdb_finish - the chain's final result */
static void passdb_finish(struct auth_request *r, enum db_result res)
{
	size_t i;

	if (r->aborted) {
		r->state = RS_DONE;
		return;
	}
	if (res == DB_OK && r->master_phase) {
		/* the master is authenticated: look the login user up (pass = yes) */
		xfree(r->master_user);
		r->master_user = r->user;
		r->user = r->login_user;
		r->login_user = NULL;
		r->master_phase = 0;
		r->chain = CHAIN_LOOKUP;
		r->idx = 0;
		r->cur_ok = 0;
		r->any_ran = 0;
		chain_next(r);
		return;
	}
	if (r->userdb_after_passdb) {
		/* USER with a userdb that needs the passdbs to know the user */
		r->userdb_after_passdb = 0;
		if (res != DB_OK) {
			userdb_finish(r, res == DB_INTERNAL ? DB_INTERNAL : DB_NOTFOUND);
			return;
		}
		/* the passdb's userdb_* fields come first, as Dovecot's */
		for (i = 0; i < r->fields.n; i++)
			if (strncmp(r->fields.keys[i], "userdb_", 7) == 0)
				db_fields_set(&r->ufields, r->fields.keys[i] + 7, r->fields.values[i]);
		r->chain = CHAIN_USERDB;
		r->idx = 0;
		r->cur_ok = r->had_internal = r->any_ran = 0;
		chain_next(r);
		return;
	}
	if (r->kind == REQ_PASS) {
		struct buf b;

		buf_init(&b, 0);
		if (res == DB_OK) {
			buf_printf(&b, "PASS\t%u\tuser=", r->id);
			proto_escape(&b, r->user);
			append_fields(&b, &r->fields, 0);
		} else if (res == DB_NOTFOUND || res == DB_DISABLED || res == DB_EXPIRED) {
			buf_printf(&b, "NOTFOUND\t%u", r->id);
		} else {
			buf_printf(&b, "FAIL\t%u", r->id);
		}
		send_reply(r, b.data, 1);
		buf_deinit(&b);
		return;
	}
	if (r->chain == CHAIN_CREDENTIALS)
		r->cred_cb(r, res, (const unsigned char *)r->cred.data, r->cred.len);
	else
		r->verify_cb(r, res);
}

/* passdb_callback - one passdb answered */
/*
 * chain_action - a passdb's or userdb's result_success / result_internalfail /
 * result_failure applied to its result res.  Returns 1 with *final_r when
 * the chain ends here (found_fail: what return-fail makes of a found
 * entry: passdb mismatch, userdb not found), 0 to go on with r->cur_ok set.
 */
static int chain_action(struct auth_request *r, enum db_result res, enum auth_db_action success,
			enum auth_db_action internalfail, enum auth_db_action failure,
			enum db_result found_fail, enum db_result *final_r)
{
	enum auth_db_action action = res == DB_OK ? success
		: res == DB_INTERNAL ? internalfail : failure;

	if (res == DB_INTERNAL)
		r->had_internal = 1;
	r->last = res;
	switch (action) {
	case AUTH_DB_RETURN:
		*final_r = res;
		return 1;
	case AUTH_DB_RETURN_OK:
		*final_r = DB_OK;
		return 1;
	case AUTH_DB_RETURN_FAIL:
		*final_r = res == DB_OK ? found_fail : res;
		return 1;
	case AUTH_DB_CONTINUE:
		r->cur_ok = res == DB_OK;
		break;
	case AUTH_DB_CONTINUE_OK:
		r->cur_ok = 1;
		break;
	case AUTH_DB_CONTINUE_FAIL:
		r->cur_ok = 0;
		break;
	}
	return 0;
}

static void passdb_callback(const struct db_reply *reply, void *ctx)
{
	struct auth_request *r = ctx;
	struct auth_passdb *p = &auth_global->set.passdbs[r->idx];
	enum db_result res = reply->result;
	enum db_result final;
	int nets_denied = 0;

	if (!r->from_cache)
		req_debug(r, p->name, "Finished passdb lookup");

	r->busy--;
	if (r->aborted) {
		r->state = RS_DONE;
		request_maybe_free(r);
		return;
	}
	if (res == DB_OK && db_fields_get(&reply->fields, "allow_nets") != NULL &&
	    !allow_nets_ok(r, p, db_fields_get(&reply->fields, "allow_nets")))
		nets_denied = 1;
	if (res == DB_OK && (r->chain == CHAIN_VERIFY || r->chain == CHAIN_CREDENTIALS) &&
	    (reply->password != NULL || r->chain == CHAIN_CREDENTIALS ||
	     !db_fields_has(&reply->fields, "nopassword")))
		res = reply->password != NULL || r->chain == CHAIN_CREDENTIALS
			? verify_stored(r, p, reply) : DB_OK;
	if (res != DB_OK)
		log_result(r, p, res, reply);
	if (nets_denied && res == DB_OK)
		res = DB_MISMATCH;
	if (res != DB_MISMATCH && !r->from_cache)
		cache_store(r, p, reply, reply->result == DB_OK ? DB_OK : res);
	r->from_cache = 0;
	if (p->deny) {
		if (res == DB_OK) {
			db_log(r, LOG_LEVEL_INFO, p->name, "User found from deny passdb");
			passdb_finish(r, DB_MISMATCH);
			return;
		}
		r->idx++;
		chain_next(r);
		return;
	}
	if (res == DB_OK)
		merge_reply_fields(r, p, reply);
	if (chain_action(r, res, p->result_success, p->result_internalfail, p->result_failure,
			 DB_MISMATCH, &final)) {
		passdb_finish(r, final);
		return;
	}
	r->idx++;
	chain_next(r);
}

/* passdb_chain_end - no passdb left */
static void passdb_chain_end(struct auth_request *r)
{
	enum db_result res;

	if (r->cur_ok)
		res = DB_OK;
	else if (r->had_internal)
		res = DB_INTERNAL;
	else if (!r->any_ran)
		res = DB_NOTFOUND;
	else
		res = r->last == DB_OK ? DB_MISMATCH : r->last;
	passdb_finish(r, res);
}

/* ---------------------------------------------------------------- the userdb chain */

static void userdb_callback(const struct db_reply *reply, void *ctx);

/* userdb_finish - USER / NOTFOUND / FAIL */
static void userdb_finish(struct auth_request *r, enum db_result res)
{
	struct buf b;
	const char *error;

	buf_init(&b, 0);
	if (res == DB_OK && db_resolve_ids(&r->ufields, &error) < 0) {
		db_log(r, LOG_LEVEL_ERROR, auth_global->set.userdbs[0].name, "%s", error);
		res = DB_INTERNAL;
	}
	if (res == DB_OK) {
		buf_printf(&b, "USER\t%u\t", r->id);
		proto_escape(&b, r->user);
		if (r->ufields.n == 0)
			buf_append_c(&b, '\t');
		append_fields(&b, &r->ufields, 1);
		if (r->login_mech != NULL)
			buf_printf(&b, "\tauth_mech=%s", r->login_mech);
	} else if (res == DB_NOTFOUND) {
		buf_printf(&b, "NOTFOUND\t%u", r->id);
	} else {
		buf_printf(&b, "FAIL\t%u", r->id);
	}
	send_reply(r, b.data, 1);
	buf_deinit(&b);
}

/* userdb_call - ask userdb r->idx (skip rules first) */
static void userdb_call(struct auth_request *r, struct auth_userdb *u)
{
	struct db_request dr;
	struct db_template t;
	const char *error;

	if (*u->default_fields != '\0') {
		fill_db_request(&dr, r);
		db_template_parse(&t, u->default_fields);
		if (db_template_apply(&t, &dr, &r->ufields, &error) < 0)
			db_log(r, LOG_LEVEL_ERROR, u->name, "Failed to expand default_fields: %s", error);
		db_template_deinit(&t);
	}
	r->any_ran = 1;
	fill_db_request(&dr, r);
	r->busy++;
	u->db.driver->lookup(&u->db, &dr, userdb_callback, r);
}

static void userdb_callback(const struct db_reply *reply, void *ctx)
{
	struct auth_request *r = ctx;
	struct auth_userdb *u = &auth_global->set.userdbs[r->idx];
	enum db_result res = reply->result;
	enum db_result final;
	size_t i;

	r->busy--;
	if (r->aborted) {
		r->state = RS_DONE;
		request_maybe_free(r);
		return;
	}
	if (res == DB_NOTFOUND)
		db_log(r, LOG_LEVEL_INFO, u->name, "%s",
		       reply->log_reason != NULL ? reply->log_reason : "unknown user");
	else if (res == DB_INTERNAL)
		db_log(r, LOG_LEVEL_ERROR, u->name, "%s", reply->error != NULL ? reply->error
		       : "userdb lookup failed");
	if (res == DB_OK) {
		struct db_request dr;
		struct db_template t;
		const char *error;

		for (i = 0; i < reply->fields.n; i++)
			db_fields_set(&r->ufields, reply->fields.keys[i], reply->fields.values[i]);
		if (reply->user != NULL) {
			xfree(r->user);
			r->user = xstrdup(reply->user);
		}
		if (*u->override_fields != '\0') {
			fill_db_request(&dr, r);
			db_template_parse(&t, u->override_fields);
			if (db_template_apply(&t, &dr, &r->ufields, &error) < 0)
				db_log(r, LOG_LEVEL_ERROR, u->name, "Failed to expand override_fields: %s", error);
			db_template_deinit(&t);
		}
	}
	if (chain_action(r, res, u->result_success, u->result_internalfail, u->result_failure,
			 DB_NOTFOUND, &final)) {
		userdb_finish(r, final);
		return;
	}
	r->idx++;
	chain_next(r);
}

/* userdb_skipped - skip = found / notfound */
static int userdb_skipped(const struct auth_request *r, const struct auth_userdb *u)
{
	return (u->skip == AUTH_SKIP_FOUND && r->cur_ok) ||
	       (u->skip == AUTH_SKIP_NOTFOUND && r->any_ran && !r->cur_ok);
}

/* chain_next - the next applicable database, or the end of the chain */
static void chain_next(struct auth_request *r)
{
	const struct auth_settings *set = &auth_global->set;

	if (r->chain == CHAIN_USERDB) {
		while (r->idx < set->nuserdbs && userdb_skipped(r, &set->userdbs[r->idx]))
			r->idx++;
		if (r->idx < set->nuserdbs) {
			userdb_call(r, &set->userdbs[r->idx]);
			return;
		}
		userdb_finish(r, r->cur_ok ? DB_OK : r->had_internal ? DB_INTERNAL : DB_NOTFOUND);
		return;
	}
	while (r->idx < set->npassdbs && passdb_skipped(r, &set->passdbs[r->idx]))
		r->idx++;
	if (r->idx < set->npassdbs) {
		passdb_call(r, &set->passdbs[r->idx]);
		return;
	}
	passdb_chain_end(r);
}

/* chain_start - begin a passdb chain of kind */
static void chain_start(struct auth_request *r, enum chain_kind kind)
{
	r->chain = kind;
	r->idx = 0;
	r->cur_ok = r->had_internal = r->any_ran = 0;
	r->last = DB_NOTFOUND;
	r->state = RS_MECH;
	event_timer_remove(auth_global->loop, &r->timer);
	r->busy++;	/* hold r while the chain may call back synchronously */
	chain_next(r);
	r->busy--;
	request_maybe_free(r);
}

void auth_request_verify_plain(struct auth_request *req, const char *password, mech_verify_cb *cb)
{
	xfree(req->password);
	req->password = xstrdup(password);
	req->verify_cb = cb;
	chain_start(req, CHAIN_VERIFY);
}

void auth_request_lookup_credentials(struct auth_request *req, const char *scheme,
				     mech_credentials_cb *cb)
{
	req->cred_scheme = scheme;
	req->cred_cb = cb;
	chain_start(req, req->master_phase ? CHAIN_LOOKUP : CHAIN_CREDENTIALS);
}

void auth_request_lookup_user(struct auth_request *req, mech_verify_cb *cb)
{
	req->verify_cb = cb;
	chain_start(req, CHAIN_LOOKUP);
}

/* ---------------------------------------------------------------- owners */

struct auth_request *auth_request_new_auth(const struct mech *mech, unsigned id,
					   const struct proto_params *params, unsigned minor_version,
					   auth_reply_fn *reply, void *ctx)
{
	struct auth_request *r = request_new(REQ_AUTH, id, params, reply, ctx);

	r->mech = mech;
	r->minor = minor_version;
	return r;
}

void auth_request_start(struct auth_request *req, const char *resp)
{
	int has = resp != NULL && (*resp != '\0' || req->minor >= 2);

	if (auth_global->set.ssl_require_client_cert && !req->valid_client_cert) {
		send_fail(req, DB_MISMATCH, "Client didn't present valid SSL certificate", 1);
		request_maybe_free(req);
		return;
	}
	buf_reset(&req->scratch);
	if (has && b64_decode(&req->scratch, resp, strlen(resp)) < 0) {
		struct buf b;

		auth_request_log_info(req, "Invalid base64 data in initial response");
		buf_init(&b, 0);
		buf_printf(&b, "FAIL\t%u\tcode=invalid_base64\treason=Invalid base64 data in initial response",
			   req->id);
		send_reply(req, b.data, 1);
		buf_deinit(&b);
		request_maybe_free(req);
		return;
	}
	req->state = RS_MECH;
	req->busy++;
	req->mech->start(req, (const unsigned char *)req->scratch.data, req->scratch.len, has);
	req->busy--;
	request_maybe_free(req);
}

void auth_request_continue(struct auth_request *req, const char *data)
{
	struct buf b;

	if (req->state != RS_WAIT_CLIENT && req->state != RS_WAIT_FINAL) {
		auth_request_log_info(req, "Unexpected continuation");
		send_fail(req, DB_MISMATCH, "Unexpected continuation", 0);
		request_maybe_free(req);
		return;
	}
	event_timer_remove(auth_global->loop, &req->timer);
	if (req->state == RS_WAIT_FINAL) {
		req->state = RS_MECH;
		send_ok(req, NULL, 0);
		request_maybe_free(req);
		return;
	}
	buf_reset(&req->scratch);
	if (b64_decode(&req->scratch, data, strlen(data)) < 0) {
		auth_request_log_info(req, "Invalid base64 data in continued response");
		buf_init(&b, 0);
		buf_printf(&b, "FAIL\t%u\tcode=invalid_base64\treason=Invalid base64 data in continued response",
			   req->id);
		send_reply(req, b.data, 1);
		buf_deinit(&b);
		request_maybe_free(req);
		return;
	}
	req->state = RS_MECH;
	req->busy++;
	req->mech->input(req, (const unsigned char *)req->scratch.data, req->scratch.len);
	req->busy--;
	request_maybe_free(req);
}

/* lookup_bad_user - USER/PASS with a name that fails normalisation: NOTFOUND */
static void lookup_bad_user(struct auth_request *r, const char *error)
{
	struct buf b;

	if (auth_global->set.verbose)
		msg_info("%s", error);
	buf_init(&b, 0);
	buf_printf(&b, "NOTFOUND\t%u", r->id);
	send_reply(r, b.data, 1);
	buf_deinit(&b);
	request_maybe_free(r);
}

struct auth_request *auth_request_new_lookup(enum auth_lookup kind, unsigned id, const char *user,
					     const struct proto_params *params,
					     auth_reply_fn *reply, void *ctx)
{
	struct auth_request *r = request_new(kind == AUTH_LOOKUP_USER ? REQ_USER : REQ_PASS, id,
					     params, reply, ctx);

	r->orig_user = xstrdup(user);
	return r;
}

/* userdbs_need_passdb - a userdb (static without allow_all_users) needs a passdb to know the user */
static int userdbs_need_passdb(void)
{
	size_t i;

	for (i = 0; i < auth_global->set.nuserdbs; i++)
		if (auth_global->set.userdbs[i].db.need_passdb_check)
			return 1;
	return 0;
}

void auth_request_run_lookup(struct auth_request *r)
{
	const char *error;
	char *norm;

	if ((norm = normalise(r, r->orig_user, &error)) == NULL) {
		lookup_bad_user(r, error);
		return;
	}
	r->user = norm;
	if (r->kind == REQ_USER && userdbs_need_passdb()) {
		r->userdb_after_passdb = 1;
		chain_start(r, CHAIN_LOOKUP);
	} else if (r->kind == REQ_USER) {
		r->chain = CHAIN_USERDB;
		r->idx = 0;
		r->busy++;
		chain_next(r);
		r->busy--;
		request_maybe_free(r);
	} else {
		chain_start(r, CHAIN_LOOKUP);
	}
}

/* ---------------------------------------------------------------- LIST */

int auth_wildcard_match(const char *text, const char *mask)
{
	if (*mask == '\0')
		return *text == '\0';
	if (*mask == '*') {
		while (mask[1] == '*')
			mask++;
		for (;; text++) {
			if (auth_wildcard_match(text, mask + 1))
				return 1;
			if (*text == '\0')
				return 0;
		}
	}
	if (*text == '\0')
		return 0;
	if (*mask == '?' || *mask == *text)
		return auth_wildcard_match(text + 1, mask + 1);
	return 0;
}

struct list_ctx {
	char *mask;
	size_t idx;
	int ok, any;
	void (*emit)(const char *user, void *ctx);
	void (*done)(int ok, void *ctx);
	void *ctx;
};

static void list_next(struct list_ctx *l);

static void list_emit(const char *user, void *ctx)
{
	struct list_ctx *l = ctx;

	if (l->mask == NULL || auth_wildcard_match(user, l->mask))
		l->emit(user, l->ctx);
}

static void list_db_done(int ok, void *ctx)
{
	struct list_ctx *l = ctx;

	if (!ok)
		l->ok = 0;
	l->idx++;
	list_next(l);
}

static void list_next(struct list_ctx *l)
{
	const struct auth_settings *set = &auth_global->set;

	while (l->idx < set->nuserdbs && set->userdbs[l->idx].db.driver->iterate == NULL)
		l->idx++;
	if (l->idx < set->nuserdbs) {
		struct auth_userdb *u = &set->userdbs[l->idx];

		l->any = 1;
		u->db.driver->iterate(&u->db, list_emit, list_db_done, l);
		return;
	}
	l->done(l->ok && l->any, l->ctx);
	xfree(l->mask);
	xfree(l);
}

void auth_list_users(const char *mask, void (*emit)(const char *user, void *ctx),
		     void (*done)(int ok, void *ctx), void *ctx)
{
	struct list_ctx *l = xcalloc(1, sizeof(*l));

	l->mask = mask != NULL && *mask != '\0' ? xstrdup(mask) : NULL;
	l->ok = 1;
	l->emit = emit;
	l->done = done;
	l->ctx = ctx;
	list_next(l);
}

/* ---------------------------------------------------------------- login handoff */

void auth_request_hold(struct auth_request *req)
{
	req->busy++;
}

void auth_request_release(struct auth_request *req)
{
	req->busy--;
	req->aborted = 1;
	request_maybe_free(req);
}

int auth_request_succeeded(const struct auth_request *req)
{
	return req->succeeded;
}

struct auth_request *auth_request_login_userdb(const struct auth_request *login_req, unsigned id,
					       auth_reply_fn *reply, void *ctx)
{
	struct proto_params p;
	struct auth_request *r;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.service = login_req->service;
	p.lip = login_req->lip;
	p.rip = login_req->rip;
	p.lport = login_req->lport;
	p.rport = login_req->rport;
	p.session = login_req->session;
	p.local_name = login_req->local_name;
	p.secured = login_req->secured;
	r = request_new(REQ_USER, id, &p, reply, ctx);
	r->orig_user = xstrdup(login_req->orig_user != NULL ? login_req->orig_user : login_req->user);
	r->user = xstrdup(login_req->user);
	r->login_mech = xstrdup(login_req->mech != NULL ? login_req->mech->name : "");
	for (i = 0; i < login_req->fields.n; i++)
		if (strncmp(login_req->fields.keys[i], "userdb_", 7) == 0)
			db_fields_set(&r->ufields, login_req->fields.keys[i] + 7, login_req->fields.values[i]);
	return r;
}

void auth_request_run_userdb(struct auth_request *r)
{
	r->chain = CHAIN_USERDB;
	r->idx = 0;
	r->busy++;
	chain_next(r);
	r->busy--;
	request_maybe_free(r);
}
