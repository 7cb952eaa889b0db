/*
 * settings.c - auth settings from dovecot.conf (see settings.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mech.h"
#include "settings.h"
#include "config/dconf.h"
#include "core/mem.h"

int auth_settings_parse_action(const char *text, enum auth_db_action *action_r)
{
	static const struct { const char *name; enum auth_db_action a; } actions[] = {
		{ "return", AUTH_DB_RETURN }, { "return-ok", AUTH_DB_RETURN_OK },
		{ "return-fail", AUTH_DB_RETURN_FAIL }, { "continue", AUTH_DB_CONTINUE },
		{ "continue-ok", AUTH_DB_CONTINUE_OK }, { "continue-fail", AUTH_DB_CONTINUE_FAIL },
	};
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(text, actions[i].name) == 0) {
			*action_r = actions[i].a;
			return 0;
		}
	}
	return -1;
}

const struct mech *auth_settings_mech(const struct auth_settings *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->nmechs; i++)
		if (strcasecmp(set->mechs[i]->name, name) == 0)
			return set->mechs[i];
	return NULL;
}

/* read_mechs - auth_mechanisms: space-separated, order kept, duplicates dropped */
static int read_mechs(struct auth_settings *set, const char *list, const char **error_r)
{
	static char err[256];
	struct argv *words = argv_split(list, " \t,");
	size_t i;

	set->mechs = xcalloc(words->n + 1, sizeof(*set->mechs));
	for (i = 0; i < words->n; i++) {
		const struct mech *m = mech_find(words->v[i]);

		if (m == NULL) {
			snprintf(err, sizeof(err), "Unknown authentication mechanism '%s'", words->v[i]);
			argv_destroy(&words);
			*error_r = err;
			return -1;
		}
		if (auth_settings_mech(set, m->name) == NULL)
			set->mechs[set->nmechs++] = m;
	}
	argv_destroy(&words);
	if (set->nmechs == 0) {
		*error_r = "No authentication mechanisms configured";
		return -1;
	}
	return 0;
}

/* read_username_chars - allowed bytes; an empty setting allows every byte */
static void read_username_chars(struct auth_settings *set, const char *chars)
{
	const unsigned char *p;

	memset(set->username_chars, *chars == '\0', sizeof(set->username_chars));
	for (p = (const unsigned char *)chars; *p != '\0'; p++)
		set->username_chars[*p] = 1;
}

/* read_translation - "from to from to ..." byte pairs */
static void read_translation(struct auth_settings *set, const char *tr)
{
	unsigned i;

	for (i = 0; i < 256; i++)
		set->translation[i] = (unsigned char)i;
	for (; tr[0] != '\0' && tr[1] != '\0'; tr += 2)
		set->translation[(unsigned char)tr[0]] = (unsigned char)tr[1];
}

/* read_verbose_passwords - no / yes / plain / sha1, with optional ":N" */
static void read_verbose_passwords(struct auth_settings *set, const char *v)
{
	const char *colon = strchr(v, ':');
	size_t n = colon != NULL ? (size_t)(colon - v) : strlen(v);

	set->verbose_passwords_trunc = colon != NULL ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
	if ((n == 2 && strncmp(v, "no", 2) == 0) || n == 0)
		set->verbose_passwords = AUTH_VPW_NO;
	else if (n == 4 && strncmp(v, "sha1", 4) == 0)
		set->verbose_passwords = AUTH_VPW_SHA1;
	else
		set->verbose_passwords = AUTH_VPW_PLAIN;
}

/* read_common_db - the keys passdb and userdb share */
static int read_db_actions(const struct dconf_sect *s, enum auth_db_action *ok,
			   enum auth_db_action *fail, enum auth_db_action *internal,
			   const char **error_r)
{
	const char *v;

	if ((v = dconf_sect_get(s, "result_success")) == NULL || *v == '\0')
		v = "return-ok";
	if (auth_settings_parse_action(v, ok) < 0)
		goto bad;
	if ((v = dconf_sect_get(s, "result_failure")) == NULL || *v == '\0')
		v = "continue";
	if (auth_settings_parse_action(v, fail) < 0)
		goto bad;
	if ((v = dconf_sect_get(s, "result_internalfail")) == NULL || *v == '\0')
		v = "continue";
	if (auth_settings_parse_action(v, internal) < 0)
		goto bad;
	return 0;
bad:
	*error_r = "Unknown result_* value (use return, return-ok, return-fail, continue, continue-ok or continue-fail)";
	return -1;
}

