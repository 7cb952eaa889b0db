/* test_attr - lib/ipc/attr: lists, escaping, limits, chunks, protocol greeting */
#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/stream.h"
#include "ipc/attr.h"
#include "test.h"

/* pair - a connected socket pair wrapped in streams */
static void pair(struct stream **a, struct stream **b)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		T_FAIL("socketpair");
	*a = stream_create(sv[0], STREAM_OWN_FD);
	*b = stream_create(sv[1], STREAM_OWN_FD);
	stream_set_timeout(*a, 2000);
	stream_set_timeout(*b, 2000);
}

/* feed - raw bytes into a stream's peer, then read one list */
static int feed(const char *raw, size_t len, struct attr_list *l, const char **error)
{
	struct stream *a, *b;
	int r;

	pair(&a, &b);
	if (write(stream_fd(a), raw, len) != (ssize_t)len)
		T_FAIL("write");
	shutdown(stream_fd(a), SHUT_WR);
	r = attr_read(b, l, error);
	stream_destroy(&a);
	stream_destroy(&b);
	return r;
}

static void test_roundtrip_with_escapes(void)
{
	struct stream *a, *b;
	struct attr_list l;
	const char *error;
	long long n;

	pair(&a, &b);
	attr_list_init(&l);
	T_INTEQ(attr_write(a, "rcpt", "a@example.org"), 0);
	T_INTEQ(attr_write(a, "rcpt", "b\\c\nd\re"), 0);
	T_INTEQ(attr_writef(a, "count", "%d", 42), 0);
	T_INTEQ(attr_write(a, "empty", ""), 0);
	T_INTEQ(attr_write(a, "Bad-Name", "x"), -1);
	T_INTEQ(attr_end(a), 0);
	T_INTEQ(attr_read(b, &l, &error), 1);
	T_INTEQ((int)attr_count(&l), 4);
	T_STREQ(attr_get(&l, "rcpt"), "a@example.org");
	T_STREQ(l.values.v[1], "b\\c\nd\re");
	T_STREQ(attr_get(&l, "empty"), "");
	T_ASSERT(attr_get(&l, "missing") == NULL);
	T_INTEQ(attr_get_long(&l, "count", 0, &n, &error), 0);
	T_INTEQ((int)n, 42);
	T_INTEQ(attr_get_long(&l, "rcpt", 0, &n, &error), -1);
	attr_list_deinit(&l);
	stream_destroy(&a);
	stream_destroy(&b);
}

static void test_malformed_and_truncated(void)
{
	static const struct { const char *raw; int want; } cases[] = {
		{ "", 0 },				/* clean EOF */
		{ "a=1\n\n", 1 },
		{ "a=1\n", -1 },			/* EOF inside a list */
		{ "a=1", -1 },				/* unterminated line */
		{ "novalue\n\n", -1 },
		{ "A=1\n\n", -1 },			/* bad name */
		{ "=1\n\n", -1 },
		{ "a=bad\\q\n\n", -1 },		/* bad escape */
		{ "a=trailing\\\n\n", -1 },
		{ "a=1\r\n\n", -1 },			/* CR LF is not our line end */
	};
	struct attr_list l;
	const char *error;
	size_t i;

	attr_list_init(&l);
	for (i = 0; i < TEST_COUNT(cases); i++) {
		int r = feed(cases[i].raw, strlen(cases[i].raw), &l, &error);

		T_ASSERT_MSG(r == cases[i].want, "case %zu: got %d want %d", i, r, cases[i].want);
	}
	attr_list_deinit(&l);
}

static void test_limits(void)
{
	struct attr_list l;
	struct buf big;
	const char *error;
	int i;

	attr_list_init(&l);
	buf_init(&big, 0);
	buf_append_str(&big, "a=");
	for (i = 0; i < ATTR_LINE_MAX; i++)
		buf_append_c(&big, 'x');
	buf_append_str(&big, "\n\n");
	T_INTEQ(feed(big.data, big.len, &l, &error), -1);
	T_ASSERT(strstr(error, "longer") != NULL);
	buf_reset(&big);
	for (i = 0; i < ATTR_ITEMS_MAX + 1; i++)
		buf_append_str(&big, "r=1\n");
	buf_append_str(&big, "\n");
	T_INTEQ(feed(big.data, big.len, &l, &error), -1);
	T_ASSERT(strstr(error, "too large") != NULL);
	buf_deinit(&big);
	attr_list_deinit(&l);
}

static void test_chunks(void)
{
	struct stream *a, *b;
	struct buf data;
	const char *error;
	static char blob[ATTR_CHUNK_MAX + 10];
	size_t got = 0;
	int r;

	memset(blob, 'z', sizeof(blob));
	pair(&a, &b);
	buf_init(&data, 0);
	if (fork() == 0) {	/* the writer would fill the socket buffer */
		attr_write_chunk(a, blob, sizeof(blob));
		attr_write_chunk(a, "", 0);
		stream_write(a, "99999999\n", 9);
		stream_flush(a);
		_exit(0);
	}
	while ((r = attr_read_chunk(b, &data, &error)) == 1)
		got += data.len;
	T_INTEQ(r, 0);
	T_INTEQ((int)got, (int)sizeof(blob));
	T_INTEQ(attr_read_chunk(b, &data, &error), -1);	/* over-long length */
	buf_deinit(&data);
	stream_destroy(&a);
	stream_destroy(&b);
}

static void test_proto_greeting(void)
{
	struct stream *a, *b;
	struct attr_list extra, l;
	const char *error;

	pair(&a, &b);
	attr_list_init(&extra);
	attr_list_init(&l);
	attr_add(&extra, "queue_id", "4F2A31C2B5");
	T_INTEQ(attr_send_proto(a, "cleanup", 1, &extra), 0);
	T_INTEQ(attr_expect_proto(b, &l, "cleanup", 1, &error), 0);
	T_STREQ(attr_get(&l, "queue_id"), "4F2A31C2B5");
	T_INTEQ(attr_send_proto(a, "delivery", 1, NULL), 0);
	T_INTEQ(attr_expect_proto(b, &l, "cleanup", 1, &error), -1);
	T_INTEQ(attr_send_proto(a, "cleanup", 2, NULL), 0);
	T_INTEQ(attr_expect_proto(b, &l, "cleanup", 1, &error), -1);
	attr_list_deinit(&extra);
	attr_list_deinit(&l);
	stream_destroy(&a);
	stream_destroy(&b);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_roundtrip_with_escapes),
		TEST(test_malformed_and_truncated),
		TEST(test_limits),
		TEST(test_chunks),
		TEST(test_proto_greeting),
	};
	return test_run(cases, TEST_COUNT(cases));
}
