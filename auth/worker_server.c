/*
 * worker_server.c - the auth-worker's side of the protocol: read request
 * lines from an auth process, run the blocking handler, write the reply.
 * One request at a time per connection; lines are bounded
 * (AUTH_WORKER_LINE_MAX) and a malformed line closes the connection with
 * a logged error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/argv.h"
#include "core/buf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"

#include "worker.h"

static const struct worker_handler *const handlers[] = {
	&worker_handler_pam, &worker_handler_shadow, &worker_handler_passwd,
};

struct wsconn {
	struct event_loop *loop;
	int fd;
	struct buf in, out;
	void (*done)(void *ctx, int exit_now);
	void *ctx;
	struct wsconn *next;
};

static struct wsconn *conns;
static int stopping;

static unsigned busy_conns;
static unsigned pam_requests;
static int exit_after_reply;

unsigned auth_worker_busy(void)
{
	return busy_conns;
}

void auth_worker_pam_request_done(unsigned max_requests)
{
	if (max_requests > 0 && ++pam_requests >= max_requests)
		exit_after_reply = 1;
}

/* find_handler - by driver name */
static const struct worker_handler *find_handler(const char *driver)
{
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(handlers[i]->driver, driver) == 0)
			return handlers[i];
	return NULL;
}

/* parse_request - words 4.. into req (and the password) */
static void parse_request(char **w, size_t n, struct db_request *req, const char **password_r)
{
	size_t i;
	char *eq;

	memset(req, 0, sizeof(*req));
	*password_r = NULL;
	for (i = 4; i < n; i++) {
		if ((eq = strchr(w[i], '=')) == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(w[i], "user") == 0) req->user = eq;
		else if (strcmp(w[i], "orig_user") == 0) req->orig_user = eq;
		else if (strcmp(w[i], "service") == 0) req->service = eq;
		else if (strcmp(w[i], "mech") == 0) req->mech = eq;
		else if (strcmp(w[i], "lip") == 0) req->lip = eq;
		else if (strcmp(w[i], "rip") == 0) req->rip = eq;
		else if (strcmp(w[i], "lport") == 0) req->lport = eq;
		else if (strcmp(w[i], "rport") == 0) req->rport = eq;
		else if (strcmp(w[i], "session") == 0) req->session = eq;
		else if (strcmp(w[i], "local_name") == 0) req->local_name = eq;
		else if (strcmp(w[i], "secured") == 0) req->secured = 1;
		else if (strcmp(w[i], "debug") == 0) req->debug = 1;
		else if (strcmp(w[i], "password") == 0) *password_r = eq;
	}
}

/* put_kv - "\tkey=value" when set */
static void put_kv(struct buf *b, const char *key, const char *value)
{
	if (value == NULL)
		return;
	buf_printf(b, "\t%s=", key);
	worker_escape(b, value);
}

/* format_reply - the reply line for id */
static void format_reply(struct buf *b, const char *id, const struct db_reply *reply)
{
	size_t i;

	buf_printf(b, "%s\t%s", id, db_result_name(reply->result));
	put_kv(b, "user", reply->user);
	put_kv(b, "password", reply->password);
	put_kv(b, "scheme", reply->scheme);
	put_kv(b, "error", reply->error);
	put_kv(b, "reason", reply->log_reason);
	for (i = 0; i < reply->fields.n; i++) {
		buf_append_str(b, "\t+");
		worker_escape(b, reply->fields.keys[i]);
		if (reply->fields.values[i] != NULL) {
			buf_append_c(b, '=');
			worker_escape(b, reply->fields.values[i]);
		}
	}
	buf_append_c(b, '\n');
}

/* run_request - execute one request line; -1 if malformed */
static int run_request(char *line, struct buf *out)
{
	char *w[64], *end;
	size_t n = worker_split(line, w, 64);
	const struct worker_handler *h;
	struct db_request req;
	struct db_reply reply;
	struct argv keep;
	const char *password;

	if (n < 4 || (strtoul(w[0], &end, 10), *end != '\0') || *w[0] == '\0')
		return -1;
	parse_request(w, n, &req, &password);
	if (req.user == NULL)
		return -1;
	argv_init(&keep);
	db_reply_init(&reply, DB_INTERNAL);
	h = find_handler(w[2]);
	if (h == NULL) {
		reply.error = "auth-worker: unknown driver";
	} else if (strcmp(w[1], "PASSV") == 0 && h->passv != NULL) {
		h->passv(w[3], &req, password != NULL ? password : "", &reply, &keep);
	} else if (strcmp(w[1], "PASSL") == 0 && h->passl != NULL) {
		h->passl(w[3], &req, &reply, &keep);
	} else if (strcmp(w[1], "USER") == 0 && h->user != NULL) {
		h->user(w[3], &req, &reply, &keep);
	} else {
		reply.error = "auth-worker: unknown command for this driver";
	}
	if (exit_after_reply)
		buf_append_str(out, "BYE\n");	/* before the reply: the client must not reuse us */
	format_reply(out, w[0], &reply);
	db_reply_deinit(&reply);
	argv_deinit(&keep);
	if (password != NULL)
		memset((char *)password, 0, strlen(password));
	return 0;
}

