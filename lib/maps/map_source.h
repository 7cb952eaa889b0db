/*
 * map_source - the "key whitespace value" source format of postmap and
 * texthash tables (logical lines as in main.cf).
 *
 * A key containing whitespace is written in double quotes; as in Postfix
 * 3.7 the quotes stay part of the key.  Returns 0 with key and value
 * (malloc'ed), -1 when the line has no value ("expected format: key
 * whitespace value").
 */
#ifndef PC_MAPS_MAP_SOURCE_H
#define PC_MAPS_MAP_SOURCE_H

int map_source_split(const char *line, char **key_r, char **value_r);

#endif
