/*
 * pwscheme_int - what pwscheme.c's scheme table needs from the algorithm
 * files (pwscheme_hash.c: digests, salted digests, CRAM-MD5, DIGEST-MD5,
 * PLAIN-TRUNC; pwscheme_kdf.c: PBKDF2, SCRAM; pwscheme_crypt.c: the
 * crypt(3) family; pwscheme_otp.c: OTP; pwscheme_argon2.c: ARGON2I/ID).  Not for callers outside lib/auth.
 *
 * A generator appends the scheme's raw form (binary for digest schemes,
 * text for the rest) to raw and returns 0, or -1 with *error_r.  A
 * verifier gets the decoded stored data and returns PW_OK, PW_MISMATCH or
 * PW_ERROR with *error_r.  Schemes without a verifier are checked by
 * generating again and comparing in constant time.
 */
#ifndef PC_AUTH_PWSCHEME_INT_H
#define PC_AUTH_PWSCHEME_INT_H

#include <stddef.h>

#include "core/buf.h"

struct pw_params {
	const char *user;	/* DIGEST-MD5's "user[@realm]"; may be NULL */
	unsigned rounds;	/* 0 = the scheme's default */
};

typedef int pw_generate_fn(struct buf *raw, const char *plain, const struct pw_params *params,
			   const char **error_r);
typedef int pw_verify_fn(const char *plain, const struct pw_params *params,
			 const unsigned char *raw, size_t len, const char **error_r);

/* pw_equal - constant-time comparison of two byte strings (lengths may differ) */
int pw_equal(const void *a, size_t alen, const void *b, size_t blen);
/* pw_random - n random bytes (OpenSSL's RAND_bytes); 0 ok, -1 + *error_r */
int pw_random(void *p, size_t n, const char **error_r);
/* pw_salt_chars - append n random characters of [./0-9A-Za-z] */
int pw_salt_chars(struct buf *out, size_t n, const char **error_r);

pw_generate_fn pw_gen_plain, pw_gen_sha1, pw_gen_sha256, pw_gen_sha512, pw_gen_md5,
	pw_gen_md4, pw_gen_smd5, pw_gen_ssha, pw_gen_ssha256, pw_gen_ssha512, pw_gen_cram_md5,
	pw_gen_digest_md5, pw_gen_pbkdf2, pw_gen_scram_sha1, pw_gen_scram_sha256,
	pw_gen_crypt_blf, pw_gen_crypt_des, pw_gen_crypt_md5, pw_gen_crypt_sha256,
	pw_gen_crypt_sha512, pw_gen_otp, pw_gen_argon2i, pw_gen_argon2id;
pw_verify_fn pw_ver_smd5, pw_ver_ssha, pw_ver_ssha256, pw_ver_ssha512, pw_ver_plain_trunc,
	pw_ver_md5, pw_ver_pbkdf2, pw_ver_scram_sha1, pw_ver_scram_sha256, pw_ver_crypt,
	pw_ver_otp, pw_ver_argon2;

/* pw_argon2_available - libsodium is linked into this program and initialised */
int pw_argon2_available(void);

/* pw_cram_md5_contexts - the 32-byte CRAM-MD5 credential of a password */
void pw_cram_md5_contexts(const char *plain, unsigned char out[32]);

#endif
