/*
 * mech_cram.c - CRAM-MD5 (RFC 2195).  Challenge "<random.time@host>"
 * (Dovecot's shape), response "user SP 32-hex HMAC-MD5 digest".  The
 * stored credential is Dovecot's CRAM-MD5 form: the two HMAC-MD5 context
 * states after the key block (outer then inner, four little-endian 32-bit
 * words each = 32 bytes, or 64 hex digits), which pwscheme_credentials
 * also derives from a cleartext password.
 */
#include "config.h"

#define OPENSSL_SUPPRESS_DEPRECATED	/* MD5_CTX: the precomputed HMAC states need the raw context */
#include <openssl/md5.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mech.h"
#include "core/mem.h"

struct cram_state {
	char challenge[160];
	char digest_hex[33];
};

/* cram_ctx_load - MD5 state from 16 bytes of little-endian words, one block consumed */
static void cram_ctx_load(MD5_CTX *c, const unsigned char *p)
{
	unsigned i;
	MD5_LONG w[4];

	for (i = 0; i < 4; i++)
		w[i] = (MD5_LONG)p[i * 4] | (MD5_LONG)p[i * 4 + 1] << 8 |
		       (MD5_LONG)p[i * 4 + 2] << 16 | (MD5_LONG)p[i * 4 + 3] << 24;
	MD5_Init(c);
	c->A = w[0];
	c->B = w[1];
	c->C = w[2];
	c->D = w[3];
	c->Nl = 512;	/* one 64-byte block already hashed */
	c->Nh = 0;
}

/*
 * cram_hmac_from_contexts - HMAC-MD5(msg) from the 32-byte context form
 * (outer state first); digest_r gets 16 bytes.
 */
void cram_hmac_from_contexts(const unsigned char ctx32[32], const void *msg, size_t len,
			     unsigned char digest_r[16]);
void cram_hmac_from_contexts(const unsigned char ctx32[32], const void *msg, size_t len,
			     unsigned char digest_r[16])
{
	MD5_CTX in, out;
	unsigned char inner[16];

	cram_ctx_load(&out, ctx32);
	cram_ctx_load(&in, ctx32 + 16);
	MD5_Update(&in, msg, len);
	MD5_Final(inner, &in);
	MD5_Update(&out, inner, 16);
	MD5_Final(digest_r, &out);
}

/* cram_unhex - 64 hex digits into 32 bytes: 0 ok */
static int cram_unhex(const unsigned char *hex, unsigned char out[32])
{
	unsigned i;

	for (i = 0; i < 32; i++) {
		char b[3] = { (char)hex[i * 2], (char)hex[i * 2 + 1], 0 }, *end;

		out[i] = (unsigned char)strtoul(b, &end, 16);
		if (*end != '\0' || b[0] == '\0' || b[0] == '+' || b[0] == '-' || b[0] == ' ')
			return -1;
	}
	return 0;
}

static void cram_credentials(struct auth_request *req, enum db_result result,
			     const unsigned char *cred, size_t len)
{
	struct cram_state *st = *auth_request_mech_ctx(req);
	unsigned char ctx32[32], digest[16];
	char hex[33];
	unsigned i;

	if (result != DB_OK) {
		auth_request_fail_result(req, result);
		return;
	}
	if (len == 64 && cram_unhex(cred, ctx32) == 0)
		cred = ctx32;
	else if (len != 32) {
		auth_request_log_error(req, "Invalid credentials length");
		auth_request_fail_result(req, DB_INTERNAL);
		return;
	}
	cram_hmac_from_contexts(cred, st->challenge, strlen(st->challenge), digest);
	for (i = 0; i < 16; i++)
		snprintf(hex + i * 2, 3, "%02x", digest[i]);
	if (strcasecmp(hex, st->digest_hex) == 0) {
		auth_request_success(req, NULL, 0);
	} else {
		auth_request_log_info(req, "Password mismatch");
		auth_request_fail_result(req, DB_MISMATCH);
	}
}

/* cram_input - "user digest"; the digest is the last space-separated word */
static void cram_input(struct auth_request *req, const unsigned char *data, size_t len)
{
	struct cram_state *st = *auth_request_mech_ctx(req);
	const char *text = (const char *)data, *sp, *error;
	char *user;

	sp = memchr(data, '\0', len) == NULL ? strrchr(text, ' ') : NULL;
	if (sp == NULL || strlen(sp + 1) != 32) {
		auth_request_log_info(req, "malformed data");
		auth_request_fail(req);
		return;
	}
	memcpy(st->digest_hex, sp + 1, 33);
	user = xstrndup(text, (size_t)(sp - text));
	if (auth_request_set_username(req, user, &error) < 0) {
		xfree(user);
		auth_request_log_info(req, "%s", error);
		auth_request_fail(req);
		return;
	}
	xfree(user);
	auth_request_lookup_credentials(req, "CRAM-MD5", cram_credentials);
}

/* cram_start - send the challenge; an initial response is ignored (as Dovecot) */
static void cram_start(struct auth_request *req, const unsigned char *data, size_t len,
		       int has_data)
{
	struct cram_state *st = xcalloc(1, sizeof(*st));
	unsigned long long rnd = 0;

	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (unsigned long long)random();
	snprintf(st->challenge, sizeof(st->challenge), "<%llu.%lld@%s>", rnd,
		 (long long)time(NULL), auth_request_hostname());
	*auth_request_mech_ctx(req) = st;
	auth_request_challenge(req, st->challenge, strlen(st->challenge));
}

static void cram_free(struct auth_request *req)
{
	xfree(*auth_request_mech_ctx(req));
	*auth_request_mech_ctx(req) = NULL;
}

const struct mech mech_cram_md5 = {
	"CRAM-MD5", MECH_SEC_DICTIONARY | MECH_SEC_ACTIVE, MECH_NEED_CREDENTIALS,
	cram_start, cram_input, cram_free,
};
