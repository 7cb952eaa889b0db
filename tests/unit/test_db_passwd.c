/*
 * test_db_passwd - the passwd (NSS) userdb and passdb in-process
 * (blocking=no) for root and nobody; the registries.
 */
#include "config.h"

#include <pwd.h>

#include "core/argv.h"

#include "test.h"
#include "test_db_common.h"

static void user_lookup(const char *args, const char *user)
{
	struct userdb db;
	struct db_request req;
	const char *error;

	memset(&db, 0, sizeof(db));
	db.driver = userdb_driver_find("passwd");
	T_ASSERT(db.driver != NULL);
	db.args = args;
	T_INTEQ(db.driver->init(&db, args, &error), 0);
	req_init(&req, user);
	got.called = 0;
	db.driver->lookup(&db, &req, got_cb, NULL);
	T_ASSERT(got.called);
	db.driver->deinit(&db);
}

static void test_userdb_root_nobody(void)
{
	struct passwd *pw = getpwnam("nobody");
	char num[24];

	user_lookup("blocking=no", "root");
	T_INTEQ(got.result, DB_OK);
	T_STREQ(db_fields_get(&got.fields, "uid"), "0");
	T_STREQ(db_fields_get(&got.fields, "gid"), "0");
	T_STREQ(db_fields_get(&got.fields, "home"), "/root");
	T_STREQ(db_fields_get(&got.fields, "system_groups_user"), "root");
	T_ASSERT(pw != NULL);
	user_lookup("blocking=no", "nobody");
	T_INTEQ(got.result, DB_OK);
	snprintf(num, sizeof(num), "%lu", (unsigned long)pw->pw_uid);
	T_STREQ(db_fields_get(&got.fields, "uid"), num);
	T_STREQ(db_fields_get(&got.fields, "home"), pw->pw_dir);
	user_lookup("blocking=no", "no-such-user-xyz");
	T_INTEQ(got.result, DB_NOTFOUND);
	T_STREQ(got.reason, "unknown user");
	user_lookup("blocking=no home=/srv/%u", "nobody");	/* template args override */
	T_STREQ(db_fields_get(&got.fields, "home"), "/srv/nobody");
}

static void test_passdb_root(void)
{
	struct passdb db;
	struct db_request req;
	struct passwd *pw = getpwnam("root");
	const char *error;

	memset(&db, 0, sizeof(db));
	db.driver = passdb_driver_find("passwd");
	T_ASSERT(db.driver != NULL);
	db.args = "blocking=no";
	T_INTEQ(db.driver->init(&db, db.args, &error), 0);
	T_STREQ(db.default_scheme, "CRYPT");
	req_init(&req, "root");
	db.driver->verify_plain(&db, &req, "x", got_cb, NULL);
	if (pw->pw_passwd[0] == '\0' || pw->pw_passwd[0] == '!' || pw->pw_passwd[0] == '*') {
		T_INTEQ(got.result, DB_DISABLED);
	} else {
		T_INTEQ(got.result, DB_OK);
		T_STREQ(got.password, pw->pw_passwd);
		T_STREQ(got.scheme, "CRYPT");
	}
	req_init(&req, "no-such-user-xyz");
	db.driver->lookup_credentials(&db, &req, got_cb, NULL);
	T_INTEQ(got.result, DB_NOTFOUND);
	db.driver->deinit(&db);
}

static struct argv names;
static int iter_ok = -1;

static void iter_emit(const char *user, void *ctx)
{
	(void)ctx;
	argv_add(&names, user);
}

static void iter_done(int ok, void *ctx)
{
	(void)ctx;
	iter_ok = ok;
}

/* iterate - the user names the passwd userdb lists, joined with ',' and framed */
static char *iterate(void)
{
	struct userdb db;
	const char *error;
	char *j, *r;

	memset(&db, 0, sizeof(db));
	db.driver = userdb_driver_find("passwd");
	T_INTEQ(db.driver->init(&db, "", &error), 0);
	argv_init(&names);
	iter_ok = -1;
	db.driver->iterate(&db, iter_emit, iter_done, NULL);
	T_INTEQ(iter_ok, 1);
	db.driver->deinit(&db);
	j = argv_join(&names, ",");
	r = xasprintf(",%s,", j);
	xfree(j);
	argv_deinit(&names);
	return r;
}

static void test_iterate_uid_range(void)
{
	char *all;

	db_set_valid_uids(0, 0);
	all = iterate();
	T_ASSERT(strstr(all, ",root,") != NULL);
	T_ASSERT(strstr(all, ",nobody,") != NULL);
	xfree(all);
	db_set_valid_uids(1, 65533);		/* root and nobody outside */
	all = iterate();
	T_ASSERT(strstr(all, ",root,") == NULL);
	T_ASSERT(strstr(all, ",nobody,") == NULL);
	T_ASSERT(strstr(all, ",daemon,") != NULL);
	xfree(all);
	db_set_valid_uids(500, 0);		/* Dovecot's default: no daemon accounts */
	all = iterate();
	T_ASSERT(strstr(all, ",daemon,") == NULL);
	T_ASSERT(strstr(all, ",nobody,") != NULL);
	xfree(all);
}

static void test_registry(void)
{
	static const char *const pass[] = { "passwd-file", "static", "passwd", "shadow", "pam" };
	static const char *const user[] = { "passwd-file", "static", "passwd", "prefetch" };
	size_t i;

	for (i = 0; i < TEST_COUNT(pass); i++)
		T_ASSERT_MSG(passdb_driver_find(pass[i]) != NULL, "passdb %s", pass[i]);
	for (i = 0; i < TEST_COUNT(user); i++)
		T_ASSERT_MSG(userdb_driver_find(user[i]) != NULL, "userdb %s", user[i]);
	T_ASSERT(passdb_driver_find("ldap") == NULL);
	T_ASSERT(userdb_driver_find("pam") == NULL);
	T_ASSERT(passdb_driver_find("pam")->lookup_credentials == NULL);
}

static void test_pam_args(void)
{
	struct passdb db;
	const char *error = NULL;

	memset(&db, 0, sizeof(db));
	db.driver = passdb_driver_find("pam");
	T_INTEQ(db.driver->init(&db, "session=yes setcred=yes failure_show_msg=yes "
				"max_requests=5 cache_key=%u%r *", &error), 0);
	T_STREQ(db.cache_key, "%u%r");
	db.driver->deinit(&db);
	T_INTEQ(db.driver->init(&db, "", &error), 0);
	T_ASSERT(db.cache_key == NULL);
	db.driver->deinit(&db);
	T_INTEQ(db.driver->init(&db, "bogus=1 dovecot", &error), -1);
	T_ASSERT(error != NULL && strstr(error, "Unexpected PAM parameter: bogus=1") != NULL);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_userdb_root_nobody),
		TEST(test_passdb_root),
		TEST(test_iterate_uid_range),
		TEST(test_registry),
		TEST(test_pam_args),
	};

	return test_run(cases, TEST_COUNT(cases));
}
