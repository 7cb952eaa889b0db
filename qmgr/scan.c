/*
 * scan - queue directory scans: start-up recovery (active/ resumed, stale
 * incoming/.tmp.* files removed), incoming/ on the A trigger, deferred/
 * when files are due (mtime = next attempt time) or on the F trigger.
 * Names are collected before any message is activated, so a message that
 * is deferred again during the same scan is not picked up twice.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "queue/qfile.h"
#include "qmgr.h"

#define STALE_TMP_SECS	3600	/* an incoming .tmp.* file untouched this long was abandoned */

static int incoming_backlog;	/* the active limit stopped an incoming scan */

/*
 * queue_depth - subdirectory levels of a queue: hash_queue_depth for the
 * queues in hash_queue_names (default "deferred, defer"); incoming/ and
 * active/ stay flat whatever the list says (cleanup and the agents use them so)
 */
int queue_depth(const char *queue)
{
	static struct argv *names;
	static int depth = -1;

	if (strcmp(queue, "incoming") == 0 || strcmp(queue, "active") == 0)
		return 0;
	if (depth < 0) {
		long long d = pfconf_get_int(qmgr.cfg, "hash_queue_depth");

		depth = d < 1 ? 1 : d > 16 ? 16 : (int)d;
		names = pfconf_get_list(qmgr.cfg, "hash_queue_names");
	}
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i], queue) == 0)
			return depth;
	return 0;
}

char *queue_path(const char *queue, const char *id)
{
	return qfile_path(qmgr.qdir, queue, id, queue_depth(queue));
}

int queue_move(const char *id, const char *from, int from_depth, const char *to, int to_depth,
	       const char **error_r)
{
	static char errbuf[512];
	char *src = qfile_path(qmgr.qdir, from, id, from_depth);
	char *dst = qfile_path(qmgr.qdir, to, id, to_depth);
	int ret = rename(src, dst);

	if (ret < 0 && errno == ENOENT && to_depth > 0 && access(src, F_OK) == 0) {
		char *dir = xstrdup(dst);
		const char *err;

		*strrchr(dir, '/') = '\0';
		if (mkdir_p(dir, 0700, &err) == 0)
			ret = rename(src, dst);
		xfree(dir);
	}
	if (ret < 0) {
		snprintf(errbuf, sizeof(errbuf), "rename %s to %s: %s", src, dst, strerror(errno));
		*error_r = errbuf;
	}
	xfree(src);
	xfree(dst);
	return ret;
}

/* list_dir - queue IDs in dir (and, with depth, in its one-character subdirectories) */
static void list_dir(const char *dir, int depth, struct argv *ids, struct argv *subs)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (dp == NULL) {
		if (errno != ENOENT)
			msg_warn("open directory %s: %m", dir);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (depth > 0 && strlen(de->d_name) == 1) {
			char *sub = xasprintf("%s/%s", dir, de->d_name);

			list_dir(sub, depth - 1, ids, NULL);
			if (subs != NULL)
				argv_add(subs, sub);
			xfree(sub);
		} else if (qfile_valid_id(de->d_name)) {
			argv_add(ids, de->d_name);
		}
	}
	closedir(dp);
}

/* remove_stale_tmp - incoming/.tmp.* files nobody has written for a long time */
static void remove_stale_tmp(void)
{
	char *dir = xasprintf("%s/incoming", qmgr.qdir);
	DIR *dp = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);

	if (dp == NULL) {
		msg_warn("open directory %s: %m", dir);
		xfree(dir);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		struct stat st;
		char *path;

		if (strncmp(de->d_name, ".tmp.", 5) != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > STALE_TMP_SECS) {
			if (unlink(path) == 0)
				msg_info("removed stale temporary file incoming/%s", de->d_name);
			else
				msg_warn("remove %s: %m", path);
		}
		xfree(path);
	}
	closedir(dp);
	xfree(dir);
}

void scan_startup(void)
{
	struct argv ids;
	char *dir = xasprintf("%s/active", qmgr.qdir);

	/* mail that was in active/ when the last qmgr stopped: resume it */
	argv_init(&ids);
	list_dir(dir, 0, &ids, NULL);
	for (size_t i = 0; i < ids.n; i++)
		message_activate(ids.v[i], 0);
	argv_deinit(&ids);
	xfree(dir);
	remove_stale_tmp();
	scan_request(1, 1, 0);
}

void scan_request(int incoming, int deferred, int flush)
{
	qmgr.want_incoming |= incoming;
	qmgr.want_deferred |= deferred;
	qmgr.want_flush |= flush;
	if (qmgr.scan_timer == NULL)
		qmgr.scan_timer = event_timer_add(qmgr.loop, 0, scan_run, NULL);
}

/* scan_incoming - move new mail to active/ (up to qmgr_message_active_limit) */
static void scan_incoming(void)
{
	struct argv ids;
	char *dir = xasprintf("%s/incoming", qmgr.qdir);
	const char *error;

	argv_init(&ids);
	list_dir(dir, 0, &ids, NULL);
	incoming_backlog = 0;
	for (size_t i = 0; i < ids.n; i++) {
		if (qmgr.nmsgs >= qmgr.active_limit) {
			incoming_backlog = 1;
			break;
		}
		if (queue_move(ids.v[i], "incoming", 0, "active", 0, &error) < 0) {
			if (errno != ENOENT)
				msg_warn("%s: %s", ids.v[i], error);
			continue;
		}
		message_activate(ids.v[i], 0);
	}
	argv_deinit(&ids);
	xfree(dir);
}

/* scan_deferred - due files (mtime <= now), or all of them when flushing */
static void scan_deferred(int flush)
{
	struct argv ids, subs;
	char *dir = xasprintf("%s/deferred", qmgr.qdir);
	time_t now = time(NULL);
	const char *error;

	argv_init(&ids);
	argv_init(&subs);
	list_dir(dir, queue_depth("deferred"), &ids, &subs);
	for (size_t i = 0; i < ids.n; i++) {
		char *path = queue_path("deferred", ids.v[i]);
		struct stat st;
		int due = lstat(path, &st) == 0 && (flush || st.st_mtime <= now);

		xfree(path);
		if (!due)
			continue;
		if (qmgr.nmsgs >= qmgr.active_limit)
			break;
		if (queue_move(ids.v[i], "deferred", queue_depth("deferred"), "active", 0, &error) < 0) {
			if (errno != ENOENT)
				msg_warn("%s: %s", ids.v[i], error);
			continue;
		}
		message_activate(ids.v[i], 1);
	}
	argv_deinit(&subs);
	argv_deinit(&ids);
	xfree(dir);
}

void scan_run(void *ctx)
{
	int incoming = qmgr.want_incoming, deferred = qmgr.want_deferred, flush = qmgr.want_flush;

	(void)ctx;
	qmgr.scan_timer = NULL;
	qmgr.want_incoming = qmgr.want_deferred = qmgr.want_flush = 0;
	if (flush)
		sched_enable_all();
	if (deferred)
		scan_deferred(flush);
	if (incoming)
		scan_incoming();
	if (deferred && !flush)
		remove_stale_tmp();
}

void scan_room(void)
{
	if (incoming_backlog)
		scan_request(1, 0, 0);
}
