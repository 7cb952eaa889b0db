/*
 * daemon - the skeleton every daemon started by the master runs on
 * (STYLE.md practice 21).  The child side of master_proto.h.
 *
 * A daemon's main() is one call:
 *
 *     int main(int argc, char **argv)
 *     {
 *         static const struct daemon_ops ops = { .single = serve_one, .post_jail = init };
 *         return daemon_main(argc, argv, "pc-testd", DAEMON_SINGLE, &ops);
 *     }
 *
 * The skeleton parses the master's arguments (-n service -t type -u -c -s N,
 * then -o name=value overrides, -v, -D, -S, and service arguments left in
 * d->args), reads main.cf from $MAIL_CONFIG and applies the overrides, sets
 * $service_name and $process_name, opens logging (maillog_file when set,
 * else syslog; tag "<syslog_name>/<prog>"), runs ops->pre_jail, drops to
 * mail_owner when -u (chrooted to queue_directory when -c and root), runs
 * ops->post_jail, then serves:
 *
 *   DAEMON_SINGLE   one client at a time; ops->single(fd, d) gets a connected
 *                   blocking socket and returns when done (the skeleton closes it)
 *   DAEMON_MULTI    many clients in one process on d->loop; ops->multi(fd, d)
 *                   takes ownership and calls daemon_client_done(d) when the
 *                   client is gone
 *   DAEMON_TRIGGER  wakeup requests on a fifo or unix socket: ops->trigger(buf, len, d)
 *                   with at most MASTER_TRIGGER_MAX bytes
 *   DAEMON_DGRAM    datagrams: ops->dgram(buf, len, d), at most DAEMON_DGRAM_MAX bytes
 *
 * It exits after max_use clients (single/multi), after max_idle seconds
 * without clients (single/multi, not trigger/dgram), and when the master
 * closes the watch pipe (after the current client).  -S (stand-alone)
 * serves one client on stdin (a socket or terminal) without a master, for
 * tests and debugging.
 */
#ifndef PC_DAEMON_DAEMON_H
#define PC_DAEMON_DAEMON_H

#include <stddef.h>

#include "core/argv.h"

struct daemon;
struct event_loop;
struct pfconf;

#define DAEMON_DGRAM_MAX 8192

enum daemon_kind {
	DAEMON_SINGLE,
	DAEMON_MULTI,
	DAEMON_TRIGGER,
	DAEMON_DGRAM,
};

struct daemon_ops {
	void (*pre_jail)(struct daemon *d);	/* before privileges are dropped */
	void (*post_jail)(struct daemon *d);	/* after; open nothing privileged here */
	void (*single)(int fd, struct daemon *d);
	void (*multi)(int fd, struct daemon *d);
	void (*trigger)(const char *buf, size_t len, struct daemon *d);
	void (*dgram)(const char *buf, size_t len, struct daemon *d);
	void (*on_exit)(struct daemon *d);	/* before a normal exit */
	unsigned flags;				/* DAEMON_FLAG_* */
};

/* daemon_ops flags */
#define DAEMON_FLAG_NO_MAX_USE	(1u << 0)	/* stateful service (anvil): max_use does not apply */

struct daemon {
	struct pfconf *cfg;
	struct event_loop *loop;
	const char *prog;	/* program name for logging ("smtpd") */
	char *service;		/* -n */
	char *type;		/* -t */
	int unpriv;		/* -u */
	int chroot;		/* -c */
	int nlisten;		/* -s */
	int verbose;		/* -v count */
	int standalone;		/* -S */
	struct argv args;	/* service arguments after the options */
	unsigned gen;		/* $MASTER_GEN */
	/* state */
	long use_count;
	int clients;		/* multi: current clients */
	int stopping;		/* the master closed the watch pipe */
	void *ctx;		/* for the service */
};

/* daemon_setup_logging - logging targets from main.cf (also used by master) */
void daemon_setup_logging(struct pfconf *cfg, const char *prog, int also_stderr);

/* daemon_main - run the skeleton; returns only for an exit status */
int daemon_main(int argc, char **argv, const char *prog, enum daemon_kind kind,
		const struct daemon_ops *ops);
/* daemon_client_done - multi servers: a client finished */
void daemon_client_done(struct daemon *d);
/* daemon_status - report MASTER_STAT_AVAIL / MASTER_STAT_TAKEN to the master */
void daemon_status(struct daemon *d, int avail);

#endif
