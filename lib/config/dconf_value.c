/*
 * dconf_value - Dovecot 2.3 value syntaxes (bool, number, octal mode, port,
 * size, time, enum), their printed forms, networks for local/remote
 * filters, and filter lookups (dconf_get_filter).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config/dconf_int.h"
#include "core/mem.h"

#define UINT32_MAXV 4294967295ULL

static char errbuf[1024];

/* verr - format a message into the module buffer */
static const char *verr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *verr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return errbuf;
}

int dconf_parse_bool(const char *text, int *value_r)
{
	if (strcasecmp(text, "yes") == 0 || strcasecmp(text, "y") == 0 || strcmp(text, "1") == 0) {
		*value_r = 1;
		return 0;
	}
	if (strcasecmp(text, "no") == 0 || strcasecmp(text, "n") == 0 || strcmp(text, "0") == 0) {
		*value_r = 0;
		return 0;
	}
	return -1;
}

/* parse_digits - leading decimal number; end_r after it; -1 on none or overflow */
static int parse_digits(const char *text, unsigned long long *value_r, const char **end_r)
{
	unsigned long long v = 0;
	const char *p = text;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (~0ULL - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*value_r = v;
	*end_r = p;
	return 0;
}

/* mul_ok - v * m without overflow */
static int mul_ok(unsigned long long v, unsigned long long m, unsigned long long *r)
{
	if (m != 0 && v > ~0ULL / m)
		return 0;
	*r = v * m;
	return 1;
}

int dconf_parse_size(const char *text, unsigned long long *value_r)
{
	unsigned long long v, m = 1;
	const char *p;

	if (parse_digits(text, &v, &p) < 0)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	switch (*p) {
	case 'b': case 'B': m = 1; break;
	case 'k': case 'K': m = 1ULL << 10; break;
	case 'm': case 'M': m = 1ULL << 20; break;
	case 'g': case 'G': m = 1ULL << 30; break;
	case 't': case 'T': m = 1ULL << 40; break;
	case '\0': break;
	default: return -1;
	}
	if (*p != '\0') {
		int was_b = (*p == 'b' || *p == 'B');

		p++;
		if (!was_b && (*p == 'i' || *p == 'I'))
			p++;
		if (!was_b && (*p == 'b' || *p == 'B'))
			p++;
	}
	if (*p != '\0' || !mul_ok(v, m, value_r))
		return -1;
	return 0;
}

struct time_unit {
	const char *name;
	unsigned long long msecs;
};

static const struct time_unit time_units[] = {
	{ "ms", 1 }, { "msec", 1 }, { "msecs", 1 }, { "millisecond", 1 }, { "milliseconds", 1 },
	{ "s", 1000 }, { "sec", 1000 }, { "secs", 1000 }, { "second", 1000 }, { "seconds", 1000 },
	{ "m", 60000 }, { "min", 60000 }, { "mins", 60000 }, { "minute", 60000 },
	{ "minutes", 60000 },
	{ "h", 3600000 }, { "hour", 3600000 }, { "hours", 3600000 },
	{ "d", 86400000 }, { "day", 86400000 }, { "days", 86400000 },
	{ "w", 604800000 }, { "week", 604800000 }, { "weeks", 604800000 },
	{ NULL, 0 }
};

/* time_split - number and unit (unit_r NULL when there is none); -1 if malformed */
static int time_split(const char *text, unsigned long long *n_r, const struct time_unit **unit_r)
{
	const char *p;

	if (parse_digits(text, n_r, &p) < 0)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	*unit_r = NULL;
	if (*p == '\0')
		return 0;
	for (const struct time_unit *u = time_units; u->name != NULL; u++)
		if (strcasecmp(u->name, p) == 0) {
			*unit_r = u;
			return 0;
		}
	return -1;
}

int dconf_parse_time(const char *text, unsigned long long *msecs_r)
{
	unsigned long long n;
	const struct time_unit *u;

	if (time_split(text, &n, &u) < 0)
		return -1;
	if (u == NULL)
		return n == 0 ? (*msecs_r = 0, 0) : -1;
	return mul_ok(n, u->msecs, msecs_r) ? 0 : -1;
}

char *dconf_format_size(unsigned long long v)
{
	static const char units[] = "BkMGT";
	int i = 0;

	if (v == 0)
		return xstrdup("0");
	while (i < 4 && v % 1024 == 0) {
		v /= 1024;
		i++;
	}
	return xasprintf("%llu %c", v, units[i]);
}

char *dconf_format_time(unsigned long long secs)
{
	static const struct { unsigned long long n; const char *name; } u[] = {
		{ 604800, "weeks" }, { 86400, "days" }, { 3600, "hours" }, { 60, "mins" },
	};

	if (secs == 0)
		return xstrdup("0");
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (secs % u[i].n == 0)
			return xasprintf("%llu %s", secs / u[i].n, u[i].name);
	return xasprintf("%llu secs", secs);
}

/* norm_time - seconds-only time setting */
static int norm_time(const char *v, char **canon_r, const char **error_r)
{
	unsigned long long n, ms;
	const struct time_unit *u;

	if (time_split(v, &n, &u) < 0) {
		*error_r = verr("Invalid time interval: %s", v);
		return -1;
	}
	if (u == NULL && n != 0) {
		*error_r = verr("Time interval '%s' is missing units (add e.g. 's' for seconds)", v);
		return -1;
	}
	if (u != NULL && u->msecs == 1) {
		*error_r = verr("Milliseconds not supported for this setting: %s", v);
		return -1;
	}
	if (u == NULL)
		ms = 0;
	else if (!mul_ok(n, u->msecs, &ms) || ms / 1000 > UINT32_MAXV) {
		*error_r = verr("Time interval is too large: %s", v);
		return -1;
	}
	*canon_r = dconf_format_time(ms / 1000);
	return 0;
}

/* norm_uint - decimal 32-bit number */
static int norm_uint(const char *v, char **canon_r, const char **error_r)
{
	unsigned long long n;
	const char *end;

	if (v[0] == '-' && isdigit((unsigned char)v[1])) {
		*error_r = verr("Invalid number %s: Number too small", v);
		return -1;
	}
	if (parse_digits(v, &n, &end) < 0 && !(isdigit((unsigned char)*v))) {
		*error_r = verr("Invalid number %s: Not a valid number", v);
		return -1;
	}
	if (isdigit((unsigned char)*v) && parse_digits(v, &n, &end) < 0) {
		*error_r = verr("Invalid number %s: Number too large", v);
		return -1;
	}
	if (*end != '\0') {
		*error_r = verr("Invalid number %s: Not a valid number", v);
		return -1;
	}
	if (n > UINT32_MAXV) {
		*error_r = verr("Invalid number %s: Number too large", v);
		return -1;
	}
	*canon_r = xasprintf("%llu", n);
	return 0;
}

/* norm_oct - file mode: 0-prefixed octal, else decimal; printed as 0%o */
static int norm_oct(const char *v, char **canon_r, const char **error_r)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(v, &end, v[0] == '0' ? 8 : 10);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 || n > UINT32_MAXV) {
		*error_r = verr("Invalid number: %s", v);
		return -1;
	}
	*canon_r = xasprintf("0%llo", n);
	return 0;
}

