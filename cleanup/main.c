/*
 * cleanup - canonicalise and enqueue one message (Postfix's cleanup(8)).
 *
 * ROLE: the "cleanup unix" service of master.cf (public/cleanup).  Clients
 *	(smtpd, pickup, local forwarding, notifications) hand it an envelope
 *	and the message content over the cleanup protocol
 *	(docs/internal-protocols.md); it adds Received:, and for local
 *	submissions the missing Message-Id:/Date:/From: headers, removes
 *	Return-Path:, applies header_checks/body_checks, canonical and
 *	virtual alias mapping and masquerading, and writes the queue file
 *	(docs/queue-format.md) into incoming/ (hold/ for HOLD): temporary
 *	name, fsync, rename, directory fsync, and only then "status=0".
 *	One client per process at a time (DAEMON_SINGLE).  Details in
 *	docs/cleanup.md.
 * PRIVILEGES: runs as mail_owner (unpriv = y), chrooted to the queue
 *	directory when master.cf says so; every table is opened before the
 *	jail.  It trusts its clients as much as Postfix's cleanup does (the
 *	socket is in public/, so any local user can submit through it, as
 *	through postdrop): all input is bounded and checked, nothing from a
 *	client is interpreted beyond addresses and headers.
 * INPUTS: one attribute list (at most ATTR_BYTES_MAX) and data chunks per
 *	connection; every read times out after ipc_timeout.  Content lines
 *	are cut into line_length_limit pieces, headers into header_size_limit,
 *	the whole message is bounded by message_size_limit; nothing but the
 *	current line and header is held in memory.
 * PARAMETERS: queue_directory, myhostname, myorigin, mydomain, mydestination,
 *	mail_name, line_length_limit, header_size_limit, hopcount_limit,
 *	message_size_limit, header_address_token_limit, canonical_maps,
 *	sender_canonical_maps, recipient_canonical_maps, canonical_classes,
 *	sender_canonical_classes, recipient_canonical_classes,
 *	masquerade_domains, masquerade_classes, masquerade_exceptions,
 *	virtual_alias_maps, virtual_alias_expansion_limit,
 *	virtual_alias_recursion_limit, virtual_alias_address_length_limit,
 *	propagate_unmatched_extensions, recipient_delimiter,
 *	header_checks, mime_header_checks, nested_header_checks, body_checks,
 *	body_checks_size_limit, disable_mime_input_processing, mime_nesting_limit,
 *	mime_boundary_length_limit, always_add_missing_headers,
 *	undisclosed_recipients_header, header_from_format, append_at_myorigin,
 *	append_dot_mydomain, remote_header_rewrite_domain, enable_original_recipient,
 *	duplicate_filter_limit, detect_8bit_encoding_header, ipc_timeout,
 *	always_bcc, sender_bcc_maps, recipient_bcc_maps, message_reject_characters,
 *	message_strip_characters, cleanup_replace_stray_cr_lf, internal_mail_filter_classes,
 *	inet_interfaces, proxy_interfaces, max_idle, max_use.
 * LOG: "ID: message-id=<...>", "ID: resent-message-id=<...>",
 *	"ID: reject|warning|info|hold|discard|redirect|bcc|replace|prepend|filter:
 *	header|body TEXT from ORIGIN; from=<S> to=<R> proto=P helo=<H>: TEXT",
 *	warnings for table trouble ("hash:/x is unavailable. ...", "ID:
 *	virtual_alias_maps map lookup problem for ... -- message not accepted,
 *	try again later"), expansion limits and truncated headers.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config/pfconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "daemon/daemon.h"

static struct cleanup_conf conf;

/* class_bits - parse a *_classes list */
static unsigned class_bits(struct pfconf *cfg, const char *param)
{
	struct argv *l = pfconf_get_list(cfg, param);
	unsigned bits = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], "envelope_sender") == 0)
			bits |= CLASS_ENV_FROM;
		else if (strcmp(l->v[i], "envelope_recipient") == 0)
			bits |= CLASS_ENV_RCPT;
		else if (strcmp(l->v[i], "header_sender") == 0)
			bits |= CLASS_HDR_FROM;
		else if (strcmp(l->v[i], "header_recipient") == 0)
			bits |= CLASS_HDR_RCPT;
		else
			msg_warn("%s: unknown address class: %s", param, l->v[i]);
	}
	argv_destroy(&l);
	return bits;
}

