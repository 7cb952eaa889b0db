/*
 * map_pattern - rule tables (regexp, pcre, cidr): loading, if/endif
 * nesting, first-match lookup and $n substitution (see map_pattern.h).
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "config/cfline.h"
#include "config/pfconf.h"
#include "core/argv.h"
#include "core/log.h"
#include "core/mem.h"
#include "maps/map_impl.h"
#include "maps/map_pattern.h"

/* bad_reference - first $n in result beyond the pattern's groups, or -1 */
static int bad_reference(struct pattern_table *t, struct pattern_rule *r, const char *result)
{
	int groups = t->ops->ncaptures != NULL && !r->negate ? t->ops->ncaptures(r->pat) : 0;

	if (!t->ops->substitute)
		return -1;
	for (const char *p = result; *p != '\0'; p++) {
		int n;

		if (*p != '$')
			continue;
		if (p[1] == '$') {
			p++;
			continue;
		}
		if (isdigit((unsigned char)p[1]))
			n = p[1] - '0';
		else if ((p[1] == '{' || p[1] == '(') && isdigit((unsigned char)p[2]))
			n = p[2] - '0';
		else
			continue;
		if (n > groups)
			return n;
	}
	return -1;
}

/* parse_rule - one logical line; 0 ok, -1 warned and skipped */
static int parse_rule(struct pattern_table *t, const char *where, int line, const char *text)
	/* where: "regexp map NAME", as Postfix names the table in warnings */
{
	struct pattern_rule r;
	const char *p = text, *error;

	memset(&r, 0, sizeof(r));
	r.line = line;
	if (strncasecmp(p, "endif", 5) == 0 && (p[5] == '\0' || isspace((unsigned char)p[5]))) {
		r.kind = RULE_ENDIF;
		goto add;
	}
	if (strncasecmp(p, "if", 2) == 0 && isspace((unsigned char)p[2])) {
		r.kind = RULE_IF;
		p += 2;
		while (isspace((unsigned char)*p))
			p++;
	}
	if (*p == '!') {
		r.negate = 1;
		p++;
	}
	r.pat = t->ops->compile(&p, &error);
	if (r.pat == NULL) {
		msg_warn("%s, line %d: %s", where, line, error);
		return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (r.kind == RULE_MATCH) {
		int bad;

		if (*p == '\0') {
			msg_warn("%s, line %d: no replacement text: skipping this rule", where, line);
			t->ops->free(r.pat);
			return -1;
		}
		if ((bad = bad_reference(t, &r, p)) >= 0) {
			msg_warn("%s, line %d: out of range replacement index \"%d\": skipping this rule",
				 where, line, bad);
			t->ops->free(r.pat);
			return -1;
		}
		r.result = xstrdup(p);
	} else if (*p != '\0') {
		msg_warn("%s, line %d: ignoring extra text after IF statement: \"%s\"", where, line, p);
	}
add:
	t->rules = xreallocarray(t->rules, t->n + 1, sizeof(*t->rules));
	t->rules[t->n++] = r;
	return 0;
}

int pattern_table_load(struct map *map, const struct pattern_ops *ops, const char **error_r)
{
	struct pattern_table *t = xcalloc(1, sizeof(*t));
	struct cflines lines;
	int depth = 0;

	t->ops = ops;
	for (int i = 0; i < 10; i++)
		t->captures[i] = buf_create(0);
	map->data = t;
	if (map->name[0] == '{') {	/* inline: regexp:{ {/a/ b}, {/c/ d} } */
		struct argv items;
		size_t len = strlen(map->name);
		char *body = xstrndup(map->name + 1, len >= 2 ? len - 2 : 0);

		argv_init(&items);
		pfconf_list_split(body, &items);
		char *where = xasprintf("%s map %s", map->type, "inline");

		for (size_t i = 0; i < items.n; i++)
			(void)parse_rule(t, where, (int)i + 1, items.v[i]);
		xfree(where);
		argv_deinit(&items);
		xfree(body);
	} else {
		if (cfline_read_file(map->name, &lines, error_r) < 0) {
			pattern_table_close(map, 0, error_r);
			return -1;
		}
		char *where = xasprintf("%s map %s", map->type, map->name);

		map->file = xstrdup(map->name);
		for (size_t i = 0; i < lines.n; i++)
			(void)parse_rule(t, where, lines.v[i].first, lines.v[i].text);
		xfree(where);
		cflines_free(&lines);
	}
	for (size_t i = 0; i < t->n; i++) {
		if (t->rules[i].kind == RULE_IF)
			depth++;
		else if (t->rules[i].kind == RULE_ENDIF && --depth < 0) {
			msg_warn("%s, line %d: ignoring ENDIF without matching IF", map->name, t->rules[i].line);
			depth = 0;
		}
	}
	if (depth > 0)
		msg_warn("%s: IF has no matching ENDIF", map->name);
	return 0;
}

/* substitute - result with $n, ${n}, $(n), $$ replaced */
static void substitute(struct map *map, struct pattern_table *t, const char *tmpl, int ncap)
{
	buf_reset(&map->value);
	for (const char *p = tmpl; *p != '\0'; p++) {
		int n = -1;

		if (*p != '$' || !t->ops->substitute) {
			buf_append_c(&map->value, *p);
			continue;
		}
		if (p[1] == '$') {
			buf_append_c(&map->value, '$');
			p++;
		} else if (isdigit((unsigned char)p[1])) {
			n = p[1] - '0';
			p++;
		} else if ((p[1] == '{' || p[1] == '(') && isdigit((unsigned char)p[2])
			   && p[3] == (p[1] == '{' ? '}' : ')')) {
			n = p[2] - '0';
			p += 3;
		} else {
			buf_append_c(&map->value, '$');
		}
		if (n >= 0 && n < ncap)
			buf_append(&map->value, t->captures[n]->data, t->captures[n]->len);
	}
}

int pattern_table_lookup(struct map *map, const char *key, const char **value_r,
			 const char **error_r)
{
	struct pattern_table *t = map->data;
	int skip = 0;	/* depth of failed IFs we are inside */

	if (t->ops->valid_key != NULL && !t->ops->valid_key(key))
		return MAP_NOTFOUND;

	for (size_t i = 0; i < t->n; i++) {
		struct pattern_rule *r = &t->rules[i];
		int ncap = 0, m;

		if (r->kind == RULE_ENDIF) {
			if (skip > 0)
				skip--;
			continue;
		}
		if (skip > 0) {
			if (r->kind == RULE_IF)
				skip++;
			continue;
		}
		m = t->ops->match(r->pat, key, t->captures, &ncap);
		if (m < 0) {
			*error_r = map_error("%s:%s, line %d: matcher error", map->type, map->name, r->line);
			return MAP_ERROR;
		}
		if (r->negate)
			m = !m, ncap = 0;
		if (r->kind == RULE_IF) {
			if (!m)
				skip = 1;
			continue;
		}
		if (m) {
			substitute(map, t, r->result, ncap);
			*value_r = buf_cstr(&map->value);
			return MAP_FOUND;
		}
	}
	return MAP_NOTFOUND;
}

int pattern_table_close(struct map *map, int commit, const char **error_r)
{
	struct pattern_table *t = map->data;

	if (t == NULL)
		return 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->rules[i].pat != NULL)
			t->ops->free(t->rules[i].pat);
		xfree(t->rules[i].result);
	}
	for (int i = 0; i < 10; i++)
		buf_destroy(&t->captures[i]);
	xfree(t->rules);
	xfree(t);
	map->data = NULL;
	return 0;
}
