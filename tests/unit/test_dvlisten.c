/* test_dvlisten - lib/daemon/dvlisten: specs from dovecot.conf, opening, PC_DV_LISTENERS lines */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/dconf.h"
#include "core/mem.h"
#include "daemon/dvlisten.h"
#include "test.h"

static char tmpdir[] = "/tmp/test_dvlisten.XXXXXX";

/* load_r - a configuration from text with base_dir = tmpdir; NULL + error */
static struct dconf *load_r(const char *body, const char **error_r)
{
	char *text = xasprintf("base_dir = %s\n%s", tmpdir, body);
	struct dconf *cfg = NULL;

	if (dconf_load_text(&cfg, "test.conf", tmpdir, text, strlen(text), 0, error_r) < 0)
		cfg = NULL;
	xfree(text);
	return cfg;
}

/* load - the same; the text must load */
static struct dconf *load(const char *body)
{
	const char *error = NULL;
	struct dconf *cfg = load_r(body, &error);

	if (cfg == NULL)
		T_FAIL("load: %s", error);
	return cfg;
}

static const struct dconf_sect *svc(const struct dconf *cfg, const char *name)
{
	return dconf_sect_find(dconf_root(cfg), "service", name);
}

static void test_roundtrip(void)
{
	static const char *const lines[] = {
		"unix /run/dovecot/auth-client", "fifo /run/x/y fifo", "inet imap 0.0.0.0 143",
		"inet imaps :: 993 ssl", "inet lmtp 127.0.0.1 24 haproxy", "inet p 10.0.0.1 1 ssl haproxy",
	};

	for (size_t i = 0; i < TEST_COUNT(lines); i++) {
		struct dv_listener l;
		char *d;

		T_ASSERT_MSG(dvlisten_parse(lines[i], &l) == 0, "row %zu: parse", i);
		T_INTEQ(l.fd, -1);
		d = dvlisten_describe(&l);
		T_ASSERT_MSG(strcmp(d, lines[i]) == 0, "row %zu: %s != %s", i, d, lines[i]);
		xfree(d);
		dvlisten_listeners_free(&l, 1, 0);
	}
}

static void test_parse_rejects(void)
{
	static const char *const bad[] = {
		"", "unix", "unix relative/path", "inet imap 0.0.0.0", "inet imap 0.0.0.0 99999",
		"inet imap 0.0.0.0 12x", "inet imap 0.0.0.0 1 bogus", "tcp x 1.2.3.4 1",
	};

	for (size_t i = 0; i < TEST_COUNT(bad); i++) {
		struct dv_listener l;

		T_ASSERT_MSG(dvlisten_parse(bad[i], &l) < 0, "row %zu accepted: %s", i, bad[i]);
	}
}

static void test_collect(void)
{
	struct dconf *cfg = load("listen = 127.0.0.1\n"
				 "service echo {\n  executable = /bin/true\n"
				 "  unix_listener rel/sock {\n    mode = 0640\n    user = nobody\n  }\n"
				 "  unix_listener /abs/sock {\n  }\n"
				 "  fifo_listener ff {\n    mode = 0620\n  }\n"
				 "  inet_listener a {\n    port = 1234\n    ssl = yes\n  }\n"
				 "  inet_listener b {\n    address = ::1, 127.0.0.2\n    port = 0\n  }\n}\n");
	struct dv_listen_spec *sp;
	const char *error = NULL;
	char *rel = xasprintf("%s/rel/sock", tmpdir);
	int n = dvlisten_collect(cfg, svc(cfg, "echo"), &sp, &error);

	T_INTEQ(n, 5);
	if (n == 5) {
		T_INTEQ(sp[0].kind, DV_LISTEN_UNIX);
		T_STREQ(sp[0].path, rel);
		T_INTEQ(sp[0].mode, 0640);
		T_STREQ(sp[0].user, "nobody");
		T_STREQ(sp[1].path, "/abs/sock");
		T_INTEQ(sp[1].mode, 0600);	/* Dovecot's default */
		T_INTEQ(sp[2].kind, DV_LISTEN_FIFO);
		T_INTEQ(sp[2].mode, 0620);
		T_INTEQ(sp[3].kind, DV_LISTEN_INET);
		T_STREQ(sp[3].path, "a");
		T_STREQ(sp[3].addresses, "127.0.0.1");	/* from listen */
		T_INTEQ(sp[3].port, 1234);
		T_INTEQ(sp[3].ssl, 1);
		T_STREQ(sp[4].addresses, "::1, 127.0.0.2");
		T_INTEQ(sp[4].port, 0);
		dvlisten_free(sp, n);
	}
	xfree(rel);
	dconf_free(&cfg);
}

