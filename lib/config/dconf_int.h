/*
 * dconf_int - internals shared by lib/config/dconf*.c (not for programs;
 * doveconf uses the public dconf.h and dconf_dump.h).
 *
 * A section (also the root and every filter block) holds one dconf_kv per
 * known key of its type in table order (typed sections) or per key written
 * (free-form plugin/dict sections and filter blocks).  val is NULL until
 * the file sets the key; def is the table default (for built-in services the
 * built-in value).  Strings are owned by the section unless they point into
 * the static table (def_static).
 */
#ifndef PC_CONFIG_DCONF_INT_H
#define PC_CONFIG_DCONF_INT_H

#include <stddef.h>

#include "config/dconf.h"
#include "config/dconf_table.h"
#include "core/buf.h"

#define DCONF_MAX_LINE (64 * 1024)		/* logical line, continuations joined */
#define DCONF_MAX_FILE (16 * 1024 * 1024)	/* one config file or <file value */
#define DCONF_MAX_INCLUDE_DEPTH 20
#define DCONF_MAX_FILES 1000			/* files read per load */
#define DCONF_MAX_NESTING 16			/* open sections */
#define DCONF_MAX_SECTIONS 100000
#define DCONF_MAX_KEYS 10000			/* keys in one free-form section */

struct dconf_kv {
	const char *key;
	const char *def;
	const struct dconf_def *tdef;	/* table row (NULL in free-form sections) */
	char *val;			/* as stored (self-references expanded), NULL = unset */
	char *file_val;			/* content of a "<path" value, NULL if not read */
	char *where;			/* "file:line" where it was set */
	char *exp;			/* cached expansion for the getters */
	int key_owned, def_owned;
};

enum dconf_filter_kind { DCONF_F_NONE, DCONF_F_PROTOCOL, DCONF_F_LOCAL, DCONF_F_REMOTE,
			 DCONF_F_LOCAL_NAME };

struct dconf_sect {
	struct dconf *cfg;
	struct dconf_sect *parent;
	char *type;			/* "" for the root */
	char *name;
	char *where;
	const struct dconf_type *tdesc;	/* NULL: root or filter */
	int is_default;			/* built in and not written in the file */
	int free_form;			/* plugin { }, dict { } */
	int filter;			/* enum dconf_filter_kind */
	/* filter match data */
	int net_family;			/* AF_INET/AF_INET6, 0 = any */
	unsigned char net_addr[16];
	unsigned net_bits;
	int negate;			/* protocol !name */
	struct dconf_kv *kv;
	size_t nkv, akv;
	struct dconf_sect **child;	/* typed sections */
	size_t nchild, achild;
	struct dconf_sect **filters;	/* filter blocks (root and filters only) */
	size_t nfilters, afilters;
	const char **keys_cache;
	unsigned list_index;		/* passdb/userdb: position among its type */
};

struct dconf {
	char *path;
	unsigned flags;
	struct dconf_sect *root;
	size_t nsections;
	char *unclosed;			/* "file:line" of a section EOF left open */
	char **strings;			/* expansion results, freed with the config */
	size_t nstrings;
};

/* dconf_sect_new - a section of type (table description tdesc, may be NULL) under parent */
struct dconf_sect *dconf_sect_new(struct dconf *cfg, struct dconf_sect *parent, const char *type,
				  const char *name, const struct dconf_type *tdesc);
void dconf_sect_free(struct dconf_sect *s);
/* dconf_type_find - table description of a section type, NULL if unknown */
const struct dconf_type *dconf_type_find(const char *type);
/* dconf_kv_find - key in s, NULL if absent */
struct dconf_kv *dconf_kv_find(const struct dconf_sect *s, const char *key);
/* dconf_kv_add - append a free-form key */
struct dconf_kv *dconf_kv_add(struct dconf_sect *s, const char *key);
/* dconf_global_def - table row of a global setting, NULL if unknown */
const struct dconf_def *dconf_global_def(const char *key);
/* dconf_new_config - root with the global defaults and the built-in services */
struct dconf *dconf_new_config(void);
/*
 * dconf_normalize - validate v for table row d and give the form doveconf
 * prints ("2s" -> "2 secs", "Y" -> "yes", "600" -> "01130" for modes);
 * 0, or -1 with the doveconf message ("Invalid size: 10 X").
 */
int dconf_normalize(const struct dconf_def *d, const char *v, char **canon_r, const char **error_r);
/* dconf_format_size/_time - doveconf's printed forms ("256 M", "1 mins", "0") */
char *dconf_format_size(unsigned long long bytes);
char *dconf_format_time(unsigned long long secs);
/* dconf_parse_net - "IP[/bits]" for local/remote filters; 0 or -1 with the message */
int dconf_parse_net(const char *text, int *family_r, unsigned char addr_r[16], unsigned *bits_r,
		    const char **error_r);
/* dconf_kv_value - effective value of kv (file content, $name expanded, or default) */
const char *dconf_kv_value(const struct dconf *cfg, struct dconf_kv *kv);
/* dconf_keep - remember a string for the config's lifetime and return it */
const char *dconf_keep(const struct dconf *cfg, char *s);

/* dconf_buf_take - b's content as a malloc()ed string; b is released */
static inline char *dconf_buf_take(struct buf *b)
{
	char *s = buf_steal(b);

	buf_deinit(b);
	return s;
}

#endif
