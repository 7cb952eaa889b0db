/*
 * pass - mailbox_transport / fallback_transport: hand one recipient to
 * another delivery agent ("lmtp:unix:private/dovecot-lmtp") by speaking
 * the delivery protocol to $queue_directory/private/<transport> as qmgr
 * would, for this message and this one recipient.  That agent logs the
 * delivery; local only folds its answer into the request recipient.  When
 * the agent cannot be reached (not running, or not built yet) the
 * recipient is deferred and local logs why.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "config/pfconf.h"
#include "core/mem.h"
#include "core/stream.h"
#include "ipc/attr.h"
#include "ipc/ipc.h"
#include "local.h"

/* attr_addf - a time as "sec.usec" */
static void attr_addf(struct attr_list *l, const char *name, double t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.6f", t);
	attr_add(l, name, buf);
}

/* send_request - the request list for one recipient */
static int send_request(struct stream *s, const char *transport, const char *nexthop,
			const struct level *lv, const struct top *t)
{
	struct delivery_request *m = agent.msg->req;
	struct attr_list l;
	int r;

	attr_list_init(&l);
	attr_add(&l, "queue_name", *m->queue_name ? m->queue_name : "active");
	attr_add(&l, "queue_id", m->queue_id);
	attr_add(&l, "queue_file", m->queue_file);
	attr_add(&l, "sender", lv->sender);
	if (m->arrival > 0)
		attr_addf(&l, "arrival", m->arrival);
	if (m->active > 0)
		attr_addf(&l, "active", m->active);
	attr_add(&l, "transport", transport);
	attr_add(&l, "nexthop", nexthop);
	if (*m->dsn_envid)
		attr_add(&l, "dsn_envid", m->dsn_envid);
	if (*m->dsn_ret)
		attr_add(&l, "dsn_ret", m->dsn_ret);
	if (*m->body_type)
		attr_add(&l, "body_type", m->body_type);
	if (m->smtputf8)
		attr_add(&l, "smtputf8", "1");
	attr_add(&l, "rcpt", lv->addr);
	attr_add(&l, "orig_rcpt", t->orig);
	if (*t->orcpt)
		attr_add(&l, "orcpt", t->orcpt);
	if (*t->notify)
		attr_add(&l, "notify", t->notify);
	attr_add(&l, "index", "0");
	r = attr_write_list(s, &l) < 0 || attr_end(s) < 0 ? -1 : 0;
	attr_list_deinit(&l);
	return r;
}

/* read_answer - the agent's result for index 0; -1 when the conversation broke */
static int read_answer(struct stream *s, struct dres *res, const char **error_r)
{
	struct attr_list l;
	int got = 0, r;

	attr_list_init(&l);
	while ((r = attr_read(s, &l, error_r)) > 0) {
		const char *st = attr_get(&l, "status");

		if (attr_get(&l, "end") != NULL)
			break;
		if (st == NULL)
			continue;
		got = 1;
		dres_set(res, strcmp(st, "sent") == 0 ? DS_SENT : strcmp(st, "bounced") == 0 ? DS_BOUNCED
			 : DS_DEFERRED, attr_get(&l, "dsn") ? attr_get(&l, "dsn") : "4.3.0", "%s",
			 attr_get(&l, "reason") ? attr_get(&l, "reason") : "");
	}
	attr_list_deinit(&l);
	if (r == 0 && !got)
		*error_r = "connection closed without an answer";
	return got ? 0 : -1;
}

void pass_deliver(const char *param, const char *spec, const struct level *lv, struct top *t,
		  struct dres *res)
{
	const char *colon = strchr(spec, ':'), *error = NULL;
	char *transport = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	const char *nexthop = colon && colon[1] ? colon + 1 : pfconf_get(agent.cfg, "myhostname");
	char *path = ipc_service_path(agent.queue_dir, "private", transport);
	struct attr_list greet;
	struct stream *s;
	int fd;

	attr_list_init(&greet);
	if (strcmp(transport, pfconf_get(agent.cfg, "service_name")) == 0) {
		dres_set(res, DS_DEFERRED, "4.3.5", "%s = %s: refusing to hand mail to this service itself",
			 param, spec);
		log_delivery(t, lv->addr, res);
	} else if ((fd = ipc_connect_unix(path, 10000, &error)) < 0) {
		dres_set(res, DS_DEFERRED, "4.3.0", "%s = %s: cannot hand off to private/%s: %s", param, spec,
			 transport, error);
		log_delivery(t, lv->addr, res);
	} else {
		s = stream_create(fd, STREAM_OWN_FD);
		stream_set_timeout(s, 600 * 1000);
		if (attr_expect_proto(s, &greet, "delivery", 1, &error) < 0
		    || send_request(s, transport, nexthop, lv, t) < 0
		    || (error = NULL, read_answer(s, res, &error) < 0)) {
			dres_set(res, DS_DEFERRED, "4.3.0", "%s = %s: hand-off to private/%s failed: %s", param,
				 spec, transport, error ? error : "I/O error");
			log_delivery(t, lv->addr, res);
		} else {
			top_fold(t, res);	/* the other agent logged it */
		}
		stream_destroy(&s);
	}
	attr_list_deinit(&greet);
	xfree(path);
	xfree(transport);
}
