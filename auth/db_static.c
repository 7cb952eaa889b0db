/*
 * db_static.c - the static passdb and userdb: every user gets the fields
 * of a template (args), with %-variables expanded per request.
 *
 * passdb args: key=value templates; "password=P" is the stored password
 * (default scheme PLAIN, {SCHEME} prefixes work), "nopassword" /
 * "nopassword=y" accepts any password; everything else (proxy=y, host=...,
 * nologin, reason=...) is returned as extra fields.  Without password and
 * without nopassword the reply has no password and nothing matches
 * (Dovecot's "No password returned (and no nopassword)").
 *
 * userdb args: uid=... gid=... home=... and any other userdb field; uid/gid
 * names are resolved to numbers after expansion, and a name without
 * variables that does not resolve fails init ("static userdb: Invalid uid:
 * vmail", fatal at start-up as in Dovecot).  allow_all_users=yes is
 * not a field: without it, a userdb-only lookup (lmtp, doveadm) must first
 * find the user in a passdb (userdb->need_passdb_check, done by the core).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"

#include "db.h"

struct static_db {
	struct db_template tmpl;
	char *password;		/* template, NULL if none */
	int nopassword;
};

/* yes_value - "y", "yes", "1" or valueless */
static int yes_value(const char *v)
{
	return v == NULL || strcasecmp(v, "y") == 0 || strcasecmp(v, "yes") == 0 ||
		strcmp(v, "1") == 0;
}

static int passdb_static_init(struct passdb *db, const char *args, const char **error_r)
{
	struct static_db *s = xcalloc(1, sizeof(*s));
	const char *pw;

	(void)error_r;
	db_template_parse(&s->tmpl, args != NULL ? args : "");
	if ((pw = db_fields_get(&s->tmpl.items, "password")) != NULL)
		s->password = xstrdup(pw);
	db_fields_remove(&s->tmpl.items, "password");
	if (db_fields_has(&s->tmpl.items, "nopassword")) {
		s->nopassword = yes_value(db_fields_get(&s->tmpl.items, "nopassword"));
		db_fields_remove(&s->tmpl.items, "nopassword");
	}
	db->priv = s;
	db->default_scheme = "PLAIN";
	db->cache_key = NULL;
	return 0;
}

/* passdb_static_lookup - the template's password and fields */
static void passdb_static_lookup(struct passdb *db, const struct db_request *req, db_callback *cb,
				 void *ctx)
{
	struct static_db *s = db->priv;
	struct db_reply reply;
	struct buf pw;
	const char *error = NULL;

	buf_init(&pw, 0);
	db_reply_init(&reply, DB_OK);
	if (db_template_apply(&s->tmpl, req, &reply.fields, &error) < 0 ||
	    (s->password != NULL && db_expand(&pw, s->password, req, NULL, &error) < 0)) {
		reply.result = DB_INTERNAL;
		reply.error = error;
	} else if (s->nopassword) {
		db_fields_set(&reply.fields, "nopassword", NULL);
	} else if (s->password != NULL) {
		reply.password = buf_cstr(&pw);
		reply.scheme = "PLAIN";
	} else {
		/* no password at all: nothing matches (reply.password NULL) */
		reply.log_reason = "No password returned (and no nopassword)";
	}
	reply.user = db_fields_get(&reply.fields, "user");
	cb(&reply, ctx);
	db_reply_deinit(&reply);
	buf_deinit(&pw);
}

static void passdb_static_verify(struct passdb *db, const struct db_request *req,
				 const char *password, db_callback *cb, void *ctx)
{
	(void)password;
	passdb_static_lookup(db, req, cb, ctx);
}

static void static_free(struct static_db *s)
{
	db_template_deinit(&s->tmpl);
	xfree(s->password);
	xfree(s);
}

static void passdb_static_deinit(struct passdb *db)
{
	static_free(db->priv);
	db->priv = NULL;
}

const struct passdb_driver passdb_static = {
	.name = "static",
	.init = passdb_static_init,
	.verify_plain = passdb_static_verify,
	.lookup_credentials = passdb_static_lookup,
	.deinit = passdb_static_deinit,
};

/* check_ids - uid/gid without variables must resolve now (Dovecot fails at start-up) */
static int check_ids(const struct db_template *t, const char **error_r)
{
	static char errbuf[300];
	static const char *const keys[] = { "uid", "gid" };
	struct db_fields f;
	const char *v, *error;
	size_t i;
	int ret = 0;

	db_fields_init(&f);
	for (i = 0; i < 2; i++) {
		v = db_fields_get(&t->items, keys[i]);
		if (v != NULL && strchr(v, '%') == NULL)
			db_fields_set(&f, keys[i], v);
	}
	if (db_resolve_ids(&f, &error) < 0) {
		snprintf(errbuf, sizeof(errbuf), "static userdb: %s", error);
		*error_r = errbuf;
		ret = -1;
	}
	db_fields_deinit(&f);
	return ret;
}

static int userdb_static_init(struct userdb *db, const char *args, const char **error_r)
{
	struct static_db *s = xcalloc(1, sizeof(*s));

	db_template_parse(&s->tmpl, args != NULL ? args : "");
	if (check_ids(&s->tmpl, error_r) < 0) {
		static_free(s);
		return -1;
	}
	db->need_passdb_check = 1;
	if (db_fields_has(&s->tmpl.items, "allow_all_users")) {
		db->need_passdb_check = !yes_value(db_fields_get(&s->tmpl.items, "allow_all_users"));
		db_fields_remove(&s->tmpl.items, "allow_all_users");
	}
	db->priv = s;
	db->cache_key = NULL;
	return 0;
}

static void userdb_static_lookup(struct userdb *db, const struct db_request *req, db_callback *cb,
				 void *ctx)
{
	struct static_db *s = db->priv;
	struct db_reply reply;
	const char *error = NULL;

	db_reply_init(&reply, DB_OK);
	if (db_template_apply(&s->tmpl, req, &reply.fields, &error) < 0 ||
	    db_resolve_ids(&reply.fields, &error) < 0) {
		reply.result = DB_INTERNAL;
		reply.error = error;
	}
	reply.user = db_fields_get(&reply.fields, "user");
	cb(&reply, ctx);
	db_reply_deinit(&reply);
}

static void userdb_static_deinit(struct userdb *db)
{
	static_free(db->priv);
	db->priv = NULL;
}

const struct userdb_driver userdb_static = {
	.name = "static",
	.init = userdb_static_init,
	.lookup = userdb_static_lookup,
	.iterate = NULL,
	.deinit = userdb_static_deinit,
};
