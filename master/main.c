/*
 * master - the postcote supervisor (MTA role): the Postfix master(8).
 *
 * Run as "dovecot" (the same program under that name) it is the Dovecot
 * master instead: see dvrole.c.
 *
 * ROLE: reads main.cf and master.cf, opens every service's listeners, and
 *	creates the service processes on demand; restarts them, throttles
 *	services whose processes die at start-up, sends wakeup triggers, and
 *	re-reads the configuration on SIGHUP without dropping connections.
 * PRIVILEGES: runs as root (or as the invoking user, see below) and never
 *	parses network input: it does not accept connections, its children
 *	do.  Children drop to mail_owner themselves (master.cf unpriv = y).
 *	Started by an ordinary user, every service runs as that user, and
 *	mail_owner must name that user.
 * INPUTS: main.cf, master.cf (config directory from -c or $MAIL_CONFIG),
 *	status records from children (lib/daemon/master_proto.h), signals.
 * PARAMETERS: queue_directory, daemon_directory, mail_owner, setgid_group,
 *	inet_interfaces, inet_protocols, default_process_limit,
 *	service_throttle_time, import_environment, mail_version,
 *	maillog_file, syslog_name, syslog_facility.
 * LOG: "daemon started -- version V, configuration DIR",
 *	"reload -- version V, configuration DIR", "terminating on signal 15",
 *	"warning: process PATH pid N exit status S",
 *	"warning: process PATH pid N killed by signal S",
 *	"warning: PATH: bad command startup -- throttling",
 *	"warning: service "NAME" (ENDPOINT) has reached its process limit "N": ...".
 *
 * Usage: master [-c config_dir] [-d] [-t] [-v] [-w]
 *	-d  stay in the foreground (start-fg); log to stderr as well
 *	-t  exit 0 when no master runs for this configuration, 1 when one does
 *	-w  wait: the parent exits 0 once the daemon is up, 1 if it failed
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/mastercf.h"
#include "config/pfconf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/privs.h"
#include "core/safe_file.h"
#include "core/sig.h"
#include "daemon/daemon.h"
#include "master.h"

static struct master master;
static int ready_fd = -1;	/* -w: tell the waiting parent we are up */

/* usage - Postfix-style usage error */
static void usage(void)
{
	msg_fatal_status(64, "usage: master [-c config_dir] [-d] [-t] [-v] [-w]");
}

/* load_config - main.cf + master.cf; NULL and an error on failure */
static int load_config(const char *dir, struct pfconf **cfg_r, struct mastercf **mcf_r,
		       const char **error_r)
{
	char *path;

	if (pfconf_load(cfg_r, dir, error_r) < 0)
		return -1;
	path = xasprintf("%s/master.cf", pfconf_config_dir(*cfg_r));
	if (mastercf_load(mcf_r, path, error_r) < 0) {
		xfree(path);
		pfconf_free(cfg_r);
		return -1;
	}
	xfree(path);
	return 0;
}

/* check_users - mail_owner and setgid_group as Postfix insists */
static void check_users(struct pfconf *cfg)
{
	struct privs_user u;
	const char *error, *owner = pfconf_get(cfg, "mail_owner");
	gid_t gid;

	if (privs_lookup_user(owner, &u, &error) < 0)
		msg_fatal("file %s: parameter mail_owner: %s (create the user, e.g. "
			  "\"useradd --system %s\", or set mail_owner)", pfconf_main_cf(cfg), error, owner);
	if (u.uid == 0)
		msg_fatal("file %s: parameter mail_owner: user %s has privileged user ID",
			  pfconf_main_cf(cfg), owner);
	if (geteuid() != 0 && u.uid != geteuid())
		msg_fatal("not running as root: mail_owner (%s) must be the user running the master "
			  "(uid %ld)", owner, (long)geteuid());
	if (privs_lookup_group(pfconf_get(cfg, "setgid_group"), &gid, &error) < 0)
		msg_fatal("file %s: parameter setgid_group: %s", pfconf_main_cf(cfg), error);
	privs_user_free(&u);
}

