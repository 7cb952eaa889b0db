/*
 * smtpd - the SMTP server (Postfix smtpd(8) replacement).
 *
 * ROLE: the "smtp inet ... smtpd" service of master.cf (also submission
 *	and smtps entries through -o overrides, without TLS/SASL yet).  One
 *	SMTP session per process at a time (DAEMON_SINGLE): greeting, ESMTP
 *	commands, access restrictions, and message content handed to the
 *	cleanup service (public/cleanup), which writes the queue file.  smtpd
 *	never writes the queue itself; only cleanup's status 0 lets it answer
 *	"250 2.0.0 Ok: queued as ID".
 * PRIVILEGES: runs as mail_owner (master.cf unpriv = y), optionally
 *	chrooted to queue_directory; lookup tables (mynetworks, access maps,
 *	local_recipient_maps) are opened before privileges are dropped.  It
 *	trusts nothing from the network; it trusts main.cf, the master and
 *	the cleanup service.
 * INPUTS: one TCP connection from the master's listener: SMTP commands
 *	(lines of at most line_length_limit bytes, longer ones are cut, the
 *	rest skipped), DATA/BDAT content (bounded by message_size_limit), each
 *	read bounded by smtpd_timeout, errors bounded by smtpd_hard_error_limit.
 * PARAMETERS: myhostname, smtpd_banner, message_size_limit,
 *	line_length_limit, smtpd_recipient_limit, smtpd_timeout,
 *	smtpd_soft_error_limit, smtpd_hard_error_limit, smtpd_error_sleep_time,
 *	smtpd_junk_command_limit, disable_vrfy_command, smtpd_delay_reject,
 *	smtpd_helo_required, strict_rfc821_envelopes,
 *	smtpd_forbid_unauth_pipelining, smtpd_forbid_bare_newline (+ _exclusions,
 *	_reject_code), smtpd_discard_ehlo_keywords, smtputf8_enable,
 *	soft_bounce, allow_percent_hack, swap_bangpath, allow_untrusted_routing,
 *	smtpd_reject_unlisted_recipient/_sender, the *_reject_code parameters,
 *	mynetworks (mynetworks_style), mydestination, relay_domains,
 *	inet_interfaces, local_recipient_maps, recipient_delimiter,
 *	fast_flush_domains, and the smtpd_*_restrictions lists.
 * LOG: "connect from name[addr]", "ID: client=name[addr]",
 *	"NOQUEUE: reject: RCPT from ...; from=<> to=<> proto=ESMTP helo=<>",
 *	"improper command pipelining after CMD from ...", "lost connection
 *	after CMD from ...", "timeout after CMD from ...", "too many errors
 *	after CMD from ...", "warning: non-SMTP command from ...",
 *	"disconnect from name[addr] ehlo=1 ... commands=N".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "daemon/daemon.h"
#include "mail/resolve.h"
#include "smtpd.h"

static struct smtpd_conf conf;

/* ehlo_mask - smtpd_discard_ehlo_keywords into a mask */
static unsigned ehlo_mask(const char *value)
{
	static const char *const names[] = { "pipelining", "size", "vrfy", "etrn",
		"enhancedstatuscodes", "8bitmime", "dsn", "smtputf8", "chunking" };
	struct argv items;
	unsigned mask = 0;

	argv_init(&items);
	pfconf_list_split(value, &items);
	for (size_t i = 0; i < items.n; i++) {
		if (strcasecmp(items.v[i], "silent-discard") == 0) {
			mask |= EHLO_SILENT;
			continue;
		}
		for (unsigned k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strcasecmp(items.v[i], names[k]) == 0)
				mask |= 1u << k;
	}
	argv_deinit(&items);
	return mask;
}

/* bare_lf_mode - smtpd_forbid_bare_newline (no, normalize, yes, reject) */
static enum bare_lf_mode bare_lf_mode(const char *value)
{
	if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0)
		return BARE_LF_NO;
	if (strcasecmp(value, "normalize") == 0 || strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0)
		return BARE_LF_NORMALIZE;
	if (strcasecmp(value, "reject") == 0)
		return BARE_LF_REJECT;
	msg_fatal("invalid smtpd_forbid_bare_newline value: \"%s\"", value);
}

/*
 * warm_up - the resolver opens its tables on first use: use them once now,
 * before privileges are dropped and before a chroot hides the files.
 * Errors are reported when a real lookup fails.
 */
static void warm_up(struct resolver *r)
{
	const char *err;

	(void)resolve_domain_class(r, "warm-up.invalid", &err);
	(void)resolve_domain_class(r, "[127.0.0.1]", &err);
	(void)resolve_local_user(r, "postmaster", &err);
	(void)resolve_list_match(r, "fast_flush_domains", "warm-up.invalid", &err);
}

