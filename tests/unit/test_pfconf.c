/* test_pfconf - lib/config main.cf parsing and $name expansion */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config/pfconf.h"
#include "config/pfparam.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/mem.h"
#include "test.h"

/* write_main_cf - temp config dir holding main.cf with text */
static char *write_main_cf(const char *text)
{
	char tmpl[] = "/tmp/test_pfconf.XXXXXX";
	char *dir = xstrdup(mkdtemp(tmpl));
	char *path = xasprintf("%s/main.cf", dir);
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	xfree(path);
	return dir;
}

/* load - parse text as main.cf; fails the test on error */
static struct pfconf *load(const char *text)
{
	char *dir = write_main_cf(text);
	struct pfconf *cfg = NULL;
	const char *error;

	if (pfconf_load(&cfg, dir, &error) < 0)
		T_FAIL("load: %s", error);
	xfree(dir);
	return cfg;
}

static void test_syntax(void)
{
	struct pfconf *cfg = load(
		"# comment\n"
		"a = 1\n"
		"b=two words  \n"
		"\n"
		"c = first\n"
		"# comment between\n"
		"   continued\n"
		"d = x # not a comment\n"
		"   # indented comment line is a comment\n"
		"e =\n"
		"a = 3\n");

	T_STREQ(pfconf_get(cfg, "a"), "3");
	T_STREQ(pfconf_get(cfg, "b"), "two words");
	T_STREQ(pfconf_get(cfg, "c"), "first   continued");
	T_STREQ(pfconf_get(cfg, "d"), "x # not a comment");
	T_STREQ(pfconf_get(cfg, "e"), "");
	T_ASSERT(pfconf_is_set(cfg, "e"));
	T_ASSERT(!pfconf_is_set(cfg, "myorigin"));
	pfconf_free(&cfg);
	T_ASSERT(cfg == NULL);
}

static void test_expansion_table(void)
{
	static const struct {
		const char *expr;
		const char *want;
	} rows[] = {
		{ "$x", "X" },
		{ "${x}", "X" },
		{ "$(x)", "X" },
		{ "a$x.b", "aX.b" },
		{ "$$x", "$x" },
		{ "$undefined_thing", "" },
		{ "${x?yes}", "yes" },
		{ "${empty?yes}", "" },
		{ "${x:no}", "" },
		{ "${empty:no}", "no" },
		{ "${x?{a b}}", "a b" },
		{ "${empty:{a, b}}", "a, b" },
		{ "${x?{v1}:{v2}}", "v1" },
		{ "${empty?{v1}:{v2}}", "v2" },
		{ "${empty?{v1}:v2}", "v2" },
		{ "${{$n} == {10} ? {eq} : {ne}}", "eq" },
		{ "${{$n} < {9} ? {lt} : {ge}}", "ge" },	/* numeric: 10 < 9 is false */
		{ "${{abc} < {abd} ? {lt} : {ge}}", "lt" },
		{ "${{3.10} >level {3.9} ? {newer} : {older}}", "newer" },
		{ "${{$compatibility_level} <level {2} ? {subnet} : {host}}", "host" },
		{ "${{0} <level {2} ? {subnet} : {host}}", "subnet" },
		{ "$nested", "X-X" },
		{ "${x?$x$x}", "XX" },
	};
	struct pfconf *cfg = load("x = X\nempty =\nn = 10\nnested = $x-${x}\n"
				  "compatibility_level = 3.6\n");
	struct buf out;
	const char *error;

	buf_init(&out, 0);
	for (size_t i = 0; i < TEST_COUNT(rows); i++) {
		buf_reset(&out);
		if (pfconf_expand(cfg, rows[i].expr, &out, &error) < 0) {
			T_FAIL("row %zu %s: error %s", i, rows[i].expr, error);
			continue;
		}
		T_ASSERT_MSG(strcmp(buf_cstr(&out), rows[i].want) == 0, "row %zu %s: got \"%s\" want \"%s\"",
			     i, rows[i].expr, buf_cstr(&out), rows[i].want);
	}
	buf_deinit(&out);
	pfconf_free(&cfg);
}

