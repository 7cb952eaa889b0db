/* test_argv - lib/core/argv */
#include "config.h"

#include <fcntl.h>

#include "core/argv.h"
#include "core/mem.h"
#include "test.h"

static void test_add_and_terminate(void)
{
	struct argv a;

	argv_init(&a);
	for (int i = 0; i < 20; i++)
		argv_add_printf(&a, "item%d", i);
	T_INTEQ(a.n, 20);
	T_STREQ(a.v[19], "item19");
	T_ASSERT(a.v[20] == NULL);
	argv_truncate(&a, 2);
	T_INTEQ(a.n, 2);
	T_ASSERT(a.v[2] == NULL);
	argv_deinit(&a);
}

static void test_split(void)
{
	static const struct {
		const char *in;
		const char *joined;
		size_t n;
	} rows[] = {
		{ "a, b c,d", "a|b|c|d", 4 },
		{ "", "", 0 },
		{ " ,, ", "", 0 },
		{ "single", "single", 1 },
		{ "\tx\n y ", "x|y", 2 },
	};
	for (size_t i = 0; i < TEST_COUNT(rows); i++) {
		struct argv *a = argv_split(rows[i].in, ", \t\n");
		char *j = argv_join(a, "|");

		T_ASSERT_MSG(a->n == rows[i].n, "row %zu: n=%zu", i, a->n);
		T_ASSERT_MSG(strcmp(j, rows[i].joined) == 0, "row %zu: got \"%s\"", i, j);
		xfree(j);
		argv_destroy(&a);
		T_ASSERT(a == NULL);
	}
}

static void test_addn(void)
{
	struct argv a;

	argv_init(&a);
	argv_addn(&a, "abcdef", 3);
	argv_add(&a, "");
	T_STREQ(a.v[0], "abc");
	T_STREQ(a.v[1], "");
	argv_deinit(&a);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_add_and_terminate),
		TEST(test_split),
		TEST(test_addn),
	};
	return test_run(cases, TEST_COUNT(cases));
}
