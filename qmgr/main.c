/*
 * qmgr - the queue manager: moves mail from incoming/ to active/, hands
 * recipients to delivery agents, retries, expires and returns mail.
 *
 * ROLE: the "qmgr unix/fifo ... 1 qmgr" service of master.cf (one process).
 *	Owns incoming/, active/, deferred/, hold/ (untouched: held mail stays),
 *	corrupt/ and the per-message logs defer/ and bounce/.  Resolves each
 *	recipient to a transport, connects to private/<transport> (the
 *	delivery protocol, docs/internal-protocols.md), marks recipients done
 *	in the queue file, defers with exponential back-off, expires old mail
 *	and sends RFC 3464 delivery status notifications through cleanup.
 * PRIVILEGES: runs as mail_owner (unpriv = y), optionally chrooted to
 *	queue_directory.  Trusts the queue files cleanup wrote (still parsed
 *	with bounds: a bad file goes to corrupt/) and the delivery agents'
 *	answers (validated: unknown recipient indexes, bad statuses and
 *	over-long lists are protocol errors that defer the recipients).
 * INPUTS: trigger bytes on public/qmgr (A new mail, F flush, W wakeup;
 *	anything else is ignored), queue files, delivery agent replies.
 * PARAMETERS: queue_directory, minimal_backoff_time, maximal_backoff_time,
 *	queue_run_delay, maximal_queue_lifetime, bounce_queue_lifetime,
 *	delay_warning_time, default_process_limit,
 *	default_/local_/<transport>_destination_concurrency_limit,
 *	default_/local_/<transport>_destination_recipient_limit,
 *	qmgr_message_active_limit, qmgr_ipc_timeout, qmgr_daemon_timeout,
 *	transport_retry_time, bounce_size_limit, notify_classes,
 *	2bounce_notice_recipient, bounce_notice_recipient, double_bounce_sender,
 *	myhostname, mydestination, local_transport, transport_maps (resolver).
 * LOG: "ID: from=<s>, size=N, nrcpt=N (queue active)", "ID: removed",
 *	"ID: from=<s>, status=expired, returned to sender",
 *	"ID: to=<r>, relay=none, delay=..., delays=a/b/c/d, dsn=4.3.0,
 *	status=deferred (mail transport unavailable)" when no agent answered,
 *	"ID: sender non-delivery notification: NEWID" (and delay/success
 *	notices), warnings for corrupt files and broken agents.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "config/pfconf.h"
#include "core/event.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "daemon/daemon.h"
#include "mail/resolve.h"
#include "qmgr.h"

struct qmgr qmgr;

double now_time(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* notify_parse - "SUCCESS,DELAY,FAILURE" / "NEVER" words, or Postfix's numeric mask */
unsigned notify_parse(const char *text)
{
	unsigned mask = 0;
	const char *p = text;

	if (*text >= '0' && *text <= '9')
		return (unsigned)strtoul(text, NULL, 10) & 0xf;
	while (*p != '\0') {
		size_t n = strcspn(p, ", \t");

		if (n == 5 && strncasecmp(p, "NEVER", 5) == 0)
			mask |= NOTIFY_NEVER;
		else if (n == 7 && strncasecmp(p, "SUCCESS", 7) == 0)
			mask |= NOTIFY_SUCCESS;
		else if (n == 7 && strncasecmp(p, "FAILURE", 7) == 0)
			mask |= NOTIFY_FAILURE;
		else if (n == 5 && strncasecmp(p, "DELAY", 5) == 0)
			mask |= NOTIFY_DELAY;
		p += n;
		p += strspn(p, ", \t");
	}
	return mask;
}

/* on_trigger - A: new mail, F: flush deferred now, W: wakeup */
static void on_trigger(const char *buf, size_t len, struct daemon *d)
{
	(void)d;
	for (size_t i = 0; i < len; i++) {
		switch (buf[i]) {
		case 'A': scan_request(1, 0, 0); break;
		case 'F': scan_request(1, 1, 1); break;
		case 'W': scan_request(1, 1, 0); break;
		default: break;	/* Postfix ignores unknown requests too */
		}
	}
}

/* on_run_timer - periodic deferred queue scan (queue_run_delay) */
static void on_run_timer(void *ctx)
{
	(void)ctx;
	qmgr.run_timer = NULL;
	scan_request(1, 1, 0);
	qmgr.run_timer = event_timer_add(qmgr.loop, (uint64_t)qmgr.run_delay * 1000, on_run_timer, NULL);
}

/* read_params - the parameters qmgr uses, with Postfix's lifetime adjustment */
static void read_params(struct pfconf *cfg)
{
	qmgr.min_backoff = (long)pfconf_get_time(cfg, "minimal_backoff_time");
	qmgr.max_backoff = (long)pfconf_get_time(cfg, "maximal_backoff_time");
	qmgr.run_delay = (long)pfconf_get_time(cfg, "queue_run_delay");
	qmgr.max_lifetime = (long)pfconf_get_time(cfg, "maximal_queue_lifetime");
	qmgr.bounce_lifetime = (long)pfconf_get_time(cfg, "bounce_queue_lifetime");
	qmgr.delay_warning = (long)pfconf_get_time(cfg, "delay_warning_time");
	qmgr.active_limit = (long)pfconf_get_int(cfg, "qmgr_message_active_limit");
	qmgr.ipc_timeout = (long)pfconf_get_time(cfg, "qmgr_ipc_timeout");
	qmgr.daemon_timeout = (long)pfconf_get_time(cfg, "qmgr_daemon_timeout");
	qmgr.transport_retry = (long)pfconf_get_time(cfg, "transport_retry_time");
	qmgr.bounce_size_limit = pfconf_get_int(cfg, "bounce_size_limit");
	qmgr.process_limit = (int)pfconf_get_int(cfg, "default_process_limit");
	if (qmgr.max_backoff < qmgr.min_backoff) {
		msg_warn("minimal_backoff_time is larger than maximal_backoff_time - adjusting maximal_backoff_time");
		qmgr.max_backoff = qmgr.min_backoff;
	}
	if (qmgr.bounce_lifetime > qmgr.max_lifetime) {
		msg_warn("bounce_queue_lifetime is larger than maximal_queue_lifetime - adjusting bounce_queue_lifetime");
		qmgr.bounce_lifetime = qmgr.max_lifetime;
	}
	if (qmgr.run_delay < 1)
		qmgr.run_delay = 1;
	if (qmgr.process_limit < 1)
		qmgr.process_limit = 1;
}

/* pre_jail - what must be read before a chroot: the time zone (Date: headers) */
static void pre_jail(struct daemon *d)
{
	(void)d;
	tzset();
}

static void post_jail(struct daemon *d)
{
	qmgr.d = d;
	qmgr.cfg = d->cfg;
	qmgr.loop = d->loop;
	qmgr.qdir = pfconf_get(d->cfg, "queue_directory");
	if (d->chroot)
		qmgr.qdir = "";	/* paths below are then relative to the jail's root */
	qmgr.qdir = xstrdup(qmgr.qdir);
	read_params(d->cfg);
	qmgr.transports = hash_create(16);
	qmgr.resolver = resolver_create(d->cfg);
	scan_startup();
	qmgr.run_timer = event_timer_add(qmgr.loop, (uint64_t)qmgr.run_delay * 1000, on_run_timer, NULL);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { .pre_jail = pre_jail, .post_jail = post_jail,
					       .trigger = on_trigger };

	return daemon_main(argc, argv, "qmgr", DAEMON_TRIGGER, &ops);
}
