/*
 * check - Postfix's restriction lists: smtpd_client_restrictions,
 * smtpd_helo_restrictions, smtpd_sender_restrictions,
 * smtpd_relay_restrictions, smtpd_recipient_restrictions,
 * smtpd_data_restrictions and smtpd_end_of_data_restrictions, evaluated
 * in that order (client, helo and sender at RCPT time when
 * smtpd_delay_reject = yes), then the implicit
 * smtpd_reject_unlisted_recipient check.
 *
 * Each list is evaluated left to right: a restriction answers DUNNO (go
 * on), OK (this list is done, go to the next stage) or a reject reply (the
 * request is refused: logged "NOQUEUE: reject: ..." and answered).
 * warn_if_reject turns the next restriction's reject into a
 * "reject_warning:" log line.  Reply shapes and codes are Postfix's
 * (reject_code, defer_code, relay_domains_reject_code,
 * unknown_local_recipient_reject_code, non_fqdn_reject_code,
 * invalid_hostname_reject_code, soft_bounce), the DSN's first digit
 * follows the reply code.  Access tables (check_*_access) take OK,
 * REJECT [text], DEFER [text], DUNNO, 4NN/5NN [text], and restriction
 * names as values.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/pfconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "mail/addr.h"
#include "mail/resolve.h"
#include "maps/maps.h"
#include "smtpd.h"

enum { CK_DUNNO, CK_OK, CK_REJECT };

struct ck {
	struct session *ss;
	const char *cls;	/* "Client host", "Recipient address", ... */
	const char *what;	/* text inside <...> of the reply */
	const char *rcpt;	/* recipient (internal form) or NULL */
	int rcpt_routed;
	int warn;		/* warn_if_reject is active for the next restriction */
	int depth;		/* access-table recursion */
	char text[1024];	/* the reject reply */
};

/* set_reply - "code dsn text" into ck->text with soft_bounce and DSN class fixes */
static int set_reply(struct ck *ck, int code, const char *dsn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int set_reply(struct ck *ck, int code, const char *dsn, const char *fmt, ...)
{
	char d[16], msg[900];
	va_list ap;

	if (ck->ss->cf->soft_bounce && code / 100 == 5)
		code -= 100;
	snprintf(d, sizeof(d), "%s", dsn);
	d[0] = (char)('0' + code / 100);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ck->text, sizeof(ck->text), "%d %s %s", code, d, msg);
	return CK_REJECT;
}

/* class_reject - "<what>: Class rejected: text" */
static int class_reject(struct ck *ck, int code, const char *dsn, const char *text)
{
	return set_reply(ck, code, dsn, "<%s>: %s rejected: %s", ck->what, ck->cls, text);
}

/* config_error - unknown or misplaced restriction: 451 4.3.5 as Postfix */
static int config_error(struct ck *ck, const char *name)
{
	msg_warn("unknown smtpd restriction: \"%s\"", name);
	return class_reject(ck, 451, "4.3.5", "Server configuration error");
}

/* auth_destination - the recipient is ours (local, virtual) or relay_domains, and not routed */
static int auth_destination(struct ck *ck, int *error)
{
	struct route_info ri;
	const char *err;

	*error = 0;
	if (route_resolve(ck->ss->cf, ck->rcpt, ck->rcpt_routed, &ri, &err) < 0) {
		msg_warn("%s: %s", ck->rcpt, err);
		*error = 1;
		return 0;
	}
	route_free(&ri);
	if (ri.routed && !ck->ss->cf->allow_untrusted_routing)
		return 0;
	return ri.cls != RESOLVE_DEFAULT;
}

