/*
 * master.c - auth master/userdb connections (see master.h).  Facts:
 * shared/spec/auth-protocol.md section 7, tests/data/auth/.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "client.h"
#include "conn.h"
#include "master.h"
#include "proto.h"
#include "request.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"

#define MASTER_MAX_REQUESTS 1024

struct master_req {
	unsigned id;
	struct auth_request *req;	/* NULL for LIST */
};

struct master_conn {
	struct conn *conn;
	int userdb_only, handshaken, lists;
	uint64_t handshake_ms;
	struct master_req *reqs;
	size_t nreqs, areqs;
	void (*done)(void *ctx);
	void *done_ctx;
};

/* master_bug - "auth-master client: <text> (created N msecs ago[, handshake N msecs ago])" and close */
static void master_bug(struct master_conn *mc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void master_bug(struct master_conn *mc, const char *fmt, ...)
{
	uint64_t now = event_now_ms();
	char text[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (mc->handshaken)
		msg_error("auth-master client: %s (created %llu msecs ago, handshake %llu msecs ago)", text,
			  (unsigned long long)(now - mc->conn->created_ms),
			  (unsigned long long)(now - mc->handshake_ms));
	else
		msg_error("auth-master client: %s (created %llu msecs ago)", text,
			  (unsigned long long)(now - mc->conn->created_ms));
	conn_close(mc->conn);
}

static void req_forget(struct master_conn *mc, unsigned id)
{
	size_t i;

	for (i = 0; i < mc->nreqs; i++) {
		if (mc->reqs[i].id == id) {
			mc->reqs[i] = mc->reqs[--mc->nreqs];
			return;
		}
	}
}

static void master_reply(struct auth_request *req, const char *line, int final, void *ctx)
{
	struct master_conn *mc = ctx;

	if (line != NULL)
		conn_send(mc->conn, line);
	if (final)
		req_forget(mc, auth_request_id(req));
}

/* master_lookup - USER/PASS id user service=... */
static void master_lookup(struct master_conn *mc, enum auth_lookup kind, char **f, int n)
{
	const char *cmd = kind == AUTH_LOOKUP_USER ? "USER" : "PASS";
	struct proto_params p;
	struct auth_request *req;
	unsigned id;

	if (n < 3 || proto_parse_id(f[1], &id) < 0) {
		master_bug(mc, "BUG: Master sent broken %s", cmd);
		return;
	}
	proto_parse_params(f + 3, n - 3, &p);
	if (p.service == NULL) {
		master_bug(mc, "BUG: Master sent %s request without service", cmd);
		return;
	}
	if (mc->nreqs >= MASTER_MAX_REQUESTS) {
		master_bug(mc, "Master sent too many requests");
		return;
	}
	if (mc->nreqs == mc->areqs) {
		mc->areqs = mc->areqs * 2 + 8;
		mc->reqs = xreallocarray(mc->reqs, mc->areqs, sizeof(*mc->reqs));
	}
	proto_unescape(f[2]);
	req = auth_request_new_lookup(kind, id, f[2], &p, master_reply, mc);
	mc->reqs[mc->nreqs].id = id;
	mc->reqs[mc->nreqs++].req = req;
	auth_request_run_lookup(req);
}

/* LIST: replies come from the userdb iterators */
struct list_run {
	struct master_conn *mc;	/* NULL once the connection is gone */
	unsigned id;
};
static struct list_run *list_runs[64];

static void list_emit(const char *user, void *ctx)
{
	struct list_run *lr = ctx;
	struct buf b;

	if (lr->mc == NULL)
		return;
	buf_init(&b, 0);
	buf_printf(&b, "LIST\t%u\t", lr->id);
	proto_escape(&b, user);
	conn_send(lr->mc->conn, b.data);
	buf_deinit(&b);
}

static void list_done(int ok, void *ctx)
{
	struct list_run *lr = ctx;
	char line[64];
	size_t i;

	if (lr->mc != NULL) {
		snprintf(line, sizeof(line), "DONE\t%u\t%s", lr->id, ok ? "" : "fail");
		conn_send(lr->mc->conn, line);
		lr->mc->lists--;
	}
	for (i = 0; i < sizeof(list_runs) / sizeof(list_runs[0]); i++)
		if (list_runs[i] == lr)
			list_runs[i] = NULL;
	xfree(lr);
}

static void master_list(struct master_conn *mc, char **f, int n)
{
	struct proto_params p;
	struct list_run *lr;
	const char *mask = NULL;
	unsigned id;
	size_t i;
	int k;

	if (n < 2 || proto_parse_id(f[1], &id) < 0) {
		master_bug(mc, "BUG: Master sent broken LIST");
		return;
	}
	proto_parse_params(f + 2, n - 2, &p);
	for (k = 2; k < n; k++)
		if (strncmp(f[k], "user=", 5) == 0)
			mask = f[k] + 5;
	for (i = 0; i < sizeof(list_runs) / sizeof(list_runs[0]) && list_runs[i] != NULL; i++)
		;
	if (i == sizeof(list_runs) / sizeof(list_runs[0])) {
		char line[64];

		snprintf(line, sizeof(line), "DONE\t%u\tfail", id);
		conn_send(mc->conn, line);
		return;
	}
	lr = xcalloc(1, sizeof(*lr));
	lr->mc = mc;
	lr->id = id;
	list_runs[i] = lr;
	mc->lists++;
	auth_list_users(mask, list_emit, list_done, lr);
}

/* master_request - REQUEST id client-pid client-id cookie: the login handoff */
static void master_request(struct master_conn *mc, char **f, int n)
{
	unsigned id, pid, client_id;
	struct auth_request *login, *req;
	const char *error;
	char line[64];

	if (n < 5 || proto_parse_id(f[1], &id) < 0 || proto_parse_id(f[2], &pid) < 0 ||
	    proto_parse_id(f[3], &client_id) < 0) {
		master_bug(mc, "BUG: Master sent broken REQUEST");
		return;
	}
	if ((login = client_login_take(pid, client_id, f[4], &error)) == NULL) {
		msg_info("%s: pid=%u id=%u", error, pid, client_id);
		snprintf(line, sizeof(line), "FAIL\t%u", id);
		conn_send(mc->conn, line);
		return;
	}
	if (mc->nreqs == mc->areqs) {
		mc->areqs = mc->areqs * 2 + 8;
		mc->reqs = xreallocarray(mc->reqs, mc->areqs, sizeof(*mc->reqs));
	}
	req = auth_request_login_userdb(login, id, master_reply, mc);
	auth_request_release(login);
	mc->reqs[mc->nreqs].id = id;
	mc->reqs[mc->nreqs++].req = req;
	auth_request_run_userdb(req);
}

/* master_cache_flush - CACHE-FLUSH id [user...] -> OK id count */
static void master_cache_flush(struct master_conn *mc, char **f, int n)
{
	unsigned id, count;
	char line[64];
	int k;

	if (n < 2 || proto_parse_id(f[1], &id) < 0) {
		master_bug(mc, "BUG: Master sent broken CACHE-FLUSH");
		return;
	}
	for (k = 2; k < n; k++)
		proto_unescape(f[k]);
	f[n] = NULL;
	count = auth_cache_flush(auth_global->cache, n > 2 ? (const char *const *)(f + 2) : NULL);
	snprintf(line, sizeof(line), "OK\t%u\t%u", id, count);
	conn_send(mc->conn, line);
}

static void master_line(struct conn *c, char *line)
{
	struct master_conn *mc = c->ctx;
	char *copy = xstrdup(line), *f[PROTO_MAX_FIELDS + 1];
	int n = proto_split(line, f, PROTO_MAX_FIELDS);
	unsigned major, minor;

	if (n < 0)
		master_bug(mc, "BUG: Master sent too many fields");
	else if (!mc->handshaken) {
		if (n < 3 || strcmp(f[0], "VERSION") != 0 || proto_parse_uint(f[1], &major) < 0 ||
		    proto_parse_uint(f[2], &minor) < 0 || major != 1) {
			master_bug(mc, "Master not compatible with this server (mixed old and new binaries?)");
		} else {
			mc->handshaken = 1;
			mc->handshake_ms = event_now_ms();
		}
	} else if (strcmp(f[0], "USER") == 0)
		master_lookup(mc, AUTH_LOOKUP_USER, f, n);
	else if (strcmp(f[0], "PASS") == 0)
		master_lookup(mc, AUTH_LOOKUP_PASS, f, n);
	else if (strcmp(f[0], "LIST") == 0)
		master_list(mc, f, n);
	else if (strcmp(f[0], "REQUEST") == 0 && !mc->userdb_only)
		master_request(mc, f, n);
	else if (strcmp(f[0], "CACHE-FLUSH") == 0 && !mc->userdb_only)
		master_cache_flush(mc, f, n);
	else if (strcmp(f[0], "CPID") == 0)
		master_bug(mc, "Authentication client trying to connect to master socket");
	else
		master_bug(mc, "BUG: Unknown command in master socket: %s", copy);
	xfree(copy);
}

static void master_closed(struct conn *c, enum conn_close_reason why)
{
	struct master_conn *mc = c->ctx;
	size_t i;

	if (why == CONN_TOO_LONG) {
		mc->conn = c;
		msg_error("auth-master client: BUG: Master sent us more than %u bytes (created %llu msecs ago%s)",
			  (unsigned)PROTO_MASTER_LINE_MAX,
			  (unsigned long long)(event_now_ms() - c->created_ms),
			  mc->handshaken ? ", handshake 0 msecs ago" : "");
	}
	for (i = 0; i < mc->nreqs; i++)
		auth_request_abort(mc->reqs[i].req);
	for (i = 0; i < sizeof(list_runs) / sizeof(list_runs[0]); i++)
		if (list_runs[i] != NULL && list_runs[i]->mc == mc)
			list_runs[i]->mc = NULL;
	xfree(mc->reqs);
	if (mc->done != NULL)
		mc->done(mc->done_ctx);
	xfree(mc);
}

void master_conn_create(int fd, struct event_loop *loop, int userdb_only,
			void (*done)(void *ctx), void *ctx)
{
	struct master_conn *mc = xcalloc(1, sizeof(*mc));
	char line[64];

	mc->userdb_only = userdb_only;
	mc->done = done;
	mc->done_ctx = ctx;
	mc->conn = conn_create(fd, loop, PROTO_MASTER_LINE_MAX, master_line, master_closed, mc);
	snprintf(line, sizeof(line), "VERSION\t1\t1\nSPID\t%ld", (long)getpid());
	conn_send(mc->conn, line);
}
