/* test_mastercf - lib/config master.cf parsing */
#include "config.h"

#include <fcntl.h>

#include "config/mastercf.h"
#include "core/mem.h"
#include "test.h"

static void test_stock_entries(void)
{
	struct mastercf *mcf;
	const char *error;
	const struct mastercf_entry *e;

	if (mastercf_load(&mcf, "../shared/compat/debian-postfix-3.7/master.cf", &error) < 0) {
		T_FAIL("load: %s", error);
		return;
	}
	T_INTEQ(mcf->n, 31);
	e = mastercf_find(mcf, "smtp", MASTERCF_INET);
	T_ASSERT(e != NULL);
	T_INTEQ(e->private_svc, 0);
	T_INTEQ(e->unpriv, 1);
	T_INTEQ(e->chroot, 1);
	T_INTEQ(e->maxproc, -1);
	T_STREQ(e->cmd.v[0], "smtpd");
	e = mastercf_find(mcf, "tlsmgr", MASTERCF_UNIX);
	T_INTEQ(e->wakeup, 1000);
	T_INTEQ(e->wakeup_on_use, 1);
	T_INTEQ(e->maxproc, 1);
	e = mastercf_find(mcf, "relay", MASTERCF_UNIX);
	T_INTEQ(e->cmd.n, 3);
	T_STREQ(e->cmd.v[1], "-o");
	T_STREQ(e->cmd.v[2], "syslog_name=postfix/$service_name");
	e = mastercf_find(mcf, "postlog", MASTERCF_UNIX_DGRAM);
	T_ASSERT(e != NULL && e->private_svc == 0 && e->maxproc == 1);
	e = mastercf_find(mcf, "local", MASTERCF_UNIX);
	T_INTEQ(e->unpriv, 0);
	T_INTEQ(e->chroot, 0);
	e = mastercf_find(mcf, "qmgr", MASTERCF_UNIX);
	T_INTEQ(e->wakeup, 300);
	T_INTEQ(e->wakeup_on_use, 0);
	e = mastercf_find(mcf, "mailman", MASTERCF_UNIX);
	T_STREQ(e->cmd.v[e->cmd.n - 1], "${user}");
	mastercf_free(&mcf);
}

static void test_grouping_and_overrides(void)
{
	struct mastercf *mcf;
	const char *error;
	const struct mastercf_entry *e;

	if (mastercf_parse_text(&mcf, "t",
				"submission inet n - y - - smtpd\n"
				"  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n"
				"  -o syslog_name=postfix/submission\n"
				"x unix - n n - 2 pipe argv=/bin/prog { arg with space }\n"
				"x unix - n n - 3 pipe second\n", &error) < 0) {
		T_FAIL("parse: %s", error);
		return;
	}
	T_INTEQ(mcf->n, 2);
	e = &mcf->entries[0];
	T_STREQ(e->cmd.v[2], "smtpd_client_restrictions=permit_sasl_authenticated, reject");
	T_STREQ(e->cmd.v[4], "syslog_name=postfix/submission");
	e = &mcf->entries[1];	/* the second "x unix" replaced the first */
	T_INTEQ(e->maxproc, 3);
	T_STREQ(e->cmd.v[1], "second");
	mastercf_free(&mcf);
	T_INTEQ(mastercf_parse_text(&mcf, "t", "a unix - - - - - p { x y z }\n", &error), 0);
	T_STREQ(mcf->entries[0].cmd.v[1], "x y z");
	mastercf_free(&mcf);
}

static void test_errors(void)
{
	static const struct {
		const char *text;
		const char *want;
	} rows[] = {
		{ "smtp inet n - y - -\n", "file t: line 1: bad field count" },
		{ "smtp tcp n - y - - smtpd\n",
		  "file t: line 1: invalid type field \"tcp\" in \"smtp tcp n - y - - smtpd\"" },
		{ "a unix x - y - - p\n", "invalid private field \"x\" in" },
		{ "a unix - yes y - - p\n", "invalid unprivileged field \"yes\"" },
		{ "a unix - - q - - p\n", "invalid chroot field" },
		{ "a unix - - - 1x - p\n", "invalid wakeup field" },
		{ "a unix - - - - -1 p\n", "invalid process limit field" },
		{ "# c\n\na unix - - - - - p\nb unix - - - - - p { x\n", "file t: line 4: missing '}'" },
	};
	for (size_t i = 0; i < TEST_COUNT(rows); i++) {
		struct mastercf *mcf = NULL;
		const char *error = "";

		T_ASSERT_MSG(mastercf_parse_text(&mcf, "t", rows[i].text, &error) == -1, "row %zu parsed", i);
		T_ASSERT_MSG(strstr(error, rows[i].want) != NULL, "row %zu: %s", i, error);
		T_ASSERT(mcf == NULL);
	}
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_stock_entries),
		TEST(test_grouping_and_overrides),
		TEST(test_errors),
	};
	return test_run(cases, TEST_COUNT(cases));
}