/* sect_str - a section setting, "" if unset */
static char *sect_str(const struct dconf_sect *s, const char *key)
{
	const char *v = dconf_sect_get(s, key);

	return xstrdup(v != NULL ? v : "");
}

/* sect_bool - a yes/no section setting (default no) */
static int sect_bool(const struct dconf_sect *s, const char *key)
{
	const char *v = dconf_sect_get(s, key);
	int b = 0;

	return v != NULL && dconf_parse_bool(v, &b) == 0 ? b : 0;
}

/* read_passdb - one passdb { } block */
static int read_passdb(struct auth_passdb *p, const struct dconf_sect *s, struct event_loop *loop,
		       const char **error_r)
{
	static char err[512];
	const char *driver = dconf_sect_get(s, "driver"), *skip, *name, *mechs;

	if (driver == NULL || *driver == '\0' || (p->db.driver = passdb_driver_find(driver)) == NULL) {
		snprintf(err, sizeof(err), "Unknown passdb driver '%s'", driver != NULL ? driver : "");
		*error_r = err;
		return -1;
	}
	p->db.sect = s;
	p->db.args = sect_str(s, "args");
	p->db.loop = loop;
	name = dconf_sect_get(s, "name");
	p->name = xstrdup(name != NULL && *name != '\0' ? name : driver);
	skip = dconf_sect_get(s, "skip");
	p->skip = skip == NULL || strcmp(skip, "never") == 0 || *skip == '\0' ? AUTH_SKIP_NEVER
		: strcmp(skip, "authenticated") == 0 ? AUTH_SKIP_AUTHENTICATED : AUTH_SKIP_UNAUTHENTICATED;
	if (read_db_actions(s, &p->result_success, &p->result_failure, &p->result_internalfail,
			    error_r) < 0)
		return -1;
	p->deny = sect_bool(s, "deny");
	p->pass = sect_bool(s, "pass");
	p->master = sect_bool(s, "master");
	p->default_fields = sect_str(s, "default_fields");
	p->override_fields = sect_str(s, "override_fields");
	p->username_filter = sect_str(s, "username_filter");
	argv_init(&p->mechanisms);
	if ((mechs = dconf_sect_get(s, "mechanisms")) != NULL)
		argv_split_append(&p->mechanisms, mechs, " \t,");
	if (p->db.driver->init(&p->db, p->db.args, error_r) < 0)
		return -1;
	return 0;
}

/* read_userdb - one userdb { } block */
static int read_userdb(struct auth_userdb *u, const struct dconf_sect *s, struct event_loop *loop,
		       const char **error_r)
{
	static char err[512];
	const char *driver = dconf_sect_get(s, "driver"), *skip, *name;

	if (driver == NULL || *driver == '\0' || (u->db.driver = userdb_driver_find(driver)) == NULL) {
		snprintf(err, sizeof(err), "Unknown userdb driver '%s'", driver != NULL ? driver : "");
		*error_r = err;
		return -1;
	}
	u->db.sect = s;
	u->db.args = sect_str(s, "args");
	u->db.loop = loop;
	name = dconf_sect_get(s, "name");
	u->name = xstrdup(name != NULL && *name != '\0' ? name : driver);
	skip = dconf_sect_get(s, "skip");
	u->skip = skip == NULL || *skip == '\0' || strcmp(skip, "never") == 0 ? AUTH_SKIP_NEVER
		: strcmp(skip, "found") == 0 ? AUTH_SKIP_FOUND : AUTH_SKIP_NOTFOUND;
	if (read_db_actions(s, &u->result_success, &u->result_failure, &u->result_internalfail,
			    error_r) < 0)
		return -1;
	u->default_fields = sect_str(s, "default_fields");
	u->override_fields = sect_str(s, "override_fields");
	return u->db.driver->init(&u->db, u->db.args, error_r);
}

