/*
 * worker.h - the auth-worker: the privileged process (`auth -w`, service
 * auth-worker, root by default, client_limit 1) that runs the blocking
 * lookups (PAM conversations, getspnam, NSS getpwnam) for the unprivileged,
 * asynchronous auth process.  The protocol is written down in
 * docs/auth-databases.md ("auth-worker protocol").
 *
 * Auth process side (worker_client.c): a pool of connections to the
 * auth-worker socket, at most max_conns (auth_worker_max_count) at once.
 * A connection carries one request at a time (a worker serves its client
 * sequentially, so a second request would wait behind a slow PAM call);
 * requests beyond the pool wait in a queue.  Every request has a timeout:
 * on expiry the caller gets DB_INTERNAL and the connection (whose worker is
 * stuck) is closed.  A worker that dies fails only its current request.
 *
 * Worker side (worker_server.c): each connection is read line by line; a
 * request runs the driver's blocking handler and the reply goes back before
 * the next line is read.  Handlers: "pam" (PASSV), "shadow" (PASSL),
 * "passwd" (PASSL, USER).  PAM's max_requests makes the process exit after
 * that many PAM requests (the master starts a fresh one).
 */
#ifndef PC_AUTH_WORKER_H
#define PC_AUTH_WORKER_H

#include "core/argv.h"
#include "db.h"

struct event_loop;
struct dvdaemon_ops;
struct buf;

#define AUTH_WORKER_LINE_MAX		(64 * 1024)	/* one request or reply line */
#define AUTH_WORKER_TIMEOUT_MS		(60 * 1000)	/* per request, default */
#define AUTH_WORKER_IDLE_MS		(60 * 1000)	/* idle connections are closed */
#define AUTH_WORKER_PROTO_VERSION	1

/* ---- auth process side ---- */

/*
 * auth_worker_client_init - where the workers listen and how many
 * connections to open at most (auth_worker_max_count, default 30).
 * Called by the core at start-up (socket_path "<base_dir>/auth-worker").
 * timeout_ms 0 = AUTH_WORKER_TIMEOUT_MS.  Without this call the defaults
 * are "/run/dovecot/auth-worker", 30 and 60 s.
 */
void auth_worker_client_init(struct event_loop *loop, const char *socket_path,
			     unsigned max_conns, unsigned timeout_ms);
/* auth_worker_client_deinit - close connections; queued requests get DB_INTERNAL */
void auth_worker_client_deinit(void);
/* auth_worker_client_conns - connections open now (tests, stats) */
unsigned auth_worker_client_conns(void);

/*
 * auth_worker_call - send cmd ("PASSV" with password, "PASSL", "USER") for
 * driver with its args to a worker; cb gets the reply later from loop.
 */
void auth_worker_call(struct event_loop *loop, const char *cmd, const char *driver,
		      const char *args, const struct db_request *req, const char *password,
		      db_callback *cb, void *ctx);

/* ---- worker side ---- */

/*
 * A blocking handler: fills reply (result, fields, strings).  Strings it
 * points reply at must outlive the call: keep them in *keep (argv_add,
 * then point at the copy).
 */
struct worker_handler {
	const char *driver;
	void (*passv)(const char *args, const struct db_request *req, const char *password,
		      struct db_reply *reply, struct argv *keep);
	void (*passl)(const char *args, const struct db_request *req, struct db_reply *reply,
		      struct argv *keep);
	void (*user)(const char *args, const struct db_request *req, struct db_reply *reply,
		     struct argv *keep);
};

extern const struct worker_handler worker_handler_pam, worker_handler_shadow,
	worker_handler_passwd;

/*
 * auth_worker_serve - serve one auth connection on fd (non-blocking) from
 * loop; done(ctx, exit_now) is called after the fd is closed (exit_now:
 * PAM max_requests reached, the process should exit).
 */
void auth_worker_serve(struct event_loop *loop, int fd, void (*done)(void *ctx, int exit_now),
		       void *ctx);
/* auth_worker_busy - connections being served (for a clean stop) */
unsigned auth_worker_busy(void);
/*
 * auth_worker_stop - the process should exit: connections without an
 * unanswered request close now, the others after their reply (each close
 * calls its done callback).
 */
void auth_worker_stop(void);
/* auth_worker_pam_request_done - a handler counts a PAM request against max_requests */
void auth_worker_pam_request_done(unsigned max_requests);

/* the `auth -w` service for dvdaemon_main (auth/main.c picks it when -w is given) */
extern const struct dvdaemon_ops auth_worker_ops;

/* ---- protocol helpers (worker_proto.c) ---- */

/* worker_escape - append s with \\ \t \n \r escaped */
void worker_escape(struct buf *out, const char *s);
/* worker_unescape - in place; returns s */
char *worker_unescape(char *s);
/* worker_split - a line into tab-separated, unescaped words (in place); count */
size_t worker_split(char *line, char **words, size_t max);

#endif
