/*
 * test_dconf - lib/config dovecot.conf parser, settings table, sections,
 * filters, value syntaxes and bounds.  Error texts are the real doveconf's
 * (recorded in tests/data/doveconf/ and tests/integration/test_doveconf.py).
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/dconf.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "test.h"

static char warnings[4096];

/* hook - collect warnings so tests can demand them */
static void hook(enum log_level level, const char *text, void *ctx)
{
	size_t n = strlen(warnings);

	if (level == LOG_LEVEL_WARN)
		snprintf(warnings + n, sizeof(warnings) - n, "%s\n", text);
	(void)ctx;
}

/* load - text as "t.conf" in dir (NULL: no includes); fails the test on error */
static struct dconf *load_in(const char *dir, const char *text, unsigned flags)
{
	struct dconf *cfg = NULL;
	const char *error;

	if (dconf_load_text(&cfg, "t.conf", dir, text, strlen(text), flags, &error) < 0) {
		T_FAIL("load: %s", error);
		return NULL;
	}
	return cfg;
}

static struct dconf *load(const char *text)
{
	return load_in(NULL, text, DCONF_FLAG_NO_FILE_VALUES);
}

/* load_err - the load must fail with exactly want */
static void load_err(const char *text, const char *want)
{
	struct dconf *cfg = NULL;
	const char *error = NULL;

	if (dconf_load_text(&cfg, "t.conf", NULL, text, strlen(text), DCONF_FLAG_NO_FILE_VALUES,
			    &error) == 0) {
		T_FAIL("loaded, expected error %s for: %s", want, text);
		dconf_free(&cfg);
		return;
	}
	T_ASSERT_MSG(strcmp(error, want) == 0, "error \"%s\" != \"%s\" for: %s", error, want, text);
}

/* tmpdir / put - a temp dir with files */
static char *tmpdir(void)
{
	char tmpl[] = "/tmp/test_dconf.XXXXXX";

	return xstrdup(mkdtemp(tmpl));
}

static void put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		T_FAIL("cannot write %s", path);
	} else {
		fputs(text, fp);
		fclose(fp);
	}
	xfree(path);
}

/* test_defaults - table values equal doveconf -d */
static void test_defaults(void)
{
	struct dconf *cfg = dconf_create_default();
	const struct dconf_sect *auth, *l;

	T_STREQ(dconf_get(cfg, "protocols"), "");
	T_STREQ(dconf_get(cfg, "listen"), "*, ::");
	T_STREQ(dconf_get(cfg, "base_dir"), "/run/dovecot");
	T_STREQ(dconf_get(cfg, "auth_username_format"), "%Lu");
	T_STREQ(dconf_get(cfg, "login_greeting"), "Dovecot (Debian) ready.");
	T_STREQ(dconf_get(cfg, "default_vsz_limit"), "256 M");
	T_STREQ(dconf_get(cfg, "postmaster_address"), "postmaster@%{if;%d;ne;;%d;%{hostname}}");
	T_ASSERT(dconf_get(cfg, "no_such_setting") == NULL);
	T_INTEQ(dconf_get_bool(cfg, "disable_plaintext_auth"), 1);
	T_INTEQ(dconf_get_uint(cfg, "first_valid_uid"), 500);
	T_INTEQ(dconf_get_size(cfg, "default_vsz_limit"), 256ULL << 20);
	T_INTEQ(dconf_get_time(cfg, "auth_failure_delay"), 2);
	T_INTEQ(dconf_get_time_msecs(cfg, "default_idle_kill"), 60000);
	T_ASSERT(!dconf_is_set(cfg, "ssl"));
	T_ASSERT(dconf_get_raw(cfg, "ssl") == NULL);
	auth = dconf_sect_find(dconf_root(cfg), "service", "auth");
	T_ASSERT(auth != NULL && dconf_sect_is_default(auth));
	T_STREQ(dconf_sect_get(auth, "executable"), "auth");
	T_STREQ(dconf_sect_get(auth, "user"), "dovecot");	/* $default_internal_user */
	T_STREQ(dconf_sect_get(auth, "process_limit"), "1");
	T_ASSERT(dconf_sect_get(auth, "nosuch") == NULL);
	l = dconf_sect_find(auth, "unix_listener", "auth-userdb");
	T_ASSERT(l != NULL);
	T_STREQ(dconf_sect_get(l, "mode"), "0666");
	l = dconf_sect_find(auth, "unix_listener", "login/login");
	T_ASSERT(l != NULL && strcmp(dconf_sect_get(l, "user"), "") == 0);
	l = dconf_sect_find(dconf_sect_find(dconf_root(cfg), "service", "imap-login"),
			    "inet_listener", "imaps");
	T_STREQ(dconf_sect_get(l, "port"), "993");
	T_STREQ(dconf_sect_get(l, "ssl"), "yes");
	T_STREQ(dconf_sect_where(l), "");
	T_STREQ(dconf_path(cfg), "");
	dconf_free(&cfg);
	T_ASSERT(cfg == NULL);
	dconf_free(&cfg);
}

