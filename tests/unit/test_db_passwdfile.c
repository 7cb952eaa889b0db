/*
 * test_db_passwdfile - the passwd-file passdb/userdb: field forms, extra
 * fields, broken lines (logged with file:line), username_format, per-domain
 * paths, reloads, unreadable files, iteration.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/argv.h"

#include "test.h"
#include "test_db_common.h"

extern const struct passdb_driver passdb_passwd_file;
extern const struct userdb_driver userdb_passwd_file;

static char base[64], dir[256];

/* mkdir_tmp - a fresh directory for one case, under base (removed by main) */
static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "%s/case.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		exit(2);
	log_set_hook(log_hook, NULL);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static const char users_text[] =
	"# a comment\n"
	"\n"
	"alice:{PLAIN}secret:1000:1000::/home/alice::userdb_mail=maildir:~/Maildir"
	" userdb_quota_rule=*:storage=1G allow_nets=127.0.0.1/32 nodelay\n"
	"bob:$6$salt$hash\n"
	"carol:{SHA}abc:1001:1001:Carol C:/home/carol:/bin/sh\n"
	"dave:pwdfilehash[13]:1002\n"
	"erin:{PLAIN}x:1003:1003::::\n"
	"frank:{PLAIN}x:1004:1004:::::maildir:~/frank\n"
	"gina:oldmd5[34]:1005:1005::/home/%u::userdb_home=/var/vmail/%d/%n\n"
	"hank\n"
	"jack:{PLAIN}x::::/home/jack\n"
	"ivan:{PLAIN}x:root\n";

static struct passdb pdb;
static struct userdb udb;

static void open_pass(const char *args)
{
	const char *error = NULL;

	memset(&pdb, 0, sizeof(pdb));
	pdb.driver = &passdb_passwd_file;
	pdb.args = args;
	if (pdb.driver->init(&pdb, args, &error) < 0)
		T_FAIL("init %s: %s", args, error);
}

static void open_user(const char *args)
{
	const char *error = NULL;

	memset(&udb, 0, sizeof(udb));
	udb.driver = &userdb_passwd_file;
	udb.args = args;
	if (udb.driver->init(&udb, args, &error) < 0)
		T_FAIL("init %s: %s", args, error);
}

static void pass_lookup(const char *user)
{
	struct db_request req;

	req_init(&req, user);
	got.called = 0;
	pdb.driver->verify_plain(&pdb, &req, "whatever", got_cb, NULL);
	T_ASSERT_MSG(got.called, "no callback for %s", user);
}

static void user_lookup(const char *user)
{
	struct db_request req;

	req_init(&req, user);
	got.called = 0;
	udb.driver->lookup(&udb, &req, got_cb, NULL);
	T_ASSERT_MSG(got.called, "no callback for %s", user);
}

static void test_passdb_fields(void)
{
	char *p, *args;
	static const struct { const char *user, *password; } cases[] = {
		{ "alice", "{PLAIN}secret" }, { "bob", "$6$salt$hash" }, { "carol", "{SHA}abc" },
		{ "dave", "{CRYPT}pwdfilehash" }, { "gina", "{PLAIN-MD5}oldmd5" },
	};
	size_t i;

	mkdir_tmp();
	p = path_in("users");
	write_file(p, users_text);
	args = xasprintf("%s", p);
	open_pass(args);
	T_STREQ(pdb.default_scheme, "CRYPT");
	for (i = 0; i < TEST_COUNT(cases); i++) {
		pass_lookup(cases[i].user);
		T_ASSERT_MSG(got.result == DB_OK, "case %zu: result %d", i, got.result);
		T_STREQ(got.password, cases[i].password);
		T_STREQ(got.scheme, "CRYPT");
	}
	pass_lookup("alice");
	T_STREQ(db_fields_get(&got.fields, "allow_nets"), "127.0.0.1/32");
	T_STREQ(db_fields_get(&got.fields, "userdb_mail"), "maildir:~/Maildir");
	T_STREQ(db_fields_get(&got.fields, "userdb_quota_rule"), "*:storage=1G");
	T_ASSERT(db_fields_has(&got.fields, "nodelay"));
	T_ASSERT(db_fields_get(&got.fields, "nodelay") == NULL);
	pass_lookup("hank");
	T_INTEQ(got.result, DB_OK);
	T_ASSERT(got.password == NULL);
	pass_lookup("nosuch");
	T_INTEQ(got.result, DB_NOTFOUND);
	T_STREQ(got.reason, "unknown user");
	T_ASSERT(!logged_has("missing userdb info"));	/* a passdb needs no uid/gid */
	pdb.driver->deinit(&pdb);
	xfree(args);
	args = xasprintf("scheme=SHA512-CRYPT %s", p);
	open_pass(args);
	T_STREQ(pdb.default_scheme, "SHA512-CRYPT");
	pass_lookup("bob");
	T_STREQ(got.scheme, "SHA512-CRYPT");
	pdb.driver->deinit(&pdb);
	xfree(args);
	xfree(p);
}

