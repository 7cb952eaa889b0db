/*
 * test_authmech - the SASL mechanisms (auth/mech_*.c) against a small
 * in-test request core: PLAIN/LOGIN shapes, CRAM-MD5 with a credential
 * made by real Dovecot's `doveadm pw -s CRAM-MD5`, SCRAM-SHA-1/256 full
 * exchanges with credentials from real doveadm (the test is the client),
 * and the RFC 5802 proof vector.
 */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "b64.h"
#include "mech.h"
#include "core/buf.h"
#include "core/mem.h"

/* ---- the fake core ---- */
enum ev { EV_NONE, EV_CHALLENGE, EV_SUCCESS, EV_FAIL };
struct auth_request {
	void *mech_ctx;
	const struct mech *mech;
	char *user, *login_user, *cert_user, *anon_trace;
	enum ev ev;
	struct buf out;			/* challenge or final data */
	const char *good_password;	/* verify_plain */
	const char *cred;		/* lookup_credentials: raw */
	size_t cred_len;
	char *want_scheme;
	char last_log[512];
	enum db_result fail_result;
};

void **auth_request_mech_ctx(struct auth_request *req) { return &req->mech_ctx; }
const char *auth_request_user(const struct auth_request *req) { return req->user; }
const char *auth_request_hostname(void) { return "test.example"; }
const char *auth_request_cert_username(const struct auth_request *req) { return req->cert_user; }

void auth_request_challenge(struct auth_request *req, const void *data, size_t len)
{
	req->ev = EV_CHALLENGE;
	buf_set(&req->out, data, len);
}

int auth_request_set_username(struct auth_request *req, const char *user, const char **error_r)
{
	if (*user == '\0') {
		*error_r = "Empty username";
		return -1;
	}
	if (strchr(user, ' ') != NULL) {
		*error_r = "Username character disallowed by auth_username_chars: 0x20";
		return -1;
	}
	xfree(req->user);
	req->user = xstrdup(user);
	return 0;
}

int auth_request_set_login_username(struct auth_request *req, const char *user, const char **error_r)
{
	xfree(req->login_user);
	req->login_user = xstrdup(user);
	return 0;
}

void auth_request_verify_plain(struct auth_request *req, const char *password, mech_verify_cb *cb)
{
	cb(req, strcmp(password, req->good_password) == 0 ? DB_OK : DB_MISMATCH);
}

void auth_request_lookup_credentials(struct auth_request *req, const char *scheme,
				     mech_credentials_cb *cb)
{
	xfree(req->want_scheme);
	req->want_scheme = xstrdup(scheme);
	cb(req, req->cred != NULL ? DB_OK : DB_NOTFOUND, (const unsigned char *)req->cred, req->cred_len);
}

void auth_request_lookup_user(struct auth_request *req, mech_verify_cb *cb)
{
	cb(req, strcmp(req->user, "alice") == 0 ? DB_OK : DB_NOTFOUND);
}

void auth_request_success(struct auth_request *req, const void *data, size_t len)
{
	req->ev = EV_SUCCESS;
	buf_set(&req->out, data != NULL ? data : "", len);
}

void auth_request_fail(struct auth_request *req) { req->ev = EV_FAIL; req->fail_result = DB_MISMATCH; }
void auth_request_fail_result(struct auth_request *req, enum db_result r) { req->ev = EV_FAIL; req->fail_result = r; }

void auth_request_log_info(struct auth_request *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->last_log, sizeof(req->last_log), fmt, ap);
	va_end(ap);
}

void auth_request_log_error(struct auth_request *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->last_log, sizeof(req->last_log), fmt, ap);
	va_end(ap);
}

void auth_request_set_anonymous(struct auth_request *req, const char *trace)
{
	xfree(req->anon_trace);
	req->anon_trace = xstrdup(trace);
	xfree(req->user);
	req->user = xstrdup("anon");
}

static struct auth_request *req_new(const struct mech *m)
{
	struct auth_request *r = xcalloc(1, sizeof(*r));

	r->mech = m;
	buf_init(&r->out, 0);
	r->good_password = "secret";
	return r;
}

