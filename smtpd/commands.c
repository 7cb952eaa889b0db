/*
 * commands - the SMTP verb table (STYLE.md practice 8: verb -> flags,
 * handler) and the verbs other than DATA/BDAT: HELO, EHLO, MAIL, RCPT,
 * RSET, NOOP, VRFY, ETRN, QUIT, and STARTTLS/AUTH answered as Postfix
 * does when TLS and SASL are not configured.  Unknown verbs (HELP included, as in
 * Postfix) get "502 5.5.2 Error: command not recognized"; non-SMTP
 * commands (smtpd_forbidden_commands' defaults: CONNECT, GET, POST, a
 * header line, a line not starting with a letter) end the session.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/pfconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "ipc/cleanup_client.h"
#include "mail/resolve.h"
#include "smtpd.h"

#define V_LAST	(1u << 0)	/* ends a pipelined command group */
#define V_JUNK	(1u << 1)	/* counted against smtpd_junk_command_limit */

struct verb {
	const char *name;
	unsigned flags;
	int (*fn)(struct session *ss, char *args);
};

/* helo_common - HELO/EHLO argument and state; -1 after a reply */
static int helo_common(struct session *ss, char *args, const char *verb, int esmtp)
{
	if (*args == '\0') {
		reply(ss, "501 Syntax: %s hostname", verb);
		return -1;
	}
	session_reset(ss);
	xfree(ss->helo);
	ss->helo = xstrdup(args);
	ss->esmtp = esmtp;
	ss->protocol = esmtp ? "ESMTP" : "SMTP";
	if (!ss->cf->delay_reject && check_helo(ss) != 0)
		return -1;
	return 0;
}

static int cmd_helo(struct session *ss, char *args)
{
	if (helo_common(ss, args, "HELO", 0) < 0)
		return -1;
	reply(ss, "250 %s", ss->cf->myhostname);
	return 0;
}

/* log_discard - "discarding EHLO keywords: ..." unless silent-discard */
static void log_discard(struct session *ss)
{
	static const char *const names[] = { "PIPELINING", "SIZE", "VRFY", "ETRN",
		"ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING" };
	char text[256] = "";
	size_t o = 0;

	if (ss->cf->ehlo_discard == 0 || (ss->cf->ehlo_discard & EHLO_SILENT))
		return;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ss->cf->ehlo_discard & (1u << i))
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s", o ? " " : "", names[i]);
	msg_info("discarding EHLO keywords: %s", text);
}

static int cmd_ehlo(struct session *ss, char *args)
{
	unsigned mask = ss->cf->ehlo_discard;
	char lines[10][64];
	int n = 0;

	if (helo_common(ss, args, "EHLO", 1) < 0)
		return -1;
	log_discard(ss);
	if (!(mask & EHLO_PIPELINING))
		snprintf(lines[n++], sizeof(lines[0]), "PIPELINING");
	if (!(mask & EHLO_SIZE)) {
		if (ss->cf->size_limit > 0)
			snprintf(lines[n++], sizeof(lines[0]), "SIZE %lld", ss->cf->size_limit);
		else
			snprintf(lines[n++], sizeof(lines[0]), "SIZE");
	}
	if (!(mask & EHLO_VRFY) && !ss->cf->disable_vrfy)
		snprintf(lines[n++], sizeof(lines[0]), "VRFY");
	if (!(mask & EHLO_ETRN))
		snprintf(lines[n++], sizeof(lines[0]), "ETRN");
	if (!(mask & EHLO_ENHANCEDSTATUSCODES))
		snprintf(lines[n++], sizeof(lines[0]), "ENHANCEDSTATUSCODES");
	if (!(mask & EHLO_8BITMIME))
		snprintf(lines[n++], sizeof(lines[0]), "8BITMIME");
	if (!(mask & EHLO_DSN))
		snprintf(lines[n++], sizeof(lines[0]), "DSN");
	if (!(mask & EHLO_SMTPUTF8) && ss->cf->smtputf8_enable)
		snprintf(lines[n++], sizeof(lines[0]), "SMTPUTF8");
	if (!(mask & EHLO_CHUNKING))
		snprintf(lines[n++], sizeof(lines[0]), "CHUNKING");
	if (n == 0) {
		reply(ss, "250 %s", ss->cf->myhostname);
		return 0;
	}
	reply_cont(ss, "250-%s", ss->cf->myhostname);
	for (int i = 0; i < n - 1; i++)
		reply_cont(ss, "250-%s", lines[i]);
	reply(ss, "250 %s", lines[n - 1]);
	return 0;
}

