/*
 * dsn - RFC 3464 delivery status notifications, submitted through cleanup
 * (origin=bounce, null sender) as Postfix's bounce daemon sends them:
 * multipart/report; report-type=delivery-status with a human-readable
 * part in Postfix's wording, a message/delivery-status part, and the
 * original message (message/rfc822) or only its headers
 * (text/rfc822-headers: RET=HDRS, larger than bounce_size_limit, and all
 * delay/success notices).
 *
 * Rules: mail from the null sender gets no notification; a failed bounce
 * goes to 2bounce_notice_recipient when notify_classes has "2bounce", else
 * it is discarded with a log line; a failed double-bounce notice is
 * discarded ("undeliverable postmaster notification discarded");
 * notify_classes "bounce" sends postmaster a headers-only copy of each
 * failure notice.  cleanup is called synchronously with qmgr_ipc_timeout;
 * when it cannot take the notice, the caller keeps the bounce log and tries
 * again on the next attempt.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "ipc/attr.h"
#include "ipc/cleanup_client.h"
#include "mail/addr.h"
#include "queue/qfile.h"
#include "qmgr.h"

/* mail_date - RFC 5322 date as Postfix writes it: "Wed,  2 Dec 2026 18:17:56 +0000 (UTC)" */
static void mail_date(char *buf, size_t size, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%a, %e %b %Y %H:%M:%S %z (%Z)", &tm);
}

/* read_content - the message content; headers only unless full (0 ok, -1 unreadable) */
static int read_content(const struct message *m, int full, struct buf *out, int *hdrs_only_r)
{
	char *path = queue_path("active", m->id);
	struct qfile *qf;
	struct buf data, line;
	const char *error;
	int type, r, in = 0, in_body = 0;
	off_t off;

	*hdrs_only_r = !full;
	if (qfile_open(path, &qf, &error) < 0) {
		msg_warn("%s: %s", m->id, error);
		xfree(path);
		return -1;
	}
	xfree(path);
	buf_init(&data, 0);
	buf_init(&line, 0);
	while ((r = qfile_get(qf, &type, &data, &off, &error)) > 0) {
		if (type == QREC_MESG) {
			in = 1;
			continue;
		}
		if (!in)
			continue;
		if (type == QREC_XTRA)
			break;
		buf_append(&line, data.data, data.len);
		if (type != QREC_NORM)
			continue;
		if (line.len == 0 && !in_body) {
			in_body = 1;
			if (*hdrs_only_r)
				break;
		}
		buf_append(out, line.data, line.len);
		buf_append_c(out, '\n');
		buf_reset(&line);
		if (full && (long long)out->len > qmgr.bounce_size_limit) {
			/* too large to return: only the headers (as Postfix does) */
			*hdrs_only_r = 1;
			full = 0;
			buf_reset(out);
			qfile_close(&qf);
			buf_deinit(&data);
			buf_deinit(&line);
			return read_content(m, 0, out, hdrs_only_r);
		}
	}
	qfile_close(&qf);
	buf_deinit(&data);
	buf_deinit(&line);
	return r < 0 ? -1 : 0;
}

/* human_text - the first part, Postfix's wording */
static void human_text(struct buf *b, const struct message *m, enum dsn_kind kind,
		       const struct dsn_rcpt *r, size_t n, const char *host)
{
	long lifetime = *m->sender == '\0' ? qmgr.bounce_lifetime : qmgr.max_lifetime;

	buf_printf(b, "This is the mail system at host %s.\n\n", host);
	switch (kind) {
	case DSN_FAILED:
		buf_append_str(b, "I'm sorry to have to inform you that your message could not\n"
			       "be delivered to one or more recipients. It's attached below.\n\n"
			       "For further assistance, please send mail to postmaster.\n\n"
			       "If you do so, please include this problem report. You can\n"
			       "delete your own text from the attached returned message.\n\n");
		break;
	case DSN_DELAYED:
		buf_append_str(b, "####################################################################\n"
			       "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
			       "####################################################################\n\n");
		buf_printf(b, "Your message could not be delivered for more than %ld hour(s).\n"
			   "It will be retried until it is %ld day(s) old.\n\n",
			   qmgr.delay_warning / 3600 > 0 ? qmgr.delay_warning / 3600 : 1,
			   lifetime / 86400 > 0 ? lifetime / 86400 : 1);
		buf_append_str(b, "For further assistance, please send mail to postmaster.\n\n"
			       "If you do so, please include this problem report. You can\n"
			       "delete your own text from the attached returned message.\n\n");
		break;
	case DSN_DELIVERED:
		buf_append_str(b, "Your message was successfully delivered to the destination(s)\n"
			       "listed below. If the message was delivered to mailbox you will\n"
			       "receive no further notifications. Otherwise you may still receive\n"
			       "notifications of mail delivery errors from other systems.\n\n");
		break;
	}
	buf_append_str(b, "                   The mail system\n\n");
	for (size_t i = 0; i < n; i++) {
		if (r[i].orig != NULL && *r[i].orig != '\0' && strcasecmp(r[i].orig, r[i].addr) != 0)
			buf_printf(b, "<%s> (expanded from <%s>): %s\n\n", r[i].addr, r[i].orig, r[i].reason);
		else
			buf_printf(b, "<%s>: %s\n\n", r[i].addr, r[i].reason);
	}
}