/* read_dbs - every passdb and userdb block, in file order */
static int read_dbs(struct auth_settings *set, const struct dconf *cfg, struct event_loop *loop,
		    const char **error_r)
{
	const struct dconf_sect *root = dconf_root(cfg), *s;
	size_t n;

	for (n = 0, s = NULL; (s = dconf_sect_next(root, "passdb", s)) != NULL; n++)
		;
	set->passdbs = xcalloc(n + 1, sizeof(*set->passdbs));
	for (s = NULL; (s = dconf_sect_next(root, "passdb", s)) != NULL; set->npassdbs++)
		if (read_passdb(&set->passdbs[set->npassdbs], s, loop, error_r) < 0)
			return -1;
	for (n = 0, s = NULL; (s = dconf_sect_next(root, "userdb", s)) != NULL; n++)
		;
	set->userdbs = xcalloc(n + 1, sizeof(*set->userdbs));
	for (s = NULL; (s = dconf_sect_next(root, "userdb", s)) != NULL; set->nuserdbs++)
		if (read_userdb(&set->userdbs[set->nuserdbs], s, loop, error_r) < 0)
			return -1;
	return 0;
}

/* get_str - a global setting as a copy ("" if unknown) */
static char *get_str(const struct dconf *cfg, const char *name)
{
	const char *v = dconf_get(cfg, name);

	return xstrdup(v != NULL ? v : "");
}

int auth_settings_read(struct auth_settings *set, const struct dconf *cfg,
		       struct event_loop *loop, const char **error_r)
{
	char host[256];
	const char *v;

	memset(set, 0, sizeof(*set));
	if (read_mechs(set, dconf_get(cfg, "auth_mechanisms"), error_r) < 0)
		return -1;
	set->disable_plaintext_auth = dconf_get_bool(cfg, "disable_plaintext_auth");
	set->username_format = get_str(cfg, "auth_username_format");
	set->default_realm = get_str(cfg, "auth_default_realm");
	set->master_user_separator = get_str(cfg, "auth_master_user_separator");
	set->anonymous_username = get_str(cfg, "auth_anonymous_username");
	read_username_chars(set, dconf_get(cfg, "auth_username_chars"));
	read_translation(set, dconf_get(cfg, "auth_username_translation"));
	argv_init(&set->realms);
	argv_split_append(&set->realms, dconf_get(cfg, "auth_realms"), " \t");
	set->failure_delay_ms = (unsigned)dconf_get_time_msecs(cfg, "auth_failure_delay");
	set->cache_size = (size_t)dconf_get_size(cfg, "auth_cache_size");
	set->cache_ttl = (unsigned)dconf_get_time(cfg, "auth_cache_ttl");
	set->cache_negative_ttl = (unsigned)dconf_get_time(cfg, "auth_cache_negative_ttl");
	set->first_valid_uid = (unsigned long)dconf_get_uint(cfg, "first_valid_uid");
	set->last_valid_uid = (unsigned long)dconf_get_uint(cfg, "last_valid_uid");
	set->verbose = dconf_get_bool(cfg, "auth_verbose");
	set->debug = dconf_get_bool(cfg, "auth_debug");
	set->debug_passwords = dconf_get_bool(cfg, "auth_debug_passwords");
	if (set->debug_passwords)
		set->debug = 1;
	if (set->debug)
		set->verbose = 1;
	read_verbose_passwords(set, (v = dconf_get(cfg, "auth_verbose_passwords")) != NULL ? v : "no");
	set->ssl_require_client_cert = dconf_get_bool(cfg, "auth_ssl_require_client_cert");
	set->ssl_username_from_cert = dconf_get_bool(cfg, "auth_ssl_username_from_cert");
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	set->hostname = xstrdup(host);
	return read_dbs(set, cfg, loop, error_r);
}
