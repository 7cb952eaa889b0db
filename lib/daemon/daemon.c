/*
 * daemon - the service skeleton (see daemon.h and master_proto.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/privs.h"
#include "core/sig.h"
#include "daemon/daemon.h"
#include "daemon/master_proto.h"

struct daemon_state {
	struct daemon d;
	enum daemon_kind kind;
	const struct daemon_ops *ops;
	struct event_timer *idle_timer;
	long long max_use;
	long long max_idle;
	int status_fd;
};

static struct daemon_state *state;

/* finish - orderly exit */
static void finish(struct daemon_state *s, int status)
{
	if (s->ops->on_exit != NULL)
		s->ops->on_exit(&s->d);
	exit(status);
}

void daemon_status(struct daemon *d, int avail)
{
	struct master_status st;
	struct daemon_state *s = (struct daemon_state *)d;

	if (s->status_fd < 0)
		return;
	memset(&st, 0, sizeof(st));
	st.pid = getpid();
	st.gen = d->gen;
	st.avail = avail;
	if (write(s->status_fd, &st, sizeof(st)) != (ssize_t)sizeof(st)) {
		if (errno == EPIPE)	/* the master retired this generation */
			finish(s, 0);
		msg_fatal("%s: write to the master status pipe: %m", d->service);
	}
}

/* idle_expired - no client for max_idle seconds */
static void idle_expired(void *ctx)
{
	struct daemon_state *s = ctx;

	s->idle_timer = NULL;
	if (s->d.clients == 0) {
		if (s->d.verbose)
			msg_info("idle timeout -- exiting");
		finish(s, 0);
	}
}

/* arm_idle - (re)start the idle timer where it applies */
static void arm_idle(struct daemon_state *s)
{
	event_timer_remove(s->d.loop, &s->idle_timer);
	if (s->max_idle > 0 && (s->kind == DAEMON_SINGLE || s->kind == DAEMON_MULTI)
	    && !s->d.standalone)
		s->idle_timer = event_timer_add(s->d.loop, (uint64_t)s->max_idle * 1000, idle_expired, s);
}

/* used_up - max_use reached or the master wants us gone */
static int used_up(struct daemon_state *s)
{
	return s->d.stopping || (s->max_use > 0 && s->d.use_count >= s->max_use);
}

void daemon_client_done(struct daemon *d)
{
	struct daemon_state *s = (struct daemon_state *)d;

	d->clients--;
	if (d->clients == 0 && used_up(s))
		finish(s, 0);
	if (d->clients == 0)
		arm_idle(s);
}

/* on_watch - EOF from the master: finish and exit */
static void on_watch(int fd, unsigned ready, void *ctx)
{
	struct daemon_state *s = ctx;
	char c;

	if (read(fd, &c, 1) > 0)
		return;
	s->d.stopping = 1;
	event_io_remove(s->d.loop, fd);
	if (s->d.clients == 0)
		finish(s, 0);
}

