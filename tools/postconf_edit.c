/*
 * postconf_edit - postconf -e, -X, -# on main.cf: edits in place, keeps
 * comments and order, writes atomically (temp file, fsync, rename).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfline.h"
#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "postconf.h"

void pcf_write_file(const char *path, const char *text, size_t len)
{
	const char *error;

	if (safe_write_atomic(path, text, len, 0644, &error) < 0)
		msg_fatal("%s", error);
}

/* physical lines of text (without newlines) */
static void split_lines(const char *text, size_t len, struct argv *out)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;

		argv_addn(out, p, (size_t)(eol - p));
		p = nl != NULL ? nl + 1 : end;
	}
}

/* is_comment_or_blank - physical line kept inside a removed entry */
static int is_comment_or_blank(const char *line)
{
	while (*line == ' ' || *line == '\t' || *line == '\r')
		line++;
	return *line == '\0' || *line == '#';
}

/* entry_name - parameter name of a logical line (malloc'ed), or NULL */
static char *entry_name(const char *text)
{
	char *name, *value;
	const char *what;

	if (pfconf_split_assignment(text, &name, &value, &what) < 0)
		return NULL;
	xfree(value);
	return name;
}

/* find_request - index of name in the requests, or -1 */
static int find_request(struct argv *names, const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i], name) == 0)
			return (int)i;
	return -1;
}

int pcf_main_edit(struct postconf *pc, char **args, int edit)
{
	struct argv names, values, lines, out;
	struct cflines logical;
	char *text, *joined;
	const char *error;
	size_t len, i;
	int *done, *count, *drop;

	argv_init(&names);
	argv_init(&values);
	for (; *args != NULL; args++) {
		char *name, *value;
		const char *what;

		if (edit == PCF_EDIT_SET) {
			if (pfconf_split_assignment(*args, &name, &value, &what) < 0)
				msg_fatal("%s: \"%s\"", what, *args);
		} else {
			name = xstrdup(*args);
			value = xstrdup("");
		}
		argv_add(&names, name);
		argv_add(&values, value);
		xfree(name);
		xfree(value);
	}
	if (cfline_read_all(pc->main_cf, 64 * 1024 * 1024, &text, &len, &error) < 0)
		msg_fatal("%s", error);
	argv_init(&lines);
	split_lines(text, len, &lines);
	if (cfline_parse_text(pc->main_cf, text, len, &logical, &error) < 0)
		msg_fatal("%s", error);
	done = xcalloc(names.n + 1, sizeof(int));
	count = xcalloc(names.n + 1, sizeof(int));
	drop = xcalloc(lines.n + 1, sizeof(int));	/* 1 = drop, 2 = replace, 3 = comment */
	for (i = 0; i < logical.n; i++) {
		char *name = entry_name(logical.v[i].text);
		int r = name != NULL ? find_request(&names, name) : -1;
		int first = logical.v[i].first - 1, last = logical.v[i].last - 1;

		xfree(name);
		if (r < 0)
			continue;
		count[r]++;
		for (int l = first; l <= last; l++) {
			if (edit == PCF_EDIT_COMMENT)
				drop[l] = 3;
			else if (!is_comment_or_blank(lines.v[l]))
				drop[l] = l == first && edit == PCF_EDIT_SET ? 2 : 1;
		}
		if (edit == PCF_EDIT_SET)
			drop[first] = 2 + 10 * r;	/* remember which request */
	}
	for (i = 0; i < names.n; i++)
		if (count[i] > 1 && edit == PCF_EDIT_SET)
			msg_warn("%s: multiple entries for \"%s\"", pc->main_cf, names.v[i]);
	argv_init(&out);
	for (i = 0; i < lines.n; i++) {
		if (drop[i] == 0) {
			argv_add(&out, lines.v[i]);
		} else if (drop[i] == 3) {
			argv_add_printf(&out, "#%s", lines.v[i]);
		} else if (drop[i] >= 2) {
			int r = (drop[i] - 2) / 10;

			argv_add_printf(&out, "%s = %s", names.v[r], values.v[r]);
			done[r] = 1;
		}
	}
	if (edit == PCF_EDIT_SET)
		for (i = 0; i < names.n; i++)
			if (!done[i] && find_request(&names, names.v[i]) == (int)i)
				argv_add_printf(&out, "%s = %s", names.v[i], values.v[i]);
	joined = argv_join(&out, "\n");
	{
		size_t jl = strlen(joined);
		char *final = xasprintf("%s%s", joined, jl > 0 ? "\n" : "");

		pcf_write_file(pc->main_cf, final, strlen(final));
		xfree(final);
	}
	xfree(joined);
	xfree(text);
	xfree(done);
	xfree(count);
	xfree(drop);
	cflines_free(&logical);
	argv_deinit(&out);
	argv_deinit(&lines);
	argv_deinit(&names);
	argv_deinit(&values);
	return 0;
}
