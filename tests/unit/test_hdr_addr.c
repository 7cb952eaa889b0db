/* test_hdr_addr - cleanup/hdr_addr: address spans in header values, internal/external forms */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "hdr_addr.h"
#include "test.h"

/* spans_text - the spans found in value, joined by "|" */
static char *spans_text(const char *value, size_t max)
{
	struct hdr_addr_span sp[16];
	size_t n = hdr_addr_find(value, strlen(value), sp, max < 16 ? max : 16);
	char out[4096];
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + o, sizeof(out) - o, "%s%.*s", i ? "|" : "",
				 (int)(sp[i].end - sp[i].start), value + sp[i].start);

		if (w > 0)
			o += (size_t)w;
	}
	return xstrdup(out);
}

static void test_find(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "user@example.com", "user@example.com" },
		{ " user@example.com ", "user@example.com" },
		{ "John Doe <john@example.com>", "john@example.com" },
		{ "\"Doe, John\" <john@example.com>, jane@example.com", "john@example.com|jane@example.com" },
		{ "jane@example.com (Jane, the \"boss\")", "jane@example.com" },
		{ "(lead) jane@example.com (trail)", "jane@example.com" },
		{ "<@relay.example,@r2.example:user@example.com>", "user@example.com" },
		{ "undisclosed-recipients:;", "" },
		{ "friends: a@x.example, b@y.example;, c@z.example", "a@x.example|b@y.example|c@z.example" },
		{ "\"john doe\"@example.com", "\"john doe\"@example.com" },
		{ "root", "root" },
		{ "user@[192.0.2.1]", "user@[192.0.2.1]" },
		{ "John Doe", "" },
		{ "<>", "" },
		{ "a@b.example,,, ,c@d.example", "a@b.example|c@d.example" },
		{ "Name <a@b.example", "" },
		{ "\"unterminated <a@b.example>", "" },
		{ "(unterminated comment a@b.example", "" },
		{ "x <a@b.example> <c@d.example>", "" },
		{ "A\n\t<a@b.example>,\n B <c@d.example>", "a@b.example|c@d.example" },
		{ "user @ example.com", "user @ example.com" },
		{ "a@b.example (nested (comment) here), c@d.example", "a@b.example|c@d.example" },
		{ "\"quoted \\\" quote\" <q@e.example>", "q@e.example" },
		{ "", "" },
	};

	for (size_t i = 0; i < TEST_COUNT(cases); i++) {
		char *got = spans_text(cases[i].in, 16);

		T_ASSERT_MSG(strcmp(got, cases[i].want) == 0, "case %zu (%s): got \"%s\", want \"%s\"", i,
			     cases[i].in, got, cases[i].want);
		xfree(got);
	}
}

static void test_max_spans(void)
{
	char *got = spans_text("a@x, b@x, c@x, d@x", 2);

	T_STREQ(got, "a@x|b@x");
	xfree(got);
}

static void test_internal_external(void)
{
	static const struct { const char *spec, *internal, *external; } cases[] = {
		{ "user@example.com", "user@example.com", "user@example.com" },
		{ "\"john doe\"@example.com", "john doe@example.com", "\"john doe\"@example.com" },
		{ "user (comment) @ example.com", "user@example.com", "user@example.com" },
		{ "\"a\\\"b\"@x.example", "a\"b@x.example", "\"a\\\"b\"@x.example" },
		{ "\"plain\"@x.example", "plain@x.example", "plain@x.example" },
		{ "root", "root", "root" },
		{ "\".dot\"@x", ".dot@x", "\".dot\"@x" },
		{ "\"a..b\"@x", "a..b@x", "\"a..b\"@x" },
		{ "\"a@b\"@x", "a@b@x", "\"a@b\"@x" },
	};

	for (size_t i = 0; i < TEST_COUNT(cases); i++) {
		char *in = hdr_addr_internal(cases[i].spec, strlen(cases[i].spec));
		char *ex = hdr_addr_external(in);

		T_ASSERT_MSG(strcmp(in, cases[i].internal) == 0, "case %zu internal: \"%s\"", i, in);
		T_ASSERT_MSG(strcmp(ex, cases[i].external) == 0, "case %zu external: \"%s\"", i, ex);
		xfree(in);
		xfree(ex);
	}
	T_ASSERT(hdr_addr_needs_quote("", 0));
	T_ASSERT(!hdr_addr_needs_quote("a.b+c", 5));
}

/* test_random - arbitrary bytes: spans stay inside the input and are ordered */
static void test_random(void)
{
	static const char alphabet[] = "ab@.,;:<>()\"\\[] \t\n!x";
	char buf[512];
	struct hdr_addr_span sp[64];
	unsigned seed = 12345;

	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(seed % sizeof(buf)), n, last = 0;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		n = hdr_addr_find(buf, len, sp, 64);
		T_ASSERT(n <= 64);
		for (size_t i = 0; i < n; i++) {
			T_ASSERT_MSG(sp[i].start < sp[i].end && sp[i].end <= len && sp[i].start >= last,
				     "round %d span %zu: %zu..%zu of %zu", round, i, sp[i].start, sp[i].end, len);
			last = sp[i].end;
			xfree(hdr_addr_internal(buf + sp[i].start, sp[i].end - sp[i].start));
		}
		if (test_failures_in_case)
			return;
	}
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_find),
		TEST(test_max_spans),
		TEST(test_internal_external),
		TEST(test_random),
	};

	return test_run(cases, TEST_COUNT(cases));
}