static void req_free(struct auth_request *r)
{
	r->mech->free(r);
	xfree(r->user);
	xfree(r->login_user);
	xfree(r->anon_trace);
	xfree(r->want_scheme);
	buf_deinit(&r->out);
	xfree(r);
}

/* start/input with a NUL-terminated copy, as the core's buffer is */
static void start(struct auth_request *r, const void *data, size_t len, int has)
{
	char *copy = xmemdup(data != NULL ? data : "", len);

	r->mech->start(r, (unsigned char *)copy, len, has);
	xfree(copy);
}

static void input(struct auth_request *r, const void *data, size_t len)
{
	char *copy = xmemdup(data, len);

	r->mech->input(r, (unsigned char *)copy, len);
	xfree(copy);
}

/* ---- PLAIN ---- */
static void test_plain(void)
{
	static const struct { const char *msg; size_t len; enum ev ev; const char *user, *login, *log; } v[] = {
		{ "\0alice\0secret", 13, EV_SUCCESS, "alice", NULL, "" },
		{ "\0alice\0wrong", 12, EV_FAIL, "alice", NULL, "" },
		{ "alice\0alice\0secret", 18, EV_SUCCESS, "alice", NULL, "" },
		{ "bob\0alice\0secret", 16, EV_SUCCESS, "alice", "bob", "" },
		{ "\0alice", 6, EV_FAIL, NULL, NULL, "invalid input" },
		{ "\0alice\0sec\0ret", 14, EV_FAIL, NULL, NULL, "invalid input" },
		{ "", 0, EV_FAIL, NULL, NULL, "invalid input" },
		{ "\0\0secret", 8, EV_FAIL, NULL, NULL, "Empty username" },
		{ "\0al ice\0secret", 14, EV_FAIL, NULL, NULL, "Username character disallowed by auth_username_chars: 0x20" },
	};
	size_t i;

	for (i = 0; i < TEST_COUNT(v); i++) {
		struct auth_request *r = req_new(&mech_plain);

		start(r, v[i].msg, v[i].len, 1);
		T_ASSERT_MSG(r->ev == v[i].ev, "row %zu: event %d", i, r->ev);
		if (v[i].user != NULL)
			T_ASSERT_MSG(r->user != NULL && strcmp(r->user, v[i].user) == 0, "row %zu user", i);
		T_ASSERT_MSG((v[i].login == NULL) == (r->login_user == NULL), "row %zu login", i);
		T_ASSERT_MSG(strcmp(r->last_log, v[i].log) == 0, "row %zu log '%s'", i, r->last_log);
		req_free(r);
	}
	{	/* no initial response: empty challenge, then the blob */
		struct auth_request *r = req_new(&mech_plain);

		start(r, NULL, 0, 0);
		T_ASSERT(r->ev == EV_CHALLENGE && r->out.len == 0);
		input(r, "\0alice\0secret", 13);
		T_ASSERT(r->ev == EV_SUCCESS);
		req_free(r);
	}
}

/* ---- LOGIN ---- */
static void test_login(void)
{
	struct auth_request *r = req_new(&mech_login);

	start(r, NULL, 0, 0);
	T_ASSERT(r->ev == EV_CHALLENGE);
	T_STREQ(r->out.data, "Username:");
	input(r, "alice", 5);
	T_ASSERT(r->ev == EV_CHALLENGE);
	T_STREQ(r->out.data, "Password:");
	T_STREQ(r->user, "alice");
	input(r, "secret", 6);
	T_ASSERT(r->ev == EV_SUCCESS);
	req_free(r);
	/* initial response = user name; empty initial response = none */
	r = req_new(&mech_login);
	start(r, "alice", 5, 1);
	T_STREQ(r->out.data, "Password:");
	input(r, "wrong", 5);
	T_ASSERT(r->ev == EV_FAIL);
	req_free(r);
	r = req_new(&mech_login);
	start(r, "", 0, 1);
	T_STREQ(r->out.data, "Username:");
	req_free(r);
}

