/*
 * attr - attribute lists over streams (see attr.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/stream.h"
#include "ipc/attr.h"

static char errbuf[256];

/* fail - format the static error text */
static int fail(const char **error_r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	*error_r = errbuf;
	return -1;
}

void attr_list_init(struct attr_list *l)
{
	argv_init(&l->names);
	argv_init(&l->values);
}

void attr_list_deinit(struct attr_list *l)
{
	argv_deinit(&l->names);
	argv_deinit(&l->values);
}

void attr_list_reset(struct attr_list *l)
{
	argv_truncate(&l->names, 0);
	argv_truncate(&l->values, 0);
}

void attr_add(struct attr_list *l, const char *name, const char *value)
{
	argv_add(&l->names, name);
	argv_add(&l->values, value);
}

const char *attr_get(const struct attr_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->names.n; i++)
		if (strcmp(l->names.v[i], name) == 0)
			return l->values.v[i];
	return NULL;
}

int attr_get_long(const struct attr_list *l, const char *name, long long def, long long *value_r,
		  const char **error_r)
{
	const char *v = attr_get(l, name);
	char *end;

	if (v == NULL) {
		*value_r = def;
		return 0;
	}
	errno = 0;
	*value_r = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0)
		return fail(error_r, "attribute %s: bad number \"%.40s\"", name, v);
	return 0;
}

