/* test_buf - lib/core/buf */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>

#include "core/buf.h"
#include "test.h"

static void test_append_and_nul(void)
{
	struct buf b;

	buf_init(&b, 0);
	T_INTEQ(buf_append_str(&b, "hello"), 0);
	T_INTEQ(buf_append(&b, " world", 6), 0);
	T_STREQ(buf_cstr(&b), "hello world");
	T_INTEQ(buf_len(&b), 11);
	T_INTEQ(b.data[b.len], '\0');
	buf_deinit(&b);
}

static void test_binary_safe(void)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, "a\0b", 3);
	T_INTEQ(buf_len(&b), 3);
	T_ASSERT(memcmp(b.data, "a\0b", 4) == 0);
	buf_deinit(&b);
}

static void test_growth(void)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < 100000; i++)
		T_INTEQ(buf_append_c(&b, (char)('a' + i % 26)), 0);
	T_INTEQ(buf_len(&b), 100000);
	T_INTEQ(b.data[99999], 'a' + 99999 % 26);
	buf_deinit(&b);
}

static void test_limit(void)
{
	struct buf b;

	buf_init(&b, 8);
	T_INTEQ(buf_append_str(&b, "12345"), 0);
	T_INTEQ(buf_append_str(&b, "6789"), -1);	/* would be 9 > 8 */
	T_STREQ(buf_cstr(&b), "12345");			/* nothing appended */
	T_INTEQ(buf_append_str(&b, "678"), 0);
	T_INTEQ(buf_append_c(&b, 'x'), -1);
	T_INTEQ(buf_printf(&b, "%d", 1), -1);
	T_INTEQ(buf_room(&b), 0);
	T_INTEQ(buf_set(&b, "123456789", 9), -1);
	buf_deinit(&b);
}

static void test_printf(void)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s=%d", "n", 42);
	buf_printf(&b, ",%05u", 7u);
	T_STREQ(buf_cstr(&b), "n=42,00007");
	buf_deinit(&b);
}

static void test_consume_truncate_trim(void)
{
	struct buf *b = buf_create(0);

	buf_append_str(b, "abcdef \r\n");
	buf_trim_right(b);
	T_STREQ(buf_cstr(b), "abcdef");
	buf_consume(b, 2);
	T_STREQ(buf_cstr(b), "cdef");
	buf_truncate(b, 2);
	T_STREQ(buf_cstr(b), "cd");
	buf_truncate(b, 10);
	T_STREQ(buf_cstr(b), "cd");
	buf_consume(b, 10);
	T_STREQ(buf_cstr(b), "");
	buf_destroy(&b);
	T_ASSERT(b == NULL);
	buf_destroy(&b);	/* NULL is fine */
}

static void test_trim_keeps_embedded_nul(void)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, "a\0", 2);
	buf_trim_right(&b);
	T_INTEQ(buf_len(&b), 2);
	buf_deinit(&b);
}

static void test_reserve_commit_steal(void)
{
	struct buf b;
	char *p, *s;

	buf_init(&b, 0);
	p = buf_reserve(&b, 3);
	memcpy(p, "xyz", 3);
	buf_commit(&b, 3);
	T_STREQ(buf_cstr(&b), "xyz");
	s = buf_steal(&b);
	T_STREQ(s, "xyz");
	T_STREQ(buf_cstr(&b), "");
	free(s);
	buf_deinit(&b);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_append_and_nul),
		TEST(test_binary_safe),
		TEST(test_growth),
		TEST(test_limit),
		TEST(test_printf),
		TEST(test_consume_truncate_trim),
		TEST(test_trim_keeps_embedded_nul),
		TEST(test_reserve_commit_steal),
	};
	return test_run(cases, TEST_COUNT(cases));
}
