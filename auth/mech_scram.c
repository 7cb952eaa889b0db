/*
 * mech_scram.c - SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677),
 * server side, without channel binding (as Dovecot 2.3, which offers no
 * -PLUS variants): gs2 flag "n" or "y" is accepted, "p=..." refused.
 * An authzid (a=) other than the user is a master-user login.
 *
 * Exchange: client-first -> server-first "r=<cnonce><snonce>,s=<salt>,i=<iter>"
 * -> client-final "c=<b64 gs2 header>,r=<nonce>,p=<proof>" -> server-final
 * "v=<b64 ServerSignature>" as final data (the core sends it in CONT, or in
 * OK resp= for final-resp-ok clients).  The stored credential is
 * "iter,b64 salt,b64 StoredKey,b64 ServerKey" (pwscheme_credentials).
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "mech.h"
#include "core/buf.h"
#include "core/mem.h"

#define SCRAM_SNONCE_LEN 64
#define SCRAM_MAX_ITER 100000000UL

struct scram_state {
	const EVP_MD *md;
	const char *scheme;	/* "SCRAM-SHA-1" */
	int step;		/* 0 = want client-first, 1 = want client-final */
	char *gs2_header;	/* "n,," or "n,a=x," as received */
	char *client_first_bare;
	char *server_first;
	char *nonce;		/* cnonce + snonce */
	unsigned char stored_key[EVP_MAX_MD_SIZE], server_key[EVP_MAX_MD_SIZE];
	size_t key_len;
};

/* scram_unescape - saslname: "=2C" -> ',', "=3D" -> '='; NULL if malformed */
static char *scram_unescape(const char *s, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			buf_append_c(&b, s[i]);
		} else if (i + 2 < n && s[i + 1] == '2' && s[i + 2] == 'C') {
			buf_append_c(&b, ',');
			i += 2;
		} else if (i + 2 < n && s[i + 1] == '3' && s[i + 2] == 'D') {
			buf_append_c(&b, '=');
			i += 2;
		} else {
			buf_deinit(&b);
			return NULL;
		}
	}
	return buf_steal(&b);
}

/* scram_fail - log (Info) and fail */
static void scram_fail(struct auth_request *req, const char *why)
{
	auth_request_log_info(req, "%s", why);
	auth_request_fail(req);
}

/* scram_parse_first - gs2-header and client-first-bare; NULL ok, else the error */
static const char *scram_parse_first(struct auth_request *req, struct scram_state *st,
				     const char *msg)
{
	const char *p = msg, *c1, *c2, *bare, *user_end, *error;
	char *user, *authzid = NULL;

	if (*p == 'p')
		return "Client requested channel binding, but we don't support it";
	if ((*p != 'n' && *p != 'y') || p[1] != ',')
		return "Invalid GS2 header";
	c1 = p + 1;
	if ((c2 = strchr(c1 + 1, ',')) == NULL)
		return "Invalid GS2 header";
	if (c2 != c1 + 1) {
		if (strncmp(c1 + 1, "a=", 2) != 0)
			return "Invalid authzid field";
		if ((authzid = scram_unescape(c1 + 3, (size_t)(c2 - c1 - 3))) == NULL)
			return "Invalid authzid field";
	}
	bare = c2 + 1;
	st->gs2_header = xstrndup(msg, (size_t)(bare - msg));
	st->client_first_bare = xstrdup(bare);
	if (strncmp(bare, "m=", 2) == 0) {
		xfree(authzid);
		return "Mandatory extension(s) not supported";
	}
	if (strncmp(bare, "n=", 2) != 0 || (user_end = strchr(bare, ',')) == NULL ||
	    strncmp(user_end, ",r=", 3) != 0) {
		xfree(authzid);
		return "Invalid client-first-message";
	}
	c1 = user_end + 3;
	c2 = strchr(c1, ',');
	st->nonce = c2 != NULL ? xstrndup(c1, (size_t)(c2 - c1)) : xstrdup(c1);
	if (*st->nonce == '\0' || strspn(st->nonce, "!\"#$%&'()*+-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") != strlen(st->nonce)) {
		xfree(authzid);
		return "Invalid client nonce";
	}
	if ((user = scram_unescape(bare + 2, (size_t)(user_end - bare - 2))) == NULL) {
		xfree(authzid);
		return "Invalid username escaping";
	}
	if (auth_request_set_username(req, user, &error) < 0) {
		xfree(user);
		xfree(authzid);
		return error;
	}
	if (authzid != NULL && strcmp(authzid, user) != 0 &&
	    auth_request_set_login_username(req, authzid, &error) < 0) {
		xfree(user);
		xfree(authzid);
		return error;
	}
	xfree(user);
	xfree(authzid);
	return NULL;
}

