/*
 * dvrole - the dovecot role of the master: Dovecot's master process.
 *
 * ROLE: the master program run under the name "dovecot".  Reads
 *	dovecot.conf, creates one service per `service NAME { }` section
 *	(built-in ones included) whose executable exists in
 *	PC_DOVECOT_DAEMON_DIR (or is absolute) and whose `protocol` is empty
 *	or listed in `protocols`, opens its listeners (lib/daemon/dvlisten),
 *	and runs its processes with service.c's machinery: on demand up to
 *	process_limit, process_min_avail kept ready, restart with a doubling
 *	back-off (2..60 secs), re-read of the configuration on SIGHUP,
 *	clean stop on SIGTERM.
 * PRIVILEGES: runs as root (or as the invoking user, when every service
 *	runs as that user); never accepts a connection.  Each child is
 *	started as root and applies its service's user/group/chroot itself
 *	(lib/daemon/dvdaemon.c); vsz_limit is applied here before exec.
 * INPUTS: dovecot.conf (-c, $DOVECOT_CONFIG or PC_DOVECOT_CONFIG), status
 *	records from the children (master_proto.h), signals.
 * PARAMETERS: base_dir, protocols, listen, default_process_limit,
 *	default_client_limit, default_vsz_limit, import_environment,
 *	log_path, info_log_path, log_timestamp, syslog_facility; per
 *	service: executable, protocol, process_limit, process_min_avail,
 *	client_limit, service_count, vsz_limit, user, group, extra_groups,
 *	chroot, unix/fifo/inet listeners.
 * LOG: "master: Info: Dovecot v2.3.19.1 (postcote V) starting up for imap, pop3",
 *	"master: Warning: SIGHUP received - reloading configuration",
 *	"master: Warning: Killed with signal 15 (by pid=N uid=N code=kill)",
 *	"master: Error: service(S): command startup failed, throttling for N.000 secs",
 *	"S: Fatal: master: service(S): child N returned error N",
 *	"S: Fatal: master: service(S): child N killed with signal N",
 *	"master: Warning: service(S): process_limit (N) reached, client connections are being dropped",
 *	"master: Fatal: Dovecot is already running with PID N (read from B/master.pid)".
 *
 * Usage: dovecot [-F] [-c file] [-p] [-n] [-a] [--help] [--version] [reload] [stop]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/dconf.h"
#include "core/buf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "core/sig.h"
#include "daemon/dvdaemon.h"
#include "daemon/dvlisten.h"
#include "daemon/dvpid.h"
#include "master.h"

#define DV_VERSION	"2.3.19.1"
#define DV_FATAL	89	/* Dovecot's FATAL_DEFAULT exit status */
#define DV_EX_TEMPFAIL	75

#ifndef PC_DOVECOT_DAEMON_DIR
#define PC_DOVECOT_DAEMON_DIR PC_DAEMON_DIR "/dovecot"
#endif

static struct master dvmaster;
static const char *config_path;	/* -c */
static char *pid_path;
static volatile sig_atomic_t kill_pid, kill_uid, kill_code, kill_signo;
static void (*chained_handler)(int);

/* usage - Dovecot's usage text */
static void usage(int status)
{
	fprintf(stderr, "Usage: dovecot [-F] [-c <config file>] [-p] [-n] [-a] [--help] [--version]\n"
		"       [--build-options] [--hostdomain] [reload] [stop]\n");
	exit(status);
}

/* cmd_fatal - "Fatal: text" on stderr (as Dovecot's command line), exit */
static void cmd_fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void cmd_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "Fatal: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(status);
}

/* start_fatal - at start-up: to the log and to the terminal, exit 89 */
static void start_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void start_fatal(const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "Fatal: %s\n", text);
	fflush(stderr);
	/* the log line only: stderr already has it */
	msg_fatal_status(DV_FATAL, "%s", text);
}

