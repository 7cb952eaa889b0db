/*
 * dconf_dump - doveconf's human and simple (-S) output (see dconf_dump.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "config/dconf_dump.h"
#include "config/dconf_int.h"
#include "core/buf.h"
#include "core/mem.h"

struct item {
	char *sortkey;
	struct dconf_kv *kv;		/* a setting ... */
	struct buf *text;		/* ... or a rendered section */
};

/* esc_name - Dovecot's escaping of section names inside setting paths */
static void esc_name(struct buf *b, const char *name)
{
	for (; *name != '\0'; name++) {
		switch (*name) {
		case '/': buf_append_str(b, "\\s"); break;
		case ' ': buf_append_str(b, "\\_"); break;
		case '=': buf_append_str(b, "\\e"); break;
		case '\\': buf_append_str(b, "\\\\"); break;
		default: buf_append_c(b, *name);
		}
	}
}

/* is_db - passdb/userdb: unnamed in the output, numbered in paths */
static int is_db(const struct dconf_sect *s)
{
	return strcmp(s->type, "passdb") == 0 || strcmp(s->type, "userdb") == 0;
}

/* list_name - the section's name in paths: its name, or its index if unnamed */
static void list_name(struct buf *b, const struct dconf_sect *s)
{
	if (s->name[0] != '\0') {
		esc_name(b, s->name);
		return;
	}
	if (s->parent != NULL) {
		unsigned n = 0;

		for (size_t i = 0; i < s->parent->nchild && s->parent->child[i] != s; i++)
			if (strcmp(s->parent->child[i]->type, s->type) == 0)
				n++;
		buf_printf(b, "%u", n);
	}
}

/* is_secret - values doveconf hides without -P */
static int is_secret(const char *key)
{
	size_t n = strlen(key);

	return (n >= 9 && strcmp(key + n - 9, "_password") == 0) ||
		(n >= 4 && strcmp(key + n - 4, "_key") == 0) ||
		(n >= 6 && strcmp(key + n - 6, "_nonce") == 0) ||
		strncmp(key, "ssl_dh", 6) == 0;
}

/* needs_quotes - doveconf quotes values with '#' or outer whitespace */
static int needs_quotes(const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return 0;
	return strchr(v, '#') != NULL || v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' ||
		v[n - 1] == '\t';
}

/* put_value - the value as doveconf prints it */
static void put_value(struct buf *out, const char *v)
{
	if (!needs_quotes(v)) {
		buf_append_str(out, v);
		return;
	}
	buf_append_c(out, '"');
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			buf_append_c(out, '\\');
		buf_append_c(out, *v);
	}
	buf_append_c(out, '"');
}

/* shown_value - raw (or with -x expanded) value of kv */
static const char *shown_value(const struct dconf *cfg, struct dconf_kv *kv, unsigned flags)
{
	if (flags & DCONF_DUMP_EXPAND)
		return dconf_kv_value(cfg, kv);
	if (kv->val != NULL)
		return kv->val;
	return kv->def != NULL ? kv->def : "";
}

/* put_setting - "indent key = value\n" */
static void put_setting(struct buf *out, const struct dconf *cfg, struct dconf_kv *kv,
			unsigned flags, int indent)
{
	const char *v = shown_value(cfg, kv, flags);

	buf_printf(out, "%*s%s = ", indent * 2, "", kv->key);
	if (!(flags & DCONF_DUMP_SECRETS) && v[0] != '\0' && is_secret(kv->key))
		buf_append_str(out, "# hidden, use -P to show it");
	else
		put_value(out, v);
	buf_append_c(out, '\n');
}

/* kv_included - does this mode print kv */
static int kv_included(const struct dconf_sect *s, const struct dconf_kv *kv, unsigned flags)
{
	if (strcmp(s->type, "namespace") == 0 && s->parent != NULL && s->parent->parent == NULL &&
	    (strcmp(kv->key, "location") == 0 || strcmp(kv->key, "prefix") == 0) &&
	    (flags & (DCONF_DUMP_CHANGED | DCONF_DUMP_SET)))
		return 1;	/* doveconf -n always shows these two */
	/* -n: globals and passdb/userdb settings when changed, other sections' when set */
	if ((flags & DCONF_DUMP_CHANGED) && s->parent != NULL && !is_db(s))
		return kv->val != NULL;
	if (flags & DCONF_DUMP_CHANGED)
		return kv->val != NULL && strcmp(kv->val, kv->def != NULL ? kv->def : "") != 0;
	if (flags & DCONF_DUMP_SET)
		return kv->val != NULL || (is_db(s) && strcmp(kv->key, "name") == 0);
	return 1;
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->sortkey, ((const struct item *)b)->sortkey);
}

