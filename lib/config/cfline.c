/* cfline - Postfix-style logical lines (see cfline.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfline.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

#define CFLINE_FILE_MAX (64 * 1024 * 1024)

static char errbuf[512];

/* set_error - format a module error message */
static const char *set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return errbuf;
}

int cfline_read_all(const char *path, size_t max, char **text_r, size_t *len_r, const char **error_r)
{
	struct buf b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		*error_r = set_error("open %s: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b, max);
	for (;;) {
		char *p;

		if (buf_room(&b) == 0) {
			*error_r = set_error("%s: file is larger than %zu bytes", path, max);
			goto fail;
		}
		p = buf_reserve(&b, 65536);
		n = read(fd, p, buf_room(&b) < 65536 ? buf_room(&b) : 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = set_error("read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		buf_commit(&b, (size_t)n);
	}
	close(fd);
	*len_r = b.len;
	*text_r = buf_steal(&b);
	buf_deinit(&b);
	return 0;
fail:
	close(fd);
	buf_deinit(&b);
	return -1;
}

/* push - append a finished logical line */
static void push(struct cflines *out, struct buf *cur, int first, int last)
{
	buf_trim_right(cur);
	out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	out->v[out->n].text = xmemdup(cur->data, cur->len);
	out->v[out->n].first = first;
	out->v[out->n].last = last;
	out->n++;
	buf_reset(cur);
}

/* is_blank_or_comment - line ignored between logical lines */
static int is_blank_or_comment(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p == end || *p == '#';
}

int cfline_parse_text(const char *name, const char *text, size_t len, struct cflines *out,
		      const char **error_r)
{
	struct buf cur;
	const char *p = text, *end = text + len;
	int lineno = 0, first = 0, last = 0, have = 0;

	out->v = NULL;
	out->n = 0;
	buf_init(&cur, CFLINE_MAX);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;

		lineno++;
		if (is_blank_or_comment(p, eol)) {
			/* skipped; continuation may follow */
		} else if (*p == ' ' || *p == '\t') {
			if (!have) {
				int shown = eol - p > 30 ? 30 : (int)(eol - p);

				msg_warn("%s: logical line must not start with whitespace: \"%.*s%s\"",
					 name, shown, p, eol - p > 30 ? "..." : "");
			} else if (buf_append(&cur, p, (size_t)(eol - p)) < 0) {
				goto too_long;
			} else {
				last = lineno;
			}
		} else {
			if (have)
				push(out, &cur, first, last);
			if (buf_append(&cur, p, (size_t)(eol - p)) < 0)
				goto too_long;
			first = last = lineno;
			have = 1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (have)
		push(out, &cur, first, last);
	buf_deinit(&cur);
	return 0;
too_long:
	*error_r = set_error("%s, line %d: logical line longer than %d bytes", name, lineno, CFLINE_MAX);
	buf_deinit(&cur);
	cflines_free(out);
	return -1;
}

int cfline_read_file(const char *path, struct cflines *out, const char **error_r)
{
	char *text;
	size_t len;
	int ret;

	if (cfline_read_all(path, CFLINE_FILE_MAX, &text, &len, error_r) < 0)
		return -1;
	ret = cfline_parse_text(path, text, len, out, error_r);
	xfree(text);
	return ret;
}

void cflines_free(struct cflines *lines)
{
	size_t i;

	for (i = 0; i < lines->n; i++)
		xfree(lines->v[i].text);
	xfree(lines->v);
	lines->v = NULL;
	lines->n = 0;
}
