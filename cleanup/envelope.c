/*
 * envelope - the envelope list of the cleanup protocol: origin, sender,
 * recipients (with their DSN ORCPT/NOTIFY), client attributes.
 *
 * The sender is rewritten at once (local canonicalisation,
 * sender_canonical_maps, canonical_maps, masquerading, each as its class
 * list says) and written before the content.  Recipients are rewritten
 * (recipient_canonical_maps, canonical_maps, masquerading) and expanded
 * with virtual_alias_maps, but written only after the content (the X
 * section), because header/body checks can still REDIRECT the message or
 * add BCC recipients.  Duplicates (same original recipient, same final
 * address, same DSN data) are written once, up to duplicate_filter_limit
 * remembered pairs.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "queue/qfile.h"

#define RCPT_MAX	100000	/* final recipients of one message (memory bound) */

/* attributes copied from the envelope list into A records, in this order */
static const char *const env_attrs[] = {
	"origin", "client_name", "client_addr", "client_port", "reverse_name", "helo", "protocol",
	"sasl_method", "sasl_username", "body_type", "smtputf8", "dsn_envid", "dsn_ret", "uid",
	"full_name", NULL,
};

void rcpt_add(struct rcpt_list *l, const char *orig, const char *addr, const char *orcpt,
	      const char *notify)
{
	struct rcpt *r;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 8;
		l->v = xreallocarray(l->v, l->alloc, sizeof(*l->v));
	}
	r = &l->v[l->n++];
	r->orig = xstrdup(orig);
	r->addr = xstrdup(addr);
	r->orcpt = orcpt != NULL && *orcpt ? xstrdup(orcpt) : NULL;
	r->notify = notify != NULL && *notify ? xstrdup(notify) : NULL;
}

void rcpt_list_free(struct rcpt_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		xfree(l->v[i].orig);
		xfree(l->v[i].addr);
		xfree(l->v[i].orcpt);
		xfree(l->v[i].notify);
	}
	xfree(l->v);
	memset(l, 0, sizeof(*l));
}

/* valid_addr - an address (or attribute) we accept from the envelope: bounded, no control characters */
static int valid_addr(const char *a)
{
	size_t n = strlen(a);

	if (n > 4000)
		return 0;
	for (; *a; a++)
		if ((unsigned char)*a < 32 || *a == 127)
			return 0;
	return 1;
}

/* rewrite_sender - the envelope sender path */
static char *rewrite_sender(struct cleanup *c, const char *sender)
{
	struct cleanup_conf *cf = c->cf;
	char *s = rewrite_local(c, sender);

	if (!c->map_ok || *s == '\0')
		return s;
	if (cf->send_canon_classes & CLASS_ENV_FROM)
		rewrite_map11(c, cf->send_canonical, &s, cf->prop_canonical);
	if (cf->canon_classes & CLASS_ENV_FROM)
		rewrite_map11(c, cf->canonical, &s, cf->prop_canonical);
	if (cf->masq_classes & CLASS_ENV_FROM)
		rewrite_masq(c, &s);
	return s;
}

/* dup_seen - the duplicate filter */
static int dup_seen(struct cleanup *c, const char *orig, const char *addr, const char *orcpt,
		    const char *notify)
{
	char *key = xasprintf("%s\n%s\n%s\n%s", orcpt ? orcpt : "", notify ? notify : "", orig, addr);
	int seen;

	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	seen = hash_lookup(c->dups, key) != NULL;
	if (!seen && (long long)hash_count(c->dups) < c->cf->dup_filter_limit)
		hash_insert(c->dups, key, (void *)1);
	xfree(key);
	return seen;
}

void recipient_out(struct cleanup *c, const char *orig, const char *addr, const char *orcpt,
		   const char *notify)
{
	struct cleanup_conf *cf = c->cf;
	char *r = rewrite_local(c, addr);
	struct argv exp;

	if (c->map_ok) {
		if (cf->rcpt_canon_classes & CLASS_ENV_RCPT)
			rewrite_map11(c, cf->rcpt_canonical, &r, cf->prop_canonical);
		if (cf->canon_classes & CLASS_ENV_RCPT)
			rewrite_map11(c, cf->canonical, &r, cf->prop_canonical);
		if (cf->masq_classes & CLASS_ENV_RCPT)
			rewrite_masq(c, &r);
	}
	argv_init(&exp);
	if (c->map_ok)
		rewrite_virtual(c, r, &exp);
	else
		argv_add(&exp, r);
	for (size_t i = 0; i < exp.n && out_ok(c); i++) {
		if (dup_seen(c, orig, exp.v[i], orcpt, notify))
			continue;
		if (c->out.n >= RCPT_MAX) {
			msg_warn("%s: more than %d recipients -- message not accepted, try again later",
				 c->queue_id, RCPT_MAX);
			c->errs |= CLEANUP_ERR_WRITE;
			break;
		}
		rcpt_add(&c->out, orig, exp.v[i], orcpt, notify);
	}
	argv_deinit(&exp);
	xfree(r);
}

