/*
 * dconf_parse - the dovecot.conf reader: lines, comments, continuations,
 * quoting, sections, filters, !include/!include_try, <file values and
 * $self references (shared/spec/dovecot-config.md section 1; decisions in
 * docs/dovecot-config.md).  Every input is bounded: line length, file size,
 * include depth, number of files, section nesting and count.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/dconf_int.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

struct pframe {
	struct dconf_sect *s;
	char *where;		/* "file:line" of the opening line */
};

struct pstate {
	struct dconf *cfg;
	unsigned flags;
	struct pframe stack[DCONF_MAX_NESTING + 1];
	int depth;		/* 0 = root */
	const char *inc[DCONF_MAX_INCLUDE_DEPTH + 1];	/* files being read */
	int ninc;
	int nfiles;
	const char *file;	/* current file (as named) */
	char *dir;		/* its directory */
	int line;
};

static char errbuf[2048];
static char checkbuf[1024];	/* semantic checks, wrapped into errbuf */

/* perr - "Error in configuration file F line N: msg" */
static int perr(struct pstate *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pstate *ps, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(errbuf, sizeof(errbuf), "Error in configuration file %.400s line %d: %s", ps->file,
		 ps->line, msg);
	return -1;
}

/* read_file - whole file, bounded; -1 with errno set */
static int read_file(const char *path, size_t max, char **text_r, size_t *len_r)
{
	struct buf b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	buf_init(&b, max);
	for (;;) {
		char tmp[65536];
		ssize_t n = read(fd, tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && buf_append(&b, tmp, (size_t)n) < 0)) {
			int e = n < 0 ? errno : EFBIG;

			buf_deinit(&b);
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
	}
	close(fd);
	*len_r = b.len;
	*text_r = dconf_buf_take(&b);
	return 0;
}

/* dir_of - directory part of path ("." if none) */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* rel_path - path relative to the current file's directory */
static char *rel_path(const struct pstate *ps, const char *path)
{
	if (path[0] == '/' || strcmp(ps->dir, ".") == 0)
		return xstrdup(path);
	return xasprintf("%s/%s", ps->dir, path);
}

/* ---- line level ---- */

/*
 * strip_comment - cut an unquoted '#'; warns when no whitespace precedes
 * it (Dovecot treats it as a comment anyway).
 */
static void strip_comment(struct pstate *ps, char *line)
{
	char quote = 0;

	for (char *p = line; *p != '\0'; p++) {
		if (quote != 0) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '#') {
			if (p > line && p[-1] != ' ' && p[-1] != '\t')
				msg_warn("Configuration file %s line %d: Ambiguous '#' character in "
					 "line, treating it as comment. Add a space before it to "
					 "remove this warning.", ps->file, ps->line);
			*p = '\0';
			return;
		}
	}
}

/* trim_right - drop trailing whitespace */
static void trim_right(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
			 s[n - 1] == '\n'))
		s[--n] = '\0';
}

/* skip_ws - first non-blank */
static char *skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* unquote - "..." or '...' covering all of s: decode escapes; 1 if it was quoted */
static int unquote(const char *s, char **out_r)
{
	size_t n = strlen(s);
	struct buf b;

	if (n < 2 || (s[0] != '"' && s[0] != '\'') || s[n - 1] != s[0])
		return 0;
	buf_init(&b, 0);
	for (size_t i = 1; i < n - 1; i++) {
		if (s[i] == '\\' && i + 1 < n - 1)
			i++;
		else if (s[i] == s[0])
			break;	/* quote inside: keep what we have (as Dovecot) */
		buf_append_c(&b, s[i]);
	}
	*out_r = dconf_buf_take(&b);
	return 1;
}

/* ---- context helpers ---- */

static struct dconf_sect *cur(const struct pstate *ps)
{
	return ps->stack[ps->depth].s;
}

/* in_filter_or_root - settings here are global settings */
static int global_context(const struct dconf_sect *s)
{
	return s->parent == NULL || s->filter != DCONF_F_NONE;
}