/* ---- CRAM-MD5 ---- */
static void unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned v;

		sscanf(hex + i * 2, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

static void test_cram_md5(void)
{
	/* `doveadm pw -s CRAM-MD5 -p secret` on Debian 12's Dovecot 2.3.19 */
	static const char real[] = "cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56";
	unsigned char ctx32[32], digest[16];
	unsigned dlen = 0, i;
	char resp[256], hex[33];
	struct auth_request *r;
	int pass;

	for (pass = 0; pass < 3; pass++) {
		r = req_new(&mech_cram_md5);
		unhex(real, ctx32, 32);
		r->cred = pass == 1 ? real : (const char *)ctx32;
		r->cred_len = pass == 1 ? 64 : 32;
		start(r, NULL, 0, 0);
		T_ASSERT(r->ev == EV_CHALLENGE);
		T_ASSERT_MSG(r->out.data[0] == '<' && strstr(r->out.data, "@test.example>") != NULL,
			     "challenge %s", r->out.data);
		/* the client side: HMAC-MD5 keyed with the password, by OpenSSL */
		HMAC(EVP_md5(), pass == 2 ? "wrong" : "secret", pass == 2 ? 5 : 6,
		     (unsigned char *)r->out.data, r->out.len, digest, &dlen);
		for (i = 0; i < 16; i++)
			snprintf(hex + i * 2, 3, "%02x", digest[i]);
		snprintf(resp, sizeof(resp), "alice %s", hex);
		input(r, resp, strlen(resp));
		T_STREQ(r->want_scheme, "CRAM-MD5");
		T_ASSERT_MSG(r->ev == (pass == 2 ? EV_FAIL : EV_SUCCESS), "pass %d: %d", pass, r->ev);
		req_free(r);
	}
	r = req_new(&mech_cram_md5);
	start(r, NULL, 0, 0);
	input(r, "alice", 5);
	T_ASSERT(r->ev == EV_FAIL);
	T_STREQ(r->last_log, "malformed data");
	req_free(r);
}

/* ---- SCRAM ---- */
int scram_verify(const EVP_MD *md, const unsigned char *stored_key,
		 const unsigned char *server_key, size_t key_len, const char *authmsg,
		 const unsigned char *proof, unsigned char *sig_r, unsigned *sig_len_r);

static void b64dec(const char *s, unsigned char *out, size_t *len)
{
	struct buf b;

	buf_init(&b, 0);
	T_ASSERT(b64_decode(&b, s, strlen(s)) == 0);
	memcpy(out, b.data, b.len);
	*len = b.len;
	buf_deinit(&b);
}

/* RFC 5802 section 5: user "user", password "pencil" */
static void test_scram_rfc5802_vector(void)
{
	static const char authmsg[] =
		"n=user,r=fyko+d2lbbFgONRv9qkxdawL,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		"s=QSXCR+Q6sek8bf92,i=4096,c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";
	unsigned char salt[64], salted[20], ckey[20], skey[20], stored[20], proof[20], sig[64];
	size_t saltlen, prooflen;
	unsigned len = 0, slen = 0;
	struct buf b;

	b64dec("QSXCR+Q6sek8bf92", salt, &saltlen);
	PKCS5_PBKDF2_HMAC("pencil", 6, salt, (int)saltlen, 4096, EVP_sha1(), 20, salted);
	HMAC(EVP_sha1(), salted, 20, (const unsigned char *)"Client Key", 10, ckey, &len);
	HMAC(EVP_sha1(), salted, 20, (const unsigned char *)"Server Key", 10, skey, &len);
	EVP_Digest(ckey, 20, stored, &len, EVP_sha1(), NULL);
	b64dec("v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", proof, &prooflen);
	T_ASSERT(scram_verify(EVP_sha1(), stored, skey, 20, authmsg, proof, sig, &slen) == 1);
	buf_init(&b, 0);
	b64_encode(&b, sig, slen);
	T_STREQ(b.data, "rmF9pqV8S7suAoZWja4dJRkFsKQ=");
	proof[0] ^= 1;
	T_ASSERT(scram_verify(EVP_sha1(), stored, skey, 20, authmsg, proof, sig, &slen) == 0);
	buf_deinit(&b);
}

/* scram_client - a full exchange against cred (real doveadm output) with password pw */
static enum ev scram_client(const struct mech *m, const EVP_MD *md, const char *cred,
			    const char *pw, const char *gs2, char *server_final, size_t sfsize)
{
	struct auth_request *r = req_new(m);
	char first[256], final_bare[512], final[1024], authmsg[2048], *sfirst, *salt_b64, *it;
	unsigned char salt[64], salted[64], ckey[64], skey[64], stored[64], csig[64], ssig[64];
	size_t saltlen, klen = (size_t)EVP_MD_get_size(md), i;
	unsigned len = 0;
	struct buf b;
	enum ev ev;

	r->cred = cred;
	r->cred_len = strlen(cred);
	snprintf(first, sizeof(first), "%sn=alice,r=rOprNGfwEbeRWgbNEkqO", gs2);
	start(r, first, strlen(first), 1);
	if (r->ev != EV_CHALLENGE) {
		ev = r->ev;
		req_free(r);
		return ev;
	}
	sfirst = xstrdup(r->out.data);
	T_ASSERT_MSG(strncmp(sfirst, "r=rOprNGfwEbeRWgbNEkqO", 22) == 0 && strlen(strtok(xstrdup(sfirst), ",")) == 2 + 20 + 64,
		     "server-first %s", sfirst);
	salt_b64 = strstr(sfirst, ",s=") + 3;
	it = strstr(sfirst, ",i=");
	*it = '\0';
	b64dec(salt_b64, salt, &saltlen);
	PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, (int)saltlen, atoi(it + 3), md, (int)klen, salted);
	*it = ',';
	HMAC(md, salted, (int)klen, (const unsigned char *)"Client Key", 10, ckey, &len);
	HMAC(md, salted, (int)klen, (const unsigned char *)"Server Key", 10, skey, &len);
	EVP_Digest(ckey, klen, stored, &len, md, NULL);
	buf_init(&b, 0);
	b64_encode(&b, gs2, strlen(gs2));
	snprintf(final_bare, sizeof(final_bare), "c=%s,r=%s", b.data, strtok(sfirst + 2, ","));
	*strchr(sfirst, '\0') = ',';
	snprintf(authmsg, sizeof(authmsg), "%s,%s,%s", first + strlen(gs2), r->out.data, final_bare);
	HMAC(md, stored, (int)klen, (unsigned char *)authmsg, strlen(authmsg), csig, &len);
	for (i = 0; i < klen; i++)
		ckey[i] ^= csig[i];
	buf_reset(&b);
	b64_encode(&b, ckey, klen);
	snprintf(final, sizeof(final), "%s,p=%s", final_bare, b.data);
	input(r, final, strlen(final));
	ev = r->ev;
	if (ev == EV_SUCCESS) {
		HMAC(md, skey, (int)klen, (unsigned char *)authmsg, strlen(authmsg), ssig, &len);
		buf_reset(&b);
		buf_append_str(&b, "v=");
		b64_encode(&b, ssig, klen);
		snprintf(server_final, sfsize, "%s", r->out.data);
		T_STREQ(r->out.data, b.data);
	}
	buf_deinit(&b);
	xfree(sfirst);
	req_free(r);
	return ev;
}

