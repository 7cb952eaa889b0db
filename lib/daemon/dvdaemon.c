/*
 * dvdaemon - the skeleton of the Dovecot half's services (see dvdaemon.h).
 *
 * Client accounting: a process is "available" (MASTER_STAT_AVAIL) while it
 * has fewer than client_limit clients and has not used up service_count;
 * when it gets full it stops watching its listeners and reports
 * MASTER_STAT_TAKEN, so the master creates another process when more
 * clients wait.  A process that used up service_count exits once its last
 * client is done.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/dconf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/privs.h"
#include "core/sig.h"
#include "daemon/dvdaemon.h"
#include "daemon/dvlisten.h"
#include "daemon/master_proto.h"

struct dvstate {
	struct dvdaemon d;
	const struct dvdaemon_ops *ops;
	const char *config_path;	/* -c, or NULL */
	const char *service_opt;	/* -s */
	const char *argv0;
	unsigned gen;
	int status_fd;
	unsigned long long client_limit;
	unsigned long long service_count;	/* 0 = unlimited */
	int listening;
	int full;			/* reported TAKEN */
	int opt_S;			/* -S: log to stderr as well */
};

static struct dvstate *dvstate;

/* usage - the skeleton's options */
static void usage(const char *prog)
{
	msg_fatal_status(64, "usage: %s [-c config_file] [-s service] [-S] [-D] [service args...]", prog);
}

/* ---- arguments, configuration, service selection ---- */

/* parse_args - skeleton options; everything else goes to d->args in order */
static void parse_args(struct dvstate *s, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if ((strcmp(a, "-c") == 0 || strcmp(a, "-s") == 0) && i + 1 < argc) {
			if (a[1] == 'c')
				s->config_path = argv[++i];
			else
				s->service_opt = argv[++i];
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "-s") == 0) {
			usage(s->d.prog);
		} else if (strncmp(a, "-c", 2) == 0) {
			s->config_path = a + 2;
		} else if (strcmp(a, "-S") == 0) {
			s->d.standalone = 1;
			s->opt_S = 1;
		} else if (strcmp(a, "-D") == 0) {
			s->d.verbose++;
		} else {
			argv_add(&s->d.args, a);
		}
	}
	for (; i < argc; i++)
		argv_add(&s->d.args, argv[i]);
}

/* base_name - last path component */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* executable_matches - service's executable is "<name> <args...>" */
static int executable_matches(const char *executable, const char *name, const struct argv *args)
{
	struct argv *w = argv_split(executable, " \t");
	int ok = w->n == args->n + 1 && strcmp(base_name(w->v[0]), name) == 0;

	for (size_t i = 0; ok && i < args->n; i++)
		ok = strcmp(w->v[i + 1], args->v[i]) == 0;
	argv_destroy(&w);
	return ok;
}

/* find_by_executable - the service run by this program with these arguments */
static const struct dconf_sect *find_by_executable(const struct dconf *cfg, const char *name,
						   const struct argv *args)
{
	const struct dconf_sect *svc = NULL;

	while ((svc = dconf_sect_next(dconf_root(cfg), "service", svc)) != NULL) {
		const char *exe = dconf_sect_get(svc, "executable");

		if (exe != NULL && executable_matches(exe, name, args))
			return svc;
	}
	return NULL;
}

/* select_service - PC_DV_SERVICE, -s, or the service whose executable we are */
static void select_service(struct dvstate *s)
{
	const char *env = getenv("PC_DV_SERVICE"), *name = env != NULL ? env : s->service_opt;
	const struct dconf_sect *root = dconf_root(s->d.cfg);

	if (name != NULL) {
		s->d.service = xstrdup(name);
		s->d.svc = dconf_sect_find(root, "service", name);
		if (s->d.svc == NULL && s->d.standalone)
			msg_fatal("service %s not found in %s", name, dconf_path(s->d.cfg));
		return;
	}
	s->d.svc = find_by_executable(s->d.cfg, base_name(s->argv0), &s->d.args);
	if (s->d.svc == NULL)
		s->d.svc = find_by_executable(s->d.cfg, s->d.prog, &s->d.args);
	if (s->d.svc == NULL)
		s->d.svc = dconf_sect_find(root, "service", s->d.prog);
	s->d.service = xstrdup(s->d.svc != NULL ? dconf_sect_name(s->d.svc) : s->d.prog);
}