/* remove_pid - fatal hook */
static void announce_failure(void)
{
	if (ready_fd >= 0) {
		if (write(ready_fd, "F", 1) < 0) {
			/* the parent sees EOF instead */
		}
	}
}

/* master_become_daemon - fork (-w: parent waits for the child's verdict) */
void master_become_daemon(int wait_for_child)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC) < 0)
		msg_fatal("pipe: %m");
	pid = fork();
	if (pid < 0)
		msg_fatal("fork: %m");
	if (pid > 0) {
		close(fds[1]);
		if (!wait_for_child)
			exit(0);
		if (read(fds[0], &c, 1) == 1 && c == 'R')
			exit(0);
		exit(1);
	}
	close(fds[0]);
	ready_fd = fds[1];
	setsid();
	log_set_fatal_hook(announce_failure);
}

/* master_detach_stdio - after start-up, stdin/stdout/stderr go to /dev/null */
void master_detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR);

	if (null < 0)
		return;
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
}

/* start_services - create services; open all listeners before any process starts */
static void start_services(struct master *m)
{
	struct master_service *s;
	const char *error;

	master_services_create(m, &m->services, &error);
	for (s = m->services; s != NULL; s = s->next)
		if (master_service_open(m, s, &error) < 0)
			msg_fatal("%s", error);
	for (s = m->services; s != NULL; s = s->next)
		master_service_start(m, s);
}

/* master_announce_ready - -w: tell the waiting parent that start-up worked */
void master_announce_ready(void)
{
	if (ready_fd >= 0) {
		if (write(ready_fd, "R", 1) < 0) {
			/* parent gone */
		}
		close(ready_fd);
		ready_fd = -1;
		log_set_fatal_hook(NULL);
	}
}

/* find_by_key - service with the same service/type */
static struct master_service *find_by_key(struct master_service *list, const char *key)
{
	for (; list != NULL; list = list->next)
		if (strcmp(list->key, key) == 0)
			return list;
	return NULL;
}

/* reload - SIGHUP: new configuration, keep what did not change */
static void reload(struct master *m)
{
	struct pfconf *cfg;
	struct mastercf *mcf;
	struct master_service *old, *fresh, *s, *next;
	const char *error;

	if (load_config(m->config_dir, &cfg, &mcf, &error) < 0) {
		msg_warn("reload failed, keeping the running configuration: %s", error);
		return;
	}
	pfconf_free(&m->cfg);
	mastercf_free(&m->mcf);
	m->cfg = cfg;
	m->mcf = mcf;
	daemon_setup_logging(m->cfg, "master", m->foreground);
	m->throttle_time = pfconf_get_time(m->cfg, "service_throttle_time");
	master_build_env(m);
	msg_info("reload -- version %s, configuration %s", pfconf_get(m->cfg, "mail_version"),
		 m->config_dir);
	old = m->services;
	master_services_create(m, &fresh, &error);
	m->services = NULL;
	for (s = fresh; s != NULL; s = next) {
		struct master_service *prev = find_by_key(old, s->key);

		next = s->next;
		s->next = m->services;
		m->services = s;
		if (prev != NULL && strcmp(prev->signature, s->signature) == 0) {
			master_service_renew(m, prev, s);
			continue;
		}
		if (prev != NULL) {
			master_service_retire(m, prev);
			prev->nlisten = 0;
		}
		if (master_service_open(m, s, &error) < 0) {
			msg_warn("service %s: %s -- not started", s->key, error);
			m->services = s->next;
			master_service_free(&s);
			continue;
		}
		master_service_start(m, s);
	}
	for (s = old; s != NULL; s = next) {
		next = s->next;
		if (find_by_key(m->services, s->key) == NULL)
			master_service_retire(m, s);
		master_service_free(&s);
	}
}

