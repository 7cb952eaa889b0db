/*
 * pickup - feed the files in maildrop/ through cleanup (Postfix's
 * pickup(8)): local submissions written by postdrop, and whole queue files
 * that `postsuper -r` moved there to be processed again.
 *
 * ROLE: the "pickup unix n - y 60 1 pickup" trigger service of master.cf.
 *	Any request on public/pickup (and the master's wakeup every 60 s,
 *	the first right after start) scans maildrop/.
 * PRIVILEGES: mail_owner (unpriv), chrooted to queue_directory by default.
 *	It owns maildrop/ (1730), so it may read and remove every file there.
 *	Trusts nothing in a file: each record is bounded and checked (a bad
 *	file goes to corrupt/, once, with a warning); the submitter is the
 *	file's owner uid, never a record; SMTP details from sendmail -bs
 *	(helo, protocol, client) are honoured only for files owned by root or
 *	mail_owner.  A file is removed only after cleanup has committed the
 *	message (status 0); a temporary failure leaves it for the next scan.
 * INPUTS: maildrop/ID files (queue-file records, docs/submission.md),
 *	stale ".tmp.*" files of a postdrop that died (removed when no
 *	process holds their lock and they are older than a minute).
 * PARAMETERS: queue_directory, ipc_timeout.
 * LOG: "ID: uid=N from=<SENDER>" (ID is the new queue ID, as Postfix),
 *	"warning: maildrop/NAME: REASON" + "warning: uid=N: corrupt maildrop
 *	file: moved to corrupt/NAME", "warning: maildrop/NAME: uid=N: message
 *	rejected: CODE DSN REASON" (status 5: removed), cleanup connection
 *	failures (the file stays).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "daemon/daemon.h"
#include "ipc/attr.h"
#include "ipc/cleanup_client.h"
#include "queue/qfile.h"

#define SCAN_MAX	10000	/* files per scan (the next trigger continues) */
#define RCPT_MAX	200000	/* recipients of one file */
#define STALE_TMP_AGE	60	/* seconds before an unlocked .tmp file is removed */
/*
 * One cleanup transaction carries at most this many recipients / envelope
 * bytes (well inside the attribute list limits of lib/ipc/attr.h); a
 * requeued queue file with more goes through cleanup in batches.
 */
#define BATCH_RCPTS	10000
#define BATCH_BYTES	(4 * 1024 * 1024)

/* what pass 1 learned about a file */
struct envelope {
	uid_t uid;
	int full;		/* a whole queue file (postsuper -r), not a postdrop file */
	char *time;
	char *sender;
	struct argv anames, avalues;	/* A records: name, value (the last one counts) */
	struct attr_list rcpts;		/* rcpt, orcpt, notify in cleanup protocol order */
	size_t *rfirst;			/* per recipient: its first item in rcpts */
	off_t *roff;			/* per recipient: offset of its R record */
	size_t nrcpt, rcpt_alloc;
	int content;		/* M ... X seen */
};

static struct {
	int timeout_ms;
	uid_t owner;
} pk;

/* cleanup attributes a requeued queue file keeps (no client address: no new Received:) */
static const char *const full_attrs[] = {
	"sasl_method", "sasl_username", "body_type", "smtputf8", "dsn_envid", "dsn_ret", "uid",
	"full_name", "rewrite_context", NULL,
};
/* attributes of a postdrop file: always / only from root or mail_owner */
static const char *const drop_attrs[] = { "full_name", "body_type", NULL };
static const char *const trusted_attrs[] = { "helo", "protocol", "client_name", "client_addr", NULL };

static void env_init(struct envelope *e, uid_t uid)
{
	memset(e, 0, sizeof(*e));
	e->uid = uid;
	argv_init(&e->anames);
	argv_init(&e->avalues);
	attr_list_init(&e->rcpts);
}

static void env_deinit(struct envelope *e)
{
	xfree(e->time);
	xfree(e->sender);
	xfree(e->rfirst);
	xfree(e->roff);
	argv_deinit(&e->anames);
	argv_deinit(&e->avalues);
	attr_list_deinit(&e->rcpts);
}

