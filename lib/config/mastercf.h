/*
 * mastercf - Postfix master.cf parsing.
 *
 * Same logical-line rules as main.cf (comments, leading-whitespace
 * continuation).  Each entry has eight or more whitespace-separated fields;
 * "-" means the built-in default.  { ... } groups an argument containing
 * whitespace (the braces and surrounding blanks are removed), and
 * "-o { name = value }" becomes "-o" "name=value" (blanks around '='
 * removed).  When the same service/type appears twice the last one wins
 * (the earlier is dropped, with a warning).
 *
 * Errors: -1 with *error_r = "<file>, line N: <what>: \"<text>\"" (static
 * storage).  Nothing is partially applied: on error no entries are returned.
 */
#ifndef PC_CONFIG_MASTERCF_H
#define PC_CONFIG_MASTERCF_H

#include "core/argv.h"

enum mastercf_type {
	MASTERCF_INET,
	MASTERCF_UNIX,
	MASTERCF_UNIX_DGRAM,
	MASTERCF_FIFO,
	MASTERCF_PASS,
};

#define MASTERCF_NFIELDS 7	/* service type private unpriv chroot wakeup maxproc */

struct mastercf_entry {
	char *service;		/* as written: "smtp", "127.0.0.1:submission", "[::1]:25" */
	enum mastercf_type type;
	char *field[MASTERCF_NFIELDS];	/* raw text of the first 7 fields, for postconf -M/-F */
	int private_svc;	/* resolved: 1/0 (inet is always 0) */
	int unpriv;		/* resolved: default 1 */
	int chroot;		/* resolved: default 0 */
	int wakeup;		/* seconds, 0 = none */
	int wakeup_on_use;	/* "NNN?": no wakeups until first used */
	int maxproc;		/* -1 = "-" ($default_process_limit); 0 = unlimited */
	struct argv cmd;	/* command name, then arguments ("-o" "name=value" pairs kept) */
	struct argv cmd_text;	/* the same tokens as written, "{ a b }" shown as "{a b}" (postconf) */
	char *file;
	int line;		/* first physical line of the entry */
};

struct mastercf {
	struct mastercf_entry *entries;
	size_t n;
};

/* mastercf_load - parse a master.cf file */
int mastercf_load(struct mastercf **mcf_r, const char *path, const char **error_r);
/* mastercf_parse_text - parse from memory (tests, postconf -Me); name is used in errors */
int mastercf_parse_text(struct mastercf **mcf_r, const char *name, const char *text, const char **error_r);
void mastercf_free(struct mastercf **mcfp);
/* mastercf_type_name - "inet", "unix", "unix-dgram", "fifo", "pass" */
const char *mastercf_type_name(enum mastercf_type type);
/* mastercf_type_parse - type name to enum; -1 if unknown */
int mastercf_type_parse(const char *name, enum mastercf_type *type_r);
/* mastercf_find - entry for service/type, or NULL */
const struct mastercf_entry *mastercf_find(const struct mastercf *mcf, const char *service, enum mastercf_type type);

#endif
