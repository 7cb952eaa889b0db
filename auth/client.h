/*
 * client - the client side of the auth protocol (auth-client, auth-login,
 * Postfix's private/auth, ...): handshake, AUTH/CONT/CANCEL, many
 * concurrent requests per connection.  Protocol errors close only that
 * connection, with Dovecot's "BUG: ..." error line.
 */
#ifndef PC_AUTH_CLIENT_H
#define PC_AUTH_CLIENT_H

struct event_loop;

/* client_conn_create - serve fd; done(ctx) is called when the connection is gone */
void client_conn_create(int fd, struct event_loop *loop, int login_socket,
			void (*done)(void *ctx), void *ctx);
/* client_conn_count - connections open now */
unsigned client_conn_count(void);

#endif