static void test_scram_exchanges(void)
{
	/* `doveadm pw -s SCRAM-SHA-1 -p pencil` / `-s SCRAM-SHA-256` (real Dovecot 2.3.19) */
	static const char sha1[] = "4096,ZxuemgSUW7mGmL9fNcPLBQ==,zrAuXondTQ7XWVEjmqR4EXJXc5s=,RmsAqDpCOqNg1IX1bTT1zDZDoMI=";
	static const char sha256[] = "4096,0LxwL2n8XKkZReESOiwQ3Q==,ZAfpmJLGzZfun07xlIPfNbtydihJD9tJGm6nkKdrHaw=,Zi1AwwsZHQz366USQL4xqhDcABjnkbNQCK10l9Pb+bU=";
	char sf[256];

	T_INTEQ(scram_client(&mech_scram_sha1, EVP_sha1(), sha1, "pencil", "n,,", sf, sizeof(sf)), EV_SUCCESS);
	T_INTEQ(scram_client(&mech_scram_sha1, EVP_sha1(), sha1, "pencil", "y,,", sf, sizeof(sf)), EV_SUCCESS);
	T_INTEQ(scram_client(&mech_scram_sha1, EVP_sha1(), sha1, "wrong", "n,,", sf, sizeof(sf)), EV_FAIL);
	T_INTEQ(scram_client(&mech_scram_sha256, EVP_sha256(), sha256, "pencil", "n,,", sf, sizeof(sf)), EV_SUCCESS);
	T_INTEQ(scram_client(&mech_scram_sha256, EVP_sha256(), sha256, "pencil2", "n,,", sf, sizeof(sf)), EV_FAIL);
	T_INTEQ(scram_client(&mech_scram_sha1, EVP_sha1(), sha1, "pencil", "p=tls-unique,,", sf, sizeof(sf)), EV_FAIL);
	T_INTEQ(scram_client(&mech_scram_sha1, EVP_sha1(), sha1, "pencil", "x,,", sf, sizeof(sf)), EV_FAIL);
}

