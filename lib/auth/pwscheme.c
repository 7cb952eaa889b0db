/*
 * pwscheme - the scheme table and the public API of pwscheme.h: prefix
 * splitting, encodings (and Dovecot's length-based guess between hex and
 * base64), verify, generate, credentials.  The algorithms live in
 * pwscheme_hash.c, pwscheme_kdf.c and pwscheme_crypt.c.
 */
#include "config.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pwenc.h"
#include "pwscheme.h"
#include "pwscheme_int.h"

#define SCHEME_NAME_MAX 64

enum pw_encoding { ENC_NONE, ENC_BASE64, ENC_HEX };

struct pw_scheme {
	const char *name;
	const char *canon;	/* credentials identity: aliases share it */
	enum pw_encoding enc;	/* default encoding of the raw form */
	size_t raw_len;		/* fixed decoded length, 0 = any */
	pw_generate_fn *generate;
	pw_verify_fn *verify;	/* NULL: generate again and compare */
	int is_plain;		/* the raw form is the cleartext */
};

static pw_verify_fn ver_md5;

static const struct pw_scheme schemes[] = {
	{ "CRYPT", "CRYPT", ENC_NONE, 0, pw_gen_crypt_blf, pw_ver_crypt, 0 },
	{ "DES-CRYPT", "CRYPT", ENC_NONE, 0, pw_gen_crypt_des, pw_ver_crypt, 0 },
	{ "MD5-CRYPT", "MD5-CRYPT", ENC_NONE, 0, pw_gen_crypt_md5, pw_ver_crypt, 0 },
	{ "MD5", "MD5-CRYPT", ENC_NONE, 0, pw_gen_crypt_md5, ver_md5, 0 },
	{ "SHA256-CRYPT", "CRYPT", ENC_NONE, 0, pw_gen_crypt_sha256, pw_ver_crypt, 0 },
	{ "SHA512-CRYPT", "CRYPT", ENC_NONE, 0, pw_gen_crypt_sha512, pw_ver_crypt, 0 },
	{ "BLF-CRYPT", "CRYPT", ENC_NONE, 0, pw_gen_crypt_blf, pw_ver_crypt, 0 },
	{ "PLAIN", "PLAIN", ENC_NONE, 0, pw_gen_plain, NULL, 1 },
	{ "CLEAR", "PLAIN", ENC_NONE, 0, pw_gen_plain, NULL, 1 },
	{ "CLEARTEXT", "PLAIN", ENC_NONE, 0, pw_gen_plain, NULL, 1 },
	{ "PLAIN-TRUNC", "PLAIN-TRUNC", ENC_NONE, 0, pw_gen_plain, pw_ver_plain_trunc, 0 },
	{ "SHA", "SHA1", ENC_BASE64, 20, pw_gen_sha1, NULL, 0 },
	{ "SHA1", "SHA1", ENC_BASE64, 20, pw_gen_sha1, NULL, 0 },
	{ "SHA256", "SHA256", ENC_BASE64, 32, pw_gen_sha256, NULL, 0 },
	{ "SHA512", "SHA512", ENC_BASE64, 64, pw_gen_sha512, NULL, 0 },
	{ "SMD5", "SMD5", ENC_BASE64, 0, pw_gen_smd5, pw_ver_smd5, 0 },
	{ "SSHA", "SSHA", ENC_BASE64, 0, pw_gen_ssha, pw_ver_ssha, 0 },
	{ "SSHA256", "SSHA256", ENC_BASE64, 0, pw_gen_ssha256, pw_ver_ssha256, 0 },
	{ "SSHA512", "SSHA512", ENC_BASE64, 0, pw_gen_ssha512, pw_ver_ssha512, 0 },
	{ "PLAIN-MD4", "PLAIN-MD4", ENC_HEX, 16, pw_gen_md4, NULL, 0 },
	{ "PLAIN-MD5", "PLAIN-MD5", ENC_HEX, 16, pw_gen_md5, NULL, 0 },
	{ "LDAP-MD5", "PLAIN-MD5", ENC_BASE64, 16, pw_gen_md5, NULL, 0 },
	{ "CRAM-MD5", "CRAM-MD5", ENC_HEX, 32, pw_gen_cram_md5, NULL, 0 },
	{ "HMAC-MD5", "CRAM-MD5", ENC_HEX, 32, pw_gen_cram_md5, NULL, 0 },
	{ "DIGEST-MD5", "DIGEST-MD5", ENC_HEX, 16, pw_gen_digest_md5, NULL, 0 },
	{ "SCRAM-SHA-1", "SCRAM-SHA-1", ENC_NONE, 0, pw_gen_scram_sha1, pw_ver_scram_sha1, 0 },
	{ "SCRAM-SHA-256", "SCRAM-SHA-256", ENC_NONE, 0, pw_gen_scram_sha256, pw_ver_scram_sha256,
	  0 },
	{ "PBKDF2", "PBKDF2", ENC_NONE, 0, pw_gen_pbkdf2, pw_ver_pbkdf2, 0 },
	{ "OTP", "OTP", ENC_NONE, 0, pw_gen_otp, pw_ver_otp, 0 },
	{ "ARGON2I", "ARGON2", ENC_NONE, 0, pw_gen_argon2i, pw_ver_argon2, 0 },
	{ "ARGON2ID", "ARGON2", ENC_NONE, 0, pw_gen_argon2id, pw_ver_argon2, 0 },
};

