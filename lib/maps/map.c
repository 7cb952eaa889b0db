/*
 * map - type:name tables: opening, case folding, change detection, the
 * partial-address search order (see maps.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/mem.h"
#include "maps/map_impl.h"

static char errbuf[1024];

const char *map_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return errbuf;
}

static const struct map_ops *const all_ops[] = {
	&map_ops_btree, &map_ops_cidr, &map_ops_environ, &map_ops_fail, &map_ops_hash,
	&map_ops_inline, &map_ops_lmdb, &map_ops_pcre, &map_ops_regexp, &map_ops_static,
	&map_ops_texthash, &map_ops_unix,
};

const char *const *map_types(void)
{
	static const char *names[sizeof(all_ops) / sizeof(all_ops[0]) + 1];

	if (names[0] == NULL)
		for (size_t i = 0; i < sizeof(all_ops) / sizeof(all_ops[0]); i++)
			names[i] = all_ops[i]->type;
	return names;
}

/* find_ops - implementation for a type name */
static const struct map_ops *find_ops(const char *type, size_t len)
{
	for (size_t i = 0; i < sizeof(all_ops) / sizeof(all_ops[0]); i++)
		if (strlen(all_ops[i]->type) == len && strncmp(all_ops[i]->type, type, len) == 0)
			return all_ops[i];
	return NULL;
}

/* map_free - release the common parts */
static void map_free(struct map *map)
{
	buf_deinit(&map->key);
	buf_deinit(&map->value);
	xfree(map->type);
	xfree(map->name);
	xfree(map->file);
	xfree(map);
}

int map_open(const char *spec, unsigned flags, struct map **map_r, const char **error_r)
{
	const char *colon;
	const struct map_ops *ops;
	struct map *map;

	while (strncmp(spec, "proxy:", 6) == 0)	/* no proxymap service yet: open directly */
		spec += 6;
	colon = strchr(spec, ':');
	if (colon == NULL || colon == spec || colon[1] == '\0') {
		*error_r = map_error("open dictionary: expecting \"type:name\" form instead of \"%s\"",
				     spec);
		return -1;
	}
	ops = find_ops(spec, (size_t)(colon - spec));
	if (ops == NULL) {
		*error_r = map_error("unsupported dictionary type: %.*s", (int)(colon - spec), spec);
		return -1;
	}
	map = xcalloc(1, sizeof(*map));
	map->ops = ops;
	map->type = xstrndup(spec, (size_t)(colon - spec));
	map->name = xstrdup(colon + 1);
	map->flags = flags;
	buf_init(&map->key, 0);
	buf_init(&map->value, 0);
	if (ops->open(map, error_r) < 0) {
		map_free(map);
		return -1;
	}
	if (map->file != NULL && stat(map->file, &map->st) < 0)
		memset(&map->st, 0, sizeof(map->st));
	map->checked = time(NULL);
	*map_r = map;
	return 0;
}

int map_close(struct map **mapp, const char **error_r)
{
	struct map *map = *mapp;
	int ret = 0;

	if (map == NULL)
		return 0;
	if (map->ops->close != NULL)
		ret = map->ops->close(map, 1, error_r);
	map_free(map);
	*mapp = NULL;
	return ret;
}

void map_abort(struct map **mapp)
{
	struct map *map = *mapp;
	const char *error;

	if (map == NULL)
		return;
	if (map->ops->close != NULL)
		(void)map->ops->close(map, 0, &error);
	map_free(map);
	*mapp = NULL;
}

/* fold - the key as stored/looked up */
static const char *fold(struct map *map, const char *key)
{
	if (!map->ops->fixed_keys || (map->flags & MAP_FLAG_NO_FOLD))
		return key;
	buf_reset(&map->key);
	for (; *key != '\0'; key++)
		buf_append_c(&map->key, (char)tolower((unsigned char)*key));
	return buf_cstr(&map->key);
}

/* reopen_if_changed - the file was replaced (postmap rebuilds by rename) */
static int reopen_if_changed(struct map *map, const char **error_r)
{
	struct stat st;
	long long now = time(NULL);

	if (map->file == NULL || (map->flags & (MAP_FLAG_WRITE | MAP_FLAG_CREATE)) || now == map->checked)
		return 0;
	map->checked = now;
	if (stat(map->file, &st) < 0 || (st.st_ino == map->st.st_ino && st.st_dev == map->st.st_dev
					 && st.st_mtime == map->st.st_mtime))
		return 0;
	if (map->ops->close != NULL)
		(void)map->ops->close(map, 0, error_r);
	map->data = NULL;
	xfree(map->file);
	map->file = NULL;
	if (map->ops->open(map, error_r) < 0)
		return -1;
	if (map->file != NULL && stat(map->file, &map->st) < 0)
		memset(&map->st, 0, sizeof(map->st));
	return 0;
}

