/*
 * db_shadow.c - the shadow passdb: getspnam_r() gives the stored crypt()
 * hash, which the core verifies (default scheme CRYPT).  Reading
 * /etc/shadow needs root, so by default the lookup runs in an auth-worker
 * (PASSL); args "blocking=no" does it in the auth process (only useful
 * when that process may read the shadow database).
 *
 * A password field that is empty or starts with '!' or '*' (locked) gives
 * DB_DISABLED ("invalid password field"); an account past its sp_expire
 * date gives DB_EXPIRED ("account expired").
 */
#include "config.h"

#include <errno.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/argv.h"
#include "core/mem.h"

#include "db.h"
#include "worker.h"

/* valid_passwd - a usable hash (not empty, not locked) */
static int valid_passwd(const char *p)
{
	return p != NULL && *p != '\0' && *p != '!' && *p != '*';
}

/* shadow_lookup - the blocking lookup (worker, or in-process with blocking=no) */
static void shadow_lookup(const char *args, const struct db_request *req, struct db_reply *reply,
			  struct argv *keep)
{
	struct spwd sp, *res = NULL;
	char *buf;
	size_t size = 16384;
	int err;

	(void)args;
	buf = xmalloc(size);
	while ((err = getspnam_r(req->user, &sp, buf, size, &res)) == ERANGE && size < 1048576) {
		size *= 2;
		buf = xrealloc(buf, size);
	}
	if (res == NULL) {
		if (err == 0 || err == ENOENT) {
			reply->result = DB_NOTFOUND;
			reply->log_reason = "unknown user";
		} else {
			argv_add_printf(keep, "getspnam_r(%s) failed: %s", req->user, strerror(err));
			reply->result = DB_INTERNAL;
			reply->error = keep->v[keep->n - 1];
		}
	} else if (!valid_passwd(sp.sp_pwdp)) {
		reply->result = DB_DISABLED;
		reply->log_reason = "invalid password field";
	} else if (sp.sp_expire > 0 && sp.sp_expire <= (long)(time(NULL) / 86400)) {
		reply->result = DB_EXPIRED;
		reply->log_reason = "account expired";
	} else {
		reply->result = DB_OK;
		argv_add(keep, sp.sp_pwdp);
		reply->password = keep->v[keep->n - 1];
		reply->scheme = "CRYPT";
		if (strcmp(sp.sp_namp, req->user) != 0) {
			argv_add(keep, sp.sp_namp);
			reply->user = keep->v[keep->n - 1];
		}
	}
	memset(buf, 0, size);
	xfree(buf);
}

/* blocking_arg - "blocking=no" in args turns the worker off */
static int blocking_arg(const char *args)
{
	return args == NULL || strstr(args, "blocking=no") == NULL;
}

static int passdb_shadow_init(struct passdb *db, const char *args, const char **error_r)
{
	(void)error_r;
	db->priv = (void *)(long)blocking_arg(args);
	db->default_scheme = "CRYPT";
	db->cache_key = "%u";
	return 0;
}

static void passdb_shadow_lookup(struct passdb *db, const struct db_request *req,
				 db_callback *cb, void *ctx)
{
	struct db_reply reply;
	struct argv keep;

	if (db->priv != NULL) {
		auth_worker_call(db->loop, "PASSL", "shadow", db->args, req, NULL, cb, ctx);
		return;
	}
	argv_init(&keep);
	db_reply_init(&reply, DB_INTERNAL);
	shadow_lookup(db->args, req, &reply, &keep);
	cb(&reply, ctx);
	db_reply_deinit(&reply);
	argv_deinit(&keep);
}

static void passdb_shadow_verify(struct passdb *db, const struct db_request *req,
				 const char *password, db_callback *cb, void *ctx)
{
	(void)password;
	passdb_shadow_lookup(db, req, cb, ctx);
}

static void passdb_shadow_deinit(struct passdb *db)
{
	db->priv = NULL;
}

const struct passdb_driver passdb_shadow = {
	.name = "shadow",
	.init = passdb_shadow_init,
	.verify_plain = passdb_shadow_verify,
	.lookup_credentials = passdb_shadow_lookup,
	.deinit = passdb_shadow_deinit,
};

const struct worker_handler worker_handler_shadow = {
	.driver = "shadow",
	.passv = NULL,
	.passl = shadow_lookup,
	.user = NULL,
};
