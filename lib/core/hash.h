/*
 * hash - string-keyed hash table (open addressing, linear probing).
 *
 * Keys are copied and owned by the table; values are opaque pointers owned
 * by the caller (hash_destroy can call a free function for them).  Iteration
 * order is unspecified.  Not for peer-controlled keys without a limit on
 * the number of entries (callers bound their input).
 */
#ifndef PC_CORE_HASH_H
#define PC_CORE_HASH_H

#include <stddef.h>

struct hash;

struct hash *hash_create(size_t size_hint);
/* hash_destroy - free the table; free_value (may be NULL) is called for every value */
void hash_destroy(struct hash **hp, void (*free_value)(void *));
/* hash_lookup - value for key, or NULL */
void *hash_lookup(const struct hash *h, const char *key);
/* hash_insert - insert or replace; returns the previous value (or NULL) */
void *hash_insert(struct hash *h, const char *key, void *value);
/* hash_count - number of entries */
size_t hash_count(const struct hash *h);
/* hash_iter - visit entries; i starts at 0; returns 0 at the end */
int hash_iter(const struct hash *h, size_t *i, const char **key_r, void **value_r);

#endif
