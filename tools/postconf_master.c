/*
 * postconf_master - postconf -M, -F, -P: print master.cf entries, fields
 * and -o parameters, and edit them (-Me, -MX, -M#, -F name=value, -P
 * name=value, -PX), in Postfix's normalised format.
 *
 * Editing keeps every other line as it was.  A rewritten entry is written
 * in the folded format (-o options on their own lines) just before the next
 * entry, i.e. after any comment lines that followed the old one, as
 * Postfix does; deleted entries leave their embedded comment lines behind.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfline.h"
#include "config/mastercf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "postconf.h"

static const int columns[] = { 0, 11, 17, 25, 33, 41, 49, 57 };
static const char *const field_names[] = {
	"service", "type", "private", "unprivileged", "chroot", "wakeup", "process_limit", "command",
};
#define NFIELD_NAMES 8

/* one master.cf entry with its place in the file */
struct pcf_entry {
	struct mastercf_entry *e;	/* parsed (owned by the per-entry mastercf) */
	struct mastercf *holder;
	int first, last;		/* physical lines (0-based) of the entry itself */
	int insert_after;		/* last trailing comment/blank line */
	int deleted;
	char *replacement;		/* new text, inserted at insert_after */
	int comment;			/* -M#: comment out the entry's lines */
};

struct pcf_master {
	struct argv lines;		/* physical lines */
	struct pcf_entry *v;
	size_t n;
	struct argv appended;		/* new entries for the end of the file */
};

/* ---- formatting ---- */

/* append_field - column-aligned field */
static void append_field(struct buf *b, int index, const char *text)
{
	if (index > 0) {
		if ((int)b->len < columns[index])
			while ((int)b->len < columns[index])
				buf_append_c(b, ' ');
		else
			buf_append_c(b, ' ');
	}
	buf_append_str(b, text);
}

/* format_entry - normalised entry; folded: -o on own lines, wrap at 80 columns */
static char *format_entry(const struct mastercf_entry *e, int fold)
{
	struct buf b;
	size_t i, line_start = 0;
	int i7;
	char *s;

	buf_init(&b, 0);
	for (i7 = 0; i7 < MASTERCF_NFIELDS; i7++)
		append_field(&b, i7, e->field[i7]);
	append_field(&b, 7, e->cmd_text.v[0]);
	for (i = 1; i < e->cmd_text.n; i++) {
		const char *tok = e->cmd_text.v[i];
		int is_o = strcmp(tok, "-o") == 0 && i + 1 < e->cmd_text.n;
		size_t tlen = strlen(tok) + (is_o ? 1 + strlen(e->cmd_text.v[i + 1]) : 0);

		if (fold && (is_o || b.len - line_start + 1 + tlen >= PC_FOLD_COLUMNS)) {
			buf_append_str(&b, "\n    ");
			line_start = b.len - 4;
		} else {
			buf_append_c(&b, ' ');
		}
		buf_append_str(&b, tok);
		if (is_o) {
			buf_append_c(&b, ' ');
			buf_append_str(&b, e->cmd_text.v[++i]);
		}
	}
	s = buf_steal(&b);
	buf_deinit(&b);
	return s;
}

/* command_text - command + args as one line */
static char *command_text(const struct mastercf_entry *e)
{
	return argv_join(&e->cmd_text, " ");
}

/* ---- reading ---- */

/* load - parse master.cf keeping line positions */
static void load(struct postconf *pc, struct pcf_master *m)
{
	struct cflines logical;
	const char *error;
	char *text;
	size_t len, i;

	memset(m, 0, sizeof(*m));
	{
		struct mastercf *all;	/* validates with the right line numbers */

		if (mastercf_load(&all, pc->master_cf, &error) < 0)
			msg_fatal("%s", error);
		mastercf_free(&all);
	}
	argv_init(&m->lines);
	argv_init(&m->appended);
	if (cfline_read_all(pc->master_cf, 16 * 1024 * 1024, &text, &len, &error) < 0)
		msg_fatal("%s", error);
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		argv_addn(&m->lines, p, (size_t)((nl != NULL ? nl : end) - p));
		p = nl != NULL ? nl + 1 : end;
	}
	if (cfline_parse_text(pc->master_cf, text, len, &logical, &error) < 0)
		msg_fatal("%s", error);
	m->v = xcalloc(logical.n + 1, sizeof(*m->v));
	for (i = 0; i < logical.n; i++) {
		struct pcf_entry *pe = &m->v[m->n++];
		struct mastercf *one;
		int next = i + 1 < logical.n ? logical.v[i + 1].first - 1 : (int)m->lines.n;

		if (mastercf_parse_text(&one, pc->master_cf, logical.v[i].text, &error) < 0)
			msg_fatal("%s", error);	/* not reached: the whole file parsed above */
		pe->holder = one;
		pe->e = &one->entries[0];
		pe->first = logical.v[i].first - 1;
		pe->last = logical.v[i].last - 1;
		pe->insert_after = next - 1;
	}
	cflines_free(&logical);
	xfree(text);
}