static void test_collect_bad_port(void)
{
	const char *error = NULL;
	struct dconf *cfg = load_r("service echo {\n  executable = /bin/true\n"
				   "  inet_listener s {\n    port = 70000\n  }\n}\n", &error);
	struct dv_listen_spec *sp;

	if (cfg == NULL) {	/* dconf refuses it itself: fine too, with the port named */
		T_ASSERT(error != NULL && strstr(error, "70000") != NULL);
		return;
	}
	T_INTEQ(dvlisten_collect(cfg, svc(cfg, "echo"), &sp, &error), -1);
	T_ASSERT(error != NULL && strstr(error, "Invalid port: 70000") != NULL);
	dconf_free(&cfg);
}

/* free_port - an ephemeral TCP port that was free a moment ago */
static int free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &len);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void test_open(void)
{
	int port = free_port();
	char *body = xasprintf("service echo {\n  executable = /bin/true\n"
			       "  unix_listener d1/d2/s {\n    mode = 0604\n  }\n"
			       "  inet_listener i {\n    address = 127.0.0.1\n    port = %d\n  }\n"
			       "  inet_listener off {\n    port = 0\n  }\n}\n", port);
	struct dconf *cfg = load(body);
	struct dv_listen_spec *sp;
	struct dv_listener *ls = NULL;
	const char *error = NULL;
	int n = dvlisten_collect(cfg, svc(cfg, "echo"), &sp, &error), nls = 0;
	char *path = xasprintf("%s/d1/d2/s", tmpdir), *d;
	struct stat st;

	T_INTEQ(n, 3);
	for (int i = 0; i < n; i++)
		T_ASSERT_MSG(dvlisten_open(&sp[i], &ls, &nls, &error) == 0, "open %d: %s", i, error);
	T_INTEQ(nls, 2);	/* port 0 opens nothing */
	T_ASSERT(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0604);
	d = dvlisten_describe(&ls[1]);
	{
		char *want = xasprintf("inet i 127.0.0.1 %d", port);

		T_STREQ(d, want);
		xfree(want);
	}
	xfree(d);
	/* a second open of the same specs: the socket is in use, the port too */
	{
		struct dv_listener *ls2 = NULL;
		int nls2 = 0;

		T_INTEQ(dvlisten_open(&sp[0], &ls2, &nls2, &error), -1);
		T_ASSERT(strstr(error, "Socket already exists: ") != NULL);
		T_INTEQ(dvlisten_open(&sp[1], &ls2, &nls2, &error), -1);
		T_ASSERT(strstr(error, "failed: Address already in use") != NULL);
		T_INTEQ(nls2, 0);
	}
	for (int i = 0; i < nls; i++)
		close(ls[i].fd);
	/* closed: the stale socket file is replaced */
	nls = 0;
	dvlisten_listeners_free(ls, 2, 1);
	ls = NULL;
	T_INTEQ(dvlisten_open(&sp[0], &ls, &nls, &error), 0);
	T_INTEQ(nls, 1);
	close(ls[0].fd);
	dvlisten_listeners_free(ls, nls, 1);
	unlink(path);
	dvlisten_free(sp, n);
	dconf_free(&cfg);
	xfree(path);
	xfree(body);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_roundtrip), TEST(test_parse_rejects), TEST(test_collect),
		TEST(test_collect_bad_port), TEST(test_open),
	};
	int ret;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	ret = test_run(cases, TEST_COUNT(cases));
	{
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			ret = 1;
		xfree(cmd);
	}
	return ret;
}
