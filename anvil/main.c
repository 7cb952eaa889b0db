/*
 * anvil - connection and rate counters for smtpd: the Postfix anvil(8).
 *
 * ROLE: the "anvil unix - - y - 1 anvil" service.  smtpd processes keep one
 *	connection to it for the whole SMTP session and report events for an
 *	identity "<service>:<client address>": connect, disconnect, message,
 *	recipient, auth.  anvil answers with the client's current concurrent
 *	connection count and its event rates in the current time unit
 *	(anvil_rate_time_unit), which smtpd compares with its limits
 *	(smtpd_client_connection_count_limit, ..._rate_limit, ...).
 *	When an smtpd connection goes away (also when smtpd crashes), every
 *	connection it still held is released, so counts never leak.
 * PRIVILEGES: mail_owner, optionally chrooted; it opens nothing.
 * INPUTS: attribute lists from local daemons on private/anvil
 *	(docs/internal-protocols.md "anvil"); each read is bounded in size and
 *	time; a malformed request drops that client with a warning.
 * PARAMETERS: anvil_rate_time_unit, anvil_status_update_time.
 * LOG: "statistics: max connection rate N/60s for (ident) at TIME",
 *	"statistics: max connection count N for (ident) at TIME",
 *	"statistics: max message rate ...", "statistics: max recipient rate ...",
 *	"statistics: max cache size N at TIME", every anvil_status_update_time
 *	and at exit, as Postfix's anvil.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/event.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "daemon/daemon.h"
#include "ipc/anvil_client.h"
#include "ipc/attr.h"

#define ANVIL_IDENT_MAX		256	/* longest identity accepted */
#define ANVIL_HELD_MAX		64	/* connections one client may hold */

enum { RATE_CONN, RATE_MSG, RATE_RCPT, RATE_AUTH, RATE_COUNT };

/* one identity's counters */
struct entry {
	int count;			/* concurrent connections */
	time_t window;			/* start of the current rate time unit */
	int rate[RATE_COUNT];		/* events in this unit */
};

/* a high-water mark for the statistics lines */
struct stat_max {
	int value;
	char ident[ANVIL_IDENT_MAX];
	time_t when;
};

/* one connected smtpd */
struct client {
	struct stream *s;
	struct daemon *d;
	char *held[ANVIL_HELD_MAX];	/* identities it counts as connected */
	int nheld;
};

static struct hash *table;
static long rate_unit;
static struct stat_max max_rate[RATE_COUNT], max_count;
static size_t max_cache;
static time_t max_cache_when;
static struct event_timer *status_timer, *purge_timer;

/* stamp - "Nov 22 11:47:06" */
static const char *stamp(time_t t)
{
	static char buf[32];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%b %e %H:%M:%S", &tm);
	return buf;
}

/* note_max - remember a new high-water mark */
static void note_max(struct stat_max *m, int value, const char *ident)
{
	if (value <= m->value)
		return;
	m->value = value;
	snprintf(m->ident, sizeof(m->ident), "%s", ident);
	m->when = time(NULL);
}

/* log_statistics - Postfix's periodic statistics lines; then reset */
static void log_statistics(void)
{
	static const char *const names[RATE_COUNT] = {
		"connection rate", "message rate", "recipient rate", "auth rate",
	};
	int i;

	for (i = 0; i < RATE_COUNT; i++)
		if (max_rate[i].value > 0)
			msg_info("statistics: max %s %d/%lds for (%s) at %s", names[i], max_rate[i].value,
				 rate_unit, max_rate[i].ident, stamp(max_rate[i].when));
	if (max_count.value > 0)
		msg_info("statistics: max connection count %d for (%s) at %s", max_count.value,
			 max_count.ident, stamp(max_count.when));
	if (max_cache > 0)
		msg_info("statistics: max cache size %zu at %s", max_cache, stamp(max_cache_when));
	memset(max_rate, 0, sizeof(max_rate));
	memset(&max_count, 0, sizeof(max_count));
	max_cache = 0;
}

/* lookup - the entry for ident (created), its rate window current */
static struct entry *lookup(const char *ident)
{
	struct entry *e = hash_lookup(table, ident);
	time_t now = time(NULL);

	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->window = now;
		hash_insert(table, ident, e);
		if (hash_count(table) > max_cache) {
			max_cache = hash_count(table);
			max_cache_when = now;
		}
	}
	if (now - e->window >= rate_unit) {
		memset(e->rate, 0, sizeof(e->rate));
		e->window = now;
	}
	return e;
}

/* release - one connection of ident ends */
static void release(const char *ident)
{
	struct entry *e = hash_lookup(table, ident);

	if (e != NULL && e->count > 0)
		e->count--;
}

/* purge - forget idle identities whose rate window has expired */
static void purge(void *ctx)
{
	struct daemon *d = ctx;
	struct hash *keep = hash_create(hash_count(table) + 1);
	time_t now = time(NULL);
	const char *key;
	void *v;
	size_t i = 0;

	while (hash_iter(table, &i, &key, &v)) {
		struct entry *e = v;

		if (e->count > 0 || now - e->window < rate_unit)
			hash_insert(keep, key, e);
		else
			xfree(e);
	}
	hash_destroy(&table, NULL);
	table = keep;
	purge_timer = event_timer_add(d->loop, (uint64_t)rate_unit * 1000, purge, d);
}

