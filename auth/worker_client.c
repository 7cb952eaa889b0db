/*
 * worker_client.c - the auth process's side of the auth-worker protocol:
 * a queue of requests and a pool of connections, one request in flight per
 * connection (worker.h, docs/auth-databases.md).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"

#include "worker.h"

struct wreq {
	unsigned id;
	char *line;			/* the request line, LF included */
	char *what;			/* "PASSV pam(user)" for logs */
	db_callback *cb;
	void *ctx;
	struct event_timer *timer;
	struct wconn *conn;		/* NULL while queued */
	struct wreq *next;		/* queue */
};

struct wconn {
	int fd;
	int version_seen;
	int closing;			/* the worker said BYE: close after the current reply */
	struct buf in, out;
	struct wreq *cur;
	struct event_timer *idle;
	struct wconn *next;
};

static struct {
	struct event_loop *loop;
	char *path;
	unsigned max_conns, timeout_ms;
	struct wconn *conns;
	unsigned nconns;
	struct wreq *head, *tail;
	unsigned queued;
	unsigned next_id;
} wc = { NULL, NULL, 30, AUTH_WORKER_TIMEOUT_MS, NULL, 0, NULL, NULL, 0, 1 };

#define AUTH_WORKER_QUEUE_MAX 10000	/* waiting requests beyond the pool */

static void wc_dispatch(void);

void auth_worker_client_init(struct event_loop *loop, const char *socket_path,
			     unsigned max_conns, unsigned timeout_ms)
{
	wc.loop = loop;
	xfree(wc.path);
	wc.path = xstrdup(socket_path);
	wc.max_conns = max_conns > 0 ? max_conns : 30;
	wc.timeout_ms = timeout_ms > 0 ? timeout_ms : AUTH_WORKER_TIMEOUT_MS;
}

unsigned auth_worker_client_conns(void)
{
	return wc.nconns;
}

/* wreq_finish - call back with reply and free the request */
static void wreq_finish(struct wreq *r, const struct db_reply *reply)
{
	event_timer_remove(wc.loop, &r->timer);
	r->cb(reply, r->ctx);
	if (r->line != NULL)
		memset(r->line, 0, strlen(r->line));	/* it may carry a password */
	xfree(r->line);
	xfree(r->what);
	xfree(r);
}

/* wreq_fail - DB_INTERNAL with error */
static void wreq_fail(struct wreq *r, const char *error)
{
	struct db_reply reply;

	db_reply_init(&reply, DB_INTERNAL);
	reply.error = error;
	wreq_finish(r, &reply);
	db_reply_deinit(&reply);
}

/* wconn_close - drop a connection; its current request fails with error */
static void wconn_close(struct wconn *c, const char *error)
{
	struct wconn **pp;
	struct wreq *r = c->cur;

	for (pp = &wc.conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	wc.nconns--;
	event_io_remove(wc.loop, c->fd);
	close(c->fd);
	event_timer_remove(wc.loop, &c->idle);
	buf_deinit(&c->in);
	buf_deinit(&c->out);
	xfree(c);
	if (r != NULL) {
		char *e = xasprintf("auth-worker: Aborted %s: %s", r->what, error);

		wreq_fail(r, e);
		xfree(e);
	}
}

/* wconn_idle_timeout - close a connection nobody used for a while */
static void wconn_idle_timeout(void *ctx)
{
	struct wconn *c = ctx;

	c->idle = NULL;
	wconn_close(c, "idle");
}

/* parse_reply - a reply line's words into reply */
static int parse_reply(char **w, size_t n, struct db_reply *reply)
{
	size_t i;
	char *eq;

	if (n < 2 || db_result_parse(w[1], &reply->result) < 0)
		return -1;
	for (i = 2; i < n; i++) {
		if (w[i][0] == '+') {
			eq = strchr(w[i], '=');
			if (eq != NULL)
				*eq++ = '\0';
			db_fields_set(&reply->fields, w[i] + 1, eq);
			continue;
		}
		eq = strchr(w[i], '=');
		if (eq == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(w[i], "user") == 0)
			reply->user = eq;
		else if (strcmp(w[i], "password") == 0)
			reply->password = eq;
		else if (strcmp(w[i], "scheme") == 0)
			reply->scheme = eq;
		else if (strcmp(w[i], "error") == 0)
			reply->error = eq;
		else if (strcmp(w[i], "reason") == 0)
			reply->log_reason = eq;
	}
	return 0;
}

/* wconn_line - one line from the worker: 0 ok, -1 protocol error, 1 reply done after BYE (close) */
static int wconn_line(struct wconn *c, char *line)
{
	char *w[256];
	size_t n = worker_split(line, w, 256);
	struct db_reply reply;
	struct wreq *r = c->cur;

	if (!c->version_seen) {
		if (n < 2 || strcmp(w[0], "VERSION") != 0 ||
		    atoi(w[1]) != AUTH_WORKER_PROTO_VERSION)
			return -1;
		c->version_seen = 1;
		return 0;
	}
	if (strcmp(w[0], "BYE") == 0) {
		c->closing = 1;
		return 0;
	}
	if (r == NULL || strtoul(w[0], NULL, 10) != r->id)
		return -1;
	db_reply_init(&reply, DB_INTERNAL);
	if (parse_reply(w, n, &reply) < 0) {
		db_reply_deinit(&reply);
		return -1;
	}
	c->cur = NULL;
	wreq_finish(r, &reply);
	db_reply_deinit(&reply);
	if (c->closing)
		return 1;
	c->idle = event_timer_add(wc.loop, AUTH_WORKER_IDLE_MS, wconn_idle_timeout, c);
	return 0;
}

/* wconn_flush - write what is buffered; -1 on error */
static int wconn_flush(struct wconn *c)
{
	ssize_t w;

	while (buf_len(&c->out) > 0) {
		w = write(c->fd, c->out.data, buf_len(&c->out));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0)
			return -1;
		buf_consume(&c->out, (size_t)w);
	}
	return 0;
}

