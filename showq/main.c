/*
 * showq - the queue listing service behind mailq / postqueue -p / -j.
 *
 * ROLE: the "showq unix n - y - - showq" service of master.cf: a public
 *	socket ($queue_directory/public/showq, mode 0666 as Postfix's) that
 *	any local user may connect to.  For each connection it checks the
 *	client, then sends one attribute list per message in maildrop/,
 *	incoming/, active/, deferred/ and hold/ (in that order) and end=1.
 *	postqueue formats the lists (the protocol is in docs/queue-tools.md).
 * PRIVILEGES: runs as mail_owner (unpriv = y), optionally chrooted to
 *	queue_directory; reads queue files and defer logs, writes nothing.
 *	Trusts only the kernel's SO_PEERCRED uid of the client: uid 0 and
 *	mail_owner always pass, any other user must match
 *	authorized_mailq_users (user names resolved from a passwd snapshot
 *	taken before the chroot).
 * INPUTS: none from the client; queue files (parsed with lib/queue's
 *	bounds: an unreadable or corrupt file is skipped) and defer logs.
 * PARAMETERS: queue_directory, authorized_mailq_users, mail_owner,
 *	hash_queue_depth, hash_queue_names, ipc_timeout.
 * LOG: "warning: authorized_mailq_users: <table error>" when a table
 *	lookup fails (the user is denied); nothing per request.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/privs.h"
#include "core/stream.h"
#include "daemon/daemon.h"
#include "ipc/attr.h"
#include "ipc/peer.h"
#include "maps/userlist.h"
#include "queue/qdir.h"
#include "queue/qfile.h"

#define SHOWQ_RCPT_MAX	20000	/* recipients listed per message (attr list limits) */

struct rcpt {
	off_t offset;
	char *addr;
};

struct entry {
	long long arrival;
	long long size;
	char *sender;
	struct rcpt *rcpts;
	size_t nrcpt;
};

static struct {
	struct userlist *acl;
	uid_t owner_uid;
	char *qdir;
	int jailed;
} showq;

/* entry_free - release one message's listing */
static void entry_free(struct entry *e)
{
	for (size_t i = 0; i < e->nrcpt; i++)
		xfree(e->rcpts[i].addr);
	xfree(e->rcpts);
	xfree(e->sender);
	memset(e, 0, sizeof(*e));
}

/* entry_record - take what the listing needs from one record */
static void entry_record(struct entry *e, int type, const struct buf *data, off_t off)
{
	switch (type) {
	case QREC_TIME:
		e->arrival = strtoll(buf_cstr(data), NULL, 10);
		break;
	case QREC_FROM:
		xfree(e->sender);
		e->sender = xstrdup(buf_cstr(data));
		break;
	case QREC_SIZE:
		e->size = strtoll(buf_cstr(data), NULL, 10);
		break;
	case QREC_RCPT:
		if (e->nrcpt >= SHOWQ_RCPT_MAX)
			break;
		e->rcpts = xreallocarray(e->rcpts, e->nrcpt + 1, sizeof(*e->rcpts));
		e->rcpts[e->nrcpt].offset = off;
		e->rcpts[e->nrcpt++].addr = xstrdup(buf_cstr(data));
		break;
	}
}

/* entry_read - the listing of one queue file; 0, or -1 (gone or corrupt: skipped) */
static int entry_read(const char *path, struct entry *e)
{
	struct qfile *qf;
	struct buf data;
	struct stat st;
	const char *error;
	int type, ret;
	off_t off;

	memset(e, 0, sizeof(*e));
	e->size = -1;
	if (qdir_open(path, &qf, &error) < 0)
		return -1;
	buf_init(&data, QREC_MAX_LEN + 1);
	while ((ret = qfile_get(qf, &type, &data, &off, &error)) > 0)
		entry_record(e, type, &data, off);
	if (e->size < 0 && fstat(qfile_fd(qf), &st) == 0)
		e->size = (long long)st.st_size;
	buf_deinit(&data);
	qfile_close(&qf);
	if (ret < 0) {
		entry_free(e);
		return -1;
	}
	if (e->sender == NULL)
		e->sender = xstrdup("");
	return 0;
}

