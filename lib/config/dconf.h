/*
 * dconf - Dovecot 2.3 configuration: dovecot.conf with its includes, the
 * settings table with Dovecot's defaults, filters, and the section tree.
 * One parser for every program of the Dovecot half (dovecot role of master,
 * auth, doveconf, doveadm, later lmtpd/imapd/pop3d).  Syntax and semantics:
 * shared/spec/dovecot-config.md.
 *
 * Model.  A loaded configuration is a tree of sections.  The root holds the
 * global settings; child sections have a type and an optional name
 * ("service" "auth", "unix_listener" "auth-client", "passdb" "" ...).
 * Sections of the same type and name are merged (last setting wins);
 * passdb/userdb (no name) stay separate and keep file order.  Filter
 * blocks (protocol NAME / protocol !NAME / local NET / remote NET /
 * local_name HOST) are kept apart from the plain tree and consulted by
 * dconf_get_filter().
 *
 * Defaults.  Every global setting and every setting inside the known
 * section types (service, unix_listener, inet_listener, fifo_listener,
 * passdb, userdb, namespace, mailbox, plugin, ...) has a default from the
 * built-in table, which equals Debian Dovecot 2.3.19's `doveconf -d`
 * (shared/compat/debian-dovecot-2.3/doveconf-d.txt), including the
 * built-in services (service auth with its unix listeners, ...).  Those
 * built-in sections appear in the tree even when the file does not
 * mention them; dconf_sect_is_default() tells them apart.
 *
 * Values.  Strings are returned after $name expansion and with quotes
 * removed; "<path" values are returned as the file's content (the raw
 * "<path" form is available through dconf_get_raw for doveconf -n).
 * Lifetimes: returned strings live as long as the struct dconf.
 *
 * Errors: dconf_load returns -1 with *error_r in doveconf's wording,
 * e.g. "Error in configuration file /etc/dovecot/dovecot.conf line 5:
 * Unknown setting: foo" (static storage, valid until the next call).
 * Warnings (ambiguous '#', global setting after a filter) go to msg_warn.
 * Typed getters call msg_fatal on a malformed value, naming the setting.
 */
#ifndef PC_CONFIG_DCONF_H
#define PC_CONFIG_DCONF_H

#include <stddef.h>

struct dconf;
struct dconf_sect;

/* the compiled-in path (PC_DOVECOT_CONFIG, normally /etc/dovecot/dovecot.conf) */
const char *dconf_default_path(void);

/* dconf_load flags */
#define DCONF_FLAG_NO_FILE_VALUES (1u << 0)	/* do not read <path values (doveconf -n) */
#define DCONF_FLAG_NO_CHECKS	(1u << 1)	/* skip dconf_check (doveconf runs it after printing) */

/*
 * dconf_load - read path (NULL: $DOVECOT_CONFIG if set, else
 * dconf_default_path()) with every include.  Unknown settings, bad
 * sections, unbalanced braces, !include without matches are errors.
 */
int dconf_load(struct dconf **cfg_r, const char *path, unsigned flags, const char **error_r);
/* dconf_load_text - the same from memory (tests, fuzzing); includes are relative to dir */
int dconf_load_text(struct dconf **cfg_r, const char *name, const char *dir, const char *text,
		    size_t len, unsigned flags, const char **error_r);
/*
 * dconf_check - the checks Dovecot makes after parsing (a section left
 * open at the end, passdb/userdb without driver, service without name,
 * protocols without a service, namespace separator longer than one
 * character).  dconf_load runs it unless DCONF_FLAG_NO_CHECKS.  -1 with
 * *error_r "Error in configuration file F: msg" and *detail_r "msg" (NULL
 * for the unclosed section, which doveconf reports without an Error: line;
 * detail_r itself may be NULL).
 */