/* context_defs - table rows valid in s (NULL for free-form) */
static const struct dconf_def *context_defs(const struct dconf_sect *s)
{
	if (global_context(s))
		return dconf_global_defs;
	return s->tdesc != NULL ? s->tdesc->defs : NULL;
}

/* find_row - table row key in defs */
static const struct dconf_def *find_row(const struct dconf_def *defs, const char *key)
{
	for (const struct dconf_def *d = defs; d != NULL && d->key != NULL; d++)
		if (strcmp(d->key, key) == 0)
			return d;
	return NULL;
}

/* unknown_setting - Dovecot names the enclosing section types: "service { foo" */
static int unknown_setting(struct pstate *ps, const char *key)
{
	struct buf b;
	int ret;

	buf_init(&b, 0);
	for (int i = 1; i <= ps->depth; i++)
		if (ps->stack[i].s->filter == DCONF_F_NONE)
			buf_printf(&b, "%s { ", ps->stack[i].s->type);
	ret = perr(ps, "Unknown setting: %s%s", buf_cstr(&b), key);
	buf_deinit(&b);
	return ret;
}

/* current_value - value of key as set so far in this context (for $key) */
static const char *current_value(const struct pstate *ps, const char *key)
{
	for (int i = ps->depth; i >= 0; i--) {
		struct dconf_kv *kv = dconf_kv_find(ps->stack[i].s, key);

		if (kv != NULL && (kv->val != NULL || !global_context(ps->stack[i].s) ||
				   ps->stack[i].s->parent == NULL))
			return kv->val != NULL ? kv->val : kv->def != NULL ? kv->def : "";
		if (!global_context(ps->stack[i].s))
			break;
	}
	return "";
}

/* expand_self - replace space-separated "$key" tokens by the current value of key */
static char *expand_self(const struct pstate *ps, const char *key, const char *v)
{
	struct buf b;
	size_t kl = strlen(key);

	buf_init(&b, 0);
	while (*v != '\0') {
		const char *end = strchr(v, ' ');
		size_t n = end != NULL ? (size_t)(end - v) : strlen(v);

		if (n == kl + 1 && v[0] == '$' && memcmp(v + 1, key, kl) == 0)
			buf_append_str(&b, current_value(ps, key));
		else
			buf_append(&b, v, n);
		v += n;
		if (*v == ' ')
			buf_append_c(&b, *v++);
	}
	return dconf_buf_take(&b);
}

/* warn_filter_override - a global set after a filter that set it too */
static void warn_filter_override(struct pstate *ps, const struct dconf_sect *s, const char *key)
{
	for (size_t i = 0; i < s->nfilters; i++) {
		const struct dconf_sect *f = s->filters[i];
		struct dconf_kv *kv = dconf_kv_find(f, key);

		if (kv != NULL && kv->val != NULL) {
			const char *w = kv->where;
			const char *colon = strrchr(w, ':');
			char *wf = xstrndup(w, colon != NULL ? (size_t)(colon - w) : strlen(w));
			const char *wl = colon != NULL ? colon + 1 : "0";

			msg_warn("%s line %d: Global setting %s won't change the setting inside an "
				 "earlier filter at %s line %s (if this is intentional, avoid this "
				 "warning by moving the global setting before %s line %s)",
				 ps->file, ps->line, key, wf, wl, wf, wl);
			xfree(wf);
			return;
		}
		warn_filter_override(ps, f, key);
	}
}

/* ---- settings ---- */

/* file_value - "<path": remember the raw form, read the file unless told not to */
static int file_value(struct pstate *ps, struct dconf_kv *kv, const char *key, const char *v)
{
	char *path, *text;
	size_t len;

	if (ps->flags & DCONF_FLAG_NO_FILE_VALUES)
		return 0;
	path = rel_path(ps, skip_ws((char *)v + 1));
	if (read_file(path, DCONF_MAX_FILE, &text, &len) < 0) {
		int e = errno;

		xfree(path);
		return perr(ps, "%s: Can't open file %s: %s", key, skip_ws((char *)v + 1),
			    strerror(e));
	}
	xfree(path);
	if (memchr(text, '\0', len) != NULL) {
		xfree(text);
		return perr(ps, "%s: File %s contains NUL bytes", key, v + 1);
	}
	xfree(kv->file_val);
	kv->file_val = text;
	return 0;
}