/* log_as - a line with another process's prefix ("auth: Fatal: master: ...") */
static void log_as(const char *service, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void log_as(const char *service, enum log_level level, const char *fmt, ...)
{
	char *prefix = xasprintf("%s: ", service);
	va_list ap;

	log_set_prefix(prefix);
	va_start(ap, fmt);
	msg_vlog(level, fmt, ap);
	va_end(ap);
	log_set_prefix("master: ");
	xfree(prefix);
}

void dvrole_log_exit(const char *service, pid_t pid, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		int code = WEXITSTATUS(status);
		const char *why = code == 83 ? " (Out of memory)" : code == 84 ? " (exec() failed)"
			: code == DV_FATAL ? " (Fatal failure)" : "";

		log_as(service, LOG_LEVEL_FATAL, "master: service(%s): child %ld returned error %d%s",
		       service, (long)pid, code, why);
	} else if (WIFSIGNALED(status)) {
		log_as(service, LOG_LEVEL_FATAL, "master: service(%s): child %ld killed with signal %d%s",
		       service, (long)pid, WTERMSIG(status), WCOREDUMP(status) ? " (core dumped)" : "");
	}
}

void dvrole_log_throttle(const struct master_service *s, unsigned secs)
{
	msg_error("service(%s): command startup failed, throttling for %u.000 secs", s->name, secs);
}

void dvrole_log_limit(const struct master_service *s)
{
	msg_warn("service(%s): process_limit (%d) reached, client connections are being dropped",
		 s->name, s->maxproc);
}

/* ---- configuration ---- */

/* load - dovecot.conf, errors in doveconf's or Dovecot's words; NULL + message */
static struct dconf *load(const char **error_r)
{
	struct dconf *cfg;

	if (dconf_load(&cfg, config_path, 0, error_r) < 0)
		return NULL;
	return cfg;
}

/* load_or_die - the command line's configuration */
static struct dconf *load_or_die(void)
{
	const char *error;
	struct dconf *cfg = load(&error);

	if (cfg == NULL) {
		if (strncmp(error, "Error in configuration file", 27) == 0) {
			fprintf(stderr, "doveconf: Fatal: %s\n", error);
			exit(DV_FATAL);
		}
		cmd_fatal(DV_FATAL, "Error reading configuration: %s", error);
	}
	return cfg;
}

/* in_list - word in a space/comma separated list */
static int in_list(const char *list, const char *word)
{
	struct argv *w = argv_split(list != NULL ? list : "", ", \t");
	int found = 0;

	for (size_t i = 0; i < w->n && !found; i++)
		found = strcmp(w->v[i], word) == 0;
	argv_destroy(&w);
	return found;
}

/* sect_int - an unsigned setting of a service section */
static long long sect_int(const struct dconf_sect *sect, const char *key)
{
	const char *v = dconf_sect_get(sect, key);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > 1000000)
		return 0;
	return n;
}

/* report_missing - warn once per declared service whose program we lack */
static void report_missing(struct master *m, const struct dconf_sect *sect, const char *path)
{
	int err = errno;	/* from access() */
	char *key = xasprintf("%s/%s", dconf_sect_name(sect), path);

	for (size_t i = 0; i < m->reported.n; i++)
		if (strcmp(m->reported.v[i], key) == 0) {
			xfree(key);
			return;
		}
	argv_add(&m->reported, key);
	xfree(key);
	if (dconf_sect_is_default(sect))
		return;	/* built-in services postcote does not have: silently skipped */
	msg_warn("service(%s): access(%s) failed: %s - not available in postcote (yet), service skipped",
		 dconf_sect_name(sect), path, strerror(err));
}

/* idle_kill_ms - the service's idle_kill (0: default_idle_kill) */
static unsigned long long idle_kill_ms(const struct dconf *cfg, const struct dconf_sect *sect)
{
	const char *v = dconf_sect_get(sect, "idle_kill");
	unsigned long long ms = 0;

	if (v == NULL || dconf_parse_time(v, &ms) < 0 || ms == 0)
		ms = dconf_get_time_msecs(cfg, "default_idle_kill");
	return ms;
}