/* real doveadm pw -l's order (its hash table); names we lack are skipped
 * (ARGON2* when the program does not link libsodium) */
static const char *const list_order[] = {
	"SHA1", "SSHA512", "SCRAM-SHA-256", "BLF-CRYPT", "PLAIN", "HMAC-MD5", "OTP", "SHA512",
	"SHA", "DES-CRYPT", "CRYPT", "SSHA", "MD5-CRYPT", "PLAIN-MD4", "PLAIN-MD5",
	"SCRAM-SHA-1", "SHA512-CRYPT", "CLEAR", "CLEARTEXT", "ARGON2I", "ARGON2ID", "SSHA256",
	"MD5", "PBKDF2", "SHA256", "CRAM-MD5", "PLAIN-TRUNC", "SHA256-CRYPT", "SMD5",
	"DIGEST-MD5", "LDAP-MD5",
};

/* lookup_base - the table row of a name without suffix */
static const struct pw_scheme *lookup_base(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == n && strncasecmp(schemes[i].name, name, n) == 0)
			return &schemes[i];
	return NULL;
}

/*
 * lookup - "NAME[.b64|.base64|.hex]": the row, the encoding in force and
 * whether the suffix chose it.  NULL for an unknown name or suffix.
 */
static const struct pw_scheme *lookup(const char *name, enum pw_encoding *enc_r,
				      int *explicit_r)
{
	const char *dot = strchr(name, '.');
	const struct pw_scheme *s;

	s = lookup_base(name, dot != NULL ? (size_t)(dot - name) : strlen(name));
	if (s == NULL)
		return NULL;
	*enc_r = s->enc;
	*explicit_r = dot != NULL;
	if (dot == NULL)
		return s;
	if (strcasecmp(dot + 1, "b64") == 0 || strcasecmp(dot + 1, "base64") == 0)
		*enc_r = ENC_BASE64;
	else if (strcasecmp(dot + 1, "hex") == 0)
		*enc_r = ENC_HEX;
	else
		return NULL;
	return s;
}

int pwscheme_exists(const char *scheme)
{
	enum pw_encoding enc;
	int explicit;

	return lookup(scheme, &enc, &explicit) != NULL;
}

const char *const *pwscheme_list(void)
{
	static const char *list[sizeof(list_order) / sizeof(list_order[0]) + 1];
	size_t i, n = 0;

	if (list[0] == NULL)
		for (i = 0; i < sizeof(list_order) / sizeof(list_order[0]); i++)
			if (pwscheme_exists(list_order[i]) &&
			    (strncmp(list_order[i], "ARGON2", 6) != 0 || pw_argon2_available()))
				list[n++] = list_order[i];
	return list;
}

void pwscheme_split(const char *stored, const char *default_scheme, char *scheme_buf,
		    size_t scheme_size, const char **data_r)
{
	const char *scheme = default_scheme != NULL ? default_scheme : "PLAIN", *end;
	size_t n, i;

	*data_r = stored;
	n = strlen(scheme);
	if (stored[0] == '{' && (end = strchr(stored, '}')) != NULL) {
		scheme = stored + 1;
		n = (size_t)(end - scheme);
		*data_r = end + 1;
	} else if (strncmp(stored, "$1$", 3) == 0 && strchr(stored + 3, '$') != NULL) {
		scheme = "MD5-CRYPT";	/* Dovecot recognises a bare MD5-crypt hash */
		n = strlen(scheme);
	}
	if (scheme_size == 0)
		return;
	for (i = 0; i < n && i + 1 < scheme_size; i++)
		scheme_buf[i] = (char)toupper((unsigned char)scheme[i]);
	scheme_buf[i] = '\0';
}

