/*
 * mastercf - master.cf parsing (see mastercf.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfline.h"
#include "config/mastercf.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

static char errbuf[1024];

static const char *const type_names[] = {
	[MASTERCF_INET] = "inet",
	[MASTERCF_UNIX] = "unix",
	[MASTERCF_UNIX_DGRAM] = "unix-dgram",
	[MASTERCF_FIFO] = "fifo",
	[MASTERCF_PASS] = "pass",
};

const char *mastercf_type_name(enum mastercf_type type)
{
	return type_names[type];
}

int mastercf_type_parse(const char *name, enum mastercf_type *type_r)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(name, type_names[i]) == 0) {
			*type_r = (enum mastercf_type)i;
			return 0;
		}
	return -1;
}

/* entry_free - release one entry's storage */
static void entry_free(struct mastercf_entry *e)
{
	int i;

	xfree(e->service);
	for (i = 0; i < MASTERCF_NFIELDS; i++)
		xfree(e->field[i]);
	argv_deinit(&e->cmd);
	argv_deinit(&e->cmd_text);
	xfree(e->file);
}

void mastercf_free(struct mastercf **mcfp)
{
	struct mastercf *mcf = *mcfp;
	size_t i;

	if (mcf == NULL)
		return;
	for (i = 0; i < mcf->n; i++)
		entry_free(&mcf->entries[i]);
	xfree(mcf->entries);
	xfree(mcf);
	*mcfp = NULL;
}

/* parse_yn - "y", "n" or "-" (default) */
static int parse_yn(const char *text, int def, int *value_r)
{
	if (strcmp(text, "-") == 0)
		*value_r = def;
	else if (strcmp(text, "y") == 0)
		*value_r = 1;
	else if (strcmp(text, "n") == 0)
		*value_r = 0;
	else
		return -1;
	return 0;
}

/* parse_number - non-negative decimal, or "-" */
static int parse_number(const char *text, int def, int *value_r)
{
	char *end;
	long n;

	if (strcmp(text, "-") == 0) {
		*value_r = def;
		return 0;
	}
	if (!isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	n = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || n > 1000000000L)
		return -1;
	*value_r = (int)n;
	return 0;
}

/* parse_wakeup - "-", "N" or "N?" */
static int parse_wakeup(struct mastercf_entry *e, const char *text)
{
	char *copy = xstrdup(text);
	size_t len = strlen(copy);
	int ret;

	e->wakeup_on_use = 0;
	if (len > 1 && copy[len - 1] == '?') {
		copy[len - 1] = '\0';
		e->wakeup_on_use = 1;
	}
	ret = parse_number(copy, 0, &e->wakeup);
	xfree(copy);
	return ret;
}

/*
 * next_token - split one field or argument.  "{ ... }" groups text with
 * blanks: braces and the blanks just inside them are removed.
 */
static int next_token(const char **pp, char **tok_r, int *braced_r)
{
	const char *p = *pp, *start, *end;
	int depth;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	*braced_r = *p == '{';
	if (*p != '{') {
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		*tok_r = xstrndup(start, (size_t)(p - start));
		*pp = p;
		return 1;
	}
	depth = 0;
	for (end = p; *end != '\0'; end++) {
		if (*end == '{')
			depth++;
		else if (*end == '}' && --depth == 0)
			break;
	}
	if (*end != '}')
		return -1;
	start = p + 1;
	p = end + 1;
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	*tok_r = xstrndup(start, (size_t)(end - start));
	*pp = p;
	return 1;
}

/* normalize_override - "name = value" -> "name=value" for -o { ... } */
static char *normalize_override(char *arg)
{
	char *eq = strchr(arg, '=');
	char *out, *name_end, *value;

	if (eq == NULL)
		return arg;
	name_end = eq;
	while (name_end > arg && isspace((unsigned char)name_end[-1]))
		name_end--;
	value = eq + 1;
	while (isspace((unsigned char)*value))
		value++;
	out = xasprintf("%.*s=%s", (int)(name_end - arg), arg, value);
	xfree(arg);
	return out;
}

