/*
 * rewrite - address rewriting as Postfix's cleanup does it:
 *
 *   rewrite_local()    trivial-rewrite's "local" context: a bare "user"
 *                      gets @$myorigin (append_at_myorigin), "user@host"
 *                      gets .$mydomain (append_dot_mydomain), a trailing
 *                      dot goes away
 *   rewrite_map11()    canonical_maps & co: one address to one address,
 *                      repeated while the result changes (at most 10 times)
 *   rewrite_masq()     masquerade_domains with masquerade_exceptions
 *   rewrite_virtual()  virtual_alias_maps: one address to many, recursive;
 *                      an address that expands to itself is kept (once),
 *                      the expansion is bounded by
 *                      virtual_alias_expansion_limit and
 *                      virtual_alias_recursion_limit (a loop a -> b -> a
 *                      hits the recursion limit: the message is deferred,
 *                      as Postfix does)
 *
 * Table search order for an address (canonical(5), virtual(5)): user@domain,
 * user@domain without the recipient_delimiter extension, then user and
 * user without extension when the domain is local ($myorigin,
 * $mydestination, $inet_interfaces, $proxy_interfaces), then @domain.
 * regexp/pcre/cidr tables see only the full address.  An extension stripped
 * for the lookup is put back on the result (propagate_unmatched_extensions).
 * Results are table text (external form) and are unquoted.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "hdr_addr.h"
#include "maps/maps.h"

#define MAP11_MAX_RECURSION 10

char *rewrite_local(struct cleanup *c, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t len = strlen(addr);

	if (*addr == '\0')
		return xstrdup(addr);
	if (at == NULL)
		return c->cf->append_at_myorigin && *c->cf->myorigin
			? xasprintf("%s@%s", addr, c->cf->myorigin) : xstrdup(addr);
	if (len > 1 && addr[len - 1] == '.' && at[1] != '\0')
		return xstrndup(addr, len - 1);
	if (c->cf->append_dot_mydomain && strchr(at, '.') == NULL && at[1] != '[' && at[1] != '\0'
	    && *c->cf->mydomain)
		return xasprintf("%s.%s", addr, c->cf->mydomain);
	return xstrdup(addr);
}

/* is_local - the domain qualifies for the bare "user" lookup */
static int is_local(struct cleanup *c, const char *domain)
{
	const char *error;

	int r;

	if (*domain == '\0' || strcasecmp(domain, c->cf->myorigin) == 0)
		return 1;
	if ((r = domlist_match(&c->cf->local_domains, domain, &error)) < 0) {
		msg_warn("%s: mydestination lookup problem for %s -- message not accepted, try again later: %s",
			 c->queue_id, domain, error);
		c->errs |= CLEANUP_ERR_WRITE;
		return 0;
	}
	return r;
}

struct lookup {
	const char *value;	/* table result */
	char *ext;		/* extension removed for the matching key (malloc'ed), or NULL */
};

/* addr_lookup_ext - the search order above for an external-form address */
static int addr_lookup_ext(struct cleanup *c, struct maplist *ml, const char *addr,
			   struct lookup *lk, const char **error_r)
{
	const char *at = strrchr(addr, '@');
	const char *dom = at != NULL ? at + 1 : "";
	size_t llen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	size_t base = llen;
	const char *delims = c->cf->recipient_delimiter;
	char *key;
	int r;

	lk->ext = NULL;
	if ((r = maplist_find(ml, addr, 0, &lk->value, error_r)) != MAP_NOTFOUND)
		return r;
	if (*delims) {
		size_t d = strcspn(addr, delims);

		if (d > 0 && d < llen)
			base = d;
	}
#define TRY(k, ext_from) do { \
		key = (k); \
		r = maplist_find(ml, key, 1, &lk->value, error_r); \
		xfree(key); \
		if (r != MAP_NOTFOUND) { \
			if (r == MAP_FOUND && (ext_from) != NULL) \
				lk->ext = xstrndup((ext_from), llen - base); \
			return r; \
		} \
	} while (0)
	if (at != NULL && base < llen)
		TRY(xasprintf("%.*s%s", (int)base, addr, at), addr + base);
	if (is_local(c, dom)) {
		if (at != NULL)
			TRY(xstrndup(addr, llen), (const char *)NULL);
		if (base < llen)
			TRY(xstrndup(addr, base), addr + base);
	}
	if (at != NULL)
		TRY(xstrdup(at), (const char *)NULL);
#undef TRY
	return MAP_NOTFOUND;
}

/* addr_lookup - look up an internal-form address (tables hold the external form) */
static int addr_lookup(struct cleanup *c, struct maplist *ml, const char *iaddr,
		       struct lookup *lk, const char **error_r)
{
	char *ext_form = hdr_addr_external(iaddr);
	int ret = addr_lookup_ext(c, ml, ext_form, lk, error_r);