/* release - free the model */
static void release(struct pcf_master *m)
{
	for (size_t i = 0; i < m->n; i++) {
		mastercf_free(&m->v[i].holder);
		xfree(m->v[i].replacement);
	}
	xfree(m->v);
	argv_deinit(&m->lines);
	argv_deinit(&m->appended);
}

/* save - write the edited file */
static void save(struct postconf *pc, struct pcf_master *m)
{
	struct buf b;
	size_t l, i;

	buf_init(&b, 0);
	for (l = 0; l < m->lines.n; l++) {
		struct pcf_entry *owner = NULL;

		for (i = 0; i < m->n; i++)
			if ((int)l >= m->v[i].first && (int)l <= m->v[i].last)
				owner = &m->v[i];
		if (owner != NULL && owner->comment)
			buf_printf(&b, "#%s\n", m->lines.v[l]);
		else if (owner == NULL || !owner->deleted
			 || (m->lines.v[l][strspn(m->lines.v[l], " \t")] == '#'
			     || m->lines.v[l][strspn(m->lines.v[l], " \t")] == '\0'))
			buf_printf(&b, "%s\n", m->lines.v[l]);
		for (i = 0; i < m->n; i++)
			if (m->v[i].replacement != NULL && m->v[i].insert_after == (int)l)
				buf_printf(&b, "%s\n", m->v[i].replacement);
	}
	for (i = 0; i < m->appended.n; i++)
		buf_printf(&b, "%s\n", m->appended.v[i]);
	pcf_write_file(pc->master_cf, b.data, b.len);
	buf_deinit(&b);
}

/* ---- selection ---- */

/* split_request - "svc[/type[/rest]]" */
static void split_request(const char *req, char **svc, char **type, char **rest)
{
	const char *s1 = strchr(req, '/'), *s2 = s1 != NULL ? strchr(s1 + 1, '/') : NULL;

	*svc = s1 != NULL ? xstrndup(req, (size_t)(s1 - req)) : xstrdup(req);
	*type = s1 == NULL ? NULL : s2 != NULL ? xstrndup(s1 + 1, (size_t)(s2 - s1 - 1)) : xstrdup(s1 + 1);
	*rest = s2 != NULL ? xstrdup(s2 + 1) : NULL;
}

/* matches - entry selected by service (and type when given) */
static int matches(const struct mastercf_entry *e, const char *svc, const char *type)
{
	return strcmp(e->service, svc) == 0
	       && (type == NULL || strcmp(mastercf_type_name(e->type), type) == 0);
}

/* ---- printing ---- */

/* print_fields - -F lines for one entry; field NULL = all */
static int print_fields(const struct mastercf_entry *e, const char *field)
{
	int found = 0;

	for (int f = 0; f < NFIELD_NAMES; f++) {
		char *value;

		if (field != NULL && strcmp(field, field_names[f]) != 0)
			continue;
		value = f < MASTERCF_NFIELDS ? xstrdup(e->field[f]) : command_text(e);
		printf("%s/%s/%s = %s\n", e->service, mastercf_type_name(e->type), field_names[f], value);
		xfree(value);
		found = 1;
	}
	return found;
}

/* print_params - -P lines for one entry; name NULL = all */
static int print_params(const struct mastercf_entry *e, const char *name)
{
	int found = 0;

	for (size_t i = 1; i + 1 < e->cmd.n; i++) {
		const char *eq;

		if (strcmp(e->cmd.v[i], "-o") != 0)
			continue;
		eq = strchr(e->cmd.v[++i], '=');
		if (eq == NULL)
			continue;
		if (name != NULL && (strlen(name) != (size_t)(eq - e->cmd.v[i])
				     || strncmp(name, e->cmd.v[i], strlen(name)) != 0))
			continue;
		printf("%s/%s/%.*s = %s\n", e->service, mastercf_type_name(e->type),
		       (int)(eq - e->cmd.v[i]), e->cmd.v[i], eq + 1);
		found = 1;
	}
	return found;
}