/* test_builtin_count - every built-in service of doveconf -d, with listeners */
static void test_builtin_count(void)
{
	struct dconf *cfg = dconf_create_default();
	const struct dconf_sect *s = NULL;
	int n = 0, listeners = 0;

	while ((s = dconf_sect_next(dconf_root(cfg), "service", s)) != NULL) {
		const struct dconf_sect *l = NULL;

		n++;
		while ((l = dconf_sect_next(s, NULL, l)) != NULL)
			listeners++;
	}
	T_INTEQ(n, 30);
	T_INTEQ(listeners, 47);	/* grep -c _listener doveconf-d.txt */
	dconf_free(&cfg);
}

/* test_values - quoting, comments, continuation, typed normalisation */
static void test_values(void)
{
	struct dconf *cfg = load(
		"mail_location = maildir:~/Maildir # comment\n"
		"  # indented comment\n"
		"\n"
		"login_greeting = \"  hi # there \"\n"
		"mail_plugins = 'a\\'b'\n"
		"auth_realms = a \\\n"
		"   b \\\n"
		"c\n"
		"auth_debug = Y\n"
		"default_vsz_limit = 1024k\n"
		"auth_failure_delay = 60s\n"
		"first_valid_uid = 012\n"
		"ssl=no\n"
		"recipient_delimiter =\n"
		"mail_home = \"a\\\\b\\\"c\"\n");

	if (cfg == NULL)
		return;
	T_STREQ(dconf_get(cfg, "mail_location"), "maildir:~/Maildir");
	T_STREQ(dconf_get(cfg, "login_greeting"), "  hi # there ");
	T_STREQ(dconf_get(cfg, "mail_plugins"), "a'b");
	T_STREQ(dconf_get(cfg, "auth_realms"), "a b c");
	T_STREQ(dconf_get(cfg, "auth_debug"), "yes");
	T_STREQ(dconf_get(cfg, "default_vsz_limit"), "1 M");
	T_STREQ(dconf_get(cfg, "auth_failure_delay"), "1 mins");
	T_STREQ(dconf_get(cfg, "first_valid_uid"), "12");
	T_STREQ(dconf_get(cfg, "ssl"), "no");
	T_STREQ(dconf_get(cfg, "recipient_delimiter"), "");
	T_ASSERT(dconf_is_set(cfg, "recipient_delimiter"));
	T_STREQ(dconf_get(cfg, "mail_home"), "a\\b\"c");
	dconf_free(&cfg);
}

/* test_ambiguous_hash - '#' without a space before it: comment plus a warning */
static void test_ambiguous_hash(void)
{
	struct dconf *cfg;

	warnings[0] = '\0';
	log_set_hook(hook, NULL);
	cfg = load("mail_plugins = a#x\nmail_home = \"a#b\"\n");
	log_set_hook(NULL, NULL);
	if (cfg == NULL)
		return;
	T_STREQ(dconf_get(cfg, "mail_plugins"), "a");
	T_STREQ(dconf_get(cfg, "mail_home"), "a#b");
	T_ASSERT_MSG(strstr(warnings, "Configuration file t.conf line 1: Ambiguous '#' character "
			    "in line, treating it as comment. Add a space before it to remove "
			    "this warning.") != NULL, "warnings: %s", warnings);
	T_ASSERT(strstr(warnings, "line 2") == NULL);
	dconf_free(&cfg);
}

