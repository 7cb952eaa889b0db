/*
 * pfconf - Postfix main.cf: loading, -o overrides, lazy expansion, typed
 * getters (see pfconf.h).
 *
 * Storage: one hash of struct pfvar per name that main.cf or an override
 * defines; names only in the parameter table are looked up there.  Expanded
 * values are cached per name and the whole cache is dropped whenever a value
 * changes (old strings are kept until pfconf_free, so pointers handed out
 * stay valid as documented).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfline.h"
#include "config/pfconf.h"
#include "config/pfparam.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"

#define PFCONF_NESTING_MAX 100
#define PFCONF_VALUE_MAX (1024 * 1024)	/* bound on an expanded value */

struct pfvar {
	char *raw;		/* value as written */
	int line;		/* main.cf line, 0 for overrides/sets */
	int origin;		/* PFCONF_ORIGIN_* */
};

struct pfcache {
	char *value;
	unsigned gen;
};

struct pfconf {
	char *config_dir;
	char *main_cf;		/* path of main.cf */
	struct hash *vars;	/* name -> struct pfvar */
	struct hash *cache;	/* name -> struct pfcache (expanded values) */
	unsigned gen;		/* bumped on every change */
	char **graveyard;	/* superseded strings, freed at the end */
	size_t ngrave;
	struct argv expanding;	/* names being expanded (nesting check) */
	pfconf_undef_fn *undef_fn;
	void *undef_ctx;
	unsigned flags;		/* PFCONF_FLAG_* */
	const char *nested_error;	/* error inside a default function, see pfconf_get_nested */
};

static char errbuf[1024];

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

/* bury - keep a superseded string alive until pfconf_free (callers may hold it) */
static void bury(struct pfconf *cfg, char *s)
{
	cfg->graveyard = xreallocarray(cfg->graveyard, cfg->ngrave + 1, sizeof(char *));
	cfg->graveyard[cfg->ngrave++] = s;
}

/* free_var - hash value destructor */
static void free_var(void *p)
{
	struct pfvar *v = p;

	xfree(v->raw);
	xfree(v);
}

/* free_cache - hash value destructor */
static void free_cache(void *p)
{
	struct pfcache *c = p;

	xfree(c->value);
	xfree(c);
}

struct pfconf *pfconf_create_empty(const char *config_dir)
{
	struct pfconf *cfg = xcalloc(1, sizeof(*cfg));
	const char *env = getenv("MAIL_CONFIG");

	if (config_dir == NULL)
		config_dir = env != NULL && *env != '\0' ? env : PC_CONFIG_DIR;
	cfg->config_dir = xstrdup(config_dir);
	cfg->main_cf = xasprintf("%s/main.cf", config_dir);
	cfg->vars = hash_create(64);
	cfg->cache = hash_create(64);
	argv_init(&cfg->expanding);
	return cfg;
}

void pfconf_free(struct pfconf **cfgp)
{
	struct pfconf *cfg = *cfgp;

	if (cfg == NULL)
		return;
	hash_destroy(&cfg->vars, free_var);
	hash_destroy(&cfg->cache, free_cache);
	while (cfg->ngrave > 0)
		xfree(cfg->graveyard[--cfg->ngrave]);
	xfree(cfg->graveyard);
	argv_deinit(&cfg->expanding);
	xfree(cfg->config_dir);
	xfree(cfg->main_cf);
	xfree(cfg);
	*cfgp = NULL;
}

const char *pfconf_config_dir(const struct pfconf *cfg)
{
	return cfg->config_dir;
}

const char *pfconf_main_cf(const struct pfconf *cfg)
{
	return cfg->main_cf;
}

/* store - define name = raw */
static void store(struct pfconf *cfg, const char *name, const char *raw, int line, int origin)
{
	struct pfvar *v = xcalloc(1, sizeof(*v)), *prev;

	v->raw = xstrdup(raw);
	v->line = line;
	v->origin = origin;
	prev = hash_insert(cfg->vars, name, v);
	if (prev != NULL) {
		bury(cfg, prev->raw);	/* pointers handed out stay valid */
		xfree(prev);
	}
	cfg->gen++;
}

