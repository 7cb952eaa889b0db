/*
 * session - one SMTP connection: who the client is (address, verified
 * name), the greeting, the command loop with its limits (line length,
 * smtpd_timeout, soft/hard error limits, improper pipelining), replies,
 * and the Postfix log lines "connect from", "lost connection after X
 * from", "timeout after X from", "too many errors after X from",
 * "improper command pipelining after X from" and the "disconnect from ...
 * ehlo=1 mail=1 ... commands=N" summary.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "ipc/cleanup_client.h"
#include "smtpd.h"

/* copy_str - bounded copy */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* same_addr - two socket addresses hold the same IP */
static int same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 0;
}

/* forward_confirm - name resolves back to the client address */
static int forward_confirm(const char *name, const struct sockaddr *sa)
{
	struct addrinfo hints, *res, *ai;
	int ok = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = sa->sa_family;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && !ok; ai = ai->ai_next)
		ok = same_addr(ai->ai_addr, sa);
	freeaddrinfo(res);
	return ok;
}

/* valid_name - a PTR result we are willing to log and use */
static int valid_name(const char *name)
{
	if (*name == '\0' || strlen(name) > 255)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
		      || *p == '-' || *p == '.' || *p == '_'))
			return 0;
	return 1;
}

/* peer_setup - client address, port, reverse name with forward confirmation */
static void peer_setup(struct session *ss)
{
	struct sockaddr_storage st;
	socklen_t len = sizeof(st);
	struct sockaddr *sa = (struct sockaddr *)&st;
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	copy_str(ss->name, sizeof(ss->name), "localhost");
	copy_str(ss->reverse_name, sizeof(ss->reverse_name), "localhost");
	copy_str(ss->addr, sizeof(ss->addr), "127.0.0.1");
	copy_str(ss->port, sizeof(ss->port), "0");
	if (getpeername(ss->fd, sa, &len) < 0 || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		goto done;
	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)sa)->sin6_addr)) {
		struct sockaddr_in v4;

		memset(&v4, 0, sizeof(v4));
		v4.sin_family = AF_INET;
		v4.sin_port = ((struct sockaddr_in6 *)sa)->sin6_port;
		memcpy(&v4.sin_addr, ((struct sockaddr_in6 *)sa)->sin6_addr.s6_addr + 12, 4);
		memcpy(&st, &v4, sizeof(v4));
		len = sizeof(v4);
	}
	ss->family = sa->sa_family;
	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
		char *pct = strchr(host, '%');

		if (pct != NULL)
			*pct = '\0';
		copy_str(ss->addr, sizeof(ss->addr), host);
		copy_str(ss->port, sizeof(ss->port), serv);
	}
	copy_str(ss->name, sizeof(ss->name), "unknown");
	copy_str(ss->reverse_name, sizeof(ss->reverse_name), "unknown");
	if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NAMEREQD) == 0 && valid_name(host)) {
		copy_str(ss->reverse_name, sizeof(ss->reverse_name), host);
		if (forward_confirm(host, sa))
			copy_str(ss->name, sizeof(ss->name), host);
		else
			msg_warn("hostname %s does not resolve to address %s", host, ss->addr);
	}
done:
	if (ss->family == AF_INET6)
		snprintf(ss->rfc_addr, sizeof(ss->rfc_addr), "IPv6:%s", ss->addr);
	else
		copy_str(ss->rfc_addr, sizeof(ss->rfc_addr), ss->addr);
	snprintf(ss->namaddr, sizeof(ss->namaddr), "%s[%s]", ss->name, ss->addr);
}