/* kv_for - the kv a setting line writes to, NULL (error set) if the key is unknown */
static struct dconf_kv *kv_for(struct pstate *ps, const char *key, const struct dconf_def **row_r)
{
	struct dconf_sect *s = cur(ps);
	struct dconf_kv *kv;

	*row_r = NULL;
	if (s->free_form) {
		kv = dconf_kv_find(s, key);
		if (kv == NULL) {
			if (s->nkv >= DCONF_MAX_KEYS) {
				perr(ps, "Too many settings in section");
				return NULL;
			}
			kv = dconf_kv_add(s, key);
		}
		return kv;
	}
	*row_r = find_row(context_defs(s), key);
	if (*row_r == NULL || (*row_r)->type == DCONF_T_LIST || (*row_r)->type == DCONF_T_STRLIST) {
		unknown_setting(ps, key);
		return NULL;
	}
	kv = dconf_kv_find(s, key);
	if (kv == NULL && (*row_r)->type != DCONF_T_NAME) {
		/* a filter block: first value for this global */
		kv = dconf_kv_add(s, key);
		kv->def = (*row_r)->value;
		kv->tdef = *row_r;
	}
	return kv;
}

/* in_net_filter - s is (inside) a local or remote block */
static int in_net_filter(const struct dconf_sect *s)
{
	for (; s != NULL; s = s->parent)
		if (s->filter == DCONF_F_LOCAL || s->filter == DCONF_F_REMOTE)
			return 1;
	return 0;
}

/* set_value - "key = value" in the current context */
static int set_value(struct pstate *ps, const char *key, const char *v)
{
	const struct dconf_def *row;
	struct dconf_kv *kv = kv_for(ps, key, &row);
	char *value = NULL, *canon = NULL;
	const char *error;
	int is_file = 0;

	if (kv == NULL) {
		if (row != NULL && row->type == DCONF_T_NAME)
			return 0;	/* the section's own name: accepted, not changed */
		return -1;
	}
	if (row != NULL && (row->flags & DCONF_DEF_AUTH) && in_net_filter(cur(ps)))
		return perr(ps, "Auth settings not supported inside local/remote blocks: %s", key);
	if (unquote(v, &value)) {
		/* quoted: literal */
	} else if (v[0] == '<') {
		value = xstrdup(v);
		is_file = 1;
	} else if (strchr(v, '$') != NULL) {
		value = expand_self(ps, key, v);
	} else {
		value = xstrdup(v);
	}
	if (!is_file && row != NULL) {
		if (dconf_normalize(row, value, &canon, &error) < 0) {
			xfree(value);
			return perr(ps, "%s", error);
		}
		xfree(value);
		value = canon;
	}
	if (cur(ps)->parent == NULL)
		warn_filter_override(ps, cur(ps), key);
	xfree(kv->val);
	xfree(kv->exp);
	xfree(kv->file_val);
	kv->exp = kv->file_val = NULL;
	kv->val = value;
	xfree(kv->where);
	kv->where = xasprintf("%s:%d", ps->file, ps->line);
	return is_file ? file_value(ps, kv, key, value) : 0;
}

/* ---- sections ---- */

/* push - enter section s opened on this line */
static int push(struct pstate *ps, struct dconf_sect *s)
{
	if (ps->depth >= DCONF_MAX_NESTING)
		return perr(ps, "Sections nested too deeply");
	ps->depth++;
	ps->stack[ps->depth].s = s;
	ps->stack[ps->depth].where = xasprintf("%s:%d", ps->file, ps->line);
	if (s->where[0] == '\0') {
		xfree(s->where);
		s->where = xstrdup(ps->stack[ps->depth].where);
	}
	for (struct dconf_sect *p = s; p != NULL; p = p->parent)
		p->is_default = 0;
	return 0;
}

