/*
 * data - message content: DATA (dot-terminated, dot-stuffed lines) and
 * BDAT (RFC 3030 chunks), converted to LF line ends and passed to cleanup
 * (docs/internal-protocols.md), then the end-of-data verdict.
 *
 * DATA lines are read in pieces of at most line_length_limit bytes; a
 * longer line goes to cleanup whole, in pieces (never truncated), and
 * only the start of a line can be a dot.  SMTP smuggling defence as
 * Postfix 3.7.11's smtpd_forbid_bare_newline: with "normalize"/"yes"
 * (and "reject") a line ending in a bare LF is accepted as a line, but
 * End-of-DATA is only "." ending in CR LF after a line that ended in CR LF;
 * any other "." line is dropped, so "<LF>.<LF>", "<CR><LF>.<LF>" and
 * "<LF>.<CR><LF>" cannot end the message and start a second one.  With
 * "reject" such content is read to the end and refused.  A CR not
 * followed by LF is content.  message_size_limit is checked from SIZE=
 * (commands.c) and here while reading: the rest of an oversized message
 * is read and dropped, cleanup is abandoned, nothing is queued.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "ipc/attr.h"
#include "ipc/cleanup_client.h"
#include "smtpd.h"

#define BDAT_PENDING_CR	(1u << 0)
#define BDAT_AT_BOL	(1u << 1)

/* rewrite_context - "local" for clients on this host (local_header_rewrite_clients default) */
static const char *rewrite_context(struct session *ss)
{
	if (ss->family == 0 || strncmp(ss->addr, "127.", 4) == 0 || strcmp(ss->addr, "::1") == 0)
		return "local";
	return "remote";
}

/* send_envelope - the envelope list to cleanup: 0, or -1 after a 451 reply */
static int send_envelope(struct session *ss)
{
	struct attr_list env;
	struct timeval tv;
	char tbuf[64];
	const char *err;
	int r;

	if (ss->cc == NULL && commands_open_cleanup(ss) < 0)
		return -1;
	gettimeofday(&tv, NULL);
	snprintf(tbuf, sizeof(tbuf), "%lld.%06ld", (long long)tv.tv_sec, (long)tv.tv_usec);
	attr_list_init(&env);
	attr_add(&env, "origin", "smtpd");
	attr_add(&env, "sender", ss->sender);
	attr_add(&env, "time", tbuf);
	attr_add(&env, "client_name", ss->name);
	attr_add(&env, "client_addr", ss->addr);
	attr_add(&env, "client_port", ss->port);
	attr_add(&env, "reverse_name", ss->reverse_name);
	if (ss->helo != NULL)
		attr_add(&env, "helo", ss->helo);
	attr_add(&env, "protocol", ss->smtputf8 && ss->esmtp ? "UTF8SMTP" : ss->protocol);
	attr_add(&env, "rewrite_context", rewrite_context(ss));
	attr_add(&env, "body_type", ss->body_type != NULL ? ss->body_type : "7BIT");
	if (ss->smtputf8)
		attr_add(&env, "smtputf8", "1");
	if (ss->envid != NULL)
		attr_add(&env, "dsn_envid", ss->envid);
	if (ss->ret != NULL)
		attr_add(&env, "dsn_ret", ss->ret);
	for (size_t i = 0; i < ss->nrcpt; i++) {
		attr_add(&env, "rcpt", ss->rcpts[i].addr);
		if (ss->rcpts[i].orcpt != NULL)
			attr_add(&env, "orcpt", ss->rcpts[i].orcpt);
		if (ss->rcpts[i].notify != NULL)
			attr_add(&env, "notify", ss->rcpts[i].notify);
	}
	r = cleanup_send_envelope(ss->cc, &env, &err);
	attr_list_deinit(&env);
	if (r < 0) {
		msg_warn("%s: %s", ss->queue_id, err);
		reply(ss, "451 4.3.0 Error: queue file write error");
		return -1;
	}
	return 0;
}

/* emit - content bytes to cleanup, with the size limit */
static void emit(struct session *ss, const char *p, size_t len)
{
	const char *err;

	ss->act_size += (long long)len;
	if (ss->cf->size_limit > 0 && ss->act_size > ss->cf->size_limit)
		ss->size_exceeded = 1;
	if (ss->size_exceeded || ss->content_failed || ss->bare_lf_seen || len == 0)
		return;
	if (cleanup_write(ss->cc, p, len, &err) < 0) {
		msg_warn("%s: %s", ss->queue_id, err);
		ss->content_failed = 1;
	}
}

