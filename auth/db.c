/*
 * db.c - the driver registries, db_fields, replies, %-variable expansion
 * and templates shared by the passdb/userdb drivers and the request core
 * (interface in db.h).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/varexp.h"

#include "db.h"

extern const struct passdb_driver passdb_passwd_file, passdb_static, passdb_passwd,
	passdb_shadow, passdb_pam;
extern const struct userdb_driver userdb_passwd_file, userdb_static, userdb_passwd,
	userdb_prefetch;

static const struct passdb_driver *const passdb_drivers[] = {
	&passdb_passwd_file, &passdb_static, &passdb_passwd, &passdb_shadow, &passdb_pam,
};
static const struct userdb_driver *const userdb_drivers[] = {
	&userdb_passwd_file, &userdb_static, &userdb_passwd, &userdb_prefetch,
};

const struct passdb_driver *passdb_driver_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(passdb_drivers) / sizeof(passdb_drivers[0]); i++)
		if (strcmp(passdb_drivers[i]->name, name) == 0)
			return passdb_drivers[i];
	return NULL;
}

const struct userdb_driver *userdb_driver_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(userdb_drivers) / sizeof(userdb_drivers[0]); i++)
		if (strcmp(userdb_drivers[i]->name, name) == 0)
			return userdb_drivers[i];
	return NULL;
}

/* ---- db_fields ---- */

void db_fields_init(struct db_fields *f)
{
	memset(f, 0, sizeof(*f));
}

void db_fields_deinit(struct db_fields *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		xfree(f->keys[i]);
		xfree(f->values[i]);
	}
	xfree(f->keys);
	xfree(f->values);
	memset(f, 0, sizeof(*f));
}

/* fields_index - position of key, or -1 */
static long fields_index(const struct db_fields *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return (long)i;
	return -1;
}

void db_fields_set(struct db_fields *f, const char *key, const char *value)
{
	long i = fields_index(f, key);

	if (i >= 0) {
		xfree(f->values[i]);
		f->values[i] = value != NULL ? xstrdup(value) : NULL;
		return;
	}
	if (f->n == f->alloc) {
		f->alloc = f->alloc ? f->alloc * 2 : 8;
		f->keys = xreallocarray(f->keys, f->alloc, sizeof(*f->keys));
		f->values = xreallocarray(f->values, f->alloc, sizeof(*f->values));
	}
	f->keys[f->n] = xstrdup(key);
	f->values[f->n] = value != NULL ? xstrdup(value) : NULL;
	f->n++;
}

const char *db_fields_get(const struct db_fields *f, const char *key)
{
	long i = f != NULL ? fields_index(f, key) : -1;

	return i >= 0 ? f->values[i] : NULL;
}

int db_fields_has(const struct db_fields *f, const char *key)
{
	return f != NULL && fields_index(f, key) >= 0;
}

void db_fields_remove(struct db_fields *f, const char *key)
{
	long i = fields_index(f, key);

	if (i < 0)
		return;
	xfree(f->keys[i]);
	xfree(f->values[i]);
	memmove(f->keys + i, f->keys + i + 1, (f->n - (size_t)i - 1) * sizeof(*f->keys));
	memmove(f->values + i, f->values + i + 1, (f->n - (size_t)i - 1) * sizeof(*f->values));
	f->n--;
}

/* ---- replies ---- */

static const char *const result_names[] = {
	[DB_OK] = "OK", [DB_MISMATCH] = "MISMATCH", [DB_NOTFOUND] = "NOTFOUND",
	[DB_DISABLED] = "DISABLED", [DB_EXPIRED] = "EXPIRED",
	[DB_NEED_SCHEME] = "NEED_SCHEME", [DB_INTERNAL] = "INTERNAL",
};

void db_reply_init(struct db_reply *r, enum db_result result)
{
	memset(r, 0, sizeof(*r));
	r->result = result;
	db_fields_init(&r->fields);
}

void db_reply_deinit(struct db_reply *r)
{
	db_fields_deinit(&r->fields);
}

const char *db_result_name(enum db_result r)
{
	if ((size_t)r < sizeof(result_names) / sizeof(result_names[0]))
		return result_names[r];
	return "INTERNAL";
}

int db_result_parse(const char *name, enum db_result *r)
{
	size_t i;

	for (i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++) {
		if (strcmp(result_names[i], name) == 0) {
			*r = (enum db_result)i;
			return 0;
		}
	}
	return -1;
}

/* ---- %-variables ---- */

#define DB_VARS_MAX 24

/* field_of - a value from extra or the request's userdb fields */
static const char *field_of(const struct db_request *req, const struct db_fields *extra,
			    const char *key)
{
	const char *v = db_fields_get(extra, key);

	if (v == NULL && req != NULL)
		v = db_fields_get(req->userdb_fields, key);
	return v;
}

/* var_add - one table entry */
static void var_add(struct varexp_entry *t, size_t *n, char key, const char *long_key,
		    const char *value)
{
	t[*n].key = key;
	t[*n].long_key = long_key;
	t[*n].value = value;
	(*n)++;
}

