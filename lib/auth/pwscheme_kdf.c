/*
 * pwscheme_kdf - the PBKDF2-based schemes of pwscheme (see pwscheme_int.h):
 *   PBKDF2         "$1$<16 salt chars>$<rounds>$<40 hex>": PBKDF2-HMAC-SHA1,
 *                  20-byte key, 5000 rounds by default (-r changes it).
 *   SCRAM-SHA-1/256 "<iter>,<b64 salt>,<b64 StoredKey>,<b64 ServerKey>" as
 *                  RFC 5802 defines the keys; 16 salt bytes and 4096
 *                  iterations, as Dovecot 2.3 (which ignores -r here).
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "pwenc.h"
#include "pwscheme.h"
#include "pwscheme_int.h"

#define PBKDF2_DEFAULT_ROUNDS 5000
#define PBKDF2_SALT_LEN 16
#define PBKDF2_KEY_LEN 20
#define SCRAM_ITERATIONS 4096
#define SCRAM_SALT_LEN 16
#define KDF_MAX_ROUNDS 100000000UL	/* a stored value cannot make us spin for hours */

/* parse_rounds - decimal 1..KDF_MAX_ROUNDS of n bytes: 0, else -1 */
static int parse_rounds(const char *s, size_t n, unsigned *rounds_r)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > KDF_MAX_ROUNDS)
		return -1;
	*rounds_r = (unsigned)v;
	return 0;
}

/* pbkdf2 - PBKDF2-HMAC(md) of plain into out[n] */
static int pbkdf2(const EVP_MD *md, const char *plain, const void *salt, size_t saltlen,
		  unsigned rounds, unsigned char *out, size_t n, const char **error_r)
{
	if (PKCS5_PBKDF2_HMAC(plain, (int)strlen(plain), salt, (int)saltlen, (int)rounds, md,
			      (int)n, out) != 1) {
		*error_r = "PBKDF2 computation failed";
		return -1;
	}
	return 0;
}

int pw_gen_pbkdf2(struct buf *raw, const char *plain, const struct pw_params *params,
		  const char **error_r)
{
	unsigned rounds = params->rounds != 0 ? params->rounds : PBKDF2_DEFAULT_ROUNDS;
	unsigned char key[PBKDF2_KEY_LEN];
	size_t salt_at;

	if (rounds > KDF_MAX_ROUNDS) {
		*error_r = "Invalid number of rounds";
		return -1;
	}
	buf_append_str(raw, "$1$");
	salt_at = raw->len;
	if (pw_salt_chars(raw, PBKDF2_SALT_LEN, error_r) < 0 ||
	    pbkdf2(EVP_sha1(), plain, raw->data + salt_at, PBKDF2_SALT_LEN, rounds, key,
		   sizeof(key), error_r) < 0)
		return -1;
	buf_printf(raw, "$%u$", rounds);
	pwenc_hex_encode(raw, key, sizeof(key));
	return 0;
}

/*
 * pw_ver_pbkdf2 - "$1$salt$rounds$40hex", with Dovecot's three messages:
 * wrong prefix, wrong shape (field count, rounds not a number), key not
 * 40 hex digits.  Rounds 0 (Dovecot accepts it; PBKDF2 has no such
 * thing) is a format error here.
 */
int pw_ver_pbkdf2(const char *plain, const struct pw_params *params, const unsigned char *raw,
		  size_t len, const char **error_r)
{
	const char *s = (const char *)raw, *end = s + len, *salt, *r, *k;
	unsigned char key[PBKDF2_KEY_LEN];
	unsigned rounds;
	struct buf want;
	int ret;

	(void)params;
	if (len < 3 || memcmp(s, "$1$", 3) != 0) {
		*error_r = "Invalid PBKDF2 passdb entry prefix";
		return PW_ERROR;
	}
	if (memchr(s, '\0', len) != NULL ||
	    (r = memchr(salt = s + 3, '$', (size_t)(end - s - 3))) == NULL ||
	    (k = memchr(r + 1, '$', (size_t)(end - r - 1))) == NULL ||
	    memchr(k + 1, '$', (size_t)(end - k - 1)) != NULL ||
	    parse_rounds(r + 1, (size_t)(k - r - 1), &rounds) < 0) {
		*error_r = "Invalid PBKDF2 passdb entry format";
		return PW_ERROR;
	}
	buf_init(&want, 0);
	if (pwenc_hex_decode(&want, k + 1, (size_t)(end - k - 1)) < 0 ||
	    want.len != PBKDF2_KEY_LEN) {
		buf_deinit(&want);
		*error_r = "PBKDF2 hash not 160bit hex-encoded";
		return PW_ERROR;
	}
	if (pbkdf2(EVP_sha1(), plain, salt, (size_t)(r - salt), rounds, key, sizeof(key),
		   error_r) < 0)
		ret = PW_ERROR;
	else
		ret = pw_equal(key, sizeof(key), want.data, want.len) ? PW_OK : PW_MISMATCH;
	buf_deinit(&want);
	return ret;
}

/* scram_keys - StoredKey and ServerKey of plain (RFC 5802 section 3) */
static int scram_keys(const EVP_MD *md, const char *plain, const void *salt, size_t saltlen,
		      unsigned iter, unsigned char *stored, unsigned char *server,
		      const char **error_r)
{
	unsigned char salted[EVP_MAX_MD_SIZE], client[EVP_MAX_MD_SIZE];
	size_t n = (size_t)EVP_MD_get_size(md);
	unsigned len = 0;
	int ok;

	if (pbkdf2(md, plain, salt, saltlen, iter, salted, n, error_r) < 0)
		return -1;
	ok = HMAC(md, salted, (int)n, (const unsigned char *)"Client Key", 10, client, &len) != NULL &&
	     EVP_Digest(client, n, stored, NULL, md, NULL) == 1 &&
	     HMAC(md, salted, (int)n, (const unsigned char *)"Server Key", 10, server, &len) != NULL;
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(client, sizeof(client));
	if (!ok)
		*error_r = "SCRAM key computation failed";
	return ok ? 0 : -1;
}

