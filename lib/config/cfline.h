/*
 * cfline - Postfix-style logical lines (main.cf, master.cf, lookup table
 * sources).
 *
 * Rules: a line whose first non-blank character is '#' is a comment; blank
 * lines are ignored; a line that starts with whitespace continues the
 * previous logical line (comment and blank lines in between are skipped;
 * the newline is dropped and the continuation is appended as is, leading
 * whitespace included); trailing whitespace of a logical line is removed.
 * A continuation with nothing to continue draws the warning
 *   "<file>: logical line must not start with whitespace: \"<first 30 chars>...\""
 * (msg_warn) and is ignored.  A logical line longer than CFLINE_MAX bytes is
 * an error.
 *
 * Each logical line records the physical line numbers it spans, so editors
 * (postconf -e/-X/-#) can replace exactly those lines.
 */
#ifndef PC_CONFIG_CFLINE_H
#define PC_CONFIG_CFLINE_H

#include <stddef.h>

#define CFLINE_MAX (1024 * 1024)

struct cfline {
	char *text;		/* logical line, trailing whitespace removed */
	int first;		/* first physical line (1-based) */
	int last;		/* last physical line of the entry (continuations) */
};

struct cflines {
	struct cfline *v;
	size_t n;
};

/* cfline_read_file - split a file; -1 with "open PATH: reason" or a length error */
int cfline_read_file(const char *path, struct cflines *out, const char **error_r);
/* cfline_parse_text - split text held in memory; name is used in warnings/errors */
int cfline_parse_text(const char *name, const char *text, size_t len, struct cflines *out,
		      const char **error_r);
/* cfline_free - release the lines */
void cflines_free(struct cflines *lines);
/* cfline_read_all - whole file into a malloc()ed NUL-terminated buffer (bounded) */
int cfline_read_all(const char *path, size_t max, char **text_r, size_t *len_r, const char **error_r);

#endif
