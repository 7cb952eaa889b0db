/*
 * db.h - the passdb/userdb driver interface of the auth daemon (the split
 * between the request core and the drivers).  Written first by the lead;
 * the drivers side (db_*.c, worker.c) owns it from here and may extend it,
 * keeping the core informed.
 *
 * Every call is asynchronous: the driver gets a callback and calls it
 * exactly once, either before returning (passwd-file, static, passwd) or
 * later from the event loop (pam/shadow through the auth-worker process,
 * later ldap/sql).  A request may be cancelled only by the core dropping
 * interest: drivers must keep the request alive until they call back, so
 * the core never frees a request with a lookup outstanding.
 *
 * The core does: username normalisation, the passdb/userdb chains (skip,
 * result_success/_failure/_internalfail, deny, master, pass),
 * default_fields/override_fields, password verification for drivers that
 * return a stored password (pwscheme_verify with the driver's default
 * scheme), the cache, logging of results in Dovecot's words and
 * the failure delay.  Drivers only look up.
 */
#ifndef PC_AUTH_DB_H
#define PC_AUTH_DB_H

#include <stddef.h>

struct buf;
struct dconf_sect;
struct event_loop;

/* results */
enum db_result {
	DB_OK,			/* found (passdb: password verified or returned) */
	DB_MISMATCH,		/* passdb verify: wrong password */
	DB_NOTFOUND,		/* no such user */
	DB_DISABLED,		/* user disabled (PAM acct) */
	DB_EXPIRED,		/* password expired */
	DB_NEED_SCHEME,		/* lookup_credentials: the stored scheme cannot give what was asked */
	DB_INTERNAL,		/* temporary failure (unreadable file, worker gone, PAM error) */
};

/* an ordered list of key=value fields ("nologin" has value NULL) */
struct db_fields {
	char **keys;
	char **values;
	size_t n, alloc;
};
void db_fields_init(struct db_fields *f);
void db_fields_deinit(struct db_fields *f);
/* db_fields_set - add or replace key */
void db_fields_set(struct db_fields *f, const char *key, const char *value);
const char *db_fields_get(const struct db_fields *f, const char *key);	/* NULL if absent or valueless */
int db_fields_has(const struct db_fields *f, const char *key);
void db_fields_remove(struct db_fields *f, const char *key);

/* what a driver sees of a request (all strings owned by the core, valid until the callback) */
struct db_request {
	const char *user;		/* normalised user name (auth_username_format applied) */
	const char *orig_user;		/* as the client sent it */
	const char *service;		/* "smtp", "imap", "lmtp", "doveadm", ... */
	const char *mech;		/* "PLAIN", ... (NULL for userdb/master lookups) */
	const char *lip, *rip, *lport, *rport;
	const char *session;
	const char *local_name;
	int secured;
	int debug;
	const struct db_fields *passdb_fields;	/* fields found so far (userdb sees the passdb's) */
	const struct db_fields *userdb_fields;
};

/* the reply a driver fills in before calling back */
struct db_reply {
	enum db_result result;
	const char *user;		/* changed user name (passdb "user" field), NULL = unchanged */
	const char *password;		/* lookups: stored password, with or without {SCHEME} */
	const char *scheme;		/* default scheme for password (NULL: the driver's default) */
	struct db_fields fields;	/* passdb: extra fields (userdb_* included); userdb: uid, gid, home, ... */
	const char *error;		/* for DB_INTERNAL / logs: what went wrong */
	const char *log_reason;		/* e.g. "unknown user", "Password mismatch" (the core logs) */
};

typedef void db_callback(const struct db_reply *reply, void *ctx);

struct passdb;
struct userdb;

struct passdb_driver {
	const char *name;	/* "passwd-file", "pam", "shadow", "passwd", "static" */
	/* init - parse args (already the raw "args" setting); -1 + *error_r on bad args */
	int (*init)(struct passdb *db, const char *args, const char **error_r);
	/* verify_plain - check password; drivers that return a stored password may leave verification to the core by setting reply->password and result DB_OK */
	void (*verify_plain)(struct passdb *db, const struct db_request *req, const char *password,
			     db_callback *cb, void *ctx);
	/* lookup_credentials - stored password for CRAM-MD5/SCRAM/PASS lookups; NULL if unsupported (PAM) */
	void (*lookup_credentials)(struct passdb *db, const struct db_request *req,
				   db_callback *cb, void *ctx);
	void (*deinit)(struct passdb *db);
};

