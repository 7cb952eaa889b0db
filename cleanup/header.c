/*
 * header - one logical message header at a time, as Postfix's cleanup
 * handles it: header checks (by header class), Message-ID logging,
 * the hop count, dropping Return-Path:, Content-Length:, Bcc: and
 * Resent-Bcc:, address rewriting in sender/recipient headers when the
 * rewrite context allows it, and after the primary headers the missing
 * (Resent-)Message-Id:, Date:, From: and undisclosed recipients headers
 * (only for the local rewrite context unless always_add_missing_headers).
 * The Received: header cleanup prepends goes through the same path (so
 * header_checks see it and it counts as a hop), as smtpd's does in Postfix.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cleanup.h"
#include "core/log.h"
#include "core/mem.h"
#include "hdr_addr.h"

/* header flags */
#define HF_SENDER	(1u << 0)	/* sender addresses: rewritten as header_sender */
#define HF_RECIP	(1u << 1)	/* recipient addresses: header_recipient */
#define HF_DROP		(1u << 2)	/* removed from the message */
#define HF_MIME		(1u << 3)	/* MIME header: mime_header_checks */
#define HF_RR		(1u << 4)	/* Resent-* */
#define HF_XRECIP	(1u << 5)	/* recipients taken with extract_recipients */

#define EXTRACT_MAX	10000	/* recipients taken from headers (sendmail -t) */

/* seen bits */
enum {
	HB_FROM = 1, HB_DATE = 2, HB_MSGID = 4, HB_TO = 8, HB_CC = 16, HB_RESENT_FROM = 32,
	HB_RESENT_DATE = 64, HB_RESENT_MSGID = 128, HB_RESENT_TO = 256, HB_RESENT_CC = 512,
	HB_RECEIVED = 1024, HB_CTE = 2048, HB_CTYPE = 4096,
};

struct hdr_info {
	const char *name;
	unsigned bit;
	unsigned flags;
};

static const struct hdr_info known[] = {
	{ "Apparently-To", 0, HF_RECIP },
	{ "Bcc", 0, HF_RECIP | HF_XRECIP | HF_DROP },
	{ "Cc", HB_CC, HF_RECIP | HF_XRECIP },
	{ "Content-Description", 0, HF_MIME },
	{ "Content-Disposition", 0, HF_MIME },
	{ "Content-ID", 0, HF_MIME },
	{ "Content-Length", 0, HF_DROP },
	{ "Content-Transfer-Encoding", HB_CTE, HF_MIME },
	{ "Content-Type", HB_CTYPE, HF_MIME },
	{ "Date", HB_DATE, 0 },
	{ "Delivered-To", 0, 0 },
	{ "Disposition-Notification-To", 0, HF_SENDER },
	{ "Errors-To", 0, HF_SENDER },
	{ "From", HB_FROM, HF_SENDER },
	{ "MIME-Version", 0, HF_MIME },
	{ "Mail-Followup-To", 0, HF_SENDER },
	{ "Message-ID", HB_MSGID, 0 },
	{ "Received", HB_RECEIVED, 0 },
	{ "Reply-To", 0, HF_SENDER },
	{ "Resent-Bcc", 0, HF_RECIP | HF_XRECIP | HF_DROP | HF_RR },
	{ "Resent-Cc", HB_RESENT_CC, HF_RECIP | HF_XRECIP | HF_RR },
	{ "Resent-Date", HB_RESENT_DATE, HF_RR },
	{ "Resent-From", HB_RESENT_FROM, HF_SENDER | HF_RR },
	{ "Resent-Message-ID", HB_RESENT_MSGID, HF_RR },
	{ "Resent-Reply-To", 0, HF_RECIP | HF_RR },
	{ "Resent-Sender", 0, HF_SENDER | HF_RR },
	{ "Resent-To", HB_RESENT_TO, HF_RECIP | HF_XRECIP | HF_RR },
	{ "Return-Path", 0, HF_DROP },
	{ "Return-Receipt-To", 0, HF_SENDER },
	{ "Sender", 0, HF_SENDER },
	{ "To", HB_TO, HF_RECIP | HF_XRECIP },
	{ NULL, 0, 0 },
};

size_t header_is(const char *text, size_t len)
{
	size_t i = 0, n;

	while (i < len && (unsigned char)text[i] > 32 && (unsigned char)text[i] < 127 && text[i] != ':')
		i++;
	n = i;
	if (n == 0)
		return 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return i < len && text[i] == ':' ? n : 0;
}