/* norm_port - 0..65535 */
static int norm_port(const char *v, char **canon_r, const char **error_r)
{
	unsigned long long n;
	const char *end;

	if (parse_digits(v, &n, &end) < 0 || *end != '\0' || n > 65535) {
		*error_r = verr("Invalid port number %s", v);
		return -1;
	}
	*canon_r = xasprintf("%llu", n);
	return 0;
}

int dconf_normalize(const struct dconf_def *d, const char *v, char **canon_r, const char **error_r)
{
	unsigned long long n;
	int b;

	switch (d != NULL ? d->type : DCONF_T_STR) {
	case DCONF_T_BOOL:
		if (dconf_parse_bool(v, &b) < 0) {
			*error_r = verr("Invalid boolean value: %s (use yes or no)", v);
			return -1;
		}
		*canon_r = xstrdup(b ? "yes" : "no");
		return 0;
	case DCONF_T_SIZE:
		if (dconf_parse_size(v, &n) < 0) {
			*error_r = verr("Invalid size: %s", v);
			return -1;
		}
		*canon_r = dconf_format_size(n);
		return 0;
	case DCONF_T_TIME:
		return norm_time(v, canon_r, error_r);
	case DCONF_T_UINT:
		return norm_uint(v, canon_r, error_r);
	case DCONF_T_OCT:
		return norm_oct(v, canon_r, error_r);
	case DCONF_T_PORT:
		return norm_port(v, canon_r, error_r);
	case DCONF_T_ENUM:
		for (const char *const *e = d->enums; *e != NULL; e++)
			if (strcmp(*e, v) == 0) {
				*canon_r = xstrdup(v);
				return 0;
			}
		*error_r = verr("Invalid value: %s", v);
		return -1;
	default:
		*canon_r = xstrdup(v);
		return 0;
	}
}

