/*
 * request - the auth request core: one authentication (AUTH on a client
 * socket) or one lookup (USER/PASS on a master socket) from start to its
 * final reply.  Owners (client.c, master.c) create requests, feed client
 * data in, and get reply lines back through their reply function.
 *
 * The core does what auth/db.h assigns to it: user name normalisation
 * (auth_default_realm, auth_username_translation, auth_username_chars,
 * auth_username_format, auth_master_user_separator), the passdb and userdb
 * chains (skip, result_*, deny, master, pass, mechanisms,
 * username_filter), default_fields/override_fields, password verification
 * (pwscheme) for drivers returning a stored password, the cache, logging
 * in Dovecot's words (auth_verbose, auth_verbose_passwords), the failure
 * delay (auth_failure_delay) and the timeout of unfinished exchanges.
 *
 * Lifetime: a request lives until its final reply has been handed to the
 * owner and no driver call is outstanding.  An owner that goes away calls
 * auth_request_abort(): no further reply is made, and the request is freed
 * as soon as no driver holds it.
 */
#ifndef PC_AUTH_REQUEST_H
#define PC_AUTH_REQUEST_H

#include <stddef.h>

#include "db.h"
#include "proto.h"
#include "settings.h"

struct auth_cache;
struct event_loop;
struct auth_request;
struct mech;

/* the process-wide context */
struct auth {
	struct auth_settings set;
	struct event_loop *loop;
	struct auth_cache *cache;
	unsigned request_timeout_ms;	/* unfinished multi-step exchanges (Dovecot: 150 s) */
};

/*
 * auth_reply_fn - a reply line for the owner (no LF).  final: the request
 * is finished (OK/FAIL/USER/NOTFOUND/PASS/...); the owner forgets its id.
 * line is NULL for a request dropped without a reply (timeout).
 */
typedef void auth_reply_fn(struct auth_request *req, const char *line, int final, void *ctx);

/* auth_init - settings read, cache created; the global context for auth_request_* */
void auth_init(struct auth *auth, struct event_loop *loop);
extern struct auth *auth_global;

/* ---- client side (AUTH/CONT) ---- */
/*
 * auth_request_new_auth - a request for AUTH id mech with params.
 * minor_version: the client's protocol minor (resp= empty rule).
 */
struct auth_request *auth_request_new_auth(const struct mech *mech, unsigned id,
					   const struct proto_params *params, unsigned minor_version,
					   auth_reply_fn *reply, void *ctx);
/* auth_request_start - decode resp= and start the mechanism */
void auth_request_start(struct auth_request *req, const char *resp);
/* auth_request_continue - a CONT line's data (base64) */
void auth_request_continue(struct auth_request *req, const char *data);
/* auth_request_id - the client's or master's request id */
unsigned auth_request_id(const struct auth_request *req);
/* auth_request_abort - the owner is gone or cancelled: no more replies */
void auth_request_abort(struct auth_request *req);

/* ---- master side ---- */
enum auth_lookup {
	AUTH_LOOKUP_USER,	/* USER: the userdb chain */
	AUTH_LOOKUP_PASS,	/* PASS: the passdb chain without a password */
};
/*
 * auth_request_new_lookup - a USER/PASS request (not started: the owner
 * records it, then calls auth_request_run_lookup; replies come through
 * reply, possibly before run returns).
 */
struct auth_request *auth_request_new_lookup(enum auth_lookup kind, unsigned id, const char *user,
					     const struct proto_params *params,
					     auth_reply_fn *reply, void *ctx);
void auth_request_run_lookup(struct auth_request *req);

/*
 * auth_list_users - LIST: every user of the userdbs that can iterate
 * (matching mask, with * and ? wildcards; NULL = all) to emit, then
 * done(ok).
 */
void auth_list_users(const char *mask, void (*emit)(const char *user, void *ctx),
		     void (*done)(int ok, void *ctx), void *ctx);

/* ---- login handoff (REQUEST on a master socket) ---- */
/* auth_request_hold/_release - keep a finished request alive (login sockets wait for REQUEST) */
void auth_request_hold(struct auth_request *req);
void auth_request_release(struct auth_request *req);
/* auth_request_succeeded - the request ended in OK */
int auth_request_succeeded(const struct auth_request *req);
/*
 * auth_request_login_userdb - REQUEST: a userdb lookup (not started) for
 * the user that login_req authenticated, answered as "USER id user
 * fields... auth_mech=X" (the passdb's userdb_* fields first, as Dovecot's
 * prefetch) through reply.  The owner records it, then calls
 * auth_request_run_userdb.
 */
struct auth_request *auth_request_login_userdb(const struct auth_request *login_req, unsigned id,
					       auth_reply_fn *reply, void *ctx);
void auth_request_run_userdb(struct auth_request *req);

/* auth_wildcard_match - Dovecot's * and ? matching (LIST masks, username_filter) */
int auth_wildcard_match(const char *text, const char *mask);

#endif