/* receive_dot - DATA content up to End-of-DATA: 0, or -1 when the client is gone */
static int receive_dot(struct session *ss)
{
	int strict = ss->cf->bare_lf != BARE_LF_NO && !ss->bare_lf_exempt;
	int prev_bare_lf = ss->last_line_bare_lf, bol = 1;
	char detail[64];

	for (;;) {
		unsigned flags = 0;
		int r = stream_read_line(ss->s, &ss->line, &flags);
		int partial = (flags & STREAM_LINE_PARTIAL) != 0, crlf = (flags & STREAM_LINE_CRLF) != 0;
		const char *p = ss->line.data;
		size_t len = ss->line.len;

		if (r <= 0 || (!crlf && !partial && stream_eof(ss->s))) {
			snprintf(detail, sizeof(detail), " (%lld bytes)", ss->act_size);
			session_lost(ss, detail);
			return -1;
		}
		if (bol && !partial && len == 1 && p[0] == '.') {
			if (!strict || (crlf && !prev_bare_lf))
				return 0;
			/* not a standard End-of-DATA: drop the line */
			if (ss->cf->bare_lf == BARE_LF_REJECT)
				ss->bare_lf_seen = 1;
			prev_bare_lf = !crlf;
			continue;
		}
		if (bol && len > 0 && p[0] == '.') {
			p++;
			len--;
		}
		if (!partial && !crlf && strict && ss->cf->bare_lf == BARE_LF_REJECT)
			ss->bare_lf_seen = 1;
		emit(ss, p, len);
		if (!partial) {
			emit(ss, "\n", 1);
			ss->act_size++;	/* count CR LF as two bytes, as on the wire */
			prev_bare_lf = !crlf;
		}
		bol = !partial;
	}
}

/* finish - the end-of-data verdict; bdat: the BDAT LAST reply form */
static int finish(struct session *ss, int bdat)
{
	struct cleanup_result res;
	const char *err;

	ss->where = "END-OF-MESSAGE";
	if (ss->size_exceeded) {
		reply(ss, "552 5.3.4 Error: message file too big");
		return -1;
	}
	if (ss->bare_lf_seen) {
		char text[300];

		snprintf(text, sizeof(text), "%d 5.5.2 %s Error: bare <LF> received", ss->cf->bare_lf_code,
			 ss->cf->myhostname);
		session_log_reject(ss, "reject", "END-OF-MESSAGE", text, ss->nrcpt == 1 ? ss->rcpts[0].addr : NULL);
		reply(ss, "%s", text);
		return -1;
	}
	if (ss->content_failed) {
		reply(ss, "451 4.3.0 Error: queue file write error");
		return -1;
	}
	if (check_eod(ss) != 0)
		return -1;
	if (cleanup_finish(ss->cc, &res, &err) < 0) {
		msg_warn("%s: %s", ss->queue_id, err);
		reply(ss, "451 4.3.0 Error: queue file write error");
		return -1;
	}
	if (res.status != 0) {
		reply(ss, "%s %s %s", res.code, res.dsn, res.reason);
		return -1;
	}
	if (bdat)
		reply(ss, "250 2.0.0 Ok: %lld bytes queued as %s", ss->bdat_bytes, ss->queue_id);
	else
		reply(ss, "250 2.0.0 Ok: queued as %s", ss->queue_id);
	return 0;
}

int data_cmd(struct session *ss, const char *args)
{
	int ret;

	if (ss->bdat_active) {
		reply(ss, "503 5.5.1 Error: DATA after BDAT");
		return -1;
	}
	if (ss->nrcpt == 0) {
		if (!ss->have_mail)
			reply(ss, "503 5.5.1 Error: need RCPT command");
		else
			reply(ss, "554 5.5.1 Error: no valid recipients");
		return -1;
	}
	if (*args != '\0') {
		reply(ss, "501 5.5.4 Syntax: DATA");
		return -1;
	}
	if (check_data(ss) != 0)
		return -1;
	if (send_envelope(ss) < 0) {
		session_reset(ss);
		return -1;
	}
	reply(ss, "354 End data with <CR><LF>.<CR><LF>");
	if (session_flush(ss, 1) < 0) {
		session_lost(ss, NULL);
		return -1;
	}
	if (receive_dot(ss) < 0)
		return -1;
	ret = finish(ss, 0);
	session_reset(ss);
	return ret;
}

