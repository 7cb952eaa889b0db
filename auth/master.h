/*
 * master - the master/userdb side of the auth protocol (auth-master,
 * auth-userdb): VERSION/SPID handshake, USER (userdb chain), PASS (passdb
 * lookup without password), LIST (user iteration for doveadm user '*'),
 * CACHE-FLUSH.  Lines are at most 1024 bytes, as Dovecot's.
 * userdb_only: the socket is an *-userdb one (no CACHE-FLUSH).
 */
#ifndef PC_AUTH_MASTER_H
#define PC_AUTH_MASTER_H

struct event_loop;

void master_conn_create(int fd, struct event_loop *loop, int userdb_only,
			void (*done)(void *ctx), void *ctx);

#endif
