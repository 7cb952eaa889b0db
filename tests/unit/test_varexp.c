/*
 * test_varexp - lib/core varexp against facts recorded from the real
 * Dovecot 2.3.19.1 auth daemon: userdb static templates expanded for user
 * "Ab.C@Sub.Example.org" (and "a", "12345") and printed by doveadm user.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/varexp.h"
#include "test.h"

struct vcase {
	const char *user, *tmpl, *want;
};

/* table_for - %u %n %d %s for user (service doveadm) */
static void table_for(const char *user, struct varexp_entry t[6], char *n, char *d)
{
	const char *at = strchr(user, '@');

	if (at != NULL) {
		snprintf(n, 256, "%.*s", (int)(at - user), user);
		snprintf(d, 256, "%s", at + 1);
	} else {
		snprintf(n, 256, "%s", user);
		d[0] = '\0';
	}
	t[0] = (struct varexp_entry){ 'u', "user", user };
	t[1] = (struct varexp_entry){ 'n', "username", n };
	t[2] = (struct varexp_entry){ 'd', "domain", d };
	t[3] = (struct varexp_entry){ 's', "service", "doveadm" };
	t[4] = (struct varexp_entry){ 'h', "home", NULL };
	t[5] = (struct varexp_entry){ '\0', NULL, NULL };
}

/* run - expand and compare; returns varexp's result */
static int run(const char *user, const char *tmpl, const char *want, int want_ret)
{
	struct varexp_entry t[6];
	char n[256], d[256];
	struct buf out;
	const char *error = "";
	int ret;

	table_for(user, t, n, d);
	buf_init(&out, 0);
	ret = varexp(&out, tmpl, t, &error);
	T_ASSERT_MSG(ret == want_ret, "%s: ret %d (%s), want %d", tmpl, ret, error, want_ret);
	if (want != NULL && want_ret == 1)
		T_ASSERT_MSG(strcmp(buf_cstr(&out), want) == 0, "%s for %s: \"%s\" != \"%s\"",
			     tmpl, user, buf_cstr(&out), want);
	if (want != NULL && want_ret != 1)
		T_ASSERT_MSG(strcmp(error, want) == 0, "%s: error \"%s\" != \"%s\"", tmpl, error,
			     want);
	buf_deinit(&out);
	return ret;
}

static const struct vcase real_cases[] = {
	{ "Ab.C@Sub.Example.org", "/h/%u", "/h/Ab.C@Sub.Example.org" },
	{ "Ab.C@Sub.Example.org", "%Lu", "ab.c@sub.example.org" },
	{ "Ab.C@Sub.Example.org", "%Uu", "AB.C@SUB.EXAMPLE.ORG" },
	{ "Ab.C@Sub.Example.org", "%Eu", "Ab.C@Sub.Example.org" },
	{ "Ab.C@Sub.Example.org", "%Ru", "gro.elpmaxE.buS@C.bA" },
	{ "Ab.C@Sub.Example.org", "%Hu", "52e0c07" },
	{ "Ab.C@Sub.Example.org", "%256Hu", "7" },
	{ "Ab.C@Sub.Example.org", "%Nu", "c3fcaf49" },
	{ "Ab.C@Sub.Example.org", "%256Nu", "49" },
	{ "Ab.C@Sub.Example.org", "%2.256Nu", "49" },
	{ "Ab.C@Sub.Example.org", "%Mu", "e94cada2c3fcaf49a22ad16e6658a976" },
	{ "Ab.C@Sub.Example.org", "%Du", "Ab,dc=C@Sub,dc=Example,dc=org" },
	{ "Ab.C@Sub.Example.org", "%Tu", "Ab.C@Sub.Example.org" },
	{ "Ab.C@Sub.Example.org", "%2u", "Ab" },
	{ "Ab.C@Sub.Example.org", "%2.1u", "." },
	{ "Ab.C@Sub.Example.org", "%-2.2u", "rg" },
	{ "Ab.C@Sub.Example.org", "%04n", "Ab.C" },
	{ "Ab.C@Sub.Example.org", "%1.04n", "0b.C" },
	{ "Ab.C@Sub.Example.org", "%0.-2u", "Ab.C@Sub.Example.o" },
	{ "Ab.C@Sub.Example.org", "%n", "Ab.C" },
	{ "Ab.C@Sub.Example.org", "%d", "Sub.Example.org" },
	{ "Ab.C@Sub.Example.org", "%{user}", "Ab.C@Sub.Example.org" },
	{ "Ab.C@Sub.Example.org", "%L{user}", "ab.c@sub.example.org" },
	{ "Ab.C@Sub.Example.org", "%%", "%" },
	{ "Ab.C@Sub.Example.org", "%Xn", "0" },
	{ "Ab.C@Sub.Example.org", "%3RHu", "2" },
	{ "Ab.C@Sub.Example.org", "%{if;%d;ne;;%d;none}", "Sub.Example.org" },
	{ "Ab.C@Sub.Example.org", "%{md5:user}", "e94cada2c3fcaf49a22ad16e6658a976" },
	{ "Ab.C@Sub.Example.org", "%s", "doveadm" },
	{ "Ab.C@Sub.Example.org", "%{service}", "doveadm" },
	{ "12345", "%-2.2u", "45" },
	{ "12345", "%04n", "12345" },
	{ "12345", "%1.04n", "2345" },
	{ "12345", "%Xn", "3039" },
	{ "a", "%Nu", "c0f1b6a8" },
	{ "a", "%Hu", "61" },
	{ "a", "%{if;%n;eq;a;yes;no}", "yes" },
	{ "a", "%{if;5;<;10;lt;ge}", "lt" },
	{ "a", "%{if;%u;*;a*;m;nm}", "m" },
	{ "a", "%{if;a\\;b;eq;a\\;b;y;n}", "y" },
	{ "a", "%1.2{user}", "" },
	{ "a", "%U{if;%n;ne;x;yes;no}", "YES" },
	{ "a", "%{if;%n;!*;b*;y;n}", "y" },
	{ "a", "%{if;%n;!~;^a;y;n}", "n" },
	{ "a", "%{if;10;>=;9;y;n}", "y" },
	{ "a", "%{if;abc;lt;abd;y;n}", "y" },
	{ "a", "%Eu", "a" },
};

