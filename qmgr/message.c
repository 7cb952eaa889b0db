/*
 * message - one message in the active queue: reading its queue file,
 * recording recipient results (done marks, bounce/defer logs) and the end
 * of a delivery pass (removed, deferred with back-off, or expired and
 * returned to the sender).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "ipc/delivery.h"
#include "queue/qfile.h"
#include "qmgr.h"

/* message_free - forget a message that left the active queue */
static void message_free(struct message *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else if (qmgr.msgs == m)
		qmgr.msgs = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	qmgr.nmsgs--;
	for (size_t i = 0; i < m->nrcpts; i++) {
		xfree(m->rcpts[i].addr);
		xfree(m->rcpts[i].orcpt);
		xfree(m->rcpts[i].orig);
		xfree(m->rcpts[i].reason);
	}
	xfree(m->rcpts);
	xfree(m->sender);
	xfree(m->dsn_envid);
	xfree(m->dsn_ret);
	xfree(m->body_type);
	xfree(m);
	scan_room();
}

/* save_corrupt - move a bad file out of the way (Postfix keeps it in corrupt/) */
static void save_corrupt(const char *id, const char *why)
{
	const char *error;

	if (queue_move(id, "active", 0, "corrupt", 0, &error) < 0)
		msg_warn("%s: %s: %s", id, why, error);
	else
		msg_warn("%s: %s: moved to corrupt/%s", id, why, id);
}

