/*
 * varexp - Dovecot 2.3 %-variable expansion (see varexp.h).
 *
 * Facts (shared/spec/dovecot-config.md 2.1, Dovecot's wiki Variables.txt
 * shipped in /usr/share/doc/dovecot-core/wiki, and runs of the real auth
 * daemon recorded in tests/unit/test_varexp.c): modifiers apply left to
 * right and the substring last; for %H/%N the width is the hash modulus and
 * the offset a zero-padded length; %N is bytes 4..7 of the MD5 digest, %H
 * the classic PJW/ELF string hash.  MD5 is implemented here from RFC 1321
 * so that lib/core needs no crypto library.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/varexp.h"

#define VAREXP_MAX_DEPTH 10	/* nested %{if} */
#define VAREXP_MAX_FIELDS 8
#define VAREXP_MAX_PAD 4096	/* zero padding (%04u, %8.256Nu) is capped here */

static char errbuf[512];

struct vctx {
	const struct varexp_entry *table;
	const char *error;	/* first unknown-variable message */
	int depth;
};

/* ---- MD5 (RFC 1321) ---- */

struct md5 {
	uint32_t a, b, c, d;
	uint64_t len;
	unsigned char block[64];
	size_t fill;
};

#define MD5_ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* md5_block - one 64-byte block */
static void md5_block(struct md5 *m, const unsigned char *p)
{
	static const uint32_t k[64] = {
		0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
		0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
		0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
		0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
		0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
		0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
		0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
		0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
		0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
		0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
		0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
	};
	static const unsigned char r[64] = {
		7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
		5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
		4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
		6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
	};
	uint32_t w[16], a = m->a, b = m->b, c = m->c, d = m->d;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 |
			(uint32_t)p[i * 4 + 2] << 16 | (uint32_t)p[i * 4 + 3] << 24;
	for (int i = 0; i < 64; i++) {
		uint32_t f, t;
		int g;

		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		b = b + MD5_ROTL(a + f + k[i] + w[g], r[i]);
		a = t;
	}
	m->a += a;
	m->b += b;
	m->c += c;
	m->d += d;
}

/* md5_digest - 16-byte digest of n bytes */
static void md5_digest(const void *data, size_t n, unsigned char out[16])
{
	struct md5 m = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0, { 0 }, 0 };
	const unsigned char *p = data;
	uint64_t bits = (uint64_t)n * 8;
	uint32_t v[4];

	for (; n >= 64; p += 64, n -= 64)
		md5_block(&m, p);
	memcpy(m.block, p, n);
	m.block[n++] = 0x80;
	if (n > 56) {
		memset(m.block + n, 0, 64 - n);
		md5_block(&m, m.block);
		n = 0;
	}
	memset(m.block + n, 0, 56 - n);
	for (int i = 0; i < 8; i++)
		m.block[56 + i] = (unsigned char)(bits >> (8 * i));
	md5_block(&m, m.block);
	v[0] = m.a; v[1] = m.b; v[2] = m.c; v[3] = m.d;
	for (int i = 0; i < 16; i++)
		out[i] = (unsigned char)(v[i / 4] >> (8 * (i % 4)));
}

/* md5_hex - lower-case hex MD5 of s */
static void md5_hex(const char *s, size_t n, struct buf *out)
{
	unsigned char d[16];

	md5_digest(s, n, d);
	for (int i = 0; i < 16; i++)
		buf_printf(out, "%02x", d[i]);
}

/* ---- modifiers ---- */

/* pjw_hash - the classic ELF string hash (Dovecot's %H) */
static uint32_t pjw_hash(const char *s, size_t n)
{
	uint32_t h = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t g;

		h = (h << 4) + (unsigned char)s[i];
		g = h & 0xf0000000u;
		if (g != 0) {
			h ^= g >> 24;
			h ^= g;
		}
	}
	return h;
}

/* md5_hash32 - %N: bytes 4..7 of the MD5 digest, big-endian */
static uint32_t md5_hash32(const char *s, size_t n)
{
	unsigned char d[16];

	md5_digest(s, n, d);
	return (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7];
}

struct mods {
	int has_offset, has_width, zero_pad;
	long offset, width;
	char letters[16];
	size_t nletters;
};