static void on_status_timer(void *ctx)
{
	struct daemon *d = ctx;

	log_statistics();
	status_timer = event_timer_add(d->loop, (uint64_t)pfconf_get_time(d->cfg, "anvil_status_update_time") * 1000,
				       on_status_timer, d);
}

/* client_free - release what the client held */
static void client_free(struct client *c)
{
	int i;

	for (i = 0; i < c->nheld; i++) {
		release(c->held[i]);
		xfree(c->held[i]);
	}
	event_io_remove(c->d->loop, stream_fd(c->s));
	stream_destroy(&c->s);
	daemon_client_done(c->d);
	xfree(c);
}

/* handle - one request; 0 or -1 (drop the client) */
static int handle(struct client *c, const struct attr_list *req)
{
	const char *what = attr_get(req, "request"), *ident = attr_get(req, "ident");
	struct entry *e;
	int i, kind = -1;

	if (what == NULL || ident == NULL || *ident == '\0' || strlen(ident) >= ANVIL_IDENT_MAX) {
		msg_warn("malformed request (request or ident missing or too long)");
		return -1;
	}
	e = lookup(ident);
	if (strcmp(what, ANVIL_REQ_CONNECT) == 0) {
		if (c->nheld >= ANVIL_HELD_MAX) {
			msg_warn("client holds too many connections");
			return -1;
		}
		c->held[c->nheld++] = xstrdup(ident);
		e->count++;
		note_max(&max_count, e->count, ident);
		kind = RATE_CONN;
	} else if (strcmp(what, ANVIL_REQ_DISCONNECT) == 0) {
		for (i = 0; i < c->nheld; i++) {
			if (strcmp(c->held[i], ident) == 0) {
				release(ident);
				xfree(c->held[i]);
				c->held[i] = c->held[--c->nheld];
				break;
			}
		}
	} else if (strcmp(what, ANVIL_REQ_MESSAGE) == 0) {
		kind = RATE_MSG;
	} else if (strcmp(what, ANVIL_REQ_RECIPIENT) == 0) {
		kind = RATE_RCPT;
	} else if (strcmp(what, ANVIL_REQ_AUTH) == 0) {
		kind = RATE_AUTH;
	} else if (strcmp(what, ANVIL_REQ_LOOKUP) != 0) {
		msg_warn("unknown request \"%.40s\"", what);
		return -1;
	}
	if (kind >= 0) {
		e->rate[kind]++;
		note_max(&max_rate[kind], e->rate[kind], ident);
	}
	if (attr_write(c->s, "status", "0") < 0
	    || attr_writef(c->s, "count", "%d", e->count) < 0
	    || attr_writef(c->s, "rate", "%d", e->rate[kind >= 0 ? kind : RATE_CONN]) < 0
	    || attr_writef(c->s, "connect_rate", "%d", e->rate[RATE_CONN]) < 0
	    || attr_writef(c->s, "message_rate", "%d", e->rate[RATE_MSG]) < 0
	    || attr_writef(c->s, "recipient_rate", "%d", e->rate[RATE_RCPT]) < 0
	    || attr_writef(c->s, "auth_rate", "%d", e->rate[RATE_AUTH]) < 0
	    || attr_end(c->s) < 0)
		return -1;
	return 0;
}

static void on_client(int fd, unsigned ready, void *ctx)
{
	struct client *c = ctx;
	struct attr_list req;
	const char *error;
	int r;

	attr_list_init(&req);
	do {
		r = attr_read(c->s, &req, &error);
		if (r < 0)
			msg_warn("%s", error);
		if (r <= 0 || handle(c, &req) < 0) {
			attr_list_deinit(&req);
			client_free(c);
			return;
		}
	} while (stream_has_input(c->s));
	attr_list_deinit(&req);
}

static void serve(int fd, struct daemon *d)
{
	struct client *c = xcalloc(1, sizeof(*c));

	c->d = d;
	c->s = stream_create(fd, STREAM_OWN_FD);
	stream_set_timeout(c->s, 2000);	/* a request arrives in one piece */
	if (attr_send_proto(c->s, ANVIL_PROTO, ANVIL_VERSION, NULL) < 0) {
		client_free(c);
		return;
	}
	event_io_set(d->loop, fd, EVENT_READ, on_client, c);
}

static void post_jail(struct daemon *d)
{
	table = hash_create(64);
	rate_unit = (long)pfconf_get_time(d->cfg, "anvil_rate_time_unit");
	if (rate_unit < 1)
		rate_unit = 1;
	purge_timer = event_timer_add(d->loop, (uint64_t)rate_unit * 1000, purge, d);
	status_timer = event_timer_add(d->loop, (uint64_t)pfconf_get_time(d->cfg, "anvil_status_update_time") * 1000,
				       on_status_timer, d);
}

static void on_exit_stats(struct daemon *d)
{
	log_statistics();
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = {
		.post_jail = post_jail,
		.multi = serve,
		.on_exit = on_exit_stats,
	};

	return daemon_main(argc, argv, "anvil", DAEMON_MULTI, &ops);
}
