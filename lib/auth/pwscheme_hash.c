/*
 * pwscheme_hash - the digest schemes of pwscheme: plain digests (SHA*,
 * PLAIN-MD4/MD5), salted digests (SMD5, SSHA*: digest(password || salt) ||
 * salt, 4 random salt bytes as Dovecot writes them, any salt length read),
 * CRAM-MD5 (the HMAC-MD5 context states), DIGEST-MD5 (MD5 of
 * "user:realm:password") and PLAIN-TRUNC.  See pwscheme_int.h.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* MD4 and the raw MD5 state that CRAM-MD5 stores */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/md4.h>
#include <openssl/md5.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "pwscheme.h"
#include "pwscheme_int.h"

#define SALTED_SALT_LEN 4
#define PLAIN_TRUNC_MAX_DIGITS 9

/*
 * pw_equal - compares SHA-256 digests of both sides with CRYPTO_memcmp, so
 * neither the content nor (for cleartext passwords) the stored length
 * shows in the timing.
 */
int pw_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char da[32], db[32];

	if (EVP_Digest(a, alen, da, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(b, blen, db, NULL, EVP_sha256(), NULL) != 1)
		return 0;
	return (CRYPTO_memcmp(da, db, sizeof(da)) | (alen ^ blen)) == 0;
}

int pw_random(void *p, size_t n, const char **error_r)
{
	if (RAND_bytes(p, (int)n) != 1) {
		*error_r = "Random number generator failed";
		return -1;
	}
	return 0;
}

int pw_salt_chars(struct buf *out, size_t n, const char **error_r)
{
	static const char chars[] =
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char r[64];
	size_t i;

	if (n > sizeof(r) || pw_random(r, n, error_r) < 0)
		return -1;
	for (i = 0; i < n; i++)
		buf_append_c(out, chars[r[i] % 64]);
	return 0;
}

/* digest - append md(data1 || data2) */
static int digest(struct buf *raw, const EVP_MD *md, const void *d1, size_t n1, const void *d2,
		  size_t n2, const char **error_r)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned outlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	     EVP_DigestUpdate(ctx, d1, n1) == 1 && EVP_DigestUpdate(ctx, d2, n2) == 1 &&
	     EVP_DigestFinal_ex(ctx, out, &outlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		*error_r = "Digest computation failed";
		return -1;
	}
	buf_append(raw, out, outlen);
	return 0;
}

int pw_gen_plain(struct buf *raw, const char *plain, const struct pw_params *params,
		 const char **error_r)
{
	(void)params;
	(void)error_r;
	buf_append_str(raw, plain);
	return 0;
}

int pw_gen_sha1(struct buf *raw, const char *plain, const struct pw_params *params,
		const char **error_r)
{
	(void)params;
	return digest(raw, EVP_sha1(), plain, strlen(plain), "", 0, error_r);
}

int pw_gen_sha256(struct buf *raw, const char *plain, const struct pw_params *params,
		  const char **error_r)
{
	(void)params;
	return digest(raw, EVP_sha256(), plain, strlen(plain), "", 0, error_r);
}

int pw_gen_sha512(struct buf *raw, const char *plain, const struct pw_params *params,
		  const char **error_r)
{
	(void)params;
	return digest(raw, EVP_sha512(), plain, strlen(plain), "", 0, error_r);
}

int pw_gen_md5(struct buf *raw, const char *plain, const struct pw_params *params,
	       const char **error_r)
{
	(void)params;
	return digest(raw, EVP_md5(), plain, strlen(plain), "", 0, error_r);
}

/* MD4 is in OpenSSL 3's legacy provider only; the low-level function still works */
int pw_gen_md4(struct buf *raw, const char *plain, const struct pw_params *params,
	       const char **error_r)
{
	unsigned char out[MD4_DIGEST_LENGTH];

	(void)params;
	(void)error_r;
	MD4((const unsigned char *)plain, strlen(plain), out);
	buf_append(raw, out, sizeof(out));
	return 0;
}

/* salted_gen - digest(plain || salt) || salt with a fresh 4-byte salt */
static int salted_gen(struct buf *raw, const EVP_MD *md, const char *plain, const char **error_r)
{
	unsigned char salt[SALTED_SALT_LEN];

	if (pw_random(salt, sizeof(salt), error_r) < 0 ||
	    digest(raw, md, plain, strlen(plain), salt, sizeof(salt), error_r) < 0)
		return -1;
	buf_append(raw, salt, sizeof(salt));
	return 0;
}

/* salted_verify - the stored digest is the first md-size bytes, the salt the rest */
static int salted_verify(const EVP_MD *md, const char *name, const char *plain,
			 const unsigned char *raw, size_t len, const char **error_r)
{
	size_t dlen = (size_t)EVP_MD_get_size(md);
	struct buf b;
	int ret;

	if (len <= dlen) {
		*error_r = name;
		return PW_ERROR;
	}
	buf_init(&b, 0);
	if (digest(&b, md, plain, strlen(plain), raw + dlen, len - dlen, error_r) < 0)
		ret = PW_ERROR;
	else
		ret = pw_equal(b.data, b.len, raw, dlen) ? PW_OK : PW_MISMATCH;
	buf_deinit(&b);
	return ret;
}

int pw_gen_smd5(struct buf *raw, const char *plain, const struct pw_params *params,
		const char **error_r)
{
	(void)params;
	return salted_gen(raw, EVP_md5(), plain, error_r);
}