/* unescape - Postfix's C-style escapes in a character-set parameter (\\n, \\t, \\ooo, ...) */
static void unescape(struct buf *out, const char *s)
{
	static const char map[] = "a\ab\bf\fn\nr\rt\tv\v";

	buf_init(out, 0);
	for (; *s; s++) {
		const char *m;

		if (*s != '\\' || s[1] == '\0') {
			buf_append_c(out, *s);
		} else if (s[1] >= '0' && s[1] <= '7') {
			int v = 0, n = 0;

			while (n < 3 && s[1] >= '0' && s[1] <= '7') {
				v = v * 8 + (*++s - '0');
				n++;
			}
			buf_append_c(out, (char)v);
		} else if ((m = strchr(map, s[1])) != NULL && (m - map) % 2 == 0) {
			buf_append_c(out, m[1]);
			s++;
		} else {
			buf_append_c(out, *++s);
		}
	}
}

/* local_domains - the domains a bare "user" lookup applies to */
static void local_domains(struct cleanup_conf *cf, struct pfconf *cfg)
{
	struct argv *ifs;
	char *value;
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s, %s", pfconf_get(cfg, "mydestination"), pfconf_get(cfg, "myorigin"));
	for (int k = 0; k < 2; k++) {
		ifs = pfconf_get_list(cfg, k == 0 ? PFCONF_NAME("inet_interfaces") : PFCONF_NAME("proxy_interfaces"));
		for (size_t i = 0; i < ifs->n; i++)
			if (strcmp(ifs->v[i], "all") != 0 && strcmp(ifs->v[i], "loopback-only") != 0)
				buf_printf(&b, ", [%s]", ifs->v[i]);
		argv_destroy(&ifs);
	}
	value = buf_steal(&b);
	buf_deinit(&b);
	domlist_init(&cf->local_domains, cfg, "mydestination", value);
	xfree(value);
}