void pfconf_set(struct pfconf *cfg, const char *name, const char *raw_value)
{
	store(cfg, name, raw_value, 0, PFCONF_ORIGIN_SET);
}

/* skip_ws - pointer past blanks */
static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

int pfconf_split_assignment(const char *text, char **name_r, char **value_r, const char **what_r)
{
	const char *p = skip_ws(text), *name = p, *eq;
	size_t nlen;
	struct buf v;

	while (*p != '\0' && *p != '=' && *p != ' ' && *p != '\t')
		p++;
	nlen = (size_t)(p - name);
	p = skip_ws(p);
	if (*p != '=') {
		*what_r = "missing '=' after attribute name";
		return -1;
	}
	if (nlen == 0) {
		*what_r = "missing attribute name";
		return -1;
	}
	eq = p;
	buf_init(&v, 0);
	buf_append_str(&v, skip_ws(eq + 1));
	buf_trim_right(&v);
	*name_r = xstrndup(name, nlen);
	*value_r = buf_steal(&v);
	buf_deinit(&v);
	return 0;
}

int pfconf_override(struct pfconf *cfg, const char *name_eq_value, const char **error_r)
{
	char *name, *value;
	const char *what;

	if (pfconf_split_assignment(name_eq_value, &name, &value, &what) < 0) {
		*error_r = set_error("%s: \"%s\"", what, name_eq_value);
		return -1;
	}
	store(cfg, name, value, 0, PFCONF_ORIGIN_OVERRIDE);
	xfree(name);
	xfree(value);
	return 0;
}

/* apply_lines - name = value definitions, in order */
static int apply_lines(struct pfconf *cfg, const char *path, struct cflines *linesp,
		       const char **error_r);

int pfconf_read_file(struct pfconf *cfg, const char *path, const char **error_r)
{
	struct cflines lines;

	if (cfline_read_file(path, &lines, error_r) < 0)
		return -1;
	return apply_lines(cfg, path, &lines, error_r);
}

int pfconf_read_text(struct pfconf *cfg, const char *name, const char *text, size_t len,
		     const char **error_r)
{
	struct cflines lines;

	if (cfline_parse_text(name, text, len, &lines, error_r) < 0)
		return -1;
	return apply_lines(cfg, name, &lines, error_r);
}

static int apply_lines(struct pfconf *cfg, const char *path, struct cflines *linesp,
		       const char **error_r)
{
	struct cflines lines = *linesp;
	size_t i;

	for (i = 0; i < lines.n; i++) {
		char *name, *value;
		const char *what;
		struct pfvar *prev;

		if (pfconf_split_assignment(lines.v[i].text, &name, &value, &what) < 0) {
			*error_r = set_error("%s, line %d: %s: \"%s\"", path, lines.v[i].first, what,
					     lines.v[i].text);
			cflines_free(&lines);
			return -1;
		}
		prev = hash_lookup(cfg->vars, name);
		if (prev != NULL && prev->origin == PFCONF_ORIGIN_FILE
		    && (cfg->flags & PFCONF_FLAG_WARN_OVERRIDE)
		    && strcmp(prev->raw, value) != 0)
			msg_warn("%s, line %d: overriding earlier entry: %s=%s", path,
				 lines.v[i].first, name, prev->raw);
		store(cfg, name, value, lines.v[i].first, PFCONF_ORIGIN_FILE);
		xfree(name);
		xfree(value);
	}
	cflines_free(&lines);
	return 0;
}

int pfconf_load(struct pfconf **cfg_r, const char *config_dir, const char **error_r)
{
	return pfconf_load_flags(cfg_r, config_dir, 0, error_r);
}

void pfconf_set_undef_hook(struct pfconf *cfg, pfconf_undef_fn *fn, void *ctx)
{
	cfg->undef_fn = fn;
	cfg->undef_ctx = ctx;
}

int pfconf_load_flags(struct pfconf **cfg_r, const char *config_dir, unsigned flags,
		      const char **error_r)
{
	struct pfconf *cfg = pfconf_create_empty(config_dir);

	cfg->flags = flags;
	if (pfconf_read_file(cfg, cfg->main_cf, error_r) < 0) {
		pfconf_free(&cfg);
		return -1;
	}
	*cfg_r = cfg;
	return 0;
}

