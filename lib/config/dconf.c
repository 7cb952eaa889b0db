/*
 * dconf - the configuration model: sections, defaults from the table,
 * built-in services, getters with $name expansion, typed value syntaxes and
 * filter lookups (see dconf.h).  The file parser is dconf_parse.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/dconf_int.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

#define DCONF_EXPAND_DEPTH 10

const char *dconf_default_path(void)
{
	return PC_DOVECOT_CONFIG;
}

const struct dconf_type *dconf_type_find(const char *type)
{
	for (const struct dconf_type *t = dconf_types; t->name != NULL; t++)
		if (strcmp(t->name, type) == 0)
			return t;
	return NULL;
}

const struct dconf_def *dconf_global_def(const char *key)
{
	for (const struct dconf_def *d = dconf_global_defs; d->key != NULL; d++)
		if (strcmp(d->key, key) == 0)
			return d;
	return NULL;
}

const char *dconf_keep(const struct dconf *ccfg, char *s)
{
	struct dconf *cfg = (struct dconf *)ccfg;

	cfg->strings = xreallocarray(cfg->strings, cfg->nstrings + 1, sizeof(char *));
	cfg->strings[cfg->nstrings++] = s;
	return s;
}

/* kv_push - append an empty kv slot */
static struct dconf_kv *kv_push(struct dconf_sect *s)
{
	if (s->nkv == s->akv) {
		s->akv = s->akv ? s->akv * 2 : 16;
		s->kv = xreallocarray(s->kv, s->akv, sizeof(*s->kv));
	}
	memset(&s->kv[s->nkv], 0, sizeof(s->kv[0]));
	return &s->kv[s->nkv++];
}

/* sect_fill_defaults - one kv per setting row of the type */
static void sect_fill_defaults(struct dconf_sect *s, const struct dconf_def *defs)
{
	for (const struct dconf_def *d = defs; d->key != NULL; d++) {
		struct dconf_kv *kv;

		if (d->type == DCONF_T_LIST || d->type == DCONF_T_STRLIST || d->type == DCONF_T_NAME)
			continue;
		kv = kv_push(s);
		kv->key = d->key;
		kv->def = d->value;
		kv->tdef = d;
	}
}

struct dconf_sect *dconf_sect_new(struct dconf *cfg, struct dconf_sect *parent, const char *type,
				  const char *name, const struct dconf_type *tdesc)
{
	struct dconf_sect *s = xcalloc(1, sizeof(*s));

	s->cfg = cfg;
	s->parent = parent;
	s->type = xstrdup(type);
	s->name = xstrdup(name);
	s->where = xstrdup("");
	s->tdesc = tdesc;
	if (tdesc != NULL && tdesc->defs != NULL)
		sect_fill_defaults(s, tdesc->defs);
	else if (tdesc != NULL)
		s->free_form = 1;
	cfg->nsections++;
	return s;
}

void dconf_sect_free(struct dconf_sect *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nkv; i++) {
		struct dconf_kv *kv = &s->kv[i];

		if (kv->key_owned)
			xfree((char *)kv->key);
		if (kv->def_owned)
			xfree((char *)kv->def);
		xfree(kv->val);
		xfree(kv->file_val);
		xfree(kv->where);
		xfree(kv->exp);
	}
	for (size_t i = 0; i < s->nchild; i++)
		dconf_sect_free(s->child[i]);
	for (size_t i = 0; i < s->nfilters; i++)
		dconf_sect_free(s->filters[i]);
	xfree(s->kv);
	xfree(s->child);
	xfree(s->filters);
	xfree(s->keys_cache);
	xfree(s->type);
	xfree(s->name);
	xfree(s->where);
	xfree(s);
}

struct dconf_kv *dconf_kv_find(const struct dconf_sect *s, const char *key)
{
	for (size_t i = 0; i < s->nkv; i++)
		if (strcmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	return NULL;
}

struct dconf_kv *dconf_kv_add(struct dconf_sect *s, const char *key)
{
	struct dconf_kv *kv = kv_push(s);