/* has_8bit - any byte >= 0x80 */
static int has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* all_digits - non-empty decimal of at most 18 digits */
static int all_digits(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* mail_params - MAIL FROM parameters into the session; -1 after a reply */
static int mail_params(struct session *ss, struct argv *params)
{
	for (size_t i = 0; i < params->n; i++) {
		const char *arg = params->v[i];

		if (strncasecmp(arg, "SIZE=", 5) == 0) {
			if (!all_digits(arg + 5)) {
				reply(ss, "501 5.5.4 Bad message size syntax");
				return -1;
			}
			ss->declared_size = strtoll(arg + 5, NULL, 10);
		} else if (strncasecmp(arg, "BODY=", 5) == 0) {
			if (strcasecmp(arg + 5, "8BITMIME") != 0 && strcasecmp(arg + 5, "7BIT") != 0) {
				reply(ss, "501 5.5.4 Unsupported BODY type: %s", arg + 5);
				return -1;
			}
			xfree(ss->body_type);
			ss->body_type = xstrdup(strcasecmp(arg + 5, "7BIT") == 0 ? "7BIT" : "8BITMIME");
		} else if (strncasecmp(arg, "RET=", 4) == 0) {
			if (ss->ret != NULL || (strcasecmp(arg + 4, "FULL") != 0 && strcasecmp(arg + 4, "HDRS") != 0)) {
				reply(ss, "501 5.5.4 Bad RET parameter syntax");
				return -1;
			}
			ss->ret = xstrdup(strcasecmp(arg + 4, "FULL") == 0 ? "FULL" : "HDRS");
		} else if (strncasecmp(arg, "ENVID=", 6) == 0) {
			char *v = path_xtext_decode(arg + 6);

			if (ss->envid != NULL || v == NULL || *v == '\0' || strlen(v) > 100) {
				xfree(v);
				reply(ss, "501 5.5.4 Bad ENVID parameter syntax");
				return -1;
			}
			ss->envid = v;
		} else if (strcasecmp(arg, "SMTPUTF8") == 0 && ss->cf->smtputf8_enable) {
			ss->smtputf8 = 1;
		} else if (strncasecmp(arg, "AUTH=", 5) == 0) {
			/* no SASL yet: RFC 4954 says ignore it from unauthenticated clients */
		} else {
			reply(ss, "555 5.5.4 Unsupported option: %s", arg);
			return -1;
		}
	}
	return 0;
}

/* prefix_arg - args begin with "FROM:"/"TO:" (case-insensitive): the rest, or NULL */
static const char *prefix_arg(const char *args, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncasecmp(args, prefix, n) != 0)
		return NULL;
	return args + n;
}

