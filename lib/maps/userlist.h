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
 */
#ifndef PC_MAPS_USERLIST_H
#define PC_MAPS_USERLIST_H

struct userlist;

/* userlist_open - 0, or -1 with *error_r when a table cannot be opened */
int userlist_open(const char *list, struct userlist **ul_r, const char **error_r);
int userlist_match(struct userlist *ul, const char *user, const char **error_r);
void userlist_close(struct userlist **ulp);

#endif