static void test_scram_bad_first(void)
{
	static const char *const bad[] = {
		"n,,n=alice", "n,,r=abc", "n,,m=x,n=alice,r=abc", "n,x=y,n=alice,r=abc", "n,,n=al=2Xice,r=abc", "nn=alice,r=abc",
	};
	size_t i;

	for (i = 0; i < TEST_COUNT(bad); i++) {
		struct auth_request *r = req_new(&mech_scram_sha1);

		r->cred = "4096,ZxuemgSUW7mGmL9fNcPLBQ==,zrAuXondTQ7XWVEjmqR4EXJXc5s=,RmsAqDpCOqNg1IX1bTT1zDZDoMI=";
		r->cred_len = strlen(r->cred);
		start(r, bad[i], strlen(bad[i]), 1);
		T_ASSERT_MSG(r->ev == EV_FAIL, "bad[%zu] %s: %d", i, bad[i], r->ev);
		req_free(r);
	}
}

static void test_anonymous_external(void)
{
	struct auth_request *r = req_new(&mech_anonymous);

	start(r, "trace", 5, 1);
	T_ASSERT(r->ev == EV_SUCCESS);
	T_STREQ(r->anon_trace, "trace");
	T_STREQ(r->last_log, "login");
	req_free(r);
	r = req_new(&mech_external);
	start(r, "", 0, 1);
	T_ASSERT(r->ev == EV_FAIL);
	T_STREQ(r->last_log, "username not known");
	req_free(r);
	r = req_new(&mech_external);
	r->cert_user = "alice";
	start(r, "", 0, 1);
	T_ASSERT(r->ev == EV_SUCCESS);
	T_STREQ(r->user, "alice");
	req_free(r);
}

static void test_registry(void)
{
	struct buf b;

	T_ASSERT(mech_find("plain") == &mech_plain);
	T_ASSERT(mech_find("Scram-Sha-256") == &mech_scram_sha256);
	T_ASSERT(mech_find("DIGEST-MD5") == NULL);
	buf_init(&b, 0);
	mech_flags_append(&b, mech_cram_md5.flags);
	T_STREQ(b.data, "\tdictionary\tactive");
	buf_reset(&b);
	mech_flags_append(&b, MECH_SEC_PRIVATE | MECH_SEC_DICTIONARY | MECH_SEC_ACTIVE);
	T_STREQ(b.data, "\tprivate\tdictionary\tactive");
	buf_deinit(&b);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_plain), TEST(test_login), TEST(test_cram_md5),
		TEST(test_scram_rfc5802_vector), TEST(test_scram_exchanges), TEST(test_scram_bad_first),
		TEST(test_anonymous_external), TEST(test_registry),
	};
	return test_run(cases, TEST_COUNT(cases));
}