/* test_self_reference - $key expands to the value so far; other $refs stay */
static void test_self_reference(void)
{
	struct dconf *cfg = load(
		"protocols = $protocols imap\n"
		"protocols = $protocols pop3\n"
		"mail_plugins = a\n"
		"mail_plugins = b $mail_plugins c $mail_plugins\n"
		"auth_realms = x$auth_realms \"$y\"\n"
		"login_greeting = \"$login_greeting\"\n"
		"mail_home = $ssl x\n"
		"service imap {\n"
		"  executable = $executable x\n"
		"}\n");

	if (cfg == NULL)
		return;
	T_STREQ(dconf_get(cfg, "protocols"), " imap pop3");
	T_STREQ(dconf_get(cfg, "mail_plugins"), "b a c a");
	T_STREQ(dconf_get_raw(cfg, "auth_realms"), "x$auth_realms \"$y\"");
	T_STREQ(dconf_get(cfg, "login_greeting"), "$login_greeting");
	/* references to other settings are kept raw and expanded by the getters */
	T_STREQ(dconf_get_raw(cfg, "mail_home"), "$ssl x");
	T_STREQ(dconf_get(cfg, "mail_home"), "yes x");
	T_STREQ(dconf_sect_get(dconf_sect_find(dconf_root(cfg), "service", "imap"), "executable"),
		"imap x");
	dconf_free(&cfg);
}

/* test_sections - named/unnamed/quoted, merging, passdb order, free-form */
static void test_sections(void)
{
	struct dconf *cfg = load(
		"namespace inbox {\n"
		"  inbox = yes\n"
		"  mailbox \"Sent Messages\" {\n"
		"    special_use = \\Sent\n"
		"  }\n"
		"}\n"
		"passdb {\n  driver = pam\n}\n"
		"passdb {\n  driver = passwd-file\n  args = /etc/x\n}\n"
		"userdb {\n  driver = passwd\n}\n"
		"namespace inbox {\n  separator = /\n}\n"
		"plugin {\n  quota = maildir:User quota\n  quota_rule = *:storage=1G\n}\n"
		"service auth {\n"
		"  unix_listener /var/spool/postfix/private/auth {\n"
		"    mode = 0660\n    user = postfix\n  }\n"
		"  unix_listener auth-userdb {\n    mode = 600\n  }\n"
		"}\n"
		"service foo {\n  executable = foo\n  inet_listener bar {\n    port = 1234\n  }\n}\n");
	const struct dconf_sect *root, *ns, *mb, *p, *auth, *l, *pl;
	const char *const *keys;

	if (cfg == NULL)
		return;
	root = dconf_root(cfg);
	ns = dconf_sect_find(root, "namespace", "inbox");
	T_ASSERT(ns != NULL && !dconf_sect_is_default(ns));
	T_STREQ(dconf_sect_get(ns, "inbox"), "yes");
	T_STREQ(dconf_sect_get(ns, "separator"), "/");
	T_STREQ(dconf_sect_get(ns, "type"), "private");
	T_ASSERT(dconf_sect_is_set(ns, "inbox") && !dconf_sect_is_set(ns, "type"));
	T_STREQ(dconf_sect_where(ns), "t.conf:1");
	mb = dconf_sect_find(ns, "mailbox", "Sent Messages");
	T_ASSERT(mb != NULL);
	T_STREQ(dconf_sect_get(mb, "special_use"), "\\Sent");
	T_STREQ(dconf_sect_get(mb, "auto"), "no");
	p = dconf_sect_next(root, "passdb", NULL);
	T_STREQ(dconf_sect_get(p, "driver"), "pam");
	T_STREQ(dconf_sect_name(p), "");
	p = dconf_sect_next(root, "passdb", p);
	T_STREQ(dconf_sect_get(p, "driver"), "passwd-file");
	T_STREQ(dconf_sect_get(p, "args"), "/etc/x");
	T_STREQ(dconf_sect_get(p, "result_success"), "return-ok");
	T_ASSERT(dconf_sect_next(root, "passdb", p) == NULL);
	T_STREQ(dconf_sect_get(dconf_sect_next(root, "userdb", NULL), "driver"), "passwd");
	pl = dconf_sect_find(root, "plugin", "");
	T_STREQ(dconf_sect_get(pl, "quota"), "maildir:User quota");
	keys = dconf_sect_keys(pl);
	T_STREQ(keys[0], "quota");
	T_STREQ(keys[1], "quota_rule");
	T_ASSERT(keys[2] == NULL);
	auth = dconf_sect_find(root, "service", "auth");
	T_ASSERT(!dconf_sect_is_default(auth));
	l = dconf_sect_find(auth, "unix_listener", "/var/spool/postfix/private/auth");
	T_STREQ(dconf_sect_get(l, "mode"), "0660");
	T_STREQ(dconf_sect_get(l, "user"), "postfix");
	T_STREQ(dconf_sect_get(l, "group"), "");
	l = dconf_sect_find(auth, "unix_listener", "auth-userdb");
	T_STREQ(dconf_sect_get(l, "mode"), "01130");	/* 600 decimal, as Dovecot */
	T_STREQ(dconf_sect_get(l, "user"), "dovecot");	/* built-in value kept */
	T_ASSERT(dconf_sect_is_default(dconf_sect_find(auth, "unix_listener", "auth-master")));
	l = dconf_sect_find(dconf_sect_find(root, "service", "foo"), "inet_listener", "bar");
	T_STREQ(dconf_sect_get(l, "port"), "1234");
	T_STREQ(dconf_sect_type(l), "inet_listener");
	dconf_free(&cfg);
}

