/*
 * mem - allocation that never returns NULL.
 *
 * Every allocator here either succeeds or ends the process with a fatal
 * "out of memory" log line (STYLE.md practice 10): callers never check for
 * NULL.  xfree() accepts NULL.  Sizes are checked for multiplication
 * overflow.
 */
#ifndef PC_CORE_MEM_H
#define PC_CORE_MEM_H

#include <stddef.h>
#include <stdarg.h>

/* xmalloc - malloc() or die */
void *xmalloc(size_t size);
/* xcalloc - zeroed array of nmemb * size bytes, overflow-checked */
void *xcalloc(size_t nmemb, size_t size);
/* xrealloc - realloc() or die; ptr may be NULL */
void *xrealloc(void *ptr, size_t size);
/* xreallocarray - realloc() of nmemb * size bytes, overflow-checked */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
/* xstrdup - copy of a NUL-terminated string */
char *xstrdup(const char *s);
/* xstrndup - copy of at most n bytes of s, always NUL-terminated */
char *xstrndup(const char *s, size_t n);
/* xmemdup - copy of n bytes plus a terminating NUL */
void *xmemdup(const void *p, size_t n);
/* xasprintf - newly allocated formatted string */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* xfree - free(); NULL is fine */
void xfree(void *ptr);

#endif
