/* test_resolve - lib/mail/resolve: address classes, routing operators, transports, local users */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/mem.h"
#include "mail/resolve.h"
#include "test.h"

/* make_cfg - defaults plus a few settings */
static struct pfconf *make_cfg(const char *const *settings)
{
	struct pfconf *cfg = pfconf_create_empty("/nonexistent");
	const char *error;

	pfconf_set(cfg, "myhostname", "mx.example.com");
	pfconf_set(cfg, "mydomain", "example.com");
	pfconf_set(cfg, "inet_interfaces", "127.0.0.1");
	for (; *settings != NULL; settings++)
		if (pfconf_override(cfg, *settings, &error) < 0)
			T_FAIL("override %s: %s", *settings, error);
	return cfg;
}

static void test_classes_and_tricks(void)
{
	static const char *const settings[] = {
		"mydestination = $myhostname, localhost, example.com",
		"relay_domains = relay.example, inline:{ tabled.example=x }",
		"virtual_alias_domains = valias.example",
		NULL,
	};
	static const struct { const char *addr; enum resolve_class class; const char *final; } cases[] = {
		{ "user@example.com", RESOLVE_LOCAL, "user@example.com" },
		{ "user@EXAMPLE.COM.", RESOLVE_LOCAL, "user@EXAMPLE.COM" },
		{ "postmaster", RESOLVE_LOCAL, "postmaster" },
		{ "user@sub.example.com", RESOLVE_DEFAULT, "user@sub.example.com" },
		{ "user@relay.example", RESOLVE_RELAY, "user@relay.example" },
		{ "user@sub.relay.example", RESOLVE_RELAY, "user@sub.relay.example" },	/* parent_domain_matches_subdomains */
		{ "user@tabled.example", RESOLVE_RELAY, "user@tabled.example" },
		{ "user@valias.example", RESOLVE_VIRTUAL_ALIAS, "user@valias.example" },
		{ "user%outside.example@example.com", RESOLVE_DEFAULT, "user@outside.example" },
		{ "outside.example!user@example.com", RESOLVE_DEFAULT, "user@outside.example" },
		{ "user@outside.example@example.com", RESOLVE_DEFAULT, "user@outside.example" },
		{ "a%b%outside.example@localhost", RESOLVE_DEFAULT, "a%b@outside.example" },
		{ "user@[127.0.0.1]", RESOLVE_LOCAL, "user@[127.0.0.1]" },
		{ "user@[192.0.2.1]", RESOLVE_DEFAULT, "user@[192.0.2.1]" },
		{ "user%inner@localhost", RESOLVE_DEFAULT, "user@inner" },
	};
	struct pfconf *cfg = make_cfg(settings);
	struct resolver *r = resolver_create(cfg);
	const char *error;
	size_t i;

	for (i = 0; i < TEST_COUNT(cases); i++) {
		char *final = NULL;
		enum resolve_class c = resolve_address(r, cases[i].addr, &final, &error);

		T_ASSERT_MSG(c == cases[i].class, "case %zu (%s): class %d", i, cases[i].addr, (int)c);
		T_ASSERT_MSG(strcmp(final, cases[i].final) == 0, "case %zu: final %s", i, final);
		xfree(final);
	}
	resolver_destroy(&r);
	pfconf_free(&cfg);
}

static void test_transports(void)
{
	static const char *const settings[] = {
		"mydestination = example.com",
		"transport_maps = inline:{ special.example=lmtp:[127.0.0.1]:24, user@example.com=error:nope }",
		"relayhost = [smarthost.example]:587",
		NULL,
	};
	struct pfconf *cfg = make_cfg(settings);
	struct resolver *r = resolver_create(cfg);
	const char *t, *n, *error;
	enum resolve_class c;

	T_INTEQ(resolve_transport(r, "other@example.com", &c, &t, &n, &error), 0);
	T_STREQ(t, "local");
	T_STREQ(n, "mx.example.com");
	T_INTEQ(resolve_transport(r, "user@example.com", &c, &t, &n, &error), 0);
	T_STREQ(t, "error");
	T_STREQ(n, "nope");
	T_INTEQ(resolve_transport(r, "x@special.example", &c, &t, &n, &error), 0);
	T_STREQ(t, "lmtp");
	T_STREQ(n, "[127.0.0.1]:24");
	T_INTEQ(resolve_transport(r, "x@remote.example", &c, &t, &n, &error), 0);
	T_INTEQ((int)c, RESOLVE_DEFAULT);
	T_STREQ(t, "smtp");
	T_STREQ(n, "[smarthost.example]:587");
	resolver_destroy(&r);
	pfconf_free(&cfg);
}

static void test_local_users_and_errors(void)
{
	static const char *const settings[] = {
		"mydestination = example.com",
		"recipient_delimiter = +",
		"local_recipient_maps = inline:{ alice=1, bob@example.com=1 }",
		NULL,
	};
	static const char *const broken[] = {
		"mydestination = example.com, hash:/nonexistent/table",
		"local_recipient_maps = hash:/nonexistent/aliases",
		NULL,
	};
	struct pfconf *cfg = make_cfg(settings);
	struct resolver *r = resolver_create(cfg);
	const char *error;
	char *final;

	T_INTEQ(resolve_local_user(r, "alice@example.com", &error), 1);
	T_INTEQ(resolve_local_user(r, "alice+box@example.com", &error), 1);
	T_INTEQ(resolve_local_user(r, "bob@example.com", &error), 1);
	T_INTEQ(resolve_local_user(r, "carol@example.com", &error), 0);
	resolver_destroy(&r);
	pfconf_free(&cfg);

	cfg = make_cfg(broken);
	r = resolver_create(cfg);
	T_INTEQ(resolve_local_user(r, "alice@example.com", &error), -1);
	T_INTEQ((int)resolve_address(r, "x@elsewhere.example", &final, &error), RESOLVE_ERROR);
	T_ASSERT(strstr(error, "/nonexistent/table") != NULL);
	xfree(final);
	resolver_destroy(&r);
	pfconf_free(&cfg);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_classes_and_tricks),
		TEST(test_transports),
		TEST(test_local_users_and_errors),
	};
	return test_run(cases, TEST_COUNT(cases));
}
