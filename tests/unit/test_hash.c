/* test_hash - lib/core/hash */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>

#include "core/hash.h"
#include "test.h"

static void test_insert_lookup_replace_iterate(void)
{
	struct hash *h = hash_create(0);
	char key[32];
	size_t i, it = 0, seen = 0;
	const char *k;
	void *v;

	for (i = 1; i <= 5000; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		T_ASSERT(hash_insert(h, key, (void *)i) == NULL);
	}
	T_INTEQ(hash_count(h), 5000);
	T_ASSERT(hash_lookup(h, "k4242") == (void *)4242);
	T_ASSERT(hash_lookup(h, "nope") == NULL);
	T_ASSERT(hash_insert(h, "k1", (void *)7) == (void *)1);
	T_INTEQ(hash_count(h), 5000);
	while (hash_iter(h, &it, &k, &v))
		seen++;
	T_INTEQ(seen, 5000);
	hash_destroy(&h, NULL);
	T_ASSERT(h == NULL);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_insert_lookup_replace_iterate),
	};
	return test_run(cases, TEST_COUNT(cases));
}