/* unauth_destination - reject/defer_unauth_destination */
static int unauth_destination(struct ck *ck, int defer)
{
	int err, code = ck->ss->cf->relay_code;
	char *q;

	if (ck->rcpt == NULL)
		return CK_DUNNO;
	if (auth_destination(ck, &err))
		return CK_DUNNO;
	if (err)
		return set_reply(ck, 451, "4.3.0", "<%s>: Temporary lookup failure", ck->what);
	if (defer)
		code = 400 + code % 100;
	q = path_quote(ck->rcpt);
	set_reply(ck, code, "5.7.1", "<%s>: Relay access denied", q);
	xfree(q);
	return CK_REJECT;
}

/* unlisted - reject_unlisted_recipient / reject_unlisted_sender for local domains */
static int unlisted(struct ck *ck, const char *addr, int sender)
{
	struct route_info ri;
	const char *err;
	int r;

	if (addr == NULL || *addr == '\0')
		return CK_DUNNO;
	if (route_resolve(ck->ss->cf, addr, 0, &ri, &err) < 0) {
		msg_warn("%s: %s", addr, err);
		return set_reply(ck, 451, "4.3.0", "<%s>: Temporary lookup failure", ck->what);
	}
	if (ri.cls != RESOLVE_LOCAL) {
		route_free(&ri);
		return CK_DUNNO;
	}
	r = resolve_local_user(ck->ss->cf->resolver, ri.final_addr, &err);
	route_free(&ri);
	if (r < 0) {
		msg_warn("%s: %s", addr, err);
		return set_reply(ck, 451, "4.3.0", "<%s>: Temporary lookup failure", ck->what);
	}
	if (r > 0)
		return CK_DUNNO;
	return class_reject(ck, ck->ss->cf->unknown_local_code, sender ? "5.1.0" : "5.1.1",
			    "User unknown in local recipient table");
}

/* helo_literal_ok - "[1.2.3.4]" or "[IPv6:...]" */
static int helo_literal_ok(const char *helo)
{
	const char *inner;

	return addr_is_ip_literal(helo, &inner);
}