/* apply_letter - one modifier on v (in place, via a new buf) */
static void apply_letter(char m, struct buf *v, const struct mods *md)
{
	struct buf t;

	buf_init(&t, 0);
	switch (m) {
	case 'L':
	case 'U':
		for (size_t i = 0; i < v->len; i++)
			v->data[i] = (char)(m == 'L' ? tolower((unsigned char)v->data[i]) :
					    toupper((unsigned char)v->data[i]));
		break;
	case 'E':
		for (size_t i = 0; i < v->len; i++) {
			if (v->data[i] == '"' || v->data[i] == '\'' || v->data[i] == '\\')
				buf_append_c(&t, '\\');
			buf_append_c(&t, v->data[i]);
		}
		buf_set(v, t.data, t.len);
		break;
	case 'X':
		buf_printf(&t, "%llx", strtoull(v->data, NULL, 10));
		buf_set(v, t.data, t.len);
		break;
	case 'R':
		for (size_t i = 0; i < v->len / 2; i++) {
			char c = v->data[i];

			v->data[i] = v->data[v->len - 1 - i];
			v->data[v->len - 1 - i] = c;
		}
		break;
	case 'H':
	case 'N': {
		uint32_t h = m == 'H' ? pjw_hash(v->data, v->len) : md5_hash32(v->data, v->len);

		if (md->has_width && md->width > 0)
			h %= (uint32_t)md->width;
		buf_printf(&t, "%0*x", md->has_offset && md->offset > 0 ?
			   (int)(md->offset < VAREXP_MAX_PAD ? md->offset : VAREXP_MAX_PAD) : 0, h);
		buf_set(v, t.data, t.len);
		break;
	}
	case 'M':
		md5_hex(v->data, v->len, &t);
		buf_set(v, t.data, t.len);
		break;
	case 'D':
		for (size_t i = 0; i < v->len; i++) {
			if (v->data[i] == '.')
				buf_append_str(&t, ",dc=");
			else
				buf_append_c(&t, v->data[i]);
		}
		buf_set(v, t.data, t.len);
		break;
	case 'T':
		while (v->len > 0 && isspace((unsigned char)v->data[v->len - 1]))
			v->len--;
		v->data[v->len] = '\0';
		break;
	}
	buf_deinit(&t);
}

/* substring - offset/width rules of Dovecot's %[offset.]width */
static void substring(struct buf *v, const struct mods *md, struct buf *out)
{
	long len = (long)v->len, start = 0, n;

	if (md->has_offset) {
		if (md->offset >= 0) {
			if (md->offset > len) {
				start = len;
			} else {
				start = md->offset;
			}
		} else {
			start = len + md->offset < 0 ? 0 : len + md->offset;
		}
	}
	n = len - start;
	if (md->has_width && !md->zero_pad) {
		if (md->width >= 0 && md->width < n)
			n = md->width;
		else if (md->width < 0)
			n = n + md->width < 0 ? 0 : n + md->width;
	}
	if (md->has_width && md->zero_pad)
		for (long i = n; i < md->width && i < VAREXP_MAX_PAD; i++)
			buf_append_c(out, '0');
	buf_append(out, v->data + start, (size_t)n);
}

/* finish_value - modifiers left to right, then the substring (not for %H/%N) */
static void finish_value(const char *value, const struct mods *md, struct buf *out)
{
	struct buf v;
	int hashed = 0;

	buf_init(&v, 0);
	buf_append_str(&v, value != NULL ? value : "");
	for (size_t i = 0; i < md->nletters; i++) {
		apply_letter(md->letters[i], &v, md);
		if (md->letters[i] == 'H' || md->letters[i] == 'N')
			hashed = 1;
	}
	if (hashed)
		buf_append(out, v.data, v.len);
	else
		substring(&v, md, out);
	buf_deinit(&v);
}

