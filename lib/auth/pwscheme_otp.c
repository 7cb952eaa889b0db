/*
 * pwscheme_otp - Dovecot's OTP scheme (RFC 2289 one-time passwords):
 * stored "<algo> <sequence> <seed> <16 hex>", algo md4, md5 or sha1.  The
 * hash is the RFC 2289 chain: fold64(H(lower(seed) || password)), then
 * <sequence> more times fold64(H(previous)).  Folding: MD4/MD5 XOR the two
 * halves; SHA-1 XORs words 0^2^4 and 1^3 and writes each word in
 * little-endian order (RFC 2289 appendix A, as Dovecot does).  Dovecot
 * generates sha1, sequence 1024 and a 16 hex digit seed.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* MD4 */
#include "config.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/md4.h>
#include <stdio.h>
#include <string.h>

#include "pwenc.h"
#include "pwscheme.h"
#include "pwscheme_int.h"

#define OTP_SEQUENCE 1024
#define OTP_MAX_SEQUENCE 9999
#define OTP_SEED_MAX 16

enum otp_algo { OTP_MD4, OTP_MD5, OTP_SHA1 };

static const char *const otp_names[] = { "md4", "md5", "sha1" };

/* otp_fold - H(data) folded to 8 bytes */
static int otp_fold(enum otp_algo a, const void *data, size_t n, unsigned char out[8])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned i;

	if (a == OTP_MD4)
		MD4(data, n, d);
	else if (EVP_Digest(data, n, d, NULL, a == OTP_MD5 ? EVP_md5() : EVP_sha1(), NULL) != 1)
		return -1;
	if (a != OTP_SHA1) {
		for (i = 0; i < 8; i++)
			out[i] = d[i] ^ d[i + 8];
		return 0;
	}
	for (i = 0; i < 4; i++) {
		/* words big endian in the digest, written back little endian */
		out[3 - i] = d[i] ^ d[i + 8] ^ d[i + 16];
		out[7 - i] = d[i + 4] ^ d[i + 12];
	}
	return 0;
}

/* otp_hash - the RFC 2289 chain for seed, password and sequence */
static int otp_hash(enum otp_algo a, const char *seed, const char *plain, unsigned seq,
		    unsigned char out[8])
{
	struct buf s;
	size_t i;
	int ret;

	buf_init(&s, 0);
	for (i = 0; seed[i] != '\0'; i++)
		buf_append_c(&s, (char)tolower((unsigned char)seed[i]));
	buf_append_str(&s, plain);
	ret = otp_fold(a, s.data, s.len, out);
	buf_deinit(&s);
	for (i = 0; ret == 0 && i < seq; i++)
		ret = otp_fold(a, out, 8, out);
	return ret;
}

int pw_gen_otp(struct buf *raw, const char *plain, const struct pw_params *params,
	       const char **error_r)
{
	unsigned char rnd[8], h[8];
	struct buf seed;
	int ret = 0;

	(void)params;
	buf_init(&seed, 0);
	if (pw_random(rnd, sizeof(rnd), error_r) < 0) {
		ret = -1;
	} else {
		pwenc_hex_encode(&seed, rnd, sizeof(rnd));
		if (otp_hash(OTP_SHA1, seed.data, plain, OTP_SEQUENCE, h) < 0) {
			*error_r = "OTP digest failed";
			ret = -1;
		} else {
			buf_printf(raw, "sha1 %d %s ", OTP_SEQUENCE, seed.data);
			pwenc_hex_encode(raw, h, sizeof(h));
		}
	}
	buf_deinit(&seed);
	return ret;
}

/* otp_parse - "algo seq seed hex": 0, or -1 if malformed */
static int otp_parse(const char *s, enum otp_algo *a_r, unsigned *seq_r, char *seed,
		     unsigned char want[8])
{
	char algo[8], hex[17];
	unsigned i;
	int n = 0;
	struct buf b;

	if (sscanf(s, "%7s %4u %16s %16s%n", algo, seq_r, seed, hex, &n) != 4 ||
	    s[n] != '\0' || *seq_r > OTP_MAX_SEQUENCE || strlen(hex) != 16)
		return -1;
	for (i = 0; i < 3 && strcmp(algo, otp_names[i]) != 0; i++)
		;
	if (i == 3)
		return -1;
	*a_r = (enum otp_algo)i;
	for (i = 0; seed[i] != '\0'; i++)
		if (!isalnum((unsigned char)seed[i]))
			return -1;
	buf_init(&b, 0);
	if (pwenc_hex_decode(&b, hex, 16) < 0) {
		buf_deinit(&b);
		return -1;
	}
	memcpy(want, b.data, 8);
	buf_deinit(&b);
	return 0;
}

int pw_ver_otp(const char *plain, const struct pw_params *params, const unsigned char *raw,
	       size_t len, const char **error_r)
{
	char seed[OTP_SEED_MAX + 1];
	unsigned char want[8], h[8];
	enum otp_algo a;
	unsigned seq;

	(void)params;
	if (len > 64 || memchr(raw, '\0', len) != NULL ||
	    otp_parse((const char *)raw, &a, &seq, seed, want) < 0) {
		*error_r = "Invalid OTP data in passdb";
		return PW_ERROR;
	}
	if (otp_hash(a, seed, plain, seq, h) < 0) {
		*error_r = "OTP digest failed";
		return PW_ERROR;
	}
	return pw_equal(h, 8, want, 8) ? PW_OK : PW_MISMATCH;
}