static void test_userdb_fields(void)
{
	char *p;

	mkdir_tmp();
	p = path_in("users");
	write_file(p, users_text);
	open_user(p);
	user_lookup("alice");
	T_INTEQ(got.result, DB_OK);
	T_STREQ(db_fields_get(&got.fields, "uid"), "1000");
	T_STREQ(db_fields_get(&got.fields, "gid"), "1000");
	T_STREQ(db_fields_get(&got.fields, "home"), "/home/alice");
	T_STREQ(db_fields_get(&got.fields, "mail"), "maildir:~/Maildir");
	T_STREQ(db_fields_get(&got.fields, "quota_rule"), "*:storage=1G");
	T_ASSERT(!db_fields_has(&got.fields, "allow_nets"));
	T_ASSERT(!db_fields_has(&got.fields, "nodelay"));
	user_lookup("carol");
	T_STREQ(db_fields_get(&got.fields, "home"), "/home/carol");
	T_INTEQ(got.fields.n, 3);
	user_lookup("dave");	/* no gid field: no userdb entry (as Dovecot) */
	T_INTEQ(got.result, DB_NOTFOUND);
	T_ASSERT(logged_has(":6: User dave is missing userdb info"));
	user_lookup("jack");	/* empty uid/gid fields: an entry without them */
	T_INTEQ(got.result, DB_OK);
	T_STREQ(db_fields_get(&got.fields, "home"), "/home/jack");
	T_ASSERT(!db_fields_has(&got.fields, "uid"));
	user_lookup("erin");
	T_INTEQ(got.fields.n, 2);
	user_lookup("frank");
	T_STREQ(db_fields_get(&got.fields, "mail"), "maildir:~/frank");
	user_lookup("gina");	/* userdb_home overrides the home field, variables expanded */
	T_STREQ(db_fields_get(&got.fields, "home"), "/var/vmail//gina");
	user_lookup("bob");
	T_INTEQ(got.result, DB_NOTFOUND);
	T_ASSERT(logged_has(":4: User bob is missing userdb info"));
	user_lookup("hank");
	T_INTEQ(got.result, DB_NOTFOUND);
	user_lookup("ivan");	/* uid "root" is 0: refused, the line is skipped */
	T_INTEQ(got.result, DB_NOTFOUND);
	udb.driver->deinit(&udb);
	xfree(p);
}

static void test_broken_lines(void)
{
	char *p, *where;

	mkdir_tmp();
	p = path_in("broken");
	write_file(p,
		   "ok1:{PLAIN}a:1000:1000\n"		/* 1 */
		   ":{PLAIN}nouser\n"			/* 2 */
		   "zero:{PLAIN}b:0:1000\n"		/* 3 */
		   "zerogid:{PLAIN}b:1000:0\n"		/* 4 */
		   "dup:{PLAIN}first\n"			/* 5 */
		   "dup:{PLAIN}second\n"		/* 6 */
		   "badname:{PLAIN}c:no-such-user-xyz\n"	/* 7 */
		   "ok2:{PLAIN}d:1001:1001\n");		/* 8 */
	open_pass(p);
	pass_lookup("ok2");
	T_INTEQ(got.result, DB_OK);
	T_STREQ(got.password, "{PLAIN}d");
	pass_lookup("ok1");
	T_INTEQ(got.result, DB_OK);
	pass_lookup("dup");
	T_STREQ(got.password, "{PLAIN}first");
	pass_lookup("zero");
	T_INTEQ(got.result, DB_NOTFOUND);
	pass_lookup("badname");
	T_INTEQ(got.result, DB_NOTFOUND);
	where = xasprintf("passwd-file %s:2: Empty username", p);
	T_ASSERT_MSG(logged_has(where), "log: %s", logged.data ? logged.data : "");
	xfree(where);
	where = xasprintf("passwd-file %s:3: User zero has invalid UID '0'", p);
	T_ASSERT_MSG(logged_has(where), "log: %s", logged.data ? logged.data : "");
	xfree(where);
	where = xasprintf("passwd-file %s:4: User zerogid has invalid GID '0'", p);
	T_ASSERT(logged_has(where));
	xfree(where);
	where = xasprintf("passwd-file %s:6: User dup exists more than once", p);
	T_ASSERT(logged_has(where));
	xfree(where);
	where = xasprintf("passwd-file %s:7: User badname has invalid UID 'no-such-user-xyz'", p);
	T_ASSERT(logged_has(where));
	xfree(where);
	pdb.driver->deinit(&pdb);
	xfree(p);
}

