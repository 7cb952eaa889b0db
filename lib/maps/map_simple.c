/*
 * map_simple - tables that need no database: static, inline, fail,
 * environ, unix (passwd.byname, group.byname) and texthash.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfline.h"
#include "config/pfconf.h"
#include "core/argv.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "maps/map_impl.h"
#include "maps/map_source.h"

/* strip_braces - "{ text }" -> "text" (malloc'ed) */
static char *strip_braces(const char *text)
{
	size_t len = strlen(text);

	if (len >= 2 && text[0] == '{' && text[len - 1] == '}') {
		const char *s = text + 1, *e = text + len - 1;

		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		return xstrndup(s, (size_t)(e - s));
	}
	return xstrdup(text);
}

/* ---- static ---- */

static int static_open(struct map *map, const char **error_r)
{
	map->data = strip_braces(map->name);
	return 0;
}

static int static_lookup(struct map *map, const char *key, const char **value_r, const char **error_r)
{
	*value_r = map->data;
	return MAP_FOUND;
}

static int free_data(struct map *map, int commit, const char **error_r)
{
	xfree(map->data);
	map->data = NULL;
	return 0;
}

const struct map_ops map_ops_static = {
	"static", 1, static_open, static_lookup, NULL, NULL, NULL, NULL, free_data,
};

/* ---- fail ---- */

static int fail_open(struct map *map, const char **error_r)
{
	map->data = xstrdup(map->name);
	return 0;
}

static int fail_lookup(struct map *map, const char *key, const char **value_r, const char **error_r)
{
	*error_r = map_error("Application error");
	return MAP_ERROR;
}

const struct map_ops map_ops_fail = {
	"fail", 1, fail_open, fail_lookup, NULL, NULL, NULL, NULL, free_data,
};

/* ---- environ ---- */

static int environ_open(struct map *map, const char **error_r)
{
	map->data = xstrdup(map->name);
	return 0;
}

static int environ_lookup(struct map *map, const char *key, const char **value_r,
			  const char **error_r)
{
	const char *v = getenv(key);

	if (v == NULL)
		return MAP_NOTFOUND;
	*value_r = v;
	return MAP_FOUND;
}

const struct map_ops map_ops_environ = {
	"environ", 0, environ_open, environ_lookup, NULL, NULL, NULL, NULL, free_data,
};

/* ---- unix:passwd.byname, unix:group.byname ---- */

static int unix_open(struct map *map, const char **error_r)
{
	if (strcmp(map->name, "passwd.byname") != 0 && strcmp(map->name, "group.byname") != 0) {
		*error_r = map_error("unknown table: unix:%s", map->name);
		return -1;
	}
	map->data = xstrdup(map->name);
	return 0;
}

/*
 * unix_unavailable - "not found" can only be believed when the database
 * is there: inside a chroot without /etc/passwd (a chrooted smtpd without
 * a proxymap service) every user would look unknown, and mail for real
 * users would be rejected.  Report an error instead, so it is deferred.
 */
static int unix_unavailable(const char *file, const char **error_r)
{
	if (access(file, R_OK) == 0)
		return MAP_NOTFOUND;
	*error_r = map_error("unix:%s: %s is not readable here (%s): a chrooted service needs "
			     "the proxy: table to be served from outside the chroot",
			     strstr(file, "group") ? "group.byname" : "passwd.byname", file, strerror(errno));
	return MAP_ERROR;
}

static int unix_lookup(struct map *map, const char *key, const char **value_r, const char **error_r)
{
	buf_reset(&map->value);
	if (strcmp(map->name, "passwd.byname") == 0) {
		struct passwd *pw = getpwnam(key);

		if (pw == NULL)
			return unix_unavailable("/etc/passwd", error_r);
		buf_printf(&map->value, "%s:%s:%ld:%ld:%s:%s:%s", pw->pw_name, pw->pw_passwd,
			   (long)pw->pw_uid, (long)pw->pw_gid, pw->pw_gecos, pw->pw_dir, pw->pw_shell);
	} else {
		struct group *gr = getgrnam(key);

		if (gr == NULL)
			return unix_unavailable("/etc/group", error_r);
		buf_printf(&map->value, "%s:%s:%ld:", gr->gr_name, gr->gr_passwd, (long)gr->gr_gid);
		for (char **m = gr->gr_mem; *m != NULL; m++)
			buf_printf(&map->value, "%s%s", m == gr->gr_mem ? "" : ",", *m);
	}
	*value_r = buf_cstr(&map->value);
	return MAP_FOUND;
}

