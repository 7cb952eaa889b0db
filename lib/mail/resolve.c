/*
 * resolve - address classes, routing operators and transports, as
 * Postfix's trivial-rewrite resolves them (see resolve.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "maps/maps.h"
#include "mail/addr.h"
#include "mail/resolve.h"

#define RESOLVE_MAX_ROUNDS	10	/* nested routing operators resolved at most */

struct resolver {
	struct pfconf *cfg;
	struct hash *maps;		/* "type:name" -> struct map * (or NULL when unopenable) */
	struct hash *files;		/* "/path" -> struct argv * of its entries */
	struct argv local_addrs;	/* addresses of inet_interfaces + proxy_interfaces */
	int local_addrs_done;
	char *transport, *nexthop;	/* resolve_transport results */
	char errbuf[512];
};

struct resolver *resolver_create(struct pfconf *cfg)
{
	struct resolver *r = xcalloc(1, sizeof(*r));

	r->cfg = cfg;
	r->maps = hash_create(16);
	r->files = hash_create(4);
	argv_init(&r->local_addrs);
	return r;
}

/* free_map - hash value destructor */
static void free_map(void *v)
{
	struct map *m = v;

	if (m != NULL)
		map_abort(&m);
}

/* free_argv - hash value destructor */
static void free_argv(void *v)
{
	struct argv *a = v;

	argv_destroy(&a);
}

void resolver_destroy(struct resolver **rp)
{
	struct resolver *r = *rp;

	if (r == NULL)
		return;
	hash_destroy(&r->maps, free_map);
	hash_destroy(&r->files, free_argv);
	argv_deinit(&r->local_addrs);
	xfree(r->transport);
	xfree(r->nexthop);
	xfree(r);
	*rp = NULL;
}

