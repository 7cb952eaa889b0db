/*
 * postfix - the Postfix control command.
 *
 * ROLE: postfix [-c config_dir] [-Dv] command, with the commands check,
 *	start, start-fg, stop, abort, reload, status, flush and
 *	set-permissions.  Messages and exit codes follow Postfix's
 *	postfix-script ("postfix/postfix-script: starting the Postfix mail
 *	system"), printed on stderr and logged with that tag.
 * PRIVILEGES: run by the administrator (root), or by the user who owns a
 *	test/demo instance; it changes owners only when run as root.
 * INPUTS: main.cf, master.cf, the install manifest
 *	($daemon_directory/postfix-files).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/cfline.h"
#include "config/mastercf.h"
#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/privs.h"
#include "core/safe_file.h"
#include "daemon/daemon.h"
#include "ipc/ipc.h"

#define SCRIPT_TAG "postfix/postfix-script"

static struct pfconf *cfg;
static int warnings;

/* say - "postfix/postfix-script: text" on stderr and in the log */
static void say(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "", "warning: ", "error: ", "fatal: ", "panic: " };
	char text[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s%s\n", SCRIPT_TAG, prefix[level], text);
	fflush(stderr);
	if (cfg != NULL)
		msg_info("%s%s", prefix[level], text);
	if (level == LOG_LEVEL_WARN)
		warnings++;
	if (level >= LOG_LEVEL_FATAL)
		exit(1);
}

/* usage - exit 64 like Postfix */
static void usage(void)
{
	fprintf(stderr, "postfix: fatal: usage: postfix [-c config_dir] [-Dv] command\n");
	exit(1);
}

/* ---- the install manifest ---- */

struct manifest_entry {
	char *path;
	char type;
	char *owner;
	char *group;
	mode_t mode;
	char *flags;
};

/* expand - $name references in a manifest field */
static char *expand(const char *text)
{
	struct buf b;
	const char *error;
	char *s;

	buf_init(&b, 0);
	if (pfconf_expand(cfg, text, &b, &error) < 0)
		msg_fatal("postfix-files: %s", error);
	s = buf_steal(&b);
	buf_deinit(&b);
	return s;
}

/* manifest_load - parse $daemon_directory/postfix-files */
static struct manifest_entry *manifest_load(size_t *n_r)
{
	char *path = xasprintf("%s/postfix-files", pfconf_get(cfg, "daemon_directory"));
	struct cflines lines;
	struct manifest_entry *v;
	const char *error;
	size_t i, n = 0;

	if (cfline_read_file(path, &lines, &error) < 0)
		msg_fatal("%s", error);
	v = xcalloc(lines.n + 1, sizeof(*v));
	for (i = 0; i < lines.n; i++) {
		struct argv *f = argv_split(lines.v[i].text, " \t");
		char *end;

		if (f->n < 5 || strlen(f->v[1]) != 1 || strtoul(f->v[4], &end, 8) > 07777 || *end != '\0')
			msg_fatal("%s, line %d: bad manifest entry: \"%s\"", path, lines.v[i].first,
				  lines.v[i].text);
		v[n].path = expand(f->v[0]);
		v[n].type = f->v[1][0];
		v[n].owner = strcmp(f->v[2], "-") == 0 ? xstrdup("root") : expand(f->v[2]);
		v[n].group = strcmp(f->v[3], "-") == 0 ? xstrdup("root") : expand(f->v[3]);
		v[n].mode = (mode_t)strtoul(f->v[4], NULL, 8);
		v[n].flags = xstrdup(f->n > 5 ? f->v[5] : "");
		n++;
		argv_destroy(&f);
	}
	cflines_free(&lines);
	xfree(path);
	*n_r = n;
	return v;
}

/* ids - uid/gid for manifest owner/group names */
static int ids(const struct manifest_entry *e, uid_t *uid, gid_t *gid)
{
	struct privs_user u;
	const char *error;

	if (privs_lookup_user(e->owner, &u, &error) < 0) {
		say(LOG_LEVEL_WARN, "%s: %s", e->path, error);
		return -1;
	}
	*uid = u.uid;
	privs_user_free(&u);
	if (privs_lookup_group(e->group, gid, &error) < 0) {
		say(LOG_LEVEL_WARN, "%s: %s", e->path, error);
		return -1;
	}
	return 0;
}

