/*
 * map_pattern - the rule-file framework shared by regexp:, pcre: and cidr:
 * tables: logical lines of "[!]pattern result", "if [!]pattern", "endif",
 * read from a file or from an inline "{ {rule}, {rule} }" list; a bad
 * rule draws a warning with file and line and the rest still loads.
 */
#ifndef PC_MAPS_MAP_PATTERN_H
#define PC_MAPS_MAP_PATTERN_H

#include "core/buf.h"

struct map;

/* a compiled pattern: match() returns 1 (with captures for substitution), 0, or -1 (error) */
struct pattern_ops {
	/* compile text at *pp (advancing past it); NULL + error on failure */
	void *(*compile)(const char **pp, const char **error_r);
	int (*match)(void *pat, const char *subject, struct buf *captures[10], int *ncaptures_r);
	void (*free)(void *pat);
	int substitute;		/* results may use $1..$9 */
	int (*valid_key)(const char *key);	/* NULL: any key; else 0 = never matches */
	int (*ncaptures)(void *pat);		/* groups a result may reference (NULL: none) */
};

struct pattern_rule {
	void *pat;
	int negate;
	int kind;		/* RULE_MATCH, RULE_IF, RULE_ENDIF */
	char *result;
	int line;
};

#define RULE_MATCH 0
#define RULE_IF 1
#define RULE_ENDIF 2

struct pattern_table {
	const struct pattern_ops *ops;
	struct pattern_rule *rules;
	size_t n;
	struct buf *captures[10];
};

/* pattern_table_load - from map->name (file or inline list) */
int pattern_table_load(struct map *map, const struct pattern_ops *ops, const char **error_r);
int pattern_table_lookup(struct map *map, const char *key, const char **value_r, const char **error_r);
int pattern_table_close(struct map *map, int commit, const char **error_r);

#endif