/* status_part - the message/delivery-status fields */
static void status_part(struct buf *b, const struct message *m, enum dsn_kind kind,
			const struct dsn_rcpt *r, size_t n, const char *host)
{
	char date[64];
	long lifetime = *m->sender == '\0' ? qmgr.bounce_lifetime : qmgr.max_lifetime;

	if (m->dsn_envid != NULL && *m->dsn_envid != '\0')
		buf_printf(b, "Original-Envelope-Id: %s\n", m->dsn_envid);
	buf_printf(b, "Reporting-MTA: dns; %s\n", host);
	buf_printf(b, "X-Postfix-Queue-ID: %s\n", m->id);
	buf_printf(b, "X-Postfix-Sender: rfc822; %s\n", m->sender);
	mail_date(date, sizeof(date), (time_t)m->arrival);
	buf_printf(b, "Arrival-Date: %s\n", date);
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "\nFinal-Recipient: rfc822; %s\n", r[i].addr);
		if (r[i].orcpt != NULL && *r[i].orcpt != '\0')
			buf_printf(b, "Original-Recipient: %s%s\n", strchr(r[i].orcpt, ';') ? "" : "rfc822;",
				   r[i].orcpt);
		buf_printf(b, "Action: %s\n", kind == DSN_FAILED ? "failed"
			   : kind == DSN_DELAYED ? "delayed" : "delivered");
		buf_printf(b, "Status: %s\n", r[i].dsn);
		buf_printf(b, "Diagnostic-Code: X-Postfix; %s\n", r[i].reason);
		if (kind == DSN_DELAYED) {
			mail_date(date, sizeof(date), (time_t)(m->arrival + (double)lifetime));
			buf_printf(b, "Will-Retry-Until: %s\n", date);
		}
	}
}

/* build - the whole notification */
static int build(struct buf *b, const struct message *m, enum dsn_kind kind, const struct dsn_rcpt *r,
		 size_t n, const char *to, int force_headers)
{
	const char *host = pfconf_get(qmgr.cfg, "myhostname");
	int full = kind == DSN_FAILED && !force_headers
		&& !(m->dsn_ret != NULL && strcasecmp(m->dsn_ret, "HDRS") == 0);
	int eight = m->body_type != NULL && strcasecmp(m->body_type, "8BITMIME") == 0;
	struct buf content;
	char date[64], boundary[160];
	int hdrs_only;
	char *qto = addr_quote(to);

	buf_init(&content, 0);
	if (read_content(m, full, &content, &hdrs_only) < 0) {
		buf_deinit(&content);
		xfree(qto);
		return -1;
	}
	for (size_t i = 0; i < content.len && !eight; i++)
		eight = (unsigned char)content.data[i] >= 0x80;	/* 8-bit text without BODY=8BITMIME */
	snprintf(boundary, sizeof(boundary), "%s.%ld/%s", m->id, (long)time(NULL), host);
	mail_date(date, sizeof(date), time(NULL));
	buf_printf(b, "From: MAILER-DAEMON@%s (Mail Delivery System)\n", host);
	buf_printf(b, "Subject: %s\n", kind == DSN_FAILED ? "Undelivered Mail Returned to Sender"
		   : kind == DSN_DELAYED ? "Delayed Mail (still being retried)"
		   : "Successful Mail Delivery Report");
	buf_printf(b, "To: %s\n", qto);
	buf_printf(b, "Auto-Submitted: auto-replied\n");
	buf_printf(b, "MIME-Version: 1.0\n");
	buf_printf(b, "Content-Type: multipart/report; report-type=delivery-status;\n"
		   "\tboundary=\"%s\"\n", boundary);
	buf_printf(b, "Content-Transfer-Encoding: %s\n", eight ? "8bit" : "7bit");
	buf_printf(b, "Date: %s\n\n", date);
	buf_printf(b, "This is a MIME-encapsulated message.\n\n");
	buf_printf(b, "--%s\nContent-Description: Notification\n"
		   "Content-Type: text/plain; charset=us-ascii\n\n", boundary);
	human_text(b, m, kind, r, n, host);
	buf_printf(b, "--%s\nContent-Description: %s\nContent-Type: message/delivery-status\n\n",
		   boundary, kind == DSN_DELAYED ? "Delivery report" : "Delivery report");
	status_part(b, m, kind, r, n, host);
	buf_printf(b, "\n--%s\n", boundary);
	if (!hdrs_only) {
		buf_printf(b, "Content-Description: Undelivered Message\nContent-Type: message/rfc822\n"
			   "Content-Transfer-Encoding: %s\n\n", eight ? "8bit" : "7bit");
	} else {
		buf_printf(b, "Content-Description: %s\nContent-Type: text/rfc822-headers\n"
			   "Content-Transfer-Encoding: %s\n\n",
			   kind == DSN_FAILED ? "Undelivered Message Headers" : "Message Headers",
			   eight ? "8bit" : "7bit");
	}
	buf_append(b, content.data, content.len);
	buf_printf(b, "\n--%s--\n", boundary);
	buf_deinit(&content);
	xfree(qto);
	return 0;
}

