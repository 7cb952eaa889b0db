/*
 * pfconf - Postfix main.cf: parsing, the parameter table, lazy expansion.
 *
 * A struct pfconf holds the raw (unexpanded) values read from
 * <config_dir>/main.cf plus -o overrides, on top of the built-in parameter
 * table (pfparam.h) whose defaults equal Postfix 3.7's.  Values are expanded
 * lazily when asked for ($name, ${name}, $(name), ${name?x}, ${name:x},
 * ${name?{x}:{y}}, ${{a} op {b} ? {x} : {y}}, $$), with loop detection.
 *
 * Lifetimes: strings returned by pfconf_get*() stay valid until the next
 * pfconf_override()/pfconf_set() on the same object or pfconf_free().
 *
 * Errors: loading returns -1 with *error_r = "<file>, line N: <what>: <text>"
 * (static storage, valid until the next call into this module).  Typed
 * getters treat a malformed value as a configuration error and call
 * msg_fatal() with Postfix's wording, e.g.
 *   "bad numerical configuration: message_size_limit = abc"
 *   "bad boolean configuration: biff = maybe"
 *   "invalid message_size_limit parameter value 0 < 1" (range).
 * Unknown names are not fatal for daemons; postconf reports them.
 */
#ifndef PC_CONFIG_PFCONF_H
#define PC_CONFIG_PFCONF_H

#include <stddef.h>

struct argv;
struct buf;

/*
 * PFCONF_NAME - marks a parameter name that code reads indirectly (from a
 * table of names), so scripts/gen-config-doc.py lists it as implemented.
 */
#define PFCONF_NAME(name) name
struct pfconf;

/*
 * pfconf_load - read <config_dir>/main.cf.  config_dir NULL means
 * $MAIL_CONFIG if set, else the compiled-in PC_CONFIG_DIR.  A missing
 * main.cf is an error ("open DIR/main.cf: No such file or directory").
 * Warnings (e.g. "logical line must not start with whitespace") are
 * logged with msg_warn.
 */
int pfconf_load(struct pfconf **cfg_r, const char *config_dir, const char **error_r);
/* flags for pfconf_load_flags */
#define PFCONF_FLAG_WARN_OVERRIDE (1u << 0)	/* warn "overriding earlier entry" (postconf) */
int pfconf_load_flags(struct pfconf **cfg_r, const char *config_dir, unsigned flags,
		      const char **error_r);
/* pfconf_read_file - read another main.cf-format file into cfg (later definitions win) */
int pfconf_read_file(struct pfconf *cfg, const char *path, const char **error_r);
/* pfconf_read_text - the same from memory (tests, fuzzing); name is used in messages */
int pfconf_read_text(struct pfconf *cfg, const char *name, const char *text, size_t len,
		     const char **error_r);
/* pfconf_main_cf - path of main.cf */
const char *pfconf_main_cf(const struct pfconf *cfg);

/* where a value comes from */
#define PFCONF_ORIGIN_DEFAULT	0	/* parameter table */
#define PFCONF_ORIGIN_FILE	1	/* main.cf */
#define PFCONF_ORIGIN_OVERRIDE	2	/* -o name=value */
#define PFCONF_ORIGIN_SET	3	/* pfconf_set() */
/* pfconf_origin - PFCONF_ORIGIN_*; *line_r gets the main.cf line (may be NULL) */
int pfconf_origin(const struct pfconf *cfg, const char *name, int *line_r);
/* pfconf_names - append every name main.cf/overrides define (unsorted) */
void pfconf_names(const struct pfconf *cfg, struct argv *out);
/* pfconf_set_undef_hook - called with each undefined $name met during expansion */
typedef void pfconf_undef_fn(const char *name, void *ctx);
void pfconf_set_undef_hook(struct pfconf *cfg, pfconf_undef_fn *fn, void *ctx);
/* pfconf_split_assignment - "name = value" -> name, value (trimmed); -1 + *what_r */
int pfconf_split_assignment(const char *text, char **name_r, char **value_r, const char **what_r);
/* pfconf_parse_int / pfconf_parse_time - value syntax checks (0 ok, -1 bad) */
int pfconf_parse_int(const char *text, long long *value_r);
int pfconf_parse_time(const char *text, char def_unit, long long *secs_r);

/* pfconf_create_empty - defaults only, no file (postconf -d, tests) */
struct pfconf *pfconf_create_empty(const char *config_dir);
void pfconf_free(struct pfconf **cfgp);

/* pfconf_config_dir - the directory main.cf was read from */
const char *pfconf_config_dir(const struct pfconf *cfg);

/* pfconf_override - apply "name=value" (master.cf -o, postconf -o); -1 on syntax error */
int pfconf_override(struct pfconf *cfg, const char *name_eq_value, const char **error_r);
/* pfconf_set - set a raw value (e.g. service_name, process_name at daemon start) */
void pfconf_set(struct pfconf *cfg, const char *name, const char *raw_value);

/* pfconf_get_raw - unexpanded value: main.cf/override, else table default; NULL if neither */
const char *pfconf_get_raw(struct pfconf *cfg, const char *name);
/* pfconf_is_set - 1 if main.cf or an override defines name */
int pfconf_is_set(const struct pfconf *cfg, const char *name);
/* pfconf_get - expanded value; "" for unknown/undefined names */
const char *pfconf_get(struct pfconf *cfg, const char *name);
/*
 * pfconf_get_nested - for default functions (pfparam.c) that need another
 * parameter while a value is being expanded: an error is not fatal but
 * reported by the expansion that ran the default function.
 */
const char *pfconf_get_nested(struct pfconf *cfg, const char *name);
/* pfconf_get_bool - yes/no (also true/false, 1/0? no: Postfix accepts yes/no only, case-insensitive) */
int pfconf_get_bool(struct pfconf *cfg, const char *name);
/* pfconf_get_int - integer, range-checked against the table */
long long pfconf_get_int(struct pfconf *cfg, const char *name);
/* pfconf_get_time - seconds; a bare number uses the parameter's default unit */
long long pfconf_get_time(struct pfconf *cfg, const char *name);
/* pfconf_get_size - bytes */
long long pfconf_get_size(struct pfconf *cfg, const char *name);
/* pfconf_get_list - items split on commas/whitespace, {…} grouping honoured; caller frees */
struct argv *pfconf_get_list(struct pfconf *cfg, const char *name);

/* pfconf_expand - expand $name references in arbitrary text into out */
int pfconf_expand(struct pfconf *cfg, const char *text, struct buf *out, const char **error_r);

/* pfconf_list_split - split a list value (commas/whitespace, {…} groups) into a */
void pfconf_list_split(const char *value, struct argv *a);

#endif
