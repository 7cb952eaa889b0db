/*
 * local - the local delivery agent (Postfix's local(8)).
 *
 * ROLE: the "local unix - n n - - local" service of master.cf, server side
 *	of the delivery protocol (docs/internal-protocols.md) on
 *	$queue_directory/private/local.  One request per connection (qmgr is
 *	the client): reads the request list, reads the message from the queue
 *	file, delivers each recipient (aliases, .forward, Maildir, mbox,
 *	commands, files; docs/local.md), answers one list per recipient and
 *	end=1, and logs each delivery as Postfix's local does.
 * PRIVILEGES: unpriv = n: runs as root (no chroot) so it can become each
 *	recipient.  Every final delivery runs in a child that first drops to
 *	the destination owner's uid/gid (lib/core/privs) and only then opens
 *	a mailbox, a file or runs a command; commands and files from aliases
 *	run as the alias table's owner, or default_privs when root owns it, and
 *	from .forward/:include: as the file's owner.  The root parent reads
 *	only the queue file, the alias tables and the passwd database.  When
 *	not started as root it can only deliver as its own uid (docs/local.md).
 *	It trusts qmgr (the private socket is mail_owner's, mode 0700) but
 *	still validates the request.
 * INPUTS: the request list (bounded by lib/ipc/attr, timeout ipc_timeout),
 *	the queue file it names (must be under $queue_directory, a queue ID
 *	name), alias tables, .forward and :include: files (at most 1 MiB each,
 *	read as their reader), command output (bounded).
 * PARAMETERS: alias_maps, allow_mail_to_commands, allow_mail_to_files,
 *	command_execution_directory, command_time_limit, default_privs,
 *	deliver_lock_attempts,
 *	deliver_lock_delay, export_environment, fallback_transport,
 *	forward_expansion_filter, forward_path, home_mailbox, ipc_timeout,
 *	local_command_shell, luser_relay, mail_spool_directory,
 *	mailbox_command, mailbox_delivery_lock, mailbox_size_limit,
 *	mailbox_transport, myhostname, myorigin, mydestination (via the
 *	resolver), owner_request_special, prepend_delivered_header,
 *	recipient_delimiter, stale_lock_time.
 * LOG: "ID: to=<...>, orig_to=<...>, relay=local, delay=D,
 *	delays=a/b/c/d, dsn=X.Y.Z, status=sent|bounced|deferred (reason)" per
 *	delivery; warnings for bad requests, unavailable tables and lock files.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "daemon/daemon.h"
#include "ipc/attr.h"
#include "ipc/delivery.h"
#include "mail/addr.h"
#include "mail/resolve.h"
#include "queue/qfile.h"
#include "local.h"

struct agent agent;

static const char *status_names[] = { DELIVERY_SENT, DELIVERY_BOUNCED, DELIVERY_DEFERRED };

/* now - wall clock as seconds */
static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void top_fold(struct top *t, const struct dres *r)
{
	if (t->ndone == 0 || r->status > t->res.status)
		t->res = *r;
	t->ndone++;
}

void log_delivery(struct top *t, const char *to, const struct dres *r)
{
	struct delivery_request *req = agent.msg->req;
	double end = now();
	double start = req->arrival > 0 ? req->arrival : req->started;
	double active = req->active > 0 ? req->active : start;
	char delay[16], a[16], b[16], d[16];
	char *qto = addr_quote(to), *qorig = addr_quote(t->orig);
	int show_orig = strcasecmp(to, t->orig) != 0;

	delivery_format_delay(end - start, delay, sizeof(delay));
	delivery_format_delay(active - start, a, sizeof(a));
	delivery_format_delay(req->started - active, b, sizeof(b));
	delivery_format_delay(end - req->started, d, sizeof(d));
	msg_info("%s: to=<%s>%s%s%s, relay=local, delay=%s, delays=%s/%s/0/%s, dsn=%s, status=%s (%s)",
		 req->queue_id, qto, show_orig ? ", orig_to=<" : "", show_orig ? qorig : "",
		 show_orig ? ">" : "", delay, a, b, d, r->dsn, status_names[r->status], r->reason);
	xfree(qto);
	xfree(qorig);
	top_fold(t, r);
}

/* valid_queue_file - "queue/ID" or "queue/X/ID": no way out of the queue directory */
static int valid_queue_file(const char *path, const char *id)
{
	const char *base = strrchr(path, '/'), *p;

	if (!qfile_valid_id(id) || base == NULL || path[0] == '/' || strstr(path, "..") != NULL
	    || strcmp(base + 1, id) != 0)
		return 0;
	for (p = path; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
		      || *p == '/'))
			return 0;
	return 1;
}

/* make_tops - one struct top per request recipient */
static struct top *make_tops(struct delivery_request *req)
{
	struct top *tops = xcalloc(req->nrcpt, sizeof(*tops));
	size_t i;

	for (i = 0; i < req->nrcpt; i++) {
		struct delivery_rcpt *r = &req->rcpt[i];

		tops[i].r = r;
		tops[i].rcpt = r->address;
		tops[i].orig = *r->orig ? r->orig : r->address;
		tops[i].orcpt = r->orcpt;
		tops[i].notify = r->notify;
		tops[i].seen = hash_create(16);
	}
	return tops;
}

