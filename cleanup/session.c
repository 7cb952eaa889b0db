/*
 * session - one client of the cleanup service (docs/internal-protocols.md):
 * create the queue file (the ID is fixed now), greet with the queue ID,
 * read the envelope list and the content chunks, then commit (fsync,
 * rename, directory fsync) and only then reply status=0.  A client that
 * goes away before the end chunk, a timeout, or any failure removes the
 * temporary file: nothing stays in incoming/.  After a successful commit
 * into incoming/ the queue manager is poked ("A" to public/qmgr; a failure
 * there is harmless, qmgr also scans on its own timer).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "cleanup.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "ipc/attr.h"
#include "ipc/ipc.h"
#include "queue/qfile.h"

struct reply {
	int status;
	const char *code;
	char dsn[16];
	char reason[512];
};

/* split_reason - "d.d.d text" into dsn and text */
static void split_reason(struct reply *r, const char *reason, const char *def_dsn)
{
	size_t n = strcspn(reason, " ");

	if (n > 0 && n < sizeof(r->dsn) && (reason[0] == '4' || reason[0] == '5') && reason[1] == '.') {
		snprintf(r->dsn, sizeof(r->dsn), "%.*s", (int)n, reason);
		reason += n;
		while (*reason == ' ')
			reason++;
	} else {
		snprintf(r->dsn, sizeof(r->dsn), "%s", def_dsn);
	}
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

/* set_reply - fixed texts as Postfix's smtpd prints them */
static void set_reply(struct reply *r, int status, const char *code, const char *dsn, const char *text)
{
	r->status = status;
	r->code = code;
	snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
	snprintf(r->reason, sizeof(r->reason), "%s", text);
}

/* reply_for - the most severe error decides (Postfix's cleanup_stat_map order) */
static void reply_for(const struct cleanup *c, struct reply *r)
{
	unsigned e = c->errs;

	if (e & CLEANUP_ERR_DEFER) {
		set_reply(r, 4, "451", "4.7.1", "Error: service unavailable");
		if (c->reason != NULL)
			split_reason(r, c->reason, "4.7.1");
	} else if (e & CLEANUP_ERR_BAD) {
		set_reply(r, 4, "451", "4.3.0", "Error: internal protocol error");
	} else if (e & CLEANUP_ERR_RCPT) {
		set_reply(r, 5, "550", "5.1.0", "Error: no recipients specified");
	} else if (e & CLEANUP_ERR_HOPS) {
		set_reply(r, 5, "554", "5.4.0", "Error: too many hops");
	} else if (e & CLEANUP_ERR_SIZE) {
		set_reply(r, 5, "552", "5.3.4", "Error: message file too big");
	} else if (e & CLEANUP_ERR_CONT) {
		set_reply(r, 5, "550", "5.7.1", "message content rejected");
		if (c->reason != NULL)
			split_reason(r, c->reason, "5.7.1");
	} else {
		set_reply(r, 4, "451", "4.3.0", "Error: queue file write error");
	}
}

/* send_reply - the result list */
static void send_reply(struct stream *s, const struct reply *r)
{
	attr_writef(s, "status", "%d", r->status);
	if (r->status != 0) {
		attr_write(s, "code", r->code);
		attr_write(s, "dsn", r->dsn);
		attr_write(s, "reason", r->reason);
	}
	attr_end(s);
}

/* read_content - the chunks up to the end marker: 0, or -1 (client gone, timeout, bad chunk) */
static int read_content(struct cleanup *c, struct stream *s)
{
	struct buf chunk;
	const char *error;
	long long total = 0;
	int r;

	buf_init(&chunk, 0);
	while ((r = attr_read_chunk(s, &chunk, &error)) > 0) {
		total += (long long)chunk.len;
		if (c->cf->message_size_limit > 0 && total > c->cf->message_size_limit) {
			if (!(c->errs & CLEANUP_ERR_SIZE))
				msg_info("%s: reject: message size exceeds message_size_limit %lld from %s; from=<%s>",
					 c->queue_id, c->cf->message_size_limit, c->log_origin ? c->log_origin : "unknown",
					 c->sender ? c->sender : "");
			c->errs |= CLEANUP_ERR_SIZE;
		}
		if (out_ok(c))
			content_data(c, chunk.data, chunk.len);
	}
	buf_deinit(&chunk);
	if (r < 0) {
		if (!stream_eof(s))
			msg_warn("%s: %s", c->queue_id, error);
		return -1;
	}
	return 0;
}

/* state_free - release a message */
static void state_free(struct cleanup *c)
{
	qfile_abandon(&c->qf);
	attr_list_deinit(&c->env);
	rcpt_list_free(&c->in);
	rcpt_list_free(&c->out);
	rcpt_list_free(&c->xrcpt[0]);
	rcpt_list_free(&c->xrcpt[1]);
	hash_destroy(&c->dups, NULL);
	argv_deinit(&c->bcc);
	buf_deinit(&c->line);
	buf_deinit(&c->stripped);
	buf_deinit(&c->hdr);
	while (c->depth > 0)
		xfree(c->stack[--c->depth]);
	xfree(c->sender);
	xfree(c->log_origin);
	xfree(c->first_rcpt);
	xfree(c->reason);
	xfree(c->redirect);
	xfree(c->filter_dest);
	xfree(c->block_type);
	xfree(c->block_boundary);
}

/* finish - commit or drop, then reply */
static void finish(struct cleanup *c, struct stream *s)
{
	struct reply r;
	const char *id, *error;
	int committed = 0;

	if (c->errs == 0 && c->discard) {
		set_reply(&r, 0, "250", "2.0.0", "");
	} else if (c->errs == 0) {
		if (qfile_commit_dir(c->qf, c->hold ? "hold" : NULL, &id, &error) < 0) {
			msg_warn("%s: %s", c->queue_id, error);
			c->errs |= CLEANUP_ERR_WRITE;
		} else {
			committed = 1;
			qfile_close(&c->qf);
		}
	}
	if (c->errs != 0)
		reply_for(c, &r);
	else
		r.status = 0;
	qfile_abandon(&c->qf);	/* not committed: nothing stays in incoming/ (before the reply) */
	send_reply(s, &r);
	/* a lost trigger is harmless: qmgr scans incoming/ on its own timer */
	if (committed && !c->hold)
		(void)ipc_trigger("public/qmgr", "A", 1, &error);
}

void cleanup_serve(int fd, struct cleanup_conf *cf)
{
	struct cleanup c;
	struct stream *s = stream_create(fd, 0);
	struct attr_list greet;
	const char *error;
	int r;

	memset(&c, 0, sizeof(c));
	c.cf = cf;
	attr_list_init(&c.env);
	argv_init(&c.bcc);
	buf_init(&c.line, 0);
	buf_init(&c.stripped, 0);
	buf_init(&c.hdr, 0);
	c.dups = hash_create(16);
	stream_set_timeout(s, (int)((cf->ipc_timeout > 0 && cf->ipc_timeout < 86400 ? cf->ipc_timeout : 86400) * 1000));
	if (qfile_create("incoming", &c.qf, &error) < 0) {
		msg_warn("queue file create: %s", error);
		goto out;
	}
	gettimeofday(&c.ctime, NULL);
	snprintf(c.queue_id, sizeof(c.queue_id), "%s", qfile_id(c.qf));
	attr_list_init(&greet);
	attr_add(&greet, "queue_id", c.queue_id);
	r = attr_send_proto(s, "cleanup", 1, &greet);
	attr_list_deinit(&greet);
	if (r < 0)
		goto out;
	if ((r = attr_read(s, &c.env, &error)) <= 0) {
		if (r < 0 && !stream_eof(s))
			msg_warn("%s: envelope: %s", c.queue_id, error);
		goto out;
	}
	if (envelope_process(&c, &error) < 0) {
		msg_warn("%s: %s", c.queue_id, error);
		c.errs |= CLEANUP_ERR_BAD;
	}
	if (out_ok(&c)) {
		envelope_write(&c);
		content_start(&c);
	}
	if (read_content(&c, s) < 0)
		goto out;
	content_end(&c);
	envelope_finish(&c);
	finish(&c, s);
out:
	state_free(&c);
	stream_destroy(&s);
}
