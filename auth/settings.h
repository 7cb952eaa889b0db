/*
 * settings - the auth daemon's settings, read once from dovecot.conf
 * (dconf) into plain C values, and the configured passdb/userdb chains.
 * Names and defaults are Dovecot 2.3's (doveconf -d); meanings in
 * docs/auth.md.
 */
#ifndef PC_AUTH_SETTINGS_H
#define PC_AUTH_SETTINGS_H

#include <stddef.h>

#include "db.h"
#include "core/argv.h"

struct dconf;
struct event_loop;
struct mech;

/* passdb/userdb result_* actions */
enum auth_db_action {
	AUTH_DB_RETURN,		/* stop with the current result */
	AUTH_DB_RETURN_OK,
	AUTH_DB_RETURN_FAIL,
	AUTH_DB_CONTINUE,	/* next db, keeping the current result */
	AUTH_DB_CONTINUE_OK,
	AUTH_DB_CONTINUE_FAIL,
};

/* passdb skip / userdb skip */
enum auth_db_skip {
	AUTH_SKIP_NEVER,
	AUTH_SKIP_AUTHENTICATED,	/* passdb: already authenticated by an earlier one */
	AUTH_SKIP_UNAUTHENTICATED,
	AUTH_SKIP_FOUND,		/* userdb */
	AUTH_SKIP_NOTFOUND,
};

struct auth_passdb {
	struct passdb db;		/* the driver's view */
	const char *name;		/* log name: `name` setting or the driver name */
	enum auth_db_skip skip;
	enum auth_db_action result_success, result_failure, result_internalfail;
	int deny, pass, master;
	char *default_fields, *override_fields;	/* templates */
	struct argv mechanisms;		/* upper case; empty = all */
	char *username_filter;
};

struct auth_userdb {
	struct userdb db;
	const char *name;
	enum auth_db_skip skip;
	enum auth_db_action result_success, result_failure, result_internalfail;
	char *default_fields, *override_fields;
};

enum auth_verbose_pw {
	AUTH_VPW_NO,
	AUTH_VPW_PLAIN,
	AUTH_VPW_SHA1,
};

struct auth_settings {
	const struct mech **mechs;	/* auth_mechanisms, in order */
	size_t nmechs;
	int disable_plaintext_auth;
	char *username_format, *default_realm, *master_user_separator;
	char *anonymous_username;
	unsigned char username_chars[256];	/* 1 = allowed; all 1 if the setting is empty */
	unsigned char translation[256];		/* byte map from auth_username_translation */
	struct argv realms;
	unsigned failure_delay_ms;
	size_t cache_size;
	unsigned cache_ttl, cache_negative_ttl;	/* seconds */
	unsigned long first_valid_uid, last_valid_uid;
	int verbose, debug, debug_passwords;
	enum auth_verbose_pw verbose_passwords;
	unsigned verbose_passwords_trunc;	/* 0 = whole */
	int ssl_require_client_cert, ssl_username_from_cert;
	char *hostname;
	struct auth_passdb *passdbs;
	size_t npassdbs;
	struct auth_userdb *userdbs;
	size_t nuserdbs;
};

/*
 * auth_settings_read - fill set from cfg; the drivers are looked up and
 * initialised (loop is given to them).  -1 + *error_r ("Unknown passdb
 * driver 'x'", "Unknown authentication mechanism 'x'", a driver's init
 * error) - the caller makes it fatal.
 */
int auth_settings_read(struct auth_settings *set, const struct dconf *cfg,
		       struct event_loop *loop, const char **error_r);
/* auth_settings_parse_action - "return-ok" etc.: 0 ok, -1 unknown */
int auth_settings_parse_action(const char *text, enum auth_db_action *action_r);
/* auth_settings_mech - the enabled mechanism called name (case-insensitive), NULL if none */
const struct mech *auth_settings_mech(const struct auth_settings *set, const char *name);

#endif