static void test_long_line(void)
{
	char *p, *big = xmalloc(20000 + 64);
	FILE *f;

	mkdir_tmp();
	p = path_in("long");
	memset(big, 'x', 20000);
	big[20000] = '\0';
	f = fopen(p, "w");
	fprintf(f, "long:{PLAIN}%s\nshort:{PLAIN}s\n", big);
	fclose(f);
	open_pass(p);
	pass_lookup("short");
	T_INTEQ(got.result, DB_OK);
	pass_lookup("long");
	T_INTEQ(got.result, DB_NOTFOUND);
	T_ASSERT(logged_has(":1: line too long"));
	pdb.driver->deinit(&pdb);
	xfree(p);
	xfree(big);
}

static void test_username_format(void)
{
	char *p, *args;

	mkdir_tmp();
	p = path_in("users");
	write_file(p, users_text);
	args = xasprintf("username_format=%%n %s", p);
	open_pass(args);
	pass_lookup("alice@example.com");
	T_INTEQ(got.result, DB_OK);
	T_STREQ(got.password, "{PLAIN}secret");
	pdb.driver->deinit(&pdb);
	xfree(args);
	open_pass(p);	/* default %u: the full name must match */
	pass_lookup("alice@example.com");
	T_INTEQ(got.result, DB_NOTFOUND);
	pdb.driver->deinit(&pdb);
	xfree(p);
}

static void test_per_domain_path(void)
{
	char *p, *args;

	mkdir_tmp();
	p = path_in("example.com");
	write_file(p, "alice@example.com:{PLAIN}one:2000:2000::/var/vmail/example.com/alice::"
		   "userdb_mail=maildir:/var/vmail/%d/%n/Maildir\n");
	xfree(p);
	p = path_in("example.org");
	write_file(p, "alice@example.org:{PLAIN}two:2001:2001\n");
	args = xasprintf("%s/%%d", dir);
	open_pass(args);
	pass_lookup("alice@example.com");
	T_STREQ(got.password, "{PLAIN}one");
	T_STREQ(db_fields_get(&got.fields, "userdb_mail"),
		"maildir:/var/vmail/example.com/alice/Maildir");
	pass_lookup("alice@example.org");
	T_STREQ(got.password, "{PLAIN}two");
	pass_lookup("alice@example.net");	/* no file for the domain */
	T_INTEQ(got.result, DB_NOTFOUND);
	T_ASSERT(pdb.cache_key != NULL && strstr(pdb.cache_key, "%d") != NULL);
	pdb.driver->deinit(&pdb);
	open_user(args);
	user_lookup("alice@example.com");
	T_STREQ(db_fields_get(&got.fields, "mail"), "maildir:/var/vmail/example.com/alice/Maildir");
	udb.driver->deinit(&udb);
	xfree(args);
	xfree(p);
}

static void test_unreadable(void)
{
	char *p;

	mkdir_tmp();
	p = path_in("missing");
	open_pass(p);		/* no variables: a missing file is an error */
	pass_lookup("alice");
	T_INTEQ(got.result, DB_INTERNAL);
	T_ASSERT(got.error != NULL && strstr(got.error, "No such file") != NULL);
	pdb.driver->deinit(&pdb);
	open_pass(dir);		/* a directory */
	pass_lookup("alice");
	T_INTEQ(got.result, DB_INTERNAL);
	pdb.driver->deinit(&pdb);
	xfree(p);
	p = path_in("users");
	write_file(p, users_text);
	open_pass(p);
	pass_lookup("alice");
	T_INTEQ(got.result, DB_OK);
	unlink(p);		/* gone after it was loaded: temporary failure, not stale data */
	pass_lookup("alice");
	T_INTEQ(got.result, DB_INTERNAL);
	if (geteuid() != 0) {
		write_file(p, users_text);
		chmod(p, 0);
		pass_lookup("alice");
		T_INTEQ(got.result, DB_INTERNAL);
		T_ASSERT(strstr(got.error, "Permission denied") != NULL);
	}
	pdb.driver->deinit(&pdb);
	xfree(p);
}

