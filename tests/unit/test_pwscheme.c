/*
 * test_pwscheme - lib/auth/pwscheme: hashes made by real Dovecot's doveadm
 * pw (tests/data/pwscheme/real-hashes.tsv and hashes.txt) verify and reject a wrong
 * password; our own output verifies in our code; known vectors (RFC 5802,
 * fixed digests); encodings and length guessing; malformed stored values
 * give PW_ERROR, never a crash; credentials for the mechanisms.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "test.h"
#include "auth/pwenc.h"
#include "auth/pwscheme.h"
#include "core/buf.h"

#define REAL_TSV PC_TEST_DATA "/pwscheme/real-hashes.tsv"
#define REAL_HASHES PC_TEST_DATA "/pwscheme/hashes.txt"

/*
 * for_each_real - fn(password, user or NULL, hash) for each data line of
 * file, whose lines have nf tab-separated fields: real-hashes.tsv
 * "password TAB user TAB hash", hashes.txt "scheme TAB user TAB password
 * TAB hash" (user "-" = none).  Returns the number of lines.
 */
static int for_each_real(const char *file, int nf,
			 void (*fn)(const char *pw, const char *user, const char *hash))
{
	FILE *fp = fopen(file, "r");
	char line[2048], *f[4], *nl;
	int n = 0, i;

	T_ASSERT_MSG(fp != NULL, "cannot open %s", file);
	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || (nl = strchr(line, '\n')) == NULL)
			continue;
		*nl = '\0';
		f[0] = line;
		for (i = 1; i < nf && (f[i] = strchr(f[i - 1], '\t')) != NULL; i++)
			*f[i]++ = '\0';
		if (i < nf) {
			T_FAIL("bad data line in %s: %s", file, line);
			continue;
		}
		if (nf == 4)
			fn(f[2], strcmp(f[1], "-") == 0 ? NULL : f[1], f[3]);
		else
			fn(f[0], strcmp(f[1], "-") == 0 ? NULL : f[1], f[2]);
		n++;
	}
	fclose(fp);
	return n;
}

/* scheme_supported - the {NAME[.ENC]} prefix of hash is one of ours */
static int scheme_supported(const char *hash)
{
	char name[64];
	const char *data;

	pwscheme_split(hash, "PLAIN", name, sizeof(name), &data);
	return pwscheme_exists(name);
}

static int real_checked;

static void check_real(const char *pw, const char *user, const char *hash)
{
	const char *error = NULL;
	int ret;

	if (!scheme_supported(hash))
		return;
	real_checked++;
	ret = pwscheme_verify(pw, hash, "PLAIN", user, &error);
	if (strncmp(hash, "{PLAIN-TRUNC}", 13) == 0) {
		/* doveadm pw writes no length prefix, and its -t rejects the result too */
		T_ASSERT_MSG(ret == PW_ERROR, "%s: %d", hash, ret);
		return;
	}
	T_ASSERT_MSG(ret == PW_OK, "%s (password '%s'): %d %s", hash, pw, ret,
		     ret != PW_OK ? error : "");
	T_ASSERT_MSG(pwscheme_decode_check(hash, "PLAIN", &error) == 0, "%s: decode %s", hash,
		     error);
	if (strncmp(hash, "{ARGON2", 7) == 0)
		return;	/* slow by design; test_argon2 checks a mismatch */
	ret = pwscheme_verify("wrong", hash, "PLAIN", user, &error);
	T_ASSERT_MSG(ret == PW_MISMATCH, "%s: wrong password gave %d", hash, ret);
	if (ret == PW_MISMATCH)
		T_STREQ(error, "Password mismatch");
}

static void test_real_hashes_verify(void)
{
	int n = for_each_real(REAL_TSV, 3, check_real);

	n += for_each_real(REAL_HASHES, 4, check_real);
	T_ASSERT(n > 300);
	T_ASSERT(real_checked > 300);
}