/* add_child - append to parent's child or filter list */
static void add_to(struct dconf_sect ***v, size_t *n, size_t *a, struct dconf_sect *s)
{
	if (*n == *a) {
		*a = *a ? *a * 2 : 8;
		*v = xreallocarray(*v, *a, sizeof(**v));
	}
	(*v)[(*n)++] = s;
}

static int filter_kind(const char *type)
{
	if (strcmp(type, "protocol") == 0)
		return DCONF_F_PROTOCOL;
	if (strcmp(type, "local") == 0)
		return DCONF_F_LOCAL;
	if (strcmp(type, "remote") == 0)
		return DCONF_F_REMOTE;
	if (strcmp(type, "local_name") == 0)
		return DCONF_F_LOCAL_NAME;
	return DCONF_F_NONE;
}

/* net_inside - inner network inside the outer one */
static int net_inside(const struct dconf_sect *outer, const struct dconf_sect *inner)
{
	unsigned bits = outer->net_bits;

	if (outer->net_family != inner->net_family || inner->net_bits < bits)
		return 0;
	for (unsigned i = 0; i < bits / 8; i++)
		if (outer->net_addr[i] != inner->net_addr[i])
			return 0;
	if (bits % 8 != 0) {
		unsigned char m = (unsigned char)(0xff << (8 - bits % 8));

		if ((outer->net_addr[bits / 8] & m) != (inner->net_addr[bits / 8] & m))
			return 0;
	}
	return 1;
}

/* filter_nesting_ok - Dovecot's allowed orders: local > remote > protocol, local_name */
static int filter_nesting_ok(struct pstate *ps, const struct dconf_sect *parent, int kind,
			     const struct dconf_sect *s)
{
	for (const struct dconf_sect *p = parent; p != NULL && p->filter != DCONF_F_NONE;
	     p = p->parent) {
		if (p->filter == DCONF_F_PROTOCOL && kind == DCONF_F_PROTOCOL)
			return perr(ps, "Nested protocol { protocol { .. } } block not allowed");
		if (p->filter == DCONF_F_PROTOCOL)
			return perr(ps, "protocol { %s { .. } } not allowed (use %s { protocol { .. } } "
				    "instead)", s->type, s->type);
		if (p->filter == DCONF_F_REMOTE && kind == DCONF_F_LOCAL)
			return perr(ps, "remote { local { .. } } not allowed (use local { remote { .. "
				    "} } instead)");
		if (p->filter == DCONF_F_LOCAL_NAME && kind != DCONF_F_PROTOCOL)
			return perr(ps, "local_name { %s { .. } } not allowed (use %s { local_name { .. "
				    "} } instead)", s->type, s->type);
		if (p->filter == kind && (kind == DCONF_F_LOCAL || kind == DCONF_F_REMOTE) &&
		    !net_inside(p, s))
			return perr(ps, "%s net1 { %s net2 { .. } } requires net2 to be inside net1",
				    s->type, s->type);
	}
	return 0;
}

/* open_filter - protocol/local/remote/local_name block */
static int open_filter(struct pstate *ps, const char *type, const char *name, int kind)
{
	struct dconf_sect *parent = cur(ps);
	struct dconf_sect *s;
	const char *error;

	if (!global_context(parent))
		return unknown_setting(ps, type);
	if (name[0] == '\0')
		return perr(ps, "%s must have a name", type);
	s = dconf_sect_new(ps->cfg, parent, type, name, NULL);
	s->filter = kind;
	if (kind == DCONF_F_PROTOCOL && name[0] == '!')
		s->negate = 1;
	if ((kind == DCONF_F_LOCAL || kind == DCONF_F_REMOTE) &&
	    dconf_parse_net(name, &s->net_family, s->net_addr, &s->net_bits, &error) < 0) {
		dconf_sect_free(s);
		return perr(ps, "%s", error);
	}
	if (filter_nesting_ok(ps, parent, kind, s) < 0) {
		dconf_sect_free(s);
		return -1;
	}
	xfree(s->where);
	s->where = xasprintf("%s:%d", ps->file, ps->line);
	add_to(&parent->filters, &parent->nfilters, &parent->afilters, s);
	return push(ps, s);
}

