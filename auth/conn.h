/*
 * conn - a non-blocking line connection on the event loop, shared by the
 * client and master sides of the auth protocol.
 *
 * Input is read into a buffer and handed out one LF-terminated line at a
 * time (without the LF; a CR before it is kept: the protocol has none).
 * A line longer than max_line closes the connection with reason
 * CONN_TOO_LONG.  Output is buffered and written as the socket allows; more
 * than CONN_OUT_MAX bytes pending closes the connection (a peer that does
 * not read).  conn_close() may be called from inside the line callback:
 * the connection is then destroyed when the callback returns.  The
 * closed callback runs once, before the fd is closed.
 */
#ifndef PC_AUTH_CONN_H
#define PC_AUTH_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct event_loop;
struct event_timer;

#define CONN_OUT_MAX (4u * 1024 * 1024)

enum conn_close_reason {
	CONN_EOF,		/* the peer closed */
	CONN_TOO_LONG,		/* a line over max_line */
	CONN_IO_ERROR,		/* read/write error, output overflow */
	CONN_LOCAL,		/* conn_close() */
};

struct conn {
	int fd;
	struct event_loop *loop;
	struct buf in, out;
	size_t max_line;
	void (*line)(struct conn *c, char *line);
	void (*closed)(struct conn *c, enum conn_close_reason why);
	void *ctx;
	uint64_t created_ms;
	int dispatching, dead, want_write;
	struct event_timer *close_timer;
};

/* conn_create - take fd (made non-blocking) and start reading */
struct conn *conn_create(int fd, struct event_loop *loop, size_t max_line,
			 void (*line)(struct conn *c, char *line),
			 void (*closed)(struct conn *c, enum conn_close_reason why), void *ctx);
/* conn_send - queue line + LF */
void conn_send(struct conn *c, const char *line);
/* conn_close - close (deferred while dispatching) */
void conn_close(struct conn *c);

#endif
