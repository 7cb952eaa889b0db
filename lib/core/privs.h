/*
 * privs - one audited way to give up privileges (STYLE.md practice 18).
 *
 * privs_drop(): supplementary groups (initgroups for the named user, or only
 * the primary gid), setresgid, optional chroot + chdir("/"), setresuid, then
 * verification: real/effective/saved ids all equal the target, and when the
 * target is not root, setuid(0) must fail.  Any failure is reported through
 * error_r; callers treat it as fatal.  When the process is not root and
 * already runs as the target uid/gid, only the chroot (if any) is attempted.
 */
#ifndef PC_CORE_PRIVS_H
#define PC_CORE_PRIVS_H

#include <sys/types.h>

struct privs_user {
	char *name;
	uid_t uid;
	gid_t gid;
	char *home;
};

/* privs_lookup_user - resolve a login name; -1 + "unknown user name value: NAME" */
int privs_lookup_user(const char *name, struct privs_user *user_r, const char **error_r);
/* privs_lookup_group - resolve a group name */
int privs_lookup_group(const char *name, gid_t *gid_r, const char **error_r);
void privs_user_free(struct privs_user *user);

/* privs_drop - become uid/gid (user_name for initgroups, may be NULL); chroot_dir may be NULL */
int privs_drop(uid_t uid, gid_t gid, const char *user_name, const char *chroot_dir,
	       const char **error_r);

/*
 * privs_user_groups - the supplementary groups of a user (getgrouplist,
 * the primary gid included) as a malloc'ed array: resolve them before a
 * fork, so the child that drops privileges makes no NSS lookups (which may
 * load modules and talk to services on every delivery).
 */
int privs_user_groups(const char *user_name, gid_t gid, gid_t **groups_r, int *ngroups_r,
		      const char **error_r);
/* privs_drop_groups - privs_drop() with groups resolved beforehand */
int privs_drop_groups(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
		      const char *chroot_dir, const char **error_r);

#endif
