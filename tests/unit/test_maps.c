/* test_maps - lib/maps: opening, folding, errors, the address search order */
#include "config.h"

#include <fcntl.h>

#include "maps/maps.h"
#include "test.h"

static struct map *open_ok(const char *spec)
{
	struct map *m = NULL;
	const char *error;

	if (map_open(spec, 0, &m, &error) < 0)
		T_FAIL("open %s: %s", spec, error);
	return m;
}

static void test_open_errors(void)
{
	struct map *m;
	const char *error;

	T_INTEQ(map_open("nosuchtype:x", 0, &m, &error), -1);
	T_STREQ(error, "unsupported dictionary type: nosuchtype");
	T_INTEQ(map_open("noname", 0, &m, &error), -1);
	T_INTEQ(map_open("environ:", 0, &m, &error), -1);
	T_INTEQ(map_open("hash:/nonexistent/table", 0, &m, &error), -1);
	T_STREQ(error, "open database /nonexistent/table.lmdb: No such file or directory");
	T_INTEQ(map_open("unix:shadow.byname", 0, &m, &error), -1);
	T_ASSERT(map_open("proxy:static:x", 0, &m, &error) == 0);	/* proxy: passes through */
	T_STREQ(map_type(m), "static");
	map_abort(&m);
}

static void test_error_is_not_notfound(void)
{
	struct map *m = open_ok("fail:broken");
	const char *value, *error = NULL;

	T_INTEQ(map_lookup(m, "anything", &value, &error), MAP_ERROR);
	T_ASSERT(error != NULL);
	map_abort(&m);
}

static void test_address_search_order(void)
{
	static const struct {
		const char *addr;
		unsigned how;
		const char *want;	/* NULL = not found */
	} rows[] = {
		{ "user+ext@example.com", MAP_ADDR_USER_AT_DOMAIN, "full" },
		{ "user+other@example.com", MAP_ADDR_USER_AT_DOMAIN, "base" },
		{ "user+other@example.com", MAP_ADDR_USER_AT_DOMAIN | MAP_ADDR_AT_DOMAIN, "base" },
		{ "nobody@example.com", MAP_ADDR_USER_AT_DOMAIN | MAP_ADDR_AT_DOMAIN, "catchall" },
		{ "nobody@example.com", MAP_ADDR_USER_AT_DOMAIN, NULL },
		{ "local+x@elsewhere.org", MAP_ADDR_USER_AT_DOMAIN | MAP_ADDR_USER, "localpart" },
		{ "local+x@elsewhere.org", MAP_ADDR_USER_AT_DOMAIN, NULL },
		{ "a@sub.example.net", MAP_ADDR_DOMAIN, "dotted-parent" },
		{ "a@sub.example.net", MAP_ADDR_DOMAIN | MAP_ADDR_PARENTS, "parent" },
		{ "USER+EXT@EXAMPLE.COM", MAP_ADDR_USER_AT_DOMAIN, "full" },
	};
	struct map *m = open_ok("inline:{ user+ext@example.com=full, user@example.com=base, "
				"@example.com=catchall, local=localpart, .example.net=dotted-parent, "
				"example.net=parent }");
	const char *value, *error;

	for (size_t i = 0; i < TEST_COUNT(rows); i++) {
		int r = map_lookup_address(m, rows[i].addr, "+", rows[i].how, &value, &error);

		if (rows[i].want == NULL)
			T_ASSERT_MSG(r == MAP_NOTFOUND, "row %zu: found %s", i, value);
		else
			T_ASSERT_MSG(r == MAP_FOUND && strcmp(value, rows[i].want) == 0,
				     "row %zu: %d %s", i, r, r == MAP_FOUND ? value : "");
	}
	map_abort(&m);
}

static void test_update_and_iterate_lmdb(void)
{
	char tmpl[] = "/tmp/test_maps.XXXXXX";
	char *dir = mkdtemp(tmpl), spec[256];
	struct map *m;
	const char *error, *k, *v;
	int n = 0;

	snprintf(spec, sizeof(spec), "lmdb:%s/t", dir);
	T_INTEQ(map_open(spec, MAP_FLAG_CREATE, &m, &error), 0);
	T_INTEQ(map_update(m, "B", "2", &error), MAP_FOUND);
	T_INTEQ(map_update(m, "a", "1", &error), MAP_FOUND);
	T_INTEQ(map_update(m, "b", "dup", &error), MAP_NOTFOUND);	/* folded: duplicate */
	T_INTEQ(map_close(&m, &error), 0);
	m = open_ok(spec);
	T_INTEQ(map_lookup(m, "b", &v, &error), MAP_FOUND);
	T_STREQ(v, "2");
	for (int r = map_first(m, &k, &v, &error); r == MAP_FOUND; r = map_next(m, &k, &v, &error))
		n++;
	T_INTEQ(n, 2);
	map_abort(&m);
}

static void test_reopen_after_rebuild(void)
{
	char tmpl[] = "/tmp/test_maps.XXXXXX";
	char *dir = mkdtemp(tmpl), spec[256];
	struct map *w, *r;
	const char *error, *v;

	snprintf(spec, sizeof(spec), "hash:%s/t", dir);
	T_INTEQ(map_open(spec, MAP_FLAG_CREATE, &w, &error), 0);
	map_update(w, "k", "old", &error);
	T_INTEQ(map_close(&w, &error), 0);
	r = open_ok(spec);
	T_INTEQ(map_lookup(r, "k", &v, &error), MAP_FOUND);
	T_STREQ(v, "old");
	/* a rebuild replaces the file; the open reader notices within a second */
	T_INTEQ(map_open(spec, MAP_FLAG_CREATE, &w, &error), 0);
	map_update(w, "k", "new", &error);
	T_INTEQ(map_close(&w, &error), 0);
	sleep(1);
	T_INTEQ(map_lookup(r, "k", &v, &error), MAP_FOUND);
	T_STREQ(v, "new");
	map_abort(&r);
}

static void test_regexp_substitution(void)
{
	struct map *m = open_ok("regexp:{ {/^(.*)@(.*)$/ user=$1 domain=${2} cost=$$5}, {/x/ y} }");
	const char *v, *error;

	T_INTEQ(map_lookup(m, "joe@example.com", &v, &error), MAP_FOUND);
	T_STREQ(v, "user=joe domain=example.com cost=$5");
	map_abort(&m);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_open_errors),
		TEST(test_error_is_not_notfound),
		TEST(test_address_search_order),
		TEST(test_update_and_iterate_lmdb),
		TEST(test_regexp_substitution),
		TEST(test_reopen_after_rebuild),
	};
	return test_run(cases, TEST_COUNT(cases));
}