const char *pfconf_get_raw(struct pfconf *cfg, const char *name)
{
	struct pfvar *v = hash_lookup(cfg->vars, name);
	const struct pfparam *p;

	if (v != NULL)
		return v->raw;
	p = pfparam_find(name);
	return p != NULL ? pfparam_default(p, cfg) : NULL;
}

int pfconf_is_set(const struct pfconf *cfg, const char *name)
{
	return hash_lookup(cfg->vars, name) != NULL;
}

int pfconf_origin(const struct pfconf *cfg, const char *name, int *line_r)
{
	struct pfvar *v = hash_lookup(cfg->vars, name);

	if (v == NULL)
		return PFCONF_ORIGIN_DEFAULT;
	if (line_r != NULL)
		*line_r = v->line;
	return v->origin;
}

void pfconf_names(const struct pfconf *cfg, struct argv *out)
{
	size_t i = 0;
	const char *key;
	void *value;

	while (hash_iter(cfg->vars, &i, &key, &value))
		argv_add(out, key);
}

/* ---- expansion ---- */

static int expand_text(struct pfconf *cfg, const char *text, size_t len, struct buf *out,
		       const char **error_r);

/* is_name_char - parameter names are [A-Za-z0-9_] */
static int is_name_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* match_brace - index of the '}' (or ')') closing the opener at text[0] */
static const char *match_close(const char *p, const char *end, char open, char close)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == open)
			depth++;
		else if (*p == close && --depth == 0)
			return p;
	}
	return NULL;
}

/* value_of - expanded value of a parameter, nesting-checked */
static int value_of(struct pfconf *cfg, const char *name, const char **value_r, const char **error_r)
{
	struct pfcache *c = hash_lookup(cfg->cache, name);
	const char *raw;
	struct buf b;
	size_t i;

	if (c != NULL && c->gen == cfg->gen) {
		*value_r = c->value;
		return 0;
	}
	for (i = 0; i < cfg->expanding.n; i++)
		if (strcmp(cfg->expanding.v[i], name) == 0 || cfg->expanding.n >= PFCONF_NESTING_MAX) {
			*error_r = set_error("unreasonable macro call nesting: \"%s\"", name);
			return -1;
		}
	argv_add(&cfg->expanding, name);
	{
		const char *outer = cfg->nested_error, *inner;

		cfg->nested_error = NULL;
		raw = pfconf_get_raw(cfg, name);	/* may run a default function */
		inner = cfg->nested_error;
		cfg->nested_error = outer;
		if (inner != NULL) {
			*error_r = inner;
			argv_truncate(&cfg->expanding, cfg->expanding.n - 1);
			return -1;
		}
	}
	if (raw == NULL) {
		argv_truncate(&cfg->expanding, cfg->expanding.n - 1);
		if (cfg->undef_fn != NULL)
			cfg->undef_fn(name, cfg->undef_ctx);
		*value_r = "";
		return 0;
	}
	buf_init(&b, PFCONF_VALUE_MAX);
	if (expand_text(cfg, raw, strlen(raw), &b, error_r) < 0) {
		buf_deinit(&b);
		argv_truncate(&cfg->expanding, cfg->expanding.n - 1);
		return -1;
	}
	argv_truncate(&cfg->expanding, cfg->expanding.n - 1);
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		hash_insert(cfg->cache, name, c);
	} else {
		bury(cfg, c->value);
	}
	c->value = buf_steal(&b);
	c->gen = cfg->gen;
	buf_deinit(&b);
	*value_r = c->value;
	return 0;
}

/* take_group - parse "{...}" at *pp (after blanks); returns inner text trimmed */
static int take_group(const char **pp, const char *end, const char **start_r, size_t *len_r)
{
	const char *p = *pp, *close;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p != '{' || (close = match_close(p, end, '{', '}')) == NULL)
		return -1;
	*start_r = p + 1;
	*len_r = (size_t)(close - p - 1);
	while (*len_r > 0 && isspace((unsigned char)**start_r)) {
		(*start_r)++;
		(*len_r)--;
	}
	while (*len_r > 0 && isspace((unsigned char)(*start_r)[*len_r - 1]))
		(*len_r)--;
	*pp = close + 1;
	return 0;
}

