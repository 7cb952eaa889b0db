/*
 * userlist - user name lists (see userlist.h).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/mem.h"
#include "maps/maps.h"
#include "maps/userlist.h"

struct userlist {
	struct argv pats;	/* patterns without "!" */
	char *neg;		/* per pattern: had "!" */
	struct map **maps;	/* per pattern: the table, or NULL for a name */
};

int userlist_open(const char *list, struct userlist **ul_r, const char **error_r)
{
	struct userlist *ul = xcalloc(1, sizeof(*ul));
	struct argv raw;

	argv_init(&raw);
	argv_init(&ul->pats);
	pfconf_list_split(list, &raw);
	ul->neg = xcalloc(raw.n + 1, 1);
	ul->maps = xcalloc(raw.n + 1, sizeof(*ul->maps));
	for (size_t i = 0; i < raw.n; i++) {
		const char *p = raw.v[i];

		ul->neg[i] = *p == '!';
		p += ul->neg[i];
		argv_add(&ul->pats, p);
		if (strchr(p, ':') != NULL && map_open(p, 0, &ul->maps[i], error_r) < 0) {
			argv_deinit(&raw);
			userlist_close(&ul);
			return -1;
		}
	}
	argv_deinit(&raw);
	*ul_r = ul;
	return 0;
}

int userlist_match(struct userlist *ul, const char *user, const char **error_r)
{
	for (size_t i = 0; i < ul->pats.n; i++) {
		const char *value;
		int m;

		if (ul->maps[i] == NULL) {
			m = strcasecmp(ul->pats.v[i], user) == 0;
		} else {
			m = map_lookup(ul->maps[i], user, &value, error_r);
			if (m == MAP_ERROR)
				return -1;
			m = m == MAP_FOUND;
		}
		if (m)
			return !ul->neg[i];
	}
	return 0;
}

void userlist_close(struct userlist **ulp)
{
	struct userlist *ul = *ulp;

	if (ul == NULL)
		return;
	for (size_t i = 0; i < ul->pats.n; i++)
		map_abort(&ul->maps[i]);
	argv_deinit(&ul->pats);
	xfree(ul->neg);
	xfree(ul->maps);
	xfree(ul);
	*ulp = NULL;
}