/* answer - one recipient's list */
static int answer(struct stream *s, const struct top *t)
{
	attr_writef(s, "index", "%ld", t->r->index);
	attr_write(s, "status", status_names[t->res.status]);
	attr_write(s, "dsn", t->res.dsn);
	attr_write(s, "reason", t->res.reason);
	attr_write(s, "relay", "local");
	return attr_end(s);
}

/* deliver_all - every recipient, answered as soon as it is done */
static void deliver_all(struct stream *s, struct top *tops, size_t n)
{
	const char *error;
	size_t i;
	int ok = msg_load(agent.msg, &error) == 0;

	if (!ok)
		msg_warn("%s: cannot read queue file %s: %s", agent.msg->req->queue_id,
			 agent.msg->req->queue_file, error);
	for (i = 0; i < n; i++) {
		struct top *t = &tops[i];

		if (!ok) {
			struct dres r;

			dres_set(&r, DS_DEFERRED, "4.3.0", "cannot read queue file: %s", error);
			log_delivery(t, t->rcpt, &r);
		} else if (*t->rcpt == '\0' || strlen(t->rcpt) > ADDR_MAX) {
			struct dres r;

			dres_set(&r, DS_BOUNCED, "5.1.3", "bad address syntax");
			log_delivery(t, t->rcpt, &r);
		} else {
			deliver_top(t);
		}
		if (t->ndone == 0)	/* every expansion item was a duplicate */
			dres_set(&t->res, DS_SENT, "2.0.0", "delivered");
		if (answer(s, t) < 0)
			msg_warn("%s: lost the connection to the queue manager", agent.msg->req->queue_id);
	}
}

/* serve - one connection: greeting, request, deliveries, answers */
static void serve(int fd, struct daemon *d)
{
	struct stream *s = stream_create(fd, 0);
	struct delivery_request req;
	struct msg m;
	struct top *tops = NULL;
	size_t i;
	const char *error;
	long long timeout = pfconf_get_time(d->cfg, "ipc_timeout");

	memset(&m, 0, sizeof(m));
	memset(&req, 0, sizeof(req));
	stream_set_timeout(s, (int)((timeout > 0 && timeout < 3600 ? timeout : 3600) * 1000));
	if (attr_send_proto(s, DELIVERY_PROTO, DELIVERY_VERSION, NULL) < 0)
		goto done;
	if (delivery_read_request(s, &req, &error) < 0) {
		if (strcmp(error, "no request") != 0)
			msg_warn("bad delivery request: %s", error);
		goto done;
	}
	if (!valid_queue_file(req.queue_file, req.queue_id)) {
		msg_warn("bad delivery request: bad queue_id or queue_file");
		goto done;
	}
	tops = make_tops(&req);
	m.req = &req;
	argv_init(&m.delivered_to);
	argv_init(&m.client_env);
	m.path = xasprintf("%s/%s", agent.queue_dir, req.queue_file);
	agent.msg = &m;
	deliver_all(s, tops, req.nrcpt);
	delivery_end(s);
done:
	for (i = 0; tops != NULL && i < req.nrcpt; i++)
		hash_destroy(&tops[i].seen, NULL);
	xfree(tops);
	agent.msg = NULL;
	msg_free(&m);
	delivery_request_deinit(&req);
	stream_destroy(&s);
}

/* hostname - for Maildir names: '/' and ':' written as Postfix does (\057, \072) */
static void hostname(char *buf, size_t size)
{
	char raw[256];
	size_t i, o = 0;

	if (gethostname(raw, sizeof(raw)) < 0)
		snprintf(raw, sizeof(raw), "localhost");
	raw[sizeof(raw) - 1] = '\0';
	for (i = 0; raw[i] && o + 5 < size; i++) {
		if (raw[i] == '/' || raw[i] == ':')
			o += (size_t)snprintf(buf + o, size - o, "\\%03o", (unsigned char)raw[i]);
		else
			buf[o++] = raw[i];
	}
	buf[o] = '\0';
}

static void post_jail(struct daemon *d)
{
	agent.cfg = d->cfg;
	agent.queue_dir = pfconf_get(d->cfg, "queue_directory");
	agent.resolver = resolver_create(d->cfg);
	hostname(agent.hostname, sizeof(agent.hostname));
	agent.lock_dotlock = list_has(PFCONF_NAME("mailbox_delivery_lock"), "dotlock");
	agent.lock_fcntl = list_has(PFCONF_NAME("mailbox_delivery_lock"), "fcntl")
			   || list_has(PFCONF_NAME("mailbox_delivery_lock"), "flock");
	agent.strict_owner = pfconf_get_bool(d->cfg, "strict_mailbox_ownership");
	agent.lock_attempts = pfconf_get_int(d->cfg, "deliver_lock_attempts");
	agent.lock_delay = pfconf_get_time(d->cfg, "deliver_lock_delay");
	agent.stale_lock = pfconf_get_time(d->cfg, "stale_lock_time");
	if (agent.lock_attempts < 1)
		agent.lock_attempts = 1;
	if (pfconf_get_int(d->cfg, "mailbox_size_limit") != 0
	    && pfconf_get_int(d->cfg, "mailbox_size_limit") < pfconf_get_int(d->cfg, "message_size_limit"))
		msg_fatal("main.cf configuration error: mailbox_size_limit is smaller than message_size_limit");
	if (geteuid() != 0)
		msg_info("not running as root: deliveries are possible only as uid %d", (int)geteuid());
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { .single = serve, .post_jail = post_jail };

	return daemon_main(argc, argv, "local", DAEMON_SINGLE, &ops);
}
