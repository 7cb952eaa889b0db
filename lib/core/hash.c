/* hash - string-keyed hash table (see hash.h). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/hash.h"
#include "core/mem.h"

struct hash_slot {
	char *key;
	void *value;
};

struct hash {
	struct hash_slot *slots;
	size_t size;	/* power of two */
	size_t count;
};

/* hash_fn - FNV-1a */
static size_t hash_fn(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

struct hash *hash_create(size_t size_hint)
{
	struct hash *h = xcalloc(1, sizeof(*h));

	h->size = 16;
	while (h->size < size_hint * 2)
		h->size *= 2;
	h->slots = xcalloc(h->size, sizeof(*h->slots));
	return h;
}

void hash_destroy(struct hash **hp, void (*free_value)(void *))
{
	struct hash *h = *hp;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->size; i++) {
		if (h->slots[i].key == NULL)
			continue;
		xfree(h->slots[i].key);
		if (free_value != NULL)
			free_value(h->slots[i].value);
	}
	xfree(h->slots);
	xfree(h);
	*hp = NULL;
}

/* find_slot - slot holding key, or the empty slot where it would go */
static struct hash_slot *find_slot(const struct hash *h, const char *key)
{
	size_t i = hash_fn(key) & (h->size - 1);

	while (h->slots[i].key != NULL && strcmp(h->slots[i].key, key) != 0)
		i = (i + 1) & (h->size - 1);
	return &h->slots[i];
}

void *hash_lookup(const struct hash *h, const char *key)
{
	return find_slot(h, key)->value;
}

/* grow - double the table */
static void grow(struct hash *h)
{
	struct hash_slot *old = h->slots;
	size_t old_size = h->size, i;

	h->size *= 2;
	h->slots = xcalloc(h->size, sizeof(*h->slots));
	for (i = 0; i < old_size; i++)
		if (old[i].key != NULL)
			*find_slot(h, old[i].key) = old[i];
	xfree(old);
}

void *hash_insert(struct hash *h, const char *key, void *value)
{
	struct hash_slot *s;
	void *prev;

	if ((h->count + 1) * 2 > h->size)
		grow(h);
	s = find_slot(h, key);
	if (s->key == NULL) {
		s->key = xstrdup(key);
		s->value = value;
		h->count++;
		return NULL;
	}
	prev = s->value;
	s->value = value;
	return prev;
}

size_t hash_count(const struct hash *h)
{
	return h->count;
}

int hash_iter(const struct hash *h, size_t *i, const char **key_r, void **value_r)
{
	while (*i < h->size) {
		struct hash_slot *s = &h->slots[(*i)++];

		if (s->key != NULL) {
			*key_r = s->key;
			*value_r = s->value;
			return 1;
		}
	}
	return 0;
}