/* on_listen - a listener is ready */
static void on_listen(int fd, unsigned ready, void *ctx)
{
	struct daemon_state *s = ctx;
	char buf[DAEMON_DGRAM_MAX];
	ssize_t n;
	int client;

	switch (s->kind) {
	case DAEMON_DGRAM:
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			s->ops->dgram(buf, (size_t)n, &s->d);
		return;
	case DAEMON_TRIGGER:
		if (strcmp(s->d.type, "fifo") == 0) {
			n = read(fd, buf, MASTER_TRIGGER_MAX);
			if (n > 0)
				s->ops->trigger(buf, (size_t)n, &s->d);
			return;
		}
		client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (client < 0)
			return;
		{
			/* a client that connects and sends nothing must not stall us */
			struct timeval tv = { 2, 0 };

			setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		n = read(client, buf, MASTER_TRIGGER_MAX);
		close(client);
		if (n > 0)
			s->ops->trigger(buf, (size_t)n, &s->d);
		return;
	default:
		break;
	}
	client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (client < 0)
		return;		/* another process got it, or the peer left */
	event_timer_remove(s->d.loop, &s->idle_timer);
	s->d.use_count++;
	s->d.clients++;
	if (s->kind == DAEMON_SINGLE) {
		daemon_status(&s->d, MASTER_STAT_TAKEN);
		s->ops->single(client, &s->d);
		close(client);
		s->d.clients--;
		if (!s->d.stopping) {	/* did the master say goodbye meanwhile? */
			char c;

			fcntl(MASTER_WATCH_FD, F_SETFL, O_NONBLOCK);
			if (read(MASTER_WATCH_FD, &c, 1) == 0)
				s->d.stopping = 1;
		}
		if (used_up(s))
			finish(s, 0);
		daemon_status(&s->d, MASTER_STAT_AVAIL);
		arm_idle(s);
		return;
	}
	s->ops->multi(client, &s->d);
}

/* parse_args - the master's options; service arguments go to d->args */
static void parse_args(struct daemon_state *s, int argc, char **argv, struct argv *overrides)
{
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, "+cDn:o:s:St:uvz")) != -1) {
		switch (c) {
		case 'c': s->d.chroot = 1; break;
		case 'D': break;
		case 'n': s->d.service = xstrdup(optarg); break;
		case 'o': argv_add(overrides, optarg); break;
		case 's': s->d.nlisten = atoi(optarg); break;
		case 'S': s->d.standalone = 1; break;
		case 't': s->d.type = xstrdup(optarg); break;
		case 'u': s->d.unpriv = 1; break;
		case 'v': s->d.verbose++; break;
		case 'z': break;
		default: msg_fatal_status(64, "invalid option -- '%c'", optopt);
		}
	}
	for (; optind < argc; optind++) {
		/* master.cf arguments may interleave -o with service arguments */
		if (strcmp(argv[optind], "-o") == 0 && optind + 1 < argc) {
			argv_add(overrides, argv[++optind]);
			continue;
		}
		argv_add(&s->d.args, argv[optind]);
	}
	if (s->d.service == NULL)
		s->d.service = xstrdup(s->d.prog);
	if (s->d.type == NULL)
		s->d.type = xstrdup("unix");
	if (s->d.nlisten <= 0)
		s->d.nlisten = 1;
}

/* setup_config - main.cf + overrides + per-process names */
static void setup_config(struct daemon_state *s, struct argv *overrides)
{
	const char *error;
	size_t i;

	if (pfconf_load(&s->d.cfg, NULL, &error) < 0)
		msg_fatal("%s", error);
	for (i = 0; i < overrides->n; i++)
		if (pfconf_override(s->d.cfg, overrides->v[i], &error) < 0)
			msg_fatal("-o %s", error);
	pfconf_set(s->d.cfg, "service_name", s->d.service);
	pfconf_set(s->d.cfg, "process_name", s->d.prog);
	s->max_use = (s->ops->flags & DAEMON_FLAG_NO_MAX_USE) ? 0 : pfconf_get_int(s->d.cfg, "max_use");
	s->max_idle = pfconf_get_time(s->d.cfg, "max_idle");
}

/* setup_logging - maillog_file when set, else syslog (journald under systemd) */
void daemon_setup_logging(struct pfconf *cfg, const char *prog, int also_stderr)
{
	const char *file = pfconf_get(cfg, "maillog_file");
	unsigned targets = also_stderr ? LOG_TARGET_STDERR : 0;

	if (*file != '\0') {
		log_set_file(file);
		targets |= LOG_TARGET_FILE;
	} else if (log_under_systemd()) {
		targets |= LOG_TARGET_JOURNAL;
	} else {
		targets |= LOG_TARGET_SYSLOG;
	}
	if (log_set_facility(pfconf_get(cfg, "syslog_facility")) < 0)
		msg_warn("unknown syslog_facility \"%s\"", pfconf_get(cfg, "syslog_facility"));
	log_open(prog, pfconf_get(cfg, "syslog_name"), targets);
}

