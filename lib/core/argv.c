/* argv - string vectors (see argv.h). */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "core/argv.h"
#include "core/buf.h"
#include "core/mem.h"

void argv_init(struct argv *a)
{
	a->alloc = 8;
	a->v = xcalloc(a->alloc, sizeof(char *));
	a->n = 0;
}

void argv_deinit(struct argv *a)
{
	argv_truncate(a, 0);
	xfree(a->v);
	a->v = NULL;
	a->alloc = 0;
}

struct argv *argv_create(void)
{
	struct argv *a = xmalloc(sizeof(*a));

	argv_init(a);
	return a;
}

void argv_destroy(struct argv **ap)
{
	if (*ap == NULL)
		return;
	argv_deinit(*ap);
	xfree(*ap);
	*ap = NULL;
}

/* argv_push - append an already allocated string */
static void argv_push(struct argv *a, char *s)
{
	if (a->n + 1 >= a->alloc) {
		a->v = xreallocarray(a->v, a->alloc * 2, sizeof(char *));
		a->alloc *= 2;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void argv_add(struct argv *a, const char *s)
{
	argv_push(a, xstrdup(s));
}

void argv_addn(struct argv *a, const char *s, size_t n)
{
	argv_push(a, xstrndup(s, n));
}

void argv_add_printf(struct argv *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	argv_push(a, xvasprintf(fmt, ap));
	va_end(ap);
}

void argv_truncate(struct argv *a, size_t n)
{
	while (a->n > n)
		xfree(a->v[--a->n]);
	if (a->v != NULL)
		a->v[a->n] = NULL;
}

void argv_split_append(struct argv *a, const char *s, const char *delims)
{
	while (*s != '\0') {
		size_t len;

		s += strspn(s, delims);
		len = strcspn(s, delims);
		if (len > 0)
			argv_addn(a, s, len);
		s += len;
	}
}

struct argv *argv_split(const char *s, const char *delims)
{
	struct argv *a = argv_create();

	argv_split_append(a, s, delims);
	return a;
}

char *argv_join(const struct argv *a, const char *sep)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < a->n; i++) {
		if (i > 0)
			buf_append_str(&b, sep);
		buf_append_str(&b, a->v[i]);
	}
	{
		char *s = buf_steal(&b);

		buf_deinit(&b);
		return s;
	}
}
