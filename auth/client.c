/*
 * client.c - auth client connections (see client.h).  Facts:
 * shared/spec/auth-protocol.md sections 3-4, tests/data/auth/.
 */
#include "config.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "conn.h"
#include "mech.h"
#include "proto.h"
#include "request.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"

#define CLIENT_MAX_REQUESTS 1024	/* outstanding requests per connection */
#define LOGIN_MAX_WAITING 256		/* OK'd login requests waiting for the master's REQUEST */
#define LOGIN_WAIT_MS (150 * 1000)	/* how long they wait (Dovecot's master auth timeout) */

enum client_state { CS_VERSION, CS_CPID, CS_READY };

struct client_req {
	unsigned id;
	struct auth_request *req;
};

struct login_wait {
	unsigned id;
	uint64_t since;
	struct auth_request *req;
};

struct client_conn {
	struct conn *conn;
	struct client_conn *next;	/* login connections, for REQUEST */
	char cookie[33];
	struct login_wait *waits;
	size_t nwaits;
	enum client_state state;
	unsigned minor, pid;
	int login_socket;
	struct client_req *reqs;
	size_t nreqs, areqs;
	void (*done)(void *ctx);
	void *done_ctx;
};

static unsigned client_cuid_counter, client_count;
static struct client_conn *login_conns;

unsigned client_conn_count(void)
{
	return client_count;
}

/* req_find - index of id among the outstanding requests, -1 if none */
static long req_find(const struct client_conn *cc, unsigned id)
{
	size_t i;

	for (i = 0; i < cc->nreqs; i++)
		if (cc->reqs[i].id == id)
			return (long)i;
	return -1;
}

static void req_forget(struct client_conn *cc, unsigned id)
{
	long i = req_find(cc, id);

	if (i >= 0)
		cc->reqs[i] = cc->reqs[--cc->nreqs];
}

/* client_reply - a line from the request core */
/* login_wait_add - an OK'd request on a login socket waits for the master (oldest dropped) */
static void login_wait_add(struct client_conn *cc, struct auth_request *req)
{
	uint64_t now = event_now_ms();
	size_t i, keep = 0;

	for (i = 0; i < cc->nwaits; i++) {
		if (now - cc->waits[i].since > LOGIN_WAIT_MS || (keep == 0 && cc->nwaits >= LOGIN_MAX_WAITING && i == 0))
			auth_request_release(cc->waits[i].req);
		else
			cc->waits[keep++] = cc->waits[i];
	}
	cc->nwaits = keep;
	if (cc->waits == NULL)
		cc->waits = xcalloc(LOGIN_MAX_WAITING, sizeof(*cc->waits));
	auth_request_hold(req);
	cc->waits[cc->nwaits].id = auth_request_id(req);
	cc->waits[cc->nwaits].since = now;
	cc->waits[cc->nwaits++].req = req;
}

/* debug_in - auth_debug's "client in: " line, with responses hidden as Dovecot does */
static void debug_in(const char *line)
{
	const char *resp;

	if (!auth_global->set.debug)
		return;
	if (strncmp(line, "CONT\t", 5) == 0) {
		msg_debug("client in: CONT<hidden>");
	} else if ((resp = strstr(line, "\tresp=")) != NULL) {
		const char *end = strchr(resp + 1, '\t');

		msg_debug("client in: %.*s\tresp=<hidden>%s", (int)(resp - line), line, end != NULL ? end : "");
	} else {
		msg_debug("client in: %s", line);
	}
}

static void client_reply(struct auth_request *req, const char *line, int final, void *ctx)
{
	struct client_conn *cc = ctx;

	if (line != NULL) {
		if (auth_global->set.debug)
			msg_debug("client passdb out: %s", line);
		conn_send(cc->conn, line);
	}
	if (final) {
		req_forget(cc, auth_request_id(req));
		if (cc->login_socket && auth_request_succeeded(req))
			login_wait_add(cc, req);
	}
}

struct auth_request *client_login_take(unsigned pid, unsigned id, const char *cookie,
					const char **error_r)
{
	struct client_conn *cc;
	size_t i;

	for (cc = login_conns; cc != NULL; cc = cc->next)
		if (cc->pid == pid && cc->state == CS_READY)
			break;
	if (cc == NULL) {
		*error_r = "Master requested auth for nonexistent client";
		return NULL;
	}
	if (strcmp(cc->cookie, cookie) != 0) {
		*error_r = "Master requested auth with invalid cookie";
		return NULL;
	}
	for (i = 0; i < cc->nwaits; i++) {
		if (cc->waits[i].id == id && event_now_ms() - cc->waits[i].since <= LOGIN_WAIT_MS) {
			struct auth_request *req = cc->waits[i].req;

			cc->waits[i] = cc->waits[--cc->nwaits];
			return req;
		}
	}
	*error_r = "Master requested unknown auth request";
	return NULL;
}