/* test_includes - globs relative to the including file, include_try, recursion */
static void test_includes(void)
{
	char *dir = tmpdir(), *sub = xasprintf("%s/conf.d", dir), *top;
	struct dconf *cfg = NULL;
	const char *error;

	mkdir(sub, 0700);
	put(dir, "conf.d/10-a.conf", "protocols = $protocols imap\n!include ../inc/x.inc\n");
	put(dir, "conf.d/20-b.conf", "protocols = $protocols pop3\n");
	put(dir, "conf.d/skip.txt", "garbage garbage\n");
	mkdir(xasprintf("%s/inc", dir), 0700);
	put(dir, "inc/x.inc", "mail_plugins = quota\n");
	put(dir, "dovecot.conf", "!include conf.d/*.conf\n!include_try nosuch/*.conf\n"
	    "!include_try local.conf\nssl_cert = <cert.pem\n");
	put(dir, "cert.pem", "CERT\n");
	top = xasprintf("%s/dovecot.conf", dir);
	if (dconf_load(&cfg, top, 0, &error) < 0) {
		T_FAIL("load: %s", error);
	} else {
		T_STREQ(dconf_get(cfg, "protocols"), " imap pop3");
		T_STREQ(dconf_get(cfg, "mail_plugins"), "quota");
		T_STREQ(dconf_get(cfg, "ssl_cert"), "CERT\n");
		T_STREQ(dconf_get_raw(cfg, "ssl_cert"), "<cert.pem");
		T_STREQ(dconf_path(cfg), top);
		dconf_free(&cfg);
	}
	/* without reading file values */
	if (dconf_load(&cfg, top, DCONF_FLAG_NO_FILE_VALUES, &error) == 0) {
		T_STREQ(dconf_get(cfg, "ssl_cert"), "<cert.pem");
		dconf_free(&cfg);
	}
	put(dir, "dovecot.conf", "ssl_key = <nosuch.pem\n");
	T_ASSERT(dconf_load(&cfg, top, 0, &error) < 0);
	T_ASSERT_MSG(strstr(error, "line 1: ssl_key: Can't open file nosuch.pem: No such file "
			    "or directory") != NULL, "%s", error);
	put(dir, "dovecot.conf", "!include conf.d/nomatch*.conf\n");
	T_ASSERT(dconf_load(&cfg, top, 0, &error) < 0);
	T_ASSERT_MSG(strstr(error, "line 1: No matches") != NULL, "%s", error);
	put(dir, "dovecot.conf", "\n!include dovecot.conf\n");
	T_ASSERT(dconf_load(&cfg, top, 0, &error) < 0);
	T_ASSERT_MSG(strstr(error, "line 2: Recursive include file: ") != NULL, "%s", error);
	put(dir, "dovecot.conf", "!include {conf.d/20-b.conf,inc/x.inc}\n");
	if (dconf_load(&cfg, top, 0, &error) < 0) {
		T_FAIL("brace glob: %s", error);
	} else {
		T_STREQ(dconf_get(cfg, "mail_plugins"), "quota");
		dconf_free(&cfg);
	}
	/* text loads resolve includes against dir */
	cfg = load_in(dir, "!include inc/x.inc\n", 0);
	if (cfg != NULL) {
		T_STREQ(dconf_get(cfg, "mail_plugins"), "quota");
		dconf_free(&cfg);
	}
	T_ASSERT(dconf_load(&cfg, "/nonexistent/dovecot.conf", 0, &error) < 0);
	T_STREQ(error, "open(/nonexistent/dovecot.conf) failed: No such file or directory");
}

