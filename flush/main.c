/*
 * flush - the "deliver now" service behind postqueue -f, -s site and
 * -i queue_id (and sendmail -q).
 *
 * ROLE: the "flush unix n - y 1000? 0 flush" service of master.cf: a
 *	public socket ($queue_directory/public/flush).  One request per
 *	connection (protocol in docs/queue-tools.md):
 *	  request=flush          ask qmgr to retry all deferred mail now ('F')
 *	                         and pickup to scan maildrop/ ('W'); either
 *	                         unreachable: status=fail (mail system down)
 *	  request=id, queue_id=  move deferred/<hash>/ID to incoming/ and wake
 *	                         qmgr ('A'); an unknown ID is no error
 *	  request=site, site=    the same for every deferred message with a
 *	                         recipient in that domain, when the domain is
 *	                         in fast_flush_domains (else status=deny)
 * PRIVILEGES: runs as mail_owner (unpriv = y), optionally chrooted to
 *	queue_directory; renames queue files between deferred/ and incoming/
 *	only.  Trusts only the client's SO_PEERCRED uid: uid 0 and mail_owner
 *	always pass, other users must match authorized_flush_users.
 * INPUTS: one bounded request list (ipc_timeout); queue IDs are checked
 *	for the queue ID form, sites for length and characters.
 * PARAMETERS: queue_directory, authorized_flush_users, fast_flush_domains,
 *	mail_owner, hash_queue_depth, hash_queue_names, ipc_timeout.
 * LOG: "warning: ..." for table errors and failed renames; nothing per
 *	request (as Postfix's flush).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
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
#include "ipc/ipc.h"
#include "ipc/peer.h"
#include "maps/userlist.h"
#include "queue/qdir.h"
#include "queue/qfile.h"

#define SITE_MAX	255

static struct {
	struct userlist *acl;
	uid_t owner_uid;
	char *qdir;
	int jailed;
	struct argv *domains;	/* fast_flush_domains */
} fl;

/* wake - one trigger byte to public/SERVICE; 0 or -1 (logged) */
static int wake(const char *service, const char *req)
{
	char *path = ipc_service_path(fl.qdir, "public", service);
	const char *error;
	int ret = ipc_trigger(path, req, 1, &error);

	if (ret < 0)
		msg_warn("%s", error);
	xfree(path);
	return ret;
}

/* wake_qmgr - qmgr: A (new mail in incoming/) or F (flush deferred/) */
static void wake_qmgr(const char *req)
{
	(void)wake("qmgr", req);
}

/* requeue_deferred - deferred/.../id -> incoming/id; 1 moved, 0 not there */
static int requeue_deferred(struct daemon *d, const char *id)
{
	char *path = qfile_path(fl.qdir, "deferred", id, qdir_depth(d->cfg, "deferred"));
	const char *error;
	int ret = 0;

	if (access(path, F_OK) == 0) {
		(void)utimes(path, NULL);
		if (qdir_move(d->cfg, fl.qdir, id, "deferred", "incoming", &error) == 0)
			ret = 1;
		else
			msg_warn("%s", error);
	}
	xfree(path);
	return ret;
}

/* site_eligible - site is in fast_flush_domains (parent domains match subdomains) */
static int site_eligible(const char *site)
{
	size_t n = strlen(site);

	for (size_t i = 0; i < fl.domains->n; i++) {
		const char *dom = fl.domains->v[i];
		size_t m = strlen(dom);

		if (*dom == '.' && n > m && strcasecmp(site + n - m, dom) == 0)
			return 1;
		if (strcasecmp(site, dom) == 0)
			return 1;
		if (n > m + 1 && site[n - m - 1] == '.' && strcasecmp(site + n - m, dom) == 0)
			return 1;
	}
	return 0;
}

/* has_site_rcpt - the queue file has a pending recipient @site */
static int has_site_rcpt(const char *path, const char *site)
{
	struct qfile *qf;
	struct buf data;
	const char *error, *at;
	int type, found = 0;
	off_t off;

	if (qdir_open(path, &qf, &error) < 0)
		return 0;
	buf_init(&data, QREC_MAX_LEN + 1);
	while (!found && qfile_get(qf, &type, &data, &off, &error) > 0)
		if (type == QREC_RCPT && (at = strrchr(buf_cstr(&data), '@')) != NULL)
			found = strcasecmp(at + 1, site) == 0;
	buf_deinit(&data);
	qfile_close(&qf);
	return found;
}

