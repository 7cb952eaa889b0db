/*
 * deliver - the client side of the delivery protocol
 * (docs/internal-protocols.md "delivery"), non-blocking on the event loop
 * so many deliveries run at once.
 *
 * One job = one connection to private/<transport>: wait for the agent's
 * "proto=delivery, version=1" list, send the request list, then read one
 * list per recipient and the final "end=1".  Every list is bounded as
 * lib/ipc/attr.h says (line, item and byte limits); the greeting must come
 * within qmgr_ipc_timeout and the whole conversation end within
 * qmgr_daemon_timeout.  A recipient without an answer when the
 * conversation ends (crash, timeout, protocol error) is deferred with
 * "unknown mail transport error"; a transport whose socket is missing or
 * refuses connections is deferred with "mail transport unavailable" and
 * not tried again for transport_retry_time.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"
#include "ipc/attr.h"
#include "ipc/delivery.h"
#include "ipc/ipc.h"
#include "qmgr.h"

#define READ_CHUNK		16384
#define REASON_MAX		1000	/* longest reason text kept from an agent */

static void on_io(int fd, unsigned ready, void *ctx);
static void on_timeout(void *ctx);

/* put - one "name=value" line with the value escaped */
static void put(struct buf *b, const char *name, const char *value)
{
	buf_append_str(b, name);
	buf_append_c(b, '=');
	for (const char *p = value; *p != '\0'; p++) {
		switch (*p) {
		case '\\': buf_append_str(b, "\\\\"); break;
		case '\n': buf_append_str(b, "\\n"); break;
		case '\r': buf_append_str(b, "\\r"); break;
		default: buf_append_c(b, *p); break;
		}
	}
	buf_append_c(b, '\n');
}

/* notify_words - NOTIFY flags as the protocol spells them */
static void notify_words(unsigned n, char *buf, size_t size)
{
	if (n & NOTIFY_NEVER) {
		snprintf(buf, size, "NEVER");
		return;
	}
	snprintf(buf, size, "%s%s%s", n & NOTIFY_SUCCESS ? "SUCCESS," : "",
		 n & NOTIFY_DELAY ? "DELAY," : "", n & NOTIFY_FAILURE ? "FAILURE," : "");
	if (*buf != '\0')
		buf[strlen(buf) - 1] = '\0';
}

/* build_request - the request list of the job */
static void build_request(struct job *j)
{
	struct message *m = j->msg;
	struct buf *b = &j->out;
	char tmp[64];

	put(b, "queue_name", "active");
	put(b, "queue_id", m->id);
	snprintf(tmp, sizeof(tmp), "active/%s", m->id);
	put(b, "queue_file", tmp);
	put(b, "sender", m->sender);
	snprintf(tmp, sizeof(tmp), "%.6f", m->arrival);
	put(b, "arrival", tmp);
	snprintf(tmp, sizeof(tmp), "%.6f", m->active);
	put(b, "active", tmp);
	put(b, "transport", j->t->name);
	put(b, "nexthop", j->nexthop);
	if (m->dsn_envid != NULL)
		put(b, "dsn_envid", m->dsn_envid);
	if (m->dsn_ret != NULL)
		put(b, "dsn_ret", m->dsn_ret);
	if (m->body_type != NULL)
		put(b, "body_type", m->body_type);
	if (m->smtputf8)
		put(b, "smtputf8", "1");
	for (size_t i = 0; i < j->nrcpt; i++) {
		struct rcpt *r = &m->rcpts[j->rcpt[i]];

		put(b, "rcpt", r->addr);
		if (r->orig != NULL && strcasecmp(r->orig, r->addr) != 0)
			put(b, "orig_rcpt", r->orig);
		if (r->orcpt != NULL)
			put(b, "orcpt", r->orcpt);
		if (r->notify != 0) {
			notify_words(r->notify, tmp, sizeof(tmp));
			put(b, "notify", tmp);
		}
		snprintf(tmp, sizeof(tmp), "%zu", j->rcpt[i]);
		put(b, "index", tmp);
	}
	buf_append_c(b, '\n');
}

/* defer_rest - recipients still waiting for an answer are deferred (qmgr logs them) */
static void defer_rest(struct job *j, const char *reason)
{
	struct message *m = j->msg;

	for (size_t i = 0; i < j->nrcpt; i++) {
		struct rcpt *r = &m->rcpts[j->rcpt[i]];

		if (r->state != RCPT_BUSY)
			continue;
		rcpt_set(r, RCPT_DEFERRED, "4.3.0", reason);
		message_log_status(m, r, "none", j->t_conn, "deferred");
	}
}