/* decode_as - data in one encoding into raw: 0 or -1 */
static int decode_as(struct buf *raw, enum pw_encoding enc, const char *data, size_t n)
{
	buf_reset(raw);
	if (enc == ENC_HEX)
		return pwenc_hex_decode(raw, data, n);
	if (enc == ENC_BASE64)
		return pwenc_b64_decode(raw, data, n);
	return buf_append(raw, data, n);
}

/*
 * decode - the stored data as the scheme's raw form, as Dovecot decodes
 * it: hex falls back to base64; a fixed-length scheme whose data decodes
 * to the wrong length is tried in the other encoding (so SHA stored as
 * 40 hex digits verifies) unless a suffix named the encoding.
 */
static int decode(struct buf *raw, const struct pw_scheme *s, enum pw_encoding enc,
		  int explicit, const char *data, const char **error_r)
{
	static char msg[80];
	size_t n = strlen(data), got;

	if (decode_as(raw, enc, data, n) < 0) {
		if (enc == ENC_HEX && explicit) {
			*error_r = "Input isn't valid hex encoded data";
			return -1;
		}
		if (enc == ENC_HEX && decode_as(raw, ENC_BASE64, data, n) == 0) {
			enc = ENC_BASE64;
		} else {
			*error_r = "Input isn't valid base64 encoded data";
			return -1;
		}
	}
	if (s->raw_len == 0 || raw->len == s->raw_len)
		return 0;
	got = raw->len;
	if (!explicit && enc != ENC_NONE &&
	    decode_as(raw, enc == ENC_HEX ? ENC_BASE64 : ENC_HEX, data, n) == 0 &&
	    raw->len == s->raw_len)
		return 0;
	snprintf(msg, sizeof(msg), "Input length isn't valid (%zu instead of %zu)", got,
		 s->raw_len);
	*error_r = msg;
	return -1;
}

/* resolve - stored value -> row, decoded raw form; -1 + error */
static const struct pw_scheme *resolve(struct buf *raw, const char *stored,
				       const char *default_scheme, char *name, size_t name_size,
				       const char **error_r)
{
	static char msg[SCHEME_NAME_MAX + 32];
	const struct pw_scheme *s;
	enum pw_encoding enc;
	const char *data;
	int explicit;

	pwscheme_split(stored, default_scheme, name, name_size, &data);
	if ((s = lookup(name, &enc, &explicit)) == NULL) {
		snprintf(msg, sizeof(msg), "Unknown scheme: %s", name);
		*error_r = msg;
		return NULL;
	}
	if (decode(raw, s, enc, explicit, data, error_r) < 0)
		return NULL;
	return s;
}

int pwscheme_decode_check(const char *stored, const char *default_scheme, const char **error_r)
{
	char name[SCHEME_NAME_MAX];
	struct buf raw;
	const struct pw_scheme *s;

	buf_init(&raw, 0);
	s = resolve(&raw, stored, default_scheme, name, sizeof(name), error_r);
	buf_deinit(&raw);
	if (s == NULL && strncmp(*error_r, "Unknown scheme", 14) == 0)
		*error_r = "Unknown scheme";
	return s != NULL ? 0 : -1;
}

/* verify_raw - plain against the decoded raw form of row s */
static int verify_raw(const struct pw_scheme *s, const char *plain, const struct pw_params *pp,
		      const struct buf *raw, const char **error_r)
{
	struct buf mine;
	int ret;

	if (s->verify != NULL)
		return s->verify(plain, pp, (const unsigned char *)raw->data, raw->len, error_r);
	buf_init(&mine, 0);
	if (s->generate(&mine, plain, pp, error_r) < 0)
		ret = PW_ERROR;
	else
		ret = pw_equal(mine.data, mine.len, raw->data, raw->len) ? PW_OK : PW_MISMATCH;
	OPENSSL_cleanse(mine.data, mine.len);
	buf_deinit(&mine);
	return ret;
}

