/*
 * cache - the auth cache (auth_cache_size, auth_cache_ttl,
 * auth_cache_negative_ttl): passdb results keyed by passdb and user name.
 *
 * An entry is positive (the stored password, or a SHA-256 of a password a
 * verifying driver accepted, plus the extra fields, one "k=v" per line) or
 * negative (user not found).  Entries older than their TTL are misses.
 * The byte budget counts keys and values; when it is exceeded the oldest
 * entries go first.  auth_cache_size 0 disables the cache.
 */
#ifndef PC_AUTH_CACHE_H
#define PC_AUTH_CACHE_H

#include <stddef.h>
#include <time.h>

struct auth_cache;

struct auth_cache *auth_cache_create(size_t max_bytes, unsigned ttl, unsigned negative_ttl);
void auth_cache_destroy(struct auth_cache **cp);
/*
 * auth_cache_lookup - 1 positive hit (*value_r valid until the next cache
 * call), 0 negative hit, -1 miss.  now is the current time (tests pass
 * their own).
 */
int auth_cache_lookup(struct auth_cache *c, const char *key, time_t now, const char **value_r);
/* auth_cache_insert - value NULL stores a negative entry */
void auth_cache_insert(struct auth_cache *c, const char *key, const char *value, time_t now);
/* auth_cache_remove - forget one key (e.g. its password turned out wrong) */
void auth_cache_remove(struct auth_cache *c, const char *key);
/* auth_cache_flush - forget every entry (users NULL) or those of the listed users; returns the count */
unsigned auth_cache_flush(struct auth_cache *c, const char *const *users);
/* auth_cache_count - live entries */
size_t auth_cache_count(const struct auth_cache *c);

#endif
