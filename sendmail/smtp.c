/*
 * smtp - sendmail -bs: a bounded SMTP dialogue on standard input and
 * output (Postfix runs smtpd stand-alone; postcote speaks the subset a
 * local client needs itself and sends every message through postdrop,
 * so the submission is exactly as trusted as a sendmail submission).
 *
 * Commands: HELO, EHLO, MAIL FROM:<addr> [SIZE= BODY=], RCPT TO:<addr>,
 * DATA, RSET, NOOP, VRFY, QUIT (table below); replies are smtpd's texts.
 * Limits: command lines of at most 2048 bytes (longer: 500 5.5.0),
 * smtpd_recipient_limit recipients, smtpd_hard_error_limit errors (then
 * 421), smtpd_timeout per read (then 421), message_size_limit (SIZE= is
 * checked at MAIL; postdrop enforces the real size: 552 5.3.4).
 * A root (or mail_owner) session's HELO and protocol reach cleanup's
 * Received: header through pickup; anyone else's are dropped by pickup.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "sendmail.h"

#define CMD_MAX 2048

struct session {
	struct stream *in, *out;
	const struct sm_msg *defaults;
	const char *host;
	char *helo;
	int esmtp;
	char *sender;		/* NULL before MAIL */
	struct argv rcpts;
	const char *body_type;
	long errors, error_limit, rcpt_limit;
	int quit;
};

