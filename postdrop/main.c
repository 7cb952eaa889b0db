/*
 * postdrop - write one locally submitted message into maildrop/ (Postfix's
 * postdrop(1)).  sendmail runs it with the message as a queue-file record
 * stream on standard input; pickup takes the file from there.
 *
 * ROLE: command, run by sendmail for any local user; works while the mail
 *	system is down (the file waits in maildrop/ for pickup).
 * PRIVILEGES: set-gid setgid_group (mode 2755, etc/postfix-files): the
 *	group may create files in maildrop/ (1730 mail_owner:setgid_group)
 *	but not list or read it.  Everything else is the user's own: the
 *	file belongs to the real uid, which is how pickup learns who
 *	submitted it.  Trusts nothing on stdin: only the record types and
 *	attributes of docs/submission.md, in order, are copied; the total
 *	size is capped by message_size_limit.  A non-default configuration
 *	directory is refused to non-root users unless the default main.cf
 *	lists it (altdir.h), so a user cannot point the set-gid program at
 *	a queue of their choosing.  The environment is cleared.
 * INPUTS: -c config_dir, -r (record input: the only kind), -v; stdin.
 * OUTPUT: "queue_id=ID" on stdout once the file is committed (sendmail -bs
 *	answers with it), or "status=too_big".
 * PARAMETERS: queue_directory, authorized_submit_users, message_size_limit.
 * LOG: "postdrop: warning: uid=N: File too large",
 *	"postdrop: warning: stdin: <reason>" + "postdrop: fatal: uid=N: malformed input",
 *	"postdrop: fatal: User NAME(UID) is not allowed to submit mail",
 *	"postdrop: warning: unable to look up public/pickup: ..." (mail system down).
 * EXIT: 0 queued; 1 otherwise (as Postfix's postdrop).
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "config/altdir.h"
#include "config/pfconf.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "daemon/daemon.h"
#include "ipc/ipc.h"
#include "maps/userlist.h"
#include "queue/qfile.h"

#define USAGE "usage: postdrop [-c config_dir] [-v]"
/* one submission must fit one cleanup transaction of pickup (BATCH_* in pickup/main.c) */
#define RCPT_MAX	10000		/* recipients */
#define ENVELOPE_MAX	(4 * 1024 * 1024)	/* bytes of envelope records */

#ifdef __SANITIZE_ADDRESS__
/*
 * __lsan_is_turned_off - LeakSanitizer hook (sanitizer builds only): its
 * leak check cannot run in a set-gid process (the process is not dumpable,
 * so it fails with "LeakSanitizer has encountered a fatal error"); making
 * the process dumpable instead would let the user ptrace it.  AddressSanitizer
 * itself stays on.
 */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return getgid() != getegid() || getuid() != geteuid();
}
#endif

/* attributes sendmail may send (docs/submission.md); anything else is malformed */
static const char *const allowed_attrs[] = {
	"full_name", "body_type", "flags", "helo", "protocol", "client_name", "client_addr",
	NULL,
};

struct drop {
	struct qfile *in, *out;
	long uid;
	long long limit, size;
	int state;		/* 0 envelope, 1 content, 2 after X */
	int have_sender, notify_pending;
	long nrcpt;
	long long envelope;	/* bytes of envelope records so far */
};

/* clean_env - a set-gid program keeps only what it needs from the environment */
static char *clean_env(void)
{
	char *conf = getenv("MAIL_CONFIG") ? xstrdup(getenv("MAIL_CONFIG")) : NULL;
	char *tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;

	clearenv();
	if (tz != NULL)
		setenv("TZ", tz, 1);
	xfree(tz);
	return conf;
}