/* env_attr - the last A record called name, or NULL */
static const char *env_attr(const struct envelope *e, const char *name)
{
	for (size_t i = e->anames.n; i-- > 0;)
		if (strcmp(e->anames.v[i], name) == 0)
			return e->avalues.v[i];
	return NULL;
}

/* add_attr - an A record "name=value"; -1 when malformed */
static int add_attr(struct envelope *e, const struct buf *data)
{
	const char *eq = memchr(data->data, '=', data->len);

	if (eq == NULL || eq == data->data || memchr(data->data, '\0', data->len) != NULL)
		return -1;
	argv_addn(&e->anames, data->data, (size_t)(eq - data->data));
	argv_add(&e->avalues, eq + 1);
	if (strcmp(e->anames.v[e->anames.n - 1], "origin") == 0)
		e->full = 1;	/* only cleanup writes origin= */
	return 0;
}

/* envelope_record - one record of pass 1; NULL or the reason the file is corrupt */
/* add_rcpt - a recipient group (R and the O/N before it) */
static void add_rcpt(struct envelope *e, const char *rcpt, off_t off, const char *orcpt,
		     const char *notify)
{
	if (e->nrcpt == e->rcpt_alloc) {
		e->rcpt_alloc = e->rcpt_alloc ? 2 * e->rcpt_alloc : 16;
		e->rfirst = xreallocarray(e->rfirst, e->rcpt_alloc, sizeof(*e->rfirst));
		e->roff = xreallocarray(e->roff, e->rcpt_alloc, sizeof(*e->roff));
	}
	e->rfirst[e->nrcpt] = attr_count(&e->rcpts);
	e->roff[e->nrcpt++] = off;
	attr_add(&e->rcpts, "rcpt", rcpt);
	if (orcpt != NULL)
		attr_add(&e->rcpts, "orcpt", orcpt);
	if (notify != NULL)
		attr_add(&e->rcpts, "notify", notify);
}

static const char *envelope_record(struct envelope *e, int type, const struct buf *data, off_t off,
				   char **orcpt, char **notify)
{
	if (memchr(data->data, '\0', data->len) != NULL && type != QREC_NORM && type != QREC_CONT)
		return "NUL byte in an envelope record";
	if (e->content == 1)
		return type == QREC_NORM || type == QREC_CONT ? NULL
			: type == QREC_XTRA ? (e->content = 2, NULL) : "unexpected record in the content";
	switch (type) {
	case QREC_TIME: if (e->time == NULL) e->time = xstrdup(data->data); return NULL;
	case QREC_FROM:
		if (e->sender != NULL)
			return "more than one sender record";
		e->sender = xstrdup(data->data);
		return NULL;
	case QREC_ATTR: return add_attr(e, data) < 0 ? "malformed attribute record" : NULL;
	case QREC_SIZE: e->full = 1; return NULL;
	case QREC_ORCPT: xfree(*orcpt); *orcpt = xstrdup(data->data); return NULL;
	case QREC_NOTIFY: xfree(*notify); *notify = xstrdup(data->data); return NULL;
	case QREC_DONE: e->full = 1; break;
	case QREC_RCPT:
		if (data->len == 0 || e->nrcpt >= RCPT_MAX)
			return data->len == 0 ? "empty recipient record" : "too many recipients";
		add_rcpt(e, data->data, off, *orcpt, *notify);
		break;
	case QREC_MESG:
		if (e->content)
			return "more than one message content";
		e->content = 1;
		return NULL;
	case QREC_END: return NULL;
	default: return "unexpected record type";
	}
	xfree(*orcpt);
	xfree(*notify);
	*orcpt = *notify = NULL;
	return NULL;
}