/* is_table - "type:name" (not a path, not an address literal) */
static int is_table(const char *item)
{
	const char *colon = strchr(item, ':');
	const char *p;

	if (colon == NULL || colon == item || *item == '/' || *item == '[')
		return 0;
	for (p = item; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return 0;
	return 1;
}

/* get_map - the opened table for spec; NULL with *error_r when it cannot be opened */
static struct map *get_map(struct resolver *r, const char *spec, const char **error_r)
{
	struct map *m = hash_lookup(r->maps, spec);
	const char *error;

	if (m != NULL)
		return m;
	if (map_open(spec, 0, &m, &error) < 0) {
		snprintf(r->errbuf, sizeof(r->errbuf), "%s: %s", spec, error);
		*error_r = r->errbuf;
		return NULL;	/* retried next time: the table may appear */
	}
	hash_insert(r->maps, spec, m);
	return m;
}

/* get_file - entries of a "/file" list item (read once) */
static struct argv *get_file(struct resolver *r, const char *path)
{
	struct argv *a = hash_lookup(r->files, path);
	char line[1024];
	FILE *fp;

	if (a != NULL)
		return a;
	a = argv_create();
	if ((fp = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL) {
			char *hash = strchr(line, '#');

			if (hash != NULL)
				*hash = '\0';
			pfconf_list_split(line, a);
		}
		fclose(fp);
	}
	hash_insert(r->files, path, a);
	return a;
}

/* parent_matches - does param's list let "example.com" match "sub.example.com"? */
static int parent_matches(struct resolver *r, const char *param)
{
	struct argv *a = pfconf_get_list(r->cfg, "parent_domain_matches_subdomains");
	size_t i;
	int yes = 0;

	for (i = 0; i < a->n && !yes; i++)
		yes = strcmp(a->v[i], param) == 0;
	argv_destroy(&a);
	return yes;
}

/* name_match - one literal pattern against a domain */
static int name_match(const char *pat, const char *domain, int parents)
{
	size_t pl = strlen(pat), dl = strlen(domain);

	if (strcasecmp(pat, domain) == 0)
		return 1;
	if (pat[0] == '.' && dl > pl && strcasecmp(domain + dl - pl, pat) == 0)
		return 1;
	if (parents && dl > pl + 1 && domain[dl - pl - 1] == '.' && strcasecmp(domain + dl - pl, pat) == 0)
		return 1;
	return 0;
}

/* table_match - domain, then parent domains, in a table: 1, 0, -1 */
static int table_match(struct resolver *r, const char *spec, const char *domain, int parents,
		       const char **error_r)
{
	struct map *m = get_map(r, spec, error_r);
	const char *value, *error, *p;
	char *key;
	int ret;

	if (m == NULL)
		return -1;
	ret = map_lookup(m, domain, &value, &error);
	for (p = strchr(domain, '.'); ret == MAP_NOTFOUND && p != NULL && map_fixed_keys(m);
	     p = strchr(p + 1, '.')) {
		key = xstrdup(parents ? p + 1 : p);
		ret = map_lookup(m, key, &value, &error);
		xfree(key);
	}
	if (ret == MAP_ERROR) {
		snprintf(r->errbuf, sizeof(r->errbuf), "%s: %s", spec, error);
		*error_r = r->errbuf;
		return -1;
	}
	return ret == MAP_FOUND;
}

/* list_match - Postfix domain list (names, !names, /files, type:tables) */
static int list_match(struct resolver *r, const char *param, const struct argv *items,
		      const char *domain, int parents, int depth, const char **error_r)
{
	size_t i;

	for (i = 0; i < items->n; i++) {
		const char *item = items->v[i];
		int neg = 0, m;

		while (*item == '!') {
			neg = !neg;
			item++;
		}
		if (*item == '/' && depth < 3)
			m = list_match(r, param, get_file(r, item), domain, parents, depth + 1, error_r);
		else if (is_table(item))
			m = table_match(r, item, domain, parents, error_r);
		else
			m = name_match(item, domain, parents);
		if (m < 0)
			return -1;
		if (m)
			return neg ? 0 : 1;
	}
	return 0;
}

int resolve_list_match(struct resolver *r, const char *param, const char *domain,
		       const char **error_r)
{
	struct argv *items = pfconf_get_list(r->cfg, param);
	int m = list_match(r, param, items, domain, parent_matches(r, param), 0, error_r);

	argv_destroy(&items);
	return m;
}

/* add_interface_addrs - the addresses one inet_interfaces-style list stands for */
static void add_interface_addrs(struct resolver *r, const char *param)
{
	struct argv *items = pfconf_get_list(r->cfg, param);
	size_t i;

	for (i = 0; i < items->n; i++) {
		const char *it = items->v[i];

		if (strcasecmp(it, "all") == 0) {
			struct ifaddrs *ifa, *p;
			char host[NI_MAXHOST];

			if (getifaddrs(&ifa) < 0)
				continue;
			for (p = ifa; p != NULL; p = p->ifa_next) {
				if (p->ifa_addr == NULL || (p->ifa_addr->sa_family != AF_INET
							    && p->ifa_addr->sa_family != AF_INET6))
					continue;
				if (getnameinfo(p->ifa_addr, p->ifa_addr->sa_family == AF_INET
						? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
						host, sizeof(host), NULL, 0, NI_NUMERICHOST) == 0
				    && strchr(host, '%') == NULL)
					argv_add(&r->local_addrs, host);
			}
			freeifaddrs(ifa);
		} else if (strcasecmp(it, "loopback-only") == 0) {
			argv_add(&r->local_addrs, "127.0.0.1");
			argv_add(&r->local_addrs, "::1");
		} else if (strcasecmp(it, "localhost") == 0) {
			argv_add(&r->local_addrs, "127.0.0.1");
			argv_add(&r->local_addrs, "::1");
		} else {
			char *a = xstrdup(it[0] == '[' ? it + 1 : it);
			char *end = strchr(a, ']');

			if (end != NULL)
				*end = '\0';
			argv_add(&r->local_addrs, a);
			xfree(a);
		}
	}
	argv_destroy(&items);
}

/* local_literal - [address] of one of our interfaces */
static int local_literal(struct resolver *r, const char *domain)
{
	const char *ip;
	size_t i;

	if (!addr_is_ip_literal(domain, &ip))
		return 0;
	if (!r->local_addrs_done) {
		add_interface_addrs(r, PFCONF_NAME("inet_interfaces"));
		add_interface_addrs(r, PFCONF_NAME("proxy_interfaces"));
		r->local_addrs_done = 1;
	}
	for (i = 0; i < r->local_addrs.n; i++)
		if (strcasecmp(r->local_addrs.v[i], ip) == 0)
			return 1;
	return 0;
}

enum resolve_class resolve_domain_class(struct resolver *r, const char *domain,
					const char **error_r)
{
	static const struct { const char *param; enum resolve_class class; } order[] = {
		{ PFCONF_NAME("mydestination"), RESOLVE_LOCAL },
		{ PFCONF_NAME("virtual_alias_domains"), RESOLVE_VIRTUAL_ALIAS },
		{ PFCONF_NAME("virtual_mailbox_domains"), RESOLVE_VIRTUAL_MAILBOX },
		{ PFCONF_NAME("relay_domains"), RESOLVE_RELAY },
	};
	char *d;
	size_t len, i;
	enum resolve_class class = RESOLVE_DEFAULT;

	if (*domain == '\0')
		return RESOLVE_LOCAL;
	d = xstrdup(domain);
	len = strlen(d);
	while (len > 0 && d[len - 1] == '.')
		d[--len] = '\0';
	if (d[0] == '[') {
		class = local_literal(r, d) ? RESOLVE_LOCAL : RESOLVE_DEFAULT;
		xfree(d);
		return class;
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int m = resolve_list_match(r, order[i].param, d, error_r);

		if (m < 0) {
			class = RESOLVE_ERROR;
			break;
		}
		if (m) {
			class = order[i].class;
			break;
		}
	}
	xfree(d);
	return class;
}

enum resolve_class resolve_address(struct resolver *r, const char *addr, char **final_r,
				   const char **error_r)
{
	char *cur = xstrdup(addr);
	enum resolve_class class = RESOLVE_LOCAL;
	int round;

	for (round = 0; round < RESOLVE_MAX_ROUNDS; round++) {
		char *local, *domain, *p;
		size_t dl;

		addr_split(cur, &local, &domain);
		dl = strlen(domain);
		while (dl > 0 && domain[dl - 1] == '.')
			domain[--dl] = '\0';
		class = resolve_domain_class(r, domain, error_r);
		if (class != RESOLVE_LOCAL) {
			xfree(cur);
			cur = *domain ? xasprintf("%s@%s", local, domain) : xstrdup(local);
			xfree(local);
			xfree(domain);
			break;
		}
		xfree(cur);
		cur = NULL;
		if (strchr(local, '@') != NULL && pfconf_get_bool(r->cfg, "resolve_dequoted_address")) {
			cur = local;		/* "user@remote"@local */
		} else if ((p = strrchr(local, '%')) != NULL && pfconf_get_bool(r->cfg, "allow_percent_hack")) {
			*p = '@';		/* user%remote@local */
			cur = local;
		} else if ((p = strchr(local, '!')) != NULL && p != local && p[1] != '\0'
			   && pfconf_get_bool(r->cfg, "swap_bangpath")) {
			*p = '\0';		/* remote!user@local -> user@remote */
			cur = xasprintf("%s@%s", p + 1, local);
			xfree(local);
		}
		if (cur == NULL) {
			cur = *domain ? xasprintf("%s@%s", local, domain) : xstrdup(local);
			xfree(local);
			xfree(domain);
			break;
		}
		xfree(domain);
	}
	*final_r = cur;
	return class;
}

/* set_result - store transport and nexthop from "transport:nexthop" */
static void set_result(struct resolver *r, const char *value, const char *def_nexthop)
{
	const char *colon = strchr(value, ':');

	xfree(r->transport);
	xfree(r->nexthop);
	if (colon == NULL) {
		r->transport = xstrdup(value);
		r->nexthop = xstrdup(def_nexthop);
	} else {
		r->transport = xstrndup(value, (size_t)(colon - value));
		r->nexthop = xstrdup(colon[1] != '\0' ? colon + 1 : def_nexthop);
	}
}

/* transport_lookup - transport_maps: address, domain, parents, "*"; 1 found, 0, -1 */
static int transport_lookup(struct resolver *r, const char *addr, const char *domain,
			    const char **value_r, const char **error_r)
{
	struct argv *items = pfconf_get_list(r->cfg, "transport_maps");
	int parents = parent_matches(r, "transport_maps");
	size_t i;
	int ret = 0;

	for (i = 0; i < items->n && ret == 0; i++) {
		struct map *m = get_map(r, items->v[i], error_r);
		const char *p, *error;
		char *key;

		if (m == NULL) {
			ret = -1;
			break;
		}
		ret = map_lookup(m, addr, value_r, &error);
		if (ret == MAP_NOTFOUND && *domain)
			ret = map_lookup(m, domain, value_r, &error);
		for (p = strchr(domain, '.'); ret == MAP_NOTFOUND && p != NULL && map_fixed_keys(m);
		     p = strchr(p + 1, '.')) {
			key = xstrdup(parents ? p + 1 : p);
			ret = map_lookup(m, key, value_r, &error);
			xfree(key);
		}
		if (ret == MAP_NOTFOUND)
			ret = map_lookup(m, "*", value_r, &error);
		if (ret == MAP_ERROR) {
			snprintf(r->errbuf, sizeof(r->errbuf), "%s: %s", items->v[i], error);
			*error_r = r->errbuf;
			ret = -1;
		}
	}
	argv_destroy(&items);
	return ret;
}

int resolve_transport(struct resolver *r, const char *addr, enum resolve_class *class_r,
		      const char **transport_r, const char **nexthop_r, const char **error_r)
{
	static const char *const params[] = {
		[RESOLVE_LOCAL] = PFCONF_NAME("local_transport"),
		[RESOLVE_VIRTUAL_ALIAS] = "error",
		[RESOLVE_VIRTUAL_MAILBOX] = PFCONF_NAME("virtual_transport"),
		[RESOLVE_RELAY] = PFCONF_NAME("relay_transport"),
		[RESOLVE_DEFAULT] = PFCONF_NAME("default_transport"),
	};
	char *final = NULL;
	const char *domain, *value;
	enum resolve_class class = resolve_address(r, addr, &final, error_r);
	int found;

	*class_r = class;
	if (class == RESOLVE_ERROR) {
		xfree(final);
		return -1;
	}
	domain = addr_domain(final);
	found = transport_lookup(r, final, domain, &value, error_r);
	if (found < 0) {
		xfree(final);
		return -1;
	}
	if (found) {
		set_result(r, value, domain);
		if (*r->transport == '\0') {	/* ":nexthop" keeps the class's transport */
			char *nh = xstrdup(r->nexthop);

			set_result(r, class == RESOLVE_VIRTUAL_ALIAS ? "error"
				   : pfconf_get(r->cfg, params[class]), domain);
			xfree(r->nexthop);
			r->nexthop = nh;
		}
	} else if (class == RESOLVE_VIRTUAL_ALIAS) {
		set_result(r, "error:5.1.1 User unknown in virtual alias table", domain);
	} else {
		const char *relayhost = pfconf_get(r->cfg, "relayhost");

		set_result(r, pfconf_get(r->cfg, params[class]), domain);
		if (class == RESOLVE_DEFAULT && *relayhost != '\0' && strchr(pfconf_get(r->cfg, params[class]), ':') == NULL) {
			xfree(r->nexthop);
			r->nexthop = xstrdup(relayhost);
		}
	}
	xfree(final);
	*transport_r = r->transport;
	*nexthop_r = r->nexthop;
	return 0;
}

int resolve_local_user(struct resolver *r, const char *addr, const char **error_r)
{
	struct argv *items = pfconf_get_list(r->cfg, "local_recipient_maps");
	struct argv keys;
	char *local, *domain, *base, *ext = NULL;
	size_t i, k;
	int ret = 0;

	if (items->n == 0) {
		argv_destroy(&items);
		return 1;
	}
	/* user+ext@domain, user@domain, user+ext, user (aliases and passwd are keyed by name) */
	argv_init(&keys);
	base = addr_strip_extension(addr, pfconf_get(r->cfg, "recipient_delimiter"), &ext);
	if (*addr_domain(addr) != '\0') {
		argv_add(&keys, addr);
		if (base != NULL)
			argv_add(&keys, base);
	}
	addr_split(addr, &local, &domain);
	argv_add(&keys, local);
	xfree(local);
	xfree(domain);
	if (base != NULL) {
		addr_split(base, &local, &domain);
		argv_add(&keys, local);
		xfree(local);
		xfree(domain);
	}
	for (i = 0; i < items->n && ret == 0; i++) {
		struct map *m = get_map(r, items->v[i], error_r);

		if (m == NULL) {
			ret = -1;
			break;
		}
		for (k = 0; k < keys.n && ret == 0; k++) {
			const char *value, *error;
			int f = map_lookup(m, keys.v[k], &value, &error);

			if (f == MAP_ERROR) {
				snprintf(r->errbuf, sizeof(r->errbuf), "%s: %s", items->v[i], error);
				*error_r = r->errbuf;
				ret = -1;
			} else if (f == MAP_FOUND) {
				ret = 1;
			}
		}
	}
	argv_destroy(&items);
	argv_deinit(&keys);
	xfree(base);
	xfree(ext);
	return ret;
}