/* flush_site - every deferred message with a recipient at site */
static void flush_site(struct daemon *d, const char *site)
{
	struct argv ids;
	const char *error;
	int moved = 0;

	argv_init(&ids);
	if (qdir_list(fl.qdir, "deferred", qdir_depth(d->cfg, "deferred"), &ids, &error) < 0)
		msg_warn("%s", error);
	for (size_t i = 0; i < ids.n; i++) {
		char *path = qfile_path(fl.qdir, "deferred", ids.v[i], qdir_depth(d->cfg, "deferred"));

		if (has_site_rcpt(path, site))
			moved += requeue_deferred(d, ids.v[i]);
		xfree(path);
	}
	argv_deinit(&ids);
	if (moved > 0)
		wake_qmgr("A");
}

/* valid_site - a domain name or [address] of sane length */
static int valid_site(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SITE_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(".-_[]:", *s) == NULL)
			return 0;
	return 1;
}

/* handle - one request list; the reply status */
static const char *handle(struct daemon *d, const struct attr_list *req)
{
	const char *what = attr_get(req, "request"), *arg;

	if (what == NULL)
		return "bad";
	if (strcmp(what, "flush") == 0) {
		/* as Postfix's postqueue -f: deferred mail and maildrop/, both or "down" */
		int q = wake("qmgr", "F"), p = wake("pickup", "W");

		return q == 0 && p == 0 ? "0" : "fail";
	}
	if (strcmp(what, "id") == 0) {
		arg = attr_get(req, "queue_id");
		if (arg == NULL)
			return "bad";
		if (qfile_valid_id(arg) && requeue_deferred(d, arg))
			wake_qmgr("A");
		return "0";
	}
	if (strcmp(what, "site") == 0) {
		arg = attr_get(req, "site");
		if (arg == NULL || !valid_site(arg))
			return "bad";
		if (!site_eligible(arg))
			return "deny";
		flush_site(d, arg);
		return "0";
	}
	return "bad";
}

/* allowed - uid 0, mail_owner, or a user in authorized_flush_users; *name_r for a refusal */
static int allowed(uid_t uid, const char **name_r)
{
	const char *error;
	int m = userlist_permits(fl.acl, uid, fl.owner_uid, name_r, &error);

	if (m < 0)
		msg_warn("authorized_flush_users: %s", error);
	return m > 0;
}

static void serve(int fd, struct daemon *d)
{
	struct stream *s = stream_create(fd, 0);
	struct attr_list req;
	const char *name, *error = NULL;
	uid_t uid;
	int ok;

	stream_set_timeout(s, (int)pfconf_get_time(d->cfg, "ipc_timeout") * 1000);
	attr_list_init(&req);
	if (peer_uid(fd, &uid, &error) < 0) {
		msg_warn("%s", error);
	} else {
		ok = allowed(uid, &name);
		if (peer_greet(s, "flush", 1, ok, uid, name) == 0 && ok) {
			if (attr_read(s, &req, &error) > 0) {
				attr_write(s, "status", handle(d, &req));
				attr_end(s);
			} else {
				msg_warn("flush request: %s", error != NULL ? error : "no request");
			}
		}
	}
	stream_flush(s);
	attr_list_deinit(&req);
	stream_destroy(&s);
}

static void pre_jail(struct daemon *d)
{
	struct privs_user owner;
	const char *error;

	userlist_names_load();
	if (userlist_open(pfconf_get(d->cfg, "authorized_flush_users"), &fl.acl, &error) < 0)
		msg_warn("authorized_flush_users: %s: only root and mail_owner may flush", error);
	fl.owner_uid = (uid_t)-1;
	if (privs_lookup_user(pfconf_get(d->cfg, "mail_owner"), &owner, &error) == 0) {
		fl.owner_uid = owner.uid;
		privs_user_free(&owner);
	}
	fl.jailed = d->chroot && geteuid() == 0;
	fl.domains = pfconf_get_list(d->cfg, "fast_flush_domains");
}

static void post_jail(struct daemon *d)
{
	fl.qdir = xstrdup(fl.jailed ? "" : pfconf_get(d->cfg, "queue_directory"));
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = {
		.single = serve, .pre_jail = pre_jail, .post_jail = post_jail,
	};

	return daemon_main(argc, argv, "flush", DAEMON_SINGLE, &ops);
}