/* print_entry - one entry in mode */
static int print_entry(struct postconf *pc, const struct mastercf_entry *e, int mode, const char *rest)
{
	char *text;

	switch (mode) {
	case PCF_MODE_F:
		return print_fields(e, rest);
	case PCF_MODE_P:
		return print_params(e, rest);
	default:
		text = format_entry(e, (pc->flags & PCF_FOLD) != 0);
		printf("%s\n", text);
		xfree(text);
		return 1;
	}
}

int pcf_master_print(struct postconf *pc, char **args, int mode)
{
	struct pcf_master m;
	size_t i;

	load(pc, &m);
	if (*args == NULL) {
		for (i = 0; i < m.n; i++)
			print_entry(pc, m.v[i].e, mode, NULL);
	} else {
		/* output follows master.cf order; each request must match something */
		int nreq = 0;
		int *hit;

		while (args[nreq] != NULL)
			nreq++;
		hit = xcalloc((size_t)nreq, sizeof(int));
		for (i = 0; i < m.n; i++)
			for (int r = 0; r < nreq; r++) {
				char *svc, *type, *rest;

				split_request(args[r], &svc, &type, &rest);
				if (matches(m.v[i].e, svc, type) && print_entry(pc, m.v[i].e, mode, rest))
					hit[r] = 1;
				xfree(svc);
				xfree(type);
				xfree(rest);
			}
		for (int r = 0; r < nreq; r++)
			if (!hit[r])
				msg_warn("unmatched request: \"%s\"", args[r]);
		xfree(hit);
	}
	release(&m);
	return 0;
}

/* ---- editing ---- */

/* find_entry - by service/type */
static struct pcf_entry *find_entry(struct pcf_master *m, const char *svc, const char *type)
{
	for (size_t i = 0; i < m->n; i++)
		if (!m->v[i].deleted && matches(m->v[i].e, svc, type))
			return &m->v[i];
	return NULL;
}

/* replace_with - the entry is rewritten from text (re-parsed to validate) */
static void replace_with(struct postconf *pc, struct pcf_entry *pe, const char *text)
{
	struct mastercf *one;
	const char *error;
	char *formatted;

	if (mastercf_parse_text(&one, pc->master_cf, text, &error) < 0 || one->n != 1)
		msg_fatal("%s", one == NULL ? error : "expected one master.cf entry");
	formatted = format_entry(&one->entries[0], 1);
	mastercf_free(&one);
	pe->deleted = 1;
	xfree(pe->replacement);
	pe->replacement = formatted;
}

/* rebuild - entry text from fields and command tokens */
static char *rebuild(const struct mastercf_entry *e, const char *field_override[NFIELD_NAMES],
		     const struct argv *cmd)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (int f = 0; f < MASTERCF_NFIELDS; f++)
		buf_printf(&b, "%s ", field_override[f] != NULL ? field_override[f] : e->field[f]);
	if (field_override[7] != NULL)
		buf_append_str(&b, field_override[7]);
	else
		for (size_t i = 0; i < cmd->n; i++)
			buf_printf(&b, "%s%s", i ? " " : "", cmd->v[i]);
	s = buf_steal(&b);
	buf_deinit(&b);
	return s;
}

/* edit_M - -Me svc/type=entry, -MX svc/type, -M# svc/type */
static void edit_M(struct postconf *pc, struct pcf_master *m, const char *req, int edit)
{
	const char *eq = strchr(req, '=');
	char *key = eq != NULL ? xstrndup(req, (size_t)(eq - req)) : xstrdup(req);
	char *svc, *type, *rest;
	struct pcf_entry *pe;

	split_request(key, &svc, &type, &rest);
	if (type == NULL || rest != NULL)
		msg_fatal("-M%s requires service/type, not \"%s\"", edit == PCF_EDIT_SET ? "e" :
			  edit == PCF_EDIT_DELETE ? "X" : "#", key);
	pe = find_entry(m, svc, type);
	if (edit == PCF_EDIT_SET) {
		if (eq == NULL)
			msg_fatal("-Me requires service/type=entry, not \"%s\"", req);
		if (pe != NULL) {
			replace_with(pc, pe, eq + 1);
		} else {
			struct pcf_entry tmp;

			memset(&tmp, 0, sizeof(tmp));
			replace_with(pc, &tmp, eq + 1);
			argv_add(&m->appended, tmp.replacement);
			xfree(tmp.replacement);
		}
	} else if (pe == NULL) {
		msg_warn("unmatched request: \"%s\"", key);
	} else if (edit == PCF_EDIT_DELETE) {
		pe->deleted = 1;
	} else {
		pe->comment = 1;
	}
	xfree(key);
	xfree(svc);
	xfree(type);
	xfree(rest);
}

