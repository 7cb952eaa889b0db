/*
 * db_pam.c - the pam passdb.  The auth process only forwards: the PAM
 * conversation runs in an auth-worker (PASSV), so a slow PAM module stalls
 * one worker, never the auth process.
 *
 * args: [session=yes] [setcred=yes] [failure_show_msg=yes]
 * [max_requests=N] [cache_key=K] [blocking=yes] [*|SERVICE]: "*" (or a
 * service with %-variables such as %s/%Ls) uses the request's service
 * name; the default service is "dovecot".  Only plaintext verification
 * (no credentials lookups).  Without cache_key= results are not cached.
 *
 * Results: PAM_SUCCESS -> DB_OK; PAM_USER_UNKNOWN -> DB_NOTFOUND;
 * PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_MAXTRIES -> DB_MISMATCH;
 * PAM_NEW_AUTHTOK_REQD -> DB_EXPIRED; PAM_ACCT_EXPIRED -> DB_DISABLED;
 * anything else (PAM_AUTHINFO_UNAVAIL, PAM_SYSTEM_ERR, PAM_CONV_ERR,
 * pam_start failing, ...) -> DB_INTERNAL.  log_reason carries Dovecot's
 * texts ("pam_authenticate() failed: Authentication failure (Password
 * mismatch?)", "pam_acct_mgmt() failed: ...").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <security/pam_appl.h>

#include "core/argv.h"
#include "core/buf.h"
#include "core/mem.h"

#include "db.h"
#include "worker.h"

#define PAM_DEFAULT_MAX_REQUESTS 100

struct pam_args {
	int session, setcred, failure_show_msg;
	unsigned max_requests;
	char *cache_key;
	char *service;		/* template; NULL = the request's service ("*") */
};

/* pam_args_parse - -1 + *error_r on an unknown parameter */
static int pam_args_parse(const char *args, struct pam_args *a, const char **error_r)
{
	static char errbuf[300];
	struct argv *v = argv_split(args != NULL ? args : "", " \t");
	size_t i;
	int ret = 0;

	memset(a, 0, sizeof(*a));
	a->max_requests = PAM_DEFAULT_MAX_REQUESTS;
	a->service = xstrdup("dovecot");
	for (i = 0; i < v->n && ret == 0; i++) {
		const char *w = v->v[i];

		if (strcmp(w, "session=yes") == 0 || strcmp(w, "-session") == 0)
			a->session = 1;
		else if (strcmp(w, "setcred=yes") == 0)
			a->setcred = 1;
		else if (strcmp(w, "failure_show_msg=yes") == 0)
			a->failure_show_msg = 1;
		else if (strncmp(w, "max_requests=", 13) == 0)
			a->max_requests = (unsigned)strtoul(w + 13, NULL, 10);
		else if (strncmp(w, "cache_key=", 10) == 0) {
			xfree(a->cache_key);
			a->cache_key = xstrdup(w + 10);
		} else if (strncmp(w, "blocking=", 9) == 0)
			;	/* always in a worker */
		else if (strcmp(w, "*") == 0) {
			xfree(a->service);
			a->service = NULL;
		} else if (i + 1 == v->n) {
			xfree(a->service);
			a->service = xstrdup(w);
		} else {
			snprintf(errbuf, sizeof(errbuf), "pam: Unexpected PAM parameter: %s", w);
			*error_r = errbuf;
			ret = -1;
		}
	}
	argv_destroy(&v);
	return ret;
}

static void pam_args_free(struct pam_args *a)
{
	xfree(a->cache_key);
	xfree(a->service);
}

/* ---- auth process side ---- */

static int passdb_pam_init(struct passdb *db, const char *args, const char **error_r)
{
	struct pam_args a;

	if (pam_args_parse(args, &a, error_r) < 0) {
		pam_args_free(&a);
		return -1;
	}
	db->cache_key = a.cache_key != NULL ? xstrdup(a.cache_key) : NULL;
	db->default_scheme = "PLAIN";
	db->priv = NULL;
	pam_args_free(&a);
	return 0;
}

static void passdb_pam_verify(struct passdb *db, const struct db_request *req,
			      const char *password, db_callback *cb, void *ctx)
{
	auth_worker_call(db->loop, "PASSV", "pam", db->args, req, password, cb, ctx);
}

static void passdb_pam_deinit(struct passdb *db)
{
	xfree((char *)db->cache_key);
	db->cache_key = NULL;
}

const struct passdb_driver passdb_pam = {
	.name = "pam",
	.init = passdb_pam_init,
	.verify_plain = passdb_pam_verify,
	.lookup_credentials = NULL,
	.deinit = passdb_pam_deinit,
};

/* ---- worker side ---- */

struct pam_conv_ctx {
	const char *user, *password;
	char *failure_msg;
};

/* pam_conv_fn - answer PAM's prompts with the user name and password */
static int pam_conv_fn(int num_msg, const struct pam_message **msg, struct pam_response **resp_r,
		       void *appdata)
{
	struct pam_conv_ctx *c = appdata;
	struct pam_response *resp;
	int i;

	*resp_r = NULL;
	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	resp = calloc((size_t)num_msg, sizeof(*resp));
	if (resp == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num_msg; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_ON:
			resp[i].resp = strdup(c->user);
			break;
		case PAM_PROMPT_ECHO_OFF:
			resp[i].resp = strdup(c->password);
			break;
		case PAM_ERROR_MSG:
			xfree(c->failure_msg);
			c->failure_msg = xstrdup(msg[i]->msg != NULL ? msg[i]->msg : "");
			break;
		case PAM_TEXT_INFO:
			break;
		default:
			for (i--; i >= 0; i--)
				free(resp[i].resp);
			free(resp);
			return PAM_CONV_ERR;
		}
	}
	*resp_r = resp;
	return PAM_SUCCESS;
}