/* check_user - authorized_submit_users for the real uid */
static void check_user(struct pfconf *cfg, long uid)
{
	struct passwd *pw = getpwuid((uid_t)uid);
	struct userlist *ul;
	const char *error;
	int r;

	if (pw == NULL)
		msg_fatal("unable to find out your login name");
	if (userlist_open(pfconf_get(cfg, "authorized_submit_users"), &ul, &error) < 0)
		msg_fatal("authorized_submit_users: %s", error);
	r = userlist_match(ul, pw->pw_name, &error);
	userlist_close(&ul);
	if (r < 0)
		msg_fatal("authorized_submit_users: %s", error);
	if (r == 0)
		msg_fatal("User %s(%ld) is not allowed to submit mail", pw->pw_name, uid);
}

/* attr_ok - an A record sendmail may send */
static int attr_ok(const struct buf *data)
{
	const char *eq = memchr(data->data, '=', data->len);

	if (eq == NULL || memchr(data->data, '\0', data->len) != NULL)
		return 0;
	for (int i = 0; allowed_attrs[i] != NULL; i++)
		if ((size_t)(eq - data->data) == strlen(allowed_attrs[i])
		    && memcmp(data->data, allowed_attrs[i], strlen(allowed_attrs[i])) == 0)
			return 1;
	return 0;
}

/* record_ok - the record fits the envelope / content / end order */
static int record_ok(struct drop *d, int type, const struct buf *data)
{
	switch (d->state) {
	case 0:
		if (type == QREC_ATTR)
			return attr_ok(data);
		if (type == QREC_FROM)
			return !d->have_sender++ && memchr(data->data, '\n', data->len) == NULL;
		if (type == QREC_NOTIFY)
			return !d->notify_pending++;
		if (type == QREC_RCPT) {
			d->notify_pending = 0;
			return data->len > 0;
		}
		if (type == QREC_MESG)
			return d->have_sender && !d->notify_pending && (d->state = 1);
		return 0;
	case 1:
		if (type == QREC_XTRA)
			return (d->state = 2);
		return type == QREC_NORM || type == QREC_CONT;
	default:
		return type == QREC_END;
	}
}

/* too_big - message_size_limit reached: as Postfix's postdrop under its file size limit */
static void too_big(struct drop *d)
{
	msg_warn("uid=%ld: File too large", d->uid);
	printf("status=too_big\n");
	fflush(stdout);
	qfile_abandon(&d->out);
	exit(1);
}

/* copy - stdin records into the maildrop file */
static void copy(struct drop *d)
{
	struct buf data;
	const char *error;
	int type, r;

	buf_init(&data, 0);
	while ((r = qfile_get(d->in, &type, &data, NULL, &error)) > 0) {
		if (d->state == 0 && ((type == QREC_RCPT && ++d->nrcpt > RCPT_MAX)
				      || (d->envelope += (long long)data.len) > ENVELOPE_MAX)) {
			qfile_abandon(&d->out);
			msg_fatal("uid=%ld: too many recipients (at most %d, %d bytes)", d->uid,
				  RCPT_MAX, ENVELOPE_MAX);
		}
		if (!record_ok(d, type, &data)) {
			qfile_abandon(&d->out);
			msg_warn("stdin: unexpected record type %d", type);
			msg_fatal("uid=%ld: malformed input", d->uid);
		}
		if (type == QREC_END)
			continue;
		d->size += (long long)data.len + 5;
		if (d->limit > 0 && d->size > d->limit)
			too_big(d);
		if (qfile_put(d->out, type, data.data, data.len, &error) < 0) {
			qfile_abandon(&d->out);
			msg_fatal("uid=%ld: %s", d->uid, error);
		}
	}
	buf_deinit(&data);
	if (r < 0 || d->state != 2) {
		qfile_abandon(&d->out);
		msg_warn("stdin: %s", r < 0 ? error : "premature end of input");
		msg_fatal("uid=%ld: malformed input", d->uid);
	}
}

/*
 * commit - END, fsync, rename to the queue ID.  The group may write but not
 * read maildrop/, so the directory fsync that qfile_commit() ends with
 * fails for a plain user; the rename happened when maildrop/ID is our
 * file, and syncfs() then makes the new name durable instead.
 */