/* scram_snonce_append - 64 printable characters except ',' */
static void scram_snonce_append(struct buf *b)
{
	unsigned char r[SCRAM_SNONCE_LEN];
	unsigned i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)random();
	for (i = 0; i < sizeof(r); i++) {
		char c = (char)(0x21 + r[i] % (0x7e - 0x21 + 1));

		buf_append_c(b, c == ',' ? '~' : c);
	}
}

/* scram_decode_key - one base64 key of the credential into out (md size) */
static int scram_decode_key(const char *b64, size_t n, unsigned char *out, size_t want)
{
	struct buf b;
	int ok;

	buf_init(&b, 0);
	ok = b64_decode(&b, b64, n) == 0 && b.len == want;
	if (ok)
		memcpy(out, b.data, want);
	buf_deinit(&b);
	return ok ? 0 : -1;
}

/* scram_credentials - "iter,salt,stored,server" arrived: send server-first */
static void scram_credentials(struct auth_request *req, enum db_result result,
			      const unsigned char *cred, size_t len)
{
	struct scram_state *st = *auth_request_mech_ctx(req);
	char *text, *f[4], *end;
	unsigned long iter;
	struct buf b;
	int i;

	if (result != DB_OK) {
		auth_request_fail_result(req, result);
		return;
	}
	text = xstrndup((const char *)cred, len);
	f[0] = text;
	for (i = 1; i < 4; i++)
		f[i] = f[i - 1] != NULL && (f[i] = strchr(f[i - 1], ',')) != NULL ? (*f[i] = '\0', f[i] + 1) : NULL;
	iter = f[0] != NULL ? strtoul(f[0], &end, 10) : 0;
	if (f[3] == NULL || iter == 0 || iter > SCRAM_MAX_ITER || *end != '\0' ||
	    scram_decode_key(f[2], strlen(f[2]), st->stored_key, st->key_len) < 0 ||
	    scram_decode_key(f[3], strlen(f[3]), st->server_key, st->key_len) < 0) {
		xfree(text);
		auth_request_log_error(req, "Invalid %s credentials", st->scheme);
		auth_request_fail_result(req, DB_INTERNAL);
		return;
	}
	buf_init(&b, 0);
	buf_printf(&b, "r=%s", st->nonce);
	scram_snonce_append(&b);
	xfree(st->nonce);
	st->nonce = xstrdup(b.data + 2);
	buf_printf(&b, ",s=%s,i=%lu", f[1], iter);
	xfree(text);
	st->server_first = buf_steal(&b);
	st->step = 1;
	auth_request_challenge(req, st->server_first, strlen(st->server_first));
}

/*
 * scram_verify - the proof check of RFC 5802 section 3: ClientKey =
 * proof XOR HMAC(StoredKey, authmsg) must hash to StoredKey.  On success
 * sig_r gets HMAC(ServerKey, authmsg) (sig_len_r bytes).  1 ok, 0 mismatch.
 */
int scram_verify(const EVP_MD *md, const unsigned char *stored_key,
		 const unsigned char *server_key, size_t key_len, const char *authmsg,
		 const unsigned char *proof, unsigned char *sig_r, unsigned *sig_len_r);
int scram_verify(const EVP_MD *md, const unsigned char *stored_key,
		 const unsigned char *server_key, size_t key_len, const char *authmsg,
		 const unsigned char *proof, unsigned char *sig_r, unsigned *sig_len_r)
{
	unsigned char sig[EVP_MAX_MD_SIZE], key[EVP_MAX_MD_SIZE], hkey[EVP_MAX_MD_SIZE];
	unsigned sig_len = 0, hlen = 0, i;

	HMAC(md, stored_key, (int)key_len, (const unsigned char *)authmsg, strlen(authmsg),
	     sig, &sig_len);
	for (i = 0; i < key_len; i++)
		key[i] = proof[i] ^ sig[i];
	EVP_Digest(key, key_len, hkey, &hlen, md, NULL);
	if (CRYPTO_memcmp(hkey, stored_key, key_len) != 0)
		return 0;
	HMAC(md, server_key, (int)key_len, (const unsigned char *)authmsg, strlen(authmsg),
	     sig_r, sig_len_r);
	return 1;
}

