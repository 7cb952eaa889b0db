/*
 * worker.c - the `auth -w` service (auth-worker) on the dvdaemon skeleton:
 * every accepted connection from an auth process is served by
 * worker_server.c.  Runs as the auth-worker service's user (root by
 * default, as Dovecot's, for PAM and shadow).  Exits when the master asks
 * and no connection is busy, or after PAM's max_requests.
 */
#include "config.h"

#include <stddef.h>

#include "daemon/dvdaemon.h"

#include "worker.h"

/* worker_conn_done - a connection ended */
static void worker_conn_done(void *ctx, int exit_now)
{
	struct dvdaemon *d = ctx;

	dvdaemon_client_done(d);
	if (exit_now || (d->stopping && auth_worker_busy() == 0))
		dvdaemon_exit(d, 0);
}

static void worker_accept(int fd, const struct dv_listener *l, struct dvdaemon *d)
{
	(void)l;
	auth_worker_serve(d->loop, fd, worker_conn_done, d);
}

static void worker_on_stop(struct dvdaemon *d)
{
	auth_worker_stop();	/* idle connections close now; worker_conn_done exits at the last */
	if (auth_worker_busy() == 0)
		dvdaemon_exit(d, 0);
}

const struct dvdaemon_ops auth_worker_ops = {
	.pre_drop = NULL,
	.init = NULL,
	.accept = worker_accept,
	.on_stop = worker_on_stop,
	.service_count_default = 0,
};
