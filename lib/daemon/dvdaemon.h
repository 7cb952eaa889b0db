/*
 * dvdaemon - the skeleton of every service of the Dovecot half (auth,
 * auth-worker, later lmtp, imap-login, imap, pop3-login, pop3), the child
 * side of the master's dovecot role.  The Postfix half uses daemon.h.
 *
 * Under the master (`dovecot`), a service process is started as
 *     $daemon_directory/<executable words...>
 * (service's `executable`, e.g. "auth -w") with, in the environment,
 *     DOVECOT_CONFIG=<dovecot.conf path>   PC_DV_SERVICE=<service name>
 *     PC_DV_LISTENERS=<one line per listening fd, in fd order>
 * where a line is "unix <absolute path>", "fifo <absolute path>" or
 * "inet <listener name> <address> <port> [ssl] [haproxy]".  Descriptors are
 * master_proto.h's: MASTER_STATUS_FD (3), MASTER_WATCH_FD (4), listeners
 * from MASTER_LISTEN_FD (5) on.  The process is started as root; the
 * skeleton reads dovecot.conf, runs ops->pre_drop (open what needs root),
 * then applies the service's `chroot`, `user`, `group`, `extra_groups`
 * (only when running as root), runs ops->init and serves.
 *
 * Stand-alone (tests, debugging): `<program> -c <dovecot.conf> [-S]
 * [-s service] [-D] [service args]` without PC_DV_LISTENERS creates the
 * service's listeners itself from its `service NAME { unix_listener ... }`
 * blocks (paths relative to base_dir, mode/user/group applied when root;
 * unix sockets are removed again on exit where the dropped privileges
 * allow) and runs in the foreground.
 * The skeleton takes -c FILE, -s NAME, -S, -D (verbose) and "--"; every
 * other argument, in order, goes to d->args.
 *
 * Which service: $PC_DV_SERVICE (set by the master), else -s NAME, else
 * the service whose `executable` is argv[0]'s basename (or prog) followed
 * by exactly d->args ("auth -w" -> auth-worker), else the service named
 * prog; d->svc is NULL when the configuration has none.
 *
 * Logging: Dovecot style (log.h), prefix "<service>: ", targets from
 * log_path (default "syslog"), info_log_path, log_timestamp and
 * syslog_facility; ident "dovecot".  Stand-alone with -S also logs to stderr.
 *
 * Lifetime: the process serves until the master closes the watch pipe
 * (stop/reload), SIGTERM, or after service_count clients (0 = unlimited)
 * and exits 0.  Connections arrive non-blocking; ops->accept owns the fd
 * and calls dvdaemon_client_done() when the client is gone.  The skeleton
 * reports MASTER_STAT_AVAIL/TAKEN by client_limit.
 */
#ifndef PC_DAEMON_DVDAEMON_H
#define PC_DAEMON_DVDAEMON_H

#include "core/argv.h"

struct dconf;
struct dconf_sect;
struct event_loop;

enum dv_listener_kind {
	DV_LISTEN_UNIX,
	DV_LISTEN_FIFO,
	DV_LISTEN_INET,
};

struct dv_listener {
	int fd;
	enum dv_listener_kind kind;
	char *path;		/* unix/fifo: absolute path; inet: listener name ("imap", "imaps") */
	char *address;		/* inet only */
	int port;		/* inet only */
	int ssl;
	int haproxy;
};

struct dvdaemon {
	struct dconf *cfg;
	struct event_loop *loop;
	const char *prog;		/* "auth" */
	char *service;			/* service name ("auth", "auth-worker") */
	const struct dconf_sect *svc;	/* its service { } section (NULL if none) */
	struct dv_listener *listeners;
	int nlisten;
	struct argv args;		/* remaining arguments (e.g. "-w") */
	int standalone;
	int verbose;
	long use_count;
	int clients;
	int stopping;
	void *ctx;			/* for the service */
};

struct dvdaemon_ops {
	void (*pre_drop)(struct dvdaemon *d);	/* as root, before chroot/setuid */
	void (*init)(struct dvdaemon *d);	/* after */
	void (*accept)(int fd, const struct dv_listener *l, struct dvdaemon *d);
	void (*on_stop)(struct dvdaemon *d);	/* the master asked us to stop; finish and call dvdaemon_exit */
	int service_count_default;		/* used when the service sets none */
};

/* dvdaemon_main - parse arguments, set up, serve; returns an exit status */
int dvdaemon_main(int argc, char **argv, const char *prog, const struct dvdaemon_ops *ops);
/* dvdaemon_client_done - a connection given to ops->accept is finished */
void dvdaemon_client_done(struct dvdaemon *d);
/* dvdaemon_exit - leave the event loop and exit(status) after cleanup */
void dvdaemon_exit(struct dvdaemon *d, int status) __attribute__((noreturn));
/*
 * dvdaemon_setup_logging - Dovecot-style logging from dovecot.conf:
 * log_path ("syslog" or a file), info_log_path, log_timestamp,
 * syslog_facility; prefix "<prefix>: ", syslog ident "dovecot".  Also used
 * by the master's dovecot role (prefix "master").
 */
void dvdaemon_setup_logging(const struct dconf *cfg, const char *prefix, int also_stderr);
/*
 * dvdaemon_apply_vsz_limit - RLIMIT_AS from the service's vsz_limit
 * (0/unset: default_vsz_limit; the maximum value means unlimited).  The
 * master applies it in the child before exec; stand-alone daemons apply
 * it themselves.  A no-op in sanitizer builds (ASan needs the address space).
 */
void dvdaemon_apply_vsz_limit(const struct dconf *cfg, const struct dconf_sect *svc);
/* dvdaemon_vsz_bytes - the limit in bytes (0 = none) */
unsigned long long dvdaemon_vsz_bytes(const struct dconf *cfg, const struct dconf_sect *svc);
/* dvdaemon_limit_vsz - setrlimit(RLIMIT_AS) (no-op for 0 and in sanitizer builds) */
void dvdaemon_limit_vsz(unsigned long long bytes);

#endif