/* exec_path - executable's first word in the daemon directory (or absolute) */
static char *exec_path(const struct argv *words)
{
	return words->v[0][0] == '/' ? xstrdup(words->v[0])
		: xasprintf("%s/%s", PC_DOVECOT_DAEMON_DIR, words->v[0]);
}

/* service_from_sect - a master_service (no listeners yet), or NULL when skipped */
static struct master_service *service_from_sect(struct master *m, const struct dconf_sect *sect)
{
	const char *exe = dconf_sect_get(sect, "executable"), *proto = dconf_sect_get(sect, "protocol");
	struct master_service *s;
	struct argv *words;
	char *path;

	if (proto != NULL && *proto != '\0' && !in_list(dconf_get(m->dcfg, "protocols"), proto))
		return NULL;	/* a protocol the configuration does not enable */
	if (exe == NULL || (words = argv_split(exe, " \t"))->n == 0) {
		if (exe != NULL)
			argv_destroy(&words);
		return NULL;
	}
	path = exec_path(words);
	if (access(path, X_OK) < 0) {
		report_missing(m, sect, path);
		xfree(path);
		argv_destroy(&words);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->key = xstrdup(dconf_sect_name(sect));
	s->name = xstrdup(dconf_sect_name(sect));
	s->endpoint = xstrdup(dconf_sect_name(sect));
	s->path = path;
	s->type = MASTERCF_UNIX;
	s->maxproc = (int)sect_int(sect, "process_limit");
	if (s->maxproc == 0)
		s->maxproc = (int)dconf_get_uint(m->dcfg, "default_process_limit");
	s->min_avail = (int)sect_int(sect, "process_min_avail");
	if (s->maxproc > 0 && s->min_avail > s->maxproc)
		s->min_avail = s->maxproc;
	s->vsz_limit = dvdaemon_vsz_bytes(m->dcfg, sect);
	s->idle_kill_ms = idle_kill_ms(m->dcfg, sect);
	s->status_fd[0] = s->status_fd[1] = s->watch_fd[0] = s->watch_fd[1] = -1;
	argv_init(&s->argv);
	argv_init(&s->env);
	argv_add(&s->argv, path);
	for (size_t i = 1; i < words->n; i++)
		argv_add(&s->argv, words->v[i]);
	argv_add_printf(&s->env, "PC_DV_SERVICE=%s", s->name);
	argv_destroy(&words);
	return s;
}

/* services_create - every runnable service of the configuration, in file order */
static struct master_service *services_create(struct master *m)
{
	struct master_service *list = NULL, **tail = &list;
	const struct dconf_sect *sect = NULL;

