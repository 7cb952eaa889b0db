/*
 * path - the argument of MAIL FROM: and RCPT TO: as a client sends it:
 * "<local@domain> PARAM=value ...", an RFC 5321 source route
 * ("<@a,@b:user@c>", stripped and remembered), quoted local parts
 * ("<\"john doe\"@x>", unquoted into the internal form), and without
 * angle brackets unless strict_rfc821_envelopes is set.  Also RFC
 * 3461 xtext decoding and the external (quoted) form for replies and logs.
 *
 * Every input is bounded (PATH_MAX_ADDR) and control characters, unquoted
 * spaces and specials are syntax errors, so what reaches the restriction
 * code and the queue file is printable.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "smtpd.h"

#define PATH_MAX_ADDR 2048

/* bad_atom_char - not allowed unquoted in a local part or domain */
static int bad_atom_char(unsigned char c)
{
	return c <= ' ' || c == 0x7f || strchr("<>()[],;:\\\"", c) != NULL;
}

/* find_close - end of the bracketed path: index of '>' or -1 */
static long find_close(const char *p)
{
	int quoted = 0;

	for (long i = 0; p[i] != '\0'; i++) {
		if (p[i] == '\\' && p[i + 1] != '\0') {
			i++;
		} else if (p[i] == '"') {
			quoted = !quoted;
		} else if (p[i] == '>' && !quoted) {
			return i;
		}
	}
	return -1;
}

/* strip_route - "@a,@b:rest" -> rest; NULL if the route is malformed */
static const char *strip_route(const char *p)
{
	const char *colon = strchr(p, ':');

	if (colon == NULL)
		return NULL;
	while (p < colon) {
		const char *end = memchr(p, ',', (size_t)(colon - p));

		if (end == NULL)
			end = colon;
		if (*p != '@' || end - p < 2)
			return NULL;
		for (const char *q = p + 1; q < end; q++)
			if (bad_atom_char((unsigned char)*q) && *q != '[' && *q != ']')
				return NULL;
		p = end < colon ? end + 1 : end;
		if (end < colon && p == colon)
			return NULL;	/* "@a,:" */
	}
	return colon + 1;
}

/* parse_mailbox - "local@domain" (local part maybe quoted) into out (internal form) */
static int parse_mailbox(const char *p, size_t len, struct buf *out)
{
	size_t i = 0;
	const char *at;

	if (len > 0 && p[0] == '"') {
		for (i = 1; i < len && p[i] != '"'; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c == '\\') {
				if (++i >= len)
					return -1;
				c = (unsigned char)p[i];
			}
			if (c < ' ' || c == 0x7f)
				return -1;
			buf_append_c(out, (char)c);
		}
		if (i >= len)
			return -1;
		i++;
		if (i < len && p[i] != '@')
			return -1;
	} else {
		/* unquoted: everything up to the last '@' */
		const char *last = NULL;

		for (size_t k = 0; k < len; k++)
			if (p[k] == '@')
				last = p + k;
		i = last != NULL ? (size_t)(last - p) : len;
		for (size_t k = 0; k < i; k++)
			if (bad_atom_char((unsigned char)p[k]))
				return -1;
		buf_append(out, p, i);
	}
	if (i == len)
		return 0;	/* no domain ("postmaster") */
	/* p[i] == '@' */
	at = p + i;
	if (at + 1 == p + len)
		return -1;	/* "user@" */
	if (at[1] == '[') {
		if (p[len - 1] != ']')
			return -1;
		for (const char *q = at + 2; q < p + len - 1; q++)
			if (*q <= ' ' || *q == '[' || *q == ']' || *q == '\\' || *q == 0x7f)
				return -1;
	} else {
		for (const char *q = at + 1; q < p + len; q++)
			if (bad_atom_char((unsigned char)*q) || *q == '@')
				return -1;
	}
	buf_append(out, at, (size_t)(p + len - at));
	return 0;
}

int path_parse(const char *text, int strict, struct path_parsed *pp)
{
	const char *start, *rest;
	size_t len;
	struct buf out;

	memset(pp, 0, sizeof(*pp));
	argv_init(&pp->params);
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text == '\0')
		return -2;
	if (*text == '<') {
		long close = find_close(text + 1);

		if (close < 0)
			return -1;
		start = text + 1;
		len = (size_t)close;
		rest = text + 1 + close + 1;
		if (*rest != '\0' && *rest != ' ' && *rest != '\t')
			return -1;
	} else {
		if (strict)
			return -1;
		start = text;
		len = strcspn(text, " \t");
		rest = text + len;
	}
	if (len > PATH_MAX_ADDR)
		return -1;
	buf_init(&out, 0);
	if (len > 0 && start[0] == '@') {
		char *tmp = xstrndup(start, len);
		const char *after = strip_route(tmp);

		if (after == NULL || *after == '\0') {
			xfree(tmp);
			buf_deinit(&out);
			return -1;
		}
		pp->routed = 1;
		len -= (size_t)(after - tmp);
		start += after - tmp;
		xfree(tmp);
	}
	if (len > 0 && parse_mailbox(start, len, &out) < 0) {
		buf_deinit(&out);
		return -1;
	}
	pp->addr = buf_steal(&out);
	buf_deinit(&out);
	argv_split_append(&pp->params, rest, " \t");
	return 0;
}

void path_free(struct path_parsed *pp)
{
	xfree(pp->addr);
	pp->addr = NULL;
	argv_deinit(&pp->params);
}

/* hexval - one hex digit (upper case as RFC 3461 requires), -1 otherwise */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *path_xtext_decode(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '+') {
			int hi = hexval(s[1]), lo = hi >= 0 ? hexval(s[2]) : -1;

			if (lo < 0)
				goto bad;
			buf_append_c(&b, (char)(hi * 16 + lo));
			s += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			goto bad;
		} else {
			buf_append_c(&b, (char)c);
		}
	}
	{
		char *r = buf_steal(&b);

		buf_deinit(&b);
		return r;
	}
bad:
	buf_deinit(&b);
	return NULL;
}

/* local_needs_quote - local part is not a dot-atom */
static int local_needs_quote(const char *p, size_t len)
{
	if (len == 0)
		return 0;
	if (p[0] == '.' || p[len - 1] == '.')
		return 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (bad_atom_char(c) || c == '@' || (c == '.' && i + 1 < len && p[i + 1] == '.'))
			return 1;
	}
	return 0;
}

char *path_quote(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t llen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	struct buf b;
	char *r;

	if (!local_needs_quote(addr, llen))
		return xstrdup(addr);
	buf_init(&b, 0);
	buf_append_c(&b, '"');
	for (size_t i = 0; i < llen; i++) {
		if (addr[i] == '"' || addr[i] == '\\')
			buf_append_c(&b, '\\');
		buf_append_c(&b, addr[i]);
	}
	buf_append_c(&b, '"');
	if (at != NULL)
		buf_append_str(&b, at);
	r = buf_steal(&b);
	buf_deinit(&b);
	return r;
}
