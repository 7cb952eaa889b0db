/*
 * maplist - the tables of one parameter ("canonical_maps = hash:/a,
 * pcre:/b") and Postfix domain lists ("mydestination = $myhostname,
 * localhost, hash:/etc/postfix/domains, /etc/postfix/more").
 *
 * Tables are opened once, before the jail.  A table that cannot be opened
 * is logged as Postfix 3.x does ("warning: hash:/x is unavailable. open
 * ...") and stays in the list as an error: every lookup through it fails
 * with that reason, so mail is deferred (4.3.0) instead of passing
 * unmapped or being rejected.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "config/pfconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "maps/maps.h"

static char errbuf[1024];

/* maplist_add - open one table spec into the list */
static void maplist_add(struct maplist *ml, const char *spec)
{
	const char *error;
	struct map *map = NULL;

	ml->maps = xreallocarray(ml->maps, ml->n + 1, sizeof(*ml->maps));
	ml->specs = xreallocarray(ml->specs, ml->n + 1, sizeof(*ml->specs));
	ml->errors = xreallocarray(ml->errors, ml->n + 1, sizeof(*ml->errors));
	ml->specs[ml->n] = xstrdup(spec);
	ml->errors[ml->n] = NULL;
	if (map_open(spec, 0, &map, &error) < 0) {
		msg_warn("%s is unavailable. %s", spec, error);
		ml->errors[ml->n] = xasprintf("%s is unavailable. %s", spec, error);
		map = NULL;
	}
	ml->maps[ml->n++] = map;
}

struct maplist *maplist_open(struct pfconf *cfg, const char *param)
{
	struct maplist *ml = xcalloc(1, sizeof(*ml));
	struct argv items;

	ml->param = xstrdup(param);
	argv_init(&items);
	pfconf_list_split(pfconf_get(cfg, param), &items);
	for (size_t i = 0; i < items.n; i++) {
		if (strchr(items.v[i], ':') == NULL) {
			msg_warn("%s: ignoring \"%s\": expecting \"type:name\" form", param, items.v[i]);
			continue;
		}
		maplist_add(ml, items.v[i]);
	}
	argv_deinit(&items);
	return ml;
}

int maplist_empty(const struct maplist *ml)
{
	return ml == NULL || ml->n == 0;
}

int maplist_find(struct maplist *ml, const char *key, int fixed_only, const char **value_r,
		 const char **error_r)
{
	for (size_t i = 0; i < ml->n; i++) {
		const char *error;
		int r;

		if (ml->maps[i] == NULL) {
			*error_r = ml->errors[i];
			return MAP_ERROR;
		}
		if (fixed_only && !map_fixed_keys(ml->maps[i]))
			continue;
		r = map_lookup(ml->maps[i], key, value_r, &error);
		if (r == MAP_ERROR) {
			snprintf(errbuf, sizeof(errbuf), "%s", error);
			*error_r = errbuf;
			return MAP_ERROR;
		}
		if (r == MAP_FOUND)
			return MAP_FOUND;
	}
	return MAP_NOTFOUND;
}

/* domlist_add_file - "/file/name": one or more items per line, # comments */
static void domlist_add_file(struct domlist *dl, const char *param, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[1024];

	if (fp == NULL) {
		msg_warn("%s: open %s: %m", param, path);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct argv words;
		char *hash = strchr(line, '#');

		if (hash != NULL)
			*hash = '\0';
		argv_init(&words);
		pfconf_list_split(line, &words);
		for (size_t i = 0; i < words.n; i++)
			argv_add(&dl->items, words.v[i]);
		argv_deinit(&words);
	}
	fclose(fp);
}

void domlist_init(struct domlist *dl, struct pfconf *cfg, const char *param, const char *value)
{
	struct argv items;
	const char *pdms = pfconf_get(cfg, "parent_domain_matches_subdomains");

	memset(dl, 0, sizeof(*dl));
	argv_init(&dl->items);
	dl->tables.param = xstrdup(param);
	dl->parents = strstr(pdms, param) != NULL;
	argv_init(&items);
	pfconf_list_split(value, &items);
	for (size_t i = 0; i < items.n; i++) {
		const char *it = items.v[i];

		if (it[0] == '/')
			domlist_add_file(dl, param, it);
		else if (strchr(it, ':') != NULL && it[0] != '[' && it[0] != '!')
			maplist_add(&dl->tables, it);
		else {
			char *low = xstrdup(it);

			for (char *p = low; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			argv_add(&dl->items, low);
			xfree(low);
		}
	}
	argv_deinit(&items);
}

/* name_match - one list item against a lower-case domain */
static int name_match(const struct domlist *dl, const char *item, const char *dom)
{
	size_t il = strlen(item), dlen = strlen(dom);

	if (strcmp(item, dom) == 0)
		return 1;
	if (item[0] == '.')
		return dlen > il && strcmp(dom + dlen - il, item) == 0;
	if (dl->parents)
		return dlen > il && dom[dlen - il - 1] == '.' && strcmp(dom + dlen - il, item) == 0;
	return 0;
}

int domlist_match(struct domlist *dl, const char *domain, const char **error_r)
{
	char low[1024];
	const char *value;
	size_t i;

	snprintf(low, sizeof(low), "%s", domain);
	for (i = 0; low[i]; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	for (i = 0; i < dl->items.n; i++) {
		const char *it = dl->items.v[i];
		int neg = it[0] == '!';

		if (name_match(dl, it + neg, low))
			return !neg;
	}
	if (dl->tables.n > 0) {
		int r = maplist_find(&dl->tables, low, 0, &value, error_r);

		if (r != MAP_NOTFOUND)
			return r == MAP_FOUND ? 1 : -1;
		if (dl->parents)
			for (const char *p = strchr(low, '.'); p != NULL; p = strchr(p + 1, '.'))
				if ((r = maplist_find(&dl->tables, p + 1, 0, &value, error_r)) != MAP_NOTFOUND)
					return r == MAP_FOUND ? 1 : -1;
	}
	return 0;
}