/* on_signal - SIGHUP, SIGTERM, SIGQUIT, SIGCHLD, SIGINT */
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
	case SIGQUIT:
		msg_info("terminating on signal %d", signo);
		master_kill_children(m, SIGKILL);
		exit(0);
	default:
		msg_info("terminating on signal %d", signo);
		event_loop_stop(m->loop);
		break;
	}
}

/* master_shutdown_services - close listeners, stop children, wait a little */
void master_shutdown_services(struct master *m)
{
	struct master_service *s;
	int i;

	m->stopping = 1;
	for (s = m->services; s != NULL; s = s->next)
		master_service_retire(m, s);
	master_kill_children(m, SIGTERM);
	for (i = 0; i < 50 && master_children_count(m) > 0; i++) {
		usleep(100000);
		master_reap(m);
	}
	if (master_children_count(m) > 0) {
		master_kill_children(m, SIGKILL);
		for (i = 0; i < 20 && master_children_count(m) > 0; i++) {
			usleep(50000);
			master_reap(m);
		}
	}
}

/* test_running - -t: 0 when no master holds the lock */
static int test_running(struct pfconf *cfg)
{
	char *pid = xasprintf("%s/pid/master.pid", pfconf_get(cfg, "queue_directory"));
	int locked = pidfile_locked(pid);

	xfree(pid);
	return locked > 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct master *m = &master;
	const char *error, *dir = NULL;
	char *pidpath;
	int c, test = 0, wait_child = 0, pidfd;
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;

	if (argc > 0 && strcmp(slash != NULL ? slash + 1 : argv[0], "dovecot") == 0)
		return dvrole_main(argc, argv);	/* the same program as Dovecot's master */
	log_open("master", "postfix", LOG_TARGET_STDERR);
	while ((c = getopt(argc, argv, "c:dDtvw")) != -1) {
		switch (c) {
		case 'c': dir = optarg; break;
		case 'd': m->foreground = 1; break;
		case 'D': break;
		case 't': test = 1; break;
		case 'v': break;
		case 'w': wait_child = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (dir != NULL)
		setenv("MAIL_CONFIG", dir, 1);
	if (load_config(dir, &m->cfg, &m->mcf, &error) < 0)
		msg_fatal("%s", error);
	m->config_dir = xstrdup(pfconf_config_dir(m->cfg));
	if (test)
		return test_running(m->cfg);
	check_users(m->cfg);
	if (chdir(pfconf_get(m->cfg, "queue_directory")) < 0)
		msg_fatal("chdir %s: %m", pfconf_get(m->cfg, "queue_directory"));
	if (!m->foreground)
		master_become_daemon(wait_child);
	pidpath = xasprintf("%s/pid/master.pid", pfconf_get(m->cfg, "queue_directory"));
	pidfd = pidfile_acquire(pidpath, NULL, &error);
	if (pidfd < 0) {
		if (errno == EAGAIN)
			msg_fatal("the Postfix mail system is already running (%s is locked)", pidpath);
		msg_fatal("%s", error);
	}
	daemon_setup_logging(m->cfg, "master", 1);
	m->throttle_time = pfconf_get_time(m->cfg, "service_throttle_time");
	argv_init(&m->env);
	argv_init(&m->reported);
	master_build_env(m);
	m->loop = event_loop_create();
	sig_ignore_pipe();
	sig_watch(m->loop, SIGCHLD, on_signal, m);
	sig_watch(m->loop, SIGHUP, on_signal, m);
	sig_watch(m->loop, SIGTERM, on_signal, m);
	sig_watch(m->loop, SIGINT, on_signal, m);
	sig_watch(m->loop, SIGQUIT, on_signal, m);
	start_services(m);
	daemon_setup_logging(m->cfg, "master", m->foreground);
	msg_info("daemon started -- version %s, configuration %s", pfconf_get(m->cfg, "mail_version"),
		 m->config_dir);
	master_announce_ready();
	if (!m->foreground)
		master_detach_stdio();
	event_loop_run(m->loop);
	master_shutdown_services(m);
	unlink(pidpath);
	xfree(pidpath);
	return 0;
}
