/*
 * map_impl.h - what a table type implements (lib/maps internal).
 */
#ifndef PC_MAPS_MAP_IMPL_H
#define PC_MAPS_MAP_IMPL_H

#include <sys/stat.h>

#include "core/buf.h"
#include "maps/maps.h"

struct map_ops {
	const char *type;
	int fixed_keys;		/* literal keys: case folding applies */
	int (*open)(struct map *map, const char **error_r);
	int (*lookup)(struct map *map, const char *key, const char **value_r, const char **error_r);
	int (*update)(struct map *map, const char *key, const char *value, const char **error_r);
	int (*remove)(struct map *map, const char *key, const char **error_r);
	int (*first)(struct map *map, const char **key_r, const char **value_r, const char **error_r);
	int (*next)(struct map *map, const char **key_r, const char **value_r, const char **error_r);
	int (*close)(struct map *map, int commit, const char **error_r);
};

struct map {
	const struct map_ops *ops;
	char *type;
	char *name;		/* after "type:" */
	char *file;		/* file holding the data (may equal name), or NULL */
	unsigned flags;
	struct stat st;		/* of file when opened (change detection) */
	long long checked;	/* last change check (seconds) */
	struct buf key;		/* folded key scratch */
	struct buf value;	/* value scratch for types that build values */
	void *data;		/* type-specific */
};

/* map_error - format an error into the module's static buffer */
const char *map_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern const struct map_ops map_ops_lmdb, map_ops_hash, map_ops_btree;
extern const struct map_ops map_ops_texthash, map_ops_inline, map_ops_static, map_ops_fail;
extern const struct map_ops map_ops_environ, map_ops_unix;
extern const struct map_ops map_ops_regexp, map_ops_pcre, map_ops_cidr;

#endif