int dconf_check(const struct dconf *cfg, const char **error_r, const char **detail_r);
/* dconf_create_default - the built-in defaults only (doveconf -d) */
struct dconf *dconf_create_default(void);
void dconf_free(struct dconf **cfgp);
/* dconf_path - the top file that was read (dconf_load_text: dir/name; "" for defaults) */
const char *dconf_path(const struct dconf *cfg);

/* ---- global settings ---- */
/* dconf_get - value of a global setting (default if unset); NULL if no such setting */
const char *dconf_get(const struct dconf *cfg, const char *name);
/* dconf_get_raw - as written in the file ("<path" kept, self-references expanded), NULL if unset */
const char *dconf_get_raw(const struct dconf *cfg, const char *name);
/* dconf_is_set - the file (not the table) set it */
int dconf_is_set(const struct dconf *cfg, const char *name);
/* typed getters: bool "yes"/"no"; uint; size "256 M" -> bytes; time "2 secs" -> seconds/msecs */
int dconf_get_bool(const struct dconf *cfg, const char *name);
unsigned long long dconf_get_uint(const struct dconf *cfg, const char *name);
unsigned long long dconf_get_size(const struct dconf *cfg, const char *name);
unsigned long long dconf_get_time(const struct dconf *cfg, const char *name);
unsigned long long dconf_get_time_msecs(const struct dconf *cfg, const char *name);
/* dconf_parse_bool/_size/_time - the value syntaxes (0 ok, -1 bad) */
int dconf_parse_bool(const char *text, int *value_r);
int dconf_parse_size(const char *text, unsigned long long *value_r);
int dconf_parse_time(const char *text, unsigned long long *msecs_r);

/*
 * dconf_filter - what a connection looks like, for protocol/local/remote
 * filters.  Any member may be NULL (unknown: filters on it do not match).
 */
struct dconf_filter {
	const char *protocol;	/* "imap", "pop3", "lmtp", "doveadm", ... */
	const char *local_ip;	/* text form */
	const char *remote_ip;
	const char *local_name;	/* TLS SNI */
};
/* dconf_get_filter - global setting as seen through the matching filters (most specific wins) */
const char *dconf_get_filter(const struct dconf *cfg, const struct dconf_filter *f, const char *name);
int dconf_get_filter_bool(const struct dconf *cfg, const struct dconf_filter *f, const char *name);
/* dconf_apply_filter - make the values seen through f the global values (doveconf -f) */
void dconf_apply_filter(struct dconf *cfg, const struct dconf_filter *f);

/* ---- sections ---- */
const struct dconf_sect *dconf_root(const struct dconf *cfg);
/*
 * dconf_sect_next - iterate the children of parent of one type in file order
 * (type NULL: every child); prev NULL starts.  Built-in default sections
 * (e.g. the default services and their listeners) are included.
 */
const struct dconf_sect *dconf_sect_next(const struct dconf_sect *parent, const char *type,
					 const struct dconf_sect *prev);
/* dconf_sect_find - child by type and name ("" for unnamed), NULL if none */
const struct dconf_sect *dconf_sect_find(const struct dconf_sect *parent, const char *type,
					 const char *name);
const char *dconf_sect_type(const struct dconf_sect *s);
const char *dconf_sect_name(const struct dconf_sect *s);	/* "" if unnamed */
/* dconf_sect_get - a setting inside a section: the file's value or the section type's default; NULL if unknown */
const char *dconf_sect_get(const struct dconf_sect *s, const char *key);
int dconf_sect_is_set(const struct dconf_sect *s, const char *key);
int dconf_sect_is_default(const struct dconf_sect *s);	/* built in, not written in the file */
/* dconf_sect_where - "file:line" where the section started ("" for built-in ones) */
const char *dconf_sect_where(const struct dconf_sect *s);
/* dconf_sect_keys - every key set in s (file order), for plugin {} and the like; NULL-terminated */
const char *const *dconf_sect_keys(const struct dconf_sect *s);

#endif