/* pre_jail - read the configuration and open every table */
static void pre_jail(struct daemon *d)
{
	struct pfconf *cfg = d->cfg;

	conf.cfg = cfg;
	/* chrooted to the queue directory, its sockets are under "/" */
	conf.queue_dir = xstrdup(d->chroot && geteuid() == 0 ? "" : pfconf_get(cfg, "queue_directory"));
	conf.myhostname = xstrdup(pfconf_get(cfg, "myhostname"));
	conf.banner = xstrdup(pfconf_get(cfg, "smtpd_banner"));
	conf.size_limit = pfconf_get_int(cfg, "message_size_limit");
	conf.line_limit = (size_t)pfconf_get_int(cfg, "line_length_limit");
	conf.rcpt_limit = (long)pfconf_get_int(cfg, "smtpd_recipient_limit");
	conf.timeout_s = (int)pfconf_get_time(cfg, "smtpd_timeout");
	conf.soft_error_limit = (int)pfconf_get_int(cfg, "smtpd_soft_error_limit");
	conf.hard_error_limit = (int)pfconf_get_int(cfg, "smtpd_hard_error_limit");
	conf.error_sleep_s = (int)pfconf_get_time(cfg, "smtpd_error_sleep_time");
	conf.junk_limit = (int)pfconf_get_int(cfg, "smtpd_junk_command_limit");
	conf.disable_vrfy = pfconf_get_bool(cfg, "disable_vrfy_command");
	conf.delay_reject = pfconf_get_bool(cfg, "smtpd_delay_reject");
	conf.helo_required = pfconf_get_bool(cfg, "smtpd_helo_required");
	conf.strict_rfc821 = pfconf_get_bool(cfg, "strict_rfc821_envelopes");
	conf.forbid_unauth_pipelining = pfconf_get_bool(cfg, "smtpd_forbid_unauth_pipelining");
	conf.bare_lf = bare_lf_mode(pfconf_get(cfg, "smtpd_forbid_bare_newline"));
	conf.bare_lf_code = (int)pfconf_get_int(cfg, "smtpd_forbid_bare_newline_reject_code");
	conf.ehlo_discard = ehlo_mask(pfconf_get(cfg, "smtpd_discard_ehlo_keywords"));
	conf.smtputf8_enable = pfconf_get_bool(cfg, "smtputf8_enable");
	conf.soft_bounce = pfconf_get_bool(cfg, "soft_bounce");
	conf.allow_percent_hack = pfconf_get_bool(cfg, "allow_percent_hack");
	conf.swap_bangpath = pfconf_get_bool(cfg, "swap_bangpath");
	conf.allow_untrusted_routing = pfconf_get_bool(cfg, "allow_untrusted_routing");
	conf.reject_unlisted_rcpt = pfconf_get_bool(cfg, "smtpd_reject_unlisted_recipient");
	conf.reject_unlisted_sender = pfconf_get_bool(cfg, "smtpd_reject_unlisted_sender");
	conf.reject_code = (int)pfconf_get_int(cfg, "reject_code");
	conf.defer_code = (int)pfconf_get_int(cfg, "defer_code");
	conf.relay_code = (int)pfconf_get_int(cfg, "relay_domains_reject_code");
	conf.unknown_local_code = (int)pfconf_get_int(cfg, "unknown_local_recipient_reject_code");
	conf.non_fqdn_code = (int)pfconf_get_int(cfg, "non_fqdn_reject_code");
	conf.invalid_hostname_code = (int)pfconf_get_int(cfg, "invalid_hostname_reject_code");
	conf.unknown_addr_code = (int)pfconf_get_int(cfg, "unknown_address_reject_code");
	conf.recipient_delimiter = xstrdup(pfconf_get(cfg, "recipient_delimiter"));
	if (conf.timeout_s <= 0)
		conf.timeout_s = 300;
	if (conf.line_limit < 512)
		conf.line_limit = 512;
	conf.mynetworks = netlist_create(cfg, "mynetworks", pfconf_get(cfg, "mynetworks"));
	conf.bare_lf_exclusions = netlist_create(cfg, "smtpd_forbid_bare_newline_exclusions",
						 pfconf_get(cfg, "smtpd_forbid_bare_newline_exclusions"));
	conf.resolver = resolver_create(cfg);
	warm_up(conf.resolver);
	check_init(&conf);
	d->ctx = &conf;
}

/* serve - one SMTP session */
static void serve(int fd, struct daemon *d)
{
	session_run(d->ctx, fd);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { .pre_jail = pre_jail, .single = serve };

	return daemon_main(argc, argv, "smtpd", DAEMON_SINGLE, &ops);
}
