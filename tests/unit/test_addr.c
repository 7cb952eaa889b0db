/* test_addr - lib/mail/addr: SMTP paths, quoting, extensions, host names */
#include "config.h"

#include "core/mem.h"
#include "mail/addr.h"
#include "test.h"

static void test_parse_path(void)
{
	static const struct { const char *in; int strict; int ok; const char *addr, *params; } cases[] = {
		{ "<user@example.com>", 1, 1, "user@example.com", "" },
		{ " <user@example.com> SIZE=100 BODY=8BITMIME", 1, 1, "user@example.com", "SIZE=100 BODY=8BITMIME" },
		{ "<>", 1, 1, "", "" },
		{ "<postmaster>", 1, 1, "postmaster", "" },
		{ "<\"john doe\"@example.com>", 1, 1, "john doe@example.com", "" },
		{ "<\"a@b\"@example.com>", 1, 1, "a@b@example.com", "" },
		{ "<\"q\\\"x\"@example.com>", 1, 1, "q\"x@example.com", "" },
		{ "<@relay.example,@other.example:user@example.com>", 1, 1, "user@example.com", "" },
		{ "user@example.com", 0, 1, "user@example.com", "" },
		{ "user@example.com", 1, 0, NULL, NULL },
		{ "<user@example.com", 1, 0, NULL, NULL },
		{ "<user@example.com>x", 1, 0, NULL, NULL },
		{ "<us er@example.com>", 1, 0, NULL, NULL },
		{ "<\"unbalanced@example.com>", 1, 0, NULL, NULL },
		{ "<user\x01@example.com>", 1, 0, NULL, NULL },
		{ "<@route.only>", 1, 0, NULL, NULL },
		{ "", 0, 0, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < TEST_COUNT(cases); i++) {
		char *addr = NULL;
		const char *params, *error;
		int r = addr_parse_path(cases[i].in, cases[i].strict, &addr, &params, &error);

		T_ASSERT_MSG((r == 0) == cases[i].ok, "case %zu (%s): got %d", i, cases[i].in, r);
		if (r == 0 && cases[i].ok) {
			T_ASSERT_MSG(strcmp(addr, cases[i].addr) == 0, "case %zu: addr %s", i, addr);
			T_ASSERT_MSG(strcmp(params, cases[i].params) == 0, "case %zu: params %s", i, params);
		}
		xfree(addr);
	}
}

static void test_quote_and_split(void)
{
	char *q, *l, *d, *ext = NULL, *base;

	q = addr_quote("john doe@example.com");
	T_STREQ(q, "\"john doe\"@example.com");
	xfree(q);
	q = addr_quote("plain.user@example.com");
	T_STREQ(q, "plain.user@example.com");
	xfree(q);
	q = addr_quote("a..b@example.com");
	T_STREQ(q, "\"a..b\"@example.com");
	xfree(q);
	addr_split("a@b@example.com", &l, &d);
	T_STREQ(l, "a@b");
	T_STREQ(d, "example.com");
	xfree(l);
	xfree(d);
	base = addr_strip_extension("user+tag@example.com", "+", &ext);
	T_STREQ(base, "user@example.com");
	T_STREQ(ext, "tag");
	xfree(base);
	xfree(ext);
	T_ASSERT(addr_strip_extension("user@example.com", "+", &ext) == NULL);
	T_ASSERT(addr_strip_extension("+lead@example.com", "+", &ext) == NULL);
	T_ASSERT(addr_strip_extension("user+x@example.com", "", &ext) == NULL);
	q = addr_fold_domain("User@EXAMPLE.Com");
	T_STREQ(q, "User@example.com");
	xfree(q);
}

static void test_hostnames(void)
{
	const char *ip;

	T_ASSERT(addr_valid_hostname("mail.example.com"));
	T_ASSERT(addr_valid_hostname("localhost"));
	T_ASSERT(!addr_valid_hostname("-bad.example.com"));
	T_ASSERT(!addr_valid_hostname("bad-.example.com"));
	T_ASSERT(!addr_valid_hostname("a..b"));
	T_ASSERT(!addr_valid_hostname("1.2.3.4"));
	T_ASSERT(!addr_valid_hostname("sp ace"));
	T_ASSERT(addr_is_fqdn("mail.example.com"));
	T_ASSERT(!addr_is_fqdn("localhost"));
	T_ASSERT(addr_is_ip_literal("[127.0.0.1]", &ip));
	T_STREQ(ip, "127.0.0.1");
	T_ASSERT(addr_is_ip_literal("[IPv6:::1]", &ip));
	T_STREQ(ip, "::1");
	T_ASSERT(!addr_is_ip_literal("[999.1.1.1]", &ip));
	T_ASSERT(!addr_is_ip_literal("example.com", &ip));
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_parse_path),
		TEST(test_quote_and_split),
		TEST(test_hostnames),
	};
	return test_run(cases, TEST_COUNT(cases));
}