static void render_sect(const struct dconf *cfg, const struct dconf_sect *s, unsigned flags,
			int indent, struct buf *out);

/* section_header - "type name {" as doveconf prints it */
static void section_header(struct buf *out, const struct dconf_sect *s, int indent)
{
	buf_printf(out, "%*s%s", indent * 2, "", s->type);
	if (s->name[0] != '\0' && !is_db(s)) {
		buf_append_c(out, ' ');
		if (strpbrk(s->name, " \t\"#{}") != NULL) {
			buf_append_c(out, '"');
			for (const char *p = s->name; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					buf_append_c(out, '\\');
				buf_append_c(out, *p);
			}
			buf_append_c(out, '"');
		} else {
			buf_append_str(out, s->name);
		}
	}
	buf_append_str(out, " {\n");
}

/* render_block - a whole section with header, or nothing if it has no content */
static struct buf *render_block(const struct dconf *cfg, const struct dconf_sect *s,
				unsigned flags, int indent)
{
	struct buf body, *out = buf_create(0);

	buf_init(&body, 0);
	render_sect(cfg, s, flags, indent + 1, &body);
	if (body.len == 0) {
		buf_deinit(&body);
		return out;
	}
	section_header(out, s, indent);
	buf_append(out, body.data, body.len);
	buf_printf(out, "%*s}\n", indent * 2, "");
	buf_deinit(&body);
	return out;
}

/* render_sect - the sorted settings and child sections of s */
static void render_sect(const struct dconf *cfg, const struct dconf_sect *s, unsigned flags,
			int indent, struct buf *out)
{
	size_t n = 0, cap = s->nkv + s->nchild;
	struct item *items = xcalloc(cap + 1, sizeof(*items));

	for (size_t i = 0; i < s->nkv; i++) {
		if (!kv_included(s, &s->kv[i], flags))
			continue;
		items[n].kv = &s->kv[i];
		items[n++].sortkey = xasprintf("%s\001", s->kv[i].key);
	}
	for (size_t i = 0; i < s->nchild; i++) {
		struct buf key;
		struct buf *text = render_block(cfg, s->child[i], flags, indent);

		if (text->len == 0) {
			buf_destroy(&text);
			continue;
		}
		buf_init(&key, 0);
		buf_printf(&key, "%s/", s->child[i]->type);
		list_name(&key, s->child[i]);
		buf_append_c(&key, '/');
		items[n].text = text;
		items[n++].sortkey = dconf_buf_take(&key);
	}
	qsort(items, n, sizeof(*items), item_cmp);
	for (size_t i = 0; i < n; i++) {
		if (items[i].kv != NULL)
			put_setting(out, cfg, items[i].kv, flags, indent);
		else
			buf_append(out, items[i].text->data, items[i].text->len);
		xfree(items[i].sortkey);
		buf_destroy(&items[i].text);
	}
	xfree(items);
}

/* ---- filters ---- */

#define NFKIND 4	/* local, local_name, remote, protocol: the printed nesting order */

struct ftuple {
	const struct dconf_sect *part[NFKIND];
	struct dconf_sect *merged;	/* settings of every block with this tuple */
	size_t order;
};

struct flist {
	struct ftuple *v;
	size_t n;
};

static int fkind_index(int filter)
{
	switch (filter) {
	case DCONF_F_LOCAL: return 0;
	case DCONF_F_LOCAL_NAME: return 1;
	case DCONF_F_REMOTE: return 2;
	default: return 3;
	}
}

