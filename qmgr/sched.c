/*
 * sched - recipients to delivery jobs, and jobs to delivery agents within
 * the concurrency limits: per transport at most default_process_limit
 * jobs, per destination at most <transport>_destination_concurrency_limit
 * (the destination is the nexthop, or the recipient itself when
 * <transport>_destination_recipient_limit is 1, as Postfix does), each job
 * with at most <transport>_destination_recipient_limit recipients.
 * Waiting jobs start in arrival order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/pfconf.h"
#include "core/buf.h"
#include "core/event.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "ipc/attr.h"
#include "mail/resolve.h"
#include "qmgr.h"

#define BUSY_RETRY_MS	1000	/* agent's listen queue full: try again after */

static struct event_timer *busy_timer;	/* a dispatch once a busy transport may be tried */

/* transport_param - <transport>_<suffix>, else default_<suffix>, as an integer >= 1 */
static int transport_param(const char *transport, const char *suffix)
{
	char *name = xasprintf("%s_%s", transport, suffix);
	const char *v = pfconf_get(qmgr.cfg, name);
	long long n;

	if (*v == '\0' || pfconf_parse_int(v, &n) < 0 || n < 1) {
		xfree(name);
		name = xasprintf("default_%s", suffix);
		v = pfconf_get(qmgr.cfg, name);
		if (pfconf_parse_int(v, &n) < 0 || n < 1)
			n = 1;
	}
	xfree(name);
	return n > 1000000 ? 1000000 : (int)n;
}

struct transport *sched_transport(const char *name)
{
	struct transport *t = hash_lookup(qmgr.transports, name);

	if (t != NULL)
		return t;
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->proc_limit = qmgr.process_limit;
	t->dest_limit = transport_param(name, "destination_concurrency_limit");
	t->rcpt_limit = transport_param(name, "destination_recipient_limit");
	t->dests = hash_create(16);
	hash_insert(qmgr.transports, name, t);
	return t;
}

/* new_job - an empty job of m for transport t and nexthop */
static struct job *new_job(struct message *m, struct transport *t, const char *nexthop)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->msg = m;
	j->t = t;
	j->nexthop = xstrdup(nexthop);
	j->rcpt = xcalloc((size_t)t->rcpt_limit < m->nrcpts ? (size_t)t->rcpt_limit : m->nrcpts,
			  sizeof(*j->rcpt));
	j->fd = -1;
	buf_init(&j->out, 0);
	buf_init(&j->in, 0);
	m->jobs++;
	return j;
}

/* enqueue - to the end of the transport's waiting list */
static void enqueue(struct job *j)
{
	struct transport *t = j->t;

	j->next = NULL;
	if (t->tail != NULL)
		t->tail->next = j;
	else
		t->head = j;
	t->tail = j;
}

/* dest_of - the destination counter of a job */
static struct dest *dest_of(struct transport *t, const char *key)
{
	struct dest *d = hash_lookup(t->dests, key);

	if (d == NULL) {
		d = xcalloc(1, sizeof(*d));
		hash_insert(t->dests, key, d);
	}
	return d;
}

/* defer_unresolved - the resolver failed for this recipient */
static void defer_unresolved(struct message *m, struct rcpt *r, const char *why)
{
	msg_warn("%s: address resolver failure for <%s>: %s", m->id, r->addr, why);
	rcpt_set(r, RCPT_DEFERRED, "4.3.0", "address resolver failure");
	message_log_status(m, r, "none", 0, "deferred");
}

void sched_add_message(struct message *m)
{
	struct hash *open = hash_create(8);	/* "transport nexthop" -> job being filled */
	struct buf key;

	buf_init(&key, 0);
	m->jobs++;	/* hold: the message must not finish while jobs are made */
	for (size_t i = 0; i < m->nrcpts; i++) {
		struct rcpt *r = &m->rcpts[i];
		enum resolve_class cls;
		const char *transport, *nexthop, *error;
		struct transport *t;
		struct job *j;

		if (r->state != RCPT_TODO)
			continue;
		if (resolve_transport(qmgr.resolver, r->addr, &cls, &transport, &nexthop, &error) < 0) {
			defer_unresolved(m, r, error);
			continue;
		}
		t = sched_transport(transport);
		buf_reset(&key);
		buf_printf(&key, "%s %s", transport, t->rcpt_limit == 1 ? r->addr : nexthop);
		j = hash_lookup(open, buf_cstr(&key));
		if (j == NULL || j->nrcpt >= (size_t)t->rcpt_limit) {
			j = new_job(m, t, nexthop);
			j->d = dest_of(t, t->rcpt_limit == 1 ? r->addr : nexthop);
			hash_insert(open, buf_cstr(&key), j);
			enqueue(j);
		}
		j->rcpt[j->nrcpt++] = i;
		r->state = RCPT_BUSY;
	}
	hash_destroy(&open, NULL);
	buf_deinit(&key);
	sched_dispatch();
	message_job_done(m);	/* release the hold */
}

