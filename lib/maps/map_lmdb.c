/*
 * map_lmdb - hash:, btree: and lmdb: tables, all stored in one LMDB file
 * per table: NAME.lmdb (a NAME.db file is used for reading when no
 * NAME.lmdb exists, for tables built elsewhere under the name users
 * expect).  See docs/maps.md.
 *
 * Writers never modify a table in place: a new table (postmap) is built in
 * NAME.lmdb.tmp.PID and renamed over NAME.lmdb after fsync; an incremental
 * update (postmap -i, -d) copies the table first.  Readers therefore need
 * no locks (MDB_NOLOCK) and never see a half-built table; they notice the
 * rename and reopen (lib/maps/map.c).
 *
 * Values are stored with a terminating NUL so lookups can return pointers
 * into the map; keys are stored without one.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "maps/map_impl.h"

#define LMDB_WRITE_MAPSIZE ((size_t)4 << 30)	/* address space only; the file grows as used */

struct lmdb_map {
	MDB_env *env;
	MDB_txn *txn;		/* read txn for readers, write txn for writers */
	MDB_dbi dbi;
	MDB_cursor *cursor;
	char *tmp;		/* writers: the file being built */
	int writing;
};

/* lmdb_fail - "lmdb:/path: what: mdb error" */
static int lmdb_fail(struct map *map, const char *what, int rc, const char **error_r)
{
	*error_r = map_error("%s:%s: %s: %s", map->type, map->name, what, mdb_strerror(rc));
	return -1;
}

/* env_open - environment on path with flags */
static int env_open(struct map *map, struct lmdb_map *l, const char *path, unsigned flags,
		    const char **error_r)
{
	int rc;

	if ((rc = mdb_env_create(&l->env)) != 0)
		return lmdb_fail(map, "mdb_env_create", rc, error_r);
	if (l->writing && (rc = mdb_env_set_mapsize(l->env, LMDB_WRITE_MAPSIZE)) != 0)
		return lmdb_fail(map, "mdb_env_set_mapsize", rc, error_r);
	rc = mdb_env_open(l->env, path, flags | MDB_NOSUBDIR | MDB_NOLOCK, 0644);
	if (rc == ENOENT || rc == EACCES) {
		*error_r = map_error("open database %s: %s", path, strerror(rc));
		return -1;
	}
	if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
		*error_r = map_error("open database %s: not an LMDB table of this architecture/version "
				     "(%s): rebuild it with postmap", path, mdb_strerror(rc));
		return -1;
	}
	if (rc != 0) {
		*error_r = map_error("open database %s: %s", path, mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_txn_begin(l->env, NULL, l->writing ? 0 : MDB_RDONLY, &l->txn)) != 0)
		return lmdb_fail(map, "mdb_txn_begin", rc, error_r);
	if ((rc = mdb_dbi_open(l->txn, NULL, 0, &l->dbi)) != 0)
		return lmdb_fail(map, "mdb_dbi_open", rc, error_r);
	return 0;
}

/* release - close everything; remove the temp file unless committed */
static void release(struct lmdb_map *l)
{
	if (l->cursor != NULL)
		mdb_cursor_close(l->cursor);
	if (l->txn != NULL)
		mdb_txn_abort(l->txn);
	if (l->env != NULL)
		mdb_env_close(l->env);
	if (l->tmp != NULL)
		unlink(l->tmp);
	xfree(l->tmp);
	xfree(l);
}

static int lmdb_open(struct map *map, const char **error_r)
{
	struct lmdb_map *l = xcalloc(1, sizeof(*l));
	struct stat st;

	map->file = xasprintf("%s.lmdb", map->name);
	if (!(map->flags & (MAP_FLAG_CREATE | MAP_FLAG_WRITE)) && stat(map->file, &st) < 0) {
		char *db = xasprintf("%s.db", map->name);

		if (stat(db, &st) == 0) {
			xfree(map->file);
			map->file = db;
		} else {
			xfree(db);
		}
	}
	l->writing = (map->flags & (MAP_FLAG_CREATE | MAP_FLAG_WRITE)) != 0;
	if (l->writing) {
		l->tmp = xasprintf("%s.tmp.%ld", map->file, (long)getpid());
		unlink(l->tmp);
		if (map->flags & MAP_FLAG_WRITE) {
			/* incremental: start from a copy of the current table */
			MDB_env *src;
			int rc;

			if ((rc = mdb_env_create(&src)) != 0
			    || (rc = mdb_env_open(src, map->file, MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK, 0644)) != 0
			    || (rc = mdb_env_copy2(src, l->tmp, 0)) != 0) {
				if (rc == ENOENT)
					*error_r = map_error("open database %s: %s", map->file, strerror(rc));
				else
					*error_r = map_error("copy database %s: %s", map->file, mdb_strerror(rc));
				mdb_env_close(src);
				release(l);
				return -1;
			}
			mdb_env_close(src);
		}
		if (env_open(map, l, l->tmp, 0, error_r) < 0) {
			release(l);
			return -1;
		}
	} else if (env_open(map, l, map->file, MDB_RDONLY, error_r) < 0) {
		release(l);
		return -1;
	}
	map->data = l;
	return 0;
}

