/*
 * pwscheme - Dovecot 2.3 password schemes: making and verifying stored
 * passwords ("{SCHEME}data"), encodings (.b64/.hex), and credentials for
 * the challenge-response mechanisms (CRAM-MD5, SCRAM-*).  Used by the auth
 * daemon and `doveadm pw`.  Facts: shared/spec/dovecot-config.md section 9.
 *
 * Schemes: CRYPT (system crypt(3) on verify; bcrypt $2y$ when generating),
 * DES-CRYPT, MD5-CRYPT (alias MD5), SHA256-CRYPT, SHA512-CRYPT, BLF-CRYPT,
 * PLAIN/CLEAR/CLEARTEXT, PLAIN-TRUNC, SHA (SHA1), SSHA, SHA256, SSHA256,
 * SHA512, SSHA512, SMD5, PLAIN-MD5, LDAP-MD5, PLAIN-MD4, CRAM-MD5
 * (HMAC-MD5), DIGEST-MD5 (needs the user name), SCRAM-SHA-1, SCRAM-SHA-256,
 * PBKDF2 and whatever else OpenSSL/libcrypt can back.  Names are
 * case-insensitive.
 *
 * Error strings (*error_r) are static: valid until the next pwscheme call.
 * A verify mismatch sets *error_r to "Password mismatch".  Without a
 * {SCHEME} prefix and with default_scheme NULL, PLAIN is assumed; a bare
 * "$1$salt$hash" is MD5-CRYPT whatever the default (as Dovecot).
 * Decisions and the exact formats: docs/password-schemes.md.
 */
#ifndef PC_AUTH_PWSCHEME_H
#define PC_AUTH_PWSCHEME_H

#include <stddef.h>

#include "core/buf.h"

/* results of pwscheme_verify */
#define PW_OK		1	/* password matches */
#define PW_MISMATCH	0	/* it does not */
#define PW_ERROR	(-1)	/* unknown scheme, malformed stored value: *error_r says why */

/*
 * pwscheme_split - stored value -> scheme and data.  "{SHA}abc" gives "SHA"
 * and "abc"; without a prefix the scheme is default_scheme (and for
 * passwd-file's libpam-pwdfile forms "hash[13]" etc. the caller handles it).
 * The scheme is copied into scheme_buf (upper case); *data_r points into stored.
 */
void pwscheme_split(const char *stored, const char *default_scheme, char *scheme_buf,
		    size_t scheme_size, const char **data_r);

/*
 * pwscheme_verify - plain against stored ("{SCHEME}data" or bare data in
 * default_scheme).  user is needed by DIGEST-MD5 (may be NULL otherwise).
 */
int pwscheme_verify(const char *plain, const char *stored, const char *default_scheme,
		    const char *user, const char **error_r);

/*
 * pwscheme_generate - "{SCHEME}data" for plain into out (doveadm pw -s).
 * rounds 0 = the scheme's default.  -1 + *error_r "Unknown scheme: FOO".
 */
int pwscheme_generate(struct buf *out, const char *scheme, const char *plain, const char *user,
		      unsigned rounds, const char **error_r);

/*
 * pwscheme_credentials - the raw credentials a mechanism needs, from a
 * stored password: want "CRAM-MD5" (the 32-byte HMAC-MD5 contexts),
 * "SCRAM-SHA-1"/"SCRAM-SHA-256" (the "iter,salt,stored,server" text),
 * "PLAIN" (the cleartext), "DIGEST-MD5".  Works when the stored scheme is
 * the wanted one or can be converted (a PLAIN password gives every
 * credential).  Returns 1 and fills out, 0 if this stored scheme cannot
 * give it (the mechanism must fail for this user), -1 on malformed input.
 */
int pwscheme_credentials(struct buf *out, const char *want, const char *stored,
			 const char *default_scheme, const char *user, const char **error_r);

/*
 * pwscheme_decode_check - only the decoding step of verify: 0 if the
 * stored data is valid for its scheme's encoding and length, else -1 and
 * *error_r as Dovecot words it ("Unknown scheme", "Input isn't valid
 * base64 encoded data", "Input length isn't valid (3 instead of 20)").
 * `doveadm pw -t` reports these as "reverse decode check failed".
 */
int pwscheme_decode_check(const char *stored, const char *default_scheme, const char **error_r);

/* pwscheme_exists - a known scheme name (with or without .b64/.hex) */
int pwscheme_exists(const char *scheme);
/* pwscheme_list - names in the order `doveadm pw -l` prints them */
const char *const *pwscheme_list(void);

#endif
