/*
 * peer - who is on the other end of a local (UNIX stream) connection:
 * the public services that serve plain users (showq for mailq, flush for
 * postqueue -f) check the client's kernel-verified uid (SO_PEERCRED)
 * against an authorized_*_users list (lib/maps/userlist.h), as Postfix's
 * set-gid postqueue checked its real uid.
 *
 * Errors: -1 with *error_r (static until the next call).
 */
#ifndef PC_IPC_PEER_H
#define PC_IPC_PEER_H

#include <sys/types.h>

/* peer_uid - the connected client's uid; 0 or -1 */
int peer_uid(int fd, uid_t *uid_r, const char **error_r);

struct stream;

/*
 * peer_greet - the first list of a service that checked its client:
 * proto=NAME, version=VERSION, then status=0 when allowed, or
 * status=denied with user=NAME and uid=N (the client prints the refusal
 * and the server closes).  0, or -1 on a write error.
 */
int peer_greet(struct stream *s, const char *proto, int version, int allowed, uid_t uid,
	       const char *name);

#endif