/* pam_no_delay - PAM_FAIL_DELAY hook: the core applies auth_failure_delay, PAM must not sleep */
static void pam_no_delay(int retval, unsigned usec_delay, void *appdata)
{
	(void)retval;
	(void)usec_delay;
	(void)appdata;
}

/* pam_result - PAM status to db_result */
static enum db_result pam_result(int status)
{
	switch (status) {
	case PAM_SUCCESS: return DB_OK;
	case PAM_USER_UNKNOWN: return DB_NOTFOUND;
	case PAM_AUTH_ERR: case PAM_PERM_DENIED: case PAM_MAXTRIES: return DB_MISMATCH;
	case PAM_NEW_AUTHTOK_REQD: return DB_EXPIRED;
	case PAM_ACCT_EXPIRED: return DB_DISABLED;
	default: return DB_INTERNAL;
	}
}

/* pam_steps - authenticate, setcred, acct_mgmt, session; status + *what_r on failure */
static int pam_steps(pam_handle_t *pamh, const struct pam_args *a, const char **what_r)
{
	int st;

	if ((st = pam_authenticate(pamh, 0)) != PAM_SUCCESS) {
		*what_r = "pam_authenticate()";
		return st;
	}
	if (a->setcred && (st = pam_setcred(pamh, PAM_ESTABLISH_CRED)) != PAM_SUCCESS) {
		*what_r = "pam_setcred()";
		return st;
	}
	if ((st = pam_acct_mgmt(pamh, 0)) != PAM_SUCCESS) {
		*what_r = "pam_acct_mgmt()";
		return st;
	}
	if (a->session) {
		if ((st = pam_open_session(pamh, 0)) != PAM_SUCCESS) {
			*what_r = "pam_open_session()";
			return st;
		}
		if ((st = pam_close_session(pamh, 0)) != PAM_SUCCESS) {
			*what_r = "pam_close_session()";
			return st;
		}
	}
	return PAM_SUCCESS;
}

/* pam_service - the PAM service name for req */
static void pam_service(const struct pam_args *a, const struct db_request *req, struct buf *out)
{
	const char *error;

	if (a->service == NULL)
		buf_append_str(out, req->service != NULL ? req->service : "dovecot");
	else if (db_expand(out, a->service, req, NULL, &error) < 0)
		buf_set(out, "dovecot", 7);
}

/* pam_run - one conversation; fills reply */
static void pam_run(const struct pam_args *a, const struct db_request *req, const char *password,
		    struct db_reply *reply, struct argv *keep)
{
	struct pam_conv_ctx cc = { req->user, password, NULL };
	struct pam_conv conv = { pam_conv_fn, &cc };
	pam_handle_t *pamh = NULL;
	const char *what = NULL;
	const void *item;
	struct buf service;
	int st, st2;

	buf_init(&service, 256);
	pam_service(a, req, &service);
	st = pam_start(buf_cstr(&service), req->user, &conv, &pamh);
	buf_deinit(&service);
	if (st != PAM_SUCCESS) {
		argv_add_printf(keep, "pam_start() failed: %s", pam_strerror(pamh, st));
		reply->result = DB_INTERNAL;
		reply->error = keep->v[keep->n - 1];
		return;
	}
	if (req->rip != NULL)
		(void)pam_set_item(pamh, PAM_RHOST, req->rip);
	(void)pam_set_item(pamh, PAM_TTY, "dovecot");	/* pam_access wants one */
	(void)pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)pam_no_delay);
	st = pam_steps(pamh, a, &what);
	reply->result = pam_result(st);
	if (st == PAM_SUCCESS && pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS &&
	    item != NULL && strcmp(item, req->user) != 0) {
		argv_add(keep, item);
		reply->user = keep->v[keep->n - 1];
	} else if (st == PAM_USER_UNKNOWN) {
		reply->log_reason = "unknown user";
	} else if (st != PAM_SUCCESS) {
		argv_add_printf(keep, "%s failed: %s%s", what, pam_strerror(pamh, st),
				st == PAM_AUTH_ERR ? " (Password mismatch?)" : "");
		reply->log_reason = keep->v[keep->n - 1];
		if (reply->result == DB_INTERNAL)
			reply->error = reply->log_reason;
		if (a->failure_show_msg && cc.failure_msg != NULL)
			db_fields_set(&reply->fields, "reason", cc.failure_msg);
	}
	if ((st2 = pam_end(pamh, st)) != PAM_SUCCESS && reply->result == DB_OK) {
		reply->result = DB_INTERNAL;
		reply->error = "pam_end() failed";
	}
	xfree(cc.failure_msg);
	(void)st2;
}

/* worker_pam_passv - PASSV for pam */
static void worker_pam_passv(const char *args, const struct db_request *req, const char *password,
			     struct db_reply *reply, struct argv *keep)
{
	struct pam_args a;
	const char *error;

	if (pam_args_parse(args, &a, &error) < 0) {
		reply->result = DB_INTERNAL;
		reply->error = error;
	} else {
		pam_run(&a, req, password, reply, keep);
		auth_worker_pam_request_done(a.max_requests);
	}
	pam_args_free(&a);
}

const struct worker_handler worker_handler_pam = {
	.driver = "pam",
	.passv = worker_pam_passv,
	.passl = NULL,
	.user = NULL,
};
