/*
 * util - local(8)'s $name expansion (forward_path) and parameter-list
 * membership (allow_mail_to_commands, prepend_delivered_header).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "config/pfconf.h"
#include "core/buf.h"
#include "core/mem.h"
#include "local.h"

int list_has(const char *param, const char *word)
{
	struct argv *items = pfconf_get_list(agent.cfg, param);
	size_t i;
	int found = 0;

	for (i = 0; i < items->n && !found; i++)
		found = strcasecmp(items->v[i], word) == 0;
	argv_destroy(&items);
	return found;
}

/* attr_value - local attribute by name (NULL = not one of them) */
static const char *attr_value(const struct expand_attrs *a, const char *name, size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{ "user", offsetof(struct expand_attrs, user) },
		{ "home", offsetof(struct expand_attrs, home) },
		{ "shell", offsetof(struct expand_attrs, shell) },
		{ "local", offsetof(struct expand_attrs, local) },
		{ "extension", offsetof(struct expand_attrs, extension) },
		{ "domain", offsetof(struct expand_attrs, domain) },
		{ "recipient", offsetof(struct expand_attrs, recipient) },
		{ "sender", offsetof(struct expand_attrs, sender) },
		{ "recipient_delimiter", offsetof(struct expand_attrs, delim) },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, name, n) == 0) {
			const char *v = *(const char *const *)((const char *)a + names[i].off);

			return v != NULL ? v : "";
		}
	return NULL;
}

/* put_filtered - value with bytes outside filter replaced by '_' */
static void put_filtered(struct buf *out, const char *v, const char *filter)
{
	for (; *v; v++)
		buf_append_c(out, filter == NULL || strchr(filter, *v) ? *v : '_');
}

char *expand_local(const char *text, const struct expand_attrs *a, const char *filter)
{
	struct buf out;
	const char *p = text != NULL ? text : "";

	buf_init(&out, 64 * 1024);
	while (*p) {
		const char *name, *end, *val, *alt = NULL;
		size_t n, altlen = 0;
		char op = 0;

		if (*p != '$') {
			buf_append_c(&out, *p++);
			continue;
		}
		p++;
		if (*p == '$') {
			buf_append_c(&out, *p++);
			continue;
		}
		if (*p == '{' || *p == '(') {
			char close = *p == '{' ? '}' : ')';

			name = ++p;
			for (end = name; *end && *end != close && *end != '?' && *end != ':'; end++)
				;
			n = (size_t)(end - name);
			if (*end == '?' || *end == ':') {
				op = *end;
				alt = end + 1;
				for (end = alt; *end && *end != close; end++)
					;
				altlen = (size_t)(end - alt);
			}
			p = *end ? end + 1 : end;
		} else {
			for (name = p; *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
			     || (*p >= '0' && *p <= '9'); p++)
				;
			n = (size_t)(p - name);
		}
		val = attr_value(a, name, n);
		if (val == NULL) {
			char *pn = xstrndup(name, n);

			val = pfconf_get(agent.cfg, pn);
			xfree(pn);
		}
		if ((op == '?' && *val) || (op == ':' && !*val)) {
			char *sub = xstrndup(alt, altlen), *e = expand_local(sub, a, filter);

			buf_append_str(&out, e);
			xfree(sub);
			xfree(e);
		} else if (op == 0)
			put_filtered(&out, val, filter);
	}
	return buf_steal(&out);
}