/* valid_helo - a syntactically valid host name or address literal */
static int valid_helo(const char *helo)
{
	const char *last;

	if (helo[0] == '[')
		return helo_literal_ok(helo);
	if (!addr_valid_hostname(helo))
		return 0;
	last = strrchr(helo, '.');
	last = last != NULL ? last + 1 : helo;
	for (const char *p = last; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 1;
	return 0;	/* numeric top-level label: an address without brackets */
}

/* non_fqdn_addr - the domain of addr is not a fully-qualified host name */
static int non_fqdn_addr(const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *inner;

	if (at == NULL)
		return 1;
	if (at[1] == '[')
		return !addr_is_ip_literal(at + 1, &inner);
	return !addr_is_fqdn(at + 1);
}

/* warn_dns - the DNS-based restrictions do nothing yet: say so once */
static int warn_dns(struct ck *ck, const char *name)
{
	if (!ck->ss->cf->warned_dns) {
		ck->ss->cf->warned_dns = 1;
		msg_warn("%s: DNS lookups are not implemented yet: restriction ignored", name);
	}
	return CK_DUNNO;
}

static int eval_restriction(struct ck *ck, const char *name, struct map *map, const char *stage);

/* access_value - an access table's answer */
static int access_value(struct ck *ck, const char *value, const char *stage)
{
	const char *text;
	char dsn[16];
	int code;

	while (isspace((unsigned char)*value))
		value++;
	text = value + strcspn(value, " \t");
	while (isspace((unsigned char)*text))
		text++;
	if (strncasecmp(value, "OK", 2) == 0 && (value[2] == '\0' || isspace((unsigned char)value[2])))
		return CK_OK;
	if (strncasecmp(value, "DUNNO", 5) == 0)
		return CK_DUNNO;
	if (strncasecmp(value, "REJECT", 6) == 0 && (value[6] == '\0' || isspace((unsigned char)value[6])))
		return class_reject(ck, 554, "5.7.1", *text ? text : "Access denied");
	if (strncasecmp(value, "DEFER", 5) == 0 && (value[5] == '\0' || isspace((unsigned char)value[5])))
		return class_reject(ck, 450, "4.7.1", *text ? text : "Access denied");
	if ((value[0] == '4' || value[0] == '5') && isdigit((unsigned char)value[1])
	    && isdigit((unsigned char)value[2]) && (value[3] == '\0' || isspace((unsigned char)value[3]))) {
		code = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
		snprintf(dsn, sizeof(dsn), "%c.7.1", value[0]);
		if (text[0] == value[0] && text[1] == '.' && isdigit((unsigned char)text[2])) {
			size_t n = strcspn(text, " \t");

			if (n < sizeof(dsn)) {
				memcpy(dsn, text, n);
				dsn[n] = '\0';
				text += n;
				while (isspace((unsigned char)*text))
					text++;
			}
		}
		return class_reject(ck, code, dsn, *text ? text : "Access denied");
	}
	if (isdigit((unsigned char)value[0])) {
		for (const char *p = value; *p && !isspace((unsigned char)*p); p++)
			if (!isdigit((unsigned char)*p))
				goto other;
		return CK_OK;	/* historical: a number means OK */
	}
other:
	if (ck->depth < 3 && *value != '\0') {
		char *name = xstrndup(value, strcspn(value, " \t"));
		int r;

		ck->depth++;
		r = isalpha((unsigned char)name[0]) && strchr(name, ':') == NULL
			? eval_restriction(ck, name, NULL, stage) : CK_DUNNO;
		ck->depth--;
		xfree(name);
		return r;
	}
	return CK_DUNNO;
}

/* lookup_domain - domain then its parent domains; MAP_* */
static int lookup_domain(struct map *map, const char *domain, const char **value_r, const char **err)
{
	int r = map_lookup(map, domain, value_r, err);

	for (const char *p = strchr(domain, '.'); r == MAP_NOTFOUND && p != NULL; p = strchr(p + 1, '.'))
		r = map_lookup(map, p + 1, value_r, err);
	return r;
}

/* client_access - check_client_access: address, name and parents, net prefixes */
static int client_access(struct ck *ck, struct map *map, const char **value_r, const char **err)
{
	struct session *ss = ck->ss;
	char key[64];
	int r = map_lookup(map, ss->addr, value_r, err);

	if (r == MAP_NOTFOUND && strcmp(ss->name, "unknown") != 0)
		r = lookup_domain(map, ss->name, value_r, err);
	if (ss->family == AF_INET) {
		snprintf(key, sizeof(key), "%s", ss->addr);
		for (char *dot = strrchr(key, '.'); r == MAP_NOTFOUND && dot != NULL; dot = strrchr(key, '.')) {
			*dot = '\0';
			r = map_lookup(map, key, value_r, err);
		}
	}
	return r;
}

/* addr_access - check_sender/recipient_access search order */
static int addr_access(struct ck *ck, struct map *map, const char *addr, const char **value_r,
		       const char **err)
{
	const char *at = strrchr(addr, '@');
	int r;

	if (*addr == '\0')
		return map_lookup(map, "<>", value_r, err);
	r = map_lookup_address(map, addr, ck->ss->cf->recipient_delimiter,
			       MAP_ADDR_USER_AT_DOMAIN | MAP_ADDR_DOMAIN | MAP_ADDR_PARENTS, value_r, err);
	if (r == MAP_NOTFOUND && at != NULL) {
		char *key = xstrndup(addr, (size_t)(at - addr + 1));

		r = map_lookup(map, key, value_r, err);
		xfree(key);
	}
	return r;
}

/* check_access - a check_*_access restriction */
static int check_access(struct ck *ck, const char *name, struct map *map, const char *stage)
{
	struct session *ss = ck->ss;
	const char *value, *err;
	int r;

	if (strcmp(name, "check_client_access") == 0)
		r = client_access(ck, map, &value, &err);
	else if (strcmp(name, "check_helo_access") == 0)
		r = ss->helo != NULL ? lookup_domain(map, ss->helo, &value, &err) : MAP_NOTFOUND;
	else if (strcmp(name, "check_sender_access") == 0)
		r = ss->have_mail ? addr_access(ck, map, ss->sender, &value, &err) : MAP_NOTFOUND;
	else
		r = ck->rcpt != NULL ? addr_access(ck, map, ck->rcpt, &value, &err) : MAP_NOTFOUND;
	if (r == MAP_ERROR) {
		msg_warn("%s: %s lookup error: %s", map_name(map), name, err);
		return class_reject(ck, 451, "4.3.0", "Temporary lookup failure");
	}
	if (r == MAP_NOTFOUND)
		return CK_DUNNO;
	return access_value(ck, value, stage);
}

/* addr_reply_ctx - evaluate with the reply naming another address (sender checks at RCPT) */
static int with_what(struct ck *ck, const char *cls, const char *addr,
		     int (*fn)(struct ck *ck, const char *addr))
{
	const char *save_cls = ck->cls, *save_what = ck->what;
	char *q = path_quote(addr);
	int r;

	ck->cls = cls;
	ck->what = q;
	r = fn(ck, addr);
	ck->cls = save_cls;
	ck->what = save_what;
	if (r == CK_REJECT) {
		/* the reply text is complete; q may go */
	}
	xfree(q);
	return r;
}

static int do_non_fqdn_sender(struct ck *ck, const char *addr)
{
	return non_fqdn_addr(addr) ? class_reject(ck, ck->ss->cf->non_fqdn_code, "5.5.2",
						 "need fully-qualified address") : CK_DUNNO;
}

static int do_unlisted_sender(struct ck *ck, const char *addr) { return unlisted(ck, addr, 1); }
static int do_unlisted_rcpt(struct ck *ck, const char *addr) { return unlisted(ck, addr, 0); }

/* helo_check - the helo-name restrictions */
static int helo_check(struct ck *ck, int fqdn)
{
	const char *save_cls = ck->cls, *save_what = ck->what;
	struct smtpd_conf *cf = ck->ss->cf;
	int r = CK_DUNNO;

	if (ck->ss->helo == NULL)
		return CK_DUNNO;
	ck->cls = "Helo command";
	ck->what = ck->ss->helo;
	if (ck->ss->helo[0] == '[' && !helo_literal_ok(ck->ss->helo))
		r = class_reject(ck, cf->invalid_hostname_code, "5.5.2", "invalid ip address");
	else if (!valid_helo(ck->ss->helo))
		r = class_reject(ck, cf->invalid_hostname_code, "5.5.2", "Invalid name");
	else if (fqdn && ck->ss->helo[0] != '[' && !addr_is_fqdn(ck->ss->helo))
		r = class_reject(ck, cf->non_fqdn_code, "5.5.2", "need fully-qualified hostname");
	ck->cls = save_cls;
	ck->what = save_what;
	return r;
}

static int eval_restriction(struct ck *ck, const char *name, struct map *map, const char *stage)
{
	struct session *ss = ck->ss;
	struct smtpd_conf *cf = ss->cf;

	if (strcmp(name, "permit") == 0)
		return CK_OK;
	if (strcmp(name, "reject") == 0)
		return class_reject(ck, cf->reject_code, "5.7.1", "Access denied");
	if (strcmp(name, "defer") == 0)
		return class_reject(ck, cf->defer_code, "4.7.1", "Try again later");
	if (strcmp(name, "permit_mynetworks") == 0)
		return ss->in_mynetworks ? CK_OK : CK_DUNNO;
	if (strcmp(name, "permit_sasl_authenticated") == 0)
		return CK_DUNNO;
	if (strcmp(name, "reject_unauth_destination") == 0)
		return unauth_destination(ck, 0);
	if (strcmp(name, "defer_unauth_destination") == 0)
		return unauth_destination(ck, 1);
	if (strcmp(name, "permit_auth_destination") == 0) {
		int err;

		return ck->rcpt != NULL && auth_destination(ck, &err) ? CK_OK : CK_DUNNO;
	}
	if (strcmp(name, "reject_unlisted_recipient") == 0 || strcmp(name, "check_recipient_maps") == 0)
		return ck->rcpt != NULL ? with_what(ck, "Recipient address", ck->rcpt, do_unlisted_rcpt) : CK_DUNNO;
	if (strcmp(name, "reject_unlisted_sender") == 0)
		return ss->have_mail ? with_what(ck, "Sender address", ss->sender, do_unlisted_sender) : CK_DUNNO;
	if (strcmp(name, "reject_invalid_helo_hostname") == 0 || strcmp(name, "reject_invalid_hostname") == 0)
		return helo_check(ck, 0);
	if (strcmp(name, "reject_non_fqdn_helo_hostname") == 0 || strcmp(name, "reject_non_fqdn_hostname") == 0)
		return helo_check(ck, 1);
	if (strcmp(name, "reject_non_fqdn_sender") == 0)
		return ss->have_mail && *ss->sender ? with_what(ck, "Sender address", ss->sender, do_non_fqdn_sender)
			: CK_DUNNO;
	if (strcmp(name, "reject_non_fqdn_recipient") == 0)
		return ck->rcpt != NULL ? with_what(ck, "Recipient address", ck->rcpt, do_non_fqdn_sender) : CK_DUNNO;
	if (strcmp(name, "reject_unknown_client_hostname") == 0 || strcmp(name, "reject_unknown_client") == 0)
		return strcmp(ss->name, "unknown") == 0
			? set_reply(ck, 450, "4.7.1", "Client host rejected: cannot find your hostname, [%s]", ss->addr)
			: CK_DUNNO;
	if (strcmp(name, "reject_unknown_reverse_client_hostname") == 0)
		return strcmp(ss->reverse_name, "unknown") == 0
			? set_reply(ck, 450, "4.7.1", "Client host rejected: cannot find your reverse hostname, [%s]",
				    ss->addr)
			: CK_DUNNO;
	if (strcmp(name, "reject_unknown_sender_domain") == 0 || strcmp(name, "reject_unknown_recipient_domain") == 0
	    || strcmp(name, "reject_unknown_helo_hostname") == 0)
		return warn_dns(ck, name);
	if (strcmp(name, "reject_unauth_pipelining") == 0)
		return ss->ill_pipelining
			? class_reject(ck, 503, "5.5.0", "Improper use of SMTP command pipelining") : CK_DUNNO;
	if (strncmp(name, "check_", 6) == 0 && map != NULL)
		return check_access(ck, name, map, stage);
	return config_error(ck, name);
}

/* eval_list - one restriction list: CK_DUNNO/CK_OK or CK_REJECT with ck->text */
static int eval_list(struct ck *ck, struct restriction_list *rl)
{
	ck->warn = 0;
	for (size_t i = 0; i < rl->n; i++) {
		struct restriction *r = &rl->v[i];
		int res;

		if (strcmp(r->name, "warn_if_reject") == 0) {
			ck->warn = 1;
			continue;
		}
		res = eval_restriction(ck, r->name, r->map, rl->param);
		if (res == CK_REJECT && ck->warn) {
			session_log_reject(ck->ss, "reject_warning", ck->ss->where, ck->text, ck->rcpt);
			res = CK_DUNNO;
		}
		ck->warn = 0;
		if (res != CK_DUNNO)
			return res;
	}
	return CK_DUNNO;
}

/* finish_reject - log and answer a reject: the reply class digit */
static int finish_reject(struct ck *ck)
{
	session_log_reject(ck->ss, "reject", ck->ss->where, ck->text, ck->rcpt);
	reply(ck->ss, "%s", ck->text);
	return ck->text[0] - '0';
}

/* ck_init - context for a stage */
static void ck_init(struct ck *ck, struct session *ss, const char *cls, const char *what)
{
	memset(ck, 0, sizeof(*ck));
	ck->ss = ss;
	ck->cls = cls;
	ck->what = what;
}

/* stage - run one list in its reply class */
static int stage(struct session *ss, struct restriction_list *rl, const char *cls, const char *what,
		 const char *rcpt, int routed, char *text_r, size_t text_size)
{
	struct ck ck;
	int r;

	ck_init(&ck, ss, cls, what);
	ck.rcpt = rcpt;
	ck.rcpt_routed = routed;
	r = eval_list(&ck, rl);
	if (r == CK_REJECT)
		snprintf(text_r, text_size, "%s", ck.text);
	return r;
}

/* run_stages - client/helo/sender (delayed) and the rcpt stages; 0 or a reply sent */
static int run_stage_reply(struct session *ss, struct restriction_list *rl, const char *cls,
			   const char *what, const char *rcpt, int routed, int *stop)
{
	char text[1024];
	int r = stage(ss, rl, cls, what, rcpt, routed, text, sizeof(text));

	if (r != CK_REJECT)
		return 0;
	*stop = 1;
	session_log_reject(ss, "reject", ss->where, text, rcpt);
	reply(ss, "%s", text);
	return text[0] - '0';
}

int check_client(struct session *ss)
{
	int stop = 0;

	return run_stage_reply(ss, &ss->cf->client, "Client host", ss->namaddr, NULL, 0, &stop);
}

int check_helo(struct session *ss)
{
	int stop = 0;

	return run_stage_reply(ss, &ss->cf->helo, "Helo command", ss->helo != NULL ? ss->helo : "", NULL, 0, &stop);
}

int check_sender(struct session *ss)
{
	char *q = path_quote(ss->sender);
	int stop = 0, r = run_stage_reply(ss, &ss->cf->sender, "Sender address", q, NULL, 0, &stop);

	xfree(q);
	return r;
}

char *check_connect(struct session *ss)
{
	char text[1024];

	if (stage(ss, &ss->cf->client, "Client host", ss->namaddr, NULL, 0, text, sizeof(text)) != CK_REJECT)
		return NULL;
	session_log_reject(ss, "reject", "CONNECT", text, NULL);
	return xstrdup(text);
}

int check_rcpt(struct session *ss, const char *rcpt, int routed)
{
	struct smtpd_conf *cf = ss->cf;
	char *qs = ss->have_mail ? path_quote(ss->sender) : xstrdup(""), *qr = path_quote(rcpt);
	int stop = 0, r = 0;

	if (!cf->relay_check_ok) {
		msg_warn("in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one "
			 "working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, "
			 "defer_if_permit or check_relay_domains");
		reply(ss, "451 4.3.5 Server configuration error");
		r = 4;
		goto out;
	}
	if (cf->delay_reject) {
		if ((r = run_stage_reply(ss, &cf->client, "Client host", ss->namaddr, rcpt, routed, &stop)) || stop)
			goto out;
		if ((r = run_stage_reply(ss, &cf->helo, "Helo command", ss->helo ? ss->helo : "", rcpt, routed, &stop)) || stop)
			goto out;
		if ((r = run_stage_reply(ss, &cf->sender, "Sender address", qs, rcpt, routed, &stop)) || stop)
			goto out;
	}
	if ((r = run_stage_reply(ss, &cf->relay, "Recipient address", qr, rcpt, routed, &stop)) || stop)
		goto out;
	if ((r = run_stage_reply(ss, &cf->rcpt, "Recipient address", qr, rcpt, routed, &stop)) || stop)
		goto out;
	if (cf->reject_unlisted_rcpt) {
		struct ck ck;

		ck_init(&ck, ss, "Recipient address", qr);
		ck.rcpt = rcpt;
		if (unlisted(&ck, rcpt, 0) == CK_REJECT)
			r = finish_reject(&ck);
	}
	if (r == 0 && cf->reject_unlisted_sender && ss->have_mail && *ss->sender) {
		struct ck ck;

		ck_init(&ck, ss, "Sender address", qs);
		ck.rcpt = rcpt;
		if (unlisted(&ck, ss->sender, 1) == CK_REJECT)
			r = finish_reject(&ck);
	}
out:
	xfree(qs);
	xfree(qr);
	return r;
}

int check_vrfy_local(struct session *ss, const char *addr)
{
	char *q = path_quote(addr);
	struct ck ck;
	int r = 0;

	ck_init(&ck, ss, "Recipient address", q);
	ck.rcpt = addr;
	if (ss->cf->reject_unlisted_rcpt && unlisted(&ck, addr, 0) == CK_REJECT)
		r = finish_reject(&ck);
	xfree(q);
	return r;
}

int check_data(struct session *ss)
{
	int stop = 0;

	return run_stage_reply(ss, &ss->cf->data, "Data command", "DATA", ss->nrcpt == 1 ? ss->rcpts[0].addr : NULL,
			       0, &stop);
}

int check_eod(struct session *ss)
{
	int stop = 0;

	return run_stage_reply(ss, &ss->cf->eod, "End-of-data", "END-OF-MESSAGE",
			       ss->nrcpt == 1 ? ss->rcpts[0].addr : NULL, 0, &stop);
}

/* parse_list - a restriction parameter into rl; type:table arguments open their maps */
static void parse_list(struct smtpd_conf *cf, struct restriction_list *rl, const char *param)
{
	struct argv *items = pfconf_get_list(cf->cfg, param);
	const char *err;

	rl->param = param;
	rl->v = xcalloc(items->n + 1, sizeof(*rl->v));
	for (size_t i = 0; i < items->n; i++) {
		const char *name = items->v[i];
		struct restriction *r = &rl->v[rl->n];

		if (strchr(name, ':') != NULL) {
			/* a bare table is check_client_access style shorthand in Postfix; not supported */
			msg_warn("%s: table %s without a check_*_access restriction: ignored", param, name);
			continue;
		}
		r->name = xstrdup(name);
		if (strncmp(name, "check_", 6) == 0 && strstr(name, "_access") != NULL) {
			if (i + 1 >= items->n)
				msg_fatal("%s: restriction %s needs a table argument", param, name);
			if (map_open(items->v[++i], 0, &r->map, &err) < 0)
				msg_fatal("%s: %s", param, err);
		}
		rl->n++;
		if (strcmp(name, "reject_unauth_destination") == 0 || strcmp(name, "defer_unauth_destination") == 0
		    || strcmp(name, "reject") == 0 || strcmp(name, "defer") == 0
		    || strcmp(name, "defer_if_permit") == 0 || strcmp(name, "check_relay_domains") == 0) {
			if (rl == &cf->relay || rl == &cf->rcpt)
				cf->relay_check_ok = 1;
		}
	}
	argv_destroy(&items);
}

void check_init(struct smtpd_conf *cf)
{
	parse_list(cf, &cf->client, PFCONF_NAME("smtpd_client_restrictions"));
	parse_list(cf, &cf->helo, PFCONF_NAME("smtpd_helo_restrictions"));
	parse_list(cf, &cf->sender, PFCONF_NAME("smtpd_sender_restrictions"));
	parse_list(cf, &cf->relay, PFCONF_NAME("smtpd_relay_restrictions"));
	parse_list(cf, &cf->rcpt, PFCONF_NAME("smtpd_recipient_restrictions"));
	parse_list(cf, &cf->data, PFCONF_NAME("smtpd_data_restrictions"));
	parse_list(cf, &cf->eod, PFCONF_NAME("smtpd_end_of_data_restrictions"));
	if (!cf->relay_check_ok)
		msg_warn("in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one "
			 "working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, "
			 "defer_if_permit or check_relay_domains");
}