/* find_info - the known header called text[0..n) */
static const struct hdr_info *find_info(const char *text, size_t n)
{
	for (const struct hdr_info *h = known; h->name != NULL; h++)
		if (strlen(h->name) == n && strncasecmp(h->name, text, n) == 0)
			return h;
	return NULL;
}

/* header_value - pointer after "Name:" and leading whitespace */
static const char *header_value(const char *text)
{
	const char *v = strchr(text, ':');

	v = v != NULL ? v + 1 : text + strlen(text);
	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	return v;
}

/* safe - a client-supplied value for a header: control characters become '?', at most 255 bytes */
static char *safe(const char *v)
{
	char *s = xstrndup(v, 255);

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 32 || *p == 127)
			*p = '?';
	return s;
}

const char *mail_date(time_t t)
{
	static char buf[128];
	struct tm *lt = localtime(&t);
	long off;
	size_t n;

	if (lt == NULL)
		return "Thu,  1 Jan 1970 00:00:00 +0000 (UTC)";
	off = lt->tm_gmtoff / 60;
	n = strftime(buf, sizeof(buf), "%a, %e %b %Y %H:%M:%S ", lt);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%c%02ld%02ld", off < 0 ? '-' : '+',
			      (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	strftime(buf + n, sizeof(buf) - n, " (%Z)", lt);
	return buf;
}

/* rewrite_addrs - rewrite the addresses of a sender/recipient header in place */
static void rewrite_addrs(struct cleanup *c, struct buf *hdr, int sender)
{
	const char *text = buf_cstr(hdr);
	size_t voff = (size_t)(strchr(text, ':') + 1 - text), max = 1024, n, pos;
	struct hdr_addr_span *spans;
	struct buf out;
	int did = 0;

	if ((long long)max > c->cf->token_limit)
		max = (size_t)c->cf->token_limit;
	spans = xcalloc(max + 1, sizeof(*spans));
	n = hdr_addr_find(text + voff, hdr->len - voff, spans, max);
	buf_init(&out, 0);
	buf_append(&out, text, voff);
	pos = voff;
	for (size_t i = 0; i < n && out_ok(c); i++) {
		size_t s = voff + spans[i].start, e = voff + spans[i].end;
		char *a = hdr_addr_internal(text + s, e - s);

		buf_append(&out, text + pos, s - pos);
		if (rewrite_header_addr(c, &a, sender)) {
			char *ext = hdr_addr_external(a);

			buf_append_str(&out, ext);
			xfree(ext);
			did = 1;
		} else {
			buf_append(&out, text + s, e - s);
		}
		pos = e;
		xfree(a);
	}
	if (did) {
		buf_append(&out, text + pos, hdr->len - pos);
		buf_set(hdr, out.data, out.len);
	}
	buf_deinit(&out);
	xfree(spans);
}

/* extract_addrs - sendmail -t: the addresses of a To/Cc/Bcc header become recipients */
static void extract_addrs(struct cleanup *c, const struct buf *hdr, int resent)
{
	const char *text = buf_cstr(hdr);
	size_t voff = (size_t)(strchr(text, ':') + 1 - text), n;
	struct hdr_addr_span spans[256];
	struct rcpt_list *l = &c->xrcpt[resent];

	n = hdr_addr_find(text + voff, hdr->len - voff, spans, sizeof(spans) / sizeof(spans[0]));
	for (size_t i = 0; i < n && l->n < EXTRACT_MAX; i++) {
		char *a = hdr_addr_internal(text + voff + spans[i].start, spans[i].end - spans[i].start);
		char *r = rewrite_local(c, a);

		if (*r != '\0' && strlen(r) < 2048)
			rcpt_add(l, r, r, NULL, NULL);
		xfree(r);
		xfree(a);
	}
}

/* primary_header - what only primary (top-level, non-MIME) headers get */
static void primary_header(struct cleanup *c, struct buf *hdr, const struct hdr_info *h)
{
	const char *v = header_value(buf_cstr(hdr));

	c->seen |= h->bit;
	if (h->bit == HB_MSGID)
		msg_info("%s: message-id=%.*s", c->queue_id, (int)strcspn(v, "\r\n"), v);
	else if (h->bit == HB_RESENT_MSGID)
		msg_info("%s: resent-message-id=%.*s", c->queue_id, (int)strcspn(v, "\r\n"), v);
	if (h->bit == HB_RECEIVED && ++c->hops >= c->cf->hopcount_limit && !(c->errs & CLEANUP_ERR_HOPS)) {
		act_log(c, "reject", "header", buf_cstr(hdr), "5.4.0 too many hops");
		c->errs |= CLEANUP_ERR_HOPS;
		return;
	}
	if (h->flags & HF_RR)
		c->resent = 1;
	if (c->hdr_ctx && (h->flags & (HF_SENDER | HF_RECIP)) && !(h->flags & HF_DROP))
		rewrite_addrs(c, hdr, (h->flags & HF_SENDER) != 0);
	if (c->extract && (h->flags & HF_XRECIP))
		extract_addrs(c, hdr, (h->flags & HF_RR) != 0);
	if (h->flags & HF_DROP)
		return;
	out_text(c, hdr->data, hdr->len);
}

/* checks_for - the check table for a header of this class */
static struct maplist *checks_for(struct cleanup *c, enum hdr_class cls)
{
	return cls == HDR_PRIMARY ? c->cf->header_checks
		: cls == HDR_MULTIPART ? c->cf->mime_header_checks : c->cf->nested_header_checks;
}

void header_process(struct cleanup *c, struct buf *hdr, enum hdr_class cls)
{
	size_t n = header_is(hdr->data, hdr->len);
	const struct hdr_info *h = find_info(hdr->data, n);
	enum hdr_class ccls = h != NULL && (h->flags & HF_MIME) ? HDR_MULTIPART : cls;

	if (h != NULL && h->bit == HB_CTYPE)
		content_note_header(c, buf_cstr(hdr));
	if (h != NULL && h->bit == HB_CTE) {
		const char *v = header_value(buf_cstr(hdr));

		if (strncasecmp(v, "8bit", 4) == 0 || strncasecmp(v, "binary", 6) == 0)
			c->saw_8bit_cte = 1;
	}
	if (c->filter) {
		char *repl = NULL;
		int r = checks_run(c, checks_for(c, ccls), "header", buf_cstr(hdr), &repl);

		if (r == ACT_DROP)
			return;
		if (r == ACT_REPLACE) {
			buf_set(hdr, repl, strlen(repl));
			xfree(repl);
			n = header_is(hdr->data, hdr->len);
			h = find_info(hdr->data, n);
			ccls = h != NULL && (h->flags & HF_MIME) ? HDR_MULTIPART : cls;
		}
	}
	if (!out_ok(c))
		return;
	if (ccls != HDR_PRIMARY || h == NULL) {
		out_text(c, hdr->data, hdr->len);
		return;
	}
	primary_header(c, hdr, h);
}

/* add_header - a generated header line (not inspected further) */
static void add_header(struct cleanup *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_header(struct cleanup *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	out_text(c, s, strlen(s));
	xfree(s);
}

/* phrase - a display name as an RFC 5322 phrase (quoted when it has specials) */
static char *phrase(const char *name)
{
	struct buf b;

	if (strpbrk(name, "()<>[]:;@\\,.\"") == NULL)
		return xstrdup(name);
	buf_init(&b, 0);
	buf_append_c(&b, '"');
	for (; *name; name++) {
		if (*name == '"' || *name == '\\')
			buf_append_c(&b, '\\');
		buf_append_c(&b, *name);
	}
	buf_append_c(&b, '"');
	{
		char *r = buf_steal(&b);

		buf_deinit(&b);
		return r;
	}
}

/* add_from - a missing (Resent-)From: */
static void add_from(struct cleanup *c, const char *pfx)
{
	const char *full = attr_get(&c->env, "full_name");
	char *addr = hdr_addr_external(*c->sender ? c->sender : "MAILER-DAEMON");

	if (*c->sender && full != NULL && *full && strlen(full) < 256) {
		char *f = safe(full), *p = phrase(f);

		if (strcmp(c->cf->header_from_format, "obsolete") == 0)
			add_header(c, "%sFrom: %s (%s)", pfx, addr, f);
		else
			add_header(c, "%sFrom: %s <%s>", pfx, p, addr);
		xfree(p);
		xfree(f);
	} else {
		add_header(c, "%sFrom: %s", pfx, addr);
	}
	xfree(addr);
}

void header_done(struct cleanup *c)
{
	const char *pfx = c->resent ? "Resent-" : "";
	int add = c->hdr_ctx || c->cf->always_add_hdrs;

	if (!out_ok(c))
		return;
	if (add && !(c->seen & (c->resent ? HB_RESENT_MSGID : HB_MSGID))) {
		char stamp[32];
		time_t t = c->ctime.tv_sec;

		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", gmtime(&t));
		add_header(c, "%sMessage-Id: <%s.%s@%s>", pfx, stamp, c->queue_id, c->cf->myhostname);
		msg_info("%s: %smessage-id=<%s.%s@%s>", c->queue_id, c->resent ? "resent-" : "", stamp,
			 c->queue_id, c->cf->myhostname);
		c->seen |= c->resent ? HB_RESENT_MSGID : HB_MSGID;
	}
	if (!(c->seen & HB_MSGID))
		msg_info("%s: message-id=<>", c->queue_id);
	if (add && !(c->seen & (c->resent ? HB_RESENT_DATE : HB_DATE)))
		add_header(c, "%sDate: %s", pfx, mail_date(c->ctime.tv_sec));
	if (add && !(c->seen & (c->resent ? HB_RESENT_FROM : HB_FROM)))
		add_from(c, pfx);
	if (add && !(c->seen & (HB_TO | HB_RESENT_TO | HB_CC | HB_RESENT_CC)) && *c->cf->undisclosed) {
		if (header_is(c->cf->undisclosed, strlen(c->cf->undisclosed)) == 0)
			msg_warn("bad undisclosed_recipients_header header text \"%s\" -- need \"headername: headervalue\"",
				 c->cf->undisclosed);
		else
			add_header(c, "%s", c->cf->undisclosed);
	}
}

/* ip_literal - "[1.2.3.4]" or "[IPv6:...]" text for Received: */
static char *ip_literal(const char *addr)
{
	char *a = safe(addr), *r = xasprintf("%s%s", strchr(a, ':') != NULL ? "IPv6:" : "", a);

	xfree(a);
	return r;
}

/*
 * received_comments - the client's "received_comment" attributes (smtpd: TLS
 * details, "(Authenticated sender: ...)"), one folded line each, in order;
 * each must be a parenthesised comment without control characters.
 */
static void received_comments(struct cleanup *c, struct buf *h)
{
	const struct attr_list *e = &c->env;
	size_t count = 0;

	for (size_t i = 0; i < e->names.n && count < 8; i++) {
		const char *v = e->values.v[i];
		size_t len = strlen(v), j;

		if (strcmp(e->names.v[i], "received_comment") != 0 || len < 2 || len > 1000
		    || v[0] != '(' || v[len - 1] != ')')
			continue;
		for (j = 0; j < len; j++)
			if ((unsigned char)v[j] < 32 && v[j] != '\t'
			    && !(v[j] == '\n' && (v[j + 1] == '\t' || v[j + 1] == ' ')))
				break;
		if (j < len)
			continue;	/* a line break is allowed only as folding ("\n\t") */
		buf_printf(h, "\n\t%s", v);
		count++;
	}
}

void header_received(struct cleanup *c)
{
	const char *addr = attr_get(&c->env, "client_addr"), *name = attr_get(&c->env, "client_name");
	const char *helo = attr_get(&c->env, "helo"), *proto = attr_get(&c->env, "protocol");
	const char *uid = attr_get(&c->env, "uid");
	const char *date;
	struct buf h;

	if (uid != NULL && (strlen(uid) > 20 || strspn(uid, "0123456789") != strlen(uid)))
		uid = NULL;
	date = mail_date(c->ctime.tv_sec);
	buf_init(&h, 0);
	if (addr != NULL && *addr) {
		char *lit = ip_literal(addr), *rcpt = NULL;

		if (name == NULL || !*name)
			name = "unknown";
		if (c->in.n == 1)
			rcpt = hdr_addr_external(c->in.v[0].orig);
		char *sname = safe(name), *shelo = safe(helo != NULL && *helo ? helo : name);
		char *sproto = safe(proto != NULL && *proto ? proto : "SMTP");

		buf_printf(&h, "Received: from %s (%s [%s])", shelo, sname, lit);
		received_comments(c, &h);
		buf_printf(&h, "\n\tby %s (%s) with %s id %s", c->cf->myhostname, c->cf->mail_name,
			   sproto, c->queue_id);
		xfree(sname);
		xfree(shelo);
		xfree(sproto);
		if (rcpt != NULL)
			buf_printf(&h, "\n\tfor <%s>; %s", rcpt, date);
		else
			buf_printf(&h, ";\n\t%s", date);
		xfree(lit);
		xfree(rcpt);
	} else if (strcmp(c->origin, "pickup") == 0 || strcmp(c->origin, "sendmail") == 0) {
		if (uid != NULL && *uid)
			buf_printf(&h, "Received: by %s (%s, from userid %s)", c->cf->myhostname,
				   c->cf->mail_name, uid);
		else
			buf_printf(&h, "Received: by %s (%s)", c->cf->myhostname, c->cf->mail_name);
		buf_printf(&h, "\n\tid %s; %s", c->queue_id, date);
	}
	if (h.len > 0)
		header_process(c, &h, HDR_PRIMARY);
	buf_deinit(&h);
}