	xfree(ext_form);
	return ret;
}

/*
 * lookup_result - one table result item (external form) as an internal
 * address: "@domain" keeps the original local part, a stripped extension
 * is put back when propagate is set, a bare name gets @$myorigin.
 */
static char *lookup_result(struct cleanup *c, const char *orig, const char *item, size_t len,
			   const char *ext, int propagate)
{
	char *v = hdr_addr_internal(item, len), *r;

	if (v[0] == '@') {
		const char *at = strrchr(orig, '@');

		r = xasprintf("%.*s%s", (int)(at != NULL ? at - orig : (long)strlen(orig)), orig, v);
		xfree(v);
		v = r;
	} else if (ext != NULL && propagate) {
		const char *at = strrchr(v, '@');
		size_t l = at != NULL ? (size_t)(at - v) : strlen(v);

		r = xasprintf("%.*s%s%s", (int)l, v, ext, at != NULL ? at : "");
		xfree(v);
		v = r;
	}
	r = rewrite_local(c, v);
	xfree(v);
	return r;
}

int rewrite_map11(struct cleanup *c, struct maplist *ml, char **addr, int propagate)
{
	int did = 0;

	if (maplist_empty(ml) || **addr == '\0')
		return 0;
	for (int count = 0; count < MAP11_MAX_RECURSION; count++) {
		struct lookup lk;
		const char *error;
		int r = addr_lookup(c, ml, *addr, &lk, &error);
		size_t n;
		char *v;

		if (r == MAP_ERROR) {
			msg_warn("%s: %s map lookup problem for %s -- message not accepted, try again later: %s",
				 c->queue_id, ml->param, *addr, error);
			c->errs |= CLEANUP_ERR_WRITE;
			return did;
		}
		if (r == MAP_NOTFOUND)
			return did;
		n = strcspn(lk.value, ",");
		if (lk.value[n] != '\0')
			msg_warn("%s: multi-valued %s entry for %s", c->queue_id, ml->param, *addr);
		v = lookup_result(c, *addr, lk.value, n, lk.ext, propagate);
		xfree(lk.ext);
		if (strcasecmp(v, *addr) == 0) {
			xfree(v);
			return did;
		}
		xfree(*addr);
		*addr = v;
		did = 1;
	}
	msg_warn("%s: unreasonable %s map nesting for %s", c->queue_id, ml->param, *addr);
	return did;
}

void rewrite_masq(struct cleanup *c, char **addr)
{
	const char *at = strrchr(*addr, '@');
	const char *domain, *error;
	size_t dlen;
	char *local;
	int r;

	if (at == NULL || c->cf->masq_domains.n == 0)
		return;
	domain = at + 1;
	dlen = strlen(domain);
	local = xstrndup(*addr, (size_t)(at - *addr));
	r = c->cf->masq_except.items.n + c->cf->masq_except.tables.n > 0
		? domlist_match(&c->cf->masq_except, local, &error) : 0;
	xfree(local);
	if (r != 0)
		return;
	for (size_t i = 0; i < c->cf->masq_domains.n; i++) {
		const char *m = c->cf->masq_domains.v[i];
		int excl = m[0] == '!';
		size_t mlen;

		m += excl;
		mlen = strlen(m);
		if (mlen == 0)
			continue;
		if (mlen == dlen) {
			if (strcasecmp(m, domain) == 0)
				return;
		} else if (mlen < dlen) {
			const char *parent = domain + dlen - mlen;

			if (parent[-1] == '.' && strcasecmp(m, parent) == 0) {
				char *n;

				if (excl)
					return;
				n = xasprintf("%.*s@%s", (int)(at - *addr), *addr, m);
				xfree(*addr);
				*addr = n;
				return;
			}
		}
	}
}

