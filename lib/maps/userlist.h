/*
 * userlist - Postfix's user name lists (authorized_submit_users,
 * authorized_mailq_users, authorized_flush_users): a comma/space list of
 * patterns matched against a login name, first match wins.
 *
 * A pattern is a name (compared case-insensitively), "type:table" (the
 * name is looked up; found means match, so "static:anyone" matches every
 * name), or either of them after "!" (a match means "not in the list").
 * No match: not in the list.
 *
 * Usage: userlist_open() parses the list and opens its tables (a daemon
 * does this before its chroot), userlist_match() then answers 1 (in the
 * list), 0 (not) or -1 with *error_r (a table lookup failed: callers
 * deny); userlist_close() releases it.
 *
 * User names of uids (the services check a client's SO_PEERCRED uid): a
 * daemon chrooted into the queue directory cannot read the passwd
 * database, so it calls userlist_names_load() before the jail; it keeps a
 * uid -> login name table (at most USERLIST_NAMES_MAX entries, the first
 * name of each uid).  userlist_uid_name() answers from it, else getpwuid().
 */
#ifndef PC_MAPS_USERLIST_H
#define PC_MAPS_USERLIST_H

#include <sys/types.h>

struct userlist;

/* userlist_open - 0, or -1 with *error_r when a table cannot be opened */
int userlist_open(const char *list, struct userlist **ul_r, const char **error_r);
int userlist_match(struct userlist *ul, const char *user, const char **error_r);
void userlist_close(struct userlist **ulp);

#define USERLIST_NAMES_MAX	200000

/* userlist_names_load - snapshot the passwd database (call before a chroot) */
void userlist_names_load(void);
/* userlist_uid_name - login name of uid (static storage), or NULL when unknown */
const char *userlist_uid_name(uid_t uid);
/*
 * userlist_match_uid - userlist_match() for a uid's login name (its decimal
 * number when it has none); *name_r is the name for messages ("unknown")
 */
int userlist_match_uid(struct userlist *ul, uid_t uid, const char **name_r, const char **error_r);
/*
 * userlist_permits - the policy of the public services: uid 0 and owner
 * (mail_owner) always, others when in ul (NULL: nobody else); 1, 0, or -1
 * with *error_r (deny)
 */
int userlist_permits(struct userlist *ul, uid_t uid, uid_t owner, const char **name_r,
		     const char **error_r);

#endif
