/*
 * test_db_static - static passdb/userdb templates, prefetch, and the
 * db.c helpers (fields, templates, result names, worker escaping).
 */
#include "config.h"

#include "test.h"
#include "test_db_common.h"
#include "worker.h"

extern const struct passdb_driver passdb_static;
extern const struct userdb_driver userdb_static, userdb_prefetch;

static void run_pass(const char *args, const char *user)
{
	struct passdb db;
	struct db_request req;
	const char *error;

	memset(&db, 0, sizeof(db));
	db.driver = &passdb_static;
	T_INTEQ(db.driver->init(&db, args, &error), 0);
	T_STREQ(db.default_scheme, "PLAIN");
	req_init(&req, user);
	got.called = 0;
	db.driver->verify_plain(&db, &req, "pw", got_cb, NULL);
	T_ASSERT(got.called);
	db.driver->deinit(&db);
}

static void test_static_passdb(void)
{
	run_pass("password=%n-secret", "bob@example.com");
	T_INTEQ(got.result, DB_OK);
	T_STREQ(got.password, "bob-secret");
	T_INTEQ(got.fields.n, 0);
	run_pass("proxy=y host=%d.backend nopassword=y", "bob@example.com");
	T_INTEQ(got.result, DB_OK);
	T_ASSERT(got.password == NULL);
	T_ASSERT(db_fields_has(&got.fields, "nopassword"));
	T_STREQ(db_fields_get(&got.fields, "proxy"), "y");
	T_STREQ(db_fields_get(&got.fields, "host"), "example.com.backend");
	run_pass("nologin reason=go%%away user=%Lu", "Bob");
	T_ASSERT(db_fields_has(&got.fields, "nologin"));
	T_STREQ(db_fields_get(&got.fields, "reason"), "go%away");
	T_STREQ(got.user, "bob");
	T_ASSERT(got.password == NULL);	/* no password= and no nopassword: nothing matches */
	T_STREQ(got.reason, "No password returned (and no nopassword)");
	run_pass("password={SHA}abc", "x");
	T_STREQ(got.password, "{SHA}abc");
	run_pass("host=%{nosuchvar}", "x");
	T_INTEQ(got.result, DB_INTERNAL);
}

static void run_user(const char *args, const char *user, int *check_r)
{
	struct userdb db;
	struct db_request req;
	const char *error;

	memset(&db, 0, sizeof(db));
	db.driver = &userdb_static;
	T_INTEQ(db.driver->init(&db, args, &error), 0);
	*check_r = db.need_passdb_check;
	req_init(&req, user);
	got.called = 0;
	db.driver->lookup(&db, &req, got_cb, NULL);
	T_ASSERT(got.called);
	db.driver->deinit(&db);
}

static void test_static_userdb(void)
{
	int check;

	run_user("uid=root gid=root home=/var/vmail/%d/%n allow_all_users=yes",
		 "alice@example.com", &check);
	T_INTEQ(check, 0);
	T_INTEQ(got.result, DB_OK);
	T_STREQ(db_fields_get(&got.fields, "uid"), "0");
	T_STREQ(db_fields_get(&got.fields, "gid"), "0");
	T_STREQ(db_fields_get(&got.fields, "home"), "/var/vmail/example.com/alice");
	T_ASSERT(!db_fields_has(&got.fields, "allow_all_users"));
	run_user("uid=500 gid=500 home=/home/%u mail=maildir:~/Maildir", "carol", &check);
	T_INTEQ(check, 1);
	T_STREQ(db_fields_get(&got.fields, "uid"), "500");
	T_STREQ(db_fields_get(&got.fields, "home"), "/home/carol");
	T_STREQ(db_fields_get(&got.fields, "mail"), "maildir:~/Maildir");
	run_user("uid=%n-no-such gid=500", "carol", &check);	/* known only per request */
	T_INTEQ(got.result, DB_INTERNAL);
	T_ASSERT(got.error != NULL && strstr(got.error, "carol-no-such") != NULL);
	{
		struct userdb db;
		const char *error = NULL;

		memset(&db, 0, sizeof(db));
		db.driver = &userdb_static;
		T_INTEQ(db.driver->init(&db, "uid=no-such-user-xyz gid=500", &error), -1);
		T_STREQ(error, "static userdb: Invalid uid: no-such-user-xyz");
		T_INTEQ(db.driver->init(&db, "uid=500 gid=no-such-group-xyz", &error), -1);
		T_STREQ(error, "static userdb: Invalid gid: no-such-group-xyz");
	}
}