static int cmd_mail(struct session *ss, char *args)
{
	struct path_parsed pp;
	const char *text;
	int r;

	if (ss->cf->helo_required && ss->helo == NULL) {
		reply(ss, "503 5.5.1 Error: send HELO/EHLO first");
		return -1;
	}
	if (ss->bdat_active) {
		reply(ss, "503 5.5.1 Error: MAIL after BDAT");
		return -1;
	}
	if (ss->have_mail) {
		reply(ss, "503 5.5.1 Error: nested MAIL command");
		return -1;
	}
	if ((text = prefix_arg(args, "FROM:")) == NULL || (r = path_parse(text, ss->cf->strict_rfc821, &pp)) == -2) {
		reply(ss, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return -1;
	}
	if (r < 0) {
		path_free(&pp);
		reply(ss, "501 5.1.7 Bad sender address syntax");
		return -1;
	}
	ss->have_mail = 1;
	ss->sender = xstrdup(pp.addr);
	if (mail_params(ss, &pp.params) < 0)
		goto fail;
	if (has_8bit(ss->sender) && !ss->smtputf8 && ss->cf->smtputf8_enable) {
		reply(ss, "553 5.6.7 Must declare SMTPUTF8 to send unicode address");
		goto fail;
	}
	if (ss->cf->size_limit > 0 && ss->declared_size > ss->cf->size_limit) {
		reply(ss, "552 5.3.4 Message size exceeds fixed limit");
		goto fail;
	}
	if (!ss->cf->delay_reject && check_sender(ss) != 0)
		goto fail;
	path_free(&pp);
	reply(ss, "250 2.1.0 Ok");
	return 0;
fail:
	path_free(&pp);
	session_reset(ss);
	return -1;
}

/* rcpt_params - NOTIFY and ORCPT; -1 after a reply */
static int rcpt_params(struct session *ss, struct argv *params, char **notify, char **orcpt)
{
	for (size_t i = 0; i < params->n; i++) {
		const char *arg = params->v[i];

		if (strncasecmp(arg, "NOTIFY=", 7) == 0) {
			struct argv *items = argv_split(arg + 7, ",");
			int never = 0, other = 0, bad = items->n == 0 || *notify != NULL;

			for (size_t k = 0; k < items->n; k++) {
				if (strcasecmp(items->v[k], "NEVER") == 0)
					never++;
				else if (strcasecmp(items->v[k], "SUCCESS") == 0 || strcasecmp(items->v[k], "FAILURE") == 0
					 || strcasecmp(items->v[k], "DELAY") == 0)
					other++;
				else
					bad = 1;
			}
			argv_destroy(&items);
			if (bad || (never && (never > 1 || other))) {
				reply(ss, "501 5.5.4 Error: Bad NOTIFY parameter syntax");
				return -1;
			}
			*notify = xstrdup(arg + 7);
			for (char *p = *notify; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		} else if (strncasecmp(arg, "ORCPT=", 6) == 0) {
			const char *semi = strchr(arg + 6, ';');
			char *addr = semi != NULL ? path_xtext_decode(semi + 1) : NULL;

			if (*orcpt != NULL || semi == NULL || semi == arg + 6 || addr == NULL || *addr == '\0') {
				xfree(addr);
				reply(ss, "501 5.5.4 Error: Bad ORCPT parameter syntax");
				return -1;
			}
			*orcpt = xasprintf("%.*s;%s", (int)(semi - (arg + 6)), arg + 6, addr);
			xfree(addr);
		} else {
			reply(ss, "555 5.5.4 Unsupported option: %s", arg);
			return -1;
		}
	}
	return 0;
}

int commands_open_cleanup(struct session *ss)
{
	const char *err;

	if (ss->cc != NULL)
		return 0;
	if (cleanup_open(ss->cf->queue_dir, ss->cf->timeout_s * 1000, &ss->cc, &err) < 0) {
		msg_warn("%s", err);
		reply(ss, "451 4.3.0 Error: queue file write error");
		return -1;
	}
	snprintf(ss->queue_id, sizeof(ss->queue_id), "%s", cleanup_queue_id(ss->cc));
	msg_info("%s: client=%s", ss->queue_id, ss->namaddr);
	return 0;
}

/* add_rcpt - remember an accepted recipient (takes the strings) */
static void add_rcpt(struct session *ss, char *addr, char *notify, char *orcpt)
{
	if (ss->nrcpt == ss->rcpt_alloc) {
		ss->rcpt_alloc = ss->rcpt_alloc ? ss->rcpt_alloc * 2 : 8;
		ss->rcpts = xreallocarray(ss->rcpts, ss->rcpt_alloc, sizeof(*ss->rcpts));
	}
	ss->rcpts[ss->nrcpt].addr = addr;
	ss->rcpts[ss->nrcpt].notify = notify;
	ss->rcpts[ss->nrcpt].orcpt = orcpt;
	ss->nrcpt++;
}

static int cmd_rcpt(struct session *ss, char *args)
{
	struct path_parsed pp;
	const char *text;
	char *notify = NULL, *orcpt = NULL;
	int r;

	if (!ss->have_mail) {
		reply(ss, "503 5.5.1 Error: need MAIL command");
		return -1;
	}
	if (ss->bdat_active) {
		reply(ss, "503 5.5.1 Error: RCPT after BDAT");
		return -1;
	}
	if ((text = prefix_arg(args, "TO:")) == NULL || (r = path_parse(text, ss->cf->strict_rfc821, &pp)) == -2) {
		reply(ss, "501 5.5.4 Syntax: RCPT TO:<address>");
		return -1;
	}
	if (r < 0 || *pp.addr == '\0') {
		path_free(&pp);
		reply(ss, "501 5.1.3 Bad recipient address syntax");
		return -1;
	}
	if (rcpt_params(ss, &pp.params, &notify, &orcpt) < 0)
		goto fail;
	if (has_8bit(pp.addr) && !ss->smtputf8 && ss->cf->smtputf8_enable) {
		reply(ss, "553 5.6.7 Must declare SMTPUTF8 to send unicode address");
		goto fail;
	}
	if (ss->cf->rcpt_limit > 0 && (long)ss->nrcpt >= ss->cf->rcpt_limit) {
		reply(ss, "452 4.5.3 Error: too many recipients");
		goto fail;
	}
	ss->rcpt_count++;
	if (check_rcpt(ss, pp.addr, pp.routed) != 0 || commands_open_cleanup(ss) < 0)
		goto fail;
	add_rcpt(ss, xstrdup(pp.addr), notify, orcpt);
	path_free(&pp);
	reply(ss, "250 2.1.5 Ok");
	return 0;
fail:
	xfree(notify);
	xfree(orcpt);
	path_free(&pp);
	return -1;
}

static int cmd_rset(struct session *ss, char *args)
{
	if (*args != '\0') {
		reply(ss, "501 5.5.4 Syntax: RSET");
		return -1;
	}
	session_reset(ss);
	reply(ss, "250 2.0.0 Ok");
	return 0;
}

static int cmd_noop(struct session *ss, char *args)
{
	if (*args != '\0') {
		reply(ss, "501 5.5.4 Syntax: NOOP");
		return -1;
	}
	reply(ss, "250 2.0.0 Ok");
	return 0;
}

static int cmd_quit(struct session *ss, char *args)
{
	(void)args;
	reply(ss, "221 2.0.0 Bye");
	ss->quit = 1;
	return 0;
}

static int cmd_vrfy(struct session *ss, char *args)
{
	struct path_parsed pp;
	char *addr;

	if (ss->cf->disable_vrfy) {
		reply(ss, "502 5.5.1 VRFY command is disabled");
		return -1;
	}
	if (*args == '\0') {
		reply(ss, "501 5.5.4 Syntax: VRFY address");
		return -1;
	}
	if (path_parse(args, 0, &pp) != 0 || *pp.addr == '\0' || pp.params.n > 1
	    || (pp.params.n == 1 && strcasecmp(pp.params.v[0], "SMTPUTF8") != 0)) {
		path_free(&pp);
		reply(ss, "501 5.1.3 Bad recipient address syntax");
		return -1;
	}
	addr = xstrdup(pp.addr);
	path_free(&pp);
	if (check_vrfy_local(ss, addr) != 0) {
		xfree(addr);
		return -1;
	}
	xfree(addr);
	reply(ss, "252 2.0.0 %s", args);
	return 0;
}

static int cmd_etrn(struct session *ss, char *args)
{
	const char *err;
	int r;

	if (ss->helo == NULL) {
		reply(ss, "503 5.5.1 Error: send HELO/EHLO first");
		return -1;
	}
	if (ss->have_mail) {
		reply(ss, "503 5.5.1 Error: MAIL transaction in progress");
		return -1;
	}
	if (*args == '\0' || strchr(args, ' ') != NULL) {
		reply(ss, "500 5.5.4 Syntax: ETRN domain");
		return -1;
	}
	r = resolve_list_match(ss->cf->resolver, PFCONF_NAME("fast_flush_domains"), *args == '@' ? args + 1 : args, &err);
	if (r < 0) {
		reply(ss, "451 4.3.0 Temporary lookup error");
		return -1;
	}
	if (r == 0) {
		reply(ss, "459 4.7.1 <%s>: service unavailable", args);
		return -1;
	}
	/* no flush service yet: the queue manager retries deferred mail on its own timer */
	reply(ss, "458 4.3.0 Unable to queue messages");
	return -1;
}

/* cmd_starttls - no TLS layer yet: as Postfix without smtpd_tls_security_level */
static int cmd_starttls(struct session *ss, char *args)
{
	(void)args;
	reply(ss, "502 5.5.1 Error: command not implemented");
	return -1;
}

/* cmd_auth - no SASL yet: as Postfix with smtpd_sasl_auth_enable = no */
static int cmd_auth(struct session *ss, char *args)
{
	(void)args;
	reply(ss, "503 5.5.1 Error: authentication not enabled");
	return -1;
}

static int cmd_data(struct session *ss, char *args) { return data_cmd(ss, args); }
static int cmd_bdat(struct session *ss, char *args) { return bdat_cmd(ss, args); }

static const struct verb verbs[] = {
	{ "HELO", V_LAST, cmd_helo },
	{ "EHLO", V_LAST, cmd_ehlo },
	{ "STARTTLS", 0, cmd_starttls },
	{ "AUTH", 0, cmd_auth },
	{ "MAIL", 0, cmd_mail },
	{ "RCPT", 0, cmd_rcpt },
	{ "DATA", V_LAST, cmd_data },
	{ "BDAT", 0, cmd_bdat },
	{ "RSET", V_JUNK, cmd_rset },
	{ "NOOP", V_LAST | V_JUNK, cmd_noop },
	{ "VRFY", V_LAST | V_JUNK, cmd_vrfy },
	{ "ETRN", V_JUNK, cmd_etrn },
	{ "QUIT", 0, cmd_quit },
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))
_Static_assert(NVERBS + 1 <= SESSION_NSTATS, "SESSION_NSTATS too small for the verb table");
static const char *const stat_names[NVERBS + 1] = {
	"helo", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "bdat", "rset", "noop", "vrfy", "etrn", "quit", "unknown"
};

/* count - statistics for the disconnect line */
static void count(struct session *ss, unsigned idx, int ok)
{
	if (ss->nstats == 0) {
		for (unsigned i = 0; i <= NVERBS; i++)
			ss->stats[i].name = stat_names[i];
		ss->nstats = NVERBS + 1;
	}
	ss->stats[idx].total++;
	ss->cmd_total++;
	if (ok) {
		ss->stats[idx].ok++;
		ss->cmd_ok++;
	}
}

/* forbidden - a non-SMTP command (HTTP proxy probes, header lines) */
static int forbidden(const char *verb)
{
	size_t n = strlen(verb);

	if (!isalpha((unsigned char)verb[0]))
		return 1;
	if (n > 0 && verb[n - 1] == ':')
		return 1;
	return strcasecmp(verb, "CONNECT") == 0 || strcasecmp(verb, "GET") == 0 || strcasecmp(verb, "POST") == 0;
}

int commands_dispatch(struct session *ss, char *line, size_t len)
{
	char *args, *end;
	unsigned idx;
	int ret;

	if (memchr(line, '\0', len) != NULL) {
		ss->where = "UNKNOWN";
		count(ss, NVERBS, 0);
		reply(ss, "500 5.5.2 Error: bad syntax");
		return -1;
	}
	end = line + len;
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0') {
		count(ss, NVERBS, 0);
		reply(ss, "500 5.5.2 Error: bad syntax");
		return -1;
	}
	args = line + strcspn(line, " \t");
	if (*args != '\0') {
		*args++ = '\0';
		while (*args == ' ' || *args == '\t')
			args++;
	}
	if (forbidden(line)) {
		msg_warn("non-SMTP command from %s: %s%s%s", ss->namaddr, line, *args ? " " : "",
			 session_printable(args, strlen(args), 100));
		reply(ss, "221 2.7.0 Error: I can break rules, too. Goodbye.");
		ss->quit = 1;
		return -1;
	}
	for (idx = 0; idx < NVERBS; idx++)
		if (strcasecmp(line, verbs[idx].name) == 0)
			break;
	if (idx == NVERBS) {
		ss->where = "UNKNOWN";
		count(ss, NVERBS, 0);
		reply(ss, "502 5.5.2 Error: command not recognized");
		return -1;
	}
	ss->where = verbs[idx].name;
	if (ss->deny_reply != NULL && verbs[idx].fn != cmd_quit) {
		count(ss, idx, 0);
		reply(ss, "503 5.7.0 Error: access denied for %s", ss->namaddr);
		return -1;
	}
	if ((verbs[idx].flags & V_JUNK) && ++ss->junk_count > ss->cf->junk_limit)
		ss->error_count++;
	if ((verbs[idx].flags & V_LAST) || (!ss->esmtp && verbs[idx].fn != cmd_bdat)) {
		if (session_pipelining_check(ss, verbs[idx].name) < 0) {
			count(ss, idx, 0);
			return -1;
		}
	}
	ret = verbs[idx].fn(ss, args);
	count(ss, idx, ret == 0);
	return ret;
}
