/*
 * route - where a recipient really goes, for relay control: the address
 * class of its final domain and whether it was routed.  This follows
 * trivial-rewrite's resolver: when the domain is local, a local part that
 * still holds a route is resolved again: "\"user@other\"@local" (an '@'
 * in the quoted local part), "other!user@local" (swap_bangpath) and
 * "user%other@local" (allow_percent_hack).  Such addresses, and those that
 * came with an RFC 5321 source route, are "routed": with
 * allow_untrusted_routing = no they are never an authorised destination,
 * which defeats the classic relay tricks.  One trailing dot of the domain
 * is ignored ("user@local." is local), "user@[1.2.3.4]" is local only when
 * the address is one of inet_interfaces/proxy_interfaces (lib/mail/resolve).
 */
#include "config.h"

#include <string.h>

#include "core/mem.h"
#include "mail/resolve.h"
#include "smtpd.h"

#define ROUTE_MAX_HOPS 20

/* strip_dot - domain without one trailing dot ("a.b." -> "a.b"; ".." kept) */
static char *strip_dot(const char *domain)
{
	size_t len = strlen(domain);

	if (len > 1 && domain[len - 1] == '.' && domain[len - 2] != '.')
		return xstrndup(domain, len - 1);
	return xstrdup(domain);
}

/* unroute - one step of local re-routing; 1 when cur was rewritten */
static int unroute(struct smtpd_conf *cf, char **cur, size_t local_len)
{
	char *local = xstrndup(*cur, local_len), *p, *next = NULL;

	if (strchr(local, '@') != NULL) {
		next = xstrdup(local);
	} else if (cf->swap_bangpath && (p = strchr(local, '!')) != NULL && p > local && p[1] != '\0') {
		next = xasprintf("%s@%.*s", p + 1, (int)(p - local), local);
	} else if (cf->allow_percent_hack && (p = strrchr(local, '%')) != NULL && p > local && p[1] != '\0') {
		*p = '@';
		next = xstrdup(local);
	}
	xfree(local);
	if (next == NULL)
		return 0;
	xfree(*cur);
	*cur = next;
	return 1;
}

int route_resolve(struct smtpd_conf *cf, const char *addr, int source_routed,
		  struct route_info *ri, const char **error_r)
{
	char *cur = xstrdup(addr);

	memset(ri, 0, sizeof(*ri));
	ri->routed = source_routed;
	for (int hop = 0;; hop++) {
		const char *at = strrchr(cur, '@');
		char *domain = strip_dot(at != NULL ? at + 1 : "");
		enum resolve_class cls = resolve_domain_class(cf->resolver, domain, error_r);

		xfree(domain);
		if (cls == RESOLVE_ERROR) {
			xfree(cur);
			return -1;
		}
		ri->cls = cls;
		if (cls != RESOLVE_LOCAL || hop >= ROUTE_MAX_HOPS)
			break;
		if (!unroute(cf, &cur, at != NULL ? (size_t)(at - cur) : strlen(cur)))
			break;
		ri->routed = 1;
	}
	ri->final_addr = cur;
	return 0;
}

void route_free(struct route_info *ri)
{
	xfree(ri->final_addr);
	ri->final_addr = NULL;
}