/* apply_entry - create a missing run-time directory, fix or report permissions */
static void apply_entry(const struct manifest_entry *e, int create, int fix)
{
	struct stat st;
	uid_t uid;
	gid_t gid;
	int root = geteuid() == 0;
	const char *error;

	if (lstat(e->path, &st) < 0) {
		if (!create || e->type != 'd')
			return;
		if (mkdir_p(e->path, 0755, &error) < 0)
			say(LOG_LEVEL_FATAL, "%s", error);
		if (chmod(e->path, e->mode) < 0)
			say(LOG_LEVEL_FATAL, "chmod %s: %s", e->path, strerror(errno));
		if (root && ids(e, &uid, &gid) == 0 && chown(e->path, uid, gid) < 0)
			say(LOG_LEVEL_FATAL, "chown %s: %s", e->path, strerror(errno));
		return;
	}
	if (!root || ids(e, &uid, &gid) < 0)
		return;
	if (fix) {
		if (chown(e->path, uid, gid) < 0 || chmod(e->path, e->mode) < 0)
			say(LOG_LEVEL_WARN, "cannot set permissions of %s: %s", e->path, strerror(errno));
		return;
	}
	if (st.st_uid != uid)
		say(LOG_LEVEL_WARN, "not owned by %s: %s", e->owner, e->path);
	if (strcmp(e->group, "root") != 0 && st.st_gid != gid)
		say(LOG_LEVEL_WARN, "not owned by group %s: %s", e->group, e->path);
	if ((st.st_mode & 07777) != e->mode && e->type == 'd')
		say(LOG_LEVEL_WARN, "wrong permissions %04o (expected %04o): %s",
		    (unsigned)(st.st_mode & 07777), (unsigned)e->mode, e->path);
}

/* manifest_free - release entries */
static void manifest_free(struct manifest_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		xfree(v[i].path);
		xfree(v[i].owner);
		xfree(v[i].group);
		xfree(v[i].flags);
	}
	xfree(v);
}

/* ---- commands ---- */

/* check_config - master.cf must parse too (main.cf already did) */
static void check_config(void)
{
	char *path = xasprintf("%s/master.cf", pfconf_config_dir(cfg));
	struct mastercf *mcf;
	const char *error;

	if (mastercf_load(&mcf, path, &error) < 0)
		say(LOG_LEVEL_FATAL, "%s", error);
	mastercf_free(&mcf);
	xfree(path);
}

/* check_users - mail_owner/setgid_group exist */
static void check_users(void)
{
	struct privs_user u;
	const char *error, *owner = pfconf_get(cfg, "mail_owner");
	gid_t gid;

	if (privs_lookup_user(owner, &u, &error) < 0)
		say(LOG_LEVEL_FATAL, "file %s: parameter mail_owner: %s: create the user \"%s\" "
		    "(e.g. useradd --system %s) or set mail_owner", pfconf_main_cf(cfg), error, owner,
		    owner);
	privs_user_free(&u);
	if (privs_lookup_group(pfconf_get(cfg, "setgid_group"), &gid, &error) < 0)
		say(LOG_LEVEL_FATAL, "file %s: parameter setgid_group: %s: create the group \"%s\"",
		    pfconf_main_cf(cfg), error, pfconf_get(cfg, "setgid_group"));
}

