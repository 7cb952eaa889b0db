/*
 * argv - growable NULL-terminated string vector.
 *
 * v[n] is always NULL, so v can be handed to execv().  The vector owns its
 * strings (argv_add copies).  argv_split() splits on a set of delimiter
 * bytes and drops empty items.
 */
#ifndef PC_CORE_ARGV_H
#define PC_CORE_ARGV_H

#include <stddef.h>

struct argv {
	char **v;	/* n strings, then NULL */
	size_t n;
	size_t alloc;
};

/* argv_init - empty vector */
void argv_init(struct argv *a);
/* argv_deinit - free the strings and the vector */
void argv_deinit(struct argv *a);
/* argv_create/argv_destroy - heap handle variants (destroy accepts NULL, clears *ap) */
struct argv *argv_create(void);
void argv_destroy(struct argv **ap);
/* argv_add - append a copy of s */
void argv_add(struct argv *a, const char *s);
/* argv_addn - append a copy of the first n bytes of s */
void argv_addn(struct argv *a, const char *s, size_t n);
/* argv_add_printf - append a formatted string */
void argv_add_printf(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* argv_truncate - drop items from index n on */
void argv_truncate(struct argv *a, size_t n);
/* argv_split - new vector with the non-empty items of s split on any byte in delims */
struct argv *argv_split(const char *s, const char *delims);
/* argv_split_append - same, appending to an existing vector */
void argv_split_append(struct argv *a, const char *s, const char *delims);
/* argv_join - allocate the items joined by sep */
char *argv_join(const struct argv *a, const char *sep);

#endif