/* drop_privileges - become mail_owner (-u), chroot (-c, root only) */
static void drop_privileges(struct daemon_state *s)
{
	struct privs_user u;
	const char *error, *owner = pfconf_get(s->d.cfg, "mail_owner");
	const char *jail = NULL;

	if (s->d.chroot && geteuid() == 0)
		jail = pfconf_get(s->d.cfg, "queue_directory");
	if (!s->d.unpriv) {
		if (jail != NULL && privs_drop(geteuid(), getegid(), NULL, jail, &error) < 0)
			msg_fatal("%s", error);
		return;
	}
	if (privs_lookup_user(owner, &u, &error) < 0)
		msg_fatal("file %s: parameter mail_owner: %s", pfconf_main_cf(s->d.cfg), error);
	if (u.uid == 0)
		msg_fatal("file %s: parameter mail_owner: user %s has privileged user ID",
			  pfconf_main_cf(s->d.cfg), owner);
	if (privs_drop(u.uid, u.gid, u.name, jail, &error) < 0)
		msg_fatal("%s", error);
	privs_user_free(&u);
}

/* serve_standalone - -S: one client on stdin */
static int serve_standalone(struct daemon_state *s)
{
	char buf[DAEMON_DGRAM_MAX];
	ssize_t n;

	switch (s->kind) {
	case DAEMON_SINGLE:
		s->ops->single(STDIN_FILENO, &s->d);
		break;
	case DAEMON_MULTI:
		s->d.clients = 1;
		s->ops->multi(STDIN_FILENO, &s->d);
		s->max_use = 1;
		s->d.stopping = 1;
		event_loop_run(s->d.loop);
		break;
	case DAEMON_TRIGGER:
	case DAEMON_DGRAM:
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n > 0 && s->kind == DAEMON_TRIGGER)
			s->ops->trigger(buf, (size_t)n, &s->d);
		else if (n > 0)
			s->ops->dgram(buf, (size_t)n, &s->d);
		break;
	}
	finish(s, 0);
	return 0;
}

int daemon_main(int argc, char **argv, const char *prog, enum daemon_kind kind,
		const struct daemon_ops *ops)
{
	struct daemon_state *s = xcalloc(1, sizeof(*s));
	struct argv overrides;
	const char *gen = getenv(MASTER_GEN_ENV);
	int i;

	state = s;
	s->kind = kind;
	s->ops = ops;
	s->d.prog = prog;
	s->status_fd = -1;
	argv_init(&s->d.args);
	argv_init(&overrides);
	log_open(prog, "postfix", LOG_TARGET_STDERR);
	sig_ignore_pipe();
	parse_args(s, argc, argv, &overrides);
	s->d.gen = gen != NULL ? (unsigned)strtoul(gen, NULL, 10) : 0;
	setup_config(s, &overrides);
	argv_deinit(&overrides);
	daemon_setup_logging(s->d.cfg, prog, s->d.standalone);
	if (*pfconf_get(s->d.cfg, "maillog_file") != '\0' && strcmp(prog, "postlogd") != 0) {
		/* as Postfix: with maillog_file, daemons log through the postlog service
		 * when it runs (the file stays open as the fallback) */
		char *sock = xasprintf("%s/public/postlog", pfconf_get(s->d.cfg, "queue_directory"));

		log_set_postlog(sock);
		xfree(sock);
	}
	s->d.loop = event_loop_create();
	if (ops->pre_jail != NULL)
		ops->pre_jail(&s->d);
	drop_privileges(s);
	if (ops->post_jail != NULL)
		ops->post_jail(&s->d);
	if (s->d.standalone)
		return serve_standalone(s);
	if (fcntl(MASTER_STATUS_FD, F_GETFD) < 0 || fcntl(MASTER_WATCH_FD, F_GETFD) < 0)
		msg_fatal("not started by the master (use -S for stand-alone mode)");
	s->status_fd = MASTER_STATUS_FD;
	fcntl(MASTER_STATUS_FD, F_SETFD, FD_CLOEXEC);
	fcntl(MASTER_WATCH_FD, F_SETFD, FD_CLOEXEC);
	event_io_set(s->d.loop, MASTER_WATCH_FD, EVENT_READ, on_watch, s);
	for (i = 0; i < s->d.nlisten; i++) {
		fcntl(MASTER_LISTEN_FD + i, F_SETFD, FD_CLOEXEC);
		event_io_set(s->d.loop, MASTER_LISTEN_FD + i, EVENT_READ, on_listen, s);
	}
	daemon_status(&s->d, MASTER_STAT_AVAIL);
	arm_idle(s);
	event_loop_run(s->d.loop);
	finish(s, 0);
	return 0;
}