/* finish - close the connection and account for the job */
static void finish(struct job *j, const char *warning)
{
	int open = 0;

	for (size_t i = 0; i < j->nrcpt; i++)
		open += j->msg->rcpts[j->rcpt[i]].state == RCPT_BUSY;
	if (open > 0)
		msg_warn("%s: private/%s: %s", j->msg->id, j->t->name,
			 warning != NULL ? warning : "conversation ended without an answer for every recipient");
	if (j->fd >= 0) {
		event_io_remove(qmgr.loop, j->fd);
		close(j->fd);
		j->fd = -1;
	}
	defer_rest(j, "unknown mail transport error");
	sched_job_finished(j);
}

/* valid_dsn - "c.s.d" with the class the status needs */
static int valid_dsn(const char *dsn, char cls)
{
	const char *p = dsn;
	int parts = 0;

	if (*p != cls)
		return 0;
	while (*p != '\0') {
		size_t n = strspn(p, "0123456789");

		if (n < 1 || n > 3)
			return 0;
		parts++;
		p += n;
		if (*p == '.')
			p++;
		else if (*p != '\0')
			return 0;
	}
	return parts == 3 && strlen(dsn) < 16;
}

/* clean_reason - printable text, bounded */
static char *clean_reason(const char *text)
{
	char *s = xstrndup(text, REASON_MAX);

	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

/* answer - one recipient list from the agent; -1 on a protocol error */
static int answer(struct job *j, const struct attr_list *l)
{
	struct message *m = j->msg;
	const char *status = attr_get(l, "status"), *dsn = attr_get(l, "dsn");
	const char *reason = attr_get(l, "reason"), *error;
	long long index;
	struct rcpt *r = NULL;
	enum rcpt_state st;
	char cls;
	char *text;

	if (attr_get_long(l, "index", -1, &index, &error) < 0 || index < 0 || status == NULL)
		return -1;
	for (size_t i = 0; i < j->nrcpt; i++)
		if ((long long)j->rcpt[i] == index)
			r = &m->rcpts[j->rcpt[i]];
	if (r == NULL || r->state != RCPT_BUSY)
		return -1;
	if (strcmp(status, "sent") == 0)
		st = RCPT_SENT, cls = '2';
	else if (strcmp(status, "bounced") == 0)
		st = RCPT_BOUNCED, cls = '5';
	else if (strcmp(status, "deferred") == 0)
		st = RCPT_DEFERRED, cls = '4';
	else
		return -1;
	if (dsn == NULL || !valid_dsn(dsn, cls))
		dsn = cls == '2' ? "2.0.0" : cls == '5' ? "5.0.0" : "4.0.0";
	text = clean_reason(reason != NULL ? reason : "");
	rcpt_set(r, st, dsn, text);
	xfree(text);
	if (st != RCPT_DEFERRED)
		(void)message_finish_rcpt(m, r);
	return 0;
}

/* got_list - a complete list arrived; 1 when the conversation is over, -1 on error */
static int got_list(struct job *j)
{
	struct attr_list *l = j->reply;
	const char *proto, *version;

	if (j->state == JOB_GREETING) {
		proto = attr_get(l, "proto");
		version = attr_get(l, "version");
		if (proto == NULL || strcmp(proto, DELIVERY_PROTO) != 0 || version == NULL
		    || atoi(version) != DELIVERY_VERSION)
			return -1;
		j->state = JOB_TALKING;
		event_timer_remove(qmgr.loop, &j->timer);
		j->timer = event_timer_add(qmgr.loop, (uint64_t)qmgr.daemon_timeout * 1000, on_timeout, j);
		build_request(j);
		event_io_set(qmgr.loop, j->fd, EVENT_READ | EVENT_WRITE, on_io, j);
		return 0;
	}
	if (attr_get(l, "end") != NULL) {
		j->ended = 1;
		return 1;
	}
	return answer(j, l);
}

/* unescape - a value as lib/ipc/attr.c encodes it; -1 on a bad escape */
static int unescape(struct buf *v, const char *p, size_t len)
{
	buf_reset(v);
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '\\') {
			if (++i >= len)
				return -1;
			c = p[i] == '\\' ? '\\' : p[i] == 'n' ? '\n' : p[i] == 'r' ? '\r'
				: p[i] == '0' ? '\0' : 0;
			if (c == 0 && p[i] != '0')
				return -1;
		}
		buf_append_c(v, c);
	}
	return 0;
}

/* valid_name - [a-z0-9_.]+ */
static int valid_name(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)p[i]) || isdigit((unsigned char)p[i]) || p[i] == '_' || p[i] == '.'))
			return 0;
	return 1;
}

