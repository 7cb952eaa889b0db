/*
 * postconf.h - shared state of the postconf command (tools/postconf*.c).
 */
#ifndef PC_TOOLS_POSTCONF_H
#define PC_TOOLS_POSTCONF_H

#include "core/argv.h"

struct pfconf;
struct mastercf;

#define PC_FOLD_COLUMNS 80

struct postconf {
	struct pfconf *cfg;
	const char *config_dir;	/* -c, or NULL */
	char *main_cf;
	char *master_cf;
	unsigned flags;
};

/* flags */
#define PCF_DEFAULTS	(1u << 0)	/* -d */
#define PCF_NONDEFAULT	(1u << 1)	/* -n */
#define PCF_EXPAND	(1u << 2)	/* -x */
#define PCF_VALUE_ONLY	(1u << 3)	/* -h */
#define PCF_NAME_ONLY	(1u << 4)	/* -H */
#define PCF_FOLD	(1u << 5)	/* -f */

/* postconf_master.c */
int pcf_master_print(struct postconf *pc, char **args, int mode);
int pcf_master_edit(struct postconf *pc, char **args, int mode, int edit);
/* postconf_edit.c */
int pcf_main_edit(struct postconf *pc, char **args, int edit);
/* write a file atomically or die */
void pcf_write_file(const char *path, const char *text, size_t len);
/* print a line, folded at 80 columns with 4-space continuation when fold is set */
void pcf_print_folded(const char *line, int fold);

/* edit kinds */
#define PCF_EDIT_SET	1	/* -e */
#define PCF_EDIT_DELETE	2	/* -X */
#define PCF_EDIT_COMMENT 3	/* -# */

/* master modes */
#define PCF_MODE_M	1
#define PCF_MODE_F	2
#define PCF_MODE_P	3

#endif