/* test_include_errors_name_file - errors inside an included file name that file */
static void test_include_errors_name_file(void)
{
	char *dir = tmpdir(), *top = xasprintf("%s/dovecot.conf", dir);
	char *want = xasprintf("Error in configuration file %s/b.conf line 2: Unknown setting: "
			       "nosuch", dir);
	struct dconf *cfg;
	const char *error;

	put(dir, "dovecot.conf", "!include b.conf\n");
	put(dir, "b.conf", "ssl = no\nnosuch = 1\n");
	T_ASSERT(dconf_load(&cfg, top, 0, &error) < 0);
	T_STREQ(error, want);
}

/* test_errors - every parser error in doveconf's wording */
static void test_errors(void)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "foo = 1\n", "line 1: Unknown setting: foo" },
		{ "foo {\n}\n", "line 1: Unknown setting: foo { foo" },
		{ "service x {\n  foo = 1\n}\n", "line 2: Unknown setting: service { foo" },
		{ "mailbox x {\n}\n", "line 1: Unknown setting: mailbox { mailbox" },
		{ "service x {\n  mailbox y {\n  }\n}\n",
		  "line 2: Unknown setting: service { mailbox { mailbox" },
		{ "}\n", "line 1: Unexpected '}'" },
		{ "service x {a\n}\n", "line 1: Garbage after '{'" },
		{ "service x\n", "line 1: Expecting '{'" },
		{ "ssl\n", "line 1: Expecting '{'" },
		{ "!foo x\n", "line 1: Expecting '{'" },
		{ "service x {\n executable = x\n} x\n", "line 3: Expecting '{'" },
		{ "ssl = maybe\n", "line 1: Invalid value: maybe" },
		{ "ssl = \"yes\n", "line 1: Invalid value: \"yes" },
		{ "auth_debug = maybe\n", "line 1: Invalid boolean value: maybe (use yes or no)" },
		{ "auth_debug = true\n", "line 1: Invalid boolean value: true (use yes or no)" },
		{ "default_vsz_limit = 10 X\n", "line 1: Invalid size: 10 X" },
		{ "default_vsz_limit = 1.5M\n", "line 1: Invalid size: 1.5M" },
		{ "default_vsz_limit = 18446744073709551616\n",
		  "line 1: Invalid size: 18446744073709551616" },
		{ "auth_failure_delay = 10 x\n", "line 1: Invalid time interval: 10 x" },
		{ "auth_failure_delay = 10\n",
		  "line 1: Time interval '10' is missing units (add e.g. 's' for seconds)" },
		{ "auth_failure_delay = 10ms\n",
		  "line 1: Milliseconds not supported for this setting: 10ms" },
		{ "auth_failure_delay = 4294967296s\n",
		  "line 1: Time interval is too large: 4294967296s" },
		{ "first_valid_uid = abc\n", "line 1: Invalid number abc: Not a valid number" },
		{ "first_valid_uid = -1\n", "line 1: Invalid number -1: Number too small" },
		{ "first_valid_uid = 4294967296\n",
		  "line 1: Invalid number 4294967296: Number too large" },
		{ "first_valid_uid = 0x10\n", "line 1: Invalid number 0x10: Not a valid number" },
		{ "doveadm_port = zzz\n", "line 1: Invalid port number zzz" },
		{ "service x {\n executable = x\n unix_listener a {\n mode = 08\n }\n}\n",
		  "line 4: Invalid number: 08" },
		{ "!include nosuch.conf\n", "line 1: No matches" },
		{ "protocol imap pop3 {\n}\n", "line 1: Expecting '{'" },
		{ "protocol imap {\n  protocol pop3 {\n  }\n}\n",
		  "line 2: Nested protocol { protocol { .. } } block not allowed" },
		{ "protocol imap {\n  local 1.2.3.4 {\n  }\n}\n",
		  "line 2: protocol { local { .. } } not allowed (use local { protocol { .. } } "
		  "instead)" },
		{ "remote 1.2.3.0/24 {\n local 1.2.3.4 {\n }\n}\n",
		  "line 2: remote { local { .. } } not allowed (use local { remote { .. } } instead)" },
		{ "local_name x {\n local 1.2.3.4 {\n }\n}\n",
		  "line 2: local_name { local { .. } } not allowed (use local { local_name { .. } } "
		  "instead)" },
		{ "local 1.2.3.4 {\n local 1.2.3.5 {\n }\n}\n",
		  "line 2: local net1 { local net2 { .. } } requires net2 to be inside net1" },
		{ "local 1.2.3.4/40 {\n}\n", "line 1: Invalid network mask: 40" },
		{ "local foo {\n}\n", "line 1: gethostbyname(foo) failed: Name or service not known" },
		{ "protocol imap {\n foo = 1\n}\n", "line 2: Unknown setting: foo" },
		{ "passdb foo {\n driver = pam\n}\npassdb foo {\n args = x\n}\n",
		  "line 4: passdb/foo already exists" },
		{ "plugin {\n  x {\n }\n}\n", "line 2: Section not allowed here" },
		{ " = x\n", "line 1: Missing key name ('=' at the beginning of line)" },
		{ "remote 1.2.3.4 {\n  auth_verbose = yes\n}\n",
		  "line 2: Auth settings not supported inside local/remote blocks: auth_verbose" },
		{ "local 1.2.3.0/24 {\n  protocol imap {\n    first_valid_uid = 5\n  }\n}\n",
		  "line 3: Auth settings not supported inside local/remote blocks: first_valid_uid" },
	};

	for (size_t i = 0; i < TEST_COUNT(cases); i++) {
		char *want = xasprintf("Error in configuration file t.conf %s", cases[i].msg);

		load_err(cases[i].text, want);
		xfree(want);
	}
}

