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
/*
 * client_login_take - REQUEST: the OK'd request id of the login connection
 * whose CPID is pid and whose handshake COOKIE was cookie; it is handed
 * over (the caller releases it with auth_request_release).  NULL + *error_r.
 */
struct auth_request;
struct auth_request *client_login_take(unsigned pid, unsigned id, const char *cookie,
					const char **error_r);
/* client_conn_count - connections open now */
unsigned client_conn_count(void);

#endif