/* test_real - every case recorded from the real auth daemon */
static void test_real(void)
{
	for (size_t i = 0; i < TEST_COUNT(real_cases); i++)
		run(real_cases[i].user, real_cases[i].tmpl, real_cases[i].want, 1);
}

/* test_errors - the real daemon's messages (Failed to expand template: ...) */
static void test_errors(void)
{
	run("a", "%z", "Unknown variable '%z'", 0);
	run("a", "%{nosuch}", "Unknown variable '%nosuch'", 0);
	run("a", "%{if;1;2}", "if: requires four or five parameters, got 2", -1);
	run("a", "%{if;x;==;0;y;n}", "if: x (lhs) is not a number", -1);
	run("a", "%{if;a;zz;b;y;n}", "if: Unsupported comparator 'zz'", -1);
	/* the rest of the template is still expanded after an unknown variable */
	run("a", "x%zy%u", NULL, 0);
	{
		struct varexp_entry t[6];
		char n[256], d[256];
		struct buf out;
		const char *error;

		table_for("a", t, n, d);
		buf_init(&out, 0);
		T_INTEQ(varexp(&out, "x%zy%u", t, &error), 0);
		T_STREQ(buf_cstr(&out), "xya");
		buf_deinit(&out);
	}
}

/* test_docs - behaviour from the wiki (Variables.txt) not observable above */
static void test_docs(void)
{
	run("o'b\"c\\d", "%Eu", "o\\'b\\\"c\\\\d", 1);
	run("a b  ", "%Tu", "a b", 1);
	run("a", "%{if;%u;~;^[a-c]+$;re;nre}", "re", 1);
	run("a", "%{if;1;==;1;yes}", "yes", 1);
	run("a", "%{if;1;==;2;yes}", "", 1);
	run("a", "%{if;%{if;1;==;1;a;b};eq;a;nested;no}", "nested", 1);
	run("a", "%{if;x;eq;x;\\%{user};n}", "%{user}", 1);
	run("a", "%h/x", "/x", 1);		/* known but empty */
	run("a", "100%", "100%", 1);
	run("a", "%{user", "Missing '}' in %{", -1);
	run("12", "%{md5;truncate=16:user}", NULL, 1);
}

/* test_has_key - does a template use a variable */
static void test_has_key(void)
{
	T_ASSERT(varexp_has_key("/var/mail/%u", 'u', "user"));
	T_ASSERT(varexp_has_key("/home/%Ln", 'n', "username"));
	T_ASSERT(varexp_has_key("/home/%{user}", 'u', "user"));
	T_ASSERT(varexp_has_key("/home/%L{user}/x", 'u', "user"));
	T_ASSERT(!varexp_has_key("/home/%%u", 'u', "user"));
	T_ASSERT(!varexp_has_key("/home/%n", 'u', "user"));
	T_ASSERT(!varexp_has_key("/home/%{username}", 'u', "user"));
	T_ASSERT(varexp_has_key("%2.1u", 'u', NULL));
}

/* test_bounds - hostile templates end with an error, never a crash */
static void test_bounds(void)
{
	char deep[2048];
	size_t n = 0;

	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "%%{if;1;==;1;");
	snprintf(deep + n, sizeof(deep) - n, "x");
	run("a", deep, NULL, -1);
	run("a", "%99999999999999999999u", "a", 1);
	run("a", "%-99999999.-99999999u", "", 1);
	run("a", "%", "%", 1);
	run("a", "%{}", "Unknown variable '%'", 0);
	run("a", "%LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLu", "a", 1);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_real), TEST(test_errors), TEST(test_docs), TEST(test_has_key),
		TEST(test_bounds),
	};

	return test_run(cases, TEST_COUNT(cases));
}