/* test_check_errors - the checks after parsing (no line number) */
static void test_check_errors(void)
{
	struct dconf *cfg;
	const char *error, *detail;

	load_err("service x {\n", "Error in configuration file t.conf: Missing '}' (section "
		 "started at t.conf:1)");
	load_err("passdb {\n}\n", "Error in configuration file t.conf: passdb is missing driver");
	load_err("userdb {\n}\n", "Error in configuration file t.conf: userdb is missing driver");
	load_err("service {\n}\n", "Error in configuration file t.conf: Service #30 is missing name");
	load_err("protocols = foo\n",
		 "Error in configuration file t.conf: protocols: Unknown protocol: foo");
	load_err("namespace inbox {\n separator = ab\n}\n", "Error in configuration file t.conf: "
		 "Namespace '': Hierarchy separator must be only one character long");
	/* NO_CHECKS defers them to dconf_check */
	cfg = load_in(NULL, "protocols = foo\n", DCONF_FLAG_NO_CHECKS);
	if (cfg != NULL) {
		T_INTEQ(dconf_check(cfg, &error, &detail), -1);
		T_STREQ(detail, "protocols: Unknown protocol: foo");
		dconf_free(&cfg);
	}
	cfg = load("protocols = imap pop3 lmtp submission\n");
	if (cfg != NULL) {
		T_INTEQ(dconf_check(cfg, &error, NULL), 0);
		dconf_free(&cfg);
	}
	cfg = load("protocols = none\n");
	dconf_free(&cfg);
}

/* test_filters - blocks, lookups through them, most specific wins */
static void test_filters(void)
{
	struct dconf *cfg;
	struct dconf_filter f = { NULL, NULL, NULL, NULL };

	warnings[0] = '\0';
	log_set_hook(hook, NULL);
	cfg = load(
		"mail_plugins = quota\n"
		"protocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}\n"
		"protocol !indexer-worker {\n  mail_vsize_bg_after_count = 5\n}\n"
		"remote 10.0.0.0/8 {\n  ssl = no\n  protocol pop3 {\n    ssl = required\n  }\n}\n"
		"local 127.0.0.1 {\n  mail_debug = yes\n}\n"
		"local ::1 {\n  mail_debug = yes\n}\n"
		"local_name mail.example.com {\n  ssl_cert = <x.pem\n}\n"
		"ssl = yes\n");
	log_set_hook(NULL, NULL);
	if (cfg == NULL)
		return;
	T_STREQ(dconf_get(cfg, "mail_plugins"), "quota");
	T_STREQ(dconf_get_filter(cfg, &f, "mail_plugins"), "quota");
	f.protocol = "imap";
	T_STREQ(dconf_get_filter(cfg, &f, "mail_plugins"), "quota imap_quota");
	T_STREQ(dconf_get_filter(cfg, &f, "mail_vsize_bg_after_count"), "5");
	f.protocol = "indexer-worker";
	T_STREQ(dconf_get_filter(cfg, &f, "mail_vsize_bg_after_count"), "0");
	f.protocol = "pop3";
	T_STREQ(dconf_get_filter(cfg, &f, "ssl"), "yes");
	f.remote_ip = "10.1.2.3";
	T_STREQ(dconf_get_filter(cfg, &f, "ssl"), "required");
	f.protocol = "imap";
	T_STREQ(dconf_get_filter(cfg, &f, "ssl"), "no");
	T_INTEQ(dconf_get_filter_bool(cfg, &f, "mail_debug"), 0);
	f.local_ip = "127.0.0.1";
	T_INTEQ(dconf_get_filter_bool(cfg, &f, "mail_debug"), 1);
	f.local_ip = "::1";
	T_INTEQ(dconf_get_filter_bool(cfg, &f, "mail_debug"), 1);
	f.local_ip = "127.0.0.2";
	T_INTEQ(dconf_get_filter_bool(cfg, &f, "mail_debug"), 0);
	f.remote_ip = "11.0.0.1";
	T_STREQ(dconf_get_filter(cfg, &f, "ssl"), "yes");
	f.local_name = "MAIL.example.com";
	T_STREQ(dconf_get_filter(cfg, &f, "ssl_cert"), "<x.pem");
	T_ASSERT(dconf_get_filter(cfg, &f, "nosuch") == NULL);
	/* the global after the filter draws Dovecot's warning */
	T_ASSERT_MSG(strstr(warnings, "t.conf line 23: Global setting ssl won't change the setting "
			    "inside an earlier filter at t.conf line 9 (if this is intentional, "
			    "avoid this warning by moving the global setting before t.conf line "
			    "9)") != NULL, "warnings: %s", warnings);
	/* filters are not sections */
	T_ASSERT(dconf_sect_find(dconf_root(cfg), "protocol", "imap") == NULL);
	dconf_free(&cfg);
}

