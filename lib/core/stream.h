/*
 * stream - buffered I/O over a file descriptor, with deadlines and limits
 * (STYLE.md section 2 "stream").
 *
 * Reads: stream_read_line() returns one line without its LF (a CR before
 * the LF is kept in the buffer and reported through STREAM_LINE_CRLF so
 * protocol code can tell bare LF from CRLF).  A line longer than the line
 * limit is returned in pieces of at most the limit with STREAM_LINE_PARTIAL
 * set on all but the last piece: the caller can answer "line too long" and
 * keep the session, and memory never grows past the limit.
 * Every read waits at most the per-read timeout and never past the session
 * deadline; on expiry the call fails with the timeout flag set.
 *
 * Writes are buffered; stream_flush() writes everything out within the
 * same timeouts.
 *
 * TLS hook: stream_set_io() replaces the raw read/write with callbacks (a
 * TLS layer); `pending` tells the stream that the layer holds decrypted
 * bytes, so it does not wait in poll() for the socket.  A callback returns
 * bytes moved, 0 at EOF, or -1 with errno (EAGAIN = would block: the
 * stream then polls for the direction in *want_r).
 *
 * Hand-off: stream_unread() exposes bytes read from the fd but not yet
 * consumed, so a connection can be passed to another process with them.
 *
 * The stream does not own the fd unless STREAM_OWN_FD is given.
 */
#ifndef PC_CORE_STREAM_H
#define PC_CORE_STREAM_H

#include <stddef.h>
#include <sys/types.h>

struct buf;
struct stream;

/* stream_create flags */
#define STREAM_OWN_FD	(1u << 0)	/* close the fd in stream_destroy */

/* stream_read_line result flags (*flags_r) */
#define STREAM_LINE_CRLF	(1u << 0)	/* the line ended in CR LF */
#define STREAM_LINE_PARTIAL	(1u << 1)	/* more of this line follows */

/* I/O callbacks for a layer such as TLS */
struct stream_io {
	ssize_t (*read)(void *ctx, void *buf, size_t len, int *want_write_r);
	ssize_t (*write)(void *ctx, const void *buf, size_t len, int *want_read_r);
	int (*pending)(void *ctx);	/* bytes buffered inside the layer (may be NULL) */
};

struct stream *stream_create(int fd, unsigned flags);
/* stream_destroy - free; closes the fd with STREAM_OWN_FD; unflushed output is dropped */
void stream_destroy(struct stream **sp);
int stream_fd(const struct stream *s);

/* stream_set_timeout - per-read/-write wait in milliseconds (0 = wait forever) */
void stream_set_timeout(struct stream *s, int ms);
/* stream_set_deadline - absolute limit for the whole session (CLOCK_MONOTONIC ms; 0 = none) */
void stream_set_deadline(struct stream *s, unsigned long long deadline_ms);
/* stream_set_line_limit - maximum bytes per line piece (default 2048) */
void stream_set_line_limit(struct stream *s, size_t limit);
/* stream_set_io - plug a layer in (NULL restores raw fd I/O) */
void stream_set_io(struct stream *s, const struct stream_io *io, void *ctx);

/*
 * stream_read_line - next line (or piece) into line (replacing its content).
 * Returns 1 with a line, 0 at EOF before any byte of a new line (an
 * unterminated last line is returned as a line first), -1 on error or
 * timeout (see stream_timed_out/stream_error).
 */
int stream_read_line(struct stream *s, struct buf *line, unsigned *flags_r);
/* stream_read - exactly len bytes into p: 1 ok, 0 EOF first, -1 error/timeout */
int stream_read(struct stream *s, void *p, size_t len);
/* stream_read_some - whatever is available (at least 1 byte, at most len): bytes, 0 EOF, -1 */
ssize_t stream_read_some(struct stream *s, void *p, size_t len);

/* stream_write - buffer output (flushes when the buffer is large): 0 or -1 */
int stream_write(struct stream *s, const void *p, size_t len);
int stream_puts(struct stream *s, const char *str);
int stream_printf(struct stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* stream_flush - write out everything buffered: 0 or -1 */
int stream_flush(struct stream *s);

/* stream_unread - unconsumed input bytes (pointer into the stream's buffer) */
const char *stream_unread(const struct stream *s, size_t *len_r);
/* stream_has_input - buffered input exists (no syscall) */
int stream_has_input(const struct stream *s);

int stream_eof(const struct stream *s);
int stream_timed_out(const struct stream *s);
int stream_error(const struct stream *s);

#endif
