/*
 * mailbox - Maildir and mbox delivery, run in the child that became the
 * mailbox owner (child.c).
 *
 * Maildir: the message goes to tmp/ under a unique name, is fsynced, linked
 * into new/ as "SEC.VdevIinoMusec.HOST" (the name Postfix's local(8)
 * gives it), the tmp name is removed and new/ is fsynced before the
 * result says sent.  mbox: a dotlock ("PATH.lock", created with O_EXCL;
 * stale after stale_lock_time) and/or an fcntl lock as
 * mailbox_delivery_lock says, a "From " line, ">From " quoting, a blank
 * line after the message, fsync, and on failure the file is truncated
 * back to its old size.  Both prepend Return-Path:, X-Original-To: and
 * Delivered-To:.  mailbox_size_limit caps the mbox file / maildir file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "queue/qfile.h"
#include "local.h"

#define COPY_MAILBOX (COPY_RETURN | COPY_ORIG | COPY_DELIV)

/* errno_status - Postfix's mapping: over quota / too large is permanent */
static int errno_status(int err, const char **dsn_r)
{
	if (err == EFBIG || err == EDQUOT) {
		*dsn_r = "5.2.2";
		return DS_BOUNCED;
	}
	*dsn_r = err == ENOSPC ? "4.3.0" : "4.2.0";
	return DS_DEFERRED;
}

/* make_dir - mkdir that accepts an existing directory */
static int make_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -1;
}

/* maildir_fail - deferred/bounced "maildir delivery failed: ..." */
static void maildir_fail(struct dres *res, int err, const char *what, const char *path)
{
	const char *dsn;
	int st = errno_status(err, &dsn);

	if (path != NULL)
		dres_set(res, st, dsn, "maildir delivery failed: %s %s: %s", what, path, strerror(err));
	else
		dres_set(res, st, dsn, "maildir delivery failed: %s: %s", what, strerror(err));
}

/* maildir_deliver - one message into dir ("/home/u/Maildir/") */
static void maildir_deliver(struct mbox_job *j, struct dres *res)
{
	struct copy_hdrs h = { j->sender, j->orig, j->recipient };
	char *dir = xstrdup(j->path), *tmpdir, *newdir, *curdir, *tmp, *new;
	struct timeval tv;
	struct stat st;
	struct out o;
	const char *error;
	int fd, err = 0;

	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	tmpdir = xasprintf("%s/tmp", dir);
	newdir = xasprintf("%s/new", dir);
	curdir = xasprintf("%s/cur", dir);
	gettimeofday(&tv, NULL);
	tmp = xasprintf("%s/%ld.P%dQ%u.%s", tmpdir, (long)tv.tv_sec, (int)getpid(),
			++agent.maildir_count, agent.hostname);
	new = NULL;
	if (make_dir(dir) < 0 || make_dir(tmpdir) < 0 || make_dir(newdir) < 0 || make_dir(curdir) < 0) {
		maildir_fail(res, errno, "create maildir file", tmp);
		goto done;
	}
	fd = safe_open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600, &st, &error);
	if (fd < 0) {
		maildir_fail(res, errno, "create maildir file", tmp);
		goto done;
	}
	out_init(&o, fd, j->limit);
	if (msg_copy(j->qf, &o, COPY_MAILBOX, &h, &error) < 0)
		err = o.error ? o.error : EIO;
	else if (fsync(fd) < 0)
		err = errno;
	out_deinit(&o);
	if (close(fd) < 0 && err == 0)
		err = errno;
	if (err != 0) {
		unlink(tmp);
		maildir_fail(res, err, "error writing message", NULL);
		goto done;
	}
	new = xasprintf("%s/%ld.V%lxI%lxM%ld.%s", newdir, (long)tv.tv_sec, (unsigned long)st.st_dev,
			(unsigned long)st.st_ino, (long)tv.tv_usec, agent.hostname);
	if (link(tmp, new) < 0) {
		err = errno;
		unlink(tmp);
		maildir_fail(res, err, "create maildir file", new);
		goto done;
	}
	unlink(tmp);
	if (fsync_dir(newdir, &error) < 0) {
		maildir_fail(res, errno, "fsync", newdir);
		goto done;
	}
	dres_set(res, DS_SENT, "2.0.0", "delivered to maildir");
done:
	xfree(dir);
	xfree(tmpdir);
	xfree(newdir);
	xfree(curdir);
	xfree(tmp);
	xfree(new);
}