	kv->key = xstrdup(key);
	kv->key_owned = 1;
	return kv;
}

/* child_add - append a child section */
static void child_add(struct dconf_sect *parent, struct dconf_sect *s)
{
	if (parent->nchild == parent->achild) {
		parent->achild = parent->achild ? parent->achild * 2 : 8;
		parent->child = xreallocarray(parent->child, parent->achild, sizeof(*parent->child));
	}
	parent->child[parent->nchild++] = s;
}

/* builtin_section - find or make the built-in section (service or listener) */
static struct dconf_sect *builtin_section(struct dconf *cfg, struct dconf_sect *parent,
					  const char *type, const char *name)
{
	struct dconf_sect *s = (struct dconf_sect *)dconf_sect_find(parent, type, name);

	if (s != NULL)
		return s;
	s = dconf_sect_new(cfg, parent, type, name, dconf_type_find(type));
	s->is_default = 1;
	child_add(parent, s);
	return s;
}

/* add_builtins - the default services with their listeners and built-in values */
static void add_builtins(struct dconf *cfg)
{
	for (const struct dconf_builtin *b = dconf_builtins; b->service != NULL; b++) {
		struct dconf_sect *s = builtin_section(cfg, cfg->root, "service", b->service);
		struct dconf_kv *kv;

		if (b->ltype != NULL)
			s = builtin_section(cfg, s, b->ltype, b->lname);
		kv = dconf_kv_find(s, b->key);
		if (kv == NULL)
			msg_panic("dconf table: %s has no setting %s", s->type, b->key);
		kv->def = b->value;
	}
}

struct dconf *dconf_new_config(void)
{
	struct dconf *cfg = xcalloc(1, sizeof(*cfg));