/* submit - hand one notice to cleanup; the new queue ID in *id_r (static) */
static int submit(const char *sender, const char *to, const struct buf *text, const char **id_r,
		  const char **error_r)
{
	static char newid[32];
	struct cleanup_client *cc;
	struct cleanup_result res;
	struct attr_list env;
	int ret = -1;

	if (cleanup_open(qmgr.qdir, (int)qmgr.ipc_timeout * 1000, &cc, error_r) < 0)
		return -1;
	snprintf(newid, sizeof(newid), "%s", cleanup_queue_id(cc));
	attr_list_init(&env);
	attr_add(&env, "origin", "bounce");
	attr_add(&env, "sender", sender);
	attr_add(&env, "rewrite_context", "local");
	attr_add(&env, "flags", "no_header_checks,no_body_checks");
	attr_add(&env, "rcpt", to);
	if (cleanup_send_envelope(cc, &env, error_r) == 0 && cleanup_write(cc, text->data, text->len, error_r) == 0
	    && cleanup_finish(cc, &res, error_r) == 0) {
		if (res.status == 0) {
			ret = 0;
			*id_r = newid;
		} else {
			static char why[1100];

			snprintf(why, sizeof(why), "cleanup: %s %s %s", res.code, res.dsn, res.reason);
			*error_r = why;
		}
	}
	attr_list_deinit(&env);
	cleanup_close(&cc);
	return ret;
}

/* is_double_bounce - the sender is $double_bounce_sender (any domain) */
static int is_double_bounce(const char *sender)
{
	const char *db = pfconf_get(qmgr.cfg, "double_bounce_sender");
	size_t n = strlen(db);

	return *db != '\0' && strncasecmp(sender, db, n) == 0 && (sender[n] == '\0' || sender[n] == '@');
}

/* has_class - notify_classes contains name */
static int has_class(const char *name)
{
	struct argv *l = pfconf_get_list(qmgr.cfg, "notify_classes");
	int found = 0;

	for (size_t i = 0; i < l->n; i++)
		found |= strcasecmp(l->v[i], name) == 0;
	argv_destroy(&l);
	return found;
}

/* send_one - build and submit; 0 or -1 */
static int send_one(struct message *m, enum dsn_kind kind, const struct dsn_rcpt *r, size_t n,
		    const char *sender, const char *to, int headers_only, const char *what)
{
	struct buf text;
	const char *id, *error;
	int ret;

	buf_init(&text, 0);
	if (build(&text, m, kind, r, n, to, headers_only) < 0) {
		buf_deinit(&text);
		return -1;
	}
	ret = submit(sender, to, &text, &id, &error);
	if (ret == 0)
		msg_info("%s: %s notification: %s", m->id, what, id);
	else
		msg_warn("%s: %s notification failed: %s", m->id, what, error);
	buf_deinit(&text);
	return ret;
}

int dsn_notify(struct message *m, enum dsn_kind kind, const struct dsn_rcpt *r, size_t n)
{
	const char *host = pfconf_get(qmgr.cfg, "myhostname");
	char *dbs = xasprintf("%s@%s", pfconf_get(qmgr.cfg, "double_bounce_sender"), host);
	int ret = 0;

	if (*m->sender == '\0') {
		/* a notification about a notification: never to the null sender */
		if (kind != DSN_FAILED)
			;
		else if (has_class("2bounce"))
			ret = send_one(m, kind, r, n, dbs, pfconf_get(qmgr.cfg, "2bounce_notice_recipient"), 1,
				       "postmaster non-delivery");
		else
			msg_info("%s: undeliverable bounce discarded (null sender)", m->id);
	} else if (is_double_bounce(m->sender)) {
		if (kind == DSN_FAILED)
			msg_info("%s: undeliverable postmaster notification discarded", m->id);
	} else {
		ret = send_one(m, kind, r, n, "", m->sender, 0,
			       kind == DSN_FAILED ? "sender non-delivery"
			       : kind == DSN_DELAYED ? "sender delay" : "sender delivery status");
		if (ret == 0 && kind == DSN_FAILED && has_class("bounce"))
			(void)send_one(m, kind, r, n, dbs, pfconf_get(qmgr.cfg, "bounce_notice_recipient"), 1,
				       "postmaster non-delivery");
	}
	xfree(dbs);
	return ret;
}