/* edit_F - -F svc/type/field=value */
static void edit_F(struct postconf *pc, struct pcf_master *m, const char *req)
{
	const char *eq = strchr(req, '=');
	char *key, *svc, *type, *field, *text;
	const char *over[NFIELD_NAMES] = { 0 };
	struct pcf_entry *pe;
	int f;

	if (eq == NULL)
		msg_fatal("-F edit requires service/type/field=value, not \"%s\"", req);
	key = xstrndup(req, (size_t)(eq - req));
	split_request(key, &svc, &type, &field);
	if (type == NULL || field == NULL)
		msg_fatal("-F edit requires service/type/field=value, not \"%s\"", req);
	for (f = 0; f < NFIELD_NAMES && strcmp(field, field_names[f]) != 0; f++)
		;
	if (f == NFIELD_NAMES)
		msg_fatal("invalid field name: \"%s\"", field);
	if ((pe = find_entry(m, svc, type)) == NULL) {
		msg_warn("unmatched request: \"%s\"", key);
	} else {
		over[f] = eq + 1;
		text = rebuild(pe->e, over, &pe->e->cmd_text);
		replace_with(pc, pe, text);
		xfree(text);
	}
	xfree(key);
	xfree(svc);
	xfree(type);
	xfree(field);
}

/* edit_P - -P svc/type/name=value, -PX svc/type/name */
static void edit_P(struct postconf *pc, struct pcf_master *m, const char *req, int edit)
{
	const char *eq = edit == PCF_EDIT_SET ? strchr(req, '=') : NULL;
	char *key = eq != NULL ? xstrndup(req, (size_t)(eq - req)) : xstrdup(req);
	char *svc, *type, *name, *text;
	const char *over[NFIELD_NAMES] = { 0 };
	struct pcf_entry *pe;
	struct argv cmd;
	int replaced = 0;

	split_request(key, &svc, &type, &name);
	if (type == NULL || name == NULL || (edit == PCF_EDIT_SET && eq == NULL))
		msg_fatal("-P requires service/type/parameter%s, not \"%s\"",
			  edit == PCF_EDIT_SET ? "=value" : "", req);
	if ((pe = find_entry(m, svc, type)) == NULL) {
		msg_warn("unmatched request: \"%s\"", key);
		goto done;
	}
	argv_init(&cmd);
	for (size_t i = 0; i < pe->e->cmd_text.n; i++) {
		const char *tok = pe->e->cmd_text.v[i];

		if (strcmp(tok, "-o") == 0 && i + 1 < pe->e->cmd.n && i > 0) {
			const char *opt = pe->e->cmd.v[i + 1];
			size_t nl = strlen(name);

			if (strncmp(opt, name, nl) == 0 && opt[nl] == '=') {
				if (edit == PCF_EDIT_SET && !replaced) {
					argv_add(&cmd, "-o");
					argv_add_printf(&cmd, "%s=%s", name, eq + 1);
					replaced = 1;
				}
				i++;
				continue;
			}
		}
		argv_add(&cmd, tok);
	}
	if (edit == PCF_EDIT_SET && !replaced) {
		argv_add(&cmd, "-o");
		argv_add_printf(&cmd, "%s=%s", name, eq + 1);
	}
	text = rebuild(pe->e, over, &cmd);
	replace_with(pc, pe, text);
	xfree(text);
	argv_deinit(&cmd);
done:
	xfree(key);
	xfree(svc);
	xfree(type);
	xfree(name);
}

int pcf_master_edit(struct postconf *pc, char **args, int mode, int edit)
{
	struct pcf_master m;

	load(pc, &m);
	for (; *args != NULL; args++) {
		if (mode == PCF_MODE_M)
			edit_M(pc, &m, *args, edit);
		else if (mode == PCF_MODE_F)
			edit_F(pc, &m, *args);
		else
			edit_P(pc, &m, *args, edit);
	}
	save(pc, &m);
	release(&m);
	return 0;
}
