/*
 * child - run one final delivery in a child process that became the
 * destination's owner (STYLE.md practice 20).  The parent (root in
 * production) never opens a user's file: the child drops privileges with
 * privs_drop_groups() first (the groups were resolved before the fork, so
 * the child makes no NSS lookups), then works, and reports a struct dres plus optional
 * bytes (a .forward file's content) through a pipe.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/privs.h"
#include "core/sig.h"
#include "local.h"

void who_free(struct who *w)
{
	xfree(w->name);
	xfree(w->home);
	xfree(w->shell);
	w->name = w->home = w->shell = NULL;
}

void who_copy(struct who *dst, const struct who *src)
{
	dst->uid = src->uid;
	dst->gid = src->gid;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->home = src->home ? xstrdup(src->home) : NULL;
	dst->shell = src->shell ? xstrdup(src->shell) : NULL;
}

/* who_fill - copy a passwd entry */
static int who_fill(const struct passwd *pw, struct who *w)
{
	if (pw == NULL)
		return -1;
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	w->name = xstrdup(pw->pw_name);
	w->home = xstrdup(pw->pw_dir ? pw->pw_dir : "/");
	w->shell = xstrdup(pw->pw_shell ? pw->pw_shell : "");
	return 0;
}

int who_lookup_uid(uid_t uid, struct who *w)
{
	return who_fill(getpwuid(uid), w);
}

int who_lookup_name(const char *name, struct who *w)
{
	return who_fill(getpwnam(name), w);
}

/* child_time_limit - seconds a delivery process may take in all */
static unsigned child_time_limit(void)
{
	long long t = pfconf_get_time(agent.cfg, "command_time_limit") + 600
		      + agent.lock_attempts * (agent.lock_delay > 0 ? agent.lock_delay : 1);

	return t > 0 && t < 86400 ? (unsigned)t : 86400;
}

/* write_all - the whole buffer, or -1 */
static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* child_main - become w, run fn, report; never returns */
static void child_main(int fd, const struct who *w, const gid_t *groups, int ngroups, run_fn *fn,
		       void *ctx, size_t max)
{
	struct dres res;
	struct buf out;
	const char *error;

	memset(&res, 0, sizeof(res));
	buf_init(&out, max);
	signal(SIGPIPE, SIG_IGN);
	alarm(child_time_limit());	/* a hung file system must not hang local */
	if (privs_drop_groups(w->uid, w->gid, groups, ngroups, NULL, &error) < 0)
		dres_set(&res, DS_DEFERRED, "4.3.0", "cannot switch to uid %d: %s", (int)w->uid, error);
	else
		fn(ctx, &res, &out);
	if (write_all(fd, &res, sizeof(res)) < 0 || write_all(fd, out.data, out.len) < 0)
		_exit(1);
	_exit(0);
}

/* read_reply - the child's struct dres and extra bytes */
static int read_reply(int fd, struct dres *res, struct buf *out, size_t max)
{
	char chunk[8192];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*res)) {
		n = read(fd, (char *)res + got, sizeof(*res) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	res->dsn[sizeof(res->dsn) - 1] = '\0';
	res->reason[sizeof(res->reason) - 1] = '\0';
	if (res->status < DS_SENT || res->status > DS_DEFERRED)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (out != NULL && out->len + (size_t)n <= max)
			buf_append(out, chunk, (size_t)n);
	}
	return 0;
}

void run_as(const struct who *w, run_fn *fn, void *ctx, struct dres *res, struct buf *out,
	    size_t max)
{
	int p[2], status, ok, ngroups = 1;
	gid_t *groups = NULL;
	const char *error;
	pid_t pid;

	if (geteuid() != 0 && (w->uid != geteuid() || w->gid != getegid())) {
		/* not root: only our own identity is possible (docs/local.md) */
		dres_set(res, DS_DEFERRED, "4.3.0", "cannot switch to uid %d: %s", (int)w->uid,
			 strerror(EPERM));
		return;
	}
	if (w->name != NULL && geteuid() == 0
	    && privs_user_groups(w->name, w->gid, &groups, &ngroups, &error) < 0) {
		dres_set(res, DS_DEFERRED, "4.3.0", "cannot find the groups of %s: %s", w->name, error);
		return;
	}
	if (groups == NULL) {	/* only the primary (or the spool's) group */
		groups = xmalloc(sizeof(*groups));
		groups[0] = w->gid;
		ngroups = 1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		dres_set(res, DS_DEFERRED, "4.3.0", "cannot create pipe: %s", strerror(errno));
		xfree(groups);
		return;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		xfree(groups);
		dres_set(res, DS_DEFERRED, "4.3.0", "cannot fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(p[1], w, groups, ngroups, fn, ctx, max);
	}
	close(p[1]);
	xfree(groups);
	ok = read_reply(p[0], res, out, max) == 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ok) {
		if (WIFSIGNALED(status))
			msg_warn("delivery process %d killed by signal %d", (int)pid, WTERMSIG(status));
		dres_set(res, DS_DEFERRED, "4.3.0", "delivery process failed");
	}
}