/* parse - complete lines of j->in; 1 done, 0 need more, -1 with *why_r */
static int parse(struct job *j, const char **why_r)
{
	size_t pos = 0;
	int ret = 0;
	struct buf value;

	buf_init(&value, 0);
	while (ret == 0) {
		char *line = j->in.data + pos, *nl = memchr(line, '\n', j->in.len - pos), *eq;
		size_t len;

		if (nl == NULL) {
			if (j->in.len - pos > ATTR_LINE_MAX) {
				*why_r = "attribute line too long";
				ret = -1;
			}
			break;
		}
		len = (size_t)(nl - line);
		pos += len + 1;
		if (len == 0) {
			ret = got_list(j);
			if (ret < 0)
				*why_r = j->state == JOB_GREETING ? "bad protocol greeting"
					: "malformed or unexpected reply";
			attr_list_reset(j->reply);
			j->reply_bytes = 0;
			continue;
		}
		j->reply_bytes += len + 1;
		eq = memchr(line, '=', len);
		if (attr_count(j->reply) >= ATTR_ITEMS_MAX || j->reply_bytes > ATTR_BYTES_MAX) {
			*why_r = "attribute list too large";
			ret = -1;
		} else if (eq == NULL || !valid_name(line, (size_t)(eq - line))
			   || unescape(&value, eq + 1, len - (size_t)(eq + 1 - line)) < 0) {
			*why_r = "malformed attribute line";
			ret = -1;
		} else {
			*eq = '\0';
			attr_add(j->reply, line, buf_cstr(&value));
		}
	}
	buf_consume(&j->in, pos);
	buf_deinit(&value);
	return ret;
}

/* do_write - send pending request bytes */
static int do_write(struct job *j)
{
	while (j->out_pos < j->out.len) {
		ssize_t n = write(j->fd, j->out.data + j->out_pos, j->out.len - j->out_pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		j->out_pos += (size_t)n;
	}
	event_io_set(qmgr.loop, j->fd, EVENT_READ, on_io, j);
	return 0;
}

static void on_io(int fd, unsigned ready, void *ctx)
{
	struct job *j = ctx;
	const char *why = NULL;
	int r;

	(void)fd;
	if ((ready & EVENT_WRITE) && j->state == JOB_TALKING && j->out_pos < j->out.len
	    && do_write(j) < 0) {
		finish(j, "write error: delivery agent went away");
		return;
	}
	if (!(ready & (EVENT_READ | EVENT_ERROR)))
		return;
	for (;;) {
		ssize_t n = read(j->fd, buf_reserve(&j->in, READ_CHUNK), READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			finish(j, j->ended ? NULL : "delivery agent disconnected before the end of the conversation");
			return;
		}
		buf_commit(&j->in, (size_t)n);
		r = parse(j, &why);
		if (r < 0) {
			finish(j, why);
			return;
		}
		if (r > 0) {
			finish(j, NULL);
			return;
		}
		if (j->state == JOB_TALKING && j->out_pos < j->out.len) {
			if (do_write(j) < 0) {
				finish(j, "write error: delivery agent went away");
				return;
			}
			event_io_set(qmgr.loop, j->fd, j->out_pos < j->out.len ? EVENT_READ | EVENT_WRITE
				     : EVENT_READ, on_io, j);
		}
		if ((size_t)n < READ_CHUNK)
			break;
	}
}

static void on_timeout(void *ctx)
{
	struct job *j = ctx;

	j->timer = NULL;
	finish(j, j->state == JOB_GREETING ? "timeout while waiting for the delivery agent's greeting"
	       : "timeout while waiting for the delivery agent's answer");
}

/* unavailable - no agent: the transport rests for transport_retry_time */
static void unavailable(struct job *j, const char *path, int err)
{
	struct transport *t = j->t;

	if (t->dead_until <= (long)time(NULL))
		msg_warn("connect to transport private/%s: %s", t->name, strerror(err));
	t->dead_until = (long)time(NULL) + qmgr.transport_retry;
	(void)path;
	for (size_t i = 0; i < j->nrcpt; i++) {
		struct rcpt *r = &j->msg->rcpts[j->rcpt[i]];

		rcpt_set(r, RCPT_DEFERRED, "4.3.0", "mail transport unavailable");
		message_log_status(j->msg, r, "none", 0, "deferred");
	}
	sched_job_finished(j);
}

void deliver_start(struct job *j)
{
	char *path = ipc_service_path(qmgr.qdir, "private", j->t->name);
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) || strchr(j->t->name, '/') != NULL) {
		unavailable(j, path, ENAMETOOLONG);
		xfree(path);
		return;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		msg_fatal("socket: %m");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 && errno != EINPROGRESS) {
		int err = errno;

		close(fd);
		if (err == EAGAIN || err == EINTR)
			sched_requeue(j);	/* listen queue full: the master is starting agents */
		else
			unavailable(j, path, err);
		xfree(path);
		return;
	}
	xfree(path);
	j->fd = fd;
	j->t_conn = now_time();
	j->state = JOB_GREETING;
	j->reply = xcalloc(1, sizeof(*j->reply));
	attr_list_init(j->reply);
	event_io_set(qmgr.loop, fd, EVENT_READ, on_io, j);
	j->timer = event_timer_add(qmgr.loop, (uint64_t)qmgr.ipc_timeout * 1000, on_timeout, j);
}
