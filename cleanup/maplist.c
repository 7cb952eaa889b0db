/*
 * maplist - the tables of one parameter ("canonical_maps = hash:/a,
 * pcre:/b").  Domain lists (mydestination, ...) are lib/mail/resolve's.
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