/* read_envelope - pass 1; NULL or why the file is corrupt */
static const char *read_envelope(struct qfile *qf, struct envelope *e)
{
	static char why[600];
	struct buf data;
	const char *error, *bad = NULL;
	char *orcpt = NULL, *notify = NULL;
	int type, r;
	off_t off;

	buf_init(&data, 0);
	while (bad == NULL && (r = qfile_get(qf, &type, &data, &off, &error)) > 0)
		bad = envelope_record(e, type, &data, off, &orcpt, &notify);
	xfree(orcpt);
	xfree(notify);
	buf_deinit(&data);
	if (bad == NULL && r < 0)
		bad = error;
	if (bad == NULL && e->sender == NULL)
		bad = "no sender record";
	if (bad == NULL && e->content != 2)
		bad = "no complete message content";
	if (bad == NULL && e->nrcpt == 0 && (env_attr(e, "flags") == NULL
					     || strstr(env_attr(e, "flags"), "extract_recipients") == NULL))
		bad = "no recipient records";
	if (bad == NULL)
		return NULL;
	snprintf(why, sizeof(why), "%s", bad);
	return why;
}

/* copy_attrs - the A records in list (that the file has) into the envelope list */
static void copy_attrs(const struct envelope *e, const char *const *list, struct attr_list *l)
{
	for (int i = 0; list[i] != NULL; i++)
		if (env_attr(e, list[i]) != NULL)
			attr_add(l, list[i], env_attr(e, list[i]));
}

/* build_envelope - the cleanup protocol's envelope list, recipients [first, last) */
static void build_envelope(const struct envelope *e, size_t first, size_t last, struct attr_list *l)
{
	size_t from = first < e->nrcpt ? e->rfirst[first] : attr_count(&e->rcpts);
	size_t to = last < e->nrcpt ? e->rfirst[last] : attr_count(&e->rcpts);
	char uid[32];

	attr_add(l, "origin", e->full ? "local" : "pickup");
	attr_add(l, "sender", e->sender);
	if (e->time != NULL && strspn(e->time, "0123456789.") == strlen(e->time))
		attr_add(l, "time", e->time);
	if (e->full) {
		copy_attrs(e, full_attrs, l);
	} else {
		snprintf(uid, sizeof(uid), "%ld", (long)e->uid);
		attr_add(l, "uid", uid);
		copy_attrs(e, drop_attrs, l);
		if (env_attr(e, "flags") != NULL && strstr(env_attr(e, "flags"), "extract_recipients"))
			attr_add(l, "flags", "extract_recipients");
		if (e->uid == 0 || e->uid == pk.owner)
			copy_attrs(e, trusted_attrs, l);
	}
	for (size_t i = from; i < to; i++)
		attr_add(l, e->rcpts.names.v[i], e->rcpts.values.v[i]);
}

/* send_content - pass 2: the content records to cleanup, lines with LF */
static int send_content(struct cleanup_client *cc, struct qfile *qf, const char **error_r)
{
	struct buf data;
	int type, r, in = 0;

	buf_init(&data, 0);
	while ((r = qfile_get(qf, &type, &data, NULL, error_r)) > 0) {
		if (type == QREC_MESG) {
			in = 1;
		} else if (in && type == QREC_XTRA) {
			break;
		} else if (in && (type == QREC_NORM || type == QREC_CONT)) {
			if (type == QREC_NORM)
				buf_append_c(&data, '\n');
			if (cleanup_write(cc, data.data, data.len, error_r) < 0) {
				r = -1;
				break;
			}
		}
	}
	buf_deinit(&data);
	return r < 0 ? -1 : 0;
}

/* move_corrupt - maildrop/NAME -> corrupt/NAME with Postfix-shaped warnings */
static void move_corrupt(const char *name, uid_t uid, const char *why)
{
	char *from = xasprintf("maildrop/%s", name), *to = xasprintf("corrupt/%s", name);

	msg_warn("%s: %s", from, why);
	if (rename(from, to) < 0)
		msg_warn("uid=%ld: corrupt maildrop file: rename %s to %s: %m", (long)uid, from, to);
	else
		msg_warn("uid=%ld: corrupt maildrop file: moved to %s", (long)uid, to);
	xfree(from);
	xfree(to);
}

/*
 * open_file - read-only (the file belongs to the submitting user), no
 * symlinks, one link, a regular file; NULL with *error_r
 */
static struct qfile *open_file(const char *path, struct stat *st_r, const char **error_r)
{
	int fd = safe_open(path, O_RDONLY, 0, st_r, error_r);

	return fd < 0 ? NULL : qfile_fdopen(fd, "maildrop file");
}