static int lmdb_lookup(struct map *map, const char *key, const char **value_r, const char **error_r)
{
	struct lmdb_map *l = map->data;
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	if (k.mv_size == 0 || k.mv_size > (size_t)mdb_env_get_maxkeysize(l->env))
		return MAP_NOTFOUND;
	rc = mdb_get(l->txn, l->dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return MAP_NOTFOUND;
	if (rc != 0) {
		lmdb_fail(map, "lookup", rc, error_r);
		return MAP_ERROR;
	}
	if (v.mv_size == 0 || ((const char *)v.mv_data)[v.mv_size - 1] != '\0') {
		*error_r = map_error("%s:%s: corrupt value for key \"%s\"", map->type, map->name, key);
		return MAP_ERROR;
	}
	*value_r = v.mv_data;
	return MAP_FOUND;
}

static int lmdb_update(struct map *map, const char *key, const char *value, const char **error_r)
{
	struct lmdb_map *l = map->data;
	MDB_val k = { strlen(key), (void *)key }, v = { strlen(value) + 1, (void *)value };
	unsigned flags = (map->flags & MAP_FLAG_DUP_REPLACE) ? 0 : MDB_NOOVERWRITE;
	int rc;

	if (!l->writing) {
		*error_r = map_error("%s:%s: table is open read-only", map->type, map->name);
		return MAP_ERROR;
	}
	if (k.mv_size == 0 || k.mv_size > (size_t)mdb_env_get_maxkeysize(l->env)) {
		*error_r = map_error("key of %zu bytes is %s (the limit is %d bytes)", k.mv_size,
				     k.mv_size == 0 ? "empty" : "too long", mdb_env_get_maxkeysize(l->env));
		return MAP_ERROR;
	}
	rc = mdb_put(l->txn, l->dbi, &k, &v, flags);
	if (rc == MDB_KEYEXIST)
		return MAP_NOTFOUND;
	if (rc != 0) {
		lmdb_fail(map, "update", rc, error_r);
		return MAP_ERROR;
	}
	return MAP_FOUND;
}

static int lmdb_remove(struct map *map, const char *key, const char **error_r)
{
	struct lmdb_map *l = map->data;
	MDB_val k = { strlen(key), (void *)key };
	int rc;

	if (k.mv_size == 0 || k.mv_size > (size_t)mdb_env_get_maxkeysize(l->env))
		return MAP_NOTFOUND;
	rc = mdb_del(l->txn, l->dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return MAP_NOTFOUND;
	if (rc != 0) {
		lmdb_fail(map, "delete", rc, error_r);
		return MAP_ERROR;
	}
	return MAP_FOUND;
}

/* cursor_get - one iteration step */
static int cursor_get(struct map *map, MDB_cursor_op op, const char **key_r, const char **value_r,
		      const char **error_r)
{
	struct lmdb_map *l = map->data;
	MDB_val k, v;
	int rc;

	if (l->cursor == NULL && (rc = mdb_cursor_open(l->txn, l->dbi, &l->cursor)) != 0) {
		lmdb_fail(map, "cursor", rc, error_r);
		return MAP_ERROR;
	}
	rc = mdb_cursor_get(l->cursor, &k, &v, op);
	if (rc == MDB_NOTFOUND)
		return MAP_NOTFOUND;
	if (rc != 0) {
		lmdb_fail(map, "sequence", rc, error_r);
		return MAP_ERROR;
	}
	buf_set(&map->key, k.mv_data, k.mv_size);
	*key_r = buf_cstr(&map->key);
	*value_r = v.mv_size > 0 && ((char *)v.mv_data)[v.mv_size - 1] == '\0' ? v.mv_data : "";
	return MAP_FOUND;
}

static int lmdb_first(struct map *map, const char **key_r, const char **value_r, const char **error_r)
{
	return cursor_get(map, MDB_FIRST, key_r, value_r, error_r);
}

static int lmdb_next(struct map *map, const char **key_r, const char **value_r, const char **error_r)
{
	return cursor_get(map, MDB_NEXT, key_r, value_r, error_r);
}

static int lmdb_close(struct map *map, int commit, const char **error_r)
{
	struct lmdb_map *l = map->data;
	int rc, ret = 0;

	if (l == NULL)
		return 0;
	map->data = NULL;
	if (l->cursor != NULL) {
		mdb_cursor_close(l->cursor);
		l->cursor = NULL;
	}
	if (l->writing && commit) {
		rc = mdb_txn_commit(l->txn);
		l->txn = NULL;
		if (rc == 0)
			rc = mdb_env_sync(l->env, 1);
		if (rc != 0) {
			ret = lmdb_fail(map, "commit", rc, error_r);
		} else {
			mdb_env_close(l->env);
			l->env = NULL;
			if (rename(l->tmp, map->file) < 0) {
				*error_r = map_error("rename %s to %s: %s", l->tmp, map->file, strerror(errno));
				ret = -1;
			} else {
				xfree(l->tmp);
				l->tmp = NULL;
				ret = fsync_parent(map->file, error_r);
			}
		}
	}
	release(l);
	return ret;
}

#define LMDB_OPS(name) { name, 1, lmdb_open, lmdb_lookup, lmdb_update, lmdb_remove, \
			 lmdb_first, lmdb_next, lmdb_close }
const struct map_ops map_ops_lmdb = LMDB_OPS("lmdb");
const struct map_ops map_ops_hash = LMDB_OPS("hash");
const struct map_ops map_ops_btree = LMDB_OPS("btree");