int dconf_parse_net(const char *text, int *family_r, unsigned char addr_r[16], unsigned *bits_r,
		    const char **error_r)
{
	char host[256];
	const char *slash = strchr(text, '/');
	size_t hl = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned maxbits;

	if (hl >= sizeof(host)) {
		*error_r = verr("Invalid network: %s", text);
		return -1;
	}
	memcpy(host, text, hl);
	host[hl] = '\0';
	memset(addr_r, 0, 16);
	if (inet_pton(AF_INET, host, addr_r) == 1) {
		*family_r = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, host, addr_r) == 1) {
		*family_r = AF_INET6;
		maxbits = 128;
	} else {
		/* Dovecot resolves host names here; we do not (documented) */
		*error_r = verr("gethostbyname(%s) failed: Name or service not known", host);
		return -1;
	}
	*bits_r = maxbits;
	if (slash != NULL) {
		unsigned long long n;
		const char *end;

		if (parse_digits(slash + 1, &n, &end) < 0 || *end != '\0' || n > maxbits) {
			*error_r = verr("Invalid network mask: %s", slash + 1);
			return -1;
		}
		*bits_r = (unsigned)n;
	}
	return 0;
}

/* ---- filters ---- */

/* net_match - ip (text) inside the filter's network */
static int net_match(const struct dconf_sect *f, const char *ip)
{
	unsigned char a[16];
	int fam = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;
	unsigned bits = f->net_bits;

	if (inet_pton(fam, ip, a) != 1 || fam != f->net_family)
		return 0;
	for (unsigned i = 0; i < bits / 8; i++)
		if (a[i] != f->net_addr[i])
			return 0;
	if (bits % 8 != 0) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));

		if ((a[bits / 8] & mask) != (f->net_addr[bits / 8] & mask))
			return 0;
	}
	return 1;
}

/* filter_match - one filter block against the connection */
static int filter_match(const struct dconf_sect *s, const struct dconf_filter *f)
{
	switch (s->filter) {
	case DCONF_F_PROTOCOL:
		if (f->protocol == NULL)
			return 0;
		return (strcmp(s->name + s->negate, f->protocol) == 0) != s->negate;
	case DCONF_F_LOCAL:
		return f->local_ip != NULL && net_match(s, f->local_ip);
	case DCONF_F_REMOTE:
		return f->remote_ip != NULL && net_match(s, f->remote_ip);
	case DCONF_F_LOCAL_NAME:
		return f->local_name != NULL && strcasecmp(s->name, f->local_name) == 0;
	default:
		return 0;
	}
}

/* filter_score - specificity: more nested filters and longer masks win */
static unsigned filter_score(const struct dconf_sect *s, unsigned depth)
{
	unsigned score = depth * 1000;

	if (s->filter == DCONF_F_LOCAL || s->filter == DCONF_F_REMOTE)
		score += s->net_bits;
	return score;
}

/* filter_walk - best matching filter kv for name below parent */
static void filter_walk(const struct dconf_sect *parent, const struct dconf_filter *f,
			const char *name, unsigned depth, struct dconf_kv **best_r,
			const struct dconf_sect **best_sect_r, unsigned *best_score)
{
	for (size_t i = 0; i < parent->nfilters; i++) {
		const struct dconf_sect *s = parent->filters[i];
		struct dconf_kv *kv;
		unsigned score;

		if (!filter_match(s, f))
			continue;
		score = filter_score(s, depth + 1);
		kv = dconf_kv_find(s, name);
		if (kv != NULL && kv->val != NULL && score >= *best_score) {
			*best_r = kv;
			*best_sect_r = s;
			*best_score = score;
		}
		filter_walk(s, f, name, depth + 1, best_r, best_sect_r, best_score);
	}
}

const char *dconf_get_filter(const struct dconf *cfg, const struct dconf_filter *f, const char *name)
{
	struct dconf_kv *best = NULL;
	const struct dconf_sect *best_sect = NULL;
	unsigned score = 0;

	if (dconf_kv_find(cfg->root, name) == NULL)
		return NULL;
	filter_walk(cfg->root, f, name, 0, &best, &best_sect, &score);
	if (best == NULL)
		return dconf_get(cfg, name);
	(void)best_sect;
	return dconf_kv_value(cfg, best);
}

int dconf_get_filter_bool(const struct dconf *cfg, const struct dconf_filter *f, const char *name)
{
	const char *v = dconf_get_filter(cfg, f, name);
	int b;

	if (v == NULL || dconf_parse_bool(v, &b) < 0)
		return 0;
	return b;
}

void dconf_apply_filter(struct dconf *cfg, const struct dconf_filter *f)
{
	for (size_t i = 0; i < cfg->root->nkv; i++) {
		struct dconf_kv *kv = &cfg->root->kv[i], *best = NULL;
		const struct dconf_sect *best_sect = NULL;
		unsigned score = 0;

		filter_walk(cfg->root, f, kv->key, 0, &best, &best_sect, &score);
		if (best == NULL)
			continue;
		xfree(kv->val);
		xfree(kv->exp);
		xfree(kv->file_val);
		kv->exp = NULL;
		kv->val = xstrdup(best->val);
		kv->file_val = best->file_val != NULL ? xstrdup(best->file_val) : NULL;
	}
}