/* skip_blanks - advance over blanks up to end */
static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

/* expand_piece - expand text[0..len) into a fresh string */
static int expand_piece(struct pfconf *cfg, const char *text, size_t len, char **out_r,
			const char **error_r)
{
	struct buf b;

	buf_init(&b, 0);
	if (expand_text(cfg, text, len, &b, error_r) < 0) {
		buf_deinit(&b);
		return -1;
	}
	*out_r = buf_steal(&b);
	buf_deinit(&b);
	return 0;
}

/* compare_levels - compare "major.minor.patch" compatibility levels */
static int compare_levels(const char *a, const char *b)
{
	for (int i = 0; i < 3; i++) {
		unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);

		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

/* all_digits - non-empty string of decimal digits */
static int all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* relation - evaluate "a OP b" */
static int relation(const char *a, const char *op, const char *b, int *result_r)
{
	int cmp;
	size_t oplen = strcspn(op, "l");
	int level = strcmp(op + oplen, "level") == 0;

	if (level)
		cmp = compare_levels(a, b);
	else if (all_digits(a) && all_digits(b))
		cmp = strtoull(a, NULL, 10) < strtoull(b, NULL, 10) ? -1 :
		      strtoull(a, NULL, 10) > strtoull(b, NULL, 10) ? 1 : 0;
	else
		cmp = strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0 ? 1 : 0;
	if (strncmp(op, "==", oplen) == 0 && oplen == 2)
		*result_r = cmp == 0;
	else if (strncmp(op, "!=", oplen) == 0 && oplen == 2)
		*result_r = cmp != 0;
	else if (strncmp(op, "<=", oplen) == 0 && oplen == 2)
		*result_r = cmp <= 0;
	else if (strncmp(op, ">=", oplen) == 0 && oplen == 2)
		*result_r = cmp >= 0;
	else if (strncmp(op, "<", oplen) == 0 && oplen == 1)
		*result_r = cmp < 0;
	else if (strncmp(op, ">", oplen) == 0 && oplen == 1)
		*result_r = cmp > 0;
	else
		return -1;
	return 0;
}

/* expand_relational - "{a} OP {b} ? {x} : {y}" */
static int expand_relational(struct pfconf *cfg, const char *p, const char *end, struct buf *out,
			     const char **error_r)
{
	const char *s, *start = p;
	size_t len;
	char *a = NULL, *b = NULL, op[16];
	int result, ret = -1;

	if (take_group(&p, end, &s, &len) < 0 || expand_piece(cfg, s, len, &a, error_r) < 0)
		goto syntax;
	p = skip_blanks(p, end);
	len = 0;
	while (p < end && strchr("=!<>level", *p) != NULL && len < sizeof(op) - 1)
		op[len++] = *p++;
	op[len] = '\0';
	if (take_group(&p, end, &s, &len) < 0 || expand_piece(cfg, s, len, &b, error_r) < 0)
		goto syntax;
	if (relation(a, op, b, &result) < 0) {
		*error_r = set_error("unknown operator \"%s\" in \"${%.*s}\"", op, (int)(end - start), start);
		goto done;
	}
	p = skip_blanks(p, end);
	if (p >= end || *p != '?')
		goto syntax;
	p++;
	if (take_group(&p, end, &s, &len) < 0)
		goto syntax;
	if (result) {
		ret = expand_text(cfg, s, len, out, error_r);
		goto done;
	}
	p = skip_blanks(p, end);
	if (p < end && *p == ':') {
		p++;
		if (take_group(&p, end, &s, &len) < 0)
			goto syntax;
		ret = expand_text(cfg, s, len, out, error_r);
		goto done;
	}
	ret = 0;
	goto done;
syntax:
	if (*error_r == NULL || ret == -1)
		*error_r = set_error("syntax error in \"${%.*s}\"", (int)(end - start), start);
done:
	xfree(a);
	xfree(b);
	return ret;
}

/* expand_conditional - after "${name": "?value", "?{v1}:{v2}", ":value" */
static int expand_conditional(struct pfconf *cfg, const char *value, const char *p, const char *end,
			      struct buf *out, const char **error_r)
{
	int nonempty = *value != '\0';
	char op = *p++;
	const char *s, *q = skip_blanks(p, end);
	size_t len;

	if (q < end && *q == '{') {
		if (take_group(&q, end, &s, &len) < 0)
			goto syntax;
		if (op == '?') {
			if (nonempty)
				return expand_text(cfg, s, len, out, error_r);
			q = skip_blanks(q, end);
			if (q < end && *q == ':') {
				q = skip_blanks(q + 1, end);
				if (q < end && *q == '{') {
					if (take_group(&q, end, &s, &len) < 0)
						goto syntax;
					return expand_text(cfg, s, len, out, error_r);
				}
				return expand_text(cfg, q, (size_t)(end - q), out, error_r);
			}
			return 0;
		}
		return nonempty ? 0 : expand_text(cfg, s, len, out, error_r);
	}
	if ((op == '?') == nonempty)
		return expand_text(cfg, p, (size_t)(end - p), out, error_r);
	return 0;
syntax:
	*error_r = set_error("syntax error in \"%.*s\"", (int)(end - p), p);
	return -1;
}

/* expand_braced - contents of ${...} or $(...) */
static int expand_braced(struct pfconf *cfg, const char *p, const char *end, struct buf *out,
			 const char **error_r)
{
	const char *name = p, *value;
	char *n;
	int ret;

	if (p < end && *p == '{')
		return expand_relational(cfg, p, end, out, error_r);
	while (p < end && is_name_char(*p))
		p++;
	if (p == name) {
		*error_r = set_error("missing parameter name in \"${%.*s}\"", (int)(end - name), name);
		return -1;
	}
	n = xstrndup(name, (size_t)(p - name));
	ret = value_of(cfg, n, &value, error_r);
	xfree(n);
	if (ret < 0)
		return -1;
	if (p == end) {
		if (buf_append_str(out, value) < 0) {
			*error_r = set_error("expanded value longer than %zu bytes", out->limit);
			return -1;
		}
		return 0;
	}
	if (*p == '?' || *p == ':')
		return expand_conditional(cfg, value, p, end, out, error_r);
	*error_r = set_error("syntax error in \"${%.*s}\"", (int)(end - name), name);
	return -1;
}

static int expand_text(struct pfconf *cfg, const char *text, size_t len, struct buf *out,
		       const char **error_r)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *dollar = memchr(p, '$', (size_t)(end - p));

		if (dollar == NULL) {
			if (buf_append(out, p, (size_t)(end - p)) < 0)
				goto too_long;
			break;
		}
		if (buf_append(out, p, (size_t)(dollar - p)) < 0)
			goto too_long;
		p = dollar + 1;
		if (p >= end) {
			if (buf_append_c(out, '$') < 0)
				goto too_long;
		} else if (*p == '$') {
			if (buf_append_c(out, '$') < 0)
				goto too_long;
			p++;
		} else if (*p == '{' || *p == '(') {
			const char *close = match_close(p, end, *p, *p == '{' ? '}' : ')');

			if (close == NULL) {
				*error_r = set_error("missing '%c' in \"%.*s\"", *p == '{' ? '}' : ')',
						     (int)(end - dollar), dollar);
				return -1;
			}
			if (expand_braced(cfg, p + 1, close, out, error_r) < 0)
				return -1;
			p = close + 1;
		} else if (is_name_char(*p)) {
			const char *name = p, *value;
			char *n;
			int ret;

			while (p < end && is_name_char(*p))
				p++;
			n = xstrndup(name, (size_t)(p - name));
			ret = value_of(cfg, n, &value, error_r);
			xfree(n);
			if (ret < 0)
				return -1;
			if (buf_append_str(out, value) < 0)
				goto too_long;
		} else if (buf_append_c(out, '$') < 0) {
			goto too_long;
		}
	}
	return 0;