/* sect_uint - unsigned setting of the service section (0 when unset/absent) */
static unsigned long long sect_uint(const struct dvstate *s, const char *key)
{
	const char *v = s->d.svc != NULL ? dconf_sect_get(s->d.svc, key) : NULL;
	char *end;
	unsigned long long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0')
		msg_fatal("service(%s): %s: Invalid number: %s", s->d.service, key, v);
	return n;
}

/* setup_limits - client_limit and service_count */
static void setup_limits(struct dvstate *s)
{
	s->client_limit = sect_uint(s, "client_limit");
	if (s->client_limit == 0)
		s->client_limit = dconf_get_uint(s->d.cfg, "default_client_limit");
	if (s->client_limit == 0)
		s->client_limit = 1;
	s->service_count = sect_uint(s, "service_count");
	if (s->service_count == 0 && (s->d.svc == NULL || !dconf_sect_is_set(s->d.svc, "service_count")))
		s->service_count = (unsigned long long)(s->ops->service_count_default > 0
							? s->ops->service_count_default : 0);
}

void dvdaemon_setup_logging(const struct dconf *cfg, const char *prefix, int also_stderr)
{
	const char *path = dconf_get(cfg, "log_path"), *info = dconf_get(cfg, "info_log_path");
	const char *ts = dconf_get(cfg, "log_timestamp"), *fac = dconf_get(cfg, "syslog_facility");
	unsigned targets = also_stderr ? LOG_TARGET_STDERR : 0;
	char *pfx = xasprintf("%s: ", prefix);

	log_set_style(LOG_STYLE_DOVECOT);
	log_set_prefix(pfx);
	xfree(pfx);
	log_set_timestamp(ts != NULL ? ts : "%b %d %H:%M:%S ");
	if (fac != NULL && *fac != '\0' && log_set_facility(fac) < 0)
		msg_warn("Invalid syslog_facility setting: %s", fac);
	if (path == NULL || *path == '\0' || strcmp(path, "syslog") == 0) {
		targets |= LOG_TARGET_SYSLOG;
		log_set_file(NULL);
	} else {
		targets |= LOG_TARGET_FILE;
		log_set_file(path);
	}
	if (info != NULL && *info != '\0' && strcmp(info, "syslog") != 0) {
		targets |= LOG_TARGET_FILE;
		log_set_info_file(info);
	} else {
		log_set_info_file(NULL);
	}
	/* the syslog ident is "dovecot"; without syslog the name is only the
	 * stderr prefix, and there the service's name is the useful one */
	log_open((targets & LOG_TARGET_SYSLOG) ? "dovecot" : prefix, NULL, targets);
}

/* ---- privileges ---- */

/* add_extra_groups - extra_groups names into the group list */
static void add_extra_groups(struct dvstate *s, const char *list, gid_t **groups, int *n)
{
	struct argv *names = argv_split(list, ", \t");
	const char *error;
	gid_t gid;

	for (size_t i = 0; i < names->n; i++) {
		if (privs_lookup_group(names->v[i], &gid, &error) < 0)
			msg_fatal("service(%s): extra_groups: %s", s->d.service, error);
		*groups = xreallocarray(*groups, (size_t)*n + 1, sizeof(gid_t));
		(*groups)[(*n)++] = gid;
	}
	argv_destroy(&names);
}

/* chroot_dir - the service's chroot, relative to base_dir; NULL for none */
static char *chroot_dir(struct dvstate *s)
{
	const char *c = dconf_sect_get(s->d.svc, "chroot"), *base = dconf_get(s->d.cfg, "base_dir");

	if (c == NULL || *c == '\0')
		return NULL;
	if (c[0] == '/')
		return xstrdup(c);
	return xasprintf("%s/%s", base != NULL ? base : ".", c);
}

