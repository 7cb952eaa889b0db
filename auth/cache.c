/*
 * cache.c - the auth cache (see cache.h).  A hash table of entries plus a
 * doubly linked list in insertion order for eviction.  lib/core's hash has
 * no delete, so removal stores NULL and the table is rebuilt when dead
 * keys outnumber live ones.
 */
#include "config.h"

#include <string.h>

#include "cache.h"
#include "core/hash.h"
#include "core/mem.h"

struct cache_entry {
	char *key, *value;	/* value NULL = negative */
	time_t created;
	size_t bytes;
	struct cache_entry *prev, *next;
};

struct auth_cache {
	struct hash *table;
	struct cache_entry *oldest, *newest;
	size_t bytes, max_bytes, live, dead;
	unsigned ttl, negative_ttl;
};

struct auth_cache *auth_cache_create(size_t max_bytes, unsigned ttl, unsigned negative_ttl)
{
	struct auth_cache *c = xcalloc(1, sizeof(*c));

	c->table = hash_create(64);
	c->max_bytes = max_bytes;
	c->ttl = ttl;
	c->negative_ttl = negative_ttl;
	return c;
}

/* entry_unlink - out of the list and the table, freed */
static void entry_unlink(struct auth_cache *c, struct cache_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->oldest = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->newest = e->prev;
	hash_insert(c->table, e->key, NULL);
	c->bytes -= e->bytes;
	c->live--;
	c->dead++;
	xfree(e->key);
	xfree(e->value);
	xfree(e);
}

/* cache_rebuild - a fresh table without the dead keys */
static void cache_rebuild(struct auth_cache *c)
{
	struct cache_entry *e;

	hash_destroy(&c->table, NULL);
	c->table = hash_create(c->live * 2 + 64);
	for (e = c->oldest; e != NULL; e = e->next)
		hash_insert(c->table, e->key, e);
	c->dead = 0;
}

void auth_cache_destroy(struct auth_cache **cp)
{
	struct auth_cache *c = *cp;

	if (c == NULL)
		return;
	auth_cache_flush(c, NULL);
	hash_destroy(&c->table, NULL);
	xfree(c);
	*cp = NULL;
}

int auth_cache_lookup(struct auth_cache *c, const char *key, time_t now, const char **value_r)
{
	struct cache_entry *e = hash_lookup(c->table, key);

	if (e == NULL)
		return -1;
	if (now - e->created >= (time_t)(e->value != NULL ? c->ttl : c->negative_ttl)) {
		entry_unlink(c, e);
		return -1;
	}
	*value_r = e->value;
	return e->value != NULL ? 1 : 0;
}

void auth_cache_insert(struct auth_cache *c, const char *key, const char *value, time_t now)
{
	struct cache_entry *e = hash_lookup(c->table, key);

	if (c->max_bytes == 0 || (value == NULL && c->negative_ttl == 0))
		return;
	if (e != NULL)
		entry_unlink(c, e);
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->value = value != NULL ? xstrdup(value) : NULL;
	e->created = now;
	e->bytes = sizeof(*e) + strlen(key) + (value != NULL ? strlen(value) : 0);
	e->prev = c->newest;
	if (c->newest != NULL)
		c->newest->next = e;
	else
		c->oldest = e;
	c->newest = e;
	hash_insert(c->table, e->key, e);
	c->bytes += e->bytes;
	c->live++;
	while (c->bytes > c->max_bytes && c->oldest != NULL && c->oldest != e)
		entry_unlink(c, c->oldest);
	if (c->dead > c->live + 64)
		cache_rebuild(c);
}

void auth_cache_remove(struct auth_cache *c, const char *key)
{
	struct cache_entry *e = hash_lookup(c->table, key);

	if (e != NULL)
		entry_unlink(c, e);
}

/* key_has_user - keys are "<db index>\t<user>" */
static int key_has_user(const char *key, const char *const *users)
{
	const char *tab = strchr(key, '\t');
	size_t i;

	for (i = 0; users[i] != NULL; i++)
		if (tab != NULL && strcmp(tab + 1, users[i]) == 0)
			return 1;
	return 0;
}

unsigned auth_cache_flush(struct auth_cache *c, const char *const *users)
{
	struct cache_entry *e, *next;
	unsigned n = 0;

	for (e = c->oldest; e != NULL; e = next) {
		next = e->next;
		if (users == NULL || key_has_user(e->key, users)) {
			entry_unlink(c, e);
			n++;
		}
	}
	cache_rebuild(c);
	return n;
}

size_t auth_cache_count(const struct auth_cache *c)
{
	return c->live;
}