/* parse_num - [-]digits; returns chars used (0 if none); zero_r when it starts with 0 */
static size_t parse_num(const char *p, long *v_r, int *zero_r)
{
	const char *s = p;
	int neg = 0;
	long v = 0;

	if (*s == '-' && isdigit((unsigned char)s[1])) {
		neg = 1;
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return 0;
	if (zero_r != NULL)
		*zero_r = *s == '0';
	for (; isdigit((unsigned char)*s); s++)
		if (v < 100000000)
			v = v * 10 + (*s - '0');
	*v_r = neg ? -v : v;
	return (size_t)(s - p);
}

/* parse_mods - offset/width and modifier letters after '%' */
static const char *parse_mods(const char *p, struct mods *md)
{
	size_t n;
	long v;
	int zero = 0;

	memset(md, 0, sizeof(*md));
	n = parse_num(p, &v, &zero);
	if (n > 0) {
		p += n;
		if (*p == '.') {
			md->has_offset = 1;
			md->offset = v;
			p++;
			n = parse_num(p, &md->width, &md->zero_pad);
			md->has_width = n > 0;
			p += n;
		} else {
			md->has_width = 1;
			md->width = v;
			md->zero_pad = zero;
		}
	}
	while (*p != '\0' && strchr("LUEXRHNMDT", *p) != NULL) {
		if (md->nletters < sizeof(md->letters))
			md->letters[md->nletters++] = *p;
		p++;
	}
	return p;
}

/* ---- lookups ---- */

/* find_short / find_long - table entry; NULL if unknown */
static const struct varexp_entry *find_short(const struct varexp_entry *t, char key)
{
	for (; t->key != '\0' || t->long_key != NULL; t++)
		if (t->key == key)
			return t;
	return NULL;
}

static const struct varexp_entry *find_long(const struct varexp_entry *t, const char *name)
{
	for (; t->key != '\0' || t->long_key != NULL; t++)
		if (t->long_key != NULL && strcmp(t->long_key, name) == 0)
			return t;
	return NULL;
}

/* unknown - remember the first unknown-variable message */
static void unknown(struct vctx *c, const char *name)
{
	if (c->error == NULL) {
		snprintf(errbuf, sizeof(errbuf), "Unknown variable '%%%s'", name);
		c->error = errbuf;
	}
}

static int expand(struct vctx *c, const char *tmpl, size_t len, struct buf *out);

/* split_fields - %{if;...} body on unescaped ';' outside nested { } */
static int split_fields(const char *s, size_t len, const char *f[], size_t fl[], int max)
{
	int n = 0, depth = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] == '\\' && i + 1 < len) {
			i++;
			continue;
		}
		if (i < len && s[i] == '{') {
			depth++;
			continue;
		}
		if (i < len && s[i] == '}' && depth > 0) {
			depth--;
			continue;
		}
		if (i == len || (s[i] == ';' && depth == 0)) {
			if (n == max)
				return max + 1;
			f[n] = s + start;
			fl[n++] = i - start;
			start = i + 1;
		}
	}
	return n;
}

/* expand_field - a %{if} field: variables expanded, backslash escapes literal */
static int expand_field(struct vctx *c, const char *s, size_t len, struct buf *out)
{
	struct buf lit;
	int ret;

	buf_init(&lit, 0);
	ret = expand(c, s, len, &lit);
	buf_append(out, lit.data, lit.len);
	buf_deinit(&lit);
	return ret;
}