static void test_defaults(void)
{
	struct pfconf *cfg = load("compatibility_level = 3.6\nmyhostname = mx.example.com\n");

	T_STREQ(pfconf_get(cfg, "mydomain"), "example.com");
	T_STREQ(pfconf_get(cfg, "mynetworks_style"), "host");
	T_STREQ(pfconf_get(cfg, "smtpd_banner"), "mx.example.com ESMTP Postfix");
	T_STREQ(pfconf_get_raw(cfg, "mynetworks_style"),
		"${{$compatibility_level} <level {2} ? {subnet} : {host}}");
	T_STREQ(pfconf_get(cfg, "relay_domains"), "");
	T_STREQ(pfconf_get(cfg, "smtpd_relay_restrictions"),
		"permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination");
	T_INTEQ(pfconf_get_int(cfg, "default_process_limit"), 100);
	T_INTEQ(pfconf_get_time(cfg, "maximal_queue_lifetime"), 5 * 86400);
	T_INTEQ(pfconf_get_time(cfg, "smtpd_timeout"), 300);
	T_INTEQ(pfconf_get_bool(cfg, "biff"), 1);
	T_INTEQ(pfconf_get_size(cfg, "message_size_limit"), 10240000);
	T_ASSERT(pfconf_get_raw(cfg, "no_such_parameter") == NULL);
	pfconf_free(&cfg);
	cfg = load("myhostname = host\n");
	T_STREQ(pfconf_get(cfg, "mydomain"), "localdomain");
	T_STREQ(pfconf_get(cfg, "mynetworks_style"), "subnet");	/* compatibility_level 0 */
	pfconf_free(&cfg);
}

static void test_typed_values(void)
{
	struct pfconf *cfg = load("a_time = 2h\nb_time = 30\nmaximal_queue_lifetime = 2\n"
				  "biff = NO\nmax_idle = 1w\n");
	long long secs;

	T_INTEQ(pfconf_get_time(cfg, "maximal_queue_lifetime"), 2 * 86400);	/* unit d */
	T_INTEQ(pfconf_get_time(cfg, "max_idle"), 7 * 86400);
	T_INTEQ(pfconf_get_bool(cfg, "biff"), 0);
	T_INTEQ(pfconf_parse_time("2h", 's', &secs), 0);
	T_INTEQ(secs, 7200);
	T_INTEQ(pfconf_parse_time("2x", 's', &secs), -1);
	T_INTEQ(pfconf_parse_time("", 's', &secs), -1);
	T_INTEQ(pfconf_parse_time("5ss", 's', &secs), -1);
	T_INTEQ(pfconf_parse_time("99999999999999999999", 's', &secs), -1);
	pfconf_free(&cfg);
}

static void test_bad_values_are_fatal(void)
{
	struct pfconf *cfg = load("biff = maybe\ndefault_process_limit = abc\n"
				  "max_use = 0\nmaximal_queue_lifetime = 3x\n");

	T_EXPECT_EXIT(1, pfconf_get_bool(cfg, "biff"));
	T_EXPECT_EXIT(1, pfconf_get_int(cfg, "default_process_limit"));
	T_EXPECT_EXIT(1, pfconf_get_int(cfg, "max_use"));	/* below minimum 1 */
	T_EXPECT_EXIT(1, pfconf_get_time(cfg, "maximal_queue_lifetime"));
	pfconf_free(&cfg);
}

static void test_loop_detected(void)
{
	struct pfconf *cfg = load("a = $b\nb = x$a\nself = ${self}\n");
	struct buf out;
	const char *error = NULL;

	buf_init(&out, 0);
	T_INTEQ(pfconf_expand(cfg, "$a", &out, &error), -1);
	T_ASSERT(error != NULL && strstr(error, "nesting") != NULL);
	T_EXPECT_EXIT(1, pfconf_get(cfg, "self"));
	buf_deinit(&out);
	pfconf_free(&cfg);
}

static void test_expansion_is_bounded(void)
{
	struct buf text, out;
	struct pfconf *cfg;
	const char *error = NULL;
	char *dir;

	/* v0 = x...x (1000 bytes), v1 = $v0$v0, ... v20 = 2^20 * 1000 bytes */
	buf_init(&text, 0);
	buf_append_str(&text, "v0 = ");
	for (int i = 0; i < 1000; i++)
		buf_append_c(&text, 'x');
	buf_append_c(&text, '\n');
	for (int i = 1; i <= 20; i++)
		buf_printf(&text, "v%d = $v%d$v%d\n", i, i - 1, i - 1);
	dir = write_main_cf(buf_cstr(&text));
	T_INTEQ(pfconf_load(&cfg, dir, &error), 0);
	buf_init(&out, 0);
	T_INTEQ(pfconf_expand(cfg, "$v20", &out, &error), -1);
	T_ASSERT_MSG(error != NULL && strstr(error, "longer than") != NULL, "%s", error);
	buf_reset(&out);
	T_INTEQ(pfconf_expand(cfg, "$v5", &out, &error), 0);
	T_INTEQ(buf_len(&out), 32000);
	T_EXPECT_EXIT(1, pfconf_get(cfg, "v20"));
	buf_deinit(&out);
	buf_deinit(&text);
	pfconf_free(&cfg);
	xfree(dir);
}

