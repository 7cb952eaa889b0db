/*
 * userlist - user name lists (see userlist.h).
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
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

struct uid_name {
	uid_t uid;
	size_t seq;	/* passwd order: the first name of a uid wins */
	char *name;
};

static struct uid_name *names;
static size_t nnames;

/* cmp_uid - by uid, then passwd order */
static int cmp_uid(const void *a, const void *b)
{
	const struct uid_name *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void userlist_names_load(void)
{
	struct passwd *pw;
	size_t cap = 0;

	setpwent();
	while (nnames < USERLIST_NAMES_MAX && (pw = getpwent()) != NULL) {
		if (nnames == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[nnames].uid = pw->pw_uid;
		names[nnames].seq = nnames;
		names[nnames].name = xstrdup(pw->pw_name);
		nnames++;
	}
	endpwent();
	qsort(names, nnames, sizeof(*names), cmp_uid);
}

const char *userlist_uid_name(uid_t uid)
{
	size_t lo = 0, hi = nnames;
	struct passwd *pw;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (names[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nnames && names[lo].uid == uid)
		return names[lo].name;
	pw = getpwuid(uid);
	return pw != NULL ? pw->pw_name : NULL;
}

int userlist_match_uid(struct userlist *ul, uid_t uid, const char **name_r, const char **error_r)
{
	const char *name = userlist_uid_name(uid);
	char num[32];

	/* a uid without a passwd entry is matched by its number */
	snprintf(num, sizeof(num), "%lu", (unsigned long)uid);
	*name_r = name != NULL ? name : "unknown";
	return userlist_match(ul, name != NULL ? name : num, error_r);
}

int userlist_permits(struct userlist *ul, uid_t uid, uid_t owner, const char **name_r,
		     const char **error_r)
{
	*name_r = "unknown";
	if (uid == 0 || uid == owner)
		return 1;
	if (ul == NULL)
		return 0;
	return userlist_match_uid(ul, uid, name_r, error_r);
}