static int scram_generate(const EVP_MD *md, struct buf *raw, const char *plain,
			  const char **error_r)
{
	unsigned char salt[SCRAM_SALT_LEN], stored[EVP_MAX_MD_SIZE], server[EVP_MAX_MD_SIZE];
	size_t n = (size_t)EVP_MD_get_size(md);

	if (pw_random(salt, sizeof(salt), error_r) < 0 ||
	    scram_keys(md, plain, salt, sizeof(salt), SCRAM_ITERATIONS, stored, server,
		       error_r) < 0)
		return -1;
	buf_printf(raw, "%u,", SCRAM_ITERATIONS);
	pwenc_b64_encode(raw, salt, sizeof(salt));
	buf_append_c(raw, ',');
	pwenc_b64_encode(raw, stored, n);
	buf_append_c(raw, ',');
	pwenc_b64_encode(raw, server, n);
	return 0;
}

/* scram_field_error - Dovecot's message for a bad field of a SCRAM-* entry */
static const char *scram_field_error(const char *scheme, const char *what)
{
	static char msg[96];

	snprintf(msg, sizeof(msg), "Invalid %s %s in passdb", scheme, what);
	return msg;
}

/* scram_b64_field - one base64 field [p, q) into b; want = 0 for any length */
static int scram_b64_field(struct buf *b, const char *p, const char *q, size_t want)
{
	buf_reset(b);
	return pwenc_b64_decode(b, p, (size_t)(q - p)) == 0 && (want == 0 || b->len == want) ?
		0 : -1;
}

/*
 * scram_verify - recompute StoredKey from the stored salt and iterations.
 * Checked as Dovecot does, in its order: four fields, iterations 4096..,
 * StoredKey and ServerKey of the digest's size; a salt that is not base64
 * is a mismatch (as Dovecot's lenient decoder makes it).
 */
static int scram_verify(const EVP_MD *md, const char *scheme, const char *plain,
			const unsigned char *raw, size_t len, const char **error_r)
{
	static char fmt[80];
	const char *s = (const char *)raw, *end = s + len, *f[5];
	unsigned char stored[EVP_MAX_MD_SIZE], server[EVP_MAX_MD_SIZE];
	size_t n = (size_t)EVP_MD_get_size(md);
	struct buf salt, want, skey;
	unsigned iter, i;
	int ret = PW_ERROR;

	/* f[0..3]: field starts; f[4]: one past the end, as if a comma followed */
	f[0] = s;
	for (i = 1; i < 4; i++) {
		const char *c = memchr(f[i - 1], ',', (size_t)(end - f[i - 1]));

		if (c == NULL)
			break;
		f[i] = c + 1;
	}
	if (i < 4 || memchr(f[3], ',', (size_t)(end - f[3])) != NULL ||
	    memchr(s, '\0', len) != NULL) {
		snprintf(fmt, sizeof(fmt), "Invalid %s passdb entry format", scheme);
		*error_r = fmt;
		return PW_ERROR;
	}
	f[4] = end + 1;
	if (parse_rounds(f[0], (size_t)(f[1] - f[0] - 1), &iter) < 0 || iter < SCRAM_ITERATIONS) {
		*error_r = scram_field_error(scheme, "iteration count");
		return PW_ERROR;
	}
	buf_init(&salt, 0);
	buf_init(&want, 0);
	buf_init(&skey, 0);
	if (scram_b64_field(&want, f[2], f[3] - 1, n) < 0)
		*error_r = scram_field_error(scheme, "StoredKey");
	else if (scram_b64_field(&skey, f[3], f[4] - 1, n) < 0)
		*error_r = scram_field_error(scheme, "ServerKey");
	else if (scram_b64_field(&salt, f[1], f[2] - 1, 0) < 0)
		ret = PW_MISMATCH;	/* no password can match it; Dovecot says mismatch too */
	else if (scram_keys(md, plain, salt.data, salt.len, iter, stored, server, error_r) == 0)
		ret = pw_equal(stored, n, want.data, want.len) ? PW_OK : PW_MISMATCH;
	buf_deinit(&salt);
	buf_deinit(&want);
	buf_deinit(&skey);
	return ret;
}

int pw_gen_scram_sha1(struct buf *raw, const char *plain, const struct pw_params *params,
		      const char **error_r)
{
	(void)params;
	return scram_generate(EVP_sha1(), raw, plain, error_r);
}

int pw_gen_scram_sha256(struct buf *raw, const char *plain, const struct pw_params *params,
			const char **error_r)
{
	(void)params;
	return scram_generate(EVP_sha256(), raw, plain, error_r);
}

int pw_ver_scram_sha1(const char *plain, const struct pw_params *params,
		      const unsigned char *raw, size_t len, const char **error_r)
{
	(void)params;
	return scram_verify(EVP_sha1(), "SCRAM-SHA-1", plain, raw, len, error_r);
}

int pw_ver_scram_sha256(const char *plain, const struct pw_params *params,
			const unsigned char *raw, size_t len, const char **error_r)
{
	(void)params;
	return scram_verify(EVP_sha256(), "SCRAM-SHA-256", plain, raw, len, error_r);
}