/* wconn_read - input into lines; 1 keeps the connection, 0 closed it */
static int wconn_read(struct wconn *c)
{
	char tmp[8192], *nl;
	ssize_t r = read(c->fd, tmp, sizeof(tmp));

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (r <= 0) {
		wconn_close(c, r == 0 ? "Worker process died unexpectedly"
			    : "read() from worker failed");
		return 0;
	}
	if (buf_append(&c->in, tmp, (size_t)r) < 0) {
		msg_error("auth-worker: reply line too long (more than %d bytes)",
			  AUTH_WORKER_LINE_MAX);
		wconn_close(c, "reply too long");
		return 0;
	}
	while ((nl = memchr(c->in.data, '\n', buf_len(&c->in))) != NULL) {
		size_t len = (size_t)(nl - c->in.data);
		char *line = xstrndup(c->in.data, len);
		int ret;

		buf_consume(&c->in, len + 1);
		ret = wconn_line(c, line);
		xfree(line);
		if (ret < 0) {
			msg_error("auth-worker: protocol error from worker, closing");
			wconn_close(c, "protocol error");
			return 0;
		}
		if (ret > 0) {
			wconn_close(c, "worker restarting");
			return 0;
		}
	}
	return 1;
}

/* wconn_io - socket events */
static void wconn_io(int fd, unsigned ready, void *ctx)
{
	struct wconn *c = ctx;

	(void)fd;
	if ((ready & (EVENT_READ | EVENT_ERROR)) != 0 && !wconn_read(c)) {
		wc_dispatch();		/* c is gone: queued requests may need a new connection */
		return;
	}
	if ((ready & EVENT_WRITE) != 0 && wconn_flush(c) < 0) {
		wconn_close(c, "write() to worker failed");
		wc_dispatch();
		return;
	}
	event_io_set(wc.loop, c->fd, EVENT_READ | (buf_len(&c->out) > 0 ? EVENT_WRITE : 0),
		     wconn_io, c);
	wc_dispatch();
}

