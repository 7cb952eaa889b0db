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
 *	delay_logging_resolution_limit, deliver_lock_attempts,
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
#include <sys/time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "daemon/daemon.h"
#include "ipc/attr.h"
#include "mail/addr.h"
#include "mail/resolve.h"
#include "queue/qfile.h"
#include "local.h"

#define DELIVERY_PROTO	"delivery"
#define DELIVERY_VERSION 1
#define MAX_RCPTS	10000	/* recipients in one request */

struct agent agent;

/* now - wall clock as seconds */
static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* fmt_delay - Postfix's delay format: 0, 0.12, 1.5, 13 */
static void fmt_delay(char *buf, size_t size, double d)
{
	long long res = pfconf_get_int(agent.cfg, "delay_logging_resolution_limit");
	char *p;

	if (d < 0)
		d = 0;
	if (res < 0 || res > 6)
		res = 2;
	if (d >= 10)
		snprintf(buf, size, "%.0f", d);
	else if (d >= 1)
		snprintf(buf, size, "%.1f", d);
	else
		snprintf(buf, size, "%.*f", (int)res, d);
	if (strchr(buf, '.') != NULL) {
		for (p = buf + strlen(buf) - 1; *p == '0'; p--)
			*p = '\0';
		if (*p == '.')
			*p = '\0';
	}
}

void top_fold(struct top *t, const struct dres *r)
{
	if (t->ndone == 0 || r->status > t->res.status)
		t->res = *r;
	t->ndone++;
}

void log_delivery(struct top *t, const char *to, const struct dres *r)
{
	static const char *names[] = { "sent", "bounced", "deferred" };
	struct msg *m = agent.msg;
	double end = now();
	char delay[32], a[32], b[32], d[32];
	char *qto = addr_quote(to), *qorig = addr_quote(t->orig);
	int show_orig = *t->orig && strcasecmp(to, t->orig) != 0;

	fmt_delay(delay, sizeof(delay), end - m->arrival);
	fmt_delay(a, sizeof(a), m->active - m->arrival);
	fmt_delay(b, sizeof(b), m->start - m->active);
	fmt_delay(d, sizeof(d), end - m->start);
	msg_info("%s: to=<%s>%s%s%s, relay=local, delay=%s, delays=%s/%s/0/%s, dsn=%s, status=%s (%s)",
		 m->queue_id, qto, show_orig ? ", orig_to=<" : "", show_orig ? qorig : "",
		 show_orig ? ">" : "", delay, a, b, d, r->dsn, names[r->status], r->reason);
	xfree(qto);
	xfree(qorig);
	top_fold(t, r);
}

/* parse_time - "sec.usec"; absent or bad: fallback */
static double parse_time(const char *v, double fallback)
{
	char *end;
	double t;

	if (v == NULL)
		return fallback;
	t = strtod(v, &end);
	return *end == '\0' && t > 0 ? t : fallback;
}

/* valid_queue_file - "queue/ID" or "queue/X/ID": no way out of the queue directory */
static int valid_queue_file(const char *path, const char *id)
{
	const char *base = strrchr(path, '/'), *p;

	if (base == NULL || path[0] == '/' || strstr(path, "..") != NULL || strcmp(base + 1, id) != 0)
		return 0;
	for (p = path; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
		      || *p == '/'))
			return 0;
	return 1;
}

/* dup_or_null - copy of an attribute value */
static char *dup_or_null(const struct attr_list *l, const char *name)
{
	const char *v = attr_get(l, name);

	return v != NULL ? xstrdup(v) : NULL;
}

/* parse_request - the message and its recipient groups; -1 + *error_r */
static int parse_request(const struct attr_list *l, struct msg *m, struct top **tops_r,
			 size_t *n_r, const char **error_r)
{
	struct top *tops = NULL;
	size_t i, n = 0;

	m->queue_id = dup_or_null(l, "queue_id");
	m->queue_name = dup_or_null(l, "queue_name");
	m->queue_file = dup_or_null(l, "queue_file");
	m->sender = dup_or_null(l, "sender");
	m->transport = dup_or_null(l, "transport");
	m->nexthop = dup_or_null(l, "nexthop");
	m->dsn_envid = dup_or_null(l, "dsn_envid");
	m->dsn_ret = dup_or_null(l, "dsn_ret");
	m->body_type = dup_or_null(l, "body_type");
	m->smtputf8 = dup_or_null(l, "smtputf8");
	m->arrival_raw = dup_or_null(l, "arrival");
	m->active_raw = dup_or_null(l, "active");
	argv_init(&m->delivered_to);
	if (m->queue_id == NULL || !qfile_valid_id(m->queue_id))
		return (*error_r = "missing or bad queue_id"), -1;
	if (m->queue_file == NULL || !valid_queue_file(m->queue_file, m->queue_id))
		return (*error_r = "missing or bad queue_file"), -1;
	if (m->sender == NULL)
		m->sender = xstrdup("");
	m->arrival = parse_time(m->arrival_raw, m->start);
	m->active = parse_time(m->active_raw, m->arrival);
	for (i = 0; i < attr_count(l); i++) {
		const char *name = l->names.v[i], *val = l->values.v[i];
		struct top *t = n > 0 ? &tops[n - 1] : NULL;

		if (strcmp(name, "rcpt") == 0) {
			if (n >= MAX_RCPTS || strlen(val) > ADDR_MAX || *val == '\0') {
				xfree(tops);
				return (*error_r = "bad or too many recipients"), -1;
			}
			tops = xreallocarray(tops, n + 1, sizeof(*tops));
			t = &tops[n++];
			memset(t, 0, sizeof(*t));
			t->rcpt = val;
			t->orig = val;
			t->index = (long)n - 1;
			argv_init(&t->seen);
		} else if (t != NULL && strcmp(name, "orig_rcpt") == 0 && *val) {
			t->orig = val;
		} else if (t != NULL && strcmp(name, "orcpt") == 0) {
			t->orcpt = val;
		} else if (t != NULL && strcmp(name, "notify") == 0) {
			t->notify = val;
		} else if (t != NULL && strcmp(name, "index") == 0) {
			t->index = strtol(val, NULL, 10);
		}
	}
	if (n == 0)
		return (*error_r = "request without recipients"), -1;
	*tops_r = tops;
	*n_r = n;
	return 0;
}