/* test_parse_syntaxes - the public value parsers */
static void test_parse_syntaxes(void)
{
	unsigned long long v;
	int b;

	T_ASSERT(dconf_parse_bool("YES", &b) == 0 && b == 1);
	T_ASSERT(dconf_parse_bool("1", &b) == 0 && b == 1);
	T_ASSERT(dconf_parse_bool("n", &b) == 0 && b == 0);
	T_ASSERT(dconf_parse_bool("true", &b) < 0);
	T_ASSERT(dconf_parse_bool("", &b) < 0);
	T_ASSERT(dconf_parse_size("10", &v) == 0 && v == 10);
	T_ASSERT(dconf_parse_size("10 kB", &v) == 0 && v == 10240);
	T_ASSERT(dconf_parse_size("1 kiB", &v) == 0 && v == 1024);
	T_ASSERT(dconf_parse_size("2G", &v) == 0 && v == 2ULL << 30);
	T_ASSERT(dconf_parse_size("3 T", &v) == 0 && v == 3ULL << 40);
	T_ASSERT(dconf_parse_size("18446744073709551615 B", &v) == 0 && v == ~0ULL);
	T_ASSERT(dconf_parse_size("16777216T", &v) < 0);
	T_ASSERT(dconf_parse_size("", &v) < 0);
	T_ASSERT(dconf_parse_size("1 X", &v) < 0);
	T_ASSERT(dconf_parse_time("2 secs", &v) == 0 && v == 2000);
	T_ASSERT(dconf_parse_time("10ms", &v) == 0 && v == 10);
	T_ASSERT(dconf_parse_time("1 weeks", &v) == 0 && v == 604800000ULL);
	T_ASSERT(dconf_parse_time("3h", &v) == 0 && v == 10800000ULL);
	T_ASSERT(dconf_parse_time("0", &v) == 0 && v == 0);
	T_ASSERT(dconf_parse_time("5", &v) < 0);
	T_ASSERT(dconf_parse_time("5 fortnights", &v) < 0);
}

/* test_typed_fatal - malformed values reaching the typed getters are fatal */
static void test_typed_fatal(void)
{
	struct dconf *cfg = load("mail_home = abc\n");

	if (cfg == NULL)
		return;
	T_EXPECT_EXIT(1, dconf_get_bool(cfg, "mail_home"));
	T_EXPECT_EXIT(1, dconf_get_size(cfg, "mail_home"));
	T_EXPECT_EXIT(1, dconf_get_time(cfg, "mail_home"));
	T_EXPECT_EXIT(1, dconf_get_uint(cfg, "mail_home"));
	dconf_free(&cfg);
}