const struct map_ops map_ops_unix = {
	"unix", 0, unix_open, unix_lookup, NULL, NULL, NULL, NULL, free_data,
};

/* ---- inline and texthash: an in-memory table ---- */

struct mem_table {
	struct hash *h;
	struct argv keys;	/* insertion order, for iteration */
	size_t pos;
};

/* mem_add - first value wins, as postmap does */
static void mem_add(struct map *map, struct mem_table *t, const char *key, const char *value)
{
	char *k = xstrdup(key);

	if (map->ops->fixed_keys && !(map->flags & MAP_FLAG_NO_FOLD))
		for (char *p = k; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	if (hash_lookup(t->h, k) == NULL) {
		hash_insert(t->h, k, xstrdup(value));
		argv_add(&t->keys, k);
	} else {
		msg_warn("%s:%s: duplicate entry: \"%s\"", map->type, map->name, k);
	}
	xfree(k);
}

static struct mem_table *mem_create(void)
{
	struct mem_table *t = xcalloc(1, sizeof(*t));

	t->h = hash_create(16);
	argv_init(&t->keys);
	return t;
}

static void free_value(void *v)
{
	xfree(v);
}

static int free_mem(struct map *map, int commit, const char **error_r)
{
	struct mem_table *t = map->data;

	if (t == NULL)
		return 0;
	hash_destroy(&t->h, free_value);
	argv_deinit(&t->keys);
	xfree(t);
	map->data = NULL;
	return 0;
}

static int mem_lookup(struct map *map, const char *key, const char **value_r, const char **error_r)
{
	struct mem_table *t = map->data;
	const char *v = hash_lookup(t->h, key);

	if (v == NULL)
		return MAP_NOTFOUND;
	*value_r = v;
	return MAP_FOUND;
}

static int mem_next(struct map *map, const char **key_r, const char **value_r, const char **error_r)
{
	struct mem_table *t = map->data;

	if (t->pos >= t->keys.n)
		return MAP_NOTFOUND;
	*key_r = t->keys.v[t->pos++];
	*value_r = hash_lookup(t->h, *key_r);
	return MAP_FOUND;
}

static int mem_first(struct map *map, const char **key_r, const char **value_r, const char **error_r)
{
	((struct mem_table *)map->data)->pos = 0;
	return mem_next(map, key_r, value_r, error_r);
}

static int inline_open(struct map *map, const char **error_r)
{
	struct mem_table *t;
	struct argv items;
	char *body;
	size_t len = strlen(map->name);

	if (len < 2 || map->name[0] != '{' || map->name[len - 1] != '}') {
		*error_r = map_error("inline:%s: need \"inline:{name=value...}\"", map->name);
		return -1;
	}
	body = xstrndup(map->name + 1, len - 2);
	argv_init(&items);
	pfconf_list_split(body, &items);
	t = mem_create();
	for (size_t i = 0; i < items.n; i++) {
		char *eq = strchr(items.v[i], '='), *k, *v;

		if (eq == NULL) {
			*error_r = map_error("inline:%s: missing '=' in \"%s\"", map->name, items.v[i]);
			argv_deinit(&items);
			xfree(body);
			map->data = t;
			free_mem(map, 0, error_r);
			return -1;
		}
		k = strip_braces(items.v[i]);
		eq = strchr(k, '=');
		*eq = '\0';
		v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		for (char *e = eq; e > k && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = '\0';
		mem_add(map, t, k, v);
		xfree(k);
	}
	argv_deinit(&items);
	xfree(body);
	map->data = t;
	return 0;
}

const struct map_ops map_ops_inline = {
	"inline", 1, inline_open, mem_lookup, NULL, NULL, mem_first, mem_next, free_mem,
};

static int texthash_open(struct map *map, const char **error_r)
{
	struct cflines lines;
	struct mem_table *t;

	if (cfline_read_file(map->name, &lines, error_r) < 0)
		return -1;
	map->file = xstrdup(map->name);
	t = mem_create();
	for (size_t i = 0; i < lines.n; i++) {
		char *k, *v;

		if (map_source_split(lines.v[i].text, &k, &v) < 0) {
			msg_warn("%s, line %d: expected format: key whitespace value", map->name,
				 lines.v[i].first);
			continue;
		}
		mem_add(map, t, k, v);
		xfree(k);
		xfree(v);
	}
	cflines_free(&lines);
	map->data = t;
	return 0;
}

const struct map_ops map_ops_texthash = {
	"texthash", 1, texthash_open, mem_lookup, NULL, NULL, mem_first, mem_next, free_mem,
};