const char *session_printable(const char *s, size_t len, size_t max)
{
	static char out[512];
	size_t o = 0;

	for (size_t i = 0; i < len && i < max && o + 5 < sizeof(out); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (c < ' ' || c >= 0x7f) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\%03o", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/* vreply - one reply line; error replies count against the error limits */
static void vreply(struct session *ss, int last, const char *fmt, va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (last && (text[0] == '4' || text[0] == '5')) {
		ss->error_count++;
		if (ss->error_count > ss->cf->soft_error_limit && ss->cf->error_sleep_s > 0) {
			stream_flush(ss->s);
			sleep((unsigned)ss->cf->error_sleep_s);
		}
	}
	stream_printf(ss->s, "%s\r\n", text);
}

void reply(struct session *ss, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(ss, 1, fmt, ap);
	va_end(ap);
}

void reply_cont(struct session *ss, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(ss, 0, fmt, ap);
	va_end(ap);
}

/* client_has_input - pipelined bytes are waiting (buffered or on the socket) */
static int client_has_input(struct session *ss)
{
	char c;

	if (stream_has_input(ss->s))
		return 1;
	return recv(ss->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/* pending_input - up to max bytes of pipelined input, for the log */
static size_t pending_input(struct session *ss, char *out, size_t max)
{
	size_t len = 0;
	const char *p = stream_unread(ss->s, &len);
	ssize_t n;

	if (len > 0) {
		if (len > max)
			len = max;
		memcpy(out, p, len);
		return len;
	}
	n = recv(ss->fd, out, max, MSG_PEEK | MSG_DONTWAIT);
	return n > 0 ? (size_t)n : 0;
}

/* log_pipelining - the "improper command pipelining" line; -1 when forbidden */
static int log_pipelining(struct session *ss, const char *cmd)
{
	char pending[100];
	size_t len = pending_input(ss, pending, sizeof(pending));

	ss->ill_pipelining = 1;
	msg_info("improper command pipelining after %s from %s: %s", cmd, ss->namaddr,
		 session_printable(pending, len, sizeof(pending)));
	if (ss->cf->forbid_unauth_pipelining) {
		reply(ss, "554 5.5.0 Error: SMTP protocol synchronization");
		stream_flush(ss->s);
		ss->quit = 1;
		return -1;
	}
	return 0;
}

int session_flush(struct session *ss, int force)
{
	if (!force && stream_has_input(ss->s))
		return 0;
	return stream_flush(ss->s);
}

int session_pipelining_check(struct session *ss, const char *cmd)
{
	if (ss->ill_pipelining || !client_has_input(ss))
		return 0;
	return log_pipelining(ss, cmd);
}

void session_log_reject(struct session *ss, const char *kind, const char *cmd, const char *text,
			const char *rcpt)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s: %s: %s from %s: %s;", ss->queue_id[0] ? ss->queue_id : "NOQUEUE", kind, cmd,
		   ss->namaddr, text);
	if (ss->have_mail) {
		char *q = path_quote(ss->sender);

		buf_printf(&b, " from=<%s>", q);
		xfree(q);
	}
	if (rcpt != NULL) {
		char *q = path_quote(rcpt);

		buf_printf(&b, " to=<%s>", q);
		xfree(q);
	}
	buf_printf(&b, " proto=%s", ss->protocol);
	if (ss->helo != NULL)
		buf_printf(&b, " helo=<%s>", ss->helo);
	msg_info("%s", buf_cstr(&b));
	buf_deinit(&b);
}

void session_reset(struct session *ss)
{
	cleanup_close(&ss->cc);
	ss->queue_id[0] = '\0';
	ss->have_mail = 0;
	xfree(ss->sender);
	ss->sender = NULL;
	xfree(ss->body_type);
	ss->body_type = NULL;
	xfree(ss->envid);
	ss->envid = NULL;
	xfree(ss->ret);
	ss->ret = NULL;
	ss->smtputf8 = 0;
	ss->declared_size = 0;
	for (size_t i = 0; i < ss->nrcpt; i++) {
		xfree(ss->rcpts[i].addr);
		xfree(ss->rcpts[i].orcpt);
		xfree(ss->rcpts[i].notify);
	}
	ss->nrcpt = 0;
	ss->rcpt_count = 0;
	ss->bdat_active = 0;
	ss->bdat_failed = 0;
	ss->bdat_bytes = 0;
	ss->bdat_state = 0;
	buf_reset(&ss->bdat_line);
	ss->act_size = 0;
	ss->size_exceeded = 0;
	ss->content_failed = 0;
	ss->bare_lf_seen = 0;
	xfree(ss->bdat_err);
	ss->bdat_err = NULL;
}

void session_lost(struct session *ss, const char *detail)
{
	const char *what = stream_timed_out(ss->s) ? "timeout" : "lost connection";

	if (stream_timed_out(ss->s)) {
		/* the stream refuses I/O after a timeout: write the farewell directly, never blocking */
		char text[600];
		int n = snprintf(text, sizeof(text), "421 4.4.2 %s Error: timeout exceeded\r\n", ss->cf->myhostname);

		if (n > 0 && (size_t)n < sizeof(text) && send(ss->fd, text, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			msg_warn("cannot send timeout reply to %s: %m", ss->namaddr);
	}
	msg_info("%s after %s%s from %s", what, ss->where, detail != NULL ? detail : "", ss->namaddr);
	ss->quit = 1;
}

/* log_disconnect - "disconnect from name[addr] ehlo=1 mail=1 ... commands=N" */
static void log_disconnect(struct session *ss)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "disconnect from %s", ss->namaddr);
	for (unsigned i = 0; i < ss->nstats; i++) {
		struct cmd_stat *st = &ss->stats[i];

		if (st->total == 0)
			continue;
		if (st->ok == st->total)
			buf_printf(&b, " %s=%u", st->name, st->ok);
		else
			buf_printf(&b, " %s=%u/%u", st->name, st->ok, st->total);
	}
	if (ss->cmd_ok == ss->cmd_total && ss->cmd_total > 0)
		buf_printf(&b, " commands=%u", ss->cmd_ok);
	else
		buf_printf(&b, " commands=%u/%u", ss->cmd_ok, ss->cmd_total);
	msg_info("%s", buf_cstr(&b));
	buf_deinit(&b);
}

/* read_command - one command line; over-long lines are cut at the limit (rest skipped) */
static int read_command(struct session *ss, unsigned *flags_r)
{
	struct buf piece;
	unsigned flags;
	int r = stream_read_line(ss->s, &ss->line, &flags);

	if (r <= 0)
		return r;
	if (!(flags & STREAM_LINE_CRLF) && !(flags & STREAM_LINE_PARTIAL) && stream_eof(ss->s))
		return 0;	/* unterminated last line: the client went away */
	if (flags & STREAM_LINE_PARTIAL) {
		buf_init(&piece, 0);
		do {
			r = stream_read_line(ss->s, &piece, &flags);
		} while (r > 0 && (flags & STREAM_LINE_PARTIAL));
		buf_deinit(&piece);
		if (r <= 0)
			return r;
	}
	*flags_r = flags;
	return 1;
}

/* greet - connect-time work and the 220 greeting; -1 to end the session */
static int greet(struct session *ss)
{
	if (client_has_input(ss) && log_pipelining(ss, "CONNECT") < 0)
		return -1;
	if (!ss->cf->delay_reject && (ss->deny_reply = check_connect(ss)) != NULL) {
		reply(ss, "%s", ss->deny_reply);
	} else {
		reply(ss, "220 %s", ss->cf->banner);
	}
	return stream_flush(ss->s);
}

/* command_loop - read and execute commands until QUIT, EOF, timeout or a limit */
static void command_loop(struct session *ss)
{
	while (!ss->quit) {
		unsigned flags = 0;
		int r;

		if (ss->error_count >= ss->cf->hard_error_limit) {
			reply(ss, "421 4.7.0 %s Error: too many errors", ss->cf->myhostname);
			stream_flush(ss->s);
			msg_info("too many errors after %s from %s", ss->where, ss->namaddr);
			break;
		}
		if (session_flush(ss, 0) < 0) {
			session_lost(ss, NULL);
			break;
		}
		r = read_command(ss, &flags);
		if (r <= 0) {
			session_lost(ss, NULL);
			break;
		}
		if (!(flags & STREAM_LINE_CRLF) && ss->cf->bare_lf == BARE_LF_REJECT && !ss->bare_lf_exempt) {
			char text[300];

			snprintf(text, sizeof(text), "%d 5.5.2 %s Error: bare <LF> received",
				 ss->cf->bare_lf_code, ss->cf->myhostname);
			session_log_reject(ss, "reject", "COMMAND", text, NULL);
			reply(ss, "%s", text);
			stream_flush(ss->s);
			break;
		}
		ss->last_line_bare_lf = !(flags & STREAM_LINE_CRLF);
		commands_dispatch(ss, ss->line.data, ss->line.len);
		if (stream_timed_out(ss->s) || stream_error(ss->s))
			break;
	}
	stream_flush(ss->s);
}

void session_run(struct smtpd_conf *cf, int fd)
{
	struct session *ss = xcalloc(1, sizeof(*ss));

	ss->cf = cf;
	ss->fd = fd;
	ss->s = stream_create(fd, 0);
	stream_set_timeout(ss->s, cf->timeout_s * 1000);
	stream_set_line_limit(ss->s, cf->line_limit);
	buf_init(&ss->line, 0);
	buf_init(&ss->bdat_line, 0);
	ss->where = "CONNECT";
	ss->protocol = "SMTP";
	peer_setup(ss);
	msg_info("connect from %s", ss->namaddr);
	ss->in_mynetworks = netlist_match(cf->mynetworks, ss->name, ss->addr) == 1;
	ss->bare_lf_exempt = netlist_match(cf->bare_lf_exclusions, ss->name, ss->addr) == 1;
	if (greet(ss) == 0)
		command_loop(ss);
	else if (!ss->quit)
		msg_info("lost connection after CONNECT from %s", ss->namaddr);
	session_reset(ss);
	log_disconnect(ss);
	xfree(ss->rcpts);
	xfree(ss->helo);
	xfree(ss->deny_reply);
	buf_deinit(&ss->line);
	buf_deinit(&ss->bdat_line);
	stream_destroy(&ss->s);
	xfree(ss);
}