static void test_reload(void)
{
	char *p;
	struct timeval tv[2];

	mkdir_tmp();
	p = path_in("users");
	write_file(p, "u1:{PLAIN}aaaa\n");
	open_pass(p);
	pass_lookup("u1");
	T_STREQ(got.password, "{PLAIN}aaaa");
	write_file(p, "u1:{PLAIN}bbbb\n");	/* same size: mtime tells */
	tv[0].tv_sec = tv[1].tv_sec = time(NULL) + 10;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	utimes(p, tv);
	pass_lookup("u1");
	T_STREQ(got.password, "{PLAIN}bbbb");
	write_file(p, "u1:{PLAIN}cc\nu2:{PLAIN}dd\n");	/* size changes */
	pass_lookup("u2");
	T_STREQ(got.password, "{PLAIN}dd");
	{
		char *q = path_in("users.new");

		write_file(q, "u3:{PLAIN}ee\n");		/* rename: new inode */
		rename(q, p);
		xfree(q);
	}
	pass_lookup("u3");
	T_INTEQ(got.result, DB_OK);
	pass_lookup("u1");
	T_INTEQ(got.result, DB_NOTFOUND);
	pdb.driver->deinit(&pdb);
	xfree(p);
}

static struct argv iter_names;
static int iter_ok = -1;

static void iter_emit(const char *user, void *ctx)
{
	(void)ctx;
	argv_add(&iter_names, user);
}

static void iter_done(int ok, void *ctx)
{
	(void)ctx;
	iter_ok = ok;
}

static void test_iterate(void)
{
	char *p, *joined, *args;

	mkdir_tmp();
	p = path_in("users");
	write_file(p, "x1:{PLAIN}a\n#c\nx2:{PLAIN}b\nx1:{PLAIN}dup\nx3\n");
	open_user(p);
	argv_init(&iter_names);
	udb.driver->iterate(&udb, iter_emit, iter_done, NULL);
	T_INTEQ(iter_ok, 1);
	joined = argv_join(&iter_names, ",");
	T_STREQ(joined, "x1,x2,x3");
	xfree(joined);
	udb.driver->deinit(&udb);
	args = xasprintf("%s/%%d", dir);
	open_user(args);
	iter_ok = -1;
	udb.driver->iterate(&udb, iter_emit, iter_done, NULL);
	T_INTEQ(iter_ok, 0);
	udb.driver->deinit(&udb);
	xfree(args);
	xfree(p);
}

static void test_empty_and_crlf(void)
{
	char *p;

	mkdir_tmp();
	p = path_in("empty");
	write_file(p, "");
	open_pass(p);
	pass_lookup("alice");
	T_INTEQ(got.result, DB_NOTFOUND);
	write_file(p, "crlf:{PLAIN}pw:1000:1000\r\nlast:{PLAIN}nolf");	/* CR LF, no final LF */
	pass_lookup("crlf");
	T_STREQ(got.password, "{PLAIN}pw");
	pass_lookup("last");
	T_STREQ(got.password, "{PLAIN}nolf");
	pdb.driver->deinit(&pdb);
	xfree(p);
}

static void test_bad_args(void)
{
	const char *error = NULL;

	memset(&pdb, 0, sizeof(pdb));
	pdb.driver = &passdb_passwd_file;
	T_INTEQ(pdb.driver->init(&pdb, "scheme=PLAIN", &error), -1);
	T_ASSERT(error != NULL && strstr(error, "path") != NULL);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_passdb_fields),
		TEST(test_userdb_fields),
		TEST(test_broken_lines),
		TEST(test_long_line),
		TEST(test_username_format),
		TEST(test_per_domain_path),
		TEST(test_unreadable),
		TEST(test_reload),
		TEST(test_iterate),
		TEST(test_empty_and_crlf),
		TEST(test_bad_args),
	};

	int ret;

	snprintf(base, sizeof(base), "/tmp/test_db_pwf.XXXXXX");
	if (mkdtemp(base) == NULL)
		return 2;
	ret = test_run(cases, TEST_COUNT(cases));
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}
