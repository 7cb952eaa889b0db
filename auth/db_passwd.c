/*
 * db_passwd.c - the passwd (NSS) passdb and userdb: getpwnam_r().
 *
 * userdb: uid, gid, home and system_groups_user=<name> (the post-login
 * process takes that user's supplementary groups), user=<pw_name> when it
 * differs from the request's name.  Extra args (besides blocking=) are
 * key=value templates applied over the result (as Dovecot's userdb args).
 * passdb: pw_passwd as the stored password (default scheme CRYPT, the core
 * verifies); an empty or locked field gives DB_DISABLED.
 *
 * NSS may load modules that talk to the network (LDAP, SSS), so the lookup
 * runs in an auth-worker by default (USER / PASSL); "blocking=no" does it
 * in the auth process.  Iteration (doveadm user '*') walks getpwent() in
 * the auth process and lists only users inside first_valid_uid ..
 * last_valid_uid (db_set_valid_uids), as Dovecot skips daemon accounts.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/argv.h"
#include "core/mem.h"

#include "db.h"
#include "worker.h"

/* pw_lookup - getpwnam_r with a growing buffer: 1 found, 0 not found, -1 error */
static int pw_lookup(const char *user, struct passwd *pw, char **buf_r, int *err_r)
{
	size_t size = 4096;
	struct passwd *res = NULL;
	char *buf = xmalloc(size);
	int err;

	while ((err = getpwnam_r(user, pw, buf, size, &res)) == ERANGE && size < 1048576) {
		size *= 2;
		buf = xrealloc(buf, size);
	}
	*buf_r = buf;
	*err_r = err;
	if (res != NULL)
		return 1;
	return err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM ? 0 : -1;
}

/* notfound_or_error - the reply for a failed getpw */
static void notfound_or_error(int ret, int err, const struct db_request *req,
			      struct db_reply *reply, struct argv *keep)
{
	if (ret == 0) {
		reply->result = DB_NOTFOUND;
		reply->log_reason = "unknown user";
	} else {
		argv_add_printf(keep, "getpwnam_r(%s) failed: %s", req->user, strerror(err));
		reply->result = DB_INTERNAL;
		reply->error = keep->v[keep->n - 1];
	}
}

/* passwd_passl - stored password (worker or in-process) */
static void passwd_passl(const char *args, const struct db_request *req, struct db_reply *reply,
			 struct argv *keep)
{
	struct passwd pw;
	char *buf;
	int err, ret = pw_lookup(req->user, &pw, &buf, &err);

	(void)args;
	if (ret != 1) {
		notfound_or_error(ret, err, req, reply, keep);
	} else if (pw.pw_passwd == NULL || pw.pw_passwd[0] == '\0' || pw.pw_passwd[0] == '!' ||
		   pw.pw_passwd[0] == '*') {
		reply->result = DB_DISABLED;
		reply->log_reason = "invalid password field";
	} else {
		reply->result = DB_OK;
		argv_add(keep, pw.pw_passwd);
		reply->password = keep->v[keep->n - 1];
		reply->scheme = "CRYPT";
		if (strcmp(pw.pw_name, req->user) != 0) {
			argv_add(keep, pw.pw_name);
			reply->user = keep->v[keep->n - 1];
		}
	}
	xfree(buf);
}

/* passwd_user - userdb fields (worker or in-process); args templates applied after */
static void passwd_user(const char *args, const struct db_request *req, struct db_reply *reply,
			struct argv *keep)
{
	struct passwd pw;
	struct db_template t;
	char *buf, num[24];
	const char *error;
	int err, ret = pw_lookup(req->user, &pw, &buf, &err);

	if (ret != 1) {
		notfound_or_error(ret, err, req, reply, keep);
		xfree(buf);
		return;
	}
	reply->result = DB_OK;
	db_fields_set(&reply->fields, "system_groups_user", pw.pw_name);
	snprintf(num, sizeof(num), "%lu", (unsigned long)pw.pw_uid);
	db_fields_set(&reply->fields, "uid", num);
	snprintf(num, sizeof(num), "%lu", (unsigned long)pw.pw_gid);
	db_fields_set(&reply->fields, "gid", num);
	db_fields_set(&reply->fields, "home", pw.pw_dir);
	if (strcmp(pw.pw_name, req->user) != 0) {
		argv_add(keep, pw.pw_name);
		reply->user = keep->v[keep->n - 1];
	}
	db_template_parse(&t, args != NULL ? args : "");
	db_fields_remove(&t.items, "blocking");
	if (db_template_apply(&t, req, &reply->fields, &error) < 0 ||
	    db_resolve_ids(&reply->fields, &error) < 0) {
		argv_add(keep, error);
		reply->result = DB_INTERNAL;
		reply->error = keep->v[keep->n - 1];
	}
	db_template_deinit(&t);
	xfree(buf);
}

