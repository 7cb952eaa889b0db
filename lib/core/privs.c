/* privs - privilege drop and verification (see privs.h). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/privs.h"

static char errbuf[512];

/* fail - errno-style error */
static int fail(const char **error_r, const char *what)
{
	snprintf(errbuf, sizeof(errbuf), "%s: %s", what, strerror(errno));
	*error_r = errbuf;
	return -1;
}

int privs_lookup_user(const char *name, struct privs_user *user_r, const char **error_r)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		snprintf(errbuf, sizeof(errbuf), "unknown user name value: %s", name);
		*error_r = errbuf;
		return -1;
	}
	user_r->name = xstrdup(pw->pw_name);
	user_r->uid = pw->pw_uid;
	user_r->gid = pw->pw_gid;
	user_r->home = xstrdup(pw->pw_dir);
	return 0;
}

int privs_lookup_group(const char *name, gid_t *gid_r, const char **error_r)
{
	struct group *gr = getgrnam(name);

	if (gr == NULL) {
		snprintf(errbuf, sizeof(errbuf), "unknown group name: %s", name);
		*error_r = errbuf;
		return -1;
	}
	*gid_r = gr->gr_gid;
	return 0;
}

void privs_user_free(struct privs_user *user)
{
	xfree(user->name);
	xfree(user->home);
	user->name = user->home = NULL;
}

/* do_chroot - chroot + chdir */
static int do_chroot(const char *dir, const char **error_r)
{
	char what[300];

	snprintf(what, sizeof(what), "chroot(%s)", dir);
	if (chroot(dir) < 0)
		return fail(error_r, what);
	if (chdir("/") < 0)
		return fail(error_r, "chdir(/)");
	return 0;
}

/* verify - all ids are the target and root cannot come back */
static int verify(uid_t uid, gid_t gid, const char **error_r)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return fail(error_r, "getresuid");
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid) {
		snprintf(errbuf, sizeof(errbuf), "privilege drop incomplete: uid %d/%d/%d gid %d/%d/%d",
			 (int)ru, (int)eu, (int)su, (int)rg, (int)eg, (int)sg);
		*error_r = errbuf;
		return -1;
	}
	if (uid != 0 && setuid(0) == 0) {
		snprintf(errbuf, sizeof(errbuf), "privilege drop failed: could regain root");
		*error_r = errbuf;
		return -1;
	}
	return 0;
}

/* become - shared tail of the privilege drops: groups already set */
static int become(uid_t uid, gid_t gid, const char *chroot_dir, const char **error_r)
{
	if (setresgid(gid, gid, gid) < 0)
		return fail(error_r, "setresgid");
	if (chroot_dir != NULL && do_chroot(chroot_dir, error_r) < 0)
		return -1;
	if (setresuid(uid, uid, uid) < 0)
		return fail(error_r, "setresuid");
	return verify(uid, gid, error_r);
}

/* unprivileged - not root: only our own identity (plus a chroot attempt) */
static int unprivileged(uid_t uid, gid_t gid, const char *chroot_dir, const char **error_r)
{
	if (getuid() != uid || getgid() != gid) {
		snprintf(errbuf, sizeof(errbuf),
			 "cannot switch to uid %d gid %d: not running as root", (int)uid, (int)gid);
		*error_r = errbuf;
		return -1;
	}
	if (chroot_dir != NULL && do_chroot(chroot_dir, error_r) < 0)
		return -1;
	return verify(uid, gid, error_r);
}

int privs_drop(uid_t uid, gid_t gid, const char *user_name, const char *chroot_dir,
	       const char **error_r)
{
	if (geteuid() != 0)
		return unprivileged(uid, gid, chroot_dir, error_r);
	if (user_name != NULL ? initgroups(user_name, gid) < 0 : setgroups(1, &gid) < 0)
		return fail(error_r, "setgroups");
	return become(uid, gid, chroot_dir, error_r);
}

int privs_user_groups(const char *user_name, gid_t gid, gid_t **groups_r, int *ngroups_r,
		      const char **error_r)
{
	int n = 16;
	gid_t *g = xmalloc(sizeof(*g) * (size_t)n);

	while (getgrouplist(user_name, gid, g, &n) < 0) {
		if (n > 65536) {
			xfree(g);
			snprintf(errbuf, sizeof(errbuf), "%s: too many groups", user_name);
			*error_r = errbuf;
			return -1;
		}
		g = xreallocarray(g, (size_t)n, sizeof(*g));
	}
	*groups_r = g;
	*ngroups_r = n;
	return 0;
}

int privs_drop_groups(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
		      const char *chroot_dir, const char **error_r)
{
	if (geteuid() != 0)
		return unprivileged(uid, gid, chroot_dir, error_r);
	if (ngroups > 0 ? setgroups((size_t)ngroups, groups) < 0 : setgroups(1, &gid) < 0)
		return fail(error_r, "setgroups");
	return become(uid, gid, chroot_dir, error_r);
}
