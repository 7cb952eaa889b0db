/*
 * stream - buffered fd I/O with deadlines and line limits (see stream.h).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"

#define STREAM_READ_CHUNK 16384
#define STREAM_WRITE_MAX 65536

struct stream {
	int fd;
	unsigned flags;
	int timeout_ms;
	unsigned long long deadline_ms;
	size_t line_limit;
	const struct stream_io *io;
	void *io_ctx;
	struct buf in;		/* unconsumed input is in[in_pos..] */
	size_t in_pos;
	struct buf out;
	int eof, timed_out, error;
};

struct stream *stream_create(int fd, unsigned flags)
{
	struct stream *s = xcalloc(1, sizeof(*s));

	s->fd = fd;
	s->flags = flags;
	s->line_limit = 2048;
	buf_init(&s->in, 0);
	buf_init(&s->out, 0);
	return s;
}

void stream_destroy(struct stream **sp)
{
	struct stream *s = *sp;

	if (s == NULL)
		return;
	if (s->flags & STREAM_OWN_FD)
		close(s->fd);
	buf_deinit(&s->in);
	buf_deinit(&s->out);
	xfree(s);
	*sp = NULL;
}

int stream_fd(const struct stream *s) { return s->fd; }
void stream_set_timeout(struct stream *s, int ms) { s->timeout_ms = ms; }
void stream_set_deadline(struct stream *s, unsigned long long ms) { s->deadline_ms = ms; }
int stream_eof(const struct stream *s) { return s->eof; }
int stream_timed_out(const struct stream *s) { return s->timed_out; }
int stream_error(const struct stream *s) { return s->error; }

void stream_set_line_limit(struct stream *s, size_t limit)
{
	s->line_limit = limit > 0 ? limit : 1;
}

void stream_set_io(struct stream *s, const struct stream_io *io, void *ctx)
{
	s->io = io;
	s->io_ctx = ctx;
}

/* wait_fd - poll for events within the per-call timeout and the deadline */
static int wait_fd(struct stream *s, short events)
{
	struct pollfd pfd;
	int ms = s->timeout_ms > 0 ? s->timeout_ms : -1, n;

	if (s->deadline_ms != 0) {
		unsigned long long now = event_now_ms();
		int left = now >= s->deadline_ms ? 0 : (int)(s->deadline_ms - now);

		if (ms < 0 || left < ms)
			ms = left;
	}
	pfd.fd = s->fd;
	pfd.events = events;
	do {
		n = poll(&pfd, 1, ms);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		s->timed_out = 1;
		errno = ETIMEDOUT;
		return -1;
	}
	if (n < 0) {
		s->error = 1;
		return -1;
	}
	return 0;
}

/* raw_read - one read through the layer or the fd; waits as needed */
static ssize_t raw_read(struct stream *s, void *p, size_t len)
{
	for (;;) {
		int want_write = 0;
		ssize_t n;

		if (s->io == NULL || s->io->pending == NULL || !s->io->pending(s->io_ctx)) {
			if (s->io == NULL && wait_fd(s, POLLIN) < 0)
				return -1;
		}
		n = s->io != NULL ? s->io->read(s->io_ctx, p, len, &want_write) : read(s->fd, p, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			s->error = 1;
			return -1;
		}
		if (wait_fd(s, want_write ? POLLOUT : POLLIN) < 0)
			return -1;
	}
}

/* fill - read more input; 1 got bytes, 0 EOF, -1 error */
static int fill(struct stream *s)
{
	ssize_t n;

	if (s->in_pos > 0 && s->in_pos == s->in.len) {
		buf_reset(&s->in);
		s->in_pos = 0;
	} else if (s->in_pos > STREAM_READ_CHUNK) {
		buf_consume(&s->in, s->in_pos);
		s->in_pos = 0;
	}
	n = raw_read(s, buf_reserve(&s->in, STREAM_READ_CHUNK), STREAM_READ_CHUNK);
	if (n < 0)
		return -1;
	if (n == 0) {
		s->eof = 1;
		return 0;
	}
	buf_commit(&s->in, (size_t)n);
	return 1;
}

int stream_read_line(struct stream *s, struct buf *line, unsigned *flags_r)
{
	buf_reset(line);
	*flags_r = 0;
	for (;;) {
		const char *start = s->in.data + s->in_pos;
		size_t avail = s->in.len - s->in_pos;
		size_t scan = avail < s->line_limit + 1 ? avail : s->line_limit + 1;
		const char *nl = memchr(start, '\n', scan);
		int r;

		if (nl != NULL) {
			size_t len = (size_t)(nl - start);

			if (len > 0 && start[len - 1] == '\r') {
				*flags_r |= STREAM_LINE_CRLF;
				len--;
			}
			buf_append(line, start, len);
			s->in_pos += (size_t)(nl - start) + 1;
			return 1;
		}
		if (avail > s->line_limit) {
			/* over-long: hand out a piece, keep reading the rest later */
			buf_append(line, start, s->line_limit);
			s->in_pos += s->line_limit;
			*flags_r |= STREAM_LINE_PARTIAL;
			return 1;
		}
		r = fill(s);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (avail == 0)
				return 0;
			buf_append(line, start, avail);	/* unterminated last line */
			s->in_pos += avail;
			return 1;
		}
	}
}

ssize_t stream_read_some(struct stream *s, void *p, size_t len)
{
	size_t avail = s->in.len - s->in_pos;
	int r;

	if (avail == 0) {
		r = fill(s);
		if (r <= 0)
			return r;
		avail = s->in.len - s->in_pos;
	}
	if (len > avail)
		len = avail;
	memcpy(p, s->in.data + s->in_pos, len);
	s->in_pos += len;
	return (ssize_t)len;
}

int stream_read(struct stream *s, void *p, size_t len)
{
	char *dst = p;

	while (len > 0) {
		ssize_t n = stream_read_some(s, dst, len);

		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		dst += n;
		len -= (size_t)n;
	}
	return 1;
}

/* raw_write - write everything in out */
static int raw_write_all(struct stream *s)
{
	size_t done = 0;

	while (done < s->out.len) {
		int want_read = 0;
		ssize_t n = s->io != NULL
			? s->io->write(s->io_ctx, s->out.data + done, s->out.len - done, &want_read)
			: write(s->fd, s->out.data + done, s->out.len - done);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(s, want_read ? POLLIN : POLLOUT) < 0)
				return -1;
			continue;
		}
		s->error = 1;
		return -1;
	}
	buf_reset(&s->out);
	return 0;
}

int stream_flush(struct stream *s)
{
	if (s->error || s->timed_out)
		return -1;
	return raw_write_all(s);
}

int stream_write(struct stream *s, const void *p, size_t len)
{
	if (s->error || s->timed_out)
		return -1;
	buf_append(&s->out, p, len);
	if (s->out.len >= STREAM_WRITE_MAX)
		return raw_write_all(s);
	return 0;
}

int stream_puts(struct stream *s, const char *str)
{
	return stream_write(s, str, strlen(str));
}

int stream_printf(struct stream *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	if (s->out.len >= STREAM_WRITE_MAX)
		return raw_write_all(s);
	return s->error ? -1 : 0;
}

const char *stream_unread(const struct stream *s, size_t *len_r)
{
	*len_r = s->in.len - s->in_pos;
	return s->in.data + s->in_pos;
}

int stream_has_input(const struct stream *s)
{
	return s->in.len > s->in_pos;
}
