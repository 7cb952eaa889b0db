/*
 * peer - who is on the other end of a local (UNIX stream) connection:
 * the public services that serve plain users (showq for mailq, flush for
 * postqueue -f) check the client's kernel-verified uid (SO_PEERCRED)
 * against an authorized_*_users list, as Postfix's set-gid postqueue
 * checked its real uid.
 *
 * A daemon chrooted into the queue directory cannot read the passwd
 * database, so it calls peer_names_load() before the jail: it keeps a
 * uid -> login name table (at most PEER_NAMES_MAX entries, the first name
 * of each uid).  peer_name() answers from that table, else getpwuid().
 *
 * Errors: -1 with *error_r (static until the next call).
 */
#ifndef PC_IPC_PEER_H
#define PC_IPC_PEER_H

#include <sys/types.h>

#define PEER_NAMES_MAX	200000

/* peer_uid - the connected client's uid; 0 or -1 */
int peer_uid(int fd, uid_t *uid_r, const char **error_r);
/* peer_names_load - snapshot the passwd database (call before a chroot) */
void peer_names_load(void);
/* peer_name - login name of uid (static storage), or NULL when unknown */
const char *peer_name(uid_t uid);

#endif