int pw_gen_ssha(struct buf *raw, const char *plain, const struct pw_params *params,
		const char **error_r)
{
	(void)params;
	return salted_gen(raw, EVP_sha1(), plain, error_r);
}

int pw_gen_ssha256(struct buf *raw, const char *plain, const struct pw_params *params,
		   const char **error_r)
{
	(void)params;
	return salted_gen(raw, EVP_sha256(), plain, error_r);
}

int pw_gen_ssha512(struct buf *raw, const char *plain, const struct pw_params *params,
		   const char **error_r)
{
	(void)params;
	return salted_gen(raw, EVP_sha512(), plain, error_r);
}

int pw_ver_smd5(const char *plain, const struct pw_params *params, const unsigned char *raw,
		size_t len, const char **error_r)
{
	(void)params;
	return salted_verify(EVP_md5(), "SMD5 password is too short", plain, raw, len, error_r);
}

int pw_ver_ssha(const char *plain, const struct pw_params *params, const unsigned char *raw,
		size_t len, const char **error_r)
{
	(void)params;
	return salted_verify(EVP_sha1(), "SSHA password is too short", plain, raw, len, error_r);
}

int pw_ver_ssha256(const char *plain, const struct pw_params *params, const unsigned char *raw,
		   size_t len, const char **error_r)
{
	(void)params;
	return salted_verify(EVP_sha256(), "SSHA256 password is too short", plain, raw, len,
			     error_r);
}

int pw_ver_ssha512(const char *plain, const struct pw_params *params, const unsigned char *raw,
		   size_t len, const char **error_r)
{
	(void)params;
	return salted_verify(EVP_sha512(), "SSHA512 password is too short", plain, raw, len,
			     error_r);
}

/* cram_put - the four MD5 state words, little endian */
static unsigned char *cram_put(unsigned char *p, const MD5_CTX *c)
{
	const MD5_LONG w[4] = { c->A, c->B, c->C, c->D };
	unsigned i;

	for (i = 0; i < 4; i++) {
		*p++ = (unsigned char)(w[i] & 0xff);
		*p++ = (unsigned char)(w[i] >> 8 & 0xff);
		*p++ = (unsigned char)(w[i] >> 16 & 0xff);
		*p++ = (unsigned char)(w[i] >> 24 & 0xff);
	}
	return p;
}

void pw_cram_md5_contexts(const char *plain, unsigned char out[32])
{
	unsigned char key[64], ipad[64], opad[64];
	size_t len = strlen(plain), i;
	MD5_CTX in, outer;

	memset(key, 0, sizeof(key));
	if (len > sizeof(key))
		MD5((const unsigned char *)plain, len, key);
	else
		memcpy(key, plain, len);
	for (i = 0; i < sizeof(key); i++) {
		ipad[i] = key[i] ^ 0x36;
		opad[i] = key[i] ^ 0x5c;
	}
	MD5_Init(&in);
	MD5_Update(&in, ipad, sizeof(ipad));
	MD5_Init(&outer);
	MD5_Update(&outer, opad, sizeof(opad));
	cram_put(cram_put(out, &outer), &in);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(&in, sizeof(in));
	OPENSSL_cleanse(&outer, sizeof(outer));
}

int pw_gen_cram_md5(struct buf *raw, const char *plain, const struct pw_params *params,
		    const char **error_r)
{
	unsigned char ctx[32];

	(void)params;
	(void)error_r;
	pw_cram_md5_contexts(plain, ctx);
	buf_append(raw, ctx, sizeof(ctx));
	return 0;
}

/* "user@realm" is user "user" in realm "realm"; without '@' the realm is empty */
int pw_gen_digest_md5(struct buf *raw, const char *plain, const struct pw_params *params,
		      const char **error_r)
{
	const char *at;
	struct buf s;
	int ret;

	if (params->user == NULL) {
		*error_r = "digest_md5_generate(): username not given";
		return -1;
	}
	buf_init(&s, 0);
	if ((at = strchr(params->user, '@')) != NULL)
		buf_printf(&s, "%.*s:%s:%s", (int)(at - params->user), params->user, at + 1, plain);
	else
		buf_printf(&s, "%s::%s", params->user, plain);
	ret = digest(raw, EVP_md5(), s.data, s.len, "", 0, error_r);
	OPENSSL_cleanse(s.data, s.len);
	buf_deinit(&s);
	return ret;
}

/* PLAIN-TRUNC stores "<length>-<password>": the password was cut to length */
int pw_ver_plain_trunc(const char *plain, const struct pw_params *params,
		       const unsigned char *raw, size_t len, const char **error_r)
{
	size_t i = 0, trunc = 0, plen = strlen(plain);

	(void)params;
	while (i < len && i < PLAIN_TRUNC_MAX_DIGITS && raw[i] >= '0' && raw[i] <= '9')
		trunc = trunc * 10 + (size_t)(raw[i++] - '0');
	if (i == 0 || i >= len || raw[i] != '-') {
		*error_r = "PLAIN-TRUNC missing length: prefix";
		return PW_ERROR;
	}
	raw += i + 1;
	len -= i + 1;
	if (plen > trunc)
		plen = trunc;
	return pw_equal(plain, plen, raw, len) ? PW_OK : PW_MISMATCH;
}
