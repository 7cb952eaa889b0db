/*
 * conn.c - non-blocking line connections (see conn.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "core/event.h"
#include "core/mem.h"

static void conn_io(int fd, unsigned ready, void *ctx);

struct conn *conn_create(int fd, struct event_loop *loop, size_t max_line,
			 void (*line)(struct conn *c, char *line),
			 void (*closed)(struct conn *c, enum conn_close_reason why), void *ctx)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	c->fd = fd;
	c->loop = loop;
	c->max_line = max_line;
	c->line = line;
	c->closed = closed;
	c->ctx = ctx;
	c->created_ms = event_now_ms();
	buf_init(&c->in, 0);
	buf_init(&c->out, 0);
	event_io_set(loop, fd, EVENT_READ, conn_io, c);
	return c;
}

/* conn_destroy - close the fd and free (the closed callback runs first) */
static void conn_destroy(struct conn *c, enum conn_close_reason why)
{
	event_timer_remove(c->loop, &c->close_timer);
	c->closed(c, why);
	event_io_remove(c->loop, c->fd);
	close(c->fd);
	buf_deinit(&c->in);
	buf_deinit(&c->out);
	xfree(c);
}

/* conn_flush - write what the socket takes; -1 on error */
static int conn_flush(struct conn *c)
{
	while (c->out.len > 0) {
		ssize_t n = write(c->fd, c->out.data, c->out.len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		buf_consume(&c->out, (size_t)n);
	}
	if ((c->out.len > 0) != c->want_write) {
		c->want_write = c->out.len > 0;
		event_io_set(c->loop, c->fd, EVENT_READ | (c->want_write ? EVENT_WRITE : 0), conn_io, c);
	}
	return 0;
}

/* deferred_close - a write failed outside dispatch */
static void deferred_close(void *ctx)
{
	struct conn *c = ctx;

	c->close_timer = NULL;
	conn_destroy(c, CONN_IO_ERROR);
}

void conn_send(struct conn *c, const char *line)
{
	if (c->dead)
		return;
	buf_append_str(&c->out, line);
	buf_append_c(&c->out, '\n');
	if (c->out.len > CONN_OUT_MAX || conn_flush(c) < 0) {
		c->dead = CONN_IO_ERROR + 1;
		if (!c->dispatching && c->close_timer == NULL)
			c->close_timer = event_timer_add(c->loop, 0, deferred_close, c);
	}
}

void conn_close(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = CONN_LOCAL + 1;
	if (!c->dispatching)
		conn_destroy(c, CONN_LOCAL);
}

/* conn_dispatch - hand out complete lines; returns a close reason + 1, or 0 */
static int conn_dispatch(struct conn *c)
{
	char *nl;

	c->dispatching = 1;
	while (!c->dead && (nl = memchr(c->in.data, '\n', c->in.len)) != NULL) {
		size_t n = (size_t)(nl - c->in.data);
		char *line;

		if (n > c->max_line) {
			c->dead = CONN_TOO_LONG + 1;
			break;
		}
		line = xstrndup(c->in.data, n);
		buf_consume(&c->in, n + 1);
		c->line(c, line);
		xfree(line);
	}
	if (!c->dead && c->in.len > c->max_line)
		c->dead = CONN_TOO_LONG + 1;
	c->dispatching = 0;
	return c->dead;
}

static void conn_io(int fd, unsigned ready, void *ctx)
{
	struct conn *c = ctx;
	char tmp[8192];
	ssize_t n;
	int dead;

	if ((ready & EVENT_WRITE) != 0 && conn_flush(c) < 0) {
		conn_destroy(c, CONN_IO_ERROR);
		return;
	}
	if ((ready & (EVENT_READ | EVENT_ERROR)) == 0)
		return;
	n = read(fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_destroy(c, n == 0 ? CONN_EOF : CONN_IO_ERROR);
		return;
	}
	buf_append(&c->in, tmp, (size_t)n);
	if ((dead = conn_dispatch(c)) != 0)
		conn_destroy(c, (enum conn_close_reason)(dead - 1));
}
