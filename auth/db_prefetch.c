/*
 * db_prefetch.c - the prefetch userdb: the userdb fields come from the
 * passdb lookup of the same request (its userdb_* fields, prefix
 * removed, plus whatever the core already moved into req->userdb_fields).
 *
 * A request without a passdb lookup (USER from lmtp/doveadm) cannot use
 * prefetch alone: DB_INTERNAL "userdb lookup not possible with only userdb
 * prefetch" (chain another userdb after it).  A passdb that returned no
 * userdb fields gives DB_NOTFOUND ("passdb didn't return userdb entries").
 */
#include "config.h"

#include <string.h>

#include "core/mem.h"

#include "db.h"

static int userdb_prefetch_init(struct userdb *db, const char *args, const char **error_r)
{
	(void)args;
	(void)error_r;
	db->priv = NULL;
	db->cache_key = NULL;
	return 0;
}

static void userdb_prefetch_lookup(struct userdb *db, const struct db_request *req,
				   db_callback *cb, void *ctx)
{
	struct db_reply reply;
	const struct db_fields *pf = req->passdb_fields, *uf = req->userdb_fields;
	size_t i;

	(void)db;
	db_reply_init(&reply, DB_OK);
	for (i = 0; uf != NULL && i < uf->n; i++)
		db_fields_set(&reply.fields, uf->keys[i], uf->values[i]);
	for (i = 0; pf != NULL && i < pf->n; i++) {
		if (strncmp(pf->keys[i], "userdb_", 7) == 0 && pf->keys[i][7] != '\0')
			db_fields_set(&reply.fields, pf->keys[i] + 7, pf->values[i]);
	}
	if (pf == NULL) {
		reply.result = DB_INTERNAL;
		reply.error = "userdb lookup not possible with only userdb prefetch";
	} else if (reply.fields.n == 0) {
		reply.result = DB_NOTFOUND;
		reply.log_reason = "passdb didn't return userdb entries";
	}
	cb(&reply, ctx);
	db_reply_deinit(&reply);
}

static void userdb_prefetch_deinit(struct userdb *db)
{
	db->priv = NULL;
}

const struct userdb_driver userdb_prefetch = {
	.name = "prefetch",
	.init = userdb_prefetch_init,
	.lookup = userdb_prefetch_lookup,
	.iterate = NULL,
	.deinit = userdb_prefetch_deinit,
};