/* client_bug - log a protocol error and close */
static void client_bug(struct client_conn *cc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void client_bug(struct client_conn *cc, const char *fmt, ...)
{
	va_list ap;
	char text[1024];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	msg_error("%s", text);
	conn_close(cc->conn);
}

/* client_auth - AUTH id mech service=... [params] [resp=] */
static void client_auth(struct client_conn *cc, char **f, int n)
{
	struct proto_params p;
	const struct mech *mech;
	struct auth_request *req;
	unsigned id;

	if (n < 3 || proto_parse_id(f[1], &id) < 0) {
		client_bug(cc, "BUG: Authentication client %u sent broken AUTH request", cc->pid);
		return;
	}
	if ((mech = auth_settings_mech(&auth_global->set, f[2])) == NULL) {
		client_bug(cc, "BUG: Authentication client %u requested unsupported authentication mechanism %s",
			   cc->pid, f[2]);
		return;
	}
	proto_parse_params(f + 3, n - 3, &p);
	if (p.service == NULL) {
		client_bug(cc, "BUG: Authentication client %u didn't specify service in request", cc->pid);
		return;
	}
	if (p.resp_not_last) {
		client_bug(cc, "BUG: Authentication client %u sent AUTH parameters after 'resp'", cc->pid);
		return;
	}
	if (req_find(cc, id) >= 0) {
		client_bug(cc, "BUG: Authentication client %u sent a duplicate ID %u", cc->pid, id);
		return;
	}
	if (cc->nreqs >= CLIENT_MAX_REQUESTS) {
		client_bug(cc, "Authentication client %u sent too many requests", cc->pid);
		return;
	}
	if (cc->nreqs == cc->areqs) {
		cc->areqs = cc->areqs * 2 + 8;
		cc->reqs = xreallocarray(cc->reqs, cc->areqs, sizeof(*cc->reqs));
	}
	req = auth_request_new_auth(mech, id, &p, cc->minor, client_reply, cc);
	cc->reqs[cc->nreqs].id = id;
	cc->reqs[cc->nreqs++].req = req;
	auth_request_start(req, p.resp);
}

/* client_cont - CONT id data */
static void client_cont(struct client_conn *cc, char **f, int n)
{
	unsigned id;
	long i;
	char line[64];

	if (n < 3 || proto_parse_id(f[1], &id) < 0) {
		client_bug(cc, "BUG: Authentication client sent broken CONT request");
		return;
	}
	if ((i = req_find(cc, id)) < 0) {
		snprintf(line, sizeof(line), "FAIL\t%u\treason=Authentication request timed out", id);
		conn_send(cc->conn, line);
		return;
	}
	auth_request_continue(cc->reqs[i].req, f[2]);
}

/* client_cancel - CANCEL id: forget it, no reply */
static void client_cancel(struct client_conn *cc, char **f, int n)
{
	unsigned id;
	long i;

	if (n < 2 || proto_parse_id(f[1], &id) < 0) {
		client_bug(cc, "BUG: Authentication client sent broken CANCEL request");
		return;
	}
	if ((i = req_find(cc, id)) >= 0) {
		struct auth_request *req = cc->reqs[i].req;

		req_forget(cc, id);
		auth_request_abort(req);
	}
}

/* client_handshake - VERSION, then CPID */
static void client_handshake(struct client_conn *cc, char *line, char **f, int n)
{
	unsigned major, pid;

	if (cc->state == CS_VERSION) {
		if (n < 3 || strcmp(f[0], "VERSION") != 0 || proto_parse_uint(f[1], &major) < 0 ||
		    proto_parse_uint(f[2], &cc->minor) < 0) {
			client_bug(cc, "Authentication client sent invalid VERSION line: %s", line);
			return;
		}
		if (major != 1) {
			client_bug(cc, "Authentication client not compatible with this server (mixed old and new binaries?)");
			return;
		}
		cc->state = CS_CPID;
		return;
	}
	if (n < 2 || strcmp(f[0], "CPID") != 0) {
		client_bug(cc, "BUG: Authentication client sent unknown handshake command: %s", line);
		return;
	}
	if (proto_parse_id(f[1], &pid) < 0) {
		client_bug(cc, "BUG: Authentication client said it's PID %s", f[1]);
		return;
	}
	cc->pid = cc->login_socket ? pid : 0;	/* plain client sockets: the pid is not used */
	cc->state = CS_READY;
}

/* client_line - one line from the client */
static void client_line(struct conn *c, char *line)
{
	struct client_conn *cc = c->ctx;
	char *copy = xstrdup(line), *f[PROTO_MAX_FIELDS];
	int n = proto_split(line, f, PROTO_MAX_FIELDS);

	if (n < 0) {
		client_bug(cc, "BUG: Authentication client %u sent too many fields", cc->pid);
	} else if (cc->state != CS_READY) {
		client_handshake(cc, copy, f, n);
	} else if (strcmp(f[0], "AUTH") == 0) {
		debug_in(copy);
		client_auth(cc, f, n);
	} else if (strcmp(f[0], "CONT") == 0) {
		debug_in(copy);
		client_cont(cc, f, n);
	} else if (strcmp(f[0], "CANCEL") == 0) {
		client_cancel(cc, f, n);
	} else {
		client_bug(cc, "BUG: Authentication client sent unknown command: %s", copy);
	}
	xfree(copy);
}

/* client_closed - the connection is going: drop its requests */
static void client_closed(struct conn *c, enum conn_close_reason why)
{
	struct client_conn *cc = c->ctx;
	size_t i;

	if (why == CONN_TOO_LONG)
		msg_error("BUG: Auth client %u sent us more than %u bytes", cc->pid,
			  (unsigned)PROTO_CLIENT_LINE_MAX);
	else if (cc->nreqs > 0 && why != CONN_LOCAL)
		msg_error("auth client %u disconnected with %zu pending requests: %s", cc->pid,
			  cc->nreqs, why == CONN_EOF ? "EOF" : "Connection reset by peer");
	for (i = 0; i < cc->nreqs; i++)
		auth_request_abort(cc->reqs[i].req);
	for (i = 0; i < cc->nwaits; i++)
		auth_request_release(cc->waits[i].req);
	xfree(cc->waits);
	if (cc->login_socket) {
		struct client_conn **pp;

		for (pp = &login_conns; *pp != NULL; pp = &(*pp)->next)
			if (*pp == cc) {
				*pp = cc->next;
				break;
			}
	}
	xfree(cc->reqs);
	client_count--;
	if (cc->done != NULL)
		cc->done(cc->done_ctx);
	xfree(cc);
}

/* client_send_handshake - VERSION, MECH..., SPID, CUID, COOKIE, DONE in one write */
static void client_send_handshake(struct client_conn *cc)
{
	const struct auth_settings *set = &auth_global->set;
	unsigned char cookie[16];
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	buf_append_str(&b, "VERSION\t1\t2\n");
	for (i = 0; i < set->nmechs; i++) {
		buf_printf(&b, "MECH\t%s", set->mechs[i]->name);
		mech_flags_append(&b, set->mechs[i]->flags);
		buf_append_c(&b, '\n');
	}
	if (RAND_bytes(cookie, sizeof(cookie)) != 1)
		memset(cookie, 0, sizeof(cookie));
	buf_printf(&b, "SPID\t%ld\nCUID\t%u\nCOOKIE\t", (long)getpid(), ++client_cuid_counter);
	for (i = 0; i < sizeof(cookie); i++)
		snprintf(cc->cookie + i * 2, 3, "%02x", cookie[i]);
	buf_append_str(&b, cc->cookie);
	buf_append_str(&b, "\nDONE");
	conn_send(cc->conn, b.data);
	buf_deinit(&b);
}

void client_conn_create(int fd, struct event_loop *loop, int login_socket,
			void (*done)(void *ctx), void *ctx)
{
	struct client_conn *cc = xcalloc(1, sizeof(*cc));

	cc->login_socket = login_socket;
	if (login_socket) {
		cc->next = login_conns;
		login_conns = cc;
	}
	cc->done = done;
	cc->done_ctx = ctx;
	client_count++;
	cc->conn = conn_create(fd, loop, PROTO_CLIENT_LINE_MAX, client_line, client_closed, cc);
	client_send_handshake(cc);
}