/* count_type - children of one type */
static unsigned count_type(const struct dconf_sect *parent, const char *type)
{
	unsigned n = 0;

	for (size_t i = 0; i < parent->nchild; i++)
		if (strcmp(parent->child[i]->type, type) == 0)
			n++;
	return n;
}

/* open_section - typed or free-form section: merge with one of the same type+name */
static int open_section(struct pstate *ps, const char *type, const char *name)
{
	struct dconf_sect *parent = cur(ps);
	const struct dconf_def *row;
	struct dconf_sect *s = NULL;
	int is_db = strcmp(type, "passdb") == 0 || strcmp(type, "userdb") == 0;

	if (parent->free_form)
		return perr(ps, "Section not allowed here");
	row = find_row(context_defs(parent), type);
	if (row == NULL || (row->type != DCONF_T_LIST && row->type != DCONF_T_STRLIST)) {
		/* Dovecot reports the new section's type as the unknown key */
		struct dconf_sect tmp = { .type = (char *)type };

		ps->stack[ps->depth + 1].s = &tmp;
		ps->depth++;
		unknown_setting(ps, type);
		ps->depth--;
		return -1;
	}
	if (ps->cfg->nsections >= DCONF_MAX_SECTIONS)
		return perr(ps, "Too many sections");
	if (is_db && name[0] != '\0' && dconf_sect_find(parent, type, name) != NULL)
		return perr(ps, "%s/%s already exists", type, name);
	if (!is_db)
		s = (struct dconf_sect *)dconf_sect_find(parent, type, name);
	if (s == NULL) {
		s = dconf_sect_new(ps->cfg, parent, type, name, dconf_type_find(type));
		if (is_db) {
			struct dconf_kv *kv = dconf_kv_find(s, "name");

			s->list_index = count_type(parent, type);
			if (kv != NULL && name[0] != '\0')
				kv->val = xstrdup(name);
		}
		xfree(s->where);
		s->where = xasprintf("%s:%d", ps->file, ps->line);
		add_to(&parent->child, &parent->nchild, &parent->achild, s);
	}
	return push(ps, s);
}

/*
 * section_line - "type [name] {": the '{' must end the line and a name
 * with spaces must be quoted.
 */
static int section_line(struct pstate *ps, const char *key, char *rest)
{
	size_t n = strlen(rest);
	char *name, *uq;
	int kind, ret;

	if (n == 0 || rest[n - 1] != '{')
		return perr(ps, strchr(rest, '{') != NULL ? "Garbage after '{'" : "Expecting '{'");
	rest[n - 1] = '\0';
	trim_right(rest);
	if (unquote(rest, &uq)) {
		name = uq;
	} else {
		if (strpbrk(rest, " \t\"'{") != NULL)
			return perr(ps, strchr(rest, '{') != NULL ? "Garbage after '{'" :
				    "Expecting '{'");
		name = xstrdup(rest);
	}
	kind = filter_kind(key);
	ret = kind != DCONF_F_NONE ? open_filter(ps, key, name, kind) :
		open_section(ps, key, name);
	xfree(name);
	return ret;
}

/* close_section - "}" */
static int close_section(struct pstate *ps)
{
	if (ps->depth == 0)
		return perr(ps, "Unexpected '}'");
	xfree(ps->stack[ps->depth].where);
	ps->stack[ps->depth].where = NULL;
	ps->depth--;
	return 0;
}

static int parse_text(struct pstate *ps, const char *name, const char *text, size_t len);