/* fail - Postfix's wording, with file and line added: "file F: line N: what" */
static int fail(const char **error_r, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(const char **error_r, const char *file, int line, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(errbuf, sizeof(errbuf), "file %s: line %d: %s", file, line, what);
	*error_r = errbuf;
	return -1;
}

/* parse_entry - one logical line into e */
static int parse_entry(struct mastercf_entry *e, const char *file, const struct cfline *l,
		       const char **error_r)
{
	const char *p = l->text;
	char *tok;
	int n = 0, r, prev_o = 0, braced = 0;

	memset(e, 0, sizeof(*e));
	argv_init(&e->cmd);
	argv_init(&e->cmd_text);
	e->file = xstrdup(file);
	e->line = l->first;
	while ((r = next_token(&p, &tok, &braced)) > 0) {
		if (n < MASTERCF_NFIELDS) {
			e->field[n++] = tok;
			continue;
		}
		if (braced)
			argv_add_printf(&e->cmd_text, "{%s}", tok);
		else
			argv_add(&e->cmd_text, tok);
		if (prev_o)
			tok = normalize_override(tok);
		prev_o = e->cmd.n > 0 && strcmp(tok, "-o") == 0;
		argv_add(&e->cmd, tok);
		xfree(tok);
	}
	if (r < 0)
		return fail(error_r, file, l->first, "missing '}' in \"%s\"", l->text);
	if (e->cmd.n == 0)
		return fail(error_r, file, l->first, "bad field count");
	e->service = xstrdup(e->field[0]);
	if (mastercf_type_parse(e->field[1], &e->type) < 0)
		return fail(error_r, file, l->first, "invalid type field \"%s\" in \"%s\"",
			    e->field[1], l->text);
	if (parse_yn(e->field[2], 1, &e->private_svc) < 0)
		return fail(error_r, file, l->first, "invalid private field \"%s\" in \"%s\"",
			    e->field[2], l->text);
	if (e->type == MASTERCF_INET)
		e->private_svc = 0;
	if (parse_yn(e->field[3], 1, &e->unpriv) < 0)
		return fail(error_r, file, l->first, "invalid unprivileged field \"%s\" in \"%s\"",
			    e->field[3], l->text);
	if (parse_yn(e->field[4], 0, &e->chroot) < 0)
		return fail(error_r, file, l->first, "invalid chroot field \"%s\" in \"%s\"",
			    e->field[4], l->text);
	if (parse_wakeup(e, e->field[5]) < 0)
		return fail(error_r, file, l->first, "invalid wakeup field \"%s\" in \"%s\"",
			    e->field[5], l->text);
	if (parse_number(e->field[6], -1, &e->maxproc) < 0)
		return fail(error_r, file, l->first, "invalid process limit field \"%s\" in \"%s\"",
			    e->field[6], l->text);
	return 0;
}

/* same_service - entries naming the same service/type */
static int same_service(const struct mastercf_entry *a, const struct mastercf_entry *b)
{
	return a->type == b->type && strcmp(a->service, b->service) == 0;
}

int mastercf_parse_text(struct mastercf **mcf_r, const char *name, const char *text,
			const char **error_r)
{
	struct cflines lines;
	struct mastercf *mcf;
	size_t i, j;

	if (cfline_parse_text(name, text, strlen(text), &lines, error_r) < 0)
		return -1;
	mcf = xcalloc(1, sizeof(*mcf));
	mcf->entries = xcalloc(lines.n + 1, sizeof(*mcf->entries));
	for (i = 0; i < lines.n; i++) {
		struct mastercf_entry *e = &mcf->entries[mcf->n];

		if (parse_entry(e, name, &lines.v[i], error_r) < 0) {
			entry_free(e);
			cflines_free(&lines);
			mastercf_free(&mcf);
			return -1;
		}
		for (j = 0; j < mcf->n; j++)
			if (same_service(&mcf->entries[j], e))
				break;
		if (j < mcf->n) {
			/* last one wins: replace in place, keep the earlier position */
			entry_free(&mcf->entries[j]);
			mcf->entries[j] = *e;
			memset(e, 0, sizeof(*e));
		} else {
			mcf->n++;
		}
	}
	cflines_free(&lines);
	*mcf_r = mcf;
	return 0;
}

int mastercf_load(struct mastercf **mcf_r, const char *path, const char **error_r)
{
	char *text;
	size_t len;
	int ret;

	if (cfline_read_all(path, 16 * 1024 * 1024, &text, &len, error_r) < 0)
		return -1;
	if (memchr(text, '\0', len) != NULL) {
		snprintf(errbuf, sizeof(errbuf), "%s: file contains a NUL byte", path);
		*error_r = errbuf;
		xfree(text);
		return -1;
	}
	ret = mastercf_parse_text(mcf_r, path, text, error_r);
	xfree(text);
	return ret;
}

const struct mastercf_entry *mastercf_find(const struct mastercf *mcf, const char *service,
					   enum mastercf_type type)
{
	size_t i;

	for (i = 0; i < mcf->n; i++)
		if (mcf->entries[i].type == type && strcmp(mcf->entries[i].service, service) == 0)
			return &mcf->entries[i];
	return NULL;
}