static void test_prefetch(void)
{
	struct userdb db;
	struct db_request req;
	struct db_fields pf;
	const char *error;

	memset(&db, 0, sizeof(db));
	db.driver = &userdb_prefetch;
	T_INTEQ(db.driver->init(&db, "", &error), 0);
	db_fields_init(&pf);
	db_fields_set(&pf, "userdb_uid", "1000");
	db_fields_set(&pf, "userdb_home", "/home/x");
	db_fields_set(&pf, "allow_nets", "10.0.0.0/8");
	req_init(&req, "x");
	req.passdb_fields = &pf;
	db.driver->lookup(&db, &req, got_cb, NULL);
	T_INTEQ(got.result, DB_OK);
	T_STREQ(db_fields_get(&got.fields, "uid"), "1000");
	T_STREQ(db_fields_get(&got.fields, "home"), "/home/x");
	T_INTEQ(got.fields.n, 2);
	db_fields_deinit(&pf);
	db_fields_init(&pf);
	db_fields_set(&pf, "nodelay", NULL);
	db.driver->lookup(&db, &req, got_cb, NULL);
	T_INTEQ(got.result, DB_NOTFOUND);
	req.passdb_fields = NULL;
	db.driver->lookup(&db, &req, got_cb, NULL);
	T_INTEQ(got.result, DB_INTERNAL);
	db_fields_deinit(&pf);
	db.driver->deinit(&db);
}

static void test_fields(void)
{
	struct db_fields f;

	db_fields_init(&f);
	db_fields_set(&f, "a", "1");
	db_fields_set(&f, "b", NULL);
	db_fields_set(&f, "a", "2");
	T_INTEQ(f.n, 2);
	T_STREQ(db_fields_get(&f, "a"), "2");
	T_ASSERT(db_fields_has(&f, "b") && db_fields_get(&f, "b") == NULL);
	db_fields_remove(&f, "a");
	T_ASSERT(!db_fields_has(&f, "a"));
	T_STREQ(f.keys[0], "b");
	db_fields_remove(&f, "zz");
	T_INTEQ(f.n, 1);
	db_fields_deinit(&f);
}

static void test_results_and_escaping(void)
{
	enum db_result r;
	static const enum db_result all[] = { DB_OK, DB_MISMATCH, DB_NOTFOUND, DB_DISABLED,
		DB_EXPIRED, DB_NEED_SCHEME, DB_INTERNAL };
	struct buf b;
	char *w[8];
	size_t i, n;

	for (i = 0; i < TEST_COUNT(all); i++) {
		T_INTEQ(db_result_parse(db_result_name(all[i]), &r), 0);
		T_INTEQ(r, all[i]);
	}
	T_INTEQ(db_result_parse("BOGUS", &r), -1);
	buf_init(&b, 0);
	worker_escape(&b, "a\tb\\c\nd\re");
	buf_append_c(&b, '\t');
	worker_escape(&b, "");
	buf_append_c(&b, '\t');
	worker_escape(&b, "x");
	T_ASSERT(strchr(buf_cstr(&b), '\n') == NULL);
	n = worker_split(b.data, w, 8);
	T_INTEQ(n, 3);
	T_STREQ(w[0], "a\tb\\c\nd\re");
	T_STREQ(w[1], "");
	T_STREQ(w[2], "x");
	buf_deinit(&b);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_static_passdb),
		TEST(test_static_userdb),
		TEST(test_prefetch),
		TEST(test_fields),
		TEST(test_results_and_escaping),
	};

	return test_run(cases, TEST_COUNT(cases));
}