/* include_one - read one included file */
static int include_one(struct pstate *ps, const char *path, int try)
{
	char *text;
	size_t len;
	struct stat st;
	int ret;

	for (int i = 0; i < ps->ninc; i++)
		if (strcmp(ps->inc[i], path) == 0)
			return perr(ps, "Recursive include file: %s", path);
	if (ps->ninc >= DCONF_MAX_INCLUDE_DEPTH)
		return perr(ps, "Too deep include file nesting");
	if (++ps->nfiles > DCONF_MAX_FILES)
		return perr(ps, "Too many include files");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;	/* as Dovecot: a directory reads as empty */
	if (read_file(path, DCONF_MAX_FILE, &text, &len) < 0) {
		if (try && (errno == ENOENT || errno == EACCES))
			return 0;
		return perr(ps, errno == EFBIG ? "Include file %s is too large" :
			    "Couldn't open include file %s: %s", path, strerror(errno));
	}
	ret = parse_text(ps, path, text, len);
	xfree(text);
	return ret;
}

/* include_line - "!include[_try] pattern": glob relative to the current file */
static int include_line(struct pstate *ps, char *arg, int try)
{
	char *uq, *pattern;
	glob_t g;
	int gr, ret = 0;

	arg = skip_ws(arg);
	if (unquote(arg, &uq)) {
		pattern = rel_path(ps, uq);
		xfree(uq);
	} else {
		pattern = rel_path(ps, arg);
	}
	gr = glob(pattern, GLOB_BRACE, NULL, &g);
	xfree(pattern);
	if (gr == GLOB_NOMATCH) {
		globfree(&g);
		return try ? 0 : perr(ps, "No matches");
	}
	if (gr != 0) {
		globfree(&g);
		return perr(ps, "glob() failed: %s", strerror(errno));
	}
	for (size_t i = 0; i < g.gl_pathc && ret == 0; i++) {
		const char *file = ps->file;
		char *dir = ps->dir;
		int line = ps->line;

		ret = include_one(ps, g.gl_pathv[i], try);
		ps->file = file;
		ps->dir = dir;
		ps->line = line;
	}
	globfree(&g);
	return ret;
}

/* logical_line - one line after comments and continuations */
static int logical_line(struct pstate *ps, char *line)
{
	char *p = skip_ws(line), *key_end, *rest;
	char *key;
	int ret;

	if (*p == '\0')
		return 0;
	if (strcmp(p, "}") == 0)
		return close_section(ps);
	if (strncmp(p, "!include_try", 12) == 0 && (p[12] == ' ' || p[12] == '\t'))
		return include_line(ps, p + 12, 1);
	if (strncmp(p, "!include", 8) == 0 && (p[8] == ' ' || p[8] == '\t'))
		return include_line(ps, p + 8, 0);
	key_end = p + strcspn(p, " \t=");
	key = xstrndup(p, (size_t)(key_end - p));
	rest = skip_ws(key_end);
	if (*rest == '=')
		ret = key[0] == '\0' ? perr(ps, "Missing key name ('=' at the beginning of line)") :
			set_value(ps, key, skip_ws(rest + 1));
	else
		ret = section_line(ps, key, rest);
	xfree(key);
	return ret;
}

