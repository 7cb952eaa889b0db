/*
 * attr - attribute lists: the request/reply format between postcote
 * daemons (STYLE.md practice 14; the protocols are in
 * docs/internal-protocols.md).
 *
 * A list is a sequence of "name=value\n" lines ended by an empty line.
 * Names are [a-z0-9_.]+; a name may repeat (recipients).  Values are
 * escaped so any byte survives: backslash as "\\", LF as "\n", CR as "\r",
 * NUL as "\0".  The first list a server sends names the protocol and its
 * version ("proto=cleanup", "version=1"); unknown names are skipped by the
 * reader, missing mandatory ones are the caller's error.
 *
 * Limits: a line may be at most ATTR_LINE_MAX bytes, a list at most
 * ATTR_ITEMS_MAX items and ATTR_BYTES_MAX bytes; every read is bounded by
 * the stream's timeout.  A violation fails the read with a reason: the
 * caller logs it once and drops the connection.
 *
 * Ownership: an attr_list owns copies of its names and values; values
 * returned by attr_get() stay valid until attr_list_reset/deinit.
 */
#ifndef PC_IPC_ATTR_H
#define PC_IPC_ATTR_H

#include <stddef.h>

#include "core/argv.h"

struct stream;

#define ATTR_LINE_MAX	(128 * 1024)
#define ATTR_ITEMS_MAX	50000
#define ATTR_BYTES_MAX	(8 * 1024 * 1024)

struct attr_list {
	struct argv names;
	struct argv values;
};

void attr_list_init(struct attr_list *l);
void attr_list_deinit(struct attr_list *l);
void attr_list_reset(struct attr_list *l);
/* attr_add - append a pair to a list in memory */
void attr_add(struct attr_list *l, const char *name, const char *value);
/* attr_count - number of pairs */
static inline size_t attr_count(const struct attr_list *l) { return l->names.n; }
/* attr_get - value of the first pair called name, or NULL */
const char *attr_get(const struct attr_list *l, const char *name);
/* attr_get_long - numeric value; def when absent; -1 and *error_r when not a number */
int attr_get_long(const struct attr_list *l, const char *name, long long def, long long *value_r,
		  const char **error_r);

/* attr_write - buffer "name=value" (escaped); 0 or -1 (stream error) */
int attr_write(struct stream *s, const char *name, const char *value);
int attr_writef(struct stream *s, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* attr_write_list - every pair of l */
int attr_write_list(struct stream *s, const struct attr_list *l);
/* attr_end - the empty line that ends a list, then flush: 0 or -1 */
int attr_end(struct stream *s);

/*
 * attr_read - read one list into l (reset first).  1 with a list, 0 at EOF
 * before the first line, -1 with *error_r on timeout, I/O error, EOF inside
 * a list, an over-long line, too many items, or a malformed line.
 */
int attr_read(struct stream *s, struct attr_list *l, const char **error_r);

/*
 * attr_expect_proto - read the server's first list and check
 * proto=<name> and version=<version>; the list stays in l for other
 * attributes (e.g. queue_id).  0 or -1 with *error_r.
 */
int attr_expect_proto(struct stream *s, struct attr_list *l, const char *name, int version,
		      const char **error_r);
/* attr_send_proto - the server's first list: proto, version and the extra pairs in l (may be NULL) */
int attr_send_proto(struct stream *s, const char *name, int version, const struct attr_list *extra);

/*
 * Data chunks: bulk content (a message) after an attribute list.  Each
 * chunk is "<decimal length>\n" followed by exactly that many bytes; a
 * chunk of length 0 ends the data.  Chunks are at most ATTR_CHUNK_MAX bytes.
 */
#define ATTR_CHUNK_MAX	(64 * 1024)
/* attr_write_chunk - one chunk (len 0 = the end marker); 0 or -1 */
int attr_write_chunk(struct stream *s, const void *data, size_t len);
/*
 * attr_read_chunk - next chunk into data (replacing its content): 1 with
 * data, 0 for the end marker, -1 with *error_r (EOF, timeout, bad length).
 */
struct buf;
int attr_read_chunk(struct stream *s, struct buf *data, const char **error_r);

#endif