/* lower - lower-cased copy (been-here keys) */
static char *lower(const char *s)
{
	char *l = xstrdup(s);

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

/* been_here - mark/check an address that expanded to itself */
static int been_here(struct hash *h, const char *addr, int mark)
{
	char *k = lower(addr);
	int r = hash_lookup(h, k) != NULL;

	if (mark && !r)
		hash_insert(h, k, (void *)1);
	xfree(k);
	return r;
}

/* expand_one - replace out->v[arg] by its table result; 1 expanded, 0 not, -1 defer */
static int expand_one(struct cleanup *c, struct argv *out, size_t arg, struct hash *self)
{
	struct maplist *ml = c->cf->virtual_alias;
	struct lookup lk;
	const char *error, *p;
	char *saved;
	int r = addr_lookup(c, ml, out->v[arg], &lk, &error), first = 1;

	if (r == MAP_ERROR) {
		msg_warn("%s: %s map lookup problem for %s -- message not accepted, try again later: %s",
			 c->queue_id, ml->param, out->v[arg], error);
		return -1;
	}
	if (r == MAP_NOTFOUND)
		return 0;
	saved = xstrdup(out->v[arg]);
	for (p = lk.value; *p != '\0';) {
		size_t n = strcspn(p, ", \t");
		char *v;

		if (n == 0) {
			p++;
			continue;
		}
		if ((long long)n > c->cf->virt_addrlen_limit) {
			msg_warn("%s: unreasonable %s result %.300s... -- message not accepted, try again later",
				 c->queue_id, ml->param, p);
			xfree(saved);
			xfree(lk.ext);
			return -1;
		}
		v = lookup_result(c, saved, p, n, lk.ext, c->cf->prop_virtual);
		if (first) {
			xfree(out->v[arg]);
			out->v[arg] = v;
			first = 0;
		} else {
			argv_add(out, v);
			xfree(v);
			v = out->v[out->n - 1];
		}
		if (strcasecmp(saved, v) == 0)
			been_here(self, saved, 1);
		p += n;
		if ((long long)out->n > c->cf->virt_expan_limit + 1)
			break;
	}
	xfree(saved);
	xfree(lk.ext);
	return first ? 0 : 1;
}

int rewrite_virtual(struct cleanup *c, const char *addr, struct argv *out)
{
	struct hash *self = hash_create(16);
	int ret = 0;

	argv_add(out, addr);
	if (maplist_empty(c->cf->virtual_alias) || *addr == '\0')
		goto done;
	for (size_t arg = 0; arg < out->n; arg++) {
		if ((long long)out->n > c->cf->virt_expan_limit) {
			msg_warn("%s: unreasonable %s map expansion size for %s -- message not accepted, try again later",
				 c->queue_id, c->cf->virtual_alias->param, addr);
			ret = -1;
			break;
		}
		for (long long count = 0;; count++) {
			int r;

			if (been_here(self, out->v[arg], 0))
				break;
			if (count >= c->cf->virt_recur_limit) {
				msg_warn("%s: unreasonable %s map nesting for %s -- message not accepted, try again later",
					 c->queue_id, c->cf->virtual_alias->param, addr);
				ret = -1;
				goto done;
			}
			if ((r = expand_one(c, out, arg, self)) < 0) {
				ret = -1;
				goto done;
			}
			if (r == 0)
				break;
		}
	}
done:
	hash_destroy(&self, NULL);
	if (ret < 0) {
		argv_truncate(out, 0);
		argv_add(out, addr);
		c->errs |= CLEANUP_ERR_WRITE;
	}
	return ret;
}

int rewrite_lookup(struct cleanup *c, struct maplist *ml, const char *addr, char **result_r)
{
	struct lookup lk;
	const char *error;
	int r;

	if (maplist_empty(ml) || *addr == '\0')
		return 0;
	r = addr_lookup(c, ml, addr, &lk, &error);
	if (r == MAP_ERROR) {
		msg_warn("%s: %s map lookup problem for %s -- message not accepted, try again later: %s",
			 c->queue_id, ml->param, addr, error);
		c->errs |= CLEANUP_ERR_WRITE;
		return -1;
	}
	if (r == MAP_NOTFOUND)
		return 0;
	*result_r = lookup_result(c, addr, lk.value, strcspn(lk.value, ","), NULL, 0);
	xfree(lk.ext);
	return 1;
}

int rewrite_header_addr(struct cleanup *c, char **addr, int sender)
{
	struct cleanup_conf *cf = c->cf;
	unsigned cls = sender ? CLASS_HDR_FROM : CLASS_HDR_RCPT;
	char *n;
	int did = 0;

	if (c->hdr_ctx == 1) {
		n = rewrite_local(c, *addr);
	} else if (strchr(*addr, '@') == NULL && *cf->remote_header_rewrite_domain) {
		n = xasprintf("%s@%s", *addr, cf->remote_header_rewrite_domain);
	} else {
		n = xstrdup(*addr);
	}
	if (strcmp(n, *addr) != 0)
		did = 1;
	xfree(*addr);
	*addr = n;
	if (!c->map_ok)
		return did;
	if (sender && (cf->send_canon_classes & cls))
		did |= rewrite_map11(c, cf->send_canonical, addr, cf->prop_canonical);
	if (!sender && (cf->rcpt_canon_classes & cls))
		did |= rewrite_map11(c, cf->rcpt_canonical, addr, cf->prop_canonical);
	if (cf->canon_classes & cls)
		did |= rewrite_map11(c, cf->canonical, addr, cf->prop_canonical);
	if (cf->masq_classes & cls) {
		n = xstrdup(*addr);
		rewrite_masq(c, addr);
		did |= strcmp(n, *addr) != 0;
		xfree(n);
	}
	return did;
}