/* job_free - forget a finished job */
static void job_free(struct job *j)
{
	event_timer_remove(qmgr.loop, &j->timer);
	if (j->reply != NULL) {
		attr_list_deinit(j->reply);
		xfree(j->reply);
	}
	buf_deinit(&j->out);
	buf_deinit(&j->in);
	xfree(j->rcpt);
	xfree(j->nexthop);
	xfree(j);
}

/* fail_waiting - a dead transport: its waiting jobs are deferred at once */
static void fail_waiting(struct transport *t)
{
	while (t->head != NULL) {
		struct job *j = t->head;
		struct message *m = j->msg;

		t->head = j->next;
		if (t->head == NULL)
			t->tail = NULL;
		for (size_t i = 0; i < j->nrcpt; i++) {
			struct rcpt *r = &m->rcpts[j->rcpt[i]];

			rcpt_set(r, RCPT_DEFERRED, "4.3.0", "mail transport unavailable");
			message_log_status(m, r, "none", 0, "deferred");
		}
		job_free(j);
		message_job_done(m);
	}
}

static void on_dispatch(void *ctx);

static void on_busy_timer(void *ctx)
{
	busy_timer = NULL;
	on_dispatch(ctx);
}

/* run_transport - start what the limits allow */
static void run_transport(struct transport *t, long now, uint64_t now_ms)
{
	struct job *prev = NULL, *j, *next;

	if (t->dead_until > now) {
		fail_waiting(t);
		return;
	}
	if ((long)now_ms < t->busy_until_ms) {
		if (busy_timer == NULL)
			busy_timer = event_timer_add(qmgr.loop, (uint64_t)(t->busy_until_ms - (long)now_ms),
						     on_busy_timer, NULL);
		return;
	}
	for (j = t->head; j != NULL && t->active < t->proc_limit; j = next) {
		next = j->next;
		if (j->d->active >= t->dest_limit) {
			prev = j;
			continue;
		}
		if (prev != NULL)
			prev->next = next;
		else
			t->head = next;
		if (t->tail == j)
			t->tail = prev;
		j->next = NULL;
		t->active++;
		j->d->active++;
		deliver_start(j);	/* may end the job (and the message) at once */
		if (t->dead_until > now || (long)event_now_ms() < t->busy_until_ms) {
			run_transport(t, now, event_now_ms());
			return;
		}
	}
}

static void on_dispatch(void *ctx)
{
	size_t i = 0;
	const char *name;
	void *value;
	long now = (long)time(NULL);
	uint64_t now_ms = event_now_ms();

	(void)ctx;
	qmgr.dispatch_timer = NULL;
	while (hash_iter(qmgr.transports, &i, &name, &value))
		run_transport(value, now, now_ms);
}

void sched_enable_all(void)
{
	size_t i = 0;
	const char *name;
	void *value;

	while (hash_iter(qmgr.transports, &i, &name, &value))
		((struct transport *)value)->dead_until = 0;
}

void sched_dispatch(void)
{
	if (qmgr.dispatch_timer == NULL)
		qmgr.dispatch_timer = event_timer_add(qmgr.loop, 0, on_dispatch, NULL);
}

void sched_requeue(struct job *j)
{
	struct transport *t = j->t;

	t->active--;
	j->d->active--;
	j->next = t->head;
	t->head = j;
	if (t->tail == NULL)
		t->tail = j;
	t->busy_until_ms = (long)event_now_ms() + BUSY_RETRY_MS;
	sched_dispatch();
}

void sched_job_finished(struct job *j)
{
	struct message *m = j->msg;

	j->t->active--;
	j->d->active--;
	job_free(j);
	sched_dispatch();
	message_job_done(m);
}
