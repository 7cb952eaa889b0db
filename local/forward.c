/*
 * forward - alias/.forward expansion to non-local addresses: one new
 * message through the cleanup service (origin=local, the level's sender,
 * the original arrival time), with "Delivered-To: <the expanded address>"
 * prepended when prepend_delivered_header says forward, so that a loop
 * back to us is caught by the Delivered-To check.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "config/pfconf.h"
#include "core/mem.h"
#include "ipc/cleanup_client.h"
#include "mail/addr.h"
#include "queue/qfile.h"
#include "local.h"

/* envelope - the cleanup envelope list */
static void envelope(const struct level *lv, const struct top *t, const struct argv *rcpts,
		     struct attr_list *env)
{
	struct delivery_request *m = agent.msg->req;
	char when[32];
	size_t i;

	attr_add(env, "origin", "local");
	attr_add(env, "sender", lv->sender);
	if (m->arrival > 0) {
		snprintf(when, sizeof(when), "%.6f", m->arrival);
		attr_add(env, "time", when);
	}
	attr_add(env, "rewrite_context", "local");
	if (*m->body_type)
		attr_add(env, "body_type", m->body_type);
	if (m->smtputf8)
		attr_add(env, "smtputf8", "1");
	if (*m->dsn_envid)
		attr_add(env, "dsn_envid", m->dsn_envid);
	if (*m->dsn_ret)
		attr_add(env, "dsn_ret", m->dsn_ret);
	for (i = 0; i < rcpts->n; i++) {
		attr_add(env, "rcpt", rcpts->v[i]);
		if (*t->orcpt) {
			attr_add(env, "orcpt", t->orcpt);
		} else {
			char *o = xasprintf("rfc822;%s", t->orig);

			attr_add(env, "orcpt", o);
			xfree(o);
		}
		if (*t->notify)
			attr_add(env, "notify", t->notify);
	}
}

/* send_content - Delivered-To: and the message */
static int send_content(struct cleanup_client *cc, const struct level *lv, const char **error_r)
{
	struct qfile *qf;
	struct buf line;
	int r = 0;

	if (list_has(PFCONF_NAME("prepend_delivered_header"), "forward")) {
		char *low = addr_lower(lv->addr), *q = addr_quote(low), *h = xasprintf("Delivered-To: %s\n", q);

		r = cleanup_write(cc, h, strlen(h), error_r);
		xfree(h);
		xfree(q);
		xfree(low);
		if (r < 0)
			return -1;
	}
	if (msg_open_content(agent.msg, &qf, error_r) < 0)
		return -1;
	buf_init(&line, 0);
	while ((r = msg_next_line(qf, &line, error_r)) > 0) {
		buf_append_c(&line, '\n');
		if (cleanup_write(cc, line.data, line.len, error_r) < 0) {
			r = -1;
			break;
		}
	}
	buf_deinit(&line);
	qfile_close(&qf);
	return r;
}

int forward_submit(const struct level *lv, const struct top *t, const struct argv *rcpts,
		   char *id_r, size_t id_size, struct dres *res)
{
	struct cleanup_client *cc;
	struct cleanup_result cr;
	struct attr_list env;
	const char *error;
	int timeout = (int)pfconf_get_time(agent.cfg, "ipc_timeout");

	if (timeout <= 0 || timeout > 600)
		timeout = 600;
	if (cleanup_open(agent.queue_dir, timeout * 1000, &cc, &error) < 0) {
		dres_set(res, DS_DEFERRED, "4.3.0", "cannot forward: %s", error);
		return -1;
	}
	snprintf(id_r, id_size, "%s", cleanup_queue_id(cc));
	attr_list_init(&env);
	envelope(lv, t, rcpts, &env);
	if (cleanup_send_envelope(cc, &env, &error) < 0 || send_content(cc, lv, &error) < 0
	    || cleanup_finish(cc, &cr, &error) < 0) {
		dres_set(res, DS_DEFERRED, "4.3.0", "cannot forward: %s", error);
		attr_list_deinit(&env);
		cleanup_close(&cc);
		return -1;
	}
	attr_list_deinit(&env);
	cleanup_close(&cc);
	if (cr.status != 0) {
		dres_set(res, cr.status == 5 ? DS_BOUNCED : DS_DEFERRED,
			 *cr.dsn ? cr.dsn : (cr.status == 5 ? "5.3.0" : "4.3.0"), "%s", cr.reason);
		return -1;
	}
	return 0;
}
