/*
 * netlist - Postfix "namadr" lists for mynetworks and
 * smtpd_forbid_bare_newline_exclusions: IPv4/IPv6 addresses and CIDR
 * blocks ("127.0.0.0/8", "[::1]/128", "::1/128"), host names and ".domain"
 * patterns matched against the verified client name, "/file/name" (items,
 * one or more per line, # comments) and "type:table" lookups (the client
 * address is the key; a found key matches).  "!item" negates.
 *
 * Errors: bad syntax is a configuration error (msg_fatal with the
 * parameter name); a table lookup error makes netlist_match() return -1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/pfconf.h"
#include "core/log.h"
#include "core/mem.h"
#include "maps/maps.h"
#include "smtpd.h"

struct net_item {
	int negate;
	int family;		/* AF_INET/AF_INET6 for addresses, 0 for names/tables */
	unsigned char addr[16];
	int prefix;
	char *name;		/* host or .domain pattern */
	struct map *map;
};

struct netlist {
	struct net_item *v;
	size_t n, alloc;
};

/* parse_addr - "1.2.3.4", "[::1]", "::1" with optional "/len" into it; 0 or -1 */
static int parse_addr(const char *text, struct net_item *it)
{
	char tmp[128];
	const char *slash;
	size_t len;
	int maxlen;

	snprintf(tmp, sizeof(tmp), "%s", text);
	slash = strrchr(text, '/');
	len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	if (tmp[0] == '[') {
		if (len < 3 || tmp[len - 1] != ']')
			return -1;
		memmove(tmp, tmp + 1, len - 2);
		tmp[len - 2] = '\0';
	}
	if (inet_pton(AF_INET, tmp, it->addr) == 1) {
		it->family = AF_INET;
		maxlen = 32;
	} else if (inet_pton(AF_INET6, tmp, it->addr) == 1) {
		it->family = AF_INET6;
		maxlen = 128;
	} else {
		return -1;
	}
	it->prefix = maxlen;
	if (slash != NULL) {
		char *end;
		long v = strtol(slash + 1, &end, 10);

		if (slash[1] == '\0' || *end != '\0' || v < 0 || v > maxlen)
			return -1;
		it->prefix = (int)v;
	}
	return 0;
}

/* add_item - one list element (files are expanded in place) */
static void add_item(struct netlist *nl, struct pfconf *cfg, const char *param, const char *text,
		     int depth);

/* add_file - the items of a /file/name element */
static void add_file(struct netlist *nl, struct pfconf *cfg, const char *param, const char *path,
		     int depth)
{
	FILE *fp = fopen(path, "r");
	char line[4096];

	if (fp == NULL)
		msg_fatal("open %s: %m", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *hash = strchr(line, '#');
		struct argv items;

		if (hash != NULL)
			*hash = '\0';
		argv_init(&items);
		pfconf_list_split(line, &items);
		for (size_t i = 0; i < items.n; i++)
			add_item(nl, cfg, param, items.v[i], depth + 1);
		argv_deinit(&items);
	}
	fclose(fp);
}

static void add_item(struct netlist *nl, struct pfconf *cfg, const char *param, const char *text,
		     int depth)
{
	struct net_item it;
	const char *err;

	memset(&it, 0, sizeof(it));
	if (depth > 10)
		msg_fatal("%s: file nesting too deep", param);
	while (*text == '!') {
		it.negate = !it.negate;
		text++;
	}
	if (*text == '\0')
		return;
	if (*text == '/') {
		add_file(nl, cfg, param, text, depth);
		return;
	}
	if (parse_addr(text, &it) == 0) {
		/* address or CIDR */
	} else if (strchr(text, ':') != NULL && text[0] != '[' && !isdigit((unsigned char)text[0])) {
		if (map_open(text, 0, &it.map, &err) < 0)
			msg_fatal("%s: %s", param, err);
	} else if (strchr(text, '/') != NULL || text[0] == '[' || isdigit((unsigned char)text[0])
		   || strchr(text, ':') != NULL) {
		msg_fatal("%s: bad net/mask pattern: \"%s\"", param, text);
	} else {
		it.name = xstrdup(text);
	}
	if (nl->n == nl->alloc) {
		nl->alloc = nl->alloc ? nl->alloc * 2 : 8;
		nl->v = xreallocarray(nl->v, nl->alloc, sizeof(*nl->v));
	}
	nl->v[nl->n++] = it;
}

struct netlist *netlist_create(struct pfconf *cfg, const char *param, const char *value)
{
	struct netlist *nl = xcalloc(1, sizeof(*nl));
	struct argv items;

	argv_init(&items);
	pfconf_list_split(value, &items);
	for (size_t i = 0; i < items.n; i++)
		add_item(nl, cfg, param, items.v[i], 0);
	argv_deinit(&items);
	return nl;
}

void netlist_free(struct netlist **nlp)
{
	struct netlist *nl = *nlp;

	if (nl == NULL)
		return;
	for (size_t i = 0; i < nl->n; i++) {
		xfree(nl->v[i].name);
		map_abort(&nl->v[i].map);
	}
	xfree(nl->v);
	xfree(nl);
	*nlp = NULL;
}

/* prefix_match - the first plen bits of a and b agree */
static int prefix_match(const unsigned char *a, const unsigned char *b, int plen)
{
	int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	return ((a[bytes] ^ b[bytes]) & (0xff << (8 - bits))) == 0;
}

/* name_match - host name equal, or ".domain"/parent domain pattern */
static int name_match(const char *pattern, const char *name)
{
	size_t pl = strlen(pattern), nl = strlen(name);

	if (strcasecmp(pattern, name) == 0)
		return 1;
	if (pattern[0] == '.' && nl > pl && strcasecmp(name + nl - pl, pattern) == 0)
		return 1;
	/* parent_domain_matches_subdomains includes mynetworks in Postfix's default */
	if (pattern[0] != '.' && nl > pl && name[nl - pl - 1] == '.'
	    && strcasecmp(name + nl - pl, pattern) == 0)
		return 1;
	return 0;
}

int netlist_match(struct netlist *nl, const char *name, const char *addr)
{
	unsigned char bin[16];
	int family = 0;
	const char *value, *err;

	if (nl == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, bin) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, addr, bin) == 1)
		family = AF_INET6;
	/* IPv4-mapped IPv6 matches IPv4 patterns */
	if (family == AF_INET6 && memcmp(bin, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(bin, bin + 12, 4);
		family = AF_INET;
	}
	for (size_t i = 0; i < nl->n; i++) {
		struct net_item *it = &nl->v[i];
		int hit = 0;

		if (it->family != 0) {
			hit = family == it->family && prefix_match(bin, it->addr, it->prefix);
		} else if (it->map != NULL) {
			int r = map_lookup(it->map, addr, &value, &err);

			if (r == MAP_ERROR) {
				msg_warn("%s: table lookup problem: %s", map_name(it->map), err);
				return -1;
			}
			hit = r == MAP_FOUND;
		} else if (it->name != NULL && name != NULL && strcmp(name, "unknown") != 0) {
			hit = name_match(it->name, name);
		}
		if (hit)
			return it->negate ? 0 : 1;
	}
	return 0;
}
