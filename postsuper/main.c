/*
 * postsuper - the superuser's queue maintenance: delete, hold, release,
 * requeue, structure repair and temp file purge (Postfix's postsuper(1)).
 *
 * ROLE: command, root only.  Works on the queue directories directly:
 *	  -d ID|ALL|-   delete (queue file, defer/ and bounce/ logs)
 *	  -h ID|ALL|-   incoming/active/deferred -> hold/
 *	  -H ID|ALL|-   hold/ -> deferred/ (due now; qmgr is woken)
 *	  -r ID|ALL|-   the unchanged file -> maildrop/, which pickup feeds
 *	                through cleanup again (pickup is woken)
 *	  -s            structure check: files in the wrong hash directory are
 *	                moved, names that do not match the file's inode get a
 *	                new queue ID (after a restore from backup)
 *	  -p            purge temporary files older than an hour
 *	Without an action it does -s and -p (as postfix start runs it).
 *	Queue names after the options restrict the actions to those queues.
 * PRIVILEGES: real uid 0 required ("use of this command is reserved for
 *	the superuser"); after reading main.cf it becomes mail_owner (as
 *	Postfix's postsuper) and touches nothing outside queue_directory.
 * INPUTS: options, queue IDs (checked for the queue ID form), IDs on
 *	stdin for "-" (one per line, at most 1,000,000 lines of 1 KiB).
 * PARAMETERS: queue_directory, hash_queue_depth, hash_queue_names, logging.
 * LOG: "ID: removed", "ID: placed on hold", "ID: released from hold",
 *	"ID: requeued" for IDs named one by one, and the counts "Deleted: N
 *	messages", "Placed on hold: N messages", "Released from hold: N
 *	messages", "Requeued: N messages" (also on stderr, as Postfix).
 * EXIT: 0; 1 for usage and fatal errors (as Postfix).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/privs.h"
#include "daemon/daemon.h"
#include "ipc/ipc.h"
#include "queue/qdir.h"
#include "queue/qfile.h"

#define USAGE "usage: postsuper [-c config_dir] [-d queue_id (delete)] [-e queue_id (expire)] " \
	"[-f queue_id (expire and/or un-hold)] [-h queue_id (hold)] [-H queue_id (un-hold)] " \
	"[-p (purge temporary files)] [-r queue_id (requeue)] [-s (structure fix)] " \
	"[-S (redundant structure fix)][-v (verbose)] [queue...]"
#define STDIN_LINES_MAX	1000000
#define TEMP_AGE	3600	/* a temporary file this old was abandoned */

enum op { OP_DELETE, OP_HOLD, OP_RELEASE, OP_REQUEUE, OP_COUNT };

/* per operation: where it takes mail from by default, where it puts it, what it logs */
static const struct op_info {
	const char *const from[6];
	const char *to;		/* NULL: delete */
	const char *done;	/* per message */
	const char *total;	/* the count line */
} ops[OP_COUNT] = {
	/* -d: Postfix's manual says hold, incoming, active, deferred, but the real
	   program deletes maildrop/ files too (tests/data/mailq/real-postsuper-d-all.err) */
	[OP_DELETE] = { { "maildrop", "hold", "incoming", "active", "deferred", NULL }, NULL,
			"removed", "Deleted" },
	[OP_HOLD] = { { "incoming", "active", "deferred", NULL }, "hold",
		      "placed on hold", "Placed on hold" },
	[OP_RELEASE] = { { "hold", NULL }, "deferred", "released from hold", "Released from hold" },
	[OP_REQUEUE] = { { "hold", "incoming", "active", "deferred", NULL }, "maildrop",
			 "requeued", "Requeued" },
};

static struct pfconf *cfg;
static const char *qdir;
static struct argv queues;	/* restriction from the command line (empty: defaults) */

/* in_scope - queue q may be used by operation op */
static int in_scope(enum op op, const char *q)
{
	int dflt = 0;

	for (size_t i = 0; ops[op].from[i] != NULL; i++)
		dflt |= strcmp(ops[op].from[i], q) == 0;
	if (queues.n == 0)
		return dflt;
	for (size_t i = 0; i < queues.n; i++)
		if (strcmp(queues.v[i], q) == 0)
			return op == OP_RELEASE ? strcmp(q, "hold") == 0 :
				op == OP_HOLD ? strcmp(q, "hold") != 0 : 1;
	return 0;
}

/* remove_logs - defer/ and bounce/ logs of id */
static void remove_logs(const char *id)
{
	static const char *const logs[] = { "defer", "bounce", NULL };

	for (size_t i = 0; logs[i] != NULL; i++) {
		char *path = qfile_path(qdir, logs[i], id, qdir_depth(cfg, logs[i]));

		if (unlink(path) < 0 && errno != ENOENT)
			msg_warn("remove %s: %m", path);
		xfree(path);
	}
}

