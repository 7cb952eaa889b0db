/*
 * addr - RFC 5321/5322 mailbox addresses: splitting, SMTP path parsing,
 * quoting, extensions, host name checks (see addr.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "mail/addr.h"

void addr_split(const char *addr, char **local_r, char **domain_r)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL) {
		*local_r = xstrdup(addr);
		*domain_r = xstrdup("");
		return;
	}
	*local_r = xstrndup(addr, (size_t)(at - addr));
	*domain_r = xstrdup(at + 1);
}

const char *addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

/* atext - RFC 5322 atext characters */
static int atext(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL) || c >= 0x80;
}

int addr_needs_quote(const char *local)
{
	const char *p;
	int prev_dot = 1;

	if (*local == '\0')
		return 1;
	for (p = local; *p != '\0'; p++) {
		if (*p == '.') {
			if (prev_dot)
				return 1;
			prev_dot = 1;
			continue;
		}
		if (!atext((unsigned char)*p))
			return 1;
		prev_dot = 0;
	}
	return prev_dot;	/* trailing dot */
}

char *addr_quote(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t llen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	char *local = xstrndup(addr, llen);
	struct buf b;
	const char *p;

	if (*addr == '\0' || !addr_needs_quote(local)) {
		xfree(local);
		return xstrdup(addr);
	}
	buf_init(&b, 0);
	buf_append_c(&b, '"');
	for (p = local; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_append_c(&b, '\\');
		buf_append_c(&b, *p);
	}
	buf_append_c(&b, '"');
	if (at != NULL)
		buf_append_str(&b, at);
	xfree(local);
	return buf_steal(&b);
}

/*
 * unquote_path - internal form of an RFC 5321 path body ("a b"@c -> a b@c);
 * -1 on unbalanced quotes or control characters.
 */
static int unquote_path(const char *p, size_t len, struct buf *out)
{
	size_t i;
	int inq = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c == '\\' && inq) {
			if (++i >= len)
				return -1;
			buf_append_c(out, p[i]);
			continue;
		}
		if (c == '"') {
			inq = !inq;
			continue;
		}
		if (!inq && (c == ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == ','
			     || c == ';'))
			return -1;
		buf_append_c(out, (char)c);
	}
	return inq ? -1 : 0;
}

int addr_parse_path(const char *text, int strict, char **addr_r, const char **params_r,
		    const char **error_r)
{
	const char *p = text, *start, *end;
	struct buf out;
	int inq = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '<') {
		start = ++p;
		for (; *p != '\0'; p++) {
			if (inq && *p == '\\' && p[1] != '\0') {
				p++;
				continue;
			}
			if (*p == '"')
				inq = !inq;
			else if (*p == '>' && !inq)
				break;
		}
		if (*p != '>') {
			*error_r = "Syntax error in parameters";
			return -1;
		}
		end = p++;
		if (*p != '\0' && *p != ' ' && *p != '\t') {
			*error_r = "Syntax error in parameters";
			return -1;
		}
	} else {
		if (strict || *p == '\0') {
			*error_r = "Syntax error in parameters";
			return -1;
		}
		start = p;
		for (; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
			if (*p == '"')
				inq = !inq;
		}
		end = p;
	}
	/* RFC 5321 source route: "@a,@b:user@c" -> "user@c" */
	if (start < end && *start == '@') {
		const char *colon = memchr(start, ':', (size_t)(end - start));

		if (colon == NULL) {
			*error_r = "Bad address syntax";
			return -1;
		}
		start = colon + 1;
	}
	if ((size_t)(end - start) > ADDR_MAX) {
		*error_r = "Address too long";
		return -1;
	}
	buf_init(&out, 0);
	if (unquote_path(start, (size_t)(end - start), &out) < 0) {
		buf_deinit(&out);
		*error_r = "Bad address syntax";
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	*params_r = p;
	*addr_r = buf_steal(&out);
	return 0;
}

char *addr_strip_extension(const char *addr, const char *delims, char **ext_r)
{
	const char *at = strrchr(addr, '@');
	size_t llen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	size_t i;

	if (delims == NULL || *delims == '\0')
		return NULL;
	for (i = 0; i < llen; i++) {
		if (strchr(delims, addr[i]) != NULL && i > 0) {
			*ext_r = xstrndup(addr + i + 1, llen - i - 1);
			return xasprintf("%.*s%s", (int)i, addr, at != NULL ? at : "");
		}
	}
	return NULL;
}

char *addr_fold_domain(const char *addr)
{
	char *copy = xstrdup(addr);
	char *at = strrchr(copy, '@');

	if (at != NULL)
		for (at++; *at != '\0'; at++)
			*at = (char)tolower((unsigned char)*at);
	return copy;
}

char *addr_lower(const char *addr)
{
	char *copy = xstrdup(addr), *p;

	for (p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

int addr_valid_hostname(const char *name)
{
	const char *p;
	size_t label = 0, total = strlen(name);
	int all_digits = 1;

	if (total == 0 || total > 255)
		return 0;
	for (p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (!isdigit(c))
			all_digits = 0;
		if (++label > 63)
			return 0;
	}
	if (label == 0 || p[-1] == '-')
		return 0;
	return !all_digits;	/* "1.2.3.4" is not a host name */
}

int addr_is_fqdn(const char *name)
{
	return addr_valid_hostname(name) && strchr(name, '.') != NULL;
}

int addr_is_ip_literal(const char *domain, const char **addr_r)
{
	static char text[64];
	size_t len = strlen(domain);
	unsigned char bin[16];
	const char *p;

	if (len < 3 || domain[0] != '[' || domain[len - 1] != ']' || len - 2 >= sizeof(text))
		return 0;
	p = domain + 1;
	len -= 2;
	if (len > 5 && strncasecmp(p, "ipv6:", 5) == 0) {
		memcpy(text, p + 5, len - 5);
		text[len - 5] = '\0';
		if (inet_pton(AF_INET6, text, bin) != 1)
			return 0;
	} else {
		memcpy(text, p, len);
		text[len] = '\0';
		if (inet_pton(AF_INET, text, bin) != 1)
			return 0;
	}
	if (addr_r != NULL)
		*addr_r = text;
	return 1;
}