/* every scheme we list: generate, then verify right and wrong passwords */
static void test_generate_roundtrip(void)
{
	const char *const *l = pwscheme_list();
	const char *error = NULL;
	struct buf b;
	size_t i;
	int ret;

	T_ASSERT(l[0] != NULL);
	buf_init(&b, 0);
	for (i = 0; l[i] != NULL; i++) {
		buf_reset(&b);
		ret = pwscheme_generate(&b, l[i], "s3cr3t pw", "joe@example.org", 0, &error);
		T_ASSERT_MSG(ret == 0, "generate %s: %s", l[i], error);
		if (ret != 0)
			continue;
		T_ASSERT_MSG(b.data[0] == '{' && strncmp(b.data + 1, l[i], strlen(l[i])) == 0,
			     "prefix of %s: %s", l[i], b.data);
		ret = pwscheme_verify("s3cr3t pw", b.data, NULL, "joe@example.org", &error);
		if (strcmp(l[i], "PLAIN-TRUNC") == 0) {
			/* as real doveadm: generated without the length prefix it needs */
			T_ASSERT_MSG(ret == PW_ERROR, "PLAIN-TRUNC: %d", ret);
			continue;
		}
		T_ASSERT_MSG(ret == PW_OK, "%s: %s gave %d", l[i], b.data, ret);
		/* the first character differs: DES-CRYPT uses only eight */
		ret = pwscheme_verify("S3cr3t pw", b.data, NULL, "joe@example.org", &error);
		T_ASSERT_MSG(ret == PW_MISMATCH, "%s wrong: %d", l[i], ret);
	}
	buf_deinit(&b);
}

struct fixed_case {
	const char *scheme, *user, *plain, *want;
};

/* deterministic schemes: exact output (digests computed independently) */
static void test_fixed_outputs(void)
{
	static const struct fixed_case cases[] = {
		{ "SHA", NULL, "secret", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=" },
		{ "sha.hex", NULL, "secret", "{SHA.HEX}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4" },
		{ "SHA256", NULL, "secret", "{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=" },
		{ "PLAIN-MD5", NULL, "secret", "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69" },
		{ "LDAP-MD5", NULL, "secret", "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==" },
		{ "PLAIN-MD4", NULL, "secret", "{PLAIN-MD4}67d3dafef63ff00603aeef3769cfbf0d" },
		{ "PLAIN-MD4", NULL, "abc", "{PLAIN-MD4}a448017aaf21d8525fc10ae87aa6729d" },
		{ "CRAM-MD5", NULL, "secret",
		  "{CRAM-MD5}cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56" },
		{ "DIGEST-MD5", "u@r", "secret", "{DIGEST-MD5}0a95617e6c225d3f5852414404b00492" },
		{ "PLAIN", NULL, "secret", "{PLAIN}secret" },
		{ "plain.b64", NULL, "secret", "{PLAIN.B64}c2VjcmV0" },
		{ "CLEARTEXT.HEX", NULL, "secret", "{CLEARTEXT.HEX}736563726574" },
		{ "SHA512", NULL, "",
		  "{SHA512}z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==" },
	};
	const char *error = NULL;
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < TEST_COUNT(cases); i++) {
		buf_reset(&b);
		T_ASSERT_MSG(pwscheme_generate(&b, cases[i].scheme, cases[i].plain, cases[i].user, 0,
					       &error) == 0, "case %zu: %s", i, error);
		T_ASSERT_MSG(strcmp(b.data, cases[i].want) == 0, "case %zu: %s != %s", i, b.data,
			     cases[i].want);
	}
	buf_deinit(&b);
}

struct verify_case {
	const char *stored, *plain;
	int want;
	const char *error;	/* expected *error_r when want is PW_ERROR (prefix) */
};

