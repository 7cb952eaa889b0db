/*
 * checks - header_checks, mime_header_checks, nested_header_checks and
 * body_checks actions (header_checks(5)), with Postfix's log lines:
 *
 *   ID: reject: header Subject: bad from host[1.2.3.4]; from=<a@b> to=<c@d> proto=ESMTP helo=<h>: 5.7.1 text
 *
 * Actions: REJECT [text] (5.7.1 unless the text starts with a 4.x.x/5.x.x
 * code; a 4.x.x code defers), DEFER [text] (4.7.1), WARN, INFO, HOLD,
 * DISCARD, REDIRECT addr, BCC addr, FILTER transport:dest, PREPEND text,
 * REPLACE text, IGNORE, DUNNO, OK.  A table lookup error defers the message
 * (4.3.0), it never rejects.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "core/log.h"
#include "core/mem.h"
#include "maps/maps.h"

void act_log(struct cleanup *c, const char *action, const char *cls, const char *text,
	     const char *optional)
{
	struct buf b;
	const char *proto = attr_get(&c->env, "protocol");
	const char *helo = attr_get(&c->env, "helo");

	buf_init(&b, 0);
	buf_printf(&b, "%s: %s: %s %.200s from %s;", c->queue_id, action, cls, text,
		   c->log_origin);
	if (c->sender != NULL)
		buf_printf(&b, " from=<%s>", c->sender);
	if (c->first_rcpt != NULL)
		buf_printf(&b, " to=<%s>", c->first_rcpt);
	if (proto != NULL && *proto)
		buf_printf(&b, " proto=%s", proto);
	if (helo != NULL && *helo)
		buf_printf(&b, " helo=<%s>", helo);
	if (optional != NULL && *optional)
		buf_printf(&b, ": %s", optional);
	msg_info("%s", buf_cstr(&b));
	buf_deinit(&b);
}

/* dsn_valid - text starts with "d.d{1,3}.d{1,3}" then space or end; returns its length */
static size_t dsn_valid(const char *t)
{
	size_t i = 0, n;

	if (t[0] != '2' && t[0] != '4' && t[0] != '5')
		return 0;
	i = 1;
	for (int part = 0; part < 2; part++) {
		if (t[i] != '.')
			return 0;
		i++;
		for (n = 0; isdigit((unsigned char)t[i]) && n < 3; n++)
			i++;
		if (n == 0)
			return 0;
	}
	return t[i] == '\0' || t[i] == ' ' || t[i] == '\t' ? i : 0;
}

/* dsn_prepend - "d.d.d text": keep a code the text starts with, else prepend def */
static char *dsn_prepend(const char *def, const char *text)
{
	if (dsn_valid(text))
		return xstrdup(text);
	return xasprintf("%s %s", def, text);
}

void cleanup_fail(struct cleanup *c, unsigned err, const char *reason)
{
	c->errs |= err;
	if (reason != NULL && c->reason == NULL)
		c->reason = xstrdup(reason);
}

/* act_reject - REJECT/DEFER: the reason decides between 4xx and 5xx */
static void act_reject(struct cleanup *c, const char *ctx, const char *text, const char *opt,
		       const char *def_dsn, const char *def_text, int force_4)
{
	char *reason = dsn_prepend(def_dsn, *opt ? opt : def_text);

	if (force_4 || (reason[0] != '4' && reason[0] != '5')) {
		if (reason[0] != '4' && !force_4)
			msg_warn("bad DSN action in %s -- need 4.x.x or 5.x.x", opt);
		reason[0] = '4';
	}
	act_log(c, "reject", ctx, text, reason);
	xfree(c->reason);
	c->reason = reason;
	c->errs |= reason[0] == '4' ? CLEANUP_ERR_DEFER : CLEANUP_ERR_CONT;
	c->filter = c->body_filter = 0;
}

/* act_text_ok - PREPEND/REPLACE text: needed, and a header for header checks */
static int act_text_ok(const char *verb, const char *ctx, const char *opt, const char *param)
{
	if (*opt == '\0') {
		msg_warn("%s action without text in %s map", verb, param);
		return 0;
	}
	if (strcmp(ctx, "header") == 0 && header_is(opt, strlen(opt)) == 0) {
		msg_warn("bad %s header text \"%s\" in %s map -- need \"headername: headervalue\"", verb,
			 opt, param);
		return 0;
	}
	return 1;
}