int pwscheme_verify(const char *plain, const char *stored, const char *default_scheme,
		    const char *user, const char **error_r)
{
	struct pw_params pp = { user, 0 };
	char name[SCHEME_NAME_MAX];
	const struct pw_scheme *s;
	struct buf raw;
	int ret;

	buf_init(&raw, 0);
	if ((s = resolve(&raw, stored, default_scheme, name, sizeof(name), error_r)) == NULL)
		ret = PW_ERROR;
	else
		ret = verify_raw(s, plain, &pp, &raw, error_r);
	if (ret == PW_MISMATCH)
		*error_r = "Password mismatch";
	OPENSSL_cleanse(raw.data, raw.len);
	buf_deinit(&raw);
	return ret;
}

/* ver_md5 - Dovecot's MD5: an MD5-crypt hash, or else a PLAIN-MD5 digest */
static int ver_md5(const char *plain, const struct pw_params *pp, const unsigned char *raw,
		   size_t len, const char **error_r)
{
	const struct pw_scheme *md5 = lookup_base("PLAIN-MD5", 9);
	struct buf digest;
	int ret;

	if (len >= 3 && memcmp(raw, "$1$", 3) == 0)
		return pw_ver_crypt(plain, pp, raw, len, error_r);
	buf_init(&digest, 0);
	if (decode(&digest, md5, ENC_HEX, 0, (const char *)raw, error_r) < 0) {
		*error_r = "Not a valid MD5-CRYPT or PLAIN-MD5 password";
		ret = PW_ERROR;
	} else {
		ret = verify_raw(md5, plain, pp, &digest, error_r);
	}
	buf_deinit(&digest);
	return ret;
}

/* encode - the raw form in enc appended to out */
static void encode(struct buf *out, enum pw_encoding enc, const struct buf *raw)
{
	if (enc == ENC_BASE64)
		pwenc_b64_encode(out, raw->data, raw->len);
	else if (enc == ENC_HEX)
		pwenc_hex_encode(out, raw->data, raw->len);
	else
		buf_append(out, raw->data, raw->len);
}

int pwscheme_generate(struct buf *out, const char *scheme, const char *plain, const char *user,
		      unsigned rounds, const char **error_r)
{
	static char msg[SCHEME_NAME_MAX + 32];
	struct pw_params pp = { user, rounds };
	const struct pw_scheme *s;
	enum pw_encoding enc;
	struct buf raw;
	int explicit, ret = 0;
	size_t i;

	if ((s = lookup(scheme, &enc, &explicit)) == NULL) {
		snprintf(msg, sizeof(msg), "Unknown scheme: %.*s", SCHEME_NAME_MAX, scheme);
		for (i = 16; msg[i] != '\0'; i++)
			msg[i] = (char)toupper((unsigned char)msg[i]);
		*error_r = msg;
		return -1;
	}
	buf_init(&raw, 0);
	if (s->generate(&raw, plain, &pp, error_r) < 0) {
		ret = -1;
	} else {
		buf_append_c(out, '{');
		for (i = 0; scheme[i] != '\0'; i++)
			buf_append_c(out, (char)toupper((unsigned char)scheme[i]));
		buf_append_c(out, '}');
		encode(out, enc, &raw);
	}
	OPENSSL_cleanse(raw.data, raw.len);
	buf_deinit(&raw);
	return ret;
}

int pwscheme_credentials(struct buf *out, const char *want, const char *stored,
			 const char *default_scheme, const char *user, const char **error_r)
{
	static char msg[2 * SCHEME_NAME_MAX + 48];
	struct pw_params pp = { user, 0 };
	char name[SCHEME_NAME_MAX];
	const struct pw_scheme *s, *w;
	enum pw_encoding enc;
	struct buf raw;
	int explicit, ret = 1;

	if ((w = lookup(want, &enc, &explicit)) == NULL) {
		snprintf(msg, sizeof(msg), "Unknown scheme: %.*s", SCHEME_NAME_MAX, want);
		*error_r = msg;
		return -1;
	}
	buf_init(&raw, 0);
	if ((s = resolve(&raw, stored, default_scheme, name, sizeof(name), error_r)) == NULL) {
		ret = -1;
	} else if (strcmp(s->canon, w->canon) == 0) {
		buf_append(out, raw.data, raw.len);
	} else if (s->is_plain) {
		if (w->generate(out, raw.data, &pp, error_r) < 0)
			ret = -1;
	} else {
		snprintf(msg, sizeof(msg), "Requested %s scheme, but we have only %s", w->name, name);
		*error_r = msg;
		ret = 0;
	}
	OPENSSL_cleanse(raw.data, raw.len);
	buf_deinit(&raw);
	return ret;
}