too_long:
	*error_r = set_error("expanded value longer than %zu bytes", out->limit);
	return -1;
}

int pfconf_expand(struct pfconf *cfg, const char *text, struct buf *out, const char **error_r)
{
	*error_r = NULL;
	return expand_text(cfg, text, strlen(text), out, error_r);
}

const char *pfconf_get(struct pfconf *cfg, const char *name)
{
	const char *value, *error = NULL;

	if (value_of(cfg, name, &value, &error) < 0)
		msg_fatal("%s: parameter %s: %s", cfg->main_cf, name, error);
	return value;
}

const char *pfconf_get_nested(struct pfconf *cfg, const char *name)
{
	const char *value, *error = NULL;

	if (value_of(cfg, name, &value, &error) < 0) {
		if (cfg->nested_error == NULL) {	/* keep the first error */
			char *copy = xstrdup(error);

			bury(cfg, copy);
			cfg->nested_error = copy;
		}
		return "";
	}
	return value;
}

/* ---- typed getters ---- */

int pfconf_get_bool(struct pfconf *cfg, const char *name)
{
	const char *v = pfconf_get(cfg, name);

	if (strcasecmp(v, "yes") == 0)
		return 1;
	if (strcasecmp(v, "no") == 0)
		return 0;
	msg_fatal("bad boolean configuration: %s = %s", name, v);
}