/* parse_ll - whole string as a signed number */
static int parse_ll(const char *s, long long *v_r)
{
	char *end;

	if (*s == '\0')
		return -1;
	*v_r = strtoll(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/* cmp_result - operator index i (== != < <= > >=) applied to the sign d */
static int cmp_result(int i, long long d)
{
	switch (i) {
	case 0: return d == 0;
	case 1: return d != 0;
	case 2: return d < 0;
	case 3: return d <= 0;
	case 4: return d > 0;
	default: return d >= 0;
	}
}

/* compare_re - ~ and !~: extended POSIX regex on the rhs */
static int compare_re(const char *l, const char *op, const char *r)
{
	regex_t re;
	int m;

	if (regcomp(&re, r, REG_EXTENDED | REG_NOSUB) != 0) {
		snprintf(errbuf, sizeof(errbuf), "if: regex failed: %s", r);
		return -1;
	}
	m = regexec(&re, l, 0, NULL, 0) == 0;
	regfree(&re);
	return m == (op[0] == '~');
}

/* compare - the %{if} operators; 1/0, or -1 with errbuf set */
static int compare(const char *l, const char *op, const char *r)
{
	static const char *const numops[] = { "==", "!=", "<", "<=", ">", ">=" };
	static const char *const strops[] = { "eq", "ne", "lt", "le", "gt", "ge" };

	for (int i = 0; i < 6; i++) {
		long long a, b;

		if (strcmp(op, numops[i]) == 0) {
			if (parse_ll(l, &a) < 0) {
				snprintf(errbuf, sizeof(errbuf), "if: %s (lhs) is not a number", l);
				return -1;
			}
			if (parse_ll(r, &b) < 0) {
				snprintf(errbuf, sizeof(errbuf), "if: %s (rhs) is not a number", r);
				return -1;
			}
			return cmp_result(i, a < b ? -1 : a > b);
		}
		if (strcmp(op, strops[i]) == 0)
			return cmp_result(i, strcmp(l, r));
	}
	if (strcmp(op, "*") == 0 || strcmp(op, "!*") == 0)
		return (fnmatch(r, l, 0) == 0) == (op[0] == '*');
	if (strcmp(op, "~") == 0 || strcmp(op, "!~") == 0)
		return compare_re(l, op, r);
	snprintf(errbuf, sizeof(errbuf), "if: Unsupported comparator '%s'", op);
	return -1;
}

/* expand_if - %{if;lhs;op;rhs;then[;else]} into value */
static int expand_if(struct vctx *c, const char *body, size_t len, struct buf *value)
{
	const char *f[VAREXP_MAX_FIELDS];
	size_t fl[VAREXP_MAX_FIELDS];
	struct buf part[VAREXP_MAX_FIELDS];
	int n = split_fields(body, len, f, fl, VAREXP_MAX_FIELDS), ret = 1, r;

	if (n < 4 || n > 5) {
		snprintf(errbuf, sizeof(errbuf), "if: requires four or five parameters, got %d",
			 n > VAREXP_MAX_FIELDS ? VAREXP_MAX_FIELDS : n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		buf_init(&part[i], 0);
		if (expand_field(c, f[i], fl[i], &part[i]) < 0)
			ret = -1;
	}
	if (ret > 0) {
		r = compare(part[0].data, part[1].data, part[2].data);
		if (r < 0)
			ret = -1;
		else if (r > 0)
			buf_append(value, part[3].data, part[3].len);
		else if (n == 5)
			buf_append(value, part[4].data, part[4].len);
	}
	for (int i = 0; i < n; i++)
		buf_deinit(&part[i]);
	return ret;
}

/* hash_func - %{md5[;truncate=bits,format=hex|hexuc]:field} */
static int hash_func(struct vctx *c, const char *name, struct buf *value)
{
	const char *colon = strchr(name, ':');
	size_t alen = strcspn(name, ";:");
	const struct varexp_entry *e;
	struct buf h;
	long trunc = 0;
	int upper = 0;

	if (alen != 3 || strncmp(name, "md5", 3) != 0) {
		snprintf(errbuf, sizeof(errbuf), "Unknown hash method '%.*s'", (int)alen, name);
		return -1;
	}
	for (const char *p = name + alen; p < colon && *p != '\0'; ) {
		p++;
		if (strncmp(p, "truncate=", 9) == 0)
			trunc = strtol(p + 9, NULL, 10);
		else if (strncmp(p, "format=hexuc", 12) == 0)
			upper = 1;
		p += strcspn(p, ",:");
	}
	e = colon[1] != '\0' && colon[2] == '\0' ? find_short(c->table, colon[1]) : NULL;
	if (e == NULL)
		e = find_long(c->table, colon + 1);
	if (e == NULL) {
		unknown(c, colon + 1);
		return 0;
	}
	buf_init(&h, 0);
	md5_hex(e->value != NULL ? e->value : "", e->value != NULL ? strlen(e->value) : 0, &h);
	if (trunc > 0 && (size_t)(trunc / 4) < h.len)
		buf_truncate(&h, (size_t)((trunc + 3) / 4));
	if (upper)
		for (size_t i = 0; i < h.len; i++)
			h.data[i] = (char)toupper((unsigned char)h.data[i]);
	buf_append(value, h.data, h.len);
	buf_deinit(&h);
	return 1;
}

/* long_value - %{name}: table, then if/env/pid/hostname/hash functions */
static int long_value(struct vctx *c, const char *name, size_t len, struct buf *value)
{
	char *n = xstrndup(name, len);
	const struct varexp_entry *e = find_long(c->table, n);
	int ret = 1;

	if (e != NULL) {
		buf_append_str(value, e->value != NULL ? e->value : "");
	} else if (strncmp(n, "if;", 3) == 0) {
		if (c->depth >= VAREXP_MAX_DEPTH) {
			snprintf(errbuf, sizeof(errbuf), "if: nested too deeply");
			ret = -1;
		} else {
			c->depth++;
			ret = expand_if(c, name + 3, len - 3, value);
			c->depth--;
		}
	} else if (strncmp(n, "env:", 4) == 0) {
		const char *v = getenv(n + 4);

		buf_append_str(value, v != NULL ? v : "");
	} else if (strcmp(n, "pid") == 0) {
		buf_printf(value, "%ld", (long)getpid());
	} else if (strcmp(n, "hostname") == 0) {
		char host[256];

		if (gethostname(host, sizeof(host)) == 0) {
			host[sizeof(host) - 1] = '\0';
			buf_append_str(value, host);
		}
	} else if (strchr(n, ':') != NULL) {
		ret = hash_func(c, n, value);
	} else {
		unknown(c, n);
	}
	xfree(n);
	return ret;
}

/* brace_end - index of the '}' closing a %{ that starts at s (nested braces counted) */
static size_t brace_end(const char *s, size_t len)
{
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			i++;
		} else if (s[i] == '{') {
			depth++;
		} else if (s[i] == '}') {
			if (depth == 0)
				return i;
			depth--;
		}
	}
	return len;
}

/* expand_var - one variable after '%' (*pp is past the '%'); 1 or -1 */
static int expand_var(struct vctx *c, const char **pp, const char *end, struct buf *out)
{
	struct mods md;
	const char *p = parse_mods(*pp, &md);
	struct buf value;
	int ret = 1;

	if (p >= end) {
		*pp = p;
		return 1;
	}
	buf_init(&value, 0);
	if (*p == '{') {
		size_t e = brace_end(p + 1, (size_t)(end - p - 1));

		if (e == (size_t)(end - p - 1)) {
			buf_deinit(&value);
			snprintf(errbuf, sizeof(errbuf), "Missing '}' in %%{");
			return -1;
		}
		ret = long_value(c, p + 1, e, &value);
		p += e + 2;
	} else {
		const struct varexp_entry *e = find_short(c->table, *p);
		char k[2] = { *p, '\0' };

		if (e != NULL)
			buf_append_str(&value, e->value != NULL ? e->value : "");
		else
			unknown(c, k);
		p++;
	}
	if (ret > 0)
		finish_value(value.data, &md, out);
	buf_deinit(&value);
	*pp = p;
	return ret < 0 ? -1 : 1;
}

/* expand - the template (len bytes) into out; 1, or -1 on a syntax error */
static int expand(struct vctx *c, const char *tmpl, size_t len, struct buf *out)
{
	const char *p = tmpl, *end = tmpl + len;

	while (p < end) {
		const char *pct = memchr(p, '%', (size_t)(end - p));

		if (c->depth > 0) {
			/* inside %{if}: backslash escapes the next character */
			const char *bs = memchr(p, '\\', (size_t)(end - p));

			if (bs != NULL && (pct == NULL || bs < pct)) {
				buf_append(out, p, (size_t)(bs - p));
				if (bs + 1 < end)
					buf_append_c(out, bs[1]);
				p = bs + 2;
				continue;
			}
		}
		if (pct == NULL) {
			buf_append(out, p, (size_t)(end - p));
			break;
		}
		buf_append(out, p, (size_t)(pct - p));
		p = pct + 1;
		if (p >= end || *p == '%') {
			buf_append_c(out, '%');
			p++;
			continue;
		}
		if (expand_var(c, &p, end, out) < 0)
			return -1;
	}
	return 1;
}

int varexp(struct buf *out, const char *tmpl, const struct varexp_entry *table,
	   const char **error_r)
{
	struct vctx c = { table, NULL, 0 };

	if (expand(&c, tmpl, strlen(tmpl), out) < 0) {
		*error_r = errbuf;
		return -1;
	}
	if (c.error != NULL) {
		*error_r = c.error;
		return 0;
	}
	return 1;
}

int varexp_has_key(const char *tmpl, char key, const char *long_key)
{
	const char *p = tmpl;

	while ((p = strchr(p, '%')) != NULL) {
		struct mods md;

		p++;
		if (*p == '%') {
			p++;
			continue;
		}
		p = parse_mods(p, &md);
		if (*p == '{') {
			size_t len = strlen(p + 1), e = brace_end(p + 1, len);

			if (long_key != NULL && e == strlen(long_key) &&
			    strncmp(p + 1, long_key, e) == 0)
				return 1;
			/* look inside %{if;...} fields too */
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		if (key != '\0' && *p == key)
			return 1;
		p++;
	}
	return 0;
}