/* default_context - rewrite_context when the client sent none */
static const char *default_context(const char *origin)
{
	return strcmp(origin, "smtpd") == 0 ? "remote" : "local";
}

int envelope_process(struct cleanup *c, const char **error_r)
{
	struct attr_list *e = &c->env;
	const char *sender = attr_get(e, "sender"), *ctx, *flags, *name, *addr;
	const char *cur_orcpt = NULL, *cur_notify = NULL;
	size_t i, last_rcpt = (size_t)-1;

	c->origin = attr_get(e, "origin") ? attr_get(e, "origin") : "smtpd";
	if (sender == NULL || !valid_addr(sender)) {
		*error_r = sender == NULL ? "no sender in the envelope" : "malformed sender address";
		return -1;
	}
	ctx = attr_get(e, "rewrite_context");
	if (ctx == NULL || (strcmp(ctx, "local") != 0 && strcmp(ctx, "remote") != 0))
		ctx = default_context(c->origin);
	c->hdr_ctx = strcmp(ctx, "local") == 0 ? 1 : *c->cf->remote_header_rewrite_domain ? 2 : 0;
	flags = attr_get(e, "flags") ? attr_get(e, "flags") : "";
	c->map_ok = strstr(flags, "no_address_mappings") == NULL;
	c->filter = strstr(flags, "no_header_checks") == NULL;
	c->body_filter = strstr(flags, "no_body_checks") == NULL;
	c->extract = strstr(flags, "extract_recipients") != NULL;
	if (strcmp(c->origin, "local") == 0 || strcmp(c->origin, "bounce") == 0) {
		/* internal mail: forwarded mail was inspected when it arrived; notifications
		 * only when internal_mail_filter_classes says so (as Postfix) */
		int inspect = strcmp(c->origin, "bounce") == 0 && c->cf->filter_bounces;

		c->filter = c->filter && inspect;
		c->body_filter = c->body_filter && inspect;
	}
	name = attr_get(e, "client_name");
	addr = attr_get(e, "client_addr");
	if (addr != NULL && *addr)
		c->log_origin = xasprintf("%s[%s]", name && *name ? name : "unknown", addr);
	else
		c->log_origin = xstrdup(strcmp(c->origin, "smtpd") == 0 ? "unknown" : "local");
	c->sender = rewrite_sender(c, sender);
	/* recipients: orcpt/notify after a rcpt belong to it */
	for (i = 0; i <= e->names.n; i++) {
		const char *n = i < e->names.n ? e->names.v[i] : NULL;

		if (n != NULL && strcmp(n, "orcpt") == 0 && last_rcpt != (size_t)-1)
			cur_orcpt = e->values.v[i];
		else if (n != NULL && strcmp(n, "notify") == 0 && last_rcpt != (size_t)-1)
			cur_notify = e->values.v[i];
		if (n == NULL || strcmp(n, "rcpt") == 0) {
			if (last_rcpt != (size_t)-1) {
				const char *r = e->values.v[last_rcpt];

				if (*r == '\0' || !valid_addr(r))
					msg_warn("%s: ignoring malformed recipient", c->queue_id);
				else
					rcpt_add(&c->in, r, r, cur_orcpt, cur_notify);
			}
			last_rcpt = i;
			cur_orcpt = cur_notify = NULL;
		}
	}
	if (c->in.n > 0)
		c->first_rcpt = xstrdup(c->in.v[0].orig);
	return 0;
}

/* write_time - the T record: the client's arrival time when it is a valid number */
static void write_time(struct cleanup *c)
{
	const char *t = attr_get(&c->env, "time");
	char *end;

	if (t != NULL && strtod(t, &end) > 0 && *end == '\0' && strlen(t) < 40)
		out_recf(c, QREC_TIME, "%s", t);
	else
		out_recf(c, QREC_TIME, "%ld.%06ld", (long)c->ctime.tv_sec, (long)c->ctime.tv_usec);
}