static void test_error_inside_default_function(void)
{
	/* mynetworks' default is computed from mynetworks_style: a loop there is an
	 * expansion error, not an exit (found by fuzz_maincf) */
	struct pfconf *cfg = load("mynetworks_style = $mynetworks\nx = $mynetworks\n");
	struct buf out;
	const char *error = NULL;

	buf_init(&out, 0);
	T_INTEQ(pfconf_expand(cfg, "$x", &out, &error), -1);
	T_ASSERT_MSG(error != NULL && strstr(error, "nesting") != NULL, "%s", error);
	T_EXPECT_EXIT(1, pfconf_get(cfg, "x"));
	buf_reset(&out);
	T_INTEQ(pfconf_expand(cfg, "ok", &out, &error), 0);	/* state is clean afterwards */
	buf_deinit(&out);
	pfconf_free(&cfg);
}

static void test_syntax_errors(void)
{
	static const struct {
		const char *text;
		const char *want;
	} rows[] = {
		{ "a = 1\nbogus line\n", ", line 2: missing '=' after attribute name: \"bogus line\"" },
		{ "= value\n", ", line 1: missing attribute name: \"= value\"" },
	};
	for (size_t i = 0; i < TEST_COUNT(rows); i++) {
		char *dir = write_main_cf(rows[i].text);
		struct pfconf *cfg = NULL;
		const char *error = "";

		T_ASSERT_MSG(pfconf_load(&cfg, dir, &error) == -1, "row %zu loaded", i);
		T_ASSERT_MSG(strstr(error, rows[i].want) != NULL, "row %zu: %s", i, error);
		T_ASSERT_MSG(strstr(error, "/main.cf") != NULL, "row %zu: no file name: %s", i, error);
		xfree(dir);
	}
	{
		struct pfconf *cfg = NULL;
		const char *error = "";

		T_INTEQ(pfconf_load(&cfg, "/nonexistent-dir", &error), -1);
		T_STREQ(error, "open /nonexistent-dir/main.cf: No such file or directory");
	}
}

static void test_override(void)
{
	struct pfconf *cfg = load("syslog_name = postfix\nx = 1\n");
	const char *error, *before;

	pfconf_set(cfg, "service_name", "relay");
	before = pfconf_get(cfg, "x");
	T_INTEQ(pfconf_override(cfg, "syslog_name=postfix/$service_name", &error), 0);
	T_STREQ(pfconf_get(cfg, "syslog_name"), "postfix/relay");
	T_INTEQ(pfconf_override(cfg, "x = 2", &error), 0);
	T_STREQ(pfconf_get(cfg, "x"), "2");
	T_STREQ(before, "1");	/* earlier pointers stay valid */
	T_INTEQ(pfconf_override(cfg, "noequals", &error), -1);
	T_INTEQ(pfconf_origin(cfg, "x", NULL), PFCONF_ORIGIN_OVERRIDE);
	pfconf_free(&cfg);
}

static void test_lists(void)
{
	static const struct {
		const char *in;
		const char *want;
	} rows[] = {
		{ "a, b c,d", "a|b|c|d" },
		{ "$myhostname, vm, localhost.localdomain, , localhost",
		  "$myhostname|vm|localhost.localdomain|localhost" },
		{ "{ a b }, c", "a b|c" },
		{ "inline:{ k=v, k2=v2 } static:x", "inline:{ k=v, k2=v2 }|static:x" },
		{ "", "" },
	};
	for (size_t i = 0; i < TEST_COUNT(rows); i++) {
		struct argv a;
		char *j;

		argv_init(&a);
		pfconf_list_split(rows[i].in, &a);
		j = argv_join(&a, "|");
		T_ASSERT_MSG(strcmp(j, rows[i].want) == 0, "row %zu: got \"%s\"", i, j);
		xfree(j);
		argv_deinit(&a);
	}
}

static void test_table_sorted_and_complete(void)
{
	for (size_t i = 1; i < pfparam_count; i++)
		T_ASSERT_MSG(strcmp(pfparam_table[i - 1].name, pfparam_table[i].name) < 0,
			     "table not sorted at %s", pfparam_table[i].name);
	T_ASSERT(pfparam_count >= 1000);
	T_ASSERT(pfparam_find("queue_directory") != NULL);
	T_ASSERT(pfparam_find("2bounce_notice_recipient") != NULL);
	T_ASSERT(pfparam_find("zzz") == NULL);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_syntax),
		TEST(test_expansion_table),
		TEST(test_defaults),
		TEST(test_typed_values),
		TEST(test_bad_values_are_fatal),
		TEST(test_loop_detected),
		TEST(test_expansion_is_bounded),
		TEST(test_error_inside_default_function),
		TEST(test_syntax_errors),
		TEST(test_override),
		TEST(test_lists),
		TEST(test_table_sorted_and_complete),
	};
	return test_run(cases, TEST_COUNT(cases));
}
