/*
 * rcpt - the addresses in sendmail's command-line recipients and -f text.
 *
 * As Postfix's sendmail, each argument is parsed as an RFC 5322 address
 * list: "a@x, b@y", "Name <addr>", "addr (comment)", "group: a, b;".  The
 * result is the internal form: comments, display names and unquoted
 * whitespace dropped, quoted strings unquoted ("\"john doe\"@x" ->
 * "john doe@x").  Linear in the input, no recursion; elements that are
 * nothing but whitespace or comments are skipped.
 */
#include "config.h"

#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "sendmail.h"

/* internalize - element text -> address: drop comments and spaces, unquote */
static void internalize(const char *p, size_t len, struct buf *out)
{
	int quoted = 0, comment = 0;

	buf_reset(out);
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '\\' && i + 1 < len && (quoted || comment)) {
			if (!comment)
				buf_append_c(out, p[i + 1]);
			i++;
		} else if (comment) {
			comment += c == '(' ? 1 : c == ')' ? -1 : 0;
		} else if (c == '"') {
			quoted = !quoted;
		} else if (quoted) {
			buf_append_c(out, c);
		} else if (c == '(') {
			comment = 1;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			buf_append_c(out, c);
		}
	}
}

/* angle_part - the text inside the top-level <...> of an element, if any */
static int angle_part(const char *p, size_t len, size_t *start_r, size_t *len_r)
{
	int quoted = 0, comment = 0;

	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '\\' && i + 1 < len) {
			i++;
		} else if (comment) {
			comment += c == '(' ? 1 : c == ')' ? -1 : 0;
		} else if (c == '"') {
			quoted = !quoted;
		} else if (!quoted && c == '(') {
			comment = 1;
		} else if (!quoted && c == '<') {
			const char *end = memchr(p + i + 1, '>', len - i - 1);

			if (end == NULL)
				return 0;
			*start_r = i + 1;
			*len_r = (size_t)(end - (p + i + 1));
			/* a source route "@a,@b:user@x" keeps only the mailbox */
			if (*len_r > 0 && p[*start_r] == '@') {
				const char *colon = memchr(p + *start_r, ':', *len_r);

				if (colon != NULL) {
					*len_r -= (size_t)(colon + 1 - (p + *start_r));
					*start_r = (size_t)(colon + 1 - p);
				}
			}
			return 1;
		}
	}
	return 0;
}

/* add_element - one list element (between commas) */
static void add_element(const char *p, size_t len, struct argv *out, int empty_ok)
{
	struct buf b;
	size_t s, n;

	buf_init(&b, 0);
	if (angle_part(p, len, &s, &n))
		internalize(p + s, n, &b);
	else
		internalize(p, len, &b);
	if (b.len > 0 || (empty_ok && angle_part(p, len, &s, &n)))
		argv_add(out, strcmp(buf_cstr(&b), "<>") == 0 ? "" : buf_cstr(&b));
	buf_deinit(&b);
}

/* split - call add_element for each top-level element; ':' starts a group, ';' ends it */
static void split(const char *text, struct argv *out, int empty_ok)
{
	size_t len = strlen(text), start = 0;
	int quoted = 0, comment = 0, angle = 0;

	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? text[i] : ',';

		if (i < len && c == '\\' && i + 1 < len) {
			i++;
		} else if (comment) {
			comment += c == '(' ? 1 : c == ')' ? -1 : 0;
		} else if (quoted) {
			quoted = c != '"';
		} else if (c == '"') {
			quoted = 1;
		} else if (c == '(') {
			comment = 1;
		} else if (c == '<') {
			angle = 1;
		} else if (c == '>') {
			angle = 0;
		} else if (!angle && c == ':') {
			start = i + 1;		/* group name: not an address */
		} else if (!angle && (c == ',' || c == ';')) {
			add_element(text + start, i - start, out, empty_ok);
			start = i + 1;
		}
	}
}

void sm_rcpt_parse(const char *text, struct argv *out)
{
	split(text, out, 0);
}

char *sm_parse_sender(const char *text)
{
	struct argv a;
	char *s;

	argv_init(&a);
	split(text, &a, 1);
	s = xstrdup(a.n > 0 ? a.v[0] : "");
	argv_deinit(&a);
	return s;
}