/* do_one - apply op to id in queue q; 1 done, 0 not there */
static int do_one(enum op op, const char *q, const char *id)
{
	char *path = qfile_path(qdir, q, id, qdir_depth(cfg, q));
	const char *error;
	int ret = 0;

	if (op == OP_DELETE) {
		if (unlink(path) == 0) {
			remove_logs(id);
			ret = 1;
		} else if (errno != ENOENT) {
			msg_warn("remove %s: %m", path);
		}
	} else if (access(path, F_OK) == 0) {
		if (op == OP_RELEASE)
			(void)utimes(path, NULL);	/* due now */
		if (qdir_move(cfg, qdir, id, q, ops[op].to, &error) == 0)
			ret = 1;
		else
			msg_warn("%s", error);
	}
	xfree(path);
	return ret;
}

/* do_id - op on one named ID, in the first queue of its scope that has it */
static int do_id(enum op op, const char *id, int log_each)
{
	if (!qfile_valid_id(id))
		return 0;
	for (size_t i = 0; qdir_queues[i] != NULL; i++) {
		if (in_scope(op, qdir_queues[i]) && do_one(op, qdir_queues[i], id)) {
			if (log_each)
				msg_info("%s: %s", id, ops[op].done);
			return 1;
		}
	}
	return 0;
}

/* do_all - op on every message of the queues in scope */
static long do_all(enum op op)
{
	long n = 0;

	for (size_t i = 0; qdir_queues[i] != NULL; i++) {
		struct argv ids;
		const char *error;

		if (!in_scope(op, qdir_queues[i]))
			continue;
		argv_init(&ids);
		if (qdir_list(qdir, qdir_queues[i], qdir_depth(cfg, qdir_queues[i]), &ids, &error) < 0)
			msg_warn("%s", error);
		for (size_t j = 0; j < ids.n; j++)
			n += do_one(op, qdir_queues[i], ids.v[j]);
		argv_deinit(&ids);
	}
	return n;
}

/* read_stdin_ids - "-": queue IDs from standard input, one per line */
static void read_stdin_ids(struct argv *ids)
{
	char line[1024];
	size_t lines = 0;

	while (lines++ < STDIN_LINES_MAX && fgets(line, sizeof(line), stdin) != NULL) {
		char *p = line, *end;

		while (isspace((unsigned char)*p))
			p++;
		for (end = p; *end != '\0' && !isspace((unsigned char)*end); end++)
			;
		if (end > p)
			argv_addn(ids, p, (size_t)(end - p));
	}
}

/* run_op - every argument of one operation; the count */
static long run_op(enum op op, const struct argv *args)
{
	struct argv ids;
	long n = 0;

	argv_init(&ids);
	for (size_t i = 0; i < args->n; i++) {
		if (strcmp(args->v[i], "ALL") == 0)
			n += do_all(op);
		else if (strcmp(args->v[i], "-") == 0)
			read_stdin_ids(&ids);
		else
			argv_add(&ids, args->v[i]);
	}
	for (size_t i = 0; i < ids.n; i++)
		n += do_id(op, ids.v[i], 1);
	argv_deinit(&ids);
	return n;
}

/* ---- structure check (-s) and temporary files (-p) ---- */

/* rename_logs - the defer/ and bounce/ logs follow a renamed queue file */
static void rename_logs(const char *from, const char *to)
{
	static const char *const logs[] = { "defer", "bounce", NULL };

	for (size_t i = 0; logs[i] != NULL; i++) {
		char *a = qfile_path(qdir, logs[i], from, qdir_depth(cfg, logs[i]));
		char *b = qfile_path(qdir, logs[i], to, qdir_depth(cfg, logs[i]));

		(void)rename(a, b);
		xfree(a);
		xfree(b);
	}
}

/* move_file - rename path to dst, creating dst's hash subdirectory; 0 or -1 (logged) */
static int move_file(const char *path, const char *dst)
{
	const char *error;
	int ret;

	if (qdir_make_parent(dst, &error) < 0)
		msg_warn("%s", error);
	ret = rename(path, dst);
	if (ret < 0)
		msg_warn("rename %s to %s: %m", path, dst);
	return ret;
}

/*
 * fix_name - a queue file in the wrong hash subdirectory is moved; one whose
 * name does not match its inode (restored from a backup) gets a new queue ID
 */
static void fix_name(const char *q, const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name), *dst = NULL, head[6], newid[32];
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	memcpy(head, name, 5);
	head[5] = '\0';
	qfile_make_id(newid, sizeof(newid), strtoul(head, NULL, 16), (unsigned long long)st.st_ino);
	dst = qfile_path(qdir, q, newid, qdir_depth(cfg, q));
	if (strcmp(dst, path) == 0)
		goto out;
	if (strcmp(newid, name) == 0) {
		if (move_file(path, dst) == 0)
			msg_warn("%s: moved to %s", path, dst);
	} else if (access(dst, F_OK) == 0) {
		msg_warn("%s: cannot rename to %s: a file with that name exists", path, newid);
	} else if (move_file(path, dst) == 0) {
		msg_warn("%s: renamed to %s (the name did not match the file's inode)", name, newid);
		rename_logs(name, newid);
	}
out:
	xfree(path);
	xfree(dst);
}