/* check_parameters - postconf's unused/undefined parameter warnings, as Postfix's check shows them */
static void check_parameters(void)
{
	char *prog = xasprintf("%s/postconf", pfconf_get(cfg, "command_directory"));
	pid_t pid;
	int status;

	if (access(prog, X_OK) < 0) {
		xfree(prog);
		return;
	}
	pid = fork();
	if (pid == 0) {
		char *const argv[] = { (char *)"postconf", (char *)"-c", (char *)pfconf_config_dir(cfg),
				       (char *)"-n", NULL };
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 1);
		execv(prog, argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	xfree(prog);
}

/* do_check - postfix check */
static void do_check(void)
{
	struct manifest_entry *v;
	size_t n, i;
	const char *qdir = pfconf_get(cfg, "queue_directory");
	struct stat st;

	check_config();
	check_parameters();
	check_users();
	v = manifest_load(&n);
	for (i = 0; i < n; i++)
		if (strchr(v[i].flags, 'q') != NULL)
			apply_entry(&v[i], 1, 0);
	manifest_free(v, n);
	if (stat(qdir, &st) < 0)
		say(LOG_LEVEL_FATAL, "queue directory %s: %s", qdir, strerror(errno));
	if (access(qdir, W_OK) < 0 && geteuid() != 0)
		say(LOG_LEVEL_FATAL, "queue directory %s is not writable", qdir);
}

/* master_pid - pid of the running master, or 0 */
static pid_t master_pid(void)
{
	char *path = xasprintf("%s/pid/master.pid", pfconf_get(cfg, "queue_directory"));
	pid_t pid = pidfile_locked(path) > 0 ? pidfile_read(path) : 0;

	xfree(path);
	return pid > 0 ? pid : 0;
}

/* run_master - exec the master with our config directory */
static void run_master(const char *mode)
{
	char *prog = xasprintf("%s/master", pfconf_get(cfg, "daemon_directory"));
	char *const argv[] = { prog, (char *)"-c", (char *)pfconf_config_dir(cfg), (char *)mode, NULL };

	execv(prog, argv);
	say(LOG_LEVEL_FATAL, "cannot execute %s: %s", prog, strerror(errno));
}

/* wait_gone - wait until the master released its lock */
static int wait_gone(int seconds)
{
	for (int i = 0; i < seconds * 10; i++) {
		if (master_pid() == 0)
			return 0;
		usleep(100000);
	}
	return -1;
}

/* signal_master - send signo or fail as "not running" */
static pid_t signal_master(int signo)
{
	pid_t pid = master_pid();

	if (pid == 0)
		say(LOG_LEVEL_FATAL, "the Postfix mail system is not running");
	if (kill(pid, signo) < 0)
		say(LOG_LEVEL_FATAL, "cannot signal the master (pid %ld): %s", (long)pid, strerror(errno));
	return pid;
}

/* do_flush - ask the queue manager to retry deferred mail now */
static int do_flush(void)
{
	char *path = xasprintf("%s/public/qmgr", pfconf_get(cfg, "queue_directory"));
	const char *error;
	int ret = 0;

	if (master_pid() == 0 || ipc_trigger(path, "FA", 2, &error) < 0) {
		fprintf(stderr, "postqueue: fatal: Cannot flush mail queue - mail system is down\n");
		ret = 1;
	}
	xfree(path);
	return ret;
}

/* do_set_permissions - owners and modes of installed files from the manifest */
static void do_set_permissions(void)
{
	struct manifest_entry *v;
	size_t n, i;

	v = manifest_load(&n);
	for (i = 0; i < n; i++)
		if (strchr(v[i].flags, 'q') == NULL && strchr(v[i].flags, 'c') == NULL)
			apply_entry(&v[i], 0, 1);
	manifest_free(v, n);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *cmd, *error;
	int c;

	log_open("postfix", "postfix", LOG_TARGET_STDERR);
	while ((c = getopt(argc, argv, "c:Dv")) != -1) {
		switch (c) {
		case 'c': dir = optarg; break;
		case 'D': case 'v': break;
		default: usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	cmd = argv[optind];
	if (dir != NULL)
		setenv("MAIL_CONFIG", dir, 1);
	if (pfconf_load(&cfg, dir, &error) < 0)
		msg_fatal("%s", error);
	daemon_setup_logging(cfg, "postfix-script", 0);

	if (strcmp(cmd, "check") == 0) {
		do_check();
	} else if (strcmp(cmd, "start") == 0 || strcmp(cmd, "start-fg") == 0) {
		if (master_pid() != 0)
			say(LOG_LEVEL_FATAL, "the Postfix mail system is already running");
		do_check();
		say(LOG_LEVEL_INFO, "starting the Postfix mail system");
		run_master(strcmp(cmd, "start") == 0 ? "-w" : "-d");
	} else if (strcmp(cmd, "stop") == 0) {
		signal_master(SIGTERM);
		say(LOG_LEVEL_INFO, "stopping the Postfix mail system");
		if (wait_gone(3) < 0) {
			say(LOG_LEVEL_INFO, "waiting for the Postfix mail system to terminate");
			if (wait_gone(30) < 0)
				say(LOG_LEVEL_FATAL, "the Postfix mail system did not stop");
		}
	} else if (strcmp(cmd, "abort") == 0) {
		signal_master(SIGQUIT);
		say(LOG_LEVEL_INFO, "aborting the Postfix mail system");
		wait_gone(10);
	} else if (strcmp(cmd, "reload") == 0) {
		signal_master(SIGHUP);
		say(LOG_LEVEL_INFO, "refreshing the Postfix mail system");
	} else if (strcmp(cmd, "status") == 0) {
		pid_t pid = master_pid();

		if (pid == 0) {
			fprintf(stderr, "%s: the Postfix mail system is not running\n", SCRIPT_TAG);
			return 1;
		}
		say(LOG_LEVEL_INFO, "the Postfix mail system is running: PID: %ld", (long)pid);
	} else if (strcmp(cmd, "flush") == 0) {
		return do_flush();
	} else if (strcmp(cmd, "set-permissions") == 0) {
		do_set_permissions();
	} else {
		fprintf(stderr, "%s: fatal: unknown command: '%s'. Usage: postfix start (or stop, "
			"reload, abort, flush, check, status, set-permissions, start-fg)\n", SCRIPT_TAG, cmd);
		return 1;
	}
	return 0;
}