/* add_rcpt - a recipient record with the ORCPT/NOTIFY that preceded it */
static void add_rcpt(struct message *m, const struct buf *data, off_t off, int done,
		     char **orcpt, char **orig, unsigned *notify)
{
	struct rcpt *r;

	if (m->nrcpts == m->rcpts_alloc) {
		m->rcpts_alloc = m->rcpts_alloc ? 2 * m->rcpts_alloc : 8;
		m->rcpts = xreallocarray(m->rcpts, m->rcpts_alloc, sizeof(*m->rcpts));
	}
	r = &m->rcpts[m->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrndup(buf_cstr(data), buf_len(data));
	r->orcpt = *orcpt;
	r->orig = *orig;
	r->notify = *notify;
	r->offset = off;
	r->state = done ? RCPT_DONE_BEFORE : RCPT_TODO;
	*orcpt = NULL;
	*orig = NULL;
	*notify = 0;
}

/* set_attr - the A records qmgr uses (orig_rcpt belongs to the next R); others are ignored */
static void set_attr(struct message *m, const char *nv, char **orig)
{
	const char *eq = strchr(nv, '=');
	const char *v;

	if (eq == NULL)
		return;
	v = eq + 1;
#define IS(name) ((size_t)(eq - nv) == strlen(name) && strncmp(nv, name, (size_t)(eq - nv)) == 0)
	if (IS("dsn_envid") || IS("envid")) {
		xfree(m->dsn_envid);
		m->dsn_envid = xstrdup(v);
	} else if (IS("dsn_ret") || IS("ret")) {
		xfree(m->dsn_ret);
		m->dsn_ret = xstrdup(v);
	} else if (IS("body_type")) {
		xfree(m->body_type);
		m->body_type = xstrdup(v);
	} else if (IS("smtputf8")) {
		m->smtputf8 = atoi(v) != 0;
	} else if (IS("orig_rcpt")) {
		xfree(*orig);
		*orig = xstrdup(v);
	}
#undef IS
}

/* read_file - parse the queue file; -1 with *why_r when it is corrupt, -2 when it is gone */
static int read_file(struct message *m, const char *path, const char **why_r)
{
	struct qfile *qf;
	struct buf data;
	const char *error;
	int type, r, have_time = 0, have_from = 0, in_content = 0, seen_content = 0, have_size = 0;
	long long counted = 0, nrcpt = 0;
	char *orcpt = NULL, *orig = NULL;
	unsigned notify = 0;
	off_t off;
	static char why[512];

	if (qfile_open(path, &qf, &error) < 0) {
		*why_r = error;
		return errno == ENOENT ? -2 : -1;
	}
	buf_init(&data, 0);
	while ((r = qfile_get(qf, &type, &data, &off, &error)) > 0) {
		if (in_content) {
			if (type == QREC_NORM)
				counted += (long long)buf_len(&data) + 1;
			else if (type == QREC_CONT)
				counted += (long long)buf_len(&data);
			else if (type == QREC_XTRA)
				in_content = 0;
			else if (type != QREC_END) {
				snprintf(why, sizeof(why), "unexpected record type %c in the message content", type);
				r = -1;
				error = why;
				break;
			}
			continue;
		}
		switch (type) {
		case QREC_TIME:
			m->arrival = strtod(buf_cstr(&data), NULL);
			have_time = m->arrival > 0;
			break;
		case QREC_FROM:
			xfree(m->sender);
			m->sender = xstrndup(buf_cstr(&data), buf_len(&data));
			have_from = 1;
			break;
		case QREC_SIZE: {
			long long sz = -1, dummy = 0, n = 0;

			if (sscanf(buf_cstr(&data), "%lld %lld %lld", &sz, &dummy, &n) >= 1 && sz >= 0) {
				m->size = sz;
				have_size = 1;
				nrcpt = n;
			}
			break;
		}
		case QREC_ATTR:
			set_attr(m, buf_cstr(&data), &orig);
			break;
		case QREC_ORCPT:
			xfree(orcpt);
			orcpt = xstrndup(buf_cstr(&data), buf_len(&data));
			break;
		case QREC_NOTIFY:
			notify = notify_parse(buf_cstr(&data));
			break;
		case QREC_RCPT:
		case QREC_DONE:
			add_rcpt(m, &data, off, type == QREC_DONE, &orcpt, &orig, &notify);
			break;
		case QREC_MESG:
			if (seen_content) {
				error = "duplicate message content";
				r = -1;
				goto out;
			}
			in_content = seen_content = 1;
			break;
		case QREC_XTRA:
			break;
		default:
			break;
		}
	}
out:
	xfree(orcpt);
	xfree(orig);
	buf_deinit(&data);
	qfile_close(&qf);
	if (r < 0) {
		*why_r = error;
		return -1;
	}
	if (!have_time || !have_from || !seen_content || in_content) {
		*why_r = !have_time ? "corrupt queue file: no arrival time record"
			: !have_from ? "corrupt queue file: no sender record"
			: "corrupt queue file: message content records out of order";
		return -1;
	}
	if (m->nrcpts == 0) {
		*why_r = "corrupt queue file: no recipient records";
		return -1;
	}
	if (!have_size)
		m->size = counted;
	m->nrcpt_total = nrcpt > 0 ? nrcpt : (long long)m->nrcpts;
	return 0;
}

/* apply_defer_log - reasons from an earlier pass (they survive restarts) */
static void apply_defer_log(struct message *m)
{
	struct qlog_entry *e;
	size_t n;

	if (qlog_read("defer", m->id, &e, &n, &m->warned) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m->nrcpts; j++)
			if (m->rcpts[j].offset == e[i].offset && m->rcpts[j].state == RCPT_TODO) {
				snprintf(m->rcpts[j].dsn, sizeof(m->rcpts[j].dsn), "%s", e[i].dsn);
				xfree(m->rcpts[j].reason);
				m->rcpts[j].reason = xstrdup(e[i].reason);
			}
	qlog_free(e, n);
}

static void message_finish(struct message *m);

void message_activate(const char *id, int from_deferred)
{
	struct message *m = xcalloc(1, sizeof(*m));
	char *path = queue_path("active", id);
	const char *why;
	int r, pending = 0;

	snprintf(m->id, sizeof(m->id), "%s", id);
	m->active = now_time();
	m->from_deferred = from_deferred;
	m->next = qmgr.msgs;
	if (qmgr.msgs != NULL)
		qmgr.msgs->prev = m;
	qmgr.msgs = m;
	qmgr.nmsgs++;
	r = read_file(m, path, &why);
	xfree(path);
	if (r == -2) {
		msg_warn("%s: %s", id, why);
		message_free(m);
		return;
	}
	if (r < 0) {
		save_corrupt(id, strstr(why, "corrupt") != NULL ? why : "corrupt queue file");
		if (strstr(why, "corrupt") == NULL)
			msg_warn("%s: %s", id, why);
		message_free(m);
		return;
	}
	msg_info("%s: from=<%s>, size=%lld, nrcpt=%lld (queue active)", m->id, m->sender, m->size,
		 m->nrcpt_total);
	apply_defer_log(m);
	for (size_t i = 0; i < m->nrcpts; i++)
		pending += m->rcpts[i].state == RCPT_TODO;
	if (pending == 0) {
		message_finish(m);	/* only notifications were left to do */
		return;
	}
	sched_add_message(m);
}

void rcpt_set(struct rcpt *r, enum rcpt_state st, const char *dsn, const char *reason)
{
	r->state = st;
	snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
	xfree(r->reason);
	r->reason = xstrdup(reason);
}

/* mark_done - flip the recipient's R record to D, durably */
static int mark_done(struct message *m, struct rcpt *r)
{
	char *path = queue_path("active", m->id);
	const char *error;
	int fd = safe_open(path, O_RDWR, 0, NULL, &error), ret = -1;

	if (fd < 0)
		msg_warn("%s: %s", m->id, error);
	else if (qfile_mark_done(fd, r->offset, &error) < 0)
		msg_warn("%s: update queue file %s: %s", m->id, path, error);
	else
		ret = 0;
	if (fd >= 0)
		close(fd);
	xfree(path);
	return ret;
}

int message_finish_rcpt(struct message *m, struct rcpt *r)
{
	const char *error;

	if (r->state == RCPT_BOUNCED
	    && qlog_append("bounce", m->id, r->offset, r->dsn, r->addr, r->reason, &error) < 0) {
		/* no durable record of the failure: keep the recipient and try again */
		msg_warn("%s: %s", m->id, error);
		rcpt_set(r, RCPT_DEFERRED, "4.3.0", "cannot record the delivery status");
		return -1;
	}
	if (mark_done(m, r) < 0 && r->state == RCPT_SENT)
		return -1;	/* delivered again on the next attempt: duplicate, never loss */
	return 0;
}

void message_log_status(struct message *m, struct rcpt *r, const char *relay, double t_conn,
			const char *status)
{
	double now = now_time();
	char delay[32], a[32], b[32], c[32], d[32];

	delivery_format_delay(now - m->arrival, delay, sizeof(delay));
	delivery_format_delay(m->active - m->arrival, a, sizeof(a));
	delivery_format_delay((t_conn > 0 ? t_conn : now) - m->active, b, sizeof(b));
	delivery_format_delay(t_conn > 0 ? now - t_conn : 0, c, sizeof(c));
	delivery_format_delay(0, d, sizeof(d));
	if (r->orig != NULL && *r->orig != '\0' && strcasecmp(r->orig, r->addr) != 0)
		msg_info("%s: to=<%s>, orig_to=<%s>, relay=%s, delay=%s, delays=%s/%s/%s/%s, dsn=%s, status=%s (%s)",
			 m->id, r->addr, r->orig, relay, delay, a, b, c, d, r->dsn, status,
			 r->reason ? r->reason : "");
	else
		msg_info("%s: to=<%s>, relay=%s, delay=%s, delays=%s/%s/%s/%s, dsn=%s, status=%s (%s)", m->id,
			 r->addr, relay, delay, a, b, c, d, r->dsn, status, r->reason ? r->reason : "");
}

void message_job_done(struct message *m)
{
	if (--m->jobs == 0)
		message_finish(m);
}

/* notify_bounces - the failure notice for everything in the bounce log; 0 done, -1 retry later */
static int notify_bounces(struct message *m)
{
	struct qlog_entry *e;
	struct dsn_rcpt *dr;
	size_t n, k = 0;
	long dummy;
	int ret;

	if (qlog_read("bounce", m->id, &e, &n, &dummy) < 0 || n == 0) {
		qlog_free(e, n);
		return 0;
	}
	dr = xcalloc(n, sizeof(*dr));
	for (size_t i = 0; i < n; i++) {
		const struct rcpt *r = NULL;

		for (size_t j = 0; j < m->nrcpts; j++)
			if (m->rcpts[j].offset == e[i].offset)
				r = &m->rcpts[j];
		if (r != NULL && r->notify != 0 && !(r->notify & NOTIFY_FAILURE))
			continue;	/* NOTIFY=NEVER or without FAILURE */
		dr[k].addr = e[i].addr;
		dr[k].orig = r != NULL ? r->orig : NULL;
		dr[k].orcpt = r != NULL ? r->orcpt : NULL;
		dr[k].dsn = e[i].dsn;
		dr[k].reason = e[i].reason;
		k++;
	}
	ret = k > 0 ? dsn_notify(m, DSN_FAILED, dr, k) : 0;
	if (ret == 0)
		qlog_remove("bounce", m->id);
	xfree(dr);
	qlog_free(e, n);
	return ret;
}

/* notify_some - delay warnings and success reports for recipients in state st */
static void notify_some(struct message *m, enum rcpt_state st, unsigned flag, enum dsn_kind kind)
{
	struct dsn_rcpt *dr = xcalloc(m->nrcpts, sizeof(*dr));
	size_t k = 0;

	for (size_t i = 0; i < m->nrcpts; i++) {
		struct rcpt *r = &m->rcpts[i];

		if (r->state != st)
			continue;
		if (flag == NOTIFY_SUCCESS ? !(r->notify & NOTIFY_SUCCESS)
		    : (r->notify != 0 && !(r->notify & flag)))
			continue;
		dr[k].addr = r->addr;
		dr[k].orig = r->orig;
		dr[k].orcpt = r->orcpt;
		dr[k].dsn = r->dsn[0] ? r->dsn : (kind == DSN_DELIVERED ? "2.0.0" : "4.0.0");
		dr[k].reason = r->reason ? r->reason : "";
		k++;
	}
	if (k > 0)
		(void)dsn_notify(m, kind, dr, k);
	xfree(dr);
}

/* next_attempt - back-off: the message's age, within minimal..maximal_backoff_time */
static long next_attempt(const struct message *m)
{
	long delay = (long)(now_time() - m->arrival);

	if (delay > qmgr.max_backoff)
		delay = qmgr.max_backoff;
	if (delay < qmgr.min_backoff)
		delay = qmgr.min_backoff;
	if (qmgr.delay_warning > 0 && m->warned == 0 && *m->sender != '\0') {
		/* come back in time for the delay warning */
		long warn_at = (long)m->arrival + qmgr.delay_warning, now = (long)now_time();

		if (warn_at > now && warn_at < now + delay)
			delay = warn_at - now;
	}
	return (long)now_time() + delay;
}

/* defer_message - to deferred/<hash>/ID with mtime = next attempt */
static void defer_message(struct message *m)
{
	char *path = queue_path("active", m->id);
	struct timeval tv[2];
	const char *error;

	if (qlog_write("defer", m->id, m, &error) < 0)
		msg_warn("%s: %s", m->id, error);
	gettimeofday(&tv[0], NULL);
	tv[1].tv_sec = next_attempt(m);
	tv[1].tv_usec = 0;
	if (utimes(path, tv) < 0)
		msg_warn("%s: set next attempt time of %s: %m", m->id, path);
	if (queue_move(m->id, "active", 0, "deferred", queue_depth("deferred"), &error) < 0)
		msg_warn("%s: %s", m->id, error);
	xfree(path);
}

/* remove_message - all done: the queue file and its logs go */
static void remove_message(struct message *m)
{
	char *path = queue_path("active", m->id);

	/* the logs first: a crash in between leaves no orphaned log behind */
	qlog_remove("defer", m->id);
	qlog_remove("bounce", m->id);
	if (unlink(path) < 0 && errno != ENOENT)
		msg_warn("%s: remove %s: %m", m->id, path);
	else
		msg_info("%s: removed", m->id);
	xfree(path);
}

/* expire - too old: the deferred recipients fail with their last reason */
static void expire(struct message *m)
{
	msg_info("%s: from=<%s>, status=expired, returned to sender", m->id, m->sender);
	for (size_t i = 0; i < m->nrcpts; i++) {
		struct rcpt *r = &m->rcpts[i];

		if (r->state != RCPT_DEFERRED)
			continue;
		r->state = RCPT_BOUNCED;
		if (r->dsn[0] == '\0')
			snprintf(r->dsn, sizeof(r->dsn), "4.0.0");
		if (message_finish_rcpt(m, r) < 0)
			r->state = RCPT_DEFERRED;
	}
}

static void message_finish(struct message *m)
{
	long lifetime = *m->sender == '\0' ? qmgr.bounce_lifetime : qmgr.max_lifetime;
	double age = now_time() - m->arrival;
	int deferred = 0, notified;

	notify_some(m, RCPT_SENT, NOTIFY_SUCCESS, DSN_DELIVERED);
	for (size_t i = 0; i < m->nrcpts; i++)
		deferred += m->rcpts[i].state == RCPT_DEFERRED || m->rcpts[i].state == RCPT_TODO;
	if (deferred > 0 && age > (double)lifetime) {
		expire(m);
		deferred = 0;
		for (size_t i = 0; i < m->nrcpts; i++)
			deferred += m->rcpts[i].state == RCPT_DEFERRED;
	}
	notified = notify_bounces(m) == 0;
	if (deferred == 0 && notified) {
		remove_message(m);
	} else {
		if (deferred > 0 && qmgr.delay_warning > 0 && m->warned == 0
		    && age >= (double)qmgr.delay_warning) {
			notify_some(m, RCPT_DEFERRED, NOTIFY_DELAY, DSN_DELAYED);
			m->warned = (long)now_time();
		}
		defer_message(m);
	}
	message_free(m);
}