/* parse_text - every line of one file */
static int parse_text(struct pstate *ps, const char *name, const char *text, size_t len)
{
	struct buf lb;
	size_t pos = 0;
	int ret = 0, first_line = 0;

	if (memchr(text, '\0', len) != NULL) {
		ps->file = name;
		ps->line = 0;
		return perr(ps, "File contains NUL bytes");
	}
	ps->inc[ps->ninc++] = name;
	ps->file = name;
	ps->dir = dir_of(name);
	ps->line = 0;
	buf_init(&lb, DCONF_MAX_LINE);
	while (pos < len && ret == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char *phys, *p;
		size_t pl;

		ps->line++;
		if (n > DCONF_MAX_LINE) {
			ret = perr(ps, "Line too long");
			break;
		}
		phys = xstrndup(text + pos, n);
		pos += n + (nl != NULL);
		p = skip_ws(phys);
		if (*p == '#' && lb.len == 0) {
			xfree(phys);
			continue;
		}
		strip_comment(ps, p);
		trim_right(p);
		pl = strlen(p);
		if (lb.len == 0)
			first_line = ps->line;
		if (pl > 0 && p[pl - 1] == '\\') {
			p[pl - 1] = '\0';
			trim_right(p);
			if (buf_append_str(&lb, p) < 0 || buf_append_c(&lb, ' ') < 0)
				ret = perr(ps, "Line too long");
			xfree(phys);
			continue;
		}
		if (buf_append_str(&lb, p) < 0) {
			ret = perr(ps, "Line too long");
		} else {
			int last = ps->line;

			ps->line = first_line;
			ret = logical_line(ps, lb.data);
			ps->line = last;
		}
		buf_reset(&lb);
		xfree(phys);
	}
	if (ret == 0 && lb.len > 0)
		ret = logical_line(ps, lb.data);
	buf_deinit(&lb);
	xfree(ps->dir);
	ps->dir = NULL;
	ps->ninc--;
	return ret;
}

/* ---- checks after the whole file was read ---- */

/* check_dbs - every passdb/userdb needs a driver */
static int check_dbs(const struct dconf_sect *root)
{
	for (size_t i = 0; i < root->nchild; i++) {
		const struct dconf_sect *s = root->child[i];

		if ((strcmp(s->type, "passdb") == 0 || strcmp(s->type, "userdb") == 0) &&
		    dconf_sect_get(s, "driver")[0] == '\0') {
			snprintf(checkbuf, sizeof(checkbuf), "%s is missing driver", s->type);
			return -1;
		}
	}
	return 0;
}

/* check_services - a service needs a name */
static int check_services(const struct dconf_sect *root)
{
	unsigned n = 0;

	for (size_t i = 0; i < root->nchild; i++) {
		const struct dconf_sect *s = root->child[i];

		if (strcmp(s->type, "service") != 0)
			continue;
		if (s->name[0] == '\0') {
			snprintf(checkbuf, sizeof(checkbuf), "Service #%u is missing name", n);
			return -1;
		}
		n++;
	}
	return 0;
}

/* check_protocols - every protocol is served by some service (or "none") */
static int check_protocols(const struct dconf *cfg)
{
	const char *v = dconf_get(cfg, "protocols");
	char *copy = xstrdup(v), *save = NULL;
	int ret = 0;

	for (char *w = strtok_r(copy, " \t,", &save); w != NULL && ret == 0;
	     w = strtok_r(NULL, " \t,", &save)) {
		const struct dconf_sect *s = NULL;
		int found = strcmp(w, "none") == 0;

		while (!found && (s = dconf_sect_next(cfg->root, "service", s)) != NULL)
			found = strcmp(dconf_sect_get(s, "protocol"), w) == 0;
		if (!found) {
			snprintf(checkbuf, sizeof(checkbuf), "protocols: Unknown protocol: %s", w);
			ret = -1;
		}
	}
	xfree(copy);
	return ret;
}

/* check_namespaces - a hierarchy separator is one character */
static int check_namespaces(const struct dconf_sect *root)
{
	const struct dconf_sect *s = NULL;

	while ((s = dconf_sect_next(root, "namespace", s)) != NULL) {
		if (strlen(dconf_sect_get(s, "separator")) > 1) {
			snprintf(checkbuf, sizeof(checkbuf), "Namespace '%.900s': Hierarchy separator "
				 "must be only one character long", dconf_sect_get(s, "prefix"));
			return -1;
		}
	}
	return 0;
}

