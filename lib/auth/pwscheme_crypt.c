/*
 * pwscheme_crypt - the crypt(3) schemes of pwscheme through libxcrypt
 * (crypt_r, crypt_gensalt_rn): generation for DES-CRYPT, MD5-CRYPT ($1$),
 * SHA256-CRYPT ($5$), SHA512-CRYPT ($6$) and BLF-CRYPT/CRYPT (bcrypt $2y$),
 * and one verifier for all of them: whatever hash the system crypt()
 * understands verifies (as Dovecot's CRYPT does).  -r rounds go to
 * crypt_gensalt_rn, which clamps them to each method's range (SHA-crypt
 * 1000.., default 5000 not written; bcrypt cost 4..31, default 5 here as
 * in Dovecot).
 */
#include "config.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <string.h>

#include "core/mem.h"
#include "pwscheme.h"
#include "pwscheme_int.h"

#define BLF_DEFAULT_COST 5
#define BLF_MAX_COST 31

/* crypt_hash - crypt_r(plain, setting) appended to raw; -1 when crypt refuses */
static int crypt_hash(struct buf *raw, const char *plain, const char *setting,
		      const char **error_r)
{
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h = crypt_r(plain, setting, cd);
	int ret = 0;

	if (h == NULL || h[0] == '*') {
		*error_r = "crypt() failed";
		ret = -1;
	} else {
		buf_append_str(raw, h);
	}
	OPENSSL_cleanse(cd, sizeof(*cd));
	xfree(cd);
	return ret;
}

/* crypt_generate - a fresh setting for prefix (libxcrypt's random salt), then the hash */
static int crypt_generate(struct buf *raw, const char *prefix, unsigned long count,
			  const char *plain, const char **error_r)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	unsigned char rnd[16];

	if (pw_random(rnd, sizeof(rnd), error_r) < 0)
		return -1;
	if (crypt_gensalt_rn(prefix, count, (const char *)rnd, (int)sizeof(rnd), setting,
			     (int)sizeof(setting)) == NULL) {
		*error_r = "crypt_gensalt() failed";
		return -1;
	}
	return crypt_hash(raw, plain, setting, error_r);
}

int pw_gen_crypt_blf(struct buf *raw, const char *plain, const struct pw_params *params,
		     const char **error_r)
{
	unsigned long cost = params->rounds != 0 ? params->rounds : BLF_DEFAULT_COST;

	if (cost > BLF_MAX_COST) {
		*error_r = "Invalid number of rounds";
		return -1;
	}
	return crypt_generate(raw, "$2y$", cost < 4 ? 4 : cost, plain, error_r);
}

int pw_gen_crypt_des(struct buf *raw, const char *plain, const struct pw_params *params,
		     const char **error_r)
{
	(void)params;
	return crypt_generate(raw, "", 0, plain, error_r);
}

int pw_gen_crypt_md5(struct buf *raw, const char *plain, const struct pw_params *params,
		     const char **error_r)
{
	(void)params;
	return crypt_generate(raw, "$1$", 0, plain, error_r);
}

int pw_gen_crypt_sha256(struct buf *raw, const char *plain, const struct pw_params *params,
			const char **error_r)
{
	return crypt_generate(raw, "$5$", params->rounds, plain, error_r);
}

int pw_gen_crypt_sha512(struct buf *raw, const char *plain, const struct pw_params *params,
			const char **error_r)
{
	return crypt_generate(raw, "$6$", params->rounds, plain, error_r);
}

/*
 * An empty hash never matches (plain crypt() would accept it).  A value
 * crypt() rejects (unknown method, bad salt, the locked-account markers
 * '!'/'*' of shadow files) is a mismatch, not an error, as in Dovecot:
 * the auth log then says "Password mismatch" as Dovecot's does.
 */
int pw_ver_crypt(const char *plain, const struct pw_params *params, const unsigned char *raw,
		 size_t len, const char **error_r)
{
	const char *stored = (const char *)raw;
	const char *error;
	struct buf b;
	int ret;

	(void)params;
	(void)error_r;
	if (len == 0 || memchr(stored, '\0', len) != NULL || stored[len] != '\0')
		return PW_MISMATCH;
	buf_init(&b, 0);
	if (crypt_hash(&b, plain, stored, &error) < 0)
		ret = PW_MISMATCH;
	else
		ret = pw_equal(b.data, b.len, stored, len) ? PW_OK : PW_MISMATCH;
	OPENSSL_cleanse(b.data, b.len);
	buf_deinit(&b);
	return ret;
}
