/*
 * resolve_fallback - a minimal stand-in for lib/mail's resolver
 * (lib/mail/resolve.h) until its implementation lands on main; qmgr only
 * calls resolver_create() and resolve_transport().  Delete this file and
 * link ../lib/mail/libmail.a when lib/mail exists.
 *
 * Covers: mydestination (names, /file, type:table) -> local_transport;
 * virtual_alias_domains/virtual_mailbox_domains -> virtual_transport;
 * relay_domains -> relay_transport; else default_transport (nexthop
 * relayhost when set); transport_maps first (address, domain, .parent
 * domains, "*").  No inet_interfaces literals, no sender-dependent routing.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/mem.h"
#include "maps/maps.h"
#include "mail/resolve.h"

struct resolver {
	struct pfconf *cfg;
	char transport[256];
	char nexthop[1024];
};

struct resolver *resolver_create(struct pfconf *cfg)
{
	struct resolver *r = xcalloc(1, sizeof(*r));

	r->cfg = cfg;
	return r;
}

void resolver_destroy(struct resolver **rp)
{
	xfree(*rp);
	*rp = NULL;
}

/* in_file - a name listed in a file (one or more per line) */
static int in_file(const char *path, const char *domain)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	int found = 0;

	if (fp == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		struct argv *a = argv_split(line, " \t\r\n,");

		for (size_t i = 0; i < a->n; i++)
			found |= a->v[i][0] != '#' && strcasecmp(a->v[i], domain) == 0;
		argv_destroy(&a);
	}
	fclose(fp);
	return found;
}

int resolve_list_match(struct resolver *r, const char *param, const char *domain, const char **error_r)
{
	struct argv *l = pfconf_get_list(r->cfg, param);
	int found = 0;

	for (size_t i = 0; i < l->n && found == 0; i++) {
		const char *item = l->v[i];

		if (item[0] == '/') {
			found = in_file(item, domain);
			if (found < 0) {
				*error_r = "cannot open a domain list file";
				found = -1;
			}
		} else if (strchr(item, ':') != NULL) {
			struct map *m;
			const char *v, *err;

			if (map_open(item, 0, &m, &err) < 0) {
				*error_r = err;
				found = -1;
				break;
			}
			found = map_lookup(m, domain, &v, &err);
			if (found < 0)
				*error_r = err;
			map_abort(&m);
		} else {
			found = strcasecmp(item, domain) == 0;
		}
	}
	argv_destroy(&l);
	return found;
}

enum resolve_class resolve_domain_class(struct resolver *r, const char *domain, const char **error_r)
{
	static const struct { const char *param; enum resolve_class cls; } lists[] = {
		{ "mydestination", RESOLVE_LOCAL },
		{ "virtual_alias_domains", RESOLVE_VIRTUAL_ALIAS },
		{ "virtual_mailbox_domains", RESOLVE_VIRTUAL_MAILBOX },
		{ "relay_domains", RESOLVE_RELAY },
	};

	if (*domain == '\0')
		return RESOLVE_LOCAL;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		int m = resolve_list_match(r, lists[i].param, domain, error_r);

		if (m < 0)
			return RESOLVE_ERROR;
		if (m > 0)
			return lists[i].cls;
	}
	return RESOLVE_DEFAULT;
}

/* set_route - "transport:nexthop" into r (empty parts keep the defaults) */
static void set_route(struct resolver *r, const char *value)
{
	const char *colon = strchr(value, ':');
	size_t tn = colon != NULL ? (size_t)(colon - value) : strlen(value);

	if (tn > 0 && tn < sizeof(r->transport))
		snprintf(r->transport, sizeof(r->transport), "%.*s", (int)tn, value);
	if (colon != NULL && colon[1] != '\0')
		snprintf(r->nexthop, sizeof(r->nexthop), "%s", colon + 1);
}

/* transport_lookup - transport_maps: 1 found (r updated), 0 not, -1 error */
static int transport_lookup(struct resolver *r, const char *addr, const char *domain, const char **error_r)
{
	struct argv *l = pfconf_get_list(r->cfg, "transport_maps");
	int found = 0;

	for (size_t i = 0; i < l->n && found == 0; i++) {
		struct map *m;
		const char *v, *err;

		if (map_open(l->v[i], 0, &m, &err) < 0) {
			*error_r = err;
			found = -1;
			break;
		}
		found = map_lookup(m, addr, &v, &err);
		for (const char *d = domain; found == 0 && *d != '\0';) {
			char *key = d == domain ? xstrdup(d) : xasprintf(".%s", d);

			found = map_lookup(m, key, &v, &err);
			xfree(key);
			d = strchr(d, '.');
			if (d == NULL)
				break;
			d++;
		}
		if (found == 0)
			found = map_lookup(m, "*", &v, &err);
		if (found > 0)
			set_route(r, v);
		if (found < 0)
			*error_r = err;
		map_abort(&m);
	}
	argv_destroy(&l);
	return found;
}

int resolve_transport(struct resolver *r, const char *addr, enum resolve_class *class_r,
		      const char **transport_r, const char **nexthop_r, const char **error_r)
{
	const char *at = strrchr(addr, '@');
	char domain[512];
	const char *param;
	enum resolve_class cls;
	size_t i;

	snprintf(domain, sizeof(domain), "%s", at != NULL ? at + 1 : "");
	for (i = 0; domain[i] != '\0'; i++)
		domain[i] = (char)tolower((unsigned char)domain[i]);
	if (i > 0 && domain[i - 1] == '.')
		domain[i - 1] = '\0';
	cls = resolve_domain_class(r, domain, error_r);
	if (cls == RESOLVE_ERROR)
		return -1;
	param = cls == RESOLVE_LOCAL ? "local_transport"
		: cls == RESOLVE_VIRTUAL_ALIAS || cls == RESOLVE_VIRTUAL_MAILBOX ? "virtual_transport"
		: cls == RESOLVE_RELAY ? "relay_transport" : "default_transport";
	snprintf(r->transport, sizeof(r->transport), "smtp");
	snprintf(r->nexthop, sizeof(r->nexthop), "%s",
		 *domain != '\0' ? domain : pfconf_get(r->cfg, "myhostname"));
	if (cls == RESOLVE_DEFAULT && *pfconf_get(r->cfg, "relayhost") != '\0')
		snprintf(r->nexthop, sizeof(r->nexthop), "%s", pfconf_get(r->cfg, "relayhost"));
	set_route(r, pfconf_get(r->cfg, param));
	if (transport_lookup(r, addr, domain, error_r) < 0)
		return -1;
	*class_r = cls;
	*transport_r = r->transport;
	*nexthop_r = r->nexthop;
	return 0;
}