/* bdat_convert - CR LF -> LF across chunk boundaries */
static void bdat_convert(struct session *ss, const char *p, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (ss->bdat_state & BDAT_PENDING_CR) {
			ss->bdat_state &= ~BDAT_PENDING_CR;
			if (p[i] != '\n')
				emit(ss, "\r", 1);
		}
		if (p[i] == '\r') {
			emit(ss, p + start, i - start);
			start = i + 1;
			ss->bdat_state |= BDAT_PENDING_CR;
		}
	}
	emit(ss, p + start, len - start);
	if (len > 0) {
		if (p[len - 1] == '\n' && !(ss->bdat_state & BDAT_PENDING_CR))
			ss->bdat_state |= BDAT_AT_BOL;
		else
			ss->bdat_state &= ~BDAT_AT_BOL;
	}
}

/* bdat_parse - "count [LAST]": 0, or -1 */
static int bdat_parse(const char *args, long long *size_r, int *last_r)
{
	struct argv *a = argv_split(args, " \t");
	int ok = a->n >= 1 && a->n <= 2 && strlen(a->v[0]) <= 18;

	for (const char *p = ok ? a->v[0] : ""; ok && *p; p++)
		ok = isdigit((unsigned char)*p);
	*last_r = a->n == 2;
	if (ok && a->n == 2 && strcasecmp(a->v[1], "LAST") != 0)
		ok = 0;
	if (ok)
		*size_r = strtoll(a->v[0], NULL, 10);
	argv_destroy(&a);
	return ok ? 0 : -1;
}

/* bdat_fail - remember and send the error that refuses this BDAT transaction */
static void bdat_fail(struct session *ss, const char *text)
{
	if (ss->bdat_err == NULL)
		ss->bdat_err = xstrdup(text);
	ss->bdat_failed = 1;
}

/* bdat_start - the first chunk of a transaction: checks and envelope */
static void bdat_start(struct session *ss, long long size, int last)
{
	if (ss->nrcpt == 0) {
		bdat_fail(ss, ss->have_mail ? "554 5.5.1 Error: no valid recipients"
			  : "503 5.5.1 Error: need RCPT command");
		return;
	}
	if (size == 0 && !last) {
		bdat_fail(ss, "551 5.7.1 Null BDAT request");
		return;
	}
	ss->bdat_active = 1;
	ss->bdat_state = BDAT_AT_BOL;
	/* check_data/send_envelope reply themselves; repeat a generic text afterwards */
	if (check_data(ss) != 0 || send_envelope(ss) < 0) {
		ss->bdat_err = xstrdup("554 5.5.1 Error: transaction failed");
		ss->bdat_failed = 2;	/* this chunk's reply has been sent */
	}
}

/* bdat_read - consume the chunk; -1 when the client is gone */
static int bdat_read(struct session *ss, long long size)
{
	char buf[16384], detail[64];

	while (size > 0) {
		size_t want = size > (long long)sizeof(buf) ? sizeof(buf) : (size_t)size;
		ssize_t n = stream_read_some(ss->s, buf, want);

		if (n <= 0) {
			snprintf(detail, sizeof(detail), " (%lld bytes)", ss->bdat_bytes);
			session_lost(ss, detail);
			return -1;
		}
		ss->bdat_bytes += n;
		size -= n;
		if (!ss->bdat_failed)
			bdat_convert(ss, buf, (size_t)n);
	}
	return 0;
}

int bdat_cmd(struct session *ss, const char *args)
{
	long long size;
	int last, replied, ret;

	if (bdat_parse(args, &size, &last) < 0) {
		reply(ss, "521 5.5.4 Syntax: BDAT count [LAST]");
		ss->quit = 1;
		return -1;
	}
	if (!ss->bdat_active && !ss->bdat_failed)
		bdat_start(ss, size, last);
	replied = ss->bdat_failed == 2;
	if (!ss->bdat_failed && ss->cf->size_limit > 0 && ss->act_size + size > ss->cf->size_limit)
		bdat_fail(ss, "552 5.3.4 Chunk exceeds message size limit");
	else if (ss->bdat_failed == 2)
		ss->bdat_failed = 1;
	if (bdat_read(ss, size) < 0)
		return -1;
	if (ss->bdat_failed) {
		if (!replied)
			reply(ss, "%s", ss->bdat_err);
		if (last)
			session_reset(ss);
		return -1;
	}
	if (!last) {
		reply(ss, "250 2.0.0 Ok: %lld bytes", size);
		return 0;
	}
	if (ss->bdat_state & BDAT_PENDING_CR)
		emit(ss, "\r", 1);
	if (!(ss->bdat_state & BDAT_AT_BOL) || (ss->bdat_state & BDAT_PENDING_CR))
		emit(ss, "\n", 1);
	ret = finish(ss, 1);
	session_reset(ss);
	return ret;
}