/* wconn_open - a new connection; NULL + logged error */
static struct wconn *wconn_open(void)
{
	struct sockaddr_un sun;
	struct wconn *c;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(wc.path) >= sizeof(sun.sun_path)) {
		msg_error("auth-worker: socket path too long: %s", wc.path);
		return NULL;
	}
	memcpy(sun.sun_path, wc.path, strlen(wc.path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		msg_error("auth-worker: connect(%s) failed: %s", wc.path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	buf_init(&c->in, AUTH_WORKER_LINE_MAX);
	buf_init(&c->out, 0);
	c->next = wc.conns;
	wc.conns = c;
	wc.nconns++;
	event_io_set(wc.loop, fd, EVENT_READ, wconn_io, c);
	return c;
}

/* wconn_send - start request r on c */
static void wconn_send(struct wconn *c, struct wreq *r)
{
	event_timer_remove(wc.loop, &c->idle);
	c->cur = r;
	r->conn = c;
	buf_append_str(&c->out, r->line);
	/* written from wconn_io: closing c here could pull it from under a caller */
	event_io_set(wc.loop, c->fd, EVENT_READ | EVENT_WRITE, wconn_io, c);
}

/* wc_dispatch - hand queued requests to free connections, opening new ones up to the limit */
static void wc_dispatch(void)
{
	struct wconn *c;
	struct wreq *r;

	while ((r = wc.head) != NULL) {
		for (c = wc.conns; c != NULL; c = c->next)
			if (c->cur == NULL && !c->closing)
				break;
		if (c == NULL && wc.nconns < wc.max_conns)
			c = wconn_open();
		if (c == NULL) {
			if (wc.nconns > 0)
				return;		/* wait for a busy connection */
			wc.head = r->next;
			if (wc.head == NULL)
				wc.tail = NULL;
			wc.queued--;
			wreq_fail(r, "auth-worker: no worker process reachable");
			continue;
		}
		wc.head = r->next;
		if (wc.head == NULL)
			wc.tail = NULL;
		wc.queued--;
		wconn_send(c, r);
	}
}

/* wreq_timeout - the request took too long: its worker is stuck */
static void wreq_timeout(void *ctx)
{
	struct wreq *r = ctx, **pp;
	char *e;

	r->timer = NULL;
	if (r->conn != NULL) {
		r->conn->cur = NULL;
		wconn_close(r->conn, "timeout");
	} else {
		for (pp = &wc.head; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == r) {
				*pp = r->next;
				wc.queued--;
				break;
			}
		}
		wc.tail = NULL;
		for (pp = &wc.head; *pp != NULL; pp = &(*pp)->next)
			wc.tail = *pp;
	}
	e = xasprintf("auth-worker: Aborted %s: Lookup timed out after %u secs", r->what,
		      wc.timeout_ms / 1000);
	wreq_fail(r, e);
	xfree(e);
	wc_dispatch();
}

/* add_kv - "\tkey=value" when value is set */
static void add_kv(struct buf *b, const char *key, const char *value)
{
	if (value == NULL)
		return;
	buf_printf(b, "\t%s=", key);
	worker_escape(b, value);
}

void auth_worker_call(struct event_loop *loop, const char *cmd, const char *driver,
		      const char *args, const struct db_request *req, const char *password,
		      db_callback *cb, void *ctx)
{
	struct wreq *r = xcalloc(1, sizeof(*r));
	struct buf b;

	if (wc.loop == NULL)
		wc.loop = loop;
	if (wc.path == NULL)
		wc.path = xstrdup("/run/dovecot/auth-worker");
	r->id = wc.next_id++;
	if (wc.next_id == 0)
		wc.next_id = 1;
	r->cb = cb;
	r->ctx = ctx;
	r->what = xasprintf("%s request for %s(%s)", cmd, driver, req->user);
	buf_init(&b, 0);
	buf_printf(&b, "%u\t%s\t", r->id, cmd);
	worker_escape(&b, driver);
	buf_append_c(&b, '\t');
	worker_escape(&b, args != NULL ? args : "");
	add_kv(&b, "user", req->user);
	add_kv(&b, "orig_user", req->orig_user);
	add_kv(&b, "service", req->service);
	add_kv(&b, "mech", req->mech);
	add_kv(&b, "lip", req->lip);
	add_kv(&b, "rip", req->rip);
	add_kv(&b, "lport", req->lport);
	add_kv(&b, "rport", req->rport);
	add_kv(&b, "session", req->session);
	add_kv(&b, "local_name", req->local_name);
	add_kv(&b, "secured", req->secured ? "1" : NULL);
	add_kv(&b, "debug", req->debug ? "1" : NULL);
	add_kv(&b, "password", password);
	buf_append_c(&b, '\n');
	if (buf_len(&b) > AUTH_WORKER_LINE_MAX) {
		buf_deinit(&b);
		wreq_fail(r, "auth-worker: request too long");
		return;
	}
	r->line = buf_steal(&b);
	buf_deinit(&b);
	if (wc.queued >= AUTH_WORKER_QUEUE_MAX) {
		wreq_fail(r, "auth-worker: too many requests waiting for a worker");
		return;
	}
	r->timer = event_timer_add(wc.loop, wc.timeout_ms, wreq_timeout, r);
	if (wc.tail != NULL)
		wc.tail->next = r;
	else
		wc.head = r;
	wc.tail = r;
	wc.queued++;
	wc_dispatch();
}

void auth_worker_client_deinit(void)
{
	struct wreq *r;

	while (wc.conns != NULL)
		wconn_close(wc.conns, "auth process shutting down");
	while ((r = wc.head) != NULL) {
		wc.head = r->next;
		wreq_fail(r, "auth-worker: auth process shutting down");
	}
	wc.tail = NULL;
	wc.queued = 0;
	xfree(wc.path);
	wc.path = NULL;
}