	cfg->path = xstrdup("");
	cfg->root = xcalloc(1, sizeof(*cfg->root));
	cfg->root->cfg = cfg;
	cfg->root->type = xstrdup("");
	cfg->root->name = xstrdup("");
	cfg->root->where = xstrdup("");
	sect_fill_defaults(cfg->root, dconf_global_defs);
	add_builtins(cfg);
	return cfg;
}

struct dconf *dconf_create_default(void)
{
	return dconf_new_config();
}

void dconf_free(struct dconf **cfgp)
{
	struct dconf *cfg = *cfgp;

	if (cfg == NULL)
		return;
	dconf_sect_free(cfg->root);
	for (size_t i = 0; i < cfg->nstrings; i++)
		xfree(cfg->strings[i]);
	xfree(cfg->strings);
	xfree(cfg->path);
	xfree(cfg->unclosed);
	xfree(cfg);
	*cfgp = NULL;
}

const char *dconf_path(const struct dconf *cfg)
{
	return cfg->path;
}

/* ---- expansion ---- */

static const char *kv_value(const struct dconf *cfg, struct dconf_kv *kv, int depth);

/*
 * expand_refs - replace space-separated tokens "$name" (name a global
 * setting) by that setting's value; other text is kept as written.
 */
static char *expand_refs(const struct dconf *cfg, const char *v, int depth)
{
	struct buf b;
	const char *p = v;

	buf_init(&b, 0);
	while (*p != '\0') {
		const char *end = strchr(p, ' ');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		struct dconf_kv *kv = NULL;

		if (n > 1 && p[0] == '$' && depth < DCONF_EXPAND_DEPTH) {
			char *name = xstrndup(p + 1, n - 1);

			kv = dconf_kv_find(cfg->root, name);
			xfree(name);
		}
		if (kv != NULL)
			buf_append_str(&b, kv_value(cfg, kv, depth + 1));
		else
			buf_append(&b, p, n);
		p += n;
		if (*p == ' ')
			buf_append_c(&b, *p++);
	}
	return dconf_buf_take(&b);
}

/* kv_value - effective value: file content, else expanded value or default */
static const char *kv_value(const struct dconf *cfg, struct dconf_kv *kv, int depth)
{
	const char *v;

	if (kv->file_val != NULL)
		return kv->file_val;
	v = kv->val != NULL ? kv->val : kv->def;
	if (v == NULL)
		return "";
	if (strchr(v, '$') == NULL)
		return v;
	if (kv->exp == NULL)
		kv->exp = expand_refs(cfg, v, depth);
	return kv->exp;
}

const char *dconf_kv_value(const struct dconf *cfg, struct dconf_kv *kv)
{
	return kv_value(cfg, kv, 0);
}

/* ---- globals ---- */

const char *dconf_get(const struct dconf *cfg, const char *name)
{
	struct dconf_kv *kv = dconf_kv_find(cfg->root, name);

	return kv != NULL ? kv_value(cfg, kv, 0) : NULL;
}

const char *dconf_get_raw(const struct dconf *cfg, const char *name)
{
	struct dconf_kv *kv = dconf_kv_find(cfg->root, name);

	return kv != NULL ? kv->val : NULL;
}

int dconf_is_set(const struct dconf *cfg, const char *name)
{
	struct dconf_kv *kv = dconf_kv_find(cfg->root, name);

	return kv != NULL && kv->val != NULL;
}

/* get_known - value of a global that must exist (our bug otherwise) */
static const char *get_known(const struct dconf *cfg, const char *name)
{
	const char *v = dconf_get(cfg, name);

	if (v == NULL)
		msg_panic("dconf: unknown setting %s", name);
	return v;
}

int dconf_get_bool(const struct dconf *cfg, const char *name)
{
	int b;

	if (dconf_parse_bool(get_known(cfg, name), &b) < 0)
		msg_fatal("%s: Invalid boolean value: %s (use yes or no)", name, get_known(cfg, name));
	return b;
}

/* parse_uint - decimal (or 0-prefixed octal) number */
static int parse_uint(const char *text, unsigned long long *value_r)
{
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	*value_r = strtoull(text, &end, text[0] == '0' ? 8 : 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

unsigned long long dconf_get_uint(const struct dconf *cfg, const char *name)
{
	unsigned long long v;

	if (parse_uint(get_known(cfg, name), &v) < 0)
		msg_fatal("%s: Invalid number %s", name, get_known(cfg, name));
	return v;
}

unsigned long long dconf_get_size(const struct dconf *cfg, const char *name)
{
	unsigned long long v;

	if (dconf_parse_size(get_known(cfg, name), &v) < 0)
		msg_fatal("%s: Invalid size: %s", name, get_known(cfg, name));
	return v;
}

unsigned long long dconf_get_time_msecs(const struct dconf *cfg, const char *name)
{
	unsigned long long v;

	if (dconf_parse_time(get_known(cfg, name), &v) < 0)
		msg_fatal("%s: Invalid time interval: %s", name, get_known(cfg, name));
	return v;
}

unsigned long long dconf_get_time(const struct dconf *cfg, const char *name)
{
	return dconf_get_time_msecs(cfg, name) / 1000;
}

/* ---- sections ---- */

const struct dconf_sect *dconf_root(const struct dconf *cfg)
{
	return cfg->root;
}

const struct dconf_sect *dconf_sect_next(const struct dconf_sect *parent, const char *type,
					 const struct dconf_sect *prev)
{
	size_t i = 0;

	if (prev != NULL) {
		while (i < parent->nchild && parent->child[i] != prev)
			i++;
		i++;
	}
	for (; i < parent->nchild; i++)
		if (type == NULL || strcmp(parent->child[i]->type, type) == 0)
			return parent->child[i];
	return NULL;
}

const struct dconf_sect *dconf_sect_find(const struct dconf_sect *parent, const char *type,
					 const char *name)
{
	for (size_t i = 0; i < parent->nchild; i++) {
		const struct dconf_sect *s = parent->child[i];

		if (strcmp(s->type, type) == 0 && strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

const char *dconf_sect_type(const struct dconf_sect *s)
{
	return s->type;
}

const char *dconf_sect_name(const struct dconf_sect *s)
{
	return s->name;
}

const char *dconf_sect_get(const struct dconf_sect *s, const char *key)
{
	struct dconf_kv *kv = dconf_kv_find(s, key);

	if (kv == NULL)
		return NULL;
	return kv_value(s->cfg, kv, 0);
}

int dconf_sect_is_set(const struct dconf_sect *s, const char *key)
{
	struct dconf_kv *kv = dconf_kv_find(s, key);

	return kv != NULL && kv->val != NULL;
}

int dconf_sect_is_default(const struct dconf_sect *s)
{
	return s->is_default;
}

const char *dconf_sect_where(const struct dconf_sect *s)
{
	return s->where;
}

const char *const *dconf_sect_keys(const struct dconf_sect *cs)
{
	struct dconf_sect *s = (struct dconf_sect *)cs;
	size_t n = 0;

	xfree(s->keys_cache);
	s->keys_cache = xcalloc(s->nkv + 1, sizeof(char *));
	for (size_t i = 0; i < s->nkv; i++)
		if (s->kv[i].val != NULL)
			s->keys_cache[n++] = s->kv[i].key;
	return s->keys_cache;
}