/* walk - every file under dir: temp files (-p) and queue files (-s) */
static void walk(const char *q, const char *dir, int levels, int structure, int purge)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	struct argv names;
	time_t now = time(NULL);

	if (dp == NULL)
		return;
	argv_init(&names);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			argv_add(&names, de->d_name);
	closedir(dp);
	for (size_t i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);
		struct stat st;

		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && levels < 16) {
			walk(q, path, levels + 1, structure, purge);
		} else if (strncmp(names.v[i], ".tmp.", 5) == 0) {
			if (purge && S_ISREG(st.st_mode) && now - st.st_mtime > TEMP_AGE) {
				if (unlink(path) == 0)
					msg_warn("removed old temporary file: %s", path);
			}
		} else if (structure && qfile_valid_id(names.v[i])) {
			fix_name(q, dir, names.v[i]);
		}
		xfree(path);
	}
	argv_deinit(&names);
}

/* listed - q was named on the command line */
static int listed(const char *q)
{
	for (size_t i = 0; i < queues.n; i++)
		if (strcmp(queues.v[i], q) == 0)
			return 1;
	return 0;
}

/* structure_and_purge - -s and -p over the queues in scope */
static void structure_and_purge(int structure, int purge)
{
	for (size_t i = 0; qdir_queues[i] != NULL; i++) {
		char *dir = xasprintf("%s/%s", qdir, qdir_queues[i]);

		if (queues.n == 0 || listed(qdir_queues[i]))
			walk(qdir_queues[i], dir, 0, structure && strcmp(qdir_queues[i], "maildrop") != 0,
			     purge);
		xfree(dir);
	}
}

/* wake - released mail is due now (qmgr), requeued mail waits in maildrop/ (pickup) */
static void wake(const char *service)
{
	char *path = ipc_service_path(qdir, "public", service);
	const char *error;

	(void)ipc_trigger(path, "W", 1, &error);
	xfree(path);
}

/*
 * drop_to_owner - root is needed only to be allowed in: the queue belongs to
 * mail_owner, so postsuper works as mail_owner (as Postfix's does) and
 * everything it creates (hash directories) is mail_owner's
 */
static void drop_to_owner(void)
{
	struct privs_user u;
	const char *error;

	if (privs_lookup_user(pfconf_get(cfg, "mail_owner"), &u, &error) < 0)
		msg_fatal("file %s: parameter mail_owner: %s", pfconf_main_cf(cfg), error);
	if (u.uid == 0)
		msg_fatal("file %s: parameter mail_owner: user %s has privileged user ID",
			  pfconf_main_cf(cfg), u.name);
	if (privs_drop(u.uid, u.gid, u.name, NULL, &error) < 0)
		msg_fatal("%s", error);
	privs_user_free(&u);
}

int main(int argc, char **argv)
{
	struct argv args[OP_COUNT];
	const char *config_dir = NULL, *error;
	int c, structure = 0, purge = 0, any = 0;
	long n;

	log_open("postsuper", NULL, LOG_TARGET_STDERR);
	if (getuid() != 0)
		msg_fatal("use of this command is reserved for the superuser");
	for (int i = 0; i < OP_COUNT; i++)
		argv_init(&args[i]);
	argv_init(&queues);
	while ((c = getopt(argc, argv, "c:d:e:f:h:H:pr:sSv")) != -1) {
		switch (c) {
		case 'c': config_dir = optarg; break;
		case 'd': argv_add(&args[OP_DELETE], optarg); any = 1; break;
		case 'h': argv_add(&args[OP_HOLD], optarg); any = 1; break;
		case 'H': argv_add(&args[OP_RELEASE], optarg); any = 1; break;
		case 'r': argv_add(&args[OP_REQUEUE], optarg); any = 1; break;
		case 's': case 'S': structure = 1; any = 1; break;
		case 'p': purge = 1; any = 1; break;
		case 'v': break;
		case 'e': case 'f':
			msg_fatal("-%c (forced expiry) is not supported by this queue manager", c);
		default: msg_fatal(USAGE);
		}
	}
	if (pfconf_load(&cfg, config_dir, &error) < 0)
		msg_fatal("%s", error);
	daemon_setup_logging(cfg, "postsuper", 1);
	qdir = pfconf_get(cfg, "queue_directory");
	for (; optind < argc; optind++) {
		if (!qdir_is_queue(argv[optind]))
			msg_fatal("invalid directory name: %s", argv[optind]);
		argv_add(&queues, argv[optind]);
	}
	if (chdir(qdir) < 0)
		msg_fatal("chdir %s: %m", qdir);
	drop_to_owner();
	if (!any)
		structure = purge = 1;
	if (structure || purge)
		structure_and_purge(structure, purge);
	for (int op = 0; op < OP_COUNT; op++) {
		if (args[op].n == 0)
			continue;
		n = run_op((enum op)op, &args[op]);
		msg_info("%s: %ld message%s", ops[op].total, n, n == 1 ? "" : "s");
		if (n > 0 && (op == OP_RELEASE || op == OP_REQUEUE))
			wake(op == OP_RELEASE ? "qmgr" : "pickup");
	}
	return 0;
}
