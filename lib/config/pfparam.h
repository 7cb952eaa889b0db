/*
 * pfparam - the table of every main.cf parameter: name, type, built-in
 * default (Postfix 3.7's raw text, which may reference other parameters),
 * default unit for times, lower bound, and an optional function for
 * defaults derived from the host or from ./configure.
 *
 * The table (pfparam_table.c) is sorted by name; pfparam_find() does a
 * binary search.  postconf -d, typed getters and unknown-name warnings all
 * derive from it (STYLE.md practice 12).
 */
#ifndef PC_CONFIG_PFPARAM_H
#define PC_CONFIG_PFPARAM_H

#include <stddef.h>

struct pfconf;

enum pfparam_type {
	PFPARAM_STR,	/* text, $name expanded on use */
	PFPARAM_BOOL,	/* yes / no */
	PFPARAM_INT,	/* integer */
	PFPARAM_LONG,	/* integer that may exceed 32 bits (sizes) */
	PFPARAM_TIME,	/* number + optional s/m/h/d/w unit */
};

struct pfparam {
	const char *name;
	enum pfparam_type type;
	const char *def;	/* raw default as `postconf -d` prints it (when def_fn is NULL) */
	char unit;		/* default time unit ('s', 'm', 'h', 'd', 'w'), or '\0' */
	int has_min;
	long long min;
	const char *(*def_fn)(struct pfconf *cfg);	/* computed default, or NULL */
};

extern const struct pfparam pfparam_table[];
extern const size_t pfparam_count;

/* pfparam_find - table entry for name, or NULL */
const struct pfparam *pfparam_find(const char *name);
/* pfparam_default - raw default text (computed when the entry has a function) */
const char *pfparam_default(const struct pfparam *p, struct pfconf *cfg);

/* default functions (pfparam.c) */
const char *pfparam_def_myhostname(struct pfconf *cfg);
const char *pfparam_def_mydomain(struct pfconf *cfg);
const char *pfparam_def_mynetworks(struct pfconf *cfg);
const char *pfparam_def_process_id(struct pfconf *cfg);
const char *pfparam_def_process_name(struct pfconf *cfg);
const char *pfparam_def_config_directory(struct pfconf *cfg);
const char *pfparam_def_queue_directory(struct pfconf *cfg);
const char *pfparam_def_data_directory(struct pfconf *cfg);
const char *pfparam_def_daemon_directory(struct pfconf *cfg);
const char *pfparam_def_command_directory(struct pfconf *cfg);
const char *pfparam_def_sendmail_path(struct pfconf *cfg);
const char *pfparam_def_newaliases_path(struct pfconf *cfg);
const char *pfparam_def_mailq_path(struct pfconf *cfg);
const char *pfparam_def_manpage_directory(struct pfconf *cfg);
const char *pfparam_def_html_directory(struct pfconf *cfg);
const char *pfparam_def_readme_directory(struct pfconf *cfg);

#endif