/* test_bounds - long lines, deep nesting and includes, NUL bytes, big input */
static void test_bounds(void)
{
	struct buf b;
	struct dconf *cfg = NULL;
	const char *error;
	char *dir = tmpdir(), *top = xasprintf("%s/a.conf", dir);

	buf_init(&b, 0);
	buf_append_str(&b, "mail_plugins = ");
	for (int i = 0; i < 70000; i++)
		buf_append_c(&b, 'x');
	buf_append_c(&b, '\n');
	T_ASSERT(dconf_load_text(&cfg, "t.conf", NULL, b.data, b.len, 0, &error) < 0);
	T_STREQ(error, "Error in configuration file t.conf line 1: Line too long");
	buf_reset(&b);
	for (int i = 0; i < 40000; i++)
		buf_append_str(&b, "a \\\n");
	T_ASSERT(dconf_load_text(&cfg, "t.conf", NULL, b.data, b.len, 0, &error) < 0);
	T_ASSERT_MSG(strstr(error, "Line too long") != NULL, "%s", error);
	buf_reset(&b);
	for (int i = 0; i < 40; i++)
		buf_append_str(&b, "namespace x {\n mailbox y {\n");
	T_ASSERT(dconf_load_text(&cfg, "t.conf", NULL, b.data, b.len, 0, &error) < 0);
	buf_reset(&b);
	for (int i = 0; i < 40; i++)
		buf_append_str(&b, "local 10.0.0.0/8 {\n");
	T_ASSERT(dconf_load_text(&cfg, "t.conf", NULL, b.data, b.len, 0, &error) < 0);
	T_ASSERT_MSG(strstr(error, "Sections nested too deeply") != NULL, "%s", error);
	T_ASSERT(dconf_load_text(&cfg, "t.conf", NULL, "ssl = no\0x\n", 11, 0, &error) < 0);
	T_ASSERT_MSG(strstr(error, "NUL") != NULL, "%s", error);
	/* a include chain deeper than the bound (no file includes itself) */
	for (int i = 0; i < 30; i++) {
		char name[32], text[64];

		snprintf(name, sizeof(name), "%c.conf", 'a' + i);
		snprintf(text, sizeof(text), "!include %c.conf\n", 'a' + i + 1);
		put(dir, name, text);
	}
	T_ASSERT(dconf_load(&cfg, top, 0, &error) < 0);
	T_ASSERT_MSG(strstr(error, "Too deep include file nesting") != NULL, "%s", error);
	buf_deinit(&b);
}

/* lcg - deterministic pseudo-random numbers for the fuzz loop */
static unsigned lcg(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/* test_fuzz - random mutations of a valid config never crash the parser */
static void test_fuzz(void)
{
	static const char base[] =
		"protocols = $protocols imap\nservice auth {\n unix_listener x {\n  mode = 0600\n"
		" }\n}\nprotocol imap {\n mail_plugins = \"a # b\"\n}\nlocal 1.2.3.0/24 {\n"
		" remote 1.2.3.4 {\n  ssl = no\n }\n}\nnamespace inbox {\n mailbox 'A b' {\n"
		"  auto = create\n }\n}\nplugin {\n x = y \\\n z\n}\npassdb {\n driver = pam\n}\n";
	static const char alphabet[] = "{}\"'#\\=<$ \n\t!/.a0:;%";
	unsigned seed = 12345;
	char buf[sizeof(base) + 64];

	log_set_hook(hook, NULL);
	for (int iter = 0; iter < 3000; iter++) {
		struct dconf *cfg = NULL;
		const char *error;
		size_t len = sizeof(base) - 1;
		int muts = 1 + (int)(lcg(&seed) % 6);

		memcpy(buf, base, len);
		for (int m = 0; m < muts; m++) {
			size_t pos = lcg(&seed) % len;

			buf[pos] = alphabet[lcg(&seed) % (sizeof(alphabet) - 1)];
		}
		warnings[0] = '\0';
		if (dconf_load_text(&cfg, "f.conf", NULL, buf, len, DCONF_FLAG_NO_FILE_VALUES,
				    &error) == 0) {
			const struct dconf_sect *s = NULL;

			while ((s = dconf_sect_next(dconf_root(cfg), NULL, s)) != NULL)
				(void)dconf_sect_keys(s);
			(void)dconf_get(cfg, "protocols");
			dconf_free(&cfg);
		} else {
			T_ASSERT(strncmp(error, "Error in configuration file f.conf", 34) == 0);
		}
	}
	log_set_hook(NULL, NULL);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_defaults), TEST(test_builtin_count), TEST(test_values),
		TEST(test_ambiguous_hash), TEST(test_self_reference), TEST(test_sections),
		TEST(test_includes), TEST(test_include_errors_name_file), TEST(test_errors),
		TEST(test_check_errors), TEST(test_filters), TEST(test_parse_syntaxes),
		TEST(test_typed_fatal), TEST(test_bounds), TEST(test_fuzz),
	};

	return test_run(cases, TEST_COUNT(cases));
}
