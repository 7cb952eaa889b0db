/*
 * test_authproto - auth/b64, auth/proto (line syntax, tab-escaping, AUTH
 * parameters) and auth/cache.
 */
#include "config.h"

#include <string.h>

#include "test.h"
#include "b64.h"
#include "cache.h"
#include "proto.h"
#include "core/buf.h"

static void test_b64_vectors(void)
{
	static const struct { const char *plain, *enc; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
		{ "Username:", "VXNlcm5hbWU6" }, { "Password:", "UGFzc3dvcmQ6" },
	};
	size_t i;

	for (i = 0; i < TEST_COUNT(v); i++) {
		struct buf b;

		buf_init(&b, 0);
		b64_encode(&b, v[i].plain, strlen(v[i].plain));
		T_ASSERT_MSG(strcmp(b.data, v[i].enc) == 0, "encode %zu: %s", i, b.data);
		buf_reset(&b);
		T_ASSERT_MSG(b64_decode(&b, v[i].enc, strlen(v[i].enc)) == 0, "decode %zu", i);
		T_ASSERT_MSG(b.len == strlen(v[i].plain) && memcmp(b.data, v[i].plain, b.len) == 0,
			     "decode %zu content", i);
		buf_deinit(&b);
	}
}

static void test_b64_strict(void)
{
	/* Dovecot refuses these (tests/data/auth: "b64 nopad" -> invalid_base64) */
	static const char *const bad[] = {
		"AGFsaWNlAHNlY3JldA", "%%%", "Zg=", "Zg===", "Z===", "Zg==Zg==", "Zm9v=", "==", "ab$d",
	};
	static const char *const good[] = { "AGFs aWNl\r\n", "Zg==", "Zm8=", "=" };
	size_t i;
	struct buf b;

	buf_init(&b, 0);
	for (i = 0; i < TEST_COUNT(bad); i++)
		T_ASSERT_MSG(b64_decode(&b, bad[i], strlen(bad[i])) < 0, "bad[%zu] %s accepted", i, bad[i]);
	for (i = 0; i < TEST_COUNT(good); i++)
		T_ASSERT_MSG(b64_decode(&b, good[i], strlen(good[i])) == 0, "good[%zu] refused", i);
	buf_deinit(&b);
}

static void test_split_escape(void)
{
	char line[] = "AUTH\t1\tPLAIN\tservice=smtp\tresp=AA==";
	char *f[8];
	struct buf b;
	char esc[64];

	T_INTEQ(proto_split(line, f, 8), 5);
	T_STREQ(f[0], "AUTH");
	T_STREQ(f[4], "resp=AA==");
	snprintf(line, sizeof(line), "a\tb\tc");
	T_INTEQ(proto_split(line, f, 2), -1);
	buf_init(&b, 0);
	proto_escape(&b, "a\tb\nc\001d\re");
	T_STREQ(b.data, "a\001tb\001nc\0011d\001re");
	snprintf(esc, sizeof(esc), "%s", b.data);
	proto_unescape(esc);
	T_STREQ(esc, "a\tb\nc\001d\re");
	buf_deinit(&b);
}

static void test_ids(void)
{
	unsigned id = 0;

	T_INTEQ(proto_parse_id("1", &id), 0);
	T_INTEQ(id, 1);
	T_INTEQ(proto_parse_id("4294967295", &id), 0);
	T_INTEQ(proto_parse_id("4294967296", &id), -1);
	T_INTEQ(proto_parse_id("0", &id), -1);
	T_INTEQ(proto_parse_id("", &id), -1);
	T_INTEQ(proto_parse_id("1x", &id), -1);
	T_INTEQ(proto_parse_id("-1", &id), -1);
	T_INTEQ(proto_parse_uint("0", &id), 0);
}

static void test_params(void)
{
	char l1[] = "service=smtp\tnologin\tlip=192.0.2.10\trip=198.51.100.7\tsecured\tno-penalty\t"
		    "valid-client-cert\tcert_username=a\001tb\tsession=S1\tresp=AGFsaWNl";
	char l2[] = "service=imap\tresp=\tfoo";
	char *f[16];
	struct proto_params p;
	int n = proto_split(l1, f, 16);

	proto_parse_params(f, n, &p);
	T_STREQ(p.service, "smtp");
	T_STREQ(p.lip, "192.0.2.10");
	T_STREQ(p.rip, "198.51.100.7");
	T_STREQ(p.session, "S1");
	T_STREQ(p.cert_username, "a\tb");
	T_STREQ(p.resp, "AGFsaWNl");
	T_ASSERT(p.secured && p.no_penalty && p.valid_client_cert && !p.resp_not_last);
	n = proto_split(l2, f, 16);
	proto_parse_params(f, n, &p);
	T_STREQ(p.resp, "");
	T_ASSERT(p.resp_not_last);
	T_ASSERT(p.lip == NULL);
}

static void test_cache(void)
{
	struct auth_cache *c = auth_cache_create(1024 * 1024, 60, 10);
	const char *v = NULL;
	const char *flush[] = { "bob", NULL };
	int i;

	T_INTEQ(auth_cache_lookup(c, "p0\talice", 100, &v), -1);
	auth_cache_insert(c, "p0\talice", "P{PLAIN}x\n", 100);
	auth_cache_insert(c, "p0\tbob", NULL, 100);
	T_INTEQ(auth_cache_lookup(c, "p0\talice", 159, &v), 1);
	T_STREQ(v, "P{PLAIN}x\n");
	T_INTEQ(auth_cache_lookup(c, "p0\tbob", 105, &v), 0);
	T_INTEQ(auth_cache_lookup(c, "p0\tbob", 110, &v), -1);	/* negative ttl over */
	T_INTEQ(auth_cache_lookup(c, "p0\talice", 160, &v), -1);	/* ttl over */
	auth_cache_insert(c, "p0\tbob", "x", 200);
	auth_cache_insert(c, "p1\tbob", "y", 200);
	auth_cache_insert(c, "p0\tcarol", "z", 200);
	T_INTEQ(auth_cache_flush(c, flush), 2);
	T_INTEQ(auth_cache_count(c), 1);
	T_INTEQ(auth_cache_flush(c, NULL), 1);
	auth_cache_destroy(&c);
	T_ASSERT(c == NULL);
	/* the byte budget evicts the oldest entries */
	c = auth_cache_create(2000, 60, 60);
	for (i = 0; i < 100; i++) {
		char key[32];

		snprintf(key, sizeof(key), "p0\tuser%d", i);
		auth_cache_insert(c, key, "Pxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1);
	}
	T_ASSERT(auth_cache_count(c) < 100 && auth_cache_count(c) > 0);
	T_INTEQ(auth_cache_lookup(c, "p0\tuser0", 2, &v), -1);
	T_INTEQ(auth_cache_lookup(c, "p0\tuser99", 2, &v), 1);
	auth_cache_destroy(&c);
	/* size 0 disables */
	c = auth_cache_create(0, 60, 60);
	auth_cache_insert(c, "p0\ta", "x", 1);
	T_INTEQ(auth_cache_lookup(c, "p0\ta", 1, &v), -1);
	auth_cache_destroy(&c);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_b64_vectors), TEST(test_b64_strict), TEST(test_split_escape),
		TEST(test_ids), TEST(test_params), TEST(test_cache),
	};
	return test_run(cases, TEST_COUNT(cases));
}