/* open_same - pass 2 opens the file again; it must still be the file of pass 1 */
static struct qfile *open_same(const char *path, const struct stat *st1)
{
	struct qfile *qf;
	struct stat st2;
	const char *error;

	if ((qf = open_file(path, &st2, &error)) == NULL)
		return NULL;
	if (st2.st_ino != st1->st_ino || st2.st_dev != st1->st_dev) {
		qfile_close(&qf);
		return NULL;
	}
	return qf;
}

/* result - cleanup's answer: 0 these recipients are finished, 1 keep them for later */
static int result(const char *path, const char *id, const struct envelope *e,
		  const struct cleanup_result *res)
{
	(void)id;
	if (res->status == 0)
		return 0;
	if (res->status == 4) {
		msg_warn("%s: uid=%ld: %s %s %s (will retry)", path, (long)e->uid, res->code, res->dsn,
			 res->reason);
		return 1;
	}
	msg_warn("%s: uid=%ld: message rejected: %s %s %s", path, (long)e->uid, res->code, res->dsn,
		 res->reason);
	return 0;	/* finished too: the file is removed (no bounce yet, see docs/submission.md) */
}

/*
 * feed - recipients [first, last) of a valid file through cleanup:
 * 0 finished, 1 keep the file (temporary failure, or it changed), -1
 * cleanup unavailable (stop the scan)
 */
static int feed(const char *path, const struct envelope *e, const struct stat *st, size_t first,
		size_t last)
{
	struct cleanup_client *cc;
	struct cleanup_result res;
	struct attr_list env;
	struct qfile *qf;
	const char *error = NULL;
	int ret = 1;

	if (cleanup_open(".", pk.timeout_ms, &cc, &error) < 0) {
		msg_warn("connect to cleanup service: %s", error);
		return -1;
	}
	attr_list_init(&env);
	build_envelope(e, first, last, &env);
	if (cleanup_send_envelope(cc, &env, &error) == 0) {
		msg_info("%s: uid=%ld from=<%s>", cleanup_queue_id(cc), (long)e->uid, e->sender);
		if ((qf = open_same(path, st)) == NULL) {
			error = "file changed while it was read";	/* the next scan sees it again */
		} else {
			if (send_content(cc, qf, &error) == 0 && cleanup_finish(cc, &res, &error) == 0)
				ret = result(path, cleanup_queue_id(cc), e, &res);
			qfile_close(&qf);
		}
	}
	if (ret == 1 && error != NULL)
		msg_warn("%s: cleanup service: %s", path, error);
	attr_list_deinit(&env);
	cleanup_close(&cc);
	return ret;
}

/* batch_end - the end of the batch that starts at recipient first */
static size_t batch_end(const struct envelope *e, size_t first)
{
	size_t last = first, bytes = 0;

	while (last < e->nrcpt && last - first < BATCH_RCPTS) {
		size_t end = last + 1 < e->nrcpt ? e->rfirst[last + 1] : attr_count(&e->rcpts);

		for (size_t i = e->rfirst[last]; i < end; i++)
			bytes += strlen(e->rcpts.values.v[i]) + 16;
		if (bytes > BATCH_BYTES && last > first)
			break;
		last++;
	}
	return last;
}

/*
 * mark_batch - recipients [first, last) went through: mark them done in the
 * file (a requeued queue file belongs to mail_owner), so a retry after a
 * later failure does not send them twice; -1 when that is not possible
 */
static int mark_batch(const char *path, const struct envelope *e, size_t first, size_t last)
{
	const char *error;
	int fd = safe_open(path, O_RDWR, 0, NULL, &error), ret = 0;

	if (fd < 0) {
		msg_warn("%s: cannot record delivered recipients: %s", path, error);
		return -1;
	}
	/* the type bytes (as qfile_mark_done), but one fdatasync for the batch */
	for (size_t i = first; i < last && ret == 0; i++) {
		char type, done = QREC_DONE;

		if (pread(fd, &type, 1, e->roff[i]) != 1 || type != QREC_RCPT
		    || pwrite(fd, &done, 1, e->roff[i]) != 1)
			ret = -1;
	}
	if (ret == 0 && fdatasync(fd) < 0)
		ret = -1;
	if (ret < 0)
		msg_warn("%s: cannot record delivered recipients: %m", path);
	close(fd);
	return ret;
}

