/*
 * map_alias - aliases(5) source lines for postalias/newaliases.
 *
 * "name: value" (a quoted name may contain blanks; the quotes are not part
 * of the key), continuation lines as in main.cf.  The value is re-written
 * the way Postfix's address tokenizer writes it back: runs of blanks become
 * one space, no blanks around RFC 822 specials except one space after a
 * comma, quoted strings kept as they are ("a,   b" -> "a, b",
 * "E: upper" -> "E:upper").  Returns -1 for a line without "name:" ("need
 * name:value pair").
 */
#ifndef PC_MAPS_MAP_ALIAS_H
#define PC_MAPS_MAP_ALIAS_H

int map_alias_split(const char *line, char **name_r, char **value_r);

#endif
