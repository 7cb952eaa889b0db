/* test_smtpd_path - smtpd/path.c: MAIL FROM/RCPT TO arguments, xtext, quoting */
#include "config.h"

#include "core/mem.h"
#include "smtpd.h"
#include "test.h"

static void test_path_parse(void)
{
	static const struct {
		const char *in;
		int strict, ret;
		const char *addr;
		int routed;
		size_t nparams;
	} cases[] = {
		{ "<user@example.com>", 0, 0, "user@example.com", 0, 0 },
		{ " <user@example.com> SIZE=100 BODY=8BITMIME", 0, 0, "user@example.com", 0, 2 },
		{ "<>", 1, 0, "", 0, 0 },
		{ "<postmaster>", 1, 0, "postmaster", 0, 0 },
		{ "<\"john doe\"@example.com>", 0, 0, "john doe@example.com", 0, 0 },
		{ "<\"a@b\"@example.com>", 0, 0, "a@b@example.com", 0, 0 },
		{ "<\"q\\\"x\"@example.com>", 0, 0, "q\"x@example.com", 0, 0 },
		{ "<@relay.example,@other.example:user@example.com>", 0, 0, "user@example.com", 1, 0 },
		{ "<user%other@example.com>", 0, 0, "user%other@example.com", 0, 0 },
		{ "<other!user@example.com>", 0, 0, "other!user@example.com", 0, 0 },
		{ "<user@[192.0.2.1]>", 0, 0, "user@[192.0.2.1]", 0, 0 },
		{ "user@example.com", 0, 0, "user@example.com", 0, 0 },
		{ "user@example.com", 1, -1, NULL, 0, 0 },
		{ "", 0, -2, NULL, 0, 0 },
		{ "   ", 0, -2, NULL, 0, 0 },
		{ "<user@example.com", 0, -1, NULL, 0, 0 },
		{ "<user@example.com>x", 0, -1, NULL, 0, 0 },
		{ "<us er@example.com>", 0, -1, NULL, 0, 0 },
		{ "<\"unbalanced@example.com>", 0, -1, NULL, 0, 0 },
		{ "<user\x01@example.com>", 0, -1, NULL, 0, 0 },
		{ "<user@>", 0, -1, NULL, 0, 0 },
		{ "<user@exa mple.com>", 0, -1, NULL, 0, 0 },
		{ "<user@[1.2.3.4>", 0, -1, NULL, 0, 0 },
		{ "<@route.only>", 0, -1, NULL, 0, 0 },
		{ "<@:user@example.com>", 0, -1, NULL, 0, 0 },
		{ "<a<b@example.com>", 0, -1, NULL, 0, 0 },
	};

	for (size_t i = 0; i < TEST_COUNT(cases); i++) {
		struct path_parsed pp;
		int r = path_parse(cases[i].in, cases[i].strict, &pp);

		T_ASSERT_MSG(r == cases[i].ret, "case %zu (%s): got %d", i, cases[i].in, r);
		if (r == 0 && cases[i].ret == 0) {
			T_ASSERT_MSG(strcmp(pp.addr, cases[i].addr) == 0, "case %zu: addr %s", i, pp.addr);
			T_ASSERT_MSG(pp.routed == cases[i].routed, "case %zu: routed %d", i, pp.routed);
			T_ASSERT_MSG(pp.params.n == cases[i].nparams, "case %zu: %zu params", i, pp.params.n);
		}
		path_free(&pp);
	}
}

static void test_xtext(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "abc", "abc" }, { "a+2Bb", "a+b" }, { "x+40y.example", "x@y.example" },
		{ "a+2b", NULL }, { "a+", NULL }, { "a+4", NULL }, { "a=b", NULL }, { "a b", NULL },
	};

	for (size_t i = 0; i < TEST_COUNT(cases); i++) {
		char *r = path_xtext_decode(cases[i].in);

		if (cases[i].out == NULL)
			T_ASSERT_MSG(r == NULL, "case %zu: %s decoded", i, cases[i].in);
		else
			T_ASSERT_MSG(r != NULL && strcmp(r, cases[i].out) == 0, "case %zu: %s", i, r ? r : "(null)");
		xfree(r);
	}
}

static void test_quote(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "user@example.com", "user@example.com" },
		{ "john doe@example.com", "\"john doe\"@example.com" },
		{ "a@b@example.com", "\"a@b\"@example.com" },
		{ "q\"x@example.com", "\"q\\\"x\"@example.com" },
		{ ".lead@example.com", "\".lead\"@example.com" },
		{ "", "" },
		{ "postmaster", "postmaster" },
	};

	for (size_t i = 0; i < TEST_COUNT(cases); i++) {
		char *r = path_quote(cases[i].in);

		T_ASSERT_MSG(strcmp(r, cases[i].out) == 0, "case %zu: %s", i, r);
		xfree(r);
	}
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_path_parse),
		TEST(test_xtext),
		TEST(test_quote),
	};

	return test_run(cases, TEST_COUNT(cases));
}