/* dotlock_acquire - 1 locked, 0 not possible (warned, go on), -1 busy (res set) */
static int dotlock_acquire(const char *lock, struct dres *res)
{
	long long i;
	struct stat st;
	const char *error;

	for (i = 0; i < agent.lock_attempts; i++) {
		int fd = safe_open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600, NULL, &error);

		if (fd >= 0) {
			close(fd);
			return 1;
		}
		if (errno != EEXIST) {
			msg_warn("unable to create lock file %s: %s", lock, strerror(errno));
			return 0;
		}
		if (lstat(lock, &st) == 0 && time(NULL) - st.st_mtime > agent.stale_lock) {
			if (unlink(lock) == 0)
				msg_warn("removing stale lock file %s", lock);
			continue;
		}
		if (i + 1 < agent.lock_attempts)
			sleep((unsigned)(agent.lock_delay > 0 ? agent.lock_delay : 1));
	}
	dres_set(res, DS_DEFERRED, "4.2.0", "unable to create lock file %s: %s", lock, strerror(EEXIST));
	return -1;
}

/* fcntl_acquire - exclusive fcntl lock with the same retry rules */
static int fcntl_acquire(int fd)
{
	long long i;

	for (i = 0; i < agent.lock_attempts; i++) {
		if (lock_fd(fd, 1, 0) == 0)
			return 0;
		if (i + 1 < agent.lock_attempts)
			sleep((unsigned)(agent.lock_delay > 0 ? agent.lock_delay : 1));
	}
	return -1;
}

/* mbox_fail - "cannot update mailbox ..." / "cannot append message to file ..." */
static void mbox_fail(struct mbox_job *j, struct dres *res, int err, const char *what)
{
	const char *dsn;
	int st = errno_status(err, &dsn);

	if (j->is_file)
		dres_set(res, st, dsn, "cannot append message to file %s: %s%s%s", j->path,
			 what, *what ? ": " : "", strerror(err));
	else
		dres_set(res, st, dsn, "cannot update mailbox %s for user %s. %s%s%s", j->path, j->user,
			 what, *what ? ": " : "", strerror(err));
}

/* mbox_write - append under the locks; the file is cut back on failure */
static void mbox_write(struct mbox_job *j, int fd, struct dres *res)
{
	struct copy_hdrs h = { j->sender, j->orig, j->recipient };
	struct stat st;
	struct out o;
	const char *error;
	int err = 0;

	if (agent.lock_fcntl && fcntl_acquire(fd) < 0) {
		dres_set(res, DS_DEFERRED, "4.2.0", "unable to lock for exclusive access: %s",
			 strerror(EAGAIN));
		return;
	}
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_END) < 0) {
		mbox_fail(j, res, errno, "cannot open file");
		return;
	}
	if (!j->is_file && agent.strict_owner && st.st_uid != geteuid()) {
		dres_set(res, DS_DEFERRED, "4.2.0", "cannot update mailbox %s for user %s. file has bad owner",
			 j->path, j->user);
		return;
	}
	out_init(&o, fd, 0);
	if (j->limit > 0)
		o.limit = st.st_size < j->limit ? j->limit - st.st_size : 1;
	if (j->limit > 0 && st.st_size >= j->limit)
		o.error = EFBIG;
	if (msg_copy(j->qf, &o, COPY_MAILBOX | COPY_FROM | COPY_QUOTE | COPY_BLANK, &h, &error) < 0)
		err = o.error ? o.error : EIO;
	else if (fsync(fd) < 0)
		err = errno;
	out_deinit(&o);
	if (err != 0) {
		if (ftruncate(fd, st.st_size) < 0)
			msg_warn("truncate %s: %m", j->path);
		mbox_fail(j, res, err, "error writing message");
		return;
	}
	if (j->is_file)
		dres_set(res, DS_SENT, "2.0.0", "delivered to file: %s", j->path);
	else
		dres_set(res, DS_SENT, "2.0.0", "delivered to mailbox");
}

/* mbox_deliver - locks, open (create 0600), write, unlock */
static void mbox_deliver(struct mbox_job *j, struct dres *res)
{
	char *lock = xasprintf("%s.lock", j->path);
	const char *error;
	int locked = 0, fd;

	if (agent.lock_dotlock && (locked = dotlock_acquire(lock, res)) < 0)
		goto done;
	/* O_NONBLOCK: a FIFO planted as the mailbox must not hang the delivery */
	fd = safe_open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK, 0600, NULL, &error);
	if (fd < 0 && errno != 0 && strstr(error, strerror(errno)) != NULL) {
		mbox_fail(j, res, errno, "cannot open file");
	} else if (fd < 0) {	/* not a regular file, more than one link, replaced */
		if (j->is_file)
			dres_set(res, DS_DEFERRED, "4.2.0", "cannot append message to file %s: %s", j->path,
				 error);
		else
			dres_set(res, DS_DEFERRED, "4.2.0", "cannot update mailbox %s for user %s. %s",
				 j->path, j->user, error);
	} else {
		mbox_write(j, fd, res);
		close(fd);
	}
	if (locked > 0)
		unlink(lock);
done:
	xfree(lock);
}

void mailbox_deliver(void *ctx, struct dres *res, struct buf *out)
{
	struct mbox_job *j = ctx;
	size_t n = strlen(j->path);

	(void)out;
	if (n > 0 && j->path[n - 1] == '/')
		maildir_deliver(j, res);
	else
		mbox_deliver(j, res);
}