	while ((sect = dconf_sect_next(dconf_root(m->dcfg), "service", sect)) != NULL) {
		struct master_service *s = service_from_sect(m, sect);

		if (s != NULL) {
			*tail = s;
			tail = &s->next;
		}
	}
	return list;
}

/* ---- listeners: kept across reloads while their settings stay the same ---- */

struct dv_open {
	struct dv_open *next;
	char *key;			/* every setting of the listener */
	struct dv_listener *ls;		/* its descriptors (one per address for inet) */
	int nls;
	int claimed;			/* wanted by the configuration being applied */
};

static struct dv_open *opened;
static struct argv env_lines;	/* PC_DV_LISTENERS lines of the service being attached */
static int starting;		/* errors also go to the terminal */

/* spec_key - identity of a listener spec */
static char *spec_key(const struct dv_listen_spec *sp)
{
	return xasprintf("%d\x1f%s\x1f%s\x1f%d\x1f%o\x1f%s\x1f%s\x1f%d%d%d", (int)sp->kind, sp->path,
			 sp->addresses ? sp->addresses : "", sp->port, sp->mode, sp->user ? sp->user : "",
			 sp->group ? sp->group : "", sp->ssl, sp->haproxy, sp->reuse_port);
}

/* open_close - close one entry's descriptors, remove its socket/fifo paths */
static void open_close(struct dv_open *o)
{
	for (int i = 0; i < o->nls; i++) {
		close(o->ls[i].fd);
		if (o->ls[i].kind != DV_LISTEN_INET)
			unlink(o->ls[i].path);
	}
	dvlisten_listeners_free(o->ls, o->nls, 1);
	xfree(o->key);
	xfree(o);
}

/* claim_spec - an already open listener with this key, or NULL */
static struct dv_open *claim_spec(const char *key)
{
	for (struct dv_open *o = opened; o != NULL; o = o->next)
		if (!o->claimed && strcmp(o->key, key) == 0) {
			o->claimed = 1;
			return o;
		}
	return NULL;
}

/* for_each_spec - the listener specs of every service in list */
static int for_each_spec(struct master *m, struct master_service *list,
			 int (*fn)(struct master *m, struct master_service *s, const struct dv_listen_spec *sp,
				   const char **error_r), const char **error_r)
{
	for (struct master_service *s = list; s != NULL; s = s->next) {
		const struct dconf_sect *sect = dconf_sect_find(dconf_root(m->dcfg), "service", s->name);
		struct dv_listen_spec *specs;
		int n = dvlisten_collect(m->dcfg, sect, &specs, error_r), ret = 0;

		if (n < 0)
			return -1;
		for (int i = 0; i < n && ret == 0; i++)
			ret = fn(m, s, &specs[i], error_r);
		dvlisten_free(specs, n);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* mark_kept - pass 1: listeners the new configuration has unchanged */
static int mark_kept(struct master *m, struct master_service *s, const struct dv_listen_spec *sp,
		     const char **error_r)
{
	char *key = spec_key(sp);

	claim_spec(key);
	xfree(key);
	return 0;
}

/* attach_spec - pass 2: give s descriptors (dup'ed) for one spec, opening it if new */
static int attach_spec(struct master *m, struct master_service *s, const struct dv_listen_spec *sp,
		       const char **error_r)
{
	char *key = spec_key(sp);
	struct dv_open *o = NULL;

	for (struct dv_open *p = opened; p != NULL && o == NULL; p = p->next)
		if (p->claimed == 1 && strcmp(p->key, key) == 0)
			o = p;
	if (o == NULL) {
		o = xcalloc(1, sizeof(*o));
		if (dvlisten_open(sp, &o->ls, &o->nls, error_r) < 0) {
			msg_error("service(%s): %s", s->name, *error_r);
			if (starting)
				fprintf(stderr, "Error: service(%s): %s\n", s->name, *error_r);
			xfree(o->ls);
			xfree(o);
			xfree(key);
			return -1;
		}
		o->key = key;
		o->next = opened;
		opened = o;
	} else {
		xfree(key);
	}
	o->claimed = 2;	/* in use by this configuration (one service per spec) */
	for (int i = 0; i < o->nls; i++) {
		int fd = fcntl(o->ls[i].fd, F_DUPFD_CLOEXEC, 3);
		char *d = dvlisten_describe(&o->ls[i]);

		if (fd < 0)
			msg_fatal("dup: %m");
		s->listen_fds = xreallocarray(s->listen_fds, (size_t)s->nlisten + 1, sizeof(int));
		s->listen_fds[s->nlisten++] = fd;
		argv_add(&env_lines, d);
		xfree(d);
	}
	return 0;
}

/* close_unclaimed - listeners the configuration no longer has */
static void close_unclaimed(int keep_claimed)
{
	struct dv_open **op = &opened;

	while (*op != NULL) {
		struct dv_open *o = *op;

		if (keep_claimed && o->claimed) {
			o->claimed = keep_claimed == 2 ? 0 : o->claimed;
			op = &o->next;
			continue;
		}
		*op = o->next;
		open_close(o);
	}
}

/* set_listener_env - PC_DV_LISTENERS from the lines attach_spec collected */
static void set_listener_env(struct master_service *s)
{
	char *joined = argv_join(&env_lines, "\n");

	argv_add_printf(&s->env, "PC_DV_LISTENERS=%s", joined);
	xfree(joined);
	argv_truncate(&env_lines, 0);
}

/* attach_all - listeners for every service of list; services that fail are dropped */
static int attach_all(struct master *m, struct master_service **list)
{
	struct master_service **sp = list;
	const char *error;
	int failed = 0;

	for_each_spec(m, *list, mark_kept, &error);
	close_unclaimed(1);	/* gone or changed: closed first, so their ports/paths are free */
	while (*sp != NULL) {
		struct master_service *s = *sp, *next = s->next;

		s->next = NULL;
		argv_truncate(&env_lines, 0);
		if (for_each_spec(m, s, attach_spec, &error) < 0) {
			failed = 1;
			*sp = next;
			for (int i = 0; i < s->nlisten; i++)
				close(s->listen_fds[i]);
			master_service_free(&s);
			continue;
		}
		s->next = next;
		set_listener_env(s);
		sp = &s->next;
	}
	close_unclaimed(2);	/* specs opened but left unused by failed services; reset marks */
	return failed ? -1 : 0;
}

/* build_env - import_environment, sanitizer options, DOVECOT_CONFIG */
static void build_env(struct master *m)
{
	static const char *const always[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	const char *imp = dconf_get(m->dcfg, "import_environment");
	struct argv *names = argv_split(imp != NULL ? imp : "TZ", " \t");
	const char *v;

	argv_truncate(&m->env, 0);
	for (size_t i = 0; i < names->n; i++) {
		if (strchr(names->v[i], '=') != NULL)
			argv_add(&m->env, names->v[i]);
		else if ((v = getenv(names->v[i])) != NULL)
			argv_add_printf(&m->env, "%s=%s", names->v[i], v);
	}
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if ((v = getenv(always[i])) != NULL)
			argv_add_printf(&m->env, "%s=%s", always[i], v);
	argv_add_printf(&m->env, "DOVECOT_CONFIG=%s", dconf_path(m->dcfg));
	argv_destroy(&names);
}

/* ---- start, reload, stop ---- */

/* protocols_text - "for imap, pop3, lmtp" / "without any protocols" */
static char *protocols_text(const struct dconf *cfg)
{
	const char *p = dconf_get(cfg, "protocols");
	struct argv *w = argv_split(p != NULL ? p : "", ", \t");
	char *joined = argv_join(w, ", "), *text;

	text = w->n == 0 ? xstrdup("without any protocols") : xasprintf("for %s", joined);
	xfree(joined);
	argv_destroy(&w);
	return text;
}

/* log_startup - Dovecot's start-up line */
static void log_startup(struct master *m)
{
	struct rlimit rl;
	char *protos = protocols_text(m->dcfg);
	int no_core = getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0;

	msg_info("Dovecot v%s (postcote %s) starting up %s%s", DV_VERSION, PACKAGE_VERSION, protos,
		 no_core ? " (core dumps disabled)" : "");
	xfree(protos);
}

/* setup_logging - master's own log lines */
static void setup_logging(struct master *m)
{
	dvdaemon_setup_logging(m->dcfg, "master", 0);
}

/* open_all - every service's listeners before any process starts */
static void open_all(struct master *m)
{
	starting = 1;
	if (attach_all(m, &m->services) < 0)
		start_fatal("Failed to start listeners");
	starting = 0;
}

/* reload_services - every process is replaced; listeners that did not change stay open */
static void reload_services(struct master *m)
{
	struct master_service *old = m->services, *s, *next;

	for (s = old; s != NULL; s = s->next)
		master_service_retire(m, s);	/* closes the services' dup'ed fds only */
	m->services = services_create(m);
	attach_all(m, &m->services);
	for (s = m->services; s != NULL; s = s->next)
		master_service_start(m, s);
	for (s = old; s != NULL; s = next) {
		next = s->next;
		master_service_free(&s);
	}
}

/* reload - SIGHUP */
static void reload(struct master *m)
{
	const char *error;
	struct dconf *cfg;

	msg_warn("SIGHUP received - reloading configuration");
	if ((cfg = load(&error)) == NULL) {
		msg_error("Config reload failed: %s", error);
		return;
	}
	dconf_free(&m->dcfg);
	m->dcfg = cfg;
	setup_logging(m);
	build_env(m);
	reload_services(m);
}

/* on_signal - the loop's signal callback */
static void on_signal(int signo, void *ctx)
{
	struct master *m = ctx;

	switch (signo) {
	case SIGCHLD:
		master_reap(m);
		break;
	case SIGHUP:
		reload(m);
		break;
	default:
		if (kill_signo == signo)
			msg_warn("Killed with signal %d (by pid=%ld uid=%ld code=%s)", signo, (long)kill_pid,
				 (long)kill_uid, kill_code == SI_USER ? "kill" : kill_code == SI_QUEUE
				 ? "sigqueue" : kill_code == SI_TKILL ? "tkill" : kill_code == SI_KERNEL
				 ? "kernel" : "unknown");
		else
			msg_warn("Killed with signal %d", signo);
		event_loop_stop(m->loop);
		break;
	}
}

/* capture - who sent SIGTERM/SIGINT (for the "Killed with signal" line), then sig.c's handler */
static void capture(int signo, siginfo_t *si, void *uc)
{
	kill_signo = signo;
	kill_pid = si->si_pid;
	kill_uid = (sig_atomic_t)si->si_uid;
	kill_code = si->si_code;
	if (chained_handler != NULL)
		chained_handler(signo);
}

/* watch_signals - through the loop; SIGTERM/SIGINT also record the sender */
static void watch_signals(struct master *m)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	struct sigaction old, sa;

	sig_ignore_pipe();
	sig_watch(m->loop, SIGCHLD, on_signal, m);
	sig_watch(m->loop, SIGHUP, on_signal, m);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sig_watch(m->loop, sigs[i], on_signal, m);
		if (sigaction(sigs[i], NULL, &old) < 0 || (old.sa_flags & SA_SIGINFO))
			continue;
		chained_handler = old.sa_handler;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = capture;
		sa.sa_mask = old.sa_mask;
		sa.sa_flags = old.sa_flags | SA_SIGINFO;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* prepare_base_dir - base_dir (0755), the running check, dovecot.conf symlink */
static void prepare_base_dir(struct master *m)
{
	const char *base = dconf_get(m->dcfg, "base_dir"), *error;
	char *link;
	pid_t other;

	if (mkdir_p(base, 0755, &error) < 0)
		start_fatal("mkdir(%s) failed: %s", base, error);
	pid_path = dvpid_path(m->dcfg);
	if ((other = dvpid_running(pid_path)) > 0)
		start_fatal("Dovecot is already running with PID %ld (read from %s)", (long)other, pid_path);
	if (chdir(base) < 0)
		start_fatal("chdir(%s) failed: %m", base);
	link = xasprintf("%s/dovecot.conf", base);
	unlink(link);
	if (dconf_path(m->dcfg)[0] == '/' && symlink(dconf_path(m->dcfg), link) < 0)
		msg_warn("symlink(%s, %s) failed: %m", dconf_path(m->dcfg), link);
	xfree(link);
}

/* remove_pid - at exit (also after a fatal error in the daemon) */
static void remove_pid(void)
{
	if (pid_path != NULL)
		unlink(pid_path);
}

/* serve - start-up in the (possibly daemonised) master */
static int serve(struct master *m)
{
	const char *error;

	m->role = MASTER_ROLE_DOVECOT;
	m->throttle_time = 2;
	argv_init(&env_lines);
	argv_init(&m->env);
	argv_init(&m->reported);
	setup_logging(m);
	prepare_base_dir(m);
	build_env(m);
	m->loop = event_loop_create();
	m->services = services_create(m);
	open_all(m);
	if (!m->foreground)
		master_become_daemon(1);
	if (dvpid_write(pid_path, &error) < 0)
		start_fatal("%s", error);
	log_set_fatal_hook(remove_pid);
	watch_signals(m);
	for (struct master_service *s = m->services; s != NULL; s = s->next)
		master_service_start(m, s);
	log_startup(m);
	master_announce_ready();
	log_set_fatal_hook(remove_pid);
	if (!m->foreground)
		master_detach_stdio();
	event_loop_run(m->loop);
	master_shutdown_services(m);
	close_unclaimed(0);
	remove_pid();
	return 0;
}

/* exec_doveconf - dovecot -n / -a */
static void exec_doveconf(const char *opt)
{
	const char *args[5];
	char *path = xasprintf("%s/doveconf", PC_BIN_DIR);
	int n = 0;

	args[n++] = "doveconf";
	if (config_path != NULL) {
		args[n++] = "-c";
		args[n++] = config_path;
	}
	args[n++] = opt;
	args[n] = NULL;
	execv(path, (char *const *)args);
	cmd_fatal(84, "execv(%s) failed: %s", path, strerror(errno));
}

/* command - dovecot stop / reload */
static int command(const char *cmd)
{
	struct dconf *cfg = load_or_die();
	const char *error;
	int stop = strcmp(cmd, "stop") == 0;

	if (dvpid_signal(cfg, stop ? SIGTERM : SIGHUP, stop, 30, &error) < 0)
		cmd_fatal(DV_EX_TEMPFAIL, "%s", error);
	dconf_free(&cfg);
	return 0;
}

/* print_hostdomain - --hostdomain: the host name (Dovecot's %{hostname} with domain) */
static int print_hostdomain(void)
{
	char host[256];

	if (gethostname(host, sizeof(host) - 1) < 0)
		cmd_fatal(DV_FATAL, "gethostname() failed: %s", strerror(errno));
	host[sizeof(host) - 1] = '\0';
	printf("%s\n", host);
	return 0;
}

int dvrole_main(int argc, char **argv)
{
	struct master *m = &dvmaster;
	const char *cmd = NULL, *doveconf_opt = NULL;
	int i;

	log_set_style(LOG_STYLE_DOVECOT);
	log_set_prefix("master: ");
	log_open("dovecot", NULL, LOG_TARGET_STDERR);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 && i + 1 < argc)
			config_path = argv[++i];
		else if (strcmp(a, "-F") == 0)
			m->foreground = 1;
		else if (strcmp(a, "-p") == 0 || strcmp(a, "-b") == 0)
			;	/* no SSL key passwords to ask for; no core dump flag */
		else if (strcmp(a, "--hostdomain") == 0)
			return print_hostdomain();
		else if (strcmp(a, "--build-options") == 0) {
			/* what this build has (the drivers of auth/, issue 6) */
			printf("Build options: ioloop=epoll openssl\n"
			       "Passdb: pam passwd passwd-file shadow static\n"
			       "Userdb: passwd passwd-file prefetch static\n");
			return 0;
		}
		else if (strcmp(a, "-n") == 0 || strcmp(a, "-a") == 0)
			doveconf_opt = a;
		else if (strcmp(a, "--version") == 0) {
			printf("%s (postcote %s)\n", DV_VERSION, PACKAGE_VERSION);
			return 0;
		} else if (strcmp(a, "--help") == 0)
			usage(0);
		else if (strcmp(a, "stop") == 0 || strcmp(a, "reload") == 0)
			cmd = a;
		else if (a[0] == '-') {
			fprintf(stderr, "%s: invalid option -- '%s'\n", argv[0], a + 1);
			usage(DV_FATAL);
		} else
			usage(64);
	}
	if (config_path != NULL && config_path[0] != '/') {
		/* children start in base_dir: they need an absolute path */
		char *abs = realpath(config_path, NULL);

		if (abs != NULL)
			config_path = abs;
	}
	if (config_path != NULL)
		setenv("DOVECOT_CONFIG", config_path, 1);
	if (doveconf_opt != NULL)
		exec_doveconf(doveconf_opt);
	if (cmd != NULL)
		return command(cmd);
	m->dcfg = load_or_die();
	return serve(m);
}