/* drop_privileges - the service's user, group, extra_groups and chroot (root only) */
static void drop_privileges(struct dvstate *s)
{
	const char *user, *group, *extra, *error;
	uid_t uid = 0;
	gid_t gid = 0, *groups;
	char *jail;
	int n = 1;

	if (geteuid() != 0 || s->d.svc == NULL)
		return;
	user = dconf_sect_get(s->d.svc, "user");
	group = dconf_sect_get(s->d.svc, "group");
	extra = dconf_sect_get(s->d.svc, "extra_groups");
	jail = chroot_dir(s);
	if ((user == NULL || *user == '\0') && (group == NULL || *group == '\0')
	    && (extra == NULL || *extra == '\0') && jail == NULL)
		return;
	if (user != NULL && *user != '\0') {
		struct passwd *pw = getpwnam(user);

		if (pw == NULL)
			msg_fatal("service(%s): User doesn't exist: %s (See service %s { user } setting)",
				  s->d.service, user, s->d.service);
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (group != NULL && *group != '\0' && privs_lookup_group(group, &gid, &error) < 0)
		msg_fatal("service(%s): Group doesn't exist: %s (See service %s { group } setting)",
			  s->d.service, group, s->d.service);
	groups = xmalloc(sizeof(gid_t));
	groups[0] = gid;
	if (extra != NULL)
		add_extra_groups(s, extra, &groups, &n);
	if (privs_drop_groups(uid, gid, groups, n, jail, &error) < 0)
		msg_fatal("service(%s): %s", s->d.service, error);
	xfree(groups);
	xfree(jail);
}

unsigned long long dvdaemon_vsz_bytes(const struct dconf *cfg, const struct dconf_sect *svc)
{
	const char *v = svc != NULL ? dconf_sect_get(svc, "vsz_limit") : NULL;
	unsigned long long bytes = 0;

	if (v == NULL || *v == '\0' || dconf_parse_size(v, &bytes) < 0 || bytes == 0)
		bytes = dconf_get_size(cfg, "default_vsz_limit");
	if (bytes == ~0ULL || bytes >= (unsigned long long)RLIM_INFINITY)
		return 0;
	return bytes;
}

void dvdaemon_limit_vsz(unsigned long long bytes)
{
#ifndef PC_SANITIZERS
	struct rlimit rl;

	if (bytes == 0)
		return;
	rl.rlim_cur = rl.rlim_max = (rlim_t)bytes;
	setrlimit(RLIMIT_AS, &rl);
#else
	/* ASan reserves terabytes of address space: an RLIMIT_AS would kill it */
	(void)bytes;
#endif
}

void dvdaemon_apply_vsz_limit(const struct dconf *cfg, const struct dconf_sect *svc)
{
	dvdaemon_limit_vsz(dvdaemon_vsz_bytes(cfg, svc));
}

/* ---- listeners ---- */

/* fd_is - fd is open and of the file type (S_IFIFO, S_IFSOCK) */
static int fd_is(int fd, mode_t type)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/* listeners_from_env - PC_DV_LISTENERS lines for fds MASTER_LISTEN_FD.. */
static void listeners_from_env(struct dvstate *s, const char *env)
{
	struct argv *lines = argv_split(env, "\n");

	for (size_t i = 0; i < lines->n; i++) {
		struct dv_listener l;
		int fd = MASTER_LISTEN_FD + (int)i;

		if (dvlisten_parse(lines->v[i], &l) < 0)
			msg_fatal("PC_DV_LISTENERS: malformed line: %s", lines->v[i]);
		if (!fd_is(fd, l.kind == DV_LISTEN_FIFO ? S_IFIFO : S_IFSOCK))
			msg_fatal("PC_DV_LISTENERS: listener %s: fd %d is not one", lines->v[i], fd);
		l.fd = fd;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		s->d.listeners = xreallocarray(s->d.listeners, (size_t)s->d.nlisten + 1, sizeof(l));
		s->d.listeners[s->d.nlisten++] = l;
	}
	argv_destroy(&lines);
}

/* listeners_standalone - open the service's own listeners */
static void listeners_standalone(struct dvstate *s)
{
	struct dv_listen_spec *specs;
	const char *error;
	int n = dvlisten_collect(s->d.cfg, s->d.svc, &specs, &error);

	if (n < 0)
		msg_fatal("service(%s): %s", s->d.service, error);
	for (int i = 0; i < n; i++)
		if (dvlisten_open(&specs[i], &s->d.listeners, &s->d.nlisten, &error) < 0)
			msg_fatal("service(%s): %s", s->d.service, error);
	dvlisten_free(specs, n);
}

/* ---- serving ---- */

/* send_status - MASTER_STAT_AVAIL / TAKEN to the master (no-op stand-alone) */
static void send_status(struct dvstate *s, int avail)
{
	struct master_status st;

	if (s->status_fd < 0)
		return;
	memset(&st, 0, sizeof(st));
	st.pid = getpid();
	st.gen = s->gen;
	st.avail = avail;
	if (write(s->status_fd, &st, sizeof(st)) != (ssize_t)sizeof(st)) {
		if (errno == EPIPE)	/* the master retired this generation */
			dvdaemon_exit(&s->d, 0);
		msg_fatal("write to the master status pipe: %m");
	}
}

static void on_listen(int fd, unsigned ready, void *ctx);

/* set_listening - watch (or stop watching) every listener */
static void set_listening(struct dvstate *s, int on)
{
	if (on == s->listening)
		return;
	for (int i = 0; i < s->d.nlisten; i++) {
		if (s->d.listeners[i].kind == DV_LISTEN_FIFO)
			continue;	/* given to the service once at start-up */
		if (on)
			event_io_set(s->d.loop, s->d.listeners[i].fd, EVENT_READ, on_listen, s);
		else
			event_io_remove(s->d.loop, s->d.listeners[i].fd);
	}
	s->listening = on;
}

/* used_up - service_count reached or the master wants us gone */
static int used_up(const struct dvstate *s)
{
	return s->d.stopping || (s->service_count > 0 && (unsigned long long)s->d.use_count >= s->service_count);
}

/* find_listener - by descriptor */
static const struct dv_listener *find_listener(const struct dvstate *s, int fd)
{
	for (int i = 0; i < s->d.nlisten; i++)
		if (s->d.listeners[i].fd == fd)
			return &s->d.listeners[i];
	return NULL;
}

/* on_listen - accept one connection and hand it to the service */
static void on_listen(int fd, unsigned ready, void *ctx)
{
	struct dvstate *s = ctx;
	const struct dv_listener *l = find_listener(s, fd);
	int client;

	if (l == NULL || s->full || s->d.stopping)
		return;
	client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (client < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED && errno != EINTR)
			msg_error("accept(%s) failed: %m", l->path);
		return;
	}
	s->d.use_count++;
	s->d.clients++;
	if ((unsigned long long)s->d.clients >= s->client_limit || used_up(s)) {
		s->full = 1;
		set_listening(s, 0);
		send_status(s, MASTER_STAT_TAKEN);
	} else if (s->d.clients == 1) {
		send_status(s, MASTER_STAT_USED);	/* busy; no longer a start-up failure */
	}
	s->ops->accept(client, l, &s->d);
}

