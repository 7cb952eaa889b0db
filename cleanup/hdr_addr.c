/*
 * hdr_addr - the addresses in an RFC 5322 address-list header value
 * (see hdr_addr.h).  A single linear scan; no recursion, no allocation
 * except for the results.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "hdr_addr.h"

#define BAD	SIZE_MAX	/* "unterminated" marker from the skip functions */

/* skip_quoted - v[i] is '"': index after the closing quote, or BAD */
static size_t skip_quoted(const char *v, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (v[i] == '\\')
			i++;
		else if (v[i] == '"')
			return i + 1;
	}
	return BAD;
}

/* skip_comment - v[i] is '(': index after the matching ')', or BAD */
static size_t skip_comment(const char *v, size_t len, size_t i)
{
	size_t depth = 0;

	for (; i < len; i++) {
		if (v[i] == '\\')
			i++;
		else if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && --depth == 0)
			return i + 1;
	}
	return BAD;
}

/* skip_literal - v[i] is '[': index after ']', or BAD */
static size_t skip_literal(const char *v, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (v[i] == '\\')
			i++;
		else if (v[i] == ']')
			return i + 1;
	}
	return BAD;
}

/* skip_angle - v[i] is '<': index of the matching '>', or BAD */
static size_t skip_angle(const char *v, size_t len, size_t i)
{
	for (i++; i < len && i != BAD;) {
		if (v[i] == '"')
			i = skip_quoted(v, len, i);
		else if (v[i] == '[')
			i = skip_literal(v, len, i);
		else if (v[i] == '(')
			i = skip_comment(v, len, i);
		else if (v[i] == '>')
			return i;
		else if (v[i] == '<')
			return BAD;
		else
			i++;
	}
	return BAD;
}

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * bare_span - the addr-spec of an element without <...>: the tokens between
 * leading and trailing whitespace/comments.  0 when the element is empty or
 * looks like a phrase (two words with only whitespace between them).
 */
static int bare_span(const char *v, size_t s, size_t e, struct hdr_addr_span *sp)
{
	size_t i = s, first = BAD, last = 0;
	int gap = 0;
	char prev = 0;

	while (i < e) {
		size_t tok = i, next;

		if (is_wsp(v[i])) {
			gap = 1;
			i++;
			continue;
		}
		if (v[i] == '(') {
			if ((next = skip_comment(v, e, i)) == BAD)
				return 0;
			gap = 1;
			i = next;
			continue;
		}
		if (v[i] == '"')
			next = skip_quoted(v, e, i);
		else if (v[i] == '[')
			next = skip_literal(v, e, i);
		else
			next = i + 1;
		if (next == BAD)
			return 0;
		if (first != BAD && gap && prev != '@' && prev != '.' && v[tok] != '@' && v[tok] != '.')
			return 0;	/* "John Doe" without <...>: not an address we touch */
		if (first == BAD)
			first = tok;
		last = next;
		prev = v[next - 1];
		gap = 0;
		i = next;
	}
	if (first == BAD)
		return 0;
	sp->start = first;
	sp->end = last;
	return 1;
}

/* angle_span - the addr-spec inside <...> at a..b, without a source route */
static int angle_span(const char *v, size_t a, size_t b, struct hdr_addr_span *sp)
{
	size_t i;

	while (a < b && is_wsp(v[a]))
		a++;
	while (b > a && is_wsp(v[b - 1]))
		b--;
	if (a < b && v[a] == '@') {	/* obsolete route "@a,@b:user@c" */
		for (i = a; i < b && v[i] != ':'; i++)
			if (v[i] == '"' || v[i] == '(')
				return 0;
		if (i == b)
			return 0;
		a = i + 1;
	}
	if (a >= b)
		return 0;	/* <> */
	return bare_span(v, a, b, sp);
}

size_t hdr_addr_find(const char *value, size_t len, struct hdr_addr_span *spans, size_t max)
{
	size_t n = 0, i = 0, elem = 0, a_start = 0, a_end = 0;
	int bad = 0, angle = 0;

	while (n < max) {
		if (i >= len || value[i] == ',' || value[i] == ';') {
			struct hdr_addr_span sp;
			int ok = !bad && (angle ? angle_span(value, a_start, a_end, &sp)
					  : bare_span(value, elem, i < len ? i : len, &sp));

			if (ok)
				spans[n++] = sp;
			if (i >= len)
				break;
			bad = angle = 0;
			elem = ++i;
			continue;
		}
		switch (value[i]) {
		case '"':
			i = skip_quoted(value, len, i);
			break;
		case '(':
			i = skip_comment(value, len, i);
			break;
		case '[':
			i = skip_literal(value, len, i);
			break;
		case '<':
			if (angle) {
				bad = 1;
				i++;
				break;
			}
			a_start = i + 1;
			i = skip_angle(value, len, i);
			if (i != BAD) {
				a_end = i++;
				angle = 1;
			}
			break;
		case ':':
			if (!angle)
				elem = i + 1;	/* a group name is not an address */
			i++;
			break;
		default:
			i++;
		}
		if (i == BAD) {	/* unterminated: the rest is one broken element */
			bad = 1;
			i = len;
		}
	}
	return n;
}

char *hdr_addr_internal(const char *spec, size_t len)
{
	struct buf out;
	size_t i = 0, next;

	buf_init(&out, 0);
	while (i < len) {
		char c = spec[i];

		if (c == '"') {
			for (i++; i < len && spec[i] != '"'; i++) {
				if (spec[i] == '\\' && i + 1 < len)
					i++;
				buf_append_c(&out, spec[i]);
			}
			i++;
		} else if (c == '(') {
			next = skip_comment(spec, len, i);
			i = next == BAD ? len : next;
		} else if (is_wsp(c)) {
			i++;
		} else if (c == '\\' && i + 1 < len) {
			buf_append_c(&out, spec[i + 1]);
			i += 2;
		} else {
			buf_append_c(&out, c);
			i++;
		}
	}
	{
		char *r = buf_steal(&out);

		buf_deinit(&out);
		return r;
	}
}

/* atext - RFC 5322 atext, plus 8-bit bytes (RFC 6532) */
static int atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		|| strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL || c >= 0x80;
}

int hdr_addr_needs_quote(const char *local, size_t len)
{
	if (len == 0 || local[0] == '.' || local[len - 1] == '.')
		return 1;
	for (size_t i = 0; i < len; i++) {
		if (local[i] == '.') {
			if (local[i + 1] == '.')
				return 1;
		} else if (local[i] == '\0' || !atext((unsigned char)local[i])) {
			return 1;
		}
	}
	return 0;
}

char *hdr_addr_external(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t llen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	struct buf out;

	if (*addr == '\0' || !hdr_addr_needs_quote(addr, llen))
		return xstrdup(addr);
	buf_init(&out, 0);
	buf_append_c(&out, '"');
	for (size_t i = 0; i < llen; i++) {
		if (addr[i] == '"' || addr[i] == '\\')
			buf_append_c(&out, '\\');
		buf_append_c(&out, addr[i]);
	}
	buf_append_c(&out, '"');
	if (at != NULL)
		buf_append_str(&out, at);
	{
		char *r = buf_steal(&out);

		buf_deinit(&out);
		return r;
	}
}