/* check_min - enforce the table's lower bound */
static void check_min(const char *name, long long value)
{
	const struct pfparam *p = pfparam_find(name);

	if (p != NULL && p->has_min && value < p->min)
		msg_fatal("invalid %s parameter value %lld < %lld", name, value, p->min);
}

int pfconf_parse_int(const char *text, long long *value_r)
{
	char *end;

	if (*text == '\0' || isspace((unsigned char)*text))
		return -1;
	errno = 0;
	*value_r = strtoll(text, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

long long pfconf_get_int(struct pfconf *cfg, const char *name)
{
	const char *v = pfconf_get(cfg, name);
	long long n;

	if (pfconf_parse_int(v, &n) < 0)
		msg_fatal("bad numerical configuration: %s = %s", name, v);
	check_min(name, n);
	return n;
}

long long pfconf_get_size(struct pfconf *cfg, const char *name)
{
	return pfconf_get_int(cfg, name);
}

int pfconf_parse_time(const char *text, char def_unit, long long *secs_r)
{
	char *end;
	long long n, mult;
	char unit;

	if (!isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno != 0)
		return -1;
	unit = *end != '\0' ? *end : def_unit != '\0' ? def_unit : 's';
	if (*end != '\0' && end[1] != '\0')
		return -1;
	switch (unit) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	default: return -1;
	}
	if (n > LLONG_MAX / mult)
		return -1;
	*secs_r = n * mult;
	return 0;
}

long long pfconf_get_time(struct pfconf *cfg, const char *name)
{
	const struct pfparam *p = pfparam_find(name);
	const char *v = pfconf_get(cfg, name);
	long long secs;

	if (pfconf_parse_time(v, p != NULL ? p->unit : 's', &secs) < 0)
		msg_fatal("invalid time value or unit: %s = %s", name, v);
	check_min(name, secs);
	return secs;
}

void pfconf_list_split(const char *value, struct argv *a)
{
	const char *p = value;

	for (;;) {
		const char *start;

		while (*p != '\0' && (*p == ',' || isspace((unsigned char)*p)))
			p++;
		if (*p == '\0')
			break;
		if (*p == '{') {
			const char *close = match_close(p, p + strlen(p), '{', '}');
			const char *s, *e;

			if (close == NULL)
				close = p + strlen(p);
			s = p + 1;
			e = close;
			while (s < e && isspace((unsigned char)*s))
				s++;
			while (e > s && isspace((unsigned char)e[-1]))
				e--;
			argv_addn(a, s, (size_t)(e - s));
			p = *close != '\0' ? close + 1 : close;
			continue;
		}
		start = p;
		while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p)) {
			if (*p == '{') {	/* e.g. inline:{ a=b, c=d } stays one item */
				const char *close = match_close(p, p + strlen(p), '{', '}');

				p = close != NULL ? close + 1 : p + strlen(p);
				continue;
			}
			p++;
		}
		argv_addn(a, start, (size_t)(p - start));
	}
}

struct argv *pfconf_get_list(struct pfconf *cfg, const char *name)
{
	struct argv *a = argv_create();

	pfconf_list_split(pfconf_get(cfg, name), a);
	return a;
}