int db_expand(struct buf *out, const char *tmpl, const struct db_request *req,
	      const struct db_fields *extra, const char **error_r)
{
	struct varexp_entry t[DB_VARS_MAX];
	char *user_part, *orig_part, pid[24];
	const char *user = req != NULL ? req->user : NULL;
	const char *orig = req != NULL ? req->orig_user : NULL;
	const char *at, *oat;
	size_t n = 0;
	int ret;

	at = user != NULL ? strchr(user, '@') : NULL;
	oat = orig != NULL ? strchr(orig, '@') : NULL;
	user_part = user == NULL ? NULL : at != NULL ? xstrndup(user, (size_t)(at - user)) : xstrdup(user);
	orig_part = orig == NULL ? NULL : oat != NULL ? xstrndup(orig, (size_t)(oat - orig)) : xstrdup(orig);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	var_add(t, &n, 'u', "user", user);
	var_add(t, &n, 'n', "username", user_part);
	var_add(t, &n, 'd', "domain", at != NULL ? at + 1 : NULL);
	var_add(t, &n, 's', "service", req != NULL ? req->service : NULL);
	var_add(t, &n, 'l', "lip", req != NULL ? req->lip : NULL);
	var_add(t, &n, 'r', "rip", req != NULL ? req->rip : NULL);
	var_add(t, &n, 'a', "lport", req != NULL ? req->lport : NULL);
	var_add(t, &n, 'b', "rport", req != NULL ? req->rport : NULL);
	var_add(t, &n, 'm', "mech", req != NULL ? req->mech : NULL);
	var_add(t, &n, 'c', "secured", req != NULL && req->secured ? "secured" : NULL);
	var_add(t, &n, 'p', "pid", pid);
	var_add(t, &n, 'h', "home", field_of(req, extra, "home"));
	var_add(t, &n, 'i', "uid", field_of(req, extra, "uid"));
	var_add(t, &n, '\0', "gid", field_of(req, extra, "gid"));
	var_add(t, &n, '\0', "session", req != NULL ? req->session : NULL);
	var_add(t, &n, '\0', "local_name", req != NULL ? req->local_name : NULL);
	var_add(t, &n, '\0', "orig_user", orig);
	var_add(t, &n, '\0', "orig_username", orig_part);
	var_add(t, &n, '\0', "orig_domain", oat != NULL ? oat + 1 : NULL);
	var_add(t, &n, '\0', NULL, NULL);
	ret = varexp(out, tmpl, t, error_r);
	xfree(user_part);
	xfree(orig_part);
	return ret == 1 ? 0 : -1;
}

/* ---- templates ---- */

void db_template_parse(struct db_template *t, const char *text)
{
	const char *p = text, *end, *eq;
	char *key;

	db_fields_init(&t->items);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, " \t");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL) {
			key = xstrndup(p, (size_t)(end - p));
			db_fields_set(&t->items, key, NULL);
		} else {
			char *value = xstrndup(eq + 1, (size_t)(end - eq - 1));

			key = xstrndup(p, (size_t)(eq - p));
			db_fields_set(&t->items, key, value);
			xfree(value);
		}
		xfree(key);
		p = end;
	}
}

void db_template_deinit(struct db_template *t)
{
	db_fields_deinit(&t->items);
}

int db_template_apply(const struct db_template *t, const struct db_request *req,
		      struct db_fields *f, const char **error_r)
{
	struct buf b;
	size_t i;
	int ret = 0;

	buf_init(&b, 0);
	for (i = 0; i < t->items.n && ret == 0; i++) {
		if (t->items.values[i] == NULL) {
			db_fields_set(f, t->items.keys[i], NULL);
			continue;
		}
		buf_reset(&b);
		ret = db_expand(&b, t->items.values[i], req, f, error_r);
		if (ret == 0)
			db_fields_set(f, t->items.keys[i], buf_cstr(&b));
	}
	buf_deinit(&b);
	return ret;
}

/* is_number - all digits, non-empty */
static int is_number(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* resolve_one - name to number for uid (user) or gid (group) */
static int resolve_one(struct db_fields *f, const char *key, const char **error_r)
{
	static char errbuf[300];
	const char *v = db_fields_get(f, key);
	char num[24];

	if (v == NULL || is_number(v))
		return 0;
	if (strcmp(key, "uid") == 0) {
		struct passwd *pw = getpwnam(v);

		if (pw != NULL) {
			snprintf(num, sizeof(num), "%lu", (unsigned long)pw->pw_uid);
			db_fields_set(f, key, num);
			return 0;
		}
	} else {
		struct group *gr = getgrnam(v);

		if (gr != NULL) {
			snprintf(num, sizeof(num), "%lu", (unsigned long)gr->gr_gid);
			db_fields_set(f, key, num);
			return 0;
		}
	}
	snprintf(errbuf, sizeof(errbuf), "Invalid %s: %s", key, v);
	*error_r = errbuf;
	return -1;
}

int db_resolve_ids(struct db_fields *f, const char **error_r)
{
	if (resolve_one(f, "uid", error_r) < 0)
		return -1;
	return resolve_one(f, "gid", error_r);
}