static void reply(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reply(struct session *s, const char *fmt, ...)
{
	va_list ap;
	struct buf b;

	buf_init(&b, 0);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_append_str(&b, "\r\n");
	stream_write(s->out, b.data, b.len);
	stream_flush(s->out);
	if (b.data[0] == '4' || b.data[0] == '5')
		s->errors++;
	buf_deinit(&b);
}

static void reset(struct session *s)
{
	xfree(s->sender);
	s->sender = NULL;
	argv_truncate(&s->rcpts, 0);
	s->body_type = NULL;
}

/* path_arg - "FROM:<addr> params" -> addr (internal form) and params; -1 syntax */
static int path_arg(const char *arg, const char *kw, char **addr_r, const char **params_r)
{
	size_t n = strlen(kw);
	const char *p, *end;

	if (strncasecmp(arg, kw, n) != 0)
		return -1;
	p = arg + n;
	while (*p == ' ')
		p++;
	if (*p != '<' || (end = strchr(p, '>')) == NULL)
		return -1;
	{
		char *inner = xstrndup(p, (size_t)(end - p + 1));

		*addr_r = sm_parse_sender(inner);
		xfree(inner);
	}
	*params_r = end + 1;
	return 0;
}

static void cmd_helo(struct session *s, const char *arg, int esmtp)
{
	if (*arg == '\0') {
		reply(s, "501 Syntax: %s hostname", esmtp ? "EHLO" : "HELO");
		return;
	}
	reset(s);
	xfree(s->helo);
	s->helo = xstrndup(arg, 255);
	s->esmtp = esmtp;
	if (!esmtp) {
		reply(s, "250 %s", s->host);
		return;
	}
	if (sm.size_limit > 0)
		reply(s, "250-%s\r\n250-PIPELINING\r\n250-SIZE %lld\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME",
		      s->host, sm.size_limit);
	else	/* no limit: SIZE without a number, as smtpd */
		reply(s, "250-%s\r\n250-PIPELINING\r\n250-SIZE\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME",
		      s->host);
}

/* mail_params - SIZE= and BODY=; 0 ok, -1 replied */
static int mail_params(struct session *s, const char *p)
{
	struct argv *a = argv_split(p, " ");
	int ret = 0;

	for (size_t i = 0; i < a->n && ret == 0; i++) {
		const char *w = a->v[i];

		if (strncasecmp(w, "SIZE=", 5) == 0) {
			if (sm.size_limit > 0 && strtoll(w + 5, NULL, 10) > sm.size_limit) {
				reply(s, "552 5.3.4 Message size exceeds fixed limit");
				ret = -1;
			}
		} else if (strncasecmp(w, "BODY=", 5) == 0
			   && (strcasecmp(w + 5, "8BITMIME") == 0 || strcasecmp(w + 5, "7BIT") == 0)) {
			s->body_type = strcasecmp(w + 5, "7BIT") == 0 ? "7BIT" : "8BITMIME";
		} else {
			reply(s, "555 5.5.4 Unsupported option: %s", w);
			ret = -1;
		}
	}
	argv_destroy(&a);
	return ret;
}

static void cmd_mail(struct session *s, const char *arg)
{
	char *addr;
	const char *params;

	if (s->sender != NULL) {
		reply(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (path_arg(arg, "FROM:", &addr, &params) < 0) {
		reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (mail_params(s, params) < 0) {
		xfree(addr);
		return;
	}
	s->sender = addr;
	reply(s, "250 2.1.0 Ok");
}

static void cmd_rcpt(struct session *s, const char *arg)
{
	char *addr = NULL;
	const char *params;

	if (s->sender == NULL) {
		reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (path_arg(arg, "TO:", &addr, &params) < 0 || *addr == '\0') {
		xfree(addr);
		reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if ((long)s->rcpts.n >= s->rcpt_limit) {
		xfree(addr);
		reply(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	argv_add(&s->rcpts, addr);
	xfree(addr);
	reply(s, "250 2.1.5 Ok");
}

/* data_lines - the message up to ".", unstuffed, into postdrop; -1 on EOF/timeout */
static int data_lines(struct session *s, struct sm_drop *d)
{
	struct buf line;
	unsigned flags;
	int mid = 0, r;

	buf_init(&line, 0);
	while ((r = stream_read_line(s->in, &line, &flags)) > 0) {
		const char *p = line.data;
		size_t n = line.len;

		if (!mid && n == 1 && p[0] == '.')
			break;
		if (!mid && n > 0 && p[0] == '.') {
			p++;
			n--;
		}
		if (flags & STREAM_LINE_PARTIAL) {
			sm_drop_cont(d, p, n);
			mid = 1;
		} else {
			sm_drop_line(d, p, n);
			mid = 0;
		}
	}
	buf_deinit(&line);
	return r > 0 ? 0 : -1;
}

static void cmd_data(struct session *s, const char *arg)
{
	struct sm_msg m = *s->defaults;
	struct sm_drop *d;
	const char *id, *why;

	(void)arg;
	if (s->rcpts.n == 0) {
		reply(s, "503 5.5.1 Error: need RCPT command");
		return;
	}
	m.sender = s->sender;
	m.rcpts = s->rcpts;
	m.helo = s->helo;
	m.protocol = s->esmtp ? "ESMTP" : "SMTP";
	m.body_type = s->body_type;
	d = sm_drop_open(&m);
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (data_lines(s, d) < 0) {
		sm_drop_abort(&d);
		if (stream_timed_out(s->in))
			reply(s, "421 4.4.2 %s Error: timeout exceeded", s->host);
		s->quit = 1;
		return;
	}
	if (sm_drop_finish(&d, &id, &why) < 0) {
		if (strcmp(why, "message file too big") == 0)
			reply(s, "552 5.3.4 Error: message file too big");
		else
			reply(s, "451 4.3.0 Error: queue file write error");
	} else {
		reply(s, "250 2.0.0 Ok: queued as %s", id);
	}
	reset(s);
}

/* dispatch - one command line */
static void command(struct session *s, char *line)
{
	char *arg = line + strcspn(line, " ");

	if (*arg)
		*arg++ = '\0';
	while (*arg == ' ')
		arg++;
	if (strcasecmp(line, "HELO") == 0) cmd_helo(s, arg, 0);
	else if (strcasecmp(line, "EHLO") == 0) cmd_helo(s, arg, 1);
	else if (strcasecmp(line, "MAIL") == 0) cmd_mail(s, arg);
	else if (strcasecmp(line, "RCPT") == 0) cmd_rcpt(s, arg);
	else if (strcasecmp(line, "DATA") == 0) cmd_data(s, arg);
	else if (strcasecmp(line, "RSET") == 0) { reset(s); reply(s, "250 2.0.0 Ok"); }
	else if (strcasecmp(line, "NOOP") == 0) reply(s, "250 2.0.0 Ok");
	else if (strcasecmp(line, "VRFY") == 0) {
		if (*arg == '\0')
			reply(s, "501 5.5.4 Syntax: VRFY address");
		else
			reply(s, "252 2.0.0 %s", arg);
	} else if (strcasecmp(line, "QUIT") == 0) {
		reply(s, "221 2.0.0 Bye");
		s->quit = 1;
	} else {
		reply(s, "502 5.5.2 Error: command not recognized");
	}
}

/* read_command - next command line; 0 EOF/timeout (replied), 1 ok, 2 too long (replied) */
static int read_command(struct session *s, struct buf *line)
{
	unsigned flags;
	int r = stream_read_line(s->in, line, &flags), toolong = 0;

	while (r > 0 && (flags & STREAM_LINE_PARTIAL)) {
		toolong = 1;
		r = stream_read_line(s->in, line, &flags);
	}
	if (r <= 0) {
		if (stream_timed_out(s->in))
			reply(s, "421 4.4.2 %s Error: timeout exceeded", s->host);
		return 0;
	}
	if (toolong) {
		reply(s, "500 5.5.0 Error: line too long");
		return 2;
	}
	return 1;
}

int sm_smtp(const struct sm_msg *defaults)
{
	struct session s = { 0 };
	struct buf line;
	long long timeout = pfconf_get_time(sm.cfg, "smtpd_timeout");
	int r;

	s.in = stream_create(STDIN_FILENO, 0);
	s.out = stream_create(STDOUT_FILENO, 0);
	stream_set_line_limit(s.in, CMD_MAX);
	stream_set_timeout(s.in, (int)(timeout > 0 && timeout < 86400 ? timeout * 1000 : 300000));
	stream_set_timeout(s.out, 300000);
	s.defaults = defaults;
	s.host = pfconf_get(sm.cfg, "myhostname");
	s.error_limit = (long)pfconf_get_int(sm.cfg, "smtpd_hard_error_limit");
	s.rcpt_limit = (long)pfconf_get_int(sm.cfg, "smtpd_recipient_limit");
	argv_init(&s.rcpts);
	buf_init(&line, 0);
	reply(&s, "220 %s", pfconf_get(sm.cfg, "smtpd_banner"));
	while (!s.quit && (r = read_command(&s, &line)) > 0) {
		if (r == 1)
			command(&s, line.data);
		if (!s.quit && s.errors >= s.error_limit) {
			reply(&s, "421 4.7.0 %s Error: too many errors", s.host);
			break;
		}
	}
	reset(&s);
	argv_deinit(&s.rcpts);
	xfree(s.helo);
	buf_deinit(&line);
	stream_destroy(&s.in);
	stream_destroy(&s.out);
	return 0;
}