/* tuple_same - same filter names in every slot */
static int tuple_same(const struct ftuple *a, const struct dconf_sect *const part[NFKIND])
{
	for (int i = 0; i < NFKIND; i++) {
		if ((a->part[i] == NULL) != (part[i] == NULL))
			return 0;
		if (part[i] != NULL && strcmp(a->part[i]->name, part[i]->name) != 0)
			return 0;
	}
	return 1;
}

/* tuple_add - merge the set values of filter block f into the list */
static void tuple_add(struct flist *fl, const struct dconf_sect *const part[NFKIND],
		      const struct dconf_sect *f)
{
	struct ftuple *t = NULL;

	for (size_t i = 0; i < fl->n && t == NULL; i++)
		if (tuple_same(&fl->v[i], part))
			t = &fl->v[i];
	if (t == NULL) {
		fl->v = xreallocarray(fl->v, fl->n + 1, sizeof(*fl->v));
		t = &fl->v[fl->n];
		memset(t, 0, sizeof(*t));
		memcpy(t->part, part, sizeof(t->part));
		t->merged = xcalloc(1, sizeof(*t->merged));
		t->merged->type = xstrdup("");
		t->merged->name = xstrdup("");
		t->merged->where = xstrdup("");
		t->merged->filter = DCONF_F_PROTOCOL;
		t->order = fl->n++;
	}
	for (size_t i = 0; i < f->nkv; i++) {
		struct dconf_kv *src = &f->kv[i], *dst;

		if (src->val == NULL)
			continue;
		dst = dconf_kv_find(t->merged, src->key);
		if (dst == NULL) {
			dst = dconf_kv_add(t->merged, src->key);
			dst->def = src->def;
			dst->tdef = src->tdef;
		}
		xfree(dst->val);
		dst->val = xstrdup(src->val);
	}
}

/* collect_filters - flatten nested filter blocks into tuples */
static void collect_filters(struct flist *fl, const struct dconf_sect *parent,
			    const struct dconf_sect *part[NFKIND])
{
	for (size_t i = 0; i < parent->nfilters; i++) {
		const struct dconf_sect *f = parent->filters[i];
		int k = fkind_index(f->filter);
		const struct dconf_sect *saved = part[k];

		part[k] = f;
		tuple_add(fl, part, f);
		collect_filters(fl, f, part);
		part[k] = saved;
	}
}