/* blocking_arg - "blocking=no" turns the worker off */
static int blocking_arg(const char *args)
{
	return args == NULL || strstr(args, "blocking=no") == NULL;
}

/* run_local - call a handler in-process and call back */
static void run_local(void (*fn)(const char *, const struct db_request *, struct db_reply *,
				 struct argv *),
		      const char *args, const struct db_request *req, db_callback *cb, void *ctx)
{
	struct db_reply reply;
	struct argv keep;

	argv_init(&keep);
	db_reply_init(&reply, DB_INTERNAL);
	fn(args, req, &reply, &keep);
	cb(&reply, ctx);
	db_reply_deinit(&reply);
	argv_deinit(&keep);
}

static int passdb_passwd_init(struct passdb *db, const char *args, const char **error_r)
{
	(void)error_r;
	db->priv = (void *)(long)blocking_arg(args);
	db->default_scheme = "CRYPT";
	db->cache_key = "%u";
	return 0;
}

static void passdb_passwd_lookup(struct passdb *db, const struct db_request *req,
				 db_callback *cb, void *ctx)
{
	if (db->priv != NULL)
		auth_worker_call(db->loop, "PASSL", "passwd", db->args, req, NULL, cb, ctx);
	else
		run_local(passwd_passl, db->args, req, cb, ctx);
}

static void passdb_passwd_verify(struct passdb *db, const struct db_request *req,
				 const char *password, db_callback *cb, void *ctx)
{
	(void)password;
	passdb_passwd_lookup(db, req, cb, ctx);
}

static void passdb_passwd_deinit(struct passdb *db)
{
	db->priv = NULL;
}

const struct passdb_driver passdb_passwd = {
	.name = "passwd",
	.init = passdb_passwd_init,
	.verify_plain = passdb_passwd_verify,
	.lookup_credentials = passdb_passwd_lookup,
	.deinit = passdb_passwd_deinit,
};

static int userdb_passwd_init(struct userdb *db, const char *args, const char **error_r)
{
	(void)error_r;
	db->priv = (void *)(long)blocking_arg(args);
	db->cache_key = "%u";
	return 0;
}

static void userdb_passwd_lookup(struct userdb *db, const struct db_request *req,
				 db_callback *cb, void *ctx)
{
	if (db->priv != NULL)
		auth_worker_call(db->loop, "USER", "passwd", db->args, req, NULL, cb, ctx);
	else
		run_local(passwd_user, db->args, req, cb, ctx);
}

static unsigned long valid_uid_first = 500, valid_uid_last = 0;

void db_set_valid_uids(unsigned long first, unsigned long last)
{
	valid_uid_first = first;
	valid_uid_last = last;
}

#define PASSWD_ITER_MAX 1000000		/* entries walked at most */

static void userdb_passwd_iterate(struct userdb *db, void (*emit)(const char *user, void *ctx),
				  void (*done)(int ok, void *ctx), void *ctx)
{
	struct passwd *pw;
	struct argv names;
	unsigned long n = 0;
	size_t i;

	(void)db;
	argv_init(&names);
	setpwent();
	while (n++ < PASSWD_ITER_MAX && (pw = getpwent()) != NULL) {
		if (pw->pw_uid < valid_uid_first ||
		    (valid_uid_last != 0 && pw->pw_uid > valid_uid_last))
			continue;
		argv_add(&names, pw->pw_name);
	}
	endpwent();
	for (i = 0; i < names.n; i++)
		emit(names.v[i], ctx);
	argv_deinit(&names);
	done(1, ctx);
}

static void userdb_passwd_deinit(struct userdb *db)
{
	db->priv = NULL;
}

const struct userdb_driver userdb_passwd = {
	.name = "passwd",
	.init = userdb_passwd_init,
	.lookup = userdb_passwd_lookup,
	.iterate = userdb_passwd_iterate,
	.deinit = userdb_passwd_deinit,
};

const struct worker_handler worker_handler_passwd = {
	.driver = "passwd",
	.passv = NULL,
	.passl = passwd_passl,
	.user = passwd_user,
};