void envelope_write(struct cleanup *c)
{
	write_time(c);
	out_rec(c, QREC_FROM, c->sender, strlen(c->sender));
	for (size_t i = 0; env_attrs[i] != NULL; i++) {
		const char *v = attr_get(&c->env, env_attrs[i]);

		if (strcmp(env_attrs[i], "origin") == 0)
			v = c->origin;
		if (v != NULL && *v && strlen(v) < 4096 && valid_addr(v))
			out_recf(c, QREC_ATTR, "%s=%s", env_attrs[i], v);
		else if (v != NULL && *v)
			msg_warn("%s: ignoring malformed %s attribute", c->queue_id, env_attrs[i]);
	}
	out_recf(c, QREC_ATTR, "rewrite_context=%s", c->hdr_ctx == 1 ? "local" : "remote");
	if (c->log_origin != NULL && valid_addr(c->log_origin))
		out_recf(c, QREC_ATTR, "log_origin=%s", c->log_origin);
}

/* bcc_one - an automatic BCC recipient (NOTIFY=NEVER, as Postfix) */
static void bcc_one(struct cleanup *c, const char *addr)
{
	if (*addr != '\0' && valid_addr(addr))
		recipient_out(c, addr, addr, NULL, "NEVER");
}

/*
 * auto_bcc - recipient_bcc_maps (per envelope recipient), sender_bcc_maps,
 * always_bcc: only for new mail (smtpd, pickup), not for forwarded mail or
 * notifications, and not when address mappings are off.
 */
static void auto_bcc(struct cleanup *c)
{
	char *bcc;

	if (!c->map_ok || (strcmp(c->origin, "smtpd") != 0 && strcmp(c->origin, "pickup") != 0
			   && strcmp(c->origin, "sendmail") != 0))
		return;
	for (size_t i = 0; c->redirect == NULL && i < c->in.n && out_ok(c); i++) {
		char *r = rewrite_local(c, c->in.v[i].addr);

		if (rewrite_lookup(c, c->cf->rcpt_bcc, r, &bcc) > 0) {
			bcc_one(c, bcc);
			xfree(bcc);
		}
		xfree(r);
	}
	if (out_ok(c) && rewrite_lookup(c, c->cf->sender_bcc, c->sender, &bcc) > 0) {
		bcc_one(c, bcc);
		xfree(bcc);
	}
	if (out_ok(c) && *c->cf->always_bcc) {
		bcc = rewrite_local(c, c->cf->always_bcc);
		bcc_one(c, bcc);
		xfree(bcc);
	}
}

/* final_recipients - the envelope recipients, or the REDIRECT target; then BCCs */
static void final_recipients(struct cleanup *c)
{
	if (c->redirect != NULL) {
		recipient_out(c, c->redirect, c->redirect, NULL, NULL);
	} else {
		struct rcpt_list *x = &c->xrcpt[c->resent ? 1 : 0];

		for (size_t i = 0; i < c->in.n && out_ok(c); i++)
			recipient_out(c, c->in.v[i].orig, c->in.v[i].addr, c->in.v[i].orcpt,
				      c->in.v[i].notify);
		for (size_t i = 0; c->extract && i < x->n && out_ok(c); i++)
			recipient_out(c, x->v[i].orig, x->v[i].addr, NULL, NULL);
	}
	for (size_t i = 0; i < c->bcc.n && out_ok(c); i++)
		recipient_out(c, c->bcc.v[i], c->bcc.v[i], NULL, "NEVER");
	auto_bcc(c);
}

void envelope_finish(struct cleanup *c)
{
	if (!out_ok(c))
		return;
	final_recipients(c);
	if (!out_ok(c))
		return;
	if (c->out.n == 0) {
		cleanup_fail(c, CLEANUP_ERR_RCPT, NULL);
		return;
	}
	out_rec(c, QREC_XTRA, "", 0);
	out_recf(c, QREC_SIZE, "%lld %lld %zu", c->content_size, (long long)c->content_offset,
		 c->out.n);
	if (c->saw_8bit_cte && c->cf->detect_8bit_hdr) {
		const char *bt = attr_get(&c->env, "body_type");

		if (bt == NULL || strcmp(bt, "8BITMIME") != 0)
			out_rec(c, QREC_ATTR, "body_type=8BITMIME", 18);
	}
	if (c->filter_dest != NULL)
		out_recf(c, QREC_ATTR, "filter=%s", c->filter_dest);
	for (size_t i = 0; i < c->out.n; i++) {
		struct rcpt *r = &c->out.v[i];

		if (r->orcpt != NULL)
			out_rec(c, QREC_ORCPT, r->orcpt, strlen(r->orcpt));
		if (r->notify != NULL)
			out_rec(c, QREC_NOTIFY, r->notify, strlen(r->notify));
		if (c->cf->enable_orig_rcpt)
			out_recf(c, QREC_ATTR, "orig_rcpt=%s", r->orig);
		out_rec(c, QREC_RCPT, r->addr, strlen(r->addr));
	}
}