void dvdaemon_client_done(struct dvdaemon *d)
{
	struct dvstate *s = (struct dvstate *)d;

	if (d->clients > 0)
		d->clients--;
	if (used_up(s)) {
		if (d->clients == 0)
			dvdaemon_exit(d, 0);
		return;
	}
	if (s->full && (unsigned long long)d->clients < s->client_limit) {
		s->full = 0;
		set_listening(s, 1);
		send_status(s, MASTER_STAT_AVAIL);
	}
	if (d->clients == 0)
		send_status(s, MASTER_STAT_IDLE);
}

/* begin_stop - no more clients; the service finishes the ones it has */
static void begin_stop(struct dvstate *s)
{
	if (s->d.stopping)
		return;
	s->d.stopping = 1;
	set_listening(s, 0);
	for (int i = 0; i < s->d.nlisten; i++) {
		/* the new generation owns the sockets now (fifos stay with the service) */
		if (s->d.listeners[i].kind != DV_LISTEN_FIFO && s->d.listeners[i].fd >= 0 && !s->d.standalone) {
			close(s->d.listeners[i].fd);
			s->d.listeners[i].fd = -1;
		}
	}
	if (s->ops->on_stop != NULL) {
		s->ops->on_stop(&s->d);
		return;
	}
	if (s->d.clients == 0)
		dvdaemon_exit(&s->d, 0);
}

/* on_watch - EOF from the master: stop */
static void on_watch(int fd, unsigned ready, void *ctx)
{
	struct dvstate *s = ctx;
	char c;
	ssize_t n = read(fd, &c, 1);

	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	event_io_remove(s->d.loop, fd);
	begin_stop(s);
}