int dconf_check(const struct dconf *cfg, const char **error_r, const char **detail_r)
{
	if (cfg->unclosed != NULL) {
		snprintf(checkbuf, sizeof(checkbuf), "Missing '}' (section started at %.900s)",
			 cfg->unclosed);
		snprintf(errbuf, sizeof(errbuf), "Error in configuration file %.900s: %s",
			 cfg->path, checkbuf);
		*error_r = errbuf;
		if (detail_r != NULL)
			*detail_r = NULL;	/* no "Error:" line for this one */
		return -1;
	}
	if (check_dbs(cfg->root) < 0 || check_services(cfg->root) < 0 ||
	    check_protocols(cfg) < 0 || check_namespaces(cfg->root) < 0) {
		snprintf(errbuf, sizeof(errbuf), "Error in configuration file %.900s: %s",
			 cfg->path, checkbuf);
		*error_r = errbuf;
		if (detail_r != NULL)
			*detail_r = checkbuf;
		return -1;
	}
	return 0;
}

/* finish - end of input: open sections and (unless told not to) semantic checks */
static int finish(struct pstate *ps, const char *top)
{
	const char *error;

	xfree(ps->cfg->path);
	ps->cfg->path = xstrdup(top);
	if (ps->depth > 0) {
		/* reported by dconf_check, so doveconf prints its header first (as real) */
		ps->cfg->unclosed = xstrdup(ps->stack[ps->depth].where);
	}
	if (!(ps->flags & DCONF_FLAG_NO_CHECKS) && dconf_check(ps->cfg, &error, NULL) < 0)
		return -1;
	return 0;
}

/* load_common - parse text as the top file name */
static int load_common(struct dconf **cfg_r, const char *name, const char *dir, const char *text,
		       size_t len, unsigned flags, const char **error_r)
{
	struct pstate ps;
	int ret;

	memset(&ps, 0, sizeof(ps));
	ps.cfg = dconf_new_config();
	ps.flags = flags;
	ps.cfg->flags = flags;
	ps.stack[0].s = ps.cfg->root;
	ps.nfiles = 1;
	ret = parse_text(&ps, name, text, len);
	(void)dir;
	if (ret == 0)
		ret = finish(&ps, name);
	for (int i = 1; i <= ps.depth; i++)
		xfree(ps.stack[i].where);
	if (ret < 0) {
		dconf_free(&ps.cfg);
		*error_r = errbuf;
		return -1;
	}
	*cfg_r = ps.cfg;
	return 0;
}

int dconf_load_text(struct dconf **cfg_r, const char *name, const char *dir, const char *text,
		    size_t len, unsigned flags, const char **error_r)
{
	char *fake;
	int ret;

	if (len > DCONF_MAX_FILE) {
		snprintf(errbuf, sizeof(errbuf), "Configuration file %.400s is too large", name);
		*error_r = errbuf;
		return -1;
	}
	/* includes are relative to dir: name the text as a file inside it */
	fake = dir != NULL && dir[0] != '\0' && strchr(name, '/') == NULL ?
		xasprintf("%s/%s", dir, name) : xstrdup(name);
	ret = load_common(cfg_r, fake, dir, text, len, flags, error_r);
	xfree(fake);
	return ret;
}

int dconf_load(struct dconf **cfg_r, const char *path, unsigned flags, const char **error_r)
{
	char *text;
	size_t len;
	int ret;

	if (path == NULL)
		path = getenv("DOVECOT_CONFIG") != NULL && getenv("DOVECOT_CONFIG")[0] != '\0' ?
			getenv("DOVECOT_CONFIG") : dconf_default_path();
	if (read_file(path, DCONF_MAX_FILE, &text, &len) < 0) {
		snprintf(errbuf, sizeof(errbuf), errno == EFBIG ?
			 "Configuration file %s is too large" : "open(%s) failed: %s", path,
			 strerror(errno));
		*error_r = errbuf;
		return -1;
	}
	ret = load_common(cfg_r, path, NULL, text, len, flags, error_r);
	xfree(text);
	if (ret == 0) {
		xfree((*cfg_r)->path);
		(*cfg_r)->path = xstrdup(path);
	}
	return ret;
}