/* ws_close - end the connection */
static void ws_close(struct wsconn *c)
{
	void (*done)(void *, int) = c->done;
	void *ctx = c->ctx;
	struct wsconn **pp;

	for (pp = &conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}

	event_io_remove(c->loop, c->fd);
	close(c->fd);
	buf_deinit(&c->in);
	buf_deinit(&c->out);
	xfree(c);
	busy_conns--;
	if (done != NULL)
		done(ctx, exit_after_reply);
}

/* ws_flush - write the replies out; -1 on error */
static int ws_flush(struct wsconn *c)
{
	ssize_t w;

	while (buf_len(&c->out) > 0) {
		w = write(c->fd, c->out.data, buf_len(&c->out));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0)
			return -1;
		buf_consume(&c->out, (size_t)w);
	}
	return 0;
}

/* ws_lines - run every complete line; -1 on a protocol error */
static int ws_lines(struct wsconn *c)
{
	char *nl;

	while (!exit_after_reply && (nl = memchr(c->in.data, '\n', buf_len(&c->in))) != NULL) {
		size_t len = (size_t)(nl - c->in.data);
		char *line = xstrndup(c->in.data, len);
		int ret = run_request(line, &c->out);

		memset(c->in.data, 0, len);
		buf_consume(&c->in, len + 1);
		memset(line, 0, len);
		xfree(line);
		if (ret < 0) {
			msg_error("malformed request from the auth process");
			return -1;
		}
	}
	return 0;
}

/* has_pending_input - a request was sent to us that we have not answered yet */
static int has_pending_input(const struct wsconn *c)
{
	int n = 0;

	if (memchr(c->in.data, '\n', buf_len(&c->in)) != NULL)
		return 1;
	return ioctl(c->fd, FIONREAD, &n) == 0 && n > 0;
}

void auth_worker_stop(void)
{
	struct wsconn *c, *next;

	stopping = 1;
	for (c = conns; c != NULL; c = next) {
		next = c->next;
		if (buf_len(&c->out) == 0 && !has_pending_input(c))
			ws_close(c);
	}
}

/* ws_io - socket events */
static void ws_io(int fd, unsigned ready, void *ctx)
{
	struct wsconn *c = ctx;
	char tmp[8192];
	ssize_t r;

	if ((ready & (EVENT_READ | EVENT_ERROR)) != 0) {
		r = read(fd, tmp, sizeof(tmp));
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			ws_close(c);
			return;
		}
		if (r > 0 && buf_append(&c->in, tmp, (size_t)r) < 0) {
			msg_error("request line too long (more than %d bytes)",
				  AUTH_WORKER_LINE_MAX);
			ws_close(c);
			return;
		}
		if (ws_lines(c) < 0) {
			ws_close(c);
			return;
		}
	}
	if (ws_flush(c) < 0 || (buf_len(&c->out) == 0 &&
				 (exit_after_reply || (stopping && !has_pending_input(c))))) {
		ws_close(c);
		return;
	}
	event_io_set(c->loop, fd, (exit_after_reply ? 0 : EVENT_READ) |
		     (buf_len(&c->out) > 0 ? EVENT_WRITE : 0), ws_io, c);
}

void auth_worker_serve(struct event_loop *loop, int fd, void (*done)(void *ctx, int exit_now),
		       void *ctx)
{
	struct wsconn *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->fd = fd;
	c->done = done;
	c->ctx = ctx;
	buf_init(&c->in, AUTH_WORKER_LINE_MAX);
	buf_init(&c->out, 0);
	buf_printf(&c->out, "VERSION\t%d\t%ld\n", AUTH_WORKER_PROTO_VERSION, (long)getpid());
	busy_conns++;
	c->next = conns;
	conns = c;
	if (ws_flush(c) < 0) {
		ws_close(c);
		return;
	}
	event_io_set(loop, fd, EVENT_READ | (buf_len(&c->out) > 0 ? EVENT_WRITE : 0), ws_io, c);
}