/* encodings, guessing, malformed values */
static void test_verify_cases(void)
{
	static const struct verify_case cases[] = {
		/* SHA in hex without suffix: guessed by length */
		{ "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "secret", PW_OK, NULL },
		{ "{SHA.HEX}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "secret", PW_OK, NULL },
		{ "{SHA.BASE64}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", PW_OK, NULL },
		{ "{sha}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", PW_OK, NULL },
		{ "{PLAIN-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "secret", PW_OK, NULL },
		{ "{LDAP-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "secret", PW_OK, NULL },
		{ "{MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "secret", PW_OK, NULL },
		{ "{PLAIN-TRUNC}3-sec", "secret", PW_OK, NULL },
		{ "{PLAIN-TRUNC}3-sec", "se", PW_MISMATCH, NULL },
		{ "{PLAIN-TRUNC}10-secret", "secret", PW_OK, NULL },
		{ "5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", PW_OK, NULL },	/* default SHA */
		{ "$1$AHMH1PXw$QVs65zG2XblXEmmiTh5zf.", "", PW_OK, NULL },	/* bare MD5-crypt */
		{ "{SHA}AAAA", "secret", PW_ERROR, "Input length isn't valid (3 instead of 20)" },
		{ "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ", "secret", PW_ERROR,
		  "Input isn't valid base64 encoded data" },
		{ "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=x", "secret", PW_ERROR,
		  "Input isn't valid base64 encoded data" },
		{ "{CRAM-MD5}abc", "secret", PW_ERROR, "Input isn't valid base64 encoded data" },
		{ "{CRAM-MD5.HEX}abc", "secret", PW_ERROR, "Input isn't valid hex encoded data" },
		{ "{SSHA}AAAA", "secret", PW_ERROR, "SSHA password is too short" },
		{ "{SSHA}", "secret", PW_ERROR, "SSHA password is too short" },
		{ "{SSHA512}AAAA", "secret", PW_ERROR, "SSHA512 password is too short" },
		{ "{SMD5}AAAA", "secret", PW_ERROR, "SMD5 password is too short" },
		{ "{SCRAM-SHA-1}abc", "secret", PW_ERROR, "Invalid SCRAM-SHA-1 passdb entry format" },
		{ "{SCRAM-SHA-1}4096,abc,def", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-1 passdb entry format" },
		{ "{SCRAM-SHA-1}x,abc,def,ghi", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-1 iteration count in passdb" },
		{ "{SCRAM-SHA-1}4095,MDEyMzQ1Njc4OWFiY2RlZg==,wX3nweIQ+Uic/cdP2OolhOS8Dd4=,"
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-1 iteration count in passdb" },
		{ "{SCRAM-SHA-1}4096,AAAA,def,ghi", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-1 StoredKey in passdb" },
		{ "{SCRAM-SHA-1}4096,AAAA,AAAA,AAAA", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-1 StoredKey in passdb" },
		{ "{SCRAM-SHA-1}4096,AAAA,ZnqDkbqfwR2KKV/RA37Ut+cv+dg=,!!", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-1 ServerKey in passdb" },
		{ "{SCRAM-SHA-1}4096,!!,ZnqDkbqfwR2KKV/RA37Ut+cv+dg=,ZnqDkbqfwR2KKV/RA37Ut+cv+dg=",
		  "secret", PW_MISMATCH, NULL },
		{ "{SCRAM-SHA-1}4096,!!,def,ghi", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-1 StoredKey in passdb" },
		{ "{SCRAM-SHA-1}4096,a,b,c,d", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-1 passdb entry format" },
		{ "{SCRAM-SHA-256}4096,,,,", "secret", PW_ERROR,
		  "Invalid SCRAM-SHA-256 passdb entry format" },
		{ "{SCRAM-SHA-256}4096,,,", "secret", PW_ERROR, "Invalid SCRAM-SHA-256 StoredKey" },
		{ "{SCRAM-SHA-1}999999999999,AAAA,AAAA,AAAA", "x", PW_ERROR,
		  "Invalid SCRAM-SHA-1 iteration count in passdb" },
		/* empty salt: Dovecot verifies it */
		{ "{SCRAM-SHA-1}4096,,Fsqo3v+ArqlwJf2vPpR9ftYjoJw=,VLsutfEAWBwXlzasLCdvJW7vnTg=",
		  "secret", PW_OK, NULL },
		{ "{PBKDF2}junk", "secret", PW_ERROR, "Invalid PBKDF2 passdb entry prefix" },
		{ "{PBKDF2}$2$abc$5000$00", "secret", PW_ERROR, "Invalid PBKDF2 passdb entry prefix" },
		{ "{PBKDF2}$1$abc", "secret", PW_ERROR, "Invalid PBKDF2 passdb entry format" },
		{ "{PBKDF2}$1$abc$x$y", "secret", PW_ERROR, "Invalid PBKDF2 passdb entry format" },
		{ "{PBKDF2}$1$abc$ 10$0", "secret", PW_ERROR, "Invalid PBKDF2 passdb entry format" },
		{ "{PBKDF2}$1$abc$10$0$x", "secret", PW_ERROR, "Invalid PBKDF2 passdb entry format" },
		{ "{PBKDF2}$1$abc$10$y", "secret", PW_ERROR, "PBKDF2 hash not 160bit hex-encoded" },
		{ "{PBKDF2}$1$abc$10$GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG", "secret", PW_ERROR,
		  "PBKDF2 hash not 160bit hex-encoded" },
		{ "{PBKDF2}$1$abc$10$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "secret", PW_MISMATCH,
		  NULL },
		{ "{PLAIN-TRUNC}secret", "secret", PW_ERROR, "PLAIN-TRUNC missing length: prefix" },
		{ "{PLAIN-TRUNC}3", "secret", PW_ERROR, "PLAIN-TRUNC missing length: prefix" },
		{ "{MD5}xyz", "secret", PW_ERROR, "Not a valid MD5-CRYPT or PLAIN-MD5 password" },
		{ "{FOO}bar", "secret", PW_ERROR, "Unknown scheme: FOO" },
		{ "{SHA.FOO}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", PW_ERROR, "Unknown scheme" },
		{ "{}x", "x", PW_ERROR, "Unknown scheme" },
		{ "{CRYPT}", "", PW_MISMATCH, NULL },
		{ "{CRYPT}xx", "secret", PW_MISMATCH, NULL },
		{ "{CRYPT}!$6$abc$def", "secret", PW_MISMATCH, NULL },
		{ "{CRYPT}*", "secret", PW_MISMATCH, NULL },
		{ "{CRYPT}$9$nonsense", "secret", PW_MISMATCH, NULL },	/* as Dovecot */
		{ "{SHA512-CRYPT}$6$rounds=1$x$", "secret", PW_MISMATCH, NULL },
		{ "{SHA512-CRYPT}$6$salt$", "secret", PW_MISMATCH, NULL },
		{ "{DIGEST-MD5}abc", "secret", PW_ERROR, "Input isn't valid base64" },
		{ "{PLAIN}secret", "secret", PW_OK, NULL },
		{ "{PLAIN}secret", "secreT", PW_MISMATCH, NULL },
		{ "{PLAIN}", "", PW_OK, NULL },
		{ "{PLAIN", "{PLAIN", PW_OK, NULL },	/* no closing brace: default scheme */
	};
	const char *error = NULL;
	size_t i;
	int ret;

	for (i = 0; i < TEST_COUNT(cases); i++) {
		const char *def = strcmp(cases[i].stored, "{PLAIN") == 0 ? "PLAIN" : "SHA";

		error = NULL;
		ret = pwscheme_verify(cases[i].plain, cases[i].stored, def, "u", &error);
		T_ASSERT_MSG(ret == cases[i].want, "case %zu (%s): %d != %d (%s)", i,
			     cases[i].stored, ret, cases[i].want, error != NULL ? error : "");
		if (ret == PW_ERROR && cases[i].error != NULL)
			T_ASSERT_MSG(error != NULL &&
				     strncmp(error, cases[i].error, strlen(cases[i].error)) == 0,
				     "case %zu: error '%s'", i, error != NULL ? error : "(null)");
	}
}

/* DIGEST-MD5 without a user cannot be made */
static void test_digest_needs_user(void)
{
	const char *error = NULL;
	struct buf b;

	buf_init(&b, 0);
	T_INTEQ(pwscheme_generate(&b, "DIGEST-MD5", "secret", NULL, 0, &error), -1);
	T_STREQ(error, "digest_md5_generate(): username not given");
	T_INTEQ(pwscheme_verify("secret", "{DIGEST-MD5}0a95617e6c225d3f5852414404b00492", NULL,
				NULL, &error), PW_ERROR);
	T_INTEQ(pwscheme_verify("secret", "{DIGEST-MD5}0a95617e6c225d3f5852414404b00492", NULL,
				"u@r", &error), PW_OK);
	T_INTEQ(pwscheme_generate(&b, "NOPE", "secret", NULL, 0, &error), -1);
	T_STREQ(error, "Unknown scheme: NOPE");
	T_INTEQ(pwscheme_generate(&b, "sha.x", "secret", NULL, 0, &error), -1);
	T_STREQ(error, "Unknown scheme: SHA.X");
	buf_deinit(&b);
}

/* -r: SHA-crypt writes rounds= except for the default, bcrypt the cost, PBKDF2 the count */
static void test_rounds(void)
{
	const char *error = NULL;
	struct buf b;

	buf_init(&b, 0);
	T_ASSERT(pwscheme_generate(&b, "SHA512-CRYPT", "x", NULL, 1000, &error) == 0);
	T_ASSERT(strncmp(b.data, "{SHA512-CRYPT}$6$rounds=1000$", 29) == 0);
	T_INTEQ(pwscheme_verify("x", b.data, NULL, NULL, &error), PW_OK);
	buf_reset(&b);
	T_ASSERT(pwscheme_generate(&b, "SHA256-CRYPT", "x", NULL, 5000, &error) == 0);
	T_ASSERT(strncmp(b.data, "{SHA256-CRYPT}$5$", 17) == 0 && strstr(b.data, "rounds") == NULL);
	buf_reset(&b);
	T_ASSERT(pwscheme_generate(&b, "SHA256-CRYPT", "x", NULL, 10, &error) == 0);
	T_ASSERT(strncmp(b.data, "{SHA256-CRYPT}$5$rounds=1000$", 29) == 0);
	buf_reset(&b);
	T_ASSERT(pwscheme_generate(&b, "BLF-CRYPT", "x", NULL, 4, &error) == 0);
	T_ASSERT(strncmp(b.data, "{BLF-CRYPT}$2y$04$", 18) == 0);
	buf_reset(&b);
	T_ASSERT(pwscheme_generate(&b, "CRYPT", "x", NULL, 0, &error) == 0);
	T_ASSERT(strncmp(b.data, "{CRYPT}$2y$05$", 14) == 0 && b.len == 7 + 60);
	buf_reset(&b);
	T_ASSERT(pwscheme_generate(&b, "PBKDF2", "x", NULL, 100, &error) == 0);
	T_ASSERT(strncmp(b.data, "{PBKDF2}$1$", 11) == 0 && strstr(b.data, "$100$") != NULL);
	T_INTEQ(pwscheme_verify("x", b.data, NULL, NULL, &error), PW_OK);
	buf_reset(&b);
	T_ASSERT(pwscheme_generate(&b, "SCRAM-SHA-1", "x", NULL, 10, &error) == 0);
	T_ASSERT(strncmp(b.data, "{SCRAM-SHA-1}4096,", 18) == 0);
	buf_reset(&b);
	T_INTEQ(pwscheme_generate(&b, "BLF-CRYPT", "x", NULL, 32, &error), -1);
	buf_deinit(&b);
}

/* RFC 5802 section 5: user "user", password "pencil", salt QSXCR+Q6sek8bf92, 4096 */
static void test_scram_rfc5802(void)
{
	const char *stored = "{SCRAM-SHA-1}4096,QSXCR+Q6sek8bf92,6dlGYMOdZcOPutkcNY8U2g7vK9Y=,"
			     "D+CSWLOshSulAsxiupA+qs2/fTE=";
	const char *error = NULL;
	struct buf b;

	T_INTEQ(pwscheme_verify("pencil", stored, NULL, NULL, &error), PW_OK);
	T_INTEQ(pwscheme_verify("pencil2", stored, NULL, NULL, &error), PW_MISMATCH);
	buf_init(&b, 0);
	T_INTEQ(pwscheme_credentials(&b, "SCRAM-SHA-1", stored, NULL, "user", &error), 1);
	T_STREQ(b.data, stored + 13);
	buf_deinit(&b);
}

/* credentials: same scheme, from PLAIN, refused, malformed */
static void test_credentials(void)
{
	const char *error = NULL;
	struct buf b, hex;

	buf_init(&b, 0);
	buf_init(&hex, 0);
	T_INTEQ(pwscheme_credentials(&b, "CRAM-MD5", "{PLAIN}secret", NULL, NULL, &error), 1);
	T_INTEQ(b.len, 32);
	pwenc_hex_encode(&hex, b.data, b.len);
	T_STREQ(hex.data, "cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56");
	buf_reset(&b);
	T_INTEQ(pwscheme_credentials(&b, "CRAM-MD5",
		"{HMAC-MD5}cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56", NULL,
		NULL, &error), 1);
	T_ASSERT(b.len == 32 && memcmp(b.data, "\xcd\x3b\xa7\xde", 4) == 0);
	buf_reset(&b);
	T_INTEQ(pwscheme_credentials(&b, "PLAIN", "{CLEARTEXT}secret", NULL, NULL, &error), 1);
	T_STREQ(b.data, "secret");
	buf_reset(&b);
	T_INTEQ(pwscheme_credentials(&b, "PLAIN", "secret", "PLAIN", NULL, &error), 1);
	T_STREQ(b.data, "secret");
	buf_reset(&b);
	T_INTEQ(pwscheme_credentials(&b, "SCRAM-SHA-256", "{PLAIN}secret", NULL, NULL, &error), 1);
	T_ASSERT(strncmp(b.data, "4096,", 5) == 0);
	buf_reset(&hex);
	buf_printf(&hex, "{SCRAM-SHA-256}%s", b.data);
	T_INTEQ(pwscheme_verify("secret", hex.data, NULL, NULL, &error), PW_OK);
	buf_reset(&b);
	T_INTEQ(pwscheme_credentials(&b, "DIGEST-MD5", "{PLAIN}secret", NULL, "u@r", &error), 1);
	buf_reset(&hex);
	pwenc_hex_encode(&hex, b.data, b.len);
	T_STREQ(hex.data, "0a95617e6c225d3f5852414404b00492");
	buf_reset(&b);
	T_INTEQ(pwscheme_credentials(&b, "DIGEST-MD5", "{DIGEST-MD5}0a95617e6c225d3f5852414404b00492",
				     NULL, "u@r", &error), 1);
	T_INTEQ(b.len, 16);
	buf_reset(&b);
	T_INTEQ(pwscheme_credentials(&b, "CRAM-MD5", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", NULL, NULL,
				     &error), 0);
	T_STREQ(error, "Requested CRAM-MD5 scheme, but we have only SHA");
	T_INTEQ(pwscheme_credentials(&b, "PLAIN", "{SHA512-CRYPT}$6$x$y", NULL, NULL, &error), 0);
	T_INTEQ(pwscheme_credentials(&b, "CRAM-MD5", "{CRAM-MD5}abc", NULL, NULL, &error), -1);
	T_INTEQ(pwscheme_credentials(&b, "CRAM-MD5", "{BAD}abc", NULL, NULL, &error), -1);
	T_INTEQ(pwscheme_credentials(&b, "NOPE", "{PLAIN}abc", NULL, NULL, &error), -1);
	buf_deinit(&b);
	buf_deinit(&hex);
}

/* split: prefix, default, case, truncation */
static void test_split(void)
{
	char name[8];
	const char *data;

	pwscheme_split("{ssha}abc", "PLAIN", name, sizeof(name), &data);
	T_STREQ(name, "SSHA");
	T_STREQ(data, "abc");
	pwscheme_split("abc", "sha", name, sizeof(name), &data);
	T_STREQ(name, "SHA");
	T_STREQ(data, "abc");
	pwscheme_split("{SCRAM-SHA-256}x", "PLAIN", name, sizeof(name), &data);
	T_STREQ(name, "SCRAM-S");	/* truncated to the buffer */
	T_STREQ(data, "x");
	T_ASSERT(pwscheme_exists("ssha.hex") && pwscheme_exists("SHA.base64") &&
		 !pwscheme_exists("SHA.x") && !pwscheme_exists("NOPE"));
}

/* the encoders against RFC 4648 section 10 */
static void test_encodings(void)
{
	static const char *const b64[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					   "Zm9vYmFy" };
	static const char *const bad[] = { "Zg=", "Z===", "Zg=a", "Zm9v=", "Zm9\n", "====" };
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < TEST_COUNT(b64); i++) {
		buf_reset(&b);
		pwenc_b64_encode(&b, "foobar", i);
		T_STREQ(b.data, b64[i]);
		buf_reset(&b);
		T_INTEQ(pwenc_b64_decode(&b, b64[i], strlen(b64[i])), 0);
		T_ASSERT(b.len == i && memcmp(b.data, "foobar", i) == 0);
	}
	for (i = 0; i < TEST_COUNT(bad); i++)
		T_ASSERT_MSG(pwenc_b64_decode(&b, bad[i], strlen(bad[i])) < 0, "bad %zu", i);
	buf_reset(&b);
	T_INTEQ(pwenc_hex_decode(&b, "00fFaB", 6), 0);
	T_ASSERT(b.len == 3 && memcmp(b.data, "\x00\xff\xab", 3) == 0);
	T_ASSERT(pwenc_hex_decode(&b, "0", 1) < 0 && pwenc_hex_decode(&b, "0g", 2) < 0);
	buf_deinit(&b);
}

/* RFC 2289 appendix C: pass phrase "This is a test.", seed "TeSt" */
static void test_otp_rfc2289(void)
{
	static const char *const ok[] = {
		"{OTP}md4 0 TeSt d1854218ebbb0b51", "{OTP}md4 1 TeSt 63473ef01cd0b444",
		"{OTP}md4 99 TeSt c5e612776e6c237a", "{OTP}md5 0 TeSt 9e876134d90499dd",
		"{OTP}md5 1 TeSt 7965e05436f5029f", "{OTP}md5 99 TeSt 50fe1962c4965880",
		"{OTP}sha1 0 TeSt bb9e6ae1979d8ff4", "{OTP}sha1 1 TeSt 63d936639734385b",
		"{OTP}sha1 99 TeSt 87fec7768b73ccf9", "{OTP}sha1 99 test 87FEC7768B73CCF9",
	};
	static const char *const bad[] = {
		"{OTP}junk", "{OTP}sha1 1 TeSt", "{OTP}sha2 1 TeSt 63d936639734385b",
		"{OTP}sha1 1 Te-St 63d936639734385b", "{OTP}sha1 99999 TeSt 63d936639734385b",
		"{OTP}sha1 1 TeSt 63d936639734385", "{OTP}sha1 1 TeSt 63d936639734385bb",
		"{OTP}sha1 1 TeSt 63d936639734385x", "{OTP}sha1 1 TeSt 63d936639734385b x",
		"{OTP}sha1 1 0123456789abcdef0 63d936639734385b", "{OTP}",
	};
	const char *error = NULL;
	size_t i;

	for (i = 0; i < TEST_COUNT(ok); i++) {
		T_ASSERT_MSG(pwscheme_verify("This is a test.", ok[i], NULL, NULL, &error) == PW_OK,
			     "%s", ok[i]);
		T_ASSERT_MSG(pwscheme_verify("This is a test!", ok[i], NULL, NULL, &error) ==
			     PW_MISMATCH, "%s wrong", ok[i]);
	}
	for (i = 0; i < TEST_COUNT(bad); i++) {
		error = NULL;
		T_ASSERT_MSG(pwscheme_verify("x", bad[i], NULL, NULL, &error) == PW_ERROR &&
			     error != NULL && strcmp(error, "Invalid OTP data in passdb") == 0,
			     "%s: %s", bad[i], error != NULL ? error : "(null)");
	}
}

/* ARGON2 through libsodium: Dovecot's parameters, errors, cost bounds */
static void test_argon2(void)
{
	const char *error = NULL;
	struct buf b;

	buf_init(&b, 0);
	T_INTEQ(pwscheme_generate(&b, "ARGON2ID", "x", NULL, 1, &error), 0);
	T_ASSERT_MSG(strncmp(b.data, "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$", 41) == 0, "%s",
		     b.data);
	T_INTEQ(pwscheme_verify("x", b.data, NULL, NULL, &error), PW_OK);
	T_INTEQ(pwscheme_verify("y", b.data, NULL, NULL, &error), PW_MISMATCH);
	buf_reset(&b);
	T_INTEQ(pwscheme_generate(&b, "argon2i", "x", NULL, 0, &error), 0);
	T_ASSERT_MSG(strncmp(b.data, "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$", 39) == 0, "%s",
		     b.data);
	T_INTEQ(pwscheme_verify("x", b.data, NULL, NULL, &error), PW_OK);
	buf_reset(&b);
	T_INTEQ(pwscheme_generate(&b, "ARGON2I", "x", NULL, 2, &error), -1);
	T_STREQ(error, "crypto_pwhash_argon2i_str failed: Invalid argument");
	T_INTEQ(pwscheme_verify("x", "{ARGON2I}junk", NULL, NULL, &error), PW_MISMATCH);
	T_INTEQ(pwscheme_verify("x", "{ARGON2ID}", NULL, NULL, &error), PW_MISMATCH);
	T_INTEQ(pwscheme_verify("x", "{ARGON2ID}$argon2id$v=19$m=4194304,t=3,p=1$"
				"w4AX/ktP5nAJuzq1XBnAIg$4lHGgQjnlkgr30Cd2pzEhpQIbRyCBxLkIe1VlYUENO0",
				NULL, NULL, &error), PW_ERROR);
	T_INTEQ(pwscheme_verify("x", "{ARGON2I}$argon2i$v=19$m=8192,t=100000,p=1$"
				"w4AX/ktP5nAJuzq1XBnAIg$4lHGgQjnlkgr30Cd2pzEhpQIbRyCBxLkIe1VlYUENO0",
				NULL, NULL, &error), PW_ERROR);
	buf_deinit(&b);
}

static char seen[64][64];
static size_t nseen;

/* mutate_one - truncations and substitutions of one real hash per scheme: no crash */
static void mutate_one(const char *pw, const char *user, const char *hash)
{
	static const char subst[] = { '\0', '$', ',', '=', '}', 'A', '0', ' ', '\xff' };
	char name[64], m[600];
	const char *data, *error;
	size_t i, j, n = strlen(hash);
	int ret;

	pwscheme_split(hash, "PLAIN", name, sizeof(name), &data);
	if (!pwscheme_exists(name) || strncmp(name, "ARGON2", 6) == 0 ||
	    strstr(name, "CRYPT") != NULL || n >= sizeof(m) || nseen >= 64)
		return;	/* the crypt(3) family is exercised by libxcrypt's own tests */
	for (i = 0; i < nseen; i++)
		if (strcmp(seen[i], name) == 0)
			return;
	snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
	for (i = 0; i <= n; i++) {
		memcpy(m, hash, i);
		m[i] = '\0';
		ret = pwscheme_verify(pw, m, "PLAIN", user, &error);
		T_ASSERT_MSG(ret == PW_OK || ret == PW_MISMATCH || ret == PW_ERROR, "%s", m);
		for (j = 0; j < sizeof(subst); j++) {
			memcpy(m, hash, n + 1);
			m[i] = subst[j];
			ret = pwscheme_verify(pw, m, "PLAIN", user, &error);
			T_ASSERT_MSG(ret == PW_OK || ret == PW_MISMATCH || ret == PW_ERROR, "%s", m);
		}
	}
}

static void test_malformed_mutations(void)
{
	for_each_real(REAL_TSV, 3, mutate_one);
	T_ASSERT(nseen > 20);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_real_hashes_verify),
		TEST(test_generate_roundtrip),
		TEST(test_fixed_outputs),
		TEST(test_verify_cases),
		TEST(test_digest_needs_user),
		TEST(test_rounds),
		TEST(test_scram_rfc5802),
		TEST(test_credentials),
		TEST(test_split),
		TEST(test_encodings),
		TEST(test_otp_rfc2289),
		TEST(test_argon2),
		TEST(test_malformed_mutations),
	};

	return test_run(cases, TEST_COUNT(cases));
}
