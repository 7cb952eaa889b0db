/* test_smtpd_netlist - smtpd/netlist.c: mynetworks-style address lists */
#include "config.h"

#include <fcntl.h>

#include "config/pfconf.h"
#include "core/mem.h"
#include "smtpd.h"
#include "test.h"

static void test_match(void)
{
	static const struct {
		const char *list, *name, *addr;
		int want;
	} cases[] = {
	    {"127.0.0.0/8", "unknown", "127.0.0.1", 1},
	    {"127.0.0.0/8", "unknown", "128.0.0.1", 0},
	    {"10.99.0.0/16", "unknown", "10.99.255.1", 1},
	    {"10.99.0.0/16", "unknown", "10.98.0.1", 0},
	    {"192.0.2.1", "unknown", "192.0.2.1", 1},
	    {"192.0.2.0/25", "unknown", "192.0.2.200", 0},
	    {"0.0.0.0/0", "unknown", "203.0.113.9", 1},
	    {"[::1]/128", "unknown", "::1", 1},
	    {"::1/128", "unknown", "::1", 1},
	    {"[fe80::]/64", "unknown", "fe80::1234", 1},
	    {"[fe80::]/64", "unknown", "fe81::1", 0},
	    {"127.0.0.0/8", "unknown", "::ffff:127.0.0.1", 1},
	    {"!127.0.0.1, 127.0.0.0/8", "unknown", "127.0.0.1", 0},
	    {"!127.0.0.1, 127.0.0.0/8", "unknown", "127.0.0.2", 1},
	    {"mail.example.com", "mail.example.com", "192.0.2.7", 1},
	    {".example.com", "a.b.example.com", "192.0.2.7", 1},
	    {"example.com", "a.example.com", "192.0.2.7", 1},
	    {"example.com", "badexample.com", "192.0.2.7", 0},
	    {"example.com", "unknown", "192.0.2.7", 0},
	    {"inline:{192.0.2.9=ok}", "unknown", "192.0.2.9", 1},
	    {"inline:{192.0.2.9=ok}", "unknown", "192.0.2.8", 0},
	    {"", "unknown", "127.0.0.1", 0},
	};
	struct pfconf *cfg = pfconf_create_empty("/nonexistent");

	for (size_t i = 0; i < TEST_COUNT(cases); i++) {
		struct netlist *nl = netlist_create(cfg, "mynetworks", cases[i].list);
		int r = netlist_match(nl, cases[i].name, cases[i].addr);

		T_ASSERT_MSG(r == cases[i].want, "case %zu (%s vs %s/%s): got %d", i, cases[i].list,
		             cases[i].name, cases[i].addr, r);
		netlist_free(&nl);
	}
	pfconf_free(&cfg);
}

static void test_bad_syntax_is_fatal(void)
{
	static const char *const bad[] = {"10.0.0.0/33", "[::1]/129", "1.2.3.4/x", "300.1.2.3/8"};

	for (size_t i = 0; i < TEST_COUNT(bad); i++) {
		T_EXPECT_EXIT(1, {
			struct pfconf *cfg = pfconf_create_empty("/nonexistent");

			(void)netlist_create(cfg, "mynetworks", bad[i]);
		});
	}
}

int main(void)
{
	static const struct test_case cases[] = {
	    TEST(test_match),
	    TEST(test_bad_syntax_is_fatal),
	};

	return test_run(cases, TEST_COUNT(cases));
}
