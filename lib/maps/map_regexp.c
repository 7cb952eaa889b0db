/*
 * map_regexp - regexp: (POSIX extended/basic) and pcre: (PCRE2) tables.
 *
 * Pattern syntax as Postfix's regexp_table(5)/pcre_table(5): any
 * non-alphanumeric, non-blank delimiter; the flags after it toggle
 * defaults.  regexp: i (case-insensitive by default, "i" makes it
 * sensitive), m (multi-line, off), x (extended syntax, on: "x" selects
 * basic).  pcre: i (caseless, on), m (multiline, off), s (dotall, on), x
 * (extended, off), A (anchored), E (dollar end only), U (ungreedy); X is
 * rejected as PCRE2 has no such option.
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/buf.h"
#include "core/mem.h"
#include "maps/map_impl.h"
#include "maps/map_pattern.h"

static char errbuf[512];

/* split_pattern - "/text/flags": pattern text (malloc'ed) and flags; advances *pp */
static char *split_pattern(const char **pp, char **flags_r, const char **error_r)
{
	const char *p = *pp, *start, *end;
	char delim = *p;

	if (delim == '\0' || isalnum((unsigned char)delim) || isspace((unsigned char)delim)) {
		*error_r = "regular expression must start with a delimiter such as \"/\"";
		return NULL;
	}
	start = ++p;
	while (*p != '\0' && *p != delim) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		p++;
	}
	if (*p != delim) {
		snprintf(errbuf, sizeof(errbuf), "missing closing delimiter '%c' in \"%s\"", delim, *pp);
		*error_r = errbuf;
		return NULL;
	}
	end = p++;
	{
		const char *f = p;

		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		*flags_r = xstrndup(f, (size_t)(p - f));
	}
	*pp = p;
	return xstrndup(start, (size_t)(end - start));
}

struct flag_bit {
	char flag;
	unsigned bit;
};

/* toggle_flags - each flag letter toggles its bit; -1 for an unknown letter */
static int toggle_flags(const char *flags, const struct flag_bit *table, unsigned *bits,
			const char **error_r)
{
	for (const char *f = flags; *f != '\0'; f++) {
		const struct flag_bit *t;

		for (t = table; t->flag != '\0' && t->flag != *f; t++)
			;
		if (t->flag == '\0') {
			snprintf(errbuf, sizeof(errbuf), "unknown regexp option \"%c\": skipping this rule", *f);
			*error_r = errbuf;
			return -1;
		}
		*bits ^= t->bit;
	}
	return 0;
}

/* ---- POSIX ---- */

struct posix_pat {
	regex_t re;
};

static void *posix_compile(const char **pp, const char **error_r)
{
	char *flags, *text = split_pattern(pp, &flags, error_r);
	static const struct flag_bit table[] = {
		{ 'i', REG_ICASE }, { 'm', REG_NEWLINE }, { 'x', REG_EXTENDED }, { '\0', 0 },
	};
	unsigned cflags = REG_ICASE | REG_EXTENDED;
	struct posix_pat *pat;
	int rc;

	if (text == NULL)
		return NULL;
	if (toggle_flags(flags, table, &cflags, error_r) < 0) {
		xfree(text);
		xfree(flags);
		return NULL;
	}
	pat = xcalloc(1, sizeof(*pat));
	rc = regcomp(&pat->re, text, (int)cflags);
	if (rc != 0) {
		char msg[256];

		regerror(rc, &pat->re, msg, sizeof(msg));
		snprintf(errbuf, sizeof(errbuf), "%s", msg);
		*error_r = errbuf;
		xfree(pat);
		pat = NULL;
	}
	xfree(text);
	xfree(flags);
	return pat;
}

static int posix_match(void *p, const char *subject, struct buf *cap[10], int *ncap_r)
{
	struct posix_pat *pat = p;
	regmatch_t m[10];
	int n;

	if (regexec(&pat->re, subject, 10, m, 0) != 0)
		return 0;
	for (n = 0; n < 10; n++) {
		buf_reset(cap[n]);
		if (m[n].rm_so >= 0)
			buf_append(cap[n], subject + m[n].rm_so, (size_t)(m[n].rm_eo - m[n].rm_so));
	}
	*ncap_r = 10;
	return 1;
}