struct userdb_driver {
	const char *name;	/* "passwd-file", "passwd", "static", "prefetch" */
	int (*init)(struct userdb *db, const char *args, const char **error_r);
	void (*lookup)(struct userdb *db, const struct db_request *req, db_callback *cb, void *ctx);
	/* iterate - every user name (doveadm user '*'); NULL if unsupported.  Calls emit per user, then done(ok). */
	void (*iterate)(struct userdb *db, void (*emit)(const char *user, void *ctx),
			void (*done)(int ok, void *ctx), void *ctx);
	void (*deinit)(struct userdb *db);
};

/* one configured passdb { } / userdb { } block */
struct passdb {
	const struct passdb_driver *driver;
	const struct dconf_sect *sect;	/* for driver-specific settings */
	const char *args;
	const char *default_scheme;	/* set by init, e.g. "CRYPT" for passwd-file */
	struct event_loop *loop;
	void *priv;			/* driver state */
	/* added by the drivers side (authdb): */
	const char *cache_key;		/* set by init: template of the cache key ("%u"), NULL = do not cache */
};
struct userdb {
	const struct userdb_driver *driver;
	const struct dconf_sect *sect;
	const char *args;
	struct event_loop *loop;
	void *priv;
	/* added by the drivers side (authdb): */
	const char *cache_key;		/* set by init, as passdb's */
	int need_passdb_check;		/* set by init: a userdb-only lookup must first see the user
					   in a passdb (static without allow_all_users) */
};

/* registries (db.c): NULL if the name is unknown */
const struct passdb_driver *passdb_driver_find(const char *name);
const struct userdb_driver *userdb_driver_find(const char *name);

/*
 * ---- helpers for drivers and the core (db.c), added by authdb ----
 *
 * Reply strings: a driver's reply (password, user, error, log_reason,
 * fields) is valid only during the callback; the core copies what it keeps.
 * reply->password NULL with DB_OK means "no password stored" (the core
 * treats it as a mismatch unless a nopassword field is set).
 * reply->user is set when the driver found a "user" field (the field stays
 * in reply->fields too).
 */

/* db_reply_init - empty reply with result r; db_reply_deinit frees its fields */
void db_reply_init(struct db_reply *r, enum db_result result);
void db_reply_deinit(struct db_reply *r);
/* db_result_name - "OK", "MISMATCH", ... (worker protocol, logs) */
const char *db_result_name(enum db_result r);
/* db_result_parse - the reverse; -1 if unknown */
int db_result_parse(const char *name, enum db_result *r);

/*
 * db_expand - append the expansion of tmpl with the request's variables to
 * out: %u user, %n user part, %d domain, %s service, %l lip, %r rip,
 * %a lport, %b rport, %m mech, %c "secured" or "", %{session},
 * %{orig_user} %{orig_username} %{orig_domain}, %{local_name}, %p pid,
 * %h home and %{uid} %{gid} from the userdb fields found so far (or from
 * extra, which may be NULL, when it has them).  Returns 0, or -1 and
 * *error_r ("Unknown variable '%x'" or a syntax error; out still holds the
 * rest of the template).
 */
int db_expand(struct buf *out, const char *tmpl, const struct db_request *req,
	      const struct db_fields *extra, const char **error_r);

/*
 * db_template - a list of "key=value" templates (static args, extra fields,
 * default_fields/override_fields): words separated by spaces, a word
 * without '=' is a valueless key ("nologin").
 */
struct db_template {
	struct db_fields items;		/* values are unexpanded templates */
};
void db_template_parse(struct db_template *t, const char *text);
void db_template_deinit(struct db_template *t);
/* db_template_apply - expand every item into f (replacing keys); -1 + *error_r on a bad template */
int db_template_apply(const struct db_template *t, const struct db_request *req,
		      struct db_fields *f, const char **error_r);

/*
 * db_resolve_ids - uid/gid fields given as names ("vmail") become numbers
 * (getpwnam/getgrnam); -1 + *error_r "Invalid uid: x" when unknown.
 */
int db_resolve_ids(struct db_fields *f, const char **error_r);

/*
 * db_set_valid_uids - first_valid_uid / last_valid_uid (0 = no upper
 * limit) for the passwd userdb's iteration; defaults 500 and 0.  The core
 * calls it at start-up.
 */
void db_set_valid_uids(unsigned long first, unsigned long last);

#endif
