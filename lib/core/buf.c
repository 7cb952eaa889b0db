/* buf - growable byte buffer (see buf.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

#define BUF_MIN_SIZE 64

void buf_init(struct buf *b, size_t limit)
{
	b->size = BUF_MIN_SIZE;
	b->data = xmalloc(b->size);
	b->data[0] = '\0';
	b->len = 0;
	b->limit = limit;
}

void buf_deinit(struct buf *b)
{
	xfree(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

struct buf *buf_create(size_t limit)
{
	struct buf *b = xmalloc(sizeof(*b));

	buf_init(b, limit);
	return b;
}

void buf_destroy(struct buf **bp)
{
	if (*bp == NULL)
		return;
	buf_deinit(*bp);
	xfree(*bp);
	*bp = NULL;
}

size_t buf_room(const struct buf *b)
{
	if (b->limit == 0)
		return SIZE_MAX - b->len - 1;
	return b->limit > b->len ? b->limit - b->len : 0;
}

char *buf_reserve(struct buf *b, size_t n)
{
	size_t need;

	if (n >= SIZE_MAX - b->len - 1)
		msg_panic("buf_reserve: size overflow");
	need = b->len + n + 1;
	if (need > b->size) {
		size_t nsize = b->size;

		while (nsize < need)
			nsize = nsize > SIZE_MAX / 2 ? need : nsize * 2;
		b->data = xrealloc(b->data, nsize);
		b->size = nsize;
	}
	return b->data + b->len;
}

void buf_commit(struct buf *b, size_t n)
{
	if (n > b->size - b->len - 1)
		msg_panic("buf_commit: %zu bytes exceed the reservation", n);
	b->len += n;
	b->data[b->len] = '\0';
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n > buf_room(b))
		return -1;
	if (n > 0)
		memcpy(buf_reserve(b, n), p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_append_c(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		msg_panic("buf_vprintf: bad format \"%s\"", fmt);
	if ((size_t)n > buf_room(b))
		return -1;
	vsnprintf(buf_reserve(b, (size_t)n), (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}

int buf_set(struct buf *b, const void *p, size_t n)
{
	if (b->limit != 0 && n > b->limit)
		return -1;
	buf_reset(b);
	return buf_append(b, p, n);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

void buf_truncate(struct buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *buf_steal(struct buf *b)
{
	char *s = b->data;

	b->size = BUF_MIN_SIZE;
	b->data = xmalloc(b->size);
	buf_reset(b);
	return s;
}

void buf_trim_right(struct buf *b)
{
	while (b->len > 0) {
		char c = b->data[b->len - 1];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
		b->len--;
	}
	b->data[b->len] = '\0';
}
