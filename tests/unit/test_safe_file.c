/* test_safe_file - lib/core/safe_file and lib/core/privs */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "core/privs.h"
#include "core/safe_file.h"
#include "test.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/test_safe.XXXXXX";

	return xstrdup(mkdtemp(tmpl));
}

static void test_refuses_symlink_and_hardlink(void)
{
	char *d = tmpdir();
	char *f = xasprintf("%s/file", d), *l = xasprintf("%s/link", d), *h = xasprintf("%s/hard", d);
	const char *error;
	int fd;

	fd = safe_open(f, O_WRONLY | O_CREAT | O_EXCL, 0600, NULL, &error);
	T_ASSERT(fd >= 0);
	close(fd);
	T_INTEQ(symlink(f, l), 0);
	T_INTEQ(safe_open(l, O_RDONLY, 0, NULL, &error), -1);
	T_ASSERT(strstr(error, "symbolic link") != NULL);
	T_INTEQ(link(f, h), 0);
	T_INTEQ(safe_open(f, O_RDONLY, 0, NULL, &error), -1);
	T_ASSERT(strstr(error, "more than one hard link") != NULL);
	T_INTEQ(safe_open(d, O_RDONLY, 0, NULL, &error), -1);
	T_ASSERT(strstr(error, "not a regular file") != NULL);
	T_INTEQ(safe_open(f, O_WRONLY | O_CREAT | O_EXCL, 0600, NULL, &error), -1);
	T_INTEQ(safe_open("/nonexistent/x", O_RDONLY, 0, NULL, &error), -1);
	T_STREQ(error, "open /nonexistent/x: No such file or directory");
}

static void test_atomic_write(void)
{
	char *d = tmpdir();
	char *f = xasprintf("%s/main.cf", d);
	const char *error;
	char buf[64];
	struct stat st;
	int fd;
	ssize_t n;

	T_INTEQ(safe_write_atomic(f, "old\n", 4, 0644, &error), 0);
	T_INTEQ(safe_write_atomic(f, "new content\n", 12, 0640, &error), 0);
	fd = open(f, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	T_INTEQ(n, 12);
	T_INTEQ(stat(f, &st), 0);
	T_INTEQ(st.st_mode & 0777, 0640);
	/* no temp files left behind */
	{
		char *tmp = xasprintf("%s.tmp.%ld", f, (long)getpid());

		T_INTEQ(access(tmp, F_OK), -1);
	}
	T_INTEQ(safe_write_atomic("/nonexistent/x", "a", 1, 0644, &error), -1);
}

static void test_lock_and_pidfile(void)
{
	char *d = tmpdir();
	char *p = xasprintf("%s/master.pid", d);
	const char *error;
	pid_t other = 0;
	int fd, up[2], down[2];	/* child -> parent, parent -> child */
	pid_t child;

	T_INTEQ(pidfile_locked(p), 0);
	if (pipe(up) < 0 || pipe(down) < 0)
		abort();
	child = fork();
	if (child == 0) {
		char c;

		if (pidfile_acquire(p, NULL, &error) < 0)
			_exit(1);
		if (write(up[1], "x", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	{
		char c;

		T_INTEQ(read(up[0], &c, 1), 1);
	}
	T_INTEQ(pidfile_locked(p), 1);
	T_INTEQ(pidfile_read(p), child);
	fd = pidfile_acquire(p, &other, &error);
	T_INTEQ(fd, -1);
	T_INTEQ(errno, EAGAIN);
	T_INTEQ(other, child);
	if (write(down[1], "x", 1) != 1)
		abort();
	waitpid(child, NULL, 0);
	T_INTEQ(pidfile_locked(p), 0);
	fd = pidfile_acquire(p, NULL, &error);
	T_ASSERT(fd >= 0);
	T_INTEQ(pidfile_read(p), getpid());
}

static void test_mkdir_p(void)
{
	char *d = tmpdir();
	char *deep = xasprintf("%s/a/b/c", d);
	const char *error;
	struct stat st;

	T_INTEQ(mkdir_p(deep, 0750, &error), 0);
	T_INTEQ(stat(deep, &st), 0);
	T_ASSERT(S_ISDIR(st.st_mode));
	T_INTEQ(mkdir_p(deep, 0750, &error), 0);	/* existing is fine */
	T_INTEQ(fsync_dir(deep, &error), 0);
}

static void test_privs_lookup(void)
{
	struct privs_user u;
	const char *error;
	gid_t gid;

	T_INTEQ(privs_lookup_user("root", &u, &error), 0);
	T_INTEQ(u.uid, 0);
	privs_user_free(&u);
	T_INTEQ(privs_lookup_user("no-such-user-pc", &u, &error), -1);
	T_STREQ(error, "unknown user name value: no-such-user-pc");
	T_INTEQ(privs_lookup_group("no-such-group-pc", &gid, &error), -1);
}

static void test_privs_drop(void)
{
	const char *error;
	struct passwd *pw = getpwnam("nobody");

	if (geteuid() != 0) {
		/* not root: dropping to ourselves is a no-op, to anyone else fails */
		T_INTEQ(privs_drop(getuid(), getgid(), NULL, NULL, &error), 0);
		T_INTEQ(privs_drop(getuid() + 1, getgid(), NULL, NULL, &error), -1);
		return;
	}
	T_ASSERT(pw != NULL);
	/* as root: drop to nobody with a chroot, then root must not come back */
	{
		char *d = tmpdir();
		uid_t r, e, s;

		T_INTEQ(privs_drop(pw->pw_uid, pw->pw_gid, "nobody", d, &error), 0);
		T_INTEQ(getresuid(&r, &e, &s), 0);
		T_INTEQ(r, pw->pw_uid);
		T_INTEQ(s, pw->pw_uid);
		T_INTEQ(setuid(0), -1);
		T_INTEQ(access("/etc/passwd", F_OK), -1);	/* jailed */
	}
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_refuses_symlink_and_hardlink),
		TEST(test_atomic_write),
		TEST(test_lock_and_pidfile),
		TEST(test_mkdir_p),
		TEST(test_privs_lookup),
		TEST(test_privs_drop),
	};
	return test_run(cases, TEST_COUNT(cases));
}