/* on_signal - SIGTERM (and SIGINT stand-alone): exit now; SIGINT from the master: exit if idle */
static void on_signal(int signo, void *ctx)
{
	struct dvstate *s = ctx;

	if (signo == SIGINT && !s->d.standalone && s->d.clients > 0)
		return;	/* idle kill raced with a new client: keep serving */
	dvdaemon_exit(&s->d, 0);
}

void dvdaemon_exit(struct dvdaemon *d, int status)
{
	struct dvstate *s = (struct dvstate *)d;

	if (s != NULL && d->standalone) {
		for (int i = 0; i < d->nlisten; i++)
			if (d->listeners[i].kind != DV_LISTEN_INET && d->listeners[i].path != NULL)
				unlink(d->listeners[i].path);
	}
	exit(status);
}

/* give_fifos - fifo listeners go to the service once, as a connection that never ends */
static void give_fifos(struct dvstate *s)
{
	for (int i = 0; i < s->d.nlisten; i++) {
		const struct dv_listener *l = &s->d.listeners[i];

		if (l->kind == DV_LISTEN_FIFO)
			s->ops->accept(l->fd, l, &s->d);
	}
}

/* attach_master - status and watch descriptors from the master */
static void attach_master(struct dvstate *s)
{
	const char *gen = getenv(MASTER_GEN_ENV);

	if (!fd_is(MASTER_STATUS_FD, S_IFIFO) || !fd_is(MASTER_WATCH_FD, S_IFIFO))
		msg_fatal("not started by the master (run with -c dovecot.conf for stand-alone mode)");
	s->gen = gen != NULL ? (unsigned)strtoul(gen, NULL, 10) : 0;
	s->status_fd = MASTER_STATUS_FD;
	fcntl(MASTER_STATUS_FD, F_SETFD, FD_CLOEXEC);
	fcntl(MASTER_WATCH_FD, F_SETFD, FD_CLOEXEC);
	fcntl(MASTER_WATCH_FD, F_SETFL, fcntl(MASTER_WATCH_FD, F_GETFL) | O_NONBLOCK);
	event_io_set(s->d.loop, MASTER_WATCH_FD, EVENT_READ, on_watch, s);
}

/* load_config - -c, $DOVECOT_CONFIG or the compiled-in path */
static void load_config(struct dvstate *s)
{
	const char *error;

	if (dconf_load(&s->d.cfg, s->config_path, 0, &error) < 0)
		msg_fatal_status(89, "%s", error);	/* Dovecot's FATAL_DEFAULT */
	setenv("DOVECOT_CONFIG", dconf_path(s->d.cfg), 1);
}

int dvdaemon_main(int argc, char **argv, const char *prog, const struct dvdaemon_ops *ops)
{
	struct dvstate *s = xcalloc(1, sizeof(*s));
	const char *env_listeners = getenv("PC_DV_LISTENERS");

	dvstate = s;
	s->ops = ops;
	s->d.prog = prog;
	s->argv0 = argc > 0 ? argv[0] : prog;
	s->status_fd = -1;
	argv_init(&s->d.args);
	log_set_style(LOG_STYLE_DOVECOT);
	log_open(prog, NULL, LOG_TARGET_STDERR);
	sig_ignore_pipe();
	parse_args(s, argc, argv);
	if (env_listeners == NULL)
		s->d.standalone = 1;
	load_config(s);
	select_service(s);
	dvdaemon_setup_logging(s->d.cfg, s->d.service, s->opt_S);
	setup_limits(s);
	s->d.loop = event_loop_create();
	if (s->d.standalone)
		listeners_standalone(s);
	else
		listeners_from_env(s, env_listeners);
	if (s->d.standalone)
		dvdaemon_apply_vsz_limit(s->d.cfg, s->d.svc);
	if (ops->pre_drop != NULL)
		ops->pre_drop(&s->d);
	drop_privileges(s);
	if (ops->init != NULL)
		ops->init(&s->d);
	if (!s->d.standalone)
		attach_master(s);
	sig_watch(s->d.loop, SIGTERM, on_signal, s);
	sig_watch(s->d.loop, SIGINT, on_signal, s);
	give_fifos(s);
	set_listening(s, 1);
	send_status(s, MASTER_STAT_AVAIL);
	event_loop_run(s->d.loop);
	dvdaemon_exit(&s->d, 0);
}