int map_lookup(struct map *map, const char *key, const char **value_r, const char **error_r)
{
	if (map->data == NULL && map->ops->close != NULL) {
		*error_r = map_error("%s:%s: table is not open", map->type, map->name);
		return MAP_ERROR;
	}
	if (reopen_if_changed(map, error_r) < 0)
		return MAP_ERROR;
	return map->ops->lookup(map, fold(map, key), value_r, error_r);
}

int map_update(struct map *map, const char *key, const char *value, const char **error_r)
{
	if (map->ops->update == NULL) {
		*error_r = map_error("%s:%s: table does not support updates", map->type, map->name);
		return MAP_ERROR;
	}
	return map->ops->update(map, fold(map, key), value, error_r);
}

int map_update_exact(struct map *map, const char *key, const char *value, const char **error_r)
{
	if (map->ops->update == NULL) {
		*error_r = map_error("%s:%s: table does not support updates", map->type, map->name);
		return MAP_ERROR;
	}
	return map->ops->update(map, key, value, error_r);
}

int map_delete(struct map *map, const char *key, const char **error_r)
{
	if (map->ops->remove == NULL) {
		*error_r = map_error("%s:%s: table does not support deletion", map->type, map->name);
		return MAP_ERROR;
	}
	return map->ops->remove(map, fold(map, key), error_r);
}

int map_first(struct map *map, const char **key_r, const char **value_r, const char **error_r)
{
	if (map->ops->first == NULL) {
		*error_r = map_error("%s:%s: table does not support sequential access", map->type,
				     map->name);
		return MAP_ERROR;
	}
	return map->ops->first(map, key_r, value_r, error_r);
}

int map_next(struct map *map, const char **key_r, const char **value_r, const char **error_r)
{
	if (map->ops->next == NULL) {
		*error_r = map_error("%s:%s: table does not support sequential access", map->type,
				     map->name);
		return MAP_ERROR;
	}
	return map->ops->next(map, key_r, value_r, error_r);
}

const char *map_type(const struct map *map) { return map->type; }
const char *map_name(const struct map *map) { return map->name; }
const char *map_file(const struct map *map) { return map->file; }
int map_fixed_keys(const struct map *map) { return map->ops->fixed_keys; }

/* try - one lookup step of the address search */
static int try(struct map *map, const char *key, const char **value_r, const char **error_r)
{
	return map_lookup(map, key, value_r, error_r);
}

int map_lookup_address(struct map *map, const char *address, const char *delimiters,
		       unsigned how, const char **value_r, const char **error_r)
{
	const char *at = strrchr(address, '@');
	size_t local_len = at != NULL ? (size_t)(at - address) : strlen(address);
	size_t base_len = local_len;
	char *key;
	int r;

	if (delimiters != NULL && *delimiters != '\0') {
		size_t d = strcspn(address, delimiters);

		if (d < local_len && d > 0)
			base_len = d;
	}
	/* user+ext@domain, then user@domain */
	if ((how & MAP_ADDR_USER_AT_DOMAIN) && at != NULL) {
		if ((r = try(map, address, value_r, error_r)) != MAP_NOTFOUND)
			return r;
		if (base_len < local_len) {
			key = xasprintf("%.*s%s", (int)base_len, address, at);
			r = try(map, key, value_r, error_r);
			xfree(key);
			if (r != MAP_NOTFOUND)
				return r;
		}
	}
	/* user+ext, then user */
	if (how & MAP_ADDR_USER) {
		key = xstrndup(address, local_len);
		r = try(map, key, value_r, error_r);
		xfree(key);
		if (r != MAP_NOTFOUND)
			return r;
		if (base_len < local_len) {
			key = xstrndup(address, base_len);
			r = try(map, key, value_r, error_r);
			xfree(key);
			if (r != MAP_NOTFOUND)
				return r;
		}
	}
	/* @domain */
	if ((how & MAP_ADDR_AT_DOMAIN) && at != NULL) {
		if ((r = try(map, at, value_r, error_r)) != MAP_NOTFOUND)
			return r;
	}
	/* domain, then parent domains (.example.com style or example.com) */
	if ((how & MAP_ADDR_DOMAIN) && at != NULL) {
		const char *dom = at + 1;

		if ((r = try(map, dom, value_r, error_r)) != MAP_NOTFOUND)
			return r;
		if (how & MAP_ADDR_PARENTS) {
			for (const char *p = strchr(dom, '.'); p != NULL; p = strchr(p + 1, '.')) {
				if ((r = try(map, p + 1, value_r, error_r)) != MAP_NOTFOUND)
					return r;
			}
		} else {
			for (const char *p = strchr(dom, '.'); p != NULL; p = strchr(p + 1, '.')) {
				if ((r = try(map, p, value_r, error_r)) != MAP_NOTFOUND)
					return r;
			}
		}
	}
	return MAP_NOTFOUND;
}
