/* test_userlist - lib/maps/userlist: authorized_*_users matching */
#include "config.h"

#include <unistd.h>

#include "maps/userlist.h"
#include "test.h"

static void test_cases(void)
{
	static const struct { const char *list, *user; int want; } cases[] = {
		{ "static:anyone", "alice", 1 },
		{ "static:anyone", "12345", 1 },
		{ "", "alice", 0 },
		{ "root", "root", 1 },
		{ "root", "alice", 0 },
		{ "root, ALICE", "alice", 1 },		/* names are case-insensitive */
		{ "!alice, static:anyone", "alice", 0 },	/* first match wins */
		{ "!alice, static:anyone", "bob", 1 },
		{ "static:anyone, !alice", "alice", 1 },
		{ "inline:{ bob=yes }", "bob", 1 },
		{ "inline:{ bob=yes }", "carol", 0 },
		{ "!inline:{ bob=yes }, static:anyone", "bob", 0 },
	};

	for (size_t i = 0; i < TEST_COUNT(cases); i++) {
		struct userlist *ul;
		const char *error;

		T_ASSERT_MSG(userlist_open(cases[i].list, &ul, &error) == 0, "case %zu: %s", i, error);
		T_ASSERT_MSG(userlist_match(ul, cases[i].user, &error) == cases[i].want,
			     "case %zu: \"%s\" ~ \"%s\"", i, cases[i].list, cases[i].user);
		userlist_close(&ul);
		T_ASSERT(ul == NULL);
	}
}

static void test_bad_table(void)
{
	struct userlist *ul = NULL;
	const char *error;

	T_INTEQ(userlist_open("nosuchtype:/x", &ul, &error), -1);
	T_ASSERT(ul == NULL);
	userlist_close(&ul);
}

static void test_uid(void)
{
	struct userlist *ul;
	const char *error, *name;

	userlist_names_load();
	T_STREQ(userlist_uid_name(0), "root");
	T_INTEQ(userlist_open("!root, static:anyone", &ul, &error), 0);
	T_INTEQ(userlist_match_uid(ul, 0, &name, &error), 0);
	T_STREQ(name, "root");
	/* root and the owner always pass the services' policy */
	T_INTEQ(userlist_permits(ul, 0, 4242, &name, &error), 1);
	T_INTEQ(userlist_permits(ul, 4242, 4242, &name, &error), 1);
	T_INTEQ(userlist_permits(NULL, 4243, 4242, &name, &error), 0);
	/* an unknown uid is matched by its number */
	userlist_close(&ul);
	T_INTEQ(userlist_open("3999999", &ul, &error), 0);
	T_INTEQ(userlist_match_uid(ul, 3999999, &name, &error), 1);
	T_STREQ(name, "unknown");
	userlist_close(&ul);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_cases),
		TEST(test_bad_table),
		TEST(test_uid),
	};

	return test_run(cases, TEST_COUNT(cases));
}