/* valid_name - [a-z0-9_.]+ */
static int valid_name(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int attr_write(struct stream *s, const char *name, const char *value)
{
	const char *p, *run;

	if (!valid_name(name, strlen(name)))
		return -1;
	if (stream_puts(s, name) < 0 || stream_write(s, "=", 1) < 0)
		return -1;
	for (p = run = value; *p != '\0'; p++) {
		const char *esc = NULL;

		switch (*p) {
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		if (stream_write(s, run, (size_t)(p - run)) < 0 || stream_puts(s, esc) < 0)
			return -1;
		run = p + 1;
	}
	if (stream_write(s, run, (size_t)(p - run)) < 0)
		return -1;
	return stream_write(s, "\n", 1);
}

int attr_writef(struct stream *s, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *v;
	int ret;

	va_start(ap, fmt);
	v = xvasprintf(fmt, ap);
	va_end(ap);
	ret = attr_write(s, name, v);
	xfree(v);
	return ret;
}

int attr_write_list(struct stream *s, const struct attr_list *l)
{
	size_t i;

	for (i = 0; i < l->names.n; i++)
		if (attr_write(s, l->names.v[i], l->values.v[i]) < 0)
			return -1;
	return 0;
}

int attr_end(struct stream *s)
{
	if (stream_write(s, "\n", 1) < 0)
		return -1;
	return stream_flush(s);
}

/* unescape - decode a value in place; -1 on a bad escape */
static int unescape(struct buf *v, const char *p, size_t len)
{
	size_t i;

	buf_reset(v);
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (c == '\\') {
			if (++i >= len)
				return -1;
			switch (p[i]) {
			case '\\': c = '\\'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case '0': c = '\0'; break;
			default: return -1;
			}
		}
		buf_append_c(v, c);
	}
	return 0;
}

/* read_error - describe why a stream read failed */
static int read_error(struct stream *s, const char **error_r, const char *where)
{
	if (stream_timed_out(s))
		return fail(error_r, "timeout while reading %s", where);
	if (stream_eof(s))
		return fail(error_r, "unexpected end of input in %s", where);
	return fail(error_r, "read error in %s: %s", where, strerror(errno));
}

int attr_read(struct stream *s, struct attr_list *l, const char **error_r)
{
	struct buf line, value;
	size_t total = 0;
	unsigned flags;
	int ret = -1;

	attr_list_reset(l);
	buf_init(&line, 0);
	buf_init(&value, 0);
	stream_set_line_limit(s, ATTR_LINE_MAX);
	for (;;) {
		const char *eq;
		int r = stream_read_line(s, &line, &flags);

		if (r == 0 && attr_count(l) == 0 && total == 0) {
			ret = 0;
			break;
		}
		if (r <= 0) {
			read_error(s, error_r, "attribute list");
			break;
		}
		if (flags & STREAM_LINE_PARTIAL) {
			fail(error_r, "attribute line longer than %d bytes", ATTR_LINE_MAX);
			break;
		}
		if (line.len == 0 && (flags & STREAM_LINE_CRLF) == 0) {
			if (stream_eof(s)) {	/* unterminated: cannot be an empty line */
				read_error(s, error_r, "attribute list");
				break;
			}
			ret = 1;
			break;
		}
		total += line.len + 1;
		if (attr_count(l) >= ATTR_ITEMS_MAX || total > ATTR_BYTES_MAX) {
			fail(error_r, "attribute list too large");
			break;
		}
		eq = memchr(line.data, '=', line.len);
		if (eq == NULL || !valid_name(line.data, (size_t)(eq - line.data))
		    || (flags & STREAM_LINE_CRLF)) {
			fail(error_r, "malformed attribute line \"%.40s\"", line.data);
			break;
		}
		if (stream_eof(s)) {
			read_error(s, error_r, "attribute list");
			break;
		}
		if (unescape(&value, eq + 1, line.len - (size_t)(eq + 1 - line.data)) < 0) {
			fail(error_r, "bad escape in attribute \"%.*s\"", (int)(eq - line.data), line.data);
			break;
		}
		argv_addn(&l->names, line.data, (size_t)(eq - line.data));
		argv_addn(&l->values, value.data, value.len);
	}
	buf_deinit(&line);
	buf_deinit(&value);
	return ret;
}

int attr_send_proto(struct stream *s, const char *name, int version, const struct attr_list *extra)
{
	if (attr_write(s, "proto", name) < 0 || attr_writef(s, "version", "%d", version) < 0)
		return -1;
	if (extra != NULL && attr_write_list(s, extra) < 0)
		return -1;
	return attr_end(s);
}

int attr_expect_proto(struct stream *s, struct attr_list *l, const char *name, int version,
		      const char **error_r)
{
	const char *p, *v;
	int r = attr_read(s, l, error_r);

	if (r < 0)
		return -1;
	if (r == 0)
		return fail(error_r, "service closed the connection before its greeting");
	p = attr_get(l, "proto");
	v = attr_get(l, "version");
	if (p == NULL || strcmp(p, name) != 0)
		return fail(error_r, "unexpected protocol \"%.40s\" (expected %s)", p ? p : "", name);
	if (v == NULL || atoi(v) != version)
		return fail(error_r, "protocol %s version %.20s (expected %d)", name, v ? v : "?", version);
	return 0;
}

/* ---- data chunks ---- */

int attr_write_chunk(struct stream *s, const void *data, size_t len)
{
	const char *p = data;

	do {
		size_t n = len > ATTR_CHUNK_MAX ? ATTR_CHUNK_MAX : len;

		if (stream_printf(s, "%zu\n", n) < 0 || stream_write(s, p, n) < 0)
			return -1;
		p += n;
		len -= n;
	} while (len > 0);
	return 0;
}

int attr_read_chunk(struct stream *s, struct buf *data, const char **error_r)
{
	size_t n = 0, len = 0;

	for (;;) {
		char c;

		if (stream_read(s, &c, 1) <= 0)
			return read_error(s, error_r, "data");
		if (c == '\n')
			break;
		if (c < '0' || c > '9' || n >= 7)
			return fail(error_r, "bad data chunk header");
		n++;
		len = len * 10 + (size_t)(c - '0');
	}
	if (n == 0 || len > ATTR_CHUNK_MAX)
		return fail(error_r, "bad data chunk length");
	buf_reset(data);
	if (len == 0)
		return 0;
	if (stream_read(s, buf_reserve(data, len), len) <= 0)
		return read_error(s, error_r, "data");
	buf_commit(data, len);
	return 1;
}
