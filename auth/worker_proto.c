/*
 * worker_proto.c - escaping of the auth-worker line protocol: values may
 * hold any byte but NUL; backslash, tab, LF and CR are written as \\, \t,
 * \n, \r so a line never contains a raw tab or newline inside a word.
 */
#include "config.h"

#include <string.h>

#include "core/buf.h"

#include "worker.h"

void worker_escape(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\': buf_append_str(out, "\\\\"); break;
		case '\t': buf_append_str(out, "\\t"); break;
		case '\n': buf_append_str(out, "\\n"); break;
		case '\r': buf_append_str(out, "\\r"); break;
		default: buf_append_c(out, *s); break;
		}
	}
}

char *worker_unescape(char *s)
{
	char *r = s, *w = s;

	for (; *r != '\0'; r++) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r;
			continue;
		}
		r++;
		*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
	}
	*w = '\0';
	return s;
}

size_t worker_split(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *p = line, *tab;

	while (n < max) {
		tab = strchr(p, '\t');
		if (tab != NULL)
			*tab = '\0';
		words[n++] = worker_unescape(p);
		if (tab == NULL)
			break;
		p = tab + 1;
	}
	return n;
}