/* answer - one recipient's list */
static int answer(struct stream *s, const struct top *t)
{
	static const char *names[] = { "sent", "bounced", "deferred" };

	attr_writef(s, "index", "%ld", t->index);
	attr_write(s, "status", names[t->res.status]);
	attr_write(s, "dsn", t->res.dsn);
	attr_write(s, "reason", t->res.reason);
	return attr_end(s);
}

/* deliver_all - every recipient, answered as soon as it is done */
static void deliver_all(struct stream *s, struct top *tops, size_t n)
{
	const char *error;
	size_t i;
	int ok = msg_load(agent.msg, &error) == 0;

	if (!ok)
		msg_warn("%s: cannot read queue file %s: %s", agent.msg->queue_id, agent.msg->queue_file, error);
	for (i = 0; i < n; i++) {
		struct top *t = &tops[i];

		if (!ok) {
			struct dres r;

			dres_set(&r, DS_DEFERRED, "4.3.0", "cannot read queue file: %s", error);
			log_delivery(t, t->rcpt, &r);
		} else {
			deliver_top(t);
		}
		if (t->ndone == 0)	/* every expansion item was a duplicate */
			dres_set(&t->res, DS_SENT, "2.0.0", "delivered");
		if (answer(s, t) < 0)
			msg_warn("%s: lost the connection to the queue manager", agent.msg->queue_id);
	}
}

/* serve - one connection: greeting, request, deliveries, answers */
static void serve(int fd, struct daemon *d)
{
	struct stream *s = stream_create(fd, 0);
	struct attr_list req;
	struct msg m;
	struct top *tops = NULL;
	size_t n = 0, i;
	const char *error;
	long long timeout = pfconf_get_time(d->cfg, "ipc_timeout");

	memset(&m, 0, sizeof(m));
	attr_list_init(&req);
	stream_set_timeout(s, (int)((timeout > 0 && timeout < 3600 ? timeout : 3600) * 1000));
	if (attr_send_proto(s, DELIVERY_PROTO, DELIVERY_VERSION, NULL) < 0)
		goto done;
	if (attr_read(s, &req, &error) <= 0) {
		if (attr_count(&req) > 0 || !stream_eof(s))
			msg_warn("bad delivery request: %s", error);
		goto done;
	}
	m.start = now();
	if (parse_request(&req, &m, &tops, &n, &error) < 0) {
		msg_warn("bad delivery request: %s", error);
		goto done;
	}
	m.path = xasprintf("%s/%s", agent.queue_dir, m.queue_file);
	agent.msg = &m;
	deliver_all(s, tops, n);
	attr_write(s, "end", "1");
	attr_end(s);
done:
	for (i = 0; i < n; i++)
		argv_deinit(&tops[i].seen);
	xfree(tops);
	agent.msg = NULL;
	msg_free(&m);
	attr_list_deinit(&req);
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
	agent.lock_dotlock = list_has("mailbox_delivery_lock", "dotlock");
	agent.lock_fcntl = list_has("mailbox_delivery_lock", "fcntl")
			   || list_has("mailbox_delivery_lock", "flock");
	agent.lock_attempts = pfconf_get_int(d->cfg, "deliver_lock_attempts");
	agent.lock_delay = pfconf_get_time(d->cfg, "deliver_lock_delay");
	agent.stale_lock = pfconf_get_time(d->cfg, "stale_lock_time");
	if (agent.lock_attempts < 1)
		agent.lock_attempts = 1;
	if (pfconf_get_int(d->cfg, "mailbox_size_limit") != 0
	    && pfconf_get_int(d->cfg, "mailbox_size_limit") < pfconf_get_int(d->cfg, "message_size_limit"))
		msg_fatal("main.cf configuration error: mailbox_size_limit is smaller than message_size_limit");
	if (*pfconf_get(d->cfg, "mailbox_command_maps") || *pfconf_get(d->cfg, "mailbox_transport_maps")
	    || *pfconf_get(d->cfg, "fallback_transport_maps"))
		msg_warn("mailbox_command_maps, mailbox_transport_maps and fallback_transport_maps are not "
			 "supported yet -- ignored");
	if (geteuid() != 0)
		msg_info("not running as root: deliveries are possible only as uid %d", (int)geteuid());
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { .single = serve, .post_jail = post_jail };

	return daemon_main(argc, argv, "local", DAEMON_SINGLE, &ops);
}