void cleanup_conf_init(struct cleanup_conf *cf, struct pfconf *cfg)
{
	struct argv *prop, *masq;

	memset(cf, 0, sizeof(*cf));
	cf->cfg = cfg;
	cf->myhostname = pfconf_get(cfg, "myhostname");
	cf->myorigin = pfconf_get(cfg, "myorigin");
	cf->mydomain = pfconf_get(cfg, "mydomain");
	cf->mail_name = pfconf_get(cfg, "mail_name");
	cf->undisclosed = pfconf_get(cfg, "undisclosed_recipients_header");
	cf->remote_header_rewrite_domain = pfconf_get(cfg, "remote_header_rewrite_domain");
	cf->recipient_delimiter = pfconf_get(cfg, "recipient_delimiter");
	cf->header_from_format = pfconf_get(cfg, "header_from_format");
	cf->header_size_limit = pfconf_get_int(cfg, "header_size_limit");
	cf->hopcount_limit = pfconf_get_int(cfg, "hopcount_limit");
	cf->line_length_limit = pfconf_get_int(cfg, "line_length_limit");
	if (cf->line_length_limit < 40)
		cf->line_length_limit = 40;
	cf->message_size_limit = pfconf_get_int(cfg, "message_size_limit");
	cf->virt_expan_limit = pfconf_get_int(cfg, "virtual_alias_expansion_limit");
	cf->virt_recur_limit = pfconf_get_int(cfg, "virtual_alias_recursion_limit");
	cf->virt_addrlen_limit = pfconf_get_int(cfg, "virtual_alias_address_length_limit");
	cf->dup_filter_limit = pfconf_get_int(cfg, "duplicate_filter_limit");
	cf->body_checks_size_limit = pfconf_get_int(cfg, "body_checks_size_limit");
	cf->mime_nesting_limit = pfconf_get_int(cfg, "mime_nesting_limit");
	cf->mime_boundary_limit = pfconf_get_int(cfg, "mime_boundary_length_limit");
	cf->token_limit = pfconf_get_int(cfg, "header_address_token_limit");
	cf->ipc_timeout = pfconf_get_time(cfg, "ipc_timeout");
	cf->always_add_hdrs = pfconf_get_bool(cfg, "always_add_missing_headers");
	cf->append_at_myorigin = pfconf_get_bool(cfg, "append_at_myorigin");
	cf->append_dot_mydomain = pfconf_get_bool(cfg, "append_dot_mydomain");
	cf->enable_orig_rcpt = pfconf_get_bool(cfg, "enable_original_recipient");
	cf->disable_mime = pfconf_get_bool(cfg, "disable_mime_input_processing");
	cf->detect_8bit_hdr = pfconf_get_bool(cfg, "detect_8bit_encoding_header");
	cf->replace_stray_cr = pfconf_get_bool(cfg, "cleanup_replace_stray_cr_lf");
	cf->filter_bounces = strstr(pfconf_get(cfg, "internal_mail_filter_classes"), "bounce") != NULL;
	unescape(&cf->reject_chars, pfconf_get(cfg, "message_reject_characters"));
	unescape(&cf->strip_chars, pfconf_get(cfg, "message_strip_characters"));
	prop = pfconf_get_list(cfg, "propagate_unmatched_extensions");
	for (size_t i = 0; i < prop->n; i++) {
		cf->prop_canonical |= strcmp(prop->v[i], "canonical") == 0;
		cf->prop_virtual |= strcmp(prop->v[i], "virtual") == 0;
	}
	argv_destroy(&prop);
	cf->canon_classes = class_bits(cfg, PFCONF_NAME("canonical_classes"));
	cf->send_canon_classes = class_bits(cfg, PFCONF_NAME("sender_canonical_classes"));
	cf->rcpt_canon_classes = class_bits(cfg, PFCONF_NAME("recipient_canonical_classes"));
	cf->masq_classes = class_bits(cfg, PFCONF_NAME("masquerade_classes"));
	argv_init(&cf->masq_domains);
	masq = pfconf_get_list(cfg, "masquerade_domains");
	for (size_t i = 0; i < masq->n; i++)
		argv_add(&cf->masq_domains, masq->v[i]);
	argv_destroy(&masq);
	domlist_init(&cf->masq_except, cfg, "masquerade_exceptions",
		     pfconf_get(cfg, "masquerade_exceptions"));
	local_domains(cf, cfg);
	cf->canonical = maplist_open(cfg, PFCONF_NAME("canonical_maps"));
	cf->send_canonical = maplist_open(cfg, PFCONF_NAME("sender_canonical_maps"));
	cf->rcpt_canonical = maplist_open(cfg, PFCONF_NAME("recipient_canonical_maps"));
	cf->virtual_alias = maplist_open(cfg, PFCONF_NAME("virtual_alias_maps"));
	cf->header_checks = maplist_open(cfg, PFCONF_NAME("header_checks"));
	cf->mime_header_checks = maplist_open(cfg, PFCONF_NAME("mime_header_checks"));
	cf->nested_header_checks = maplist_open(cfg, PFCONF_NAME("nested_header_checks"));
	cf->body_checks = maplist_open(cfg, PFCONF_NAME("body_checks"));
	cf->sender_bcc = maplist_open(cfg, PFCONF_NAME("sender_bcc_maps"));
	cf->rcpt_bcc = maplist_open(cfg, PFCONF_NAME("recipient_bcc_maps"));
	cf->always_bcc = pfconf_get(cfg, "always_bcc");
}

/* pre_jail - the queue directory is home; tables and the time zone before the jail */
static void pre_jail(struct daemon *d)
{
	const char *qdir = pfconf_get(d->cfg, "queue_directory");

	if (chdir(qdir) < 0)
		msg_fatal("chdir %s: %s", qdir, strerror(errno));
	tzset();
	cleanup_conf_init(&conf, d->cfg);
}

static void serve(int fd, struct daemon *d)
{
	(void)d;
	cleanup_serve(fd, &conf);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { .pre_jail = pre_jail, .single = serve };

	return daemon_main(argc, argv, "cleanup", DAEMON_SINGLE, &ops);
}
