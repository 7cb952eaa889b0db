/*
 * main.c - the auth daemon (service auth) and, with -w, the auth-worker.
 *
 * ROLE: answers authentication requests in Dovecot's auth protocol 1.2 on
 *   the UNIX (and optional inet) listeners of `service auth`: client sockets
 *   (auth-client, auth-login, Postfix's private/auth, ...) run SASL
 *   exchanges; *-master and *-userdb sockets answer USER/PASS/LIST lookups
 *   for lmtp, imap, pop3 and doveadm.  `auth -w` is the auth-worker
 *   (worker.c, helper authdb) that runs blocking PAM/shadow/NSS calls.
 * PRIVILEGES: started by the master (or stand-alone) as root; dvdaemon
 *   drops to the service's user (default $default_internal_user) before
 *   init, so every request is parsed unprivileged.  Root-only lookups go to
 *   the auth-worker.  Trusts nobody on the sockets: clients are limited by
 *   socket permissions, every line is bounded (16384 bytes on client
 *   sockets, 1024 on master sockets) and checked.
 * INPUTS: dovecot.conf (auth_*, passdb/userdb, service auth); client lines.
 * PARAMETERS: auth_mechanisms, auth_username_format/_chars/_translation,
 *   auth_realms, auth_default_realm, auth_master_user_separator,
 *   auth_anonymous_username, auth_failure_delay, auth_cache_size/_ttl/
 *   _negative_ttl, auth_verbose, auth_verbose_passwords, auth_debug,
 *   auth_ssl_require_client_cert, auth_ssl_username_from_cert,
 *   auth_worker_max_count, disable_plaintext_auth (see docs/auth.md).
 * LOG: "auth: Info: passwd-file(user,rip): unknown user", "... Password
 *   mismatch", "auth: Error: BUG: Authentication client ...", as Dovecot.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "db.h"
#include "master.h"
#include "request.h"
#include "worker.h"
#include "config/dconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "daemon/dvdaemon.h"

static struct auth auth_ctx;

/* listener_role - Dovecot's rule: the text after the last '-' of the socket's name */
enum listener_role { ROLE_CLIENT, ROLE_LOGIN, ROLE_MASTER, ROLE_USERDB };

static enum listener_role listener_role(const struct dv_listener *l)
{
	const char *base, *dash;

	if (l->kind != DV_LISTEN_UNIX || l->path == NULL)
		return ROLE_CLIENT;
	base = strrchr(l->path, '/') != NULL ? strrchr(l->path, '/') + 1 : l->path;
	dash = strrchr(base, '-');
	base = dash != NULL ? dash + 1 : base;
	if (strcmp(base, "login") == 0)
		return ROLE_LOGIN;
	if (strcmp(base, "master") == 0)
		return ROLE_MASTER;
	if (strcmp(base, "userdb") == 0)
		return ROLE_USERDB;
	return ROLE_CLIENT;
}

static void auth_conn_done(void *ctx)
{
	dvdaemon_client_done(ctx);
}

static void auth_accept(int fd, const struct dv_listener *l, struct dvdaemon *d)
{
	switch (listener_role(l)) {
	case ROLE_MASTER:
		master_conn_create(fd, d->loop, 0, auth_conn_done, d);
		break;
	case ROLE_USERDB:
		master_conn_create(fd, d->loop, 1, auth_conn_done, d);
		break;
	case ROLE_LOGIN:
		client_conn_create(fd, d->loop, 1, auth_conn_done, d);
		break;
	case ROLE_CLIENT:
		client_conn_create(fd, d->loop, 0, auth_conn_done, d);
		break;
	}
}

/* auth_service_init - settings, drivers, the worker pool */
static void auth_service_init(struct dvdaemon *d)
{
	const char *error, *base = dconf_get(d->cfg, "base_dir");
	char *worker_path;

	if (auth_settings_read(&auth_ctx.set, d->cfg, d->loop, &error) < 0)
		msg_fatal("%s", error);
	/* the passwd userdb's iteration (doveadm user '*') lists only these uids */
	db_set_valid_uids(auth_ctx.set.first_valid_uid, auth_ctx.set.last_valid_uid);
	if (auth_ctx.set.npassdbs == 0)
		msg_fatal("No passdbs specified in configuration file. PLAIN mechanism needs one");
	auth_init(&auth_ctx, d->loop);
	worker_path = xasprintf("%s/auth-worker", base != NULL ? base : "/run/dovecot");
	auth_worker_client_init(d->loop, worker_path,
				(unsigned)dconf_get_uint(d->cfg, "auth_worker_max_count"), 0);
	xfree(worker_path);
}

static void auth_on_stop(struct dvdaemon *d)
{
	dvdaemon_exit(d, 0);
}

static const struct dvdaemon_ops auth_ops = {
	.pre_drop = NULL,
	.init = auth_service_init,
	.accept = auth_accept,
	.on_stop = auth_on_stop,
	.service_count_default = 0,
};

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-w") == 0)
			return dvdaemon_main(argc, argv, "auth", &auth_worker_ops);
	return dvdaemon_main(argc, argv, "auth", &auth_ops);
}