/* tuple_cmp - least specific first: protocol only, remote, local, local_name */
static int tuple_cmp(const void *pa, const void *pb)
{
	const struct ftuple *a = pa, *b = pb;
	long long ka[4], kb[4];

	ka[0] = a->part[1] != NULL; kb[0] = b->part[1] != NULL;
	ka[1] = a->part[0] != NULL ? (long long)a->part[0]->net_bits + 1 : 0;
	kb[1] = b->part[0] != NULL ? (long long)b->part[0]->net_bits + 1 : 0;
	ka[2] = a->part[2] != NULL ? (long long)a->part[2]->net_bits + 1 : 0;
	kb[2] = b->part[2] != NULL ? (long long)b->part[2]->net_bits + 1 : 0;
	ka[3] = a->part[3] != NULL; kb[3] = b->part[3] != NULL;
	for (int i = 0; i < 4; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* render_filters - every filter tuple with content, nested as doveconf prints them */
static void render_filters(const struct dconf *cfg, unsigned flags, struct buf *out)
{
	struct flist fl = { NULL, 0 };
	const struct dconf_sect *part[NFKIND] = { NULL, NULL, NULL, NULL };

	collect_filters(&fl, cfg->root, part);
	if (fl.n > 1)
		qsort(fl.v, fl.n, sizeof(*fl.v), tuple_cmp);
	for (size_t i = 0; i < fl.n; i++) {
		struct ftuple *t = &fl.v[i];
		struct buf body;
		int depth = 0;

		buf_init(&body, 0);
		for (int k = 0; k < NFKIND; k++)
			if (t->part[k] != NULL)
				depth++;
		render_sect(cfg, t->merged, flags & ~DCONF_DUMP_CHANGED, depth, &body);
		if (body.len > 0) {
			int d = 0;

			for (int k = 0; k < NFKIND; k++)
				if (t->part[k] != NULL)
					buf_printf(out, "%*s%s %s {\n", 2 * d++, "",
						   t->part[k]->type, t->part[k]->name);
			buf_append(out, body.data, body.len);
			while (d-- > 0)
				buf_printf(out, "%*s}\n", 2 * d, "");
		}
		buf_deinit(&body);
		dconf_sect_free(t->merged);
	}
	xfree(fl.v);
}

void dconf_dump_human(const struct dconf *cfg, unsigned flags, struct buf *out)
{
	render_sect(cfg, cfg->root, flags, 0, out);
	render_filters(cfg, flags, out);
}

/* ---- doveconf -S ---- */

static void simple_sect(const struct dconf *cfg, const struct dconf_sect *s, const char *prefix,
			unsigned flags, struct buf *out);

/* simple_list - "prefix type=names" and each section of that type */
static void simple_list(const struct dconf *cfg, const struct dconf_sect *s, const char *prefix,
			const char *type, unsigned flags, struct buf *out)
{
	size_t count = 0;

	for (size_t i = 0; i < s->nchild; i++)
		if (strcmp(s->child[i]->type, type) == 0)
			count++;
	if (count == 0)
		return;
	buf_printf(out, "%s%s=", prefix, type);
	if (s->nchild > 0 && dconf_type_find(type) != NULL && dconf_type_find(type)->defs == NULL) {
		/* free-form: "plugin=" then "plugin/key=value" */
		const struct dconf_sect *c = dconf_sect_find(s, type, "");

		buf_append_c(out, '\n');
		for (size_t i = 0; c != NULL && i < c->nkv; i++)
			buf_printf(out, "%s%s/%s=%s\n", prefix, type, c->kv[i].key,
				   shown_value(cfg, &c->kv[i], flags));
		return;
	}
	count = 0;
	for (size_t i = 0; i < s->nchild; i++)
		if (strcmp(s->child[i]->type, type) == 0) {
			if (count++ > 0)
				buf_append_c(out, ' ');
			list_name(out, s->child[i]);
		}
	buf_append_c(out, '\n');
	for (size_t i = 0; i < s->nchild; i++) {
		struct buf p;

		if (strcmp(s->child[i]->type, type) != 0)
			continue;
		buf_init(&p, 0);
		buf_printf(&p, "%s%s/", prefix, type);
		list_name(&p, s->child[i]);
		buf_append_c(&p, '/');
		simple_sect(cfg, s->child[i], p.data, flags, out);
		buf_deinit(&p);
	}
}

/* simple_sect - every table row of s in table order */
static void simple_sect(const struct dconf *cfg, const struct dconf_sect *s, const char *prefix,
			unsigned flags, struct buf *out)
{
	const struct dconf_def *defs = s->parent == NULL ? dconf_global_defs : s->tdesc->defs;

	for (const struct dconf_def *d = defs; d->key != NULL; d++) {
		struct dconf_kv *kv;

		if (d->type == DCONF_T_LIST || d->type == DCONF_T_STRLIST) {
			simple_list(cfg, s, prefix, d->key, flags, out);
			continue;
		}
		if (d->type == DCONF_T_NAME) {
			if ((flags & DCONF_DUMP_CHANGED) && s->name[0] == '\0')
				continue;
			buf_printf(out, "%s%s=%s\n", prefix, d->key, s->name);
			continue;
		}
		kv = dconf_kv_find(s, d->key);
		if (kv == NULL)
			continue;
		/* -n -S compares with the section type's default, not a built-in service's */
		if ((flags & DCONF_DUMP_CHANGED) &&
		    strcmp(shown_value(cfg, kv, flags), d->value != NULL ? d->value : "") == 0)
			continue;
		buf_printf(out, "%s%s=%s\n", prefix, d->key, shown_value(cfg, kv, flags));
	}
}

void dconf_dump_simple(const struct dconf *cfg, unsigned flags, struct buf *out)
{
	simple_sect(cfg, cfg->root, "", flags, out);
}

/* ---- doveconf NAME ---- */

/* path_step - next component of a path; unescapes \s \_ \e \\ */
static char *path_step(const char **p)
{
	struct buf b;
	const char *s = *p;

	buf_init(&b, 0);
	for (; *s != '\0' && *s != '/'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			buf_append_c(&b, *s == 's' ? '/' : *s == '_' ? ' ' : *s == 'e' ? '=' : *s);
		} else {
			buf_append_c(&b, *s);
		}
	}
	*p = *s == '/' ? s + 1 : s;
	return dconf_buf_take(&b);
}

/* child_by_list_name - child of type whose path name (name or index) is name */
static const struct dconf_sect *child_by_list_name(const struct dconf_sect *s, const char *type,
						   const char *name)
{
	for (size_t i = 0; i < s->nchild; i++) {
		struct buf b;
		int same;

		if (strcmp(s->child[i]->type, type) != 0)
			continue;
		buf_init(&b, 0);
		list_name(&b, s->child[i]);
		same = strcmp(b.data, name) == 0 || strcmp(s->child[i]->name, name) == 0;
		buf_deinit(&b);
		if (same)
			return s->child[i];
	}
	return NULL;
}

/*
 * resolve - walk a query path: *sect_r is the section reached, *kv_r the
 * setting (NULL if the path names sections); type_r set when the path ends
 * in a section type ("passdb", "service/auth/unix_listener").
 */
static int resolve(const struct dconf *cfg, const char *path, const struct dconf_sect **sect_r,
		   struct dconf_kv **kv_r, char **type_r)
{
	const struct dconf_sect *s = cfg->root;
	const char *p = path;

	*kv_r = NULL;
	*type_r = NULL;
	while (*p != '\0') {
		char *comp = path_step(&p), *name;
		struct dconf_kv *kv = s->free_form || s->tdesc != NULL || s->parent == NULL ?
			dconf_kv_find(s, comp) : NULL;

		if (kv != NULL && *p == '\0') {
			xfree(comp);
			*sect_r = s;
			*kv_r = kv;
			return 0;
		}
		if (dconf_type_find(comp) == NULL) {
			xfree(comp);
			return -1;
		}
		if (*p == '\0') {
			*sect_r = s;
			*type_r = comp;
			return 0;
		}
		if (dconf_type_find(comp)->defs == NULL) {
			/* free-form: the rest is the key */
			s = dconf_sect_find(s, comp, "");
			xfree(comp);
			if (s == NULL || (*kv_r = dconf_kv_find(s, p)) == NULL)
				return -1;
			*sect_r = s;
			return 0;
		}
		name = path_step(&p);
		s = child_by_list_name(s, comp, name);
		xfree(comp);
		xfree(name);
		if (s == NULL)
			return -1;
	}
	*sect_r = s;
	return 0;
}

/* name_block - every section the query names, as blocks */
static void name_block(const struct dconf *cfg, const struct dconf_sect *parent, const char *type,
		       const struct dconf_sect *only, unsigned flags, struct buf *out)
{
	flags &= ~(DCONF_DUMP_CHANGED | DCONF_DUMP_SET);
	for (size_t i = 0; i < parent->nchild; i++) {
		const struct dconf_sect *c = parent->child[i];
		struct buf *text;

		if (only != NULL ? c != only : strcmp(c->type, type) != 0)
			continue;
		text = render_block(cfg, c, flags, 0);
		buf_append(out, text->data, text->len);
		buf_destroy(&text);
	}
}

void dconf_dump_names(const struct dconf *cfg, const char *const *names, unsigned flags,
		      struct buf *out)
{
	struct buf settings;

	buf_init(&settings, 0);
	for (size_t i = 0; names[i] != NULL; i++) {
		const struct dconf_sect *s;
		struct dconf_kv *kv;
		char *type;

		if (resolve(cfg, names[i], &s, &kv, &type) < 0)
			continue;
		if (kv != NULL) {
			const char *v = shown_value(cfg, kv, flags);

			if (!(flags & DCONF_DUMP_VALUE_ONLY))
				buf_printf(&settings, "%s = ", names[i]);
			buf_printf(&settings, "%s\n", v);
		} else if (type != NULL) {
			name_block(cfg, s, type, NULL, flags, out);
		} else if (s->parent != NULL) {
			name_block(cfg, s->parent, NULL, s, flags, out);
		}
		xfree(type);
	}
	buf_append(out, settings.data, settings.len);
	buf_deinit(&settings);
}
