/* test_stream - lib/core/stream over socketpairs */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/event.h"
#include "core/stream.h"
#include "test.h"

/* pair - socketpair: [0] for the stream, [1] for the test */
static void pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		abort();
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

static void test_lines_crlf_and_bare_lf(void)
{
	int fds[2];
	struct stream *s;
	struct buf line;
	unsigned flags;

	pair(fds);
	s = stream_create(fds[0], STREAM_OWN_FD);
	buf_init(&line, 0);
	put(fds[1], "HELO a\r\nMAIL");
	put(fds[1], " FROM:<x>\nlast");
	close(fds[1]);
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	T_STREQ(buf_cstr(&line), "HELO a");
	T_INTEQ(flags, STREAM_LINE_CRLF);
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	T_STREQ(buf_cstr(&line), "MAIL FROM:<x>");	/* joined across writes */
	T_INTEQ(flags, 0);				/* bare LF */
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	T_STREQ(buf_cstr(&line), "last");		/* unterminated last line */
	T_INTEQ(stream_read_line(s, &line, &flags), 0);
	T_ASSERT(stream_eof(s));
	buf_deinit(&line);
	stream_destroy(&s);
}

static void test_long_line_in_pieces(void)
{
	int fds[2];
	struct stream *s;
	struct buf line;
	unsigned flags;
	char big[100];

	pair(fds);
	s = stream_create(fds[0], STREAM_OWN_FD);
	stream_set_line_limit(s, 40);
	buf_init(&line, 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(fds[1], big);
	put(fds[1], "\r\nnext\r\n");
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	T_INTEQ(buf_len(&line), 40);
	T_ASSERT(flags & STREAM_LINE_PARTIAL);
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	T_INTEQ(buf_len(&line), 40);
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	T_INTEQ(buf_len(&line), 19);
	T_INTEQ(flags, STREAM_LINE_CRLF);
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	T_STREQ(buf_cstr(&line), "next");	/* the session continues */
	buf_deinit(&line);
	stream_destroy(&s);
	close(fds[1]);
}

static void test_timeout(void)
{
	int fds[2];
	struct stream *s;
	struct buf line;
	unsigned flags;
	unsigned long long t0 = event_now_ms();

	pair(fds);
	s = stream_create(fds[0], STREAM_OWN_FD);
	stream_set_timeout(s, 100);
	buf_init(&line, 0);
	put(fds[1], "partial");
	T_INTEQ(stream_read_line(s, &line, &flags), -1);
	T_ASSERT(stream_timed_out(s));
	T_ASSERT(event_now_ms() - t0 >= 90);
	T_ASSERT(event_now_ms() - t0 < 2000);
	buf_deinit(&line);
	stream_destroy(&s);
	close(fds[1]);
}

static void test_deadline(void)
{
	int fds[2];
	struct stream *s;
	char c;
	unsigned long long t0 = event_now_ms();

	pair(fds);
	s = stream_create(fds[0], STREAM_OWN_FD);
	stream_set_timeout(s, 10000);
	stream_set_deadline(s, t0 + 150);
	T_INTEQ(stream_read(s, &c, 1), -1);
	T_ASSERT(stream_timed_out(s));
	T_ASSERT(event_now_ms() - t0 < 2000);
	stream_destroy(&s);
	close(fds[1]);
}

static void test_binary_read_and_write(void)
{
	int fds[2];
	struct stream *s;
	char data[5] = { 'a', '\0', '\n', 'b', '\r' }, got[5], back[64];
	ssize_t n;

	pair(fds);
	s = stream_create(fds[0], STREAM_OWN_FD);
	if (write(fds[1], data, 5) != 5)
		abort();
	T_INTEQ(stream_read(s, got, 5), 1);
	T_ASSERT(memcmp(got, data, 5) == 0);
	T_INTEQ(stream_printf(s, "250 %s\r\n", "ok"), 0);
	T_INTEQ(stream_puts(s, "221 bye\r\n"), 0);
	T_INTEQ(stream_flush(s), 0);
	n = read(fds[1], back, sizeof(back) - 1);
	T_INTEQ(n, 17);
	back[n > 0 ? n : 0] = '\0';
	T_STREQ(back, "250 ok\r\n221 bye\r\n");
	close(fds[1]);
	T_INTEQ(stream_read(s, got, 1), 0);
	stream_destroy(&s);
}

static void test_large_write_is_complete(void)
{
	int fds[2];
	struct stream *s;
	static char big[300000];
	size_t total = 0;
	pid_t pid;

	pair(fds);
	memset(big, 'q', sizeof(big));
	pid = fork();
	if (pid == 0) {
		char tmp[8192];
		ssize_t n;

		close(fds[0]);
		while ((n = read(fds[1], tmp, sizeof(tmp))) > 0)
			total += (size_t)n;
		_exit(total == sizeof(big) ? 0 : 1);
	}
	close(fds[1]);
	s = stream_create(fds[0], STREAM_OWN_FD);
	stream_set_timeout(s, 5000);
	T_INTEQ(stream_write(s, big, sizeof(big)), 0);
	T_INTEQ(stream_flush(s), 0);
	stream_destroy(&s);
	{
		int status;

		waitpid(pid, &status, 0);
		T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

/* a toy layer: XOR every byte with 0x20, to prove the hook carries all I/O */
struct xor_ctx {
	int fd;
};

static ssize_t xor_read(void *ctx, void *p, size_t len, int *want_write)
{
	struct xor_ctx *x = ctx;
	ssize_t n = read(x->fd, p, len);

	for (ssize_t i = 0; i < n; i++)
		((char *)p)[i] ^= 0x20;
	return n;
}

static ssize_t xor_write(void *ctx, const void *p, size_t len, int *want_read)
{
	struct xor_ctx *x = ctx;
	char tmp[256];
	size_t n = len < sizeof(tmp) ? len : sizeof(tmp);

	for (size_t i = 0; i < n; i++)
		tmp[i] = ((const char *)p)[i] ^ 0x20;
	return write(x->fd, tmp, n);
}

static void test_io_hook(void)
{
	static const struct stream_io xor_io = { xor_read, xor_write, NULL };
	int fds[2];
	struct stream *s;
	struct xor_ctx x;
	struct buf line;
	unsigned flags;
	char back[32];
	ssize_t n;

	pair(fds);
	x.fd = fds[0];
	s = stream_create(fds[0], STREAM_OWN_FD);
	stream_set_io(s, &xor_io, &x);
	buf_init(&line, 0);
	put(fds[1], "HELLO*");	/* '*' ^ 0x20 == '\n' */
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	T_STREQ(buf_cstr(&line), "hello");
	stream_puts(s, "OK");
	T_INTEQ(stream_flush(s), 0);
	n = read(fds[1], back, sizeof(back));
	T_INTEQ(n, 2);
	T_ASSERT(memcmp(back, "ok", 2) == 0);
	buf_deinit(&line);
	stream_destroy(&s);
	close(fds[1]);
}

static void test_unread_for_handoff(void)
{
	int fds[2];
	struct stream *s;
	struct buf line;
	unsigned flags;
	size_t len;
	const char *rest;

	pair(fds);
	s = stream_create(fds[0], STREAM_OWN_FD);
	buf_init(&line, 0);
	put(fds[1], "A\r\nB\r\nC");
	T_INTEQ(stream_read_line(s, &line, &flags), 1);
	rest = stream_unread(s, &len);
	T_INTEQ(len, 4);
	T_ASSERT(memcmp(rest, "B\r\nC", 4) == 0);
	T_ASSERT(stream_has_input(s));
	buf_deinit(&line);
	stream_destroy(&s);
	close(fds[1]);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_lines_crlf_and_bare_lf),
		TEST(test_long_line_in_pieces),
		TEST(test_timeout),
		TEST(test_deadline),
		TEST(test_binary_read_and_write),
		TEST(test_large_write_is_complete),
		TEST(test_io_hook),
		TEST(test_unread_for_handoff),
	};
	return test_run(cases, TEST_COUNT(cases));
}
