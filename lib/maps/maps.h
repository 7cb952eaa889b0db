/*
 * maps - Postfix lookup tables ("type:name"): one API for every table type.
 *
 * map_open("hash:/etc/postfix/virtual", flags, &map, &error) opens a table;
 * map_lookup() returns MAP_FOUND with the value, MAP_NOTFOUND, or MAP_ERROR
 * with a reason: a broken or missing table is an error, never "not found",
 * so callers defer mail instead of rejecting it.  "proxy:type:name" is
 * accepted and opens type:name directly (no proxymap service yet).
 *
 * Case folding: keys of fixed-key tables (hash, btree, lmdb, texthash,
 * inline, static, environ, unix) are lower-cased when stored and when looked
 * up, unless MAP_FLAG_NO_FOLD is given (postmap -f).
 *
 * File-backed tables notice when their file was replaced (postmap rebuilds
 * by rename) and reopen it on the next lookup.
 *
 * Values returned stay valid until the next call on the same map.
 * Error strings are static until the next call into this module.
 */
#ifndef PC_MAPS_MAPS_H
#define PC_MAPS_MAPS_H

#include <stddef.h>

struct map;

#define MAP_FOUND	1
#define MAP_NOTFOUND	0
#define MAP_ERROR	(-1)

/* map_open flags */
#define MAP_FLAG_NO_FOLD	(1u << 0)	/* keep key case (postmap -f) */
#define MAP_FLAG_WRITE		(1u << 1)	/* open for update/delete */
#define MAP_FLAG_CREATE		(1u << 2)	/* build a new empty table (postmap) */
#define MAP_FLAG_DUP_REPLACE	(1u << 3)	/* update replaces an existing key (postmap -r) */
#define MAP_FLAG_DUP_IGNORE	(1u << 4)	/* update keeps the first value silently (-w) */

/* map_open - open "type:name"; -1 and an error ("unsupported dictionary type: x") */
int map_open(const char *spec, unsigned flags, struct map **map_r, const char **error_r);
/* map_close - commit pending updates (for MAP_FLAG_CREATE: atomically replace the table) */
int map_close(struct map **mapp, const char **error_r);
/* map_abort - discard pending updates and close */
void map_abort(struct map **mapp);

/* map_lookup - exact key lookup */
int map_lookup(struct map *map, const char *key, const char **value_r, const char **error_r);
/*
 * map_update - store key -> value.  Returns MAP_FOUND when stored,
 * MAP_NOTFOUND when the key existed and was kept (first value wins: the
 * caller warns "duplicate entry" unless -w), MAP_ERROR on failure.
 */
int map_update(struct map *map, const char *key, const char *value, const char **error_r);
/* map_update_exact - map_update without case folding (postalias's YP_* entries) */
int map_update_exact(struct map *map, const char *key, const char *value, const char **error_r);
/* map_delete - remove key: MAP_FOUND, MAP_NOTFOUND or MAP_ERROR */
int map_delete(struct map *map, const char *key, const char **error_r);
/* map_first / map_next - iterate (database order); MAP_FOUND, MAP_NOTFOUND at the end, MAP_ERROR */
int map_first(struct map *map, const char **key_r, const char **value_r, const char **error_r);
int map_next(struct map *map, const char **key_r, const char **value_r, const char **error_r);

/* map_type / map_name / map_file - "hash", "/etc/postfix/virtual", "/etc/postfix/virtual.lmdb" */
const char *map_type(const struct map *map);
const char *map_name(const struct map *map);
const char *map_file(const struct map *map);
/* map_fixed_keys - 1 for tables with literal keys (folding applies), 0 for regexp/pcre/cidr */
int map_fixed_keys(const struct map *map);

/*
 * map_lookup_address - Postfix's search order for an address in an
 * aliases/virtual/canonical/access table: user+ext@domain, user@domain
 * (when delimiter-stripped), user+ext, user (only if domain is local, as
 * the caller says), @domain; returns the first found.  Only the steps the
 * caller's table kind allows are taken (see the flags).
 */
#define MAP_ADDR_USER_AT_DOMAIN	(1u << 0)
#define MAP_ADDR_USER		(1u << 1)	/* bare localpart (caller: domain is local) */
#define MAP_ADDR_AT_DOMAIN	(1u << 2)
#define MAP_ADDR_DOMAIN		(1u << 3)	/* access maps: domain, then parent domains */
#define MAP_ADDR_PARENTS	(1u << 4)	/* with DOMAIN: .parent.domain (parent_domain_matches_subdomains) */
int map_lookup_address(struct map *map, const char *address, const char *delimiters,
		       unsigned how, const char **value_r, const char **error_r);

/* map_types - NULL-terminated list of supported types (postconf -m) */
const char *const *map_types(void);

#endif