static void posix_free(void *p)
{
	struct posix_pat *pat = p;

	regfree(&pat->re);
	xfree(pat);
}

static int posix_ncaptures(void *p)
{
	return (int)((struct posix_pat *)p)->re.re_nsub;
}

static const struct pattern_ops posix_ops = {
	posix_compile, posix_match, posix_free, 1, NULL, posix_ncaptures,
};

/* ---- PCRE2 ---- */

struct pcre_pat {
	pcre2_code *code;
	pcre2_match_data *md;
};

static void *pcre_compile_pat(const char **pp, const char **error_r)
{
	char *flags, *text = split_pattern(pp, &flags, error_r);
	static const struct flag_bit table[] = {
		{ 'i', PCRE2_CASELESS }, { 'm', PCRE2_MULTILINE }, { 's', PCRE2_DOTALL },
		{ 'x', PCRE2_EXTENDED }, { 'A', PCRE2_ANCHORED }, { 'E', PCRE2_DOLLAR_ENDONLY },
		{ 'U', PCRE2_UNGREEDY }, { '\0', 0 },
	};
	unsigned opts = PCRE2_CASELESS | PCRE2_DOTALL;
	struct pcre_pat *pat;
	int err;
	PCRE2_SIZE off;

	if (text == NULL)
		return NULL;
	if (toggle_flags(flags, table, &opts, error_r) < 0) {
		xfree(text);
		xfree(flags);
		return NULL;
	}
	pat = xcalloc(1, sizeof(*pat));
	pat->code = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, opts, &err, &off, NULL);
	if (pat->code == NULL) {
		char msg[256];

		pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof(msg));
		snprintf(errbuf, sizeof(errbuf), "error in regex at offset %zu: %s", (size_t)off, msg);
		*error_r = errbuf;
		xfree(pat);
		pat = NULL;
	} else {
		pat->md = pcre2_match_data_create_from_pattern(pat->code, NULL);
	}
	xfree(text);
	xfree(flags);
	return pat;
}

static int pcre_match(void *p, const char *subject, struct buf *cap[10], int *ncap_r)
{
	struct pcre_pat *pat = p;
	int rc = pcre2_match(pat->code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, pat->md, NULL);
	PCRE2_SIZE *ov;

	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return -1;
	ov = pcre2_get_ovector_pointer(pat->md);
	for (int n = 0; n < 10; n++) {
		buf_reset(cap[n]);
		if (n < rc && ov[2 * n] != PCRE2_UNSET)
			buf_append(cap[n], subject + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
	}
	*ncap_r = 10;
	return 1;
}

static void pcre_free_pat(void *p)
{
	struct pcre_pat *pat = p;

	pcre2_match_data_free(pat->md);
	pcre2_code_free(pat->code);
	xfree(pat);
}

static int pcre_ncaptures(void *p)
{
	uint32_t n = 0;

	pcre2_pattern_info(((struct pcre_pat *)p)->code, PCRE2_INFO_CAPTURECOUNT, &n);
	return (int)n;
}

static const struct pattern_ops pcre_ops = {
	pcre_compile_pat, pcre_match, pcre_free_pat, 1, NULL, pcre_ncaptures,
};

static int regexp_open(struct map *map, const char **error_r)
{
	return pattern_table_load(map, &posix_ops, error_r);
}

static int pcre_open(struct map *map, const char **error_r)
{
	return pattern_table_load(map, &pcre_ops, error_r);
}

const struct map_ops map_ops_regexp = {
	"regexp", 0, regexp_open, pattern_table_lookup, NULL, NULL, NULL, NULL, pattern_table_close,
};
const struct map_ops map_ops_pcre = {
	"pcre", 0, pcre_open, pattern_table_lookup, NULL, NULL, NULL, NULL, pattern_table_close,
};
