/*
 * map_cidr - cidr: tables (cidr_table(5)): "network/prefix result",
 * "address result", "[ipv6]/prefix result", "!pattern", if/endif.  Keys are
 * IP addresses; anything else is simply not found.  Network bits beyond
 * the prefix must be zero (the rule is skipped with Postfix's warning).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "maps/map_impl.h"
#include "maps/map_pattern.h"

struct cidr_pat {
	int family;
	unsigned char net[16];
	int bits;
};

static char errbuf[512];

/* parse_addr - "a.b.c.d", "x::y", and in patterns "[x::y]" */
static int parse_addr(const char *text, int brackets, int *family_r, unsigned char addr[16])
{
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(text);

	if (brackets && len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		if (len - 2 >= sizeof(tmp))
			return -1;
		memcpy(tmp, text + 1, len - 2);
		tmp[len - 2] = '\0';
		text = tmp;
	}
	if (inet_pton(AF_INET, text, addr) == 1) {
		*family_r = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr) == 1) {
		*family_r = AF_INET6;
		return 0;
	}
	return -1;
}

/* in_net - addr within net/bits */
static int in_net(const unsigned char *addr, const unsigned char *net, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(addr, net, (size_t)bytes) != 0)
		return 0;
	return rest == 0 || ((addr[bytes] ^ net[bytes]) & (0xff << (8 - rest))) == 0;
}

static void *cidr_compile(const char **pp, const char **error_r)
{
	const char *p = *pp, *start = p;
	char *text, *slash;
	struct cidr_pat *pat = xcalloc(1, sizeof(*pat));
	int max;

	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	text = xstrndup(start, (size_t)(p - start));
	*pp = p;
	slash = strrchr(text, '/');
	if (slash != NULL)
		*slash = '\0';
	if (parse_addr(text, 1, &pat->family, pat->net) < 0)
		goto bad;
	max = pat->family == AF_INET ? 32 : 128;
	pat->bits = max;
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);

		if (*end != '\0' || slash[1] == '\0' || b < 0 || b > max)
			goto bad;
		pat->bits = (int)b;
		{
			unsigned char masked[16];

			memcpy(masked, pat->net, 16);
			for (int i = 0; i < max / 8; i++) {
				int keep = pat->bits - i * 8;

				if (keep <= 0)
					masked[i] = 0;
				else if (keep < 8)
					masked[i] &= (unsigned char)(0xff << (8 - keep));
			}
			if (memcmp(masked, pat->net, (size_t)max / 8) != 0) {
				char fixed[INET6_ADDRSTRLEN];

				inet_ntop(pat->family, masked, fixed, sizeof(fixed));
				*slash = '/';
				snprintf(errbuf, sizeof(errbuf), "non-null host address bits in \"%s\", "
					 "perhaps you should use \"%s/%d\" instead: skipping this rule", text,
					 fixed, pat->bits);
				*error_r = errbuf;
				xfree(text);
				xfree(pat);
				return NULL;
			}
		}
	}
	xfree(text);
	return pat;
bad:
	if (slash != NULL)
		*slash = '/';
	snprintf(errbuf, sizeof(errbuf), "bad network value in \"%s\": skipping this rule", text);
	*error_r = errbuf;
	xfree(text);
	xfree(pat);
	return NULL;
}

static int cidr_match(void *p, const char *subject, struct buf *cap[10], int *ncap_r)
{
	struct cidr_pat *pat = p;
	unsigned char addr[16];
	int family;

	*ncap_r = 0;
	if (parse_addr(subject, 0, &family, addr) < 0 || family != pat->family)
		return 0;
	return in_net(addr, pat->net, pat->bits);
}

static void cidr_free(void *p)
{
	xfree(p);
}

/* is_address - cidr keys must be IP addresses; others match no rule, negated or not */
static int is_address(const char *key)
{
	unsigned char addr[16];
	int family;

	return parse_addr(key, 0, &family, addr) == 0;
}

static const struct pattern_ops cidr_ops = { cidr_compile, cidr_match, cidr_free, 0, is_address, NULL };

static int cidr_open(struct map *map, const char **error_r)
{
	return pattern_table_load(map, &cidr_ops, error_r);
}

const struct map_ops map_ops_cidr = {
	"cidr", 0, cidr_open, pattern_table_lookup, NULL, NULL, NULL, NULL, pattern_table_close,
};