/* scram_check_final - parse and verify client-final; NULL ok (final_r made), else why */
static const char *scram_check_final(struct scram_state *st, const char *msg, struct buf *final_r)
{
	const char *cb_end, *nonce, *nonce_end, *proof_at, *err = NULL;
	struct buf want, proof, authmsg;
	unsigned char sig[EVP_MAX_MD_SIZE];
	unsigned sig_len = 0;

	buf_init(&want, 0);
	buf_init(&proof, 0);
	buf_init(&authmsg, 0);
	b64_encode(&want, st->gs2_header, strlen(st->gs2_header));
	proof_at = strstr(msg, ",p=");
	cb_end = strchr(msg, ',');
	if (strncmp(msg, "c=", 2) != 0 || proof_at == NULL || cb_end == NULL ||
	    strncmp(cb_end, ",r=", 3) != 0 || strchr(proof_at + 3, ',') != NULL) {
		err = "Invalid client-final-message";
	} else if ((size_t)(cb_end - msg - 2) != want.len ||
		   memcmp(msg + 2, want.data, want.len) != 0) {
		err = "Invalid channel binding data";
	} else {
		nonce = cb_end + 3;
		nonce_end = strchr(nonce, ',');
		if ((size_t)(nonce_end - nonce) != strlen(st->nonce) ||
		    memcmp(nonce, st->nonce, strlen(st->nonce)) != 0)
			err = "Wrong nonce";
		else if (b64_decode(&proof, proof_at + 3, strlen(proof_at + 3)) < 0 ||
			 proof.len != st->key_len)
			err = "Invalid base64 encoding";
	}
	if (err == NULL) {
		buf_printf(&authmsg, "%s,%s,", st->client_first_bare, st->server_first);
		buf_append(&authmsg, msg, (size_t)(proof_at - msg));
		if (!scram_verify(st->md, st->stored_key, st->server_key, st->key_len, authmsg.data,
				  (const unsigned char *)proof.data, sig, &sig_len)) {
			err = "Password mismatch";
		} else {
			buf_append_str(final_r, "v=");
			b64_encode(final_r, sig, sig_len);
		}
	}
	buf_deinit(&want);
	buf_deinit(&proof);
	buf_deinit(&authmsg);
	return err;
}

static void scram_input(struct auth_request *req, const unsigned char *data, size_t len)
{
	struct scram_state *st = *auth_request_mech_ctx(req);
	const char *err;
	struct buf final;

	if (memchr(data, '\0', len) != NULL) {
		scram_fail(req, "invalid input");
		return;
	}
	if (st->step == 0) {
		if ((err = scram_parse_first(req, st, (const char *)data)) != NULL)
			scram_fail(req, err);
		else
			auth_request_lookup_credentials(req, st->scheme, scram_credentials);
		return;
	}
	buf_init(&final, 0);
	if ((err = scram_check_final(st, (const char *)data, &final)) != NULL) {
		auth_request_log_info(req, "%s", err);
		auth_request_fail_result(req, strcmp(err, "Password mismatch") == 0
					 ? DB_MISMATCH : DB_NOTFOUND);
	} else {
		auth_request_success(req, final.data, final.len);
	}
	buf_deinit(&final);
}

/* scram_start_md - common start for both hashes */
static void scram_start_md(struct auth_request *req, const unsigned char *data, size_t len,
			   int has_data, const EVP_MD *md, const char *scheme)
{
	struct scram_state *st = xcalloc(1, sizeof(*st));

	st->md = md;
	st->scheme = scheme;
	st->key_len = (size_t)EVP_MD_get_size(md);
	*auth_request_mech_ctx(req) = st;
	if (!has_data || len == 0)
		auth_request_challenge(req, "", 0);
	else
		scram_input(req, data, len);
}

static void scram1_start(struct auth_request *req, const unsigned char *data, size_t len,
			 int has_data)
{
	scram_start_md(req, data, len, has_data, EVP_sha1(), "SCRAM-SHA-1");
}

static void scram256_start(struct auth_request *req, const unsigned char *data, size_t len,
			   int has_data)
{
	scram_start_md(req, data, len, has_data, EVP_sha256(), "SCRAM-SHA-256");
}

static void scram_free(struct auth_request *req)
{
	struct scram_state *st = *auth_request_mech_ctx(req);

	if (st == NULL)
		return;
	xfree(st->gs2_header);
	xfree(st->client_first_bare);
	xfree(st->server_first);
	xfree(st->nonce);
	OPENSSL_cleanse(st, sizeof(*st));
	xfree(st);
	*auth_request_mech_ctx(req) = NULL;
}

const struct mech mech_scram_sha1 = {
	"SCRAM-SHA-1", MECH_SEC_MUTUAL_AUTH, MECH_NEED_CREDENTIALS,
	scram1_start, scram_input, scram_free,
};
const struct mech mech_scram_sha256 = {
	"SCRAM-SHA-256", MECH_SEC_MUTUAL_AUTH, MECH_NEED_CREDENTIALS,
	scram256_start, scram_input, scram_free,
};