static const char *commit(struct drop *d)
{
	const char *id = qfile_id(d->out), *error;
	struct stat st_fd, st_name;
	char *path = xasprintf("maildrop/%s", id);
	static char idbuf[32];

	snprintf(idbuf, sizeof(idbuf), "%s", id);
	if (qfile_commit(d->out, &id, &error) < 0) {
		if (fstat(qfile_fd(d->out), &st_fd) < 0 || lstat(path, &st_name) < 0
		    || st_fd.st_ino != st_name.st_ino || st_fd.st_dev != st_name.st_dev) {
			qfile_abandon(&d->out);
			msg_fatal("uid=%ld: %s", d->uid, error);
		}
		if (syncfs(qfile_fd(d->out)) < 0)
			msg_warn("uid=%ld: syncfs: %m", d->uid);
	}
	xfree(path);
	qfile_close(&d->out);
	return idbuf;
}

/* create - the temporary maildrop file, readable by pickup, locked while we write */
static void create(struct drop *d)
{
	struct timeval tv;
	const char *error;
	char t[64];

	if (qfile_create("maildrop", &d->out, &error) < 0)
		msg_fatal("uid=%ld: mail_queue_enter: %s", d->uid, error);
	if (fchmod(qfile_fd(d->out), 0644) < 0 || flock(qfile_fd(d->out), LOCK_EX) < 0) {
		qfile_abandon(&d->out);
		msg_fatal("uid=%ld: maildrop file: %m", d->uid);
	}
	gettimeofday(&tv, NULL);
	snprintf(t, sizeof(t), "%ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
	if (qfile_put(d->out, QREC_TIME, t, strlen(t), &error) < 0) {
		qfile_abandon(&d->out);
		msg_fatal("uid=%ld: %s", d->uid, error);
	}
}

/* trigger_pickup - wake pickup; a stopped mail system is fine (the file waits) */
static void trigger_pickup(void)
{
	const char *error;
	struct stat st;

	if (stat("public/pickup", &st) < 0) {	/* not access(): that uses the real gid */
		msg_warn("unable to look up public/pickup: %m");
		return;
	}
	(void)ipc_trigger("public/pickup", "W", 1, &error);
}

/* options - -c dir, -r, -v; anything else is a usage error */
static char *options(int argc, char **argv, char *dir)
{
	int c;

	while ((c = getopt(argc, argv, "c:rv")) != -1) {
		if (c == 'c') {
			xfree(dir);
			dir = xstrdup(optarg);
		} else if (c != 'r' && c != 'v') {
			msg_fatal(USAGE);
		}
	}
	if (optind != argc)
		msg_fatal(USAGE);
	return dir;
}

int main(int argc, char **argv)
{
	struct drop d = { 0 };
	struct pfconf *cfg;
	const char *error, *id;
	char *dir;

	log_open("postdrop", NULL, LOG_TARGET_STDERR);
	argv[0] = (char *)"postdrop";	/* getopt messages say "postdrop: ...", as Postfix's */
	signal(SIGPIPE, SIG_IGN);
	dir = options(argc, argv, clean_env());
	if (altdir_check(dir, &error) < 0) {
		msg_error("%s", error);
		msg_fatal("specify \"alternate_config_directories = %s\" or \"multi_instance_directories = %s\" in %s/main.cf",
			  dir, dir, altdir_default());
	}
	if (pfconf_load(&cfg, dir, &error) < 0)
		msg_fatal("%s", error);
	daemon_setup_logging(cfg, "postdrop", 1);
	d.uid = (long)getuid();
	check_user(cfg, d.uid);
	d.limit = pfconf_get_int(cfg, "message_size_limit");
	if (chdir(pfconf_get(cfg, "queue_directory")) < 0)
		msg_fatal("chdir %s: %m", pfconf_get(cfg, "queue_directory"));
	create(&d);
	d.in = qfile_fdopen(STDIN_FILENO, "stdin");
	copy(&d);
	id = commit(&d);
	printf("queue_id=%s\n", id);
	fflush(stdout);
	trigger_pickup();
	return 0;
}