/* feed_batches - the whole file, in batches; feed()'s result for the file */
static int feed_batches(const char *path, const struct envelope *e, const struct stat *st)
{
	size_t first = 0;

	do {
		size_t last = batch_end(e, first);
		int r = feed(path, e, st, first, last);

		if (r != 0)
			return r;
		if (last < e->nrcpt && mark_batch(path, e, first, last) < 0)
			return 1;
		first = last;
	} while (first < e->nrcpt);
	return 0;
}

/* pickup_file - maildrop/NAME: 0 handled (or skipped), 1 kept, -1 stop the scan */
static int pickup_file(const char *name)
{
	char *path = xasprintf("maildrop/%s", name);
	struct envelope e;
	struct qfile *qf;
	struct stat st;
	const char *error, *why;
	int ret = 0;

	if ((qf = open_file(path, &st, &error)) == NULL) {
		/* a symlink, a second hard link, not a regular file: out of the way, once */
		if (errno != ENOENT && lstat(path, &st) == 0)
			move_corrupt(name, st.st_uid, error);
		xfree(path);
		return 0;
	}
	env_init(&e, st.st_uid);
	why = read_envelope(qf, &e);
	qfile_close(&qf);
	if (why != NULL)
		move_corrupt(name, st.st_uid, why);
	else if ((ret = feed_batches(path, &e, &st)) == 0 && unlink(path) < 0 && errno != ENOENT)
		msg_warn("remove %s: %m", path);
	env_deinit(&e);
	xfree(path);
	return ret;
}

/* stale_tmp - remove a .tmp file whose postdrop is gone (no lock) and that is not new */
static void stale_tmp(const char *name)
{
	char *path = xasprintf("maildrop/%s", name);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
	    && time(NULL) - st.st_mtime > STALE_TMP_AGE && flock(fd, LOCK_EX | LOCK_NB) == 0) {
		if (unlink(path) == 0)
			msg_warn("maildrop/%s: removed incomplete file of uid %ld", name, (long)st.st_uid);
	}
	if (fd >= 0)
		close(fd);
	xfree(path);
}

/* scan - every file in maildrop/ once */
static void scan(void)
{
	DIR *dp = opendir("maildrop");
	struct dirent *de;
	struct argv names;

	if (dp == NULL) {
		msg_warn("open directory maildrop: %m");
		return;
	}
	argv_init(&names);
	while (names.n < SCAN_MAX && (de = readdir(dp)) != NULL)
		if (strncmp(de->d_name, ".tmp.", 5) == 0 || qfile_valid_id(de->d_name))
			argv_add(&names, de->d_name);
	closedir(dp);
	for (size_t i = 0; i < names.n; i++) {
		if (names.v[i][0] == '.')
			stale_tmp(names.v[i]);
		else if (pickup_file(names.v[i]) < 0)
			break;	/* cleanup is not there: try again at the next wakeup */
	}
	argv_deinit(&names);
}

static void on_trigger(const char *buf, size_t len, struct daemon *d)
{
	(void)buf;
	(void)len;
	(void)d;
	scan();		/* every request means "look at maildrop/", as Postfix's pickup */
}

/* pre_jail - the queue directory is home (maildrop/, corrupt/, public/cleanup) */
static void pre_jail(struct daemon *d)
{
	const char *qdir = pfconf_get(d->cfg, "queue_directory");

	if (chdir(qdir) < 0)
		msg_fatal("chdir %s: %m", qdir);
	tzset();
}

static void post_jail(struct daemon *d)
{
	long long t = pfconf_get_time(d->cfg, "ipc_timeout");

	pk.timeout_ms = (int)(t > 0 && t < 3600 ? t * 1000 : 3600 * 1000);
	pk.owner = geteuid();
	scan();
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { .pre_jail = pre_jail, .post_jail = post_jail,
					       .trigger = on_trigger };

	return daemon_main(argc, argv, "pickup", DAEMON_TRIGGER, &ops);
}
