/*
 * buf - growable, binary-safe byte buffer with an optional hard cap.
 *
 * A struct buf owns its storage.  data is always NUL-terminated (the NUL is
 * not counted in len), so buf_cstr() can be handed to string functions when
 * the content has no embedded NULs.  A buffer with limit != 0 never grows
 * past limit bytes of content: appends that would exceed it append nothing
 * and return -1, so a caller can report "too long" instead of silently
 * truncating.  Embedding (buf_init/buf_deinit) and heap handles
 * (buf_create/buf_destroy) are both supported.
 */
#ifndef PC_CORE_BUF_H
#define PC_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;	/* content + NUL; never NULL after buf_init() */
	size_t len;	/* content length */
	size_t size;	/* allocated bytes (> len) */
	size_t limit;	/* maximum content length; 0 = unlimited */
};

/* buf_init - empty buffer; limit 0 means no cap */
void buf_init(struct buf *b, size_t limit);
/* buf_deinit - release storage; the struct may be buf_init()ed again */
void buf_deinit(struct buf *b);
/* buf_create - heap-allocated empty buffer */
struct buf *buf_create(size_t limit);
/* buf_destroy - free the buffer and set *bp to NULL; NULL is fine */
void buf_destroy(struct buf **bp);

/* buf_append - append n bytes; -1 (and no change) if the cap would be exceeded */
int buf_append(struct buf *b, const void *p, size_t n);
/* buf_append_str - append a NUL-terminated string */
int buf_append_str(struct buf *b, const char *s);
/* buf_append_c - append one byte */
int buf_append_c(struct buf *b, char c);
/* buf_printf - append formatted text; -1 if the cap would be exceeded */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* buf_set - replace the content with n bytes */
int buf_set(struct buf *b, const void *p, size_t n);

/* buf_reset - empty the buffer, keep the allocation */
void buf_reset(struct buf *b);
/* buf_truncate - shorten to n bytes (no-op if already shorter) */
void buf_truncate(struct buf *b, size_t n);
/* buf_consume - drop the first n bytes (n > len drops everything) */
void buf_consume(struct buf *b, size_t n);
/* buf_reserve - make room for n more bytes; returns pointer to the free space.
 * Use buf_commit() to account for bytes written there.  Ignores the cap:
 * callers that reserve must check buf_room() themselves. */
char *buf_reserve(struct buf *b, size_t n);
/* buf_commit - add n bytes written into the reserved space to len */
void buf_commit(struct buf *b, size_t n);
/* buf_room - how many more bytes may be appended under the cap (SIZE_MAX if none) */
size_t buf_room(const struct buf *b);
/* buf_steal - return the content as a malloc()ed string and reset the buffer */
char *buf_steal(struct buf *b);
/* buf_trim - remove trailing whitespace (space, tab, CR, LF) */
void buf_trim_right(struct buf *b);

/* buf_cstr - content as a NUL-terminated string */
static inline const char *buf_cstr(const struct buf *b) { return b->data; }
/* buf_len - content length */
static inline size_t buf_len(const struct buf *b) { return b->len; }

#endif