/* act - one action; returns ACT_* */
static int act(struct cleanup *c, const char *ctx, const char *text, const char *value,
	       const char *param, char **repl_r)
{
	size_t cmdlen = strcspn(value, " \t");
	const char *opt = value + cmdlen;

	while (*opt == ' ' || *opt == '\t')
		opt++;
#define IS(word) (cmdlen == strlen(word) && strncasecmp(value, word, cmdlen) == 0)
	if (IS("REJECT")) {
		act_reject(c, ctx, text, opt, "5.7.1", "message content rejected", 0);
	} else if (IS("DEFER")) {
		act_reject(c, ctx, text, opt, "4.7.1", "service unavailable", 1);
	} else if (IS("WARN")) {
		act_log(c, "warning", ctx, text, opt);
	} else if (IS("INFO")) {
		act_log(c, "info", ctx, text, opt);
	} else if (IS("FILTER")) {
		if (*opt == '\0' || strchr(opt, ':') == NULL) {
			msg_warn("bad FILTER command %s in %s -- need transport:destination", opt, param);
		} else {
			xfree(c->filter_dest);
			c->filter_dest = xstrdup(opt);
			act_log(c, "filter", ctx, text, opt);
		}
	} else if (IS("DISCARD")) {
		act_log(c, "discard", ctx, text, opt);
		c->discard = 1;
		c->filter = c->body_filter = 0;
	} else if (IS("HOLD")) {
		if (!c->hold && !c->discard) {
			act_log(c, "hold", ctx, text, opt);
			c->hold = 1;
		}
	} else if (IS("PREPEND")) {
		if (act_text_ok("PREPEND", ctx, opt, param)) {
			act_log(c, "prepend", ctx, text, opt);
			out_text(c, opt, strlen(opt));
		}
	} else if (IS("REPLACE")) {
		if (act_text_ok("REPLACE", ctx, opt, param)) {
			act_log(c, "replace", ctx, text, opt);
			*repl_r = xstrdup(opt);
			return ACT_REPLACE;
		}
	} else if (IS("REDIRECT")) {
		if (strchr(opt, '@') == NULL) {
			msg_warn("bad REDIRECT target \"%s\" in %s map -- need user@domain", opt, param);
		} else {
			xfree(c->redirect);
			c->redirect = xstrdup(opt);
			act_log(c, "redirect", ctx, text, opt);
			c->filter = c->body_filter = 0;
		}
	} else if (IS("BCC")) {
		if (strchr(opt, '@') == NULL) {
			msg_warn("bad BCC address \"%s\" in %s map -- need user@domain", opt, param);
		} else if (c->bcc.n < 100) {
			argv_add(&c->bcc, opt);
			act_log(c, "bcc", ctx, text, opt);
		}
	} else if (IS("IGNORE")) {
		return ACT_DROP;
	} else if (IS("DUNNO") || IS("OK")) {
		return ACT_KEEP;
	} else {
		msg_warn("unknown command in %s map: %s", param, value);
	}
#undef IS
	return ACT_KEEP;
}

void checks_act(struct cleanup *c, const char *ctx, const char *text, const char *value,
		const char *param)
{
	char *repl = NULL;

	if (act(c, ctx, text, value, param, &repl) == ACT_REPLACE)
		xfree(repl);
}

int checks_run(struct cleanup *c, struct maplist *ml, const char *ctx, const char *text,
	       char **repl_r)
{
	const char *value, *error;
	int r;

	if (maplist_empty(ml))
		return ACT_KEEP;
	r = maplist_find(ml, text, 0, &value, &error);
	if (r == MAP_ERROR) {
		msg_warn("%s: %s map lookup problem -- message not accepted, try again later: %s",
			 c->queue_id, ml->param, error);
		c->errs |= CLEANUP_ERR_WRITE;
		return ACT_KEEP;
	}
	if (r == MAP_NOTFOUND)
		return ACT_KEEP;
	return act(c, ctx, text, value, ml->param, repl_r);
}