/* send_entry - one message as an attribute list */
static int send_entry(struct stream *s, struct daemon *d, const char *queue, const char *id)
{
	char *path = qfile_path(showq.qdir, queue, id, qdir_depth(d->cfg, queue));
	struct qdir_reason *why = NULL;
	size_t nwhy = 0;
	const char *error;
	struct entry e;
	int ret;

	ret = entry_read(path, &e);
	xfree(path);
	if (ret < 0)
		return 0;
	(void)qdir_defer_read(d->cfg, showq.qdir, id, &why, &nwhy, &error);
	attr_write(s, "queue_name", queue);
	attr_write(s, "queue_id", id);
	attr_writef(s, "arrival_time", "%lld", e.arrival);
	attr_writef(s, "message_size", "%lld", e.size);
	attr_write(s, "forced_expire", "0");
	attr_write(s, "sender", e.sender);
	for (size_t i = 0; i < e.nrcpt; i++) {
		const char *reason = qdir_defer_lookup(why, nwhy, e.rcpts[i].offset, e.rcpts[i].addr);

		attr_write(s, "rcpt", e.rcpts[i].addr);
		if (reason != NULL)
			attr_write(s, "reason", reason);
	}
	qdir_defer_free(&why, nwhy);
	entry_free(&e);
	return attr_end(s);
}

/* allowed - uid 0, mail_owner, or a user in authorized_mailq_users; *name_r for a refusal */
static int allowed(uid_t uid, const char **name_r)
{
	const char *error;
	int m = userlist_permits(showq.acl, uid, showq.owner_uid, name_r, &error);

	if (m < 0)
		msg_warn("authorized_mailq_users: %s", error);
	return m > 0;
}

/* send_queues - every queue, then end=1 */
static void send_queues(struct stream *s, struct daemon *d)
{
	for (size_t q = 0; qdir_queues[q] != NULL; q++) {
		struct argv ids;
		const char *error;

		argv_init(&ids);
		if (qdir_list(showq.qdir, qdir_queues[q], qdir_depth(d->cfg, qdir_queues[q]), &ids,
			      &error) < 0)
			msg_warn("%s", error);
		for (size_t i = 0; i < ids.n; i++)
			if (send_entry(s, d, qdir_queues[q], ids.v[i]) < 0)
				break;
		argv_deinit(&ids);
		if (stream_error(s))
			return;
	}
	attr_write(s, "end", "1");
	attr_end(s);
}

/* serve - one client: the check, then the listing */
static void serve(int fd, struct daemon *d)
{
	struct stream *s = stream_create(fd, 0);
	const char *name, *error;
	uid_t uid;

	stream_set_timeout(s, (int)pfconf_get_time(d->cfg, "ipc_timeout") * 1000);
	if (peer_uid(fd, &uid, &error) < 0) {
		msg_warn("%s", error);
	} else {
		int ok = allowed(uid, &name);

		if (peer_greet(s, "showq", 1, ok, uid, name) == 0 && ok)
			send_queues(s, d);
	}
	stream_flush(s);
	stream_destroy(&s);
}

/* pre_jail - passwd snapshot and the ACL tables, which the chroot hides */
static void pre_jail(struct daemon *d)
{
	struct privs_user owner;
	const char *error;

	userlist_names_load();
	if (userlist_open(pfconf_get(d->cfg, "authorized_mailq_users"), &showq.acl, &error) < 0)
		msg_warn("authorized_mailq_users: %s: only root and mail_owner may list the queue",
			 error);
	showq.jailed = d->chroot && geteuid() == 0;
	showq.owner_uid = (uid_t)-1;
	if (privs_lookup_user(pfconf_get(d->cfg, "mail_owner"), &owner, &error) == 0) {
		showq.owner_uid = owner.uid;
		privs_user_free(&owner);
	}
}

/* post_jail - queue paths are relative to the jail's root when chrooted */
static void post_jail(struct daemon *d)
{
	showq.qdir = xstrdup(showq.jailed ? "" : pfconf_get(d->cfg, "queue_directory"));
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = {
		.single = serve, .pre_jail = pre_jail, .post_jail = post_jail,
	};

	return daemon_main(argc, argv, "showq", DAEMON_SINGLE, &ops);
}
