/*
 * mech - SASL mechanisms of the auth daemon and the calls they make into
 * the request core (request.c).  Facts: shared/spec/auth-protocol.md
 * section 5 and the transcripts recorded from real Dovecot in
 * tests/data/auth/.
 *
 * A mechanism is a small state machine driven by the core:
 *   ->start(req, data, len, has_data)  the AUTH line (initial response, if any)
 *   ->input(req, data, len)            each CONT from the client
 *   ->free(req)                        the request is going away
 * Its state lives in req_mech_ctx (auth_request_mech_ctx).  It answers
 * with exactly one of the auth_request_* calls below per input, or starts
 * one asynchronous passdb call whose callback does so.  The core owns the
 * request; a mechanism never frees it.
 */
#ifndef PC_AUTH_MECH_H
#define PC_AUTH_MECH_H

#include <stddef.h>

#include "db.h"

struct auth_request;

/* MECH flags, printed in this order on MECH lines */
#define MECH_SEC_PRIVATE	(1u << 0)
#define MECH_SEC_ANONYMOUS	(1u << 1)
#define MECH_SEC_PLAINTEXT	(1u << 2)
#define MECH_SEC_DICTIONARY	(1u << 3)
#define MECH_SEC_ACTIVE		(1u << 4)
#define MECH_SEC_FORWARD_SECRECY (1u << 5)
#define MECH_SEC_MUTUAL_AUTH	(1u << 6)

/* what the mechanism needs from the passdbs */
enum mech_need {
	MECH_NEED_NOTHING,	/* ANONYMOUS */
	MECH_NEED_PLAIN,	/* verify a cleartext password (PLAIN, LOGIN) */
	MECH_NEED_CREDENTIALS,	/* a stored credential (CRAM-MD5, SCRAM-*) */
	MECH_NEED_LOOKUP,	/* only that the user exists (EXTERNAL) */
};

struct mech {
	const char *name;	/* upper case, as on MECH lines */
	unsigned flags;
	enum mech_need need;
	void (*start)(struct auth_request *req, const unsigned char *data, size_t len, int has_data);
	void (*input)(struct auth_request *req, const unsigned char *data, size_t len);
	void (*free)(struct auth_request *req);
};

extern const struct mech mech_plain, mech_login, mech_cram_md5, mech_scram_sha1,
	mech_scram_sha256, mech_anonymous, mech_external;

/* mech_find - by name, case-insensitive; NULL if we have no such mechanism */
const struct mech *mech_find(const char *name);
/* mech_flags_append - " plaintext dictionary ..." words for a MECH line (TAB-separated) */
struct buf;
void mech_flags_append(struct buf *out, unsigned flags);

/* ---- the request core, as the mechanisms see it (request.c) ---- */
typedef void mech_verify_cb(struct auth_request *req, enum db_result result);
typedef void mech_credentials_cb(struct auth_request *req, enum db_result result,
				 const unsigned char *cred, size_t len);

/* the mechanism's state pointer */
void **auth_request_mech_ctx(struct auth_request *req);
/* auth_request_challenge - send CONT with data (base64-encoded by the core) */
void auth_request_challenge(struct auth_request *req, const void *data, size_t len);
/*
 * auth_request_set_username - the authenticating user, normalised
 * (realm, translation, allowed characters, auth_username_format).  -1 with
 * *error_r in Dovecot's words ("Empty username", "Username character
 * disallowed by auth_username_chars: 0x20 (username: x)"); the mechanism
 * then logs it with auth_request_log_info and calls auth_request_fail.
 */
int auth_request_set_username(struct auth_request *req, const char *user, const char **error_r);
/* auth_request_set_login_username - authzid (master user login); -1 + *error_r */
int auth_request_set_login_username(struct auth_request *req, const char *user, const char **error_r);
/* the normalised user name (NULL until set) */
const char *auth_request_user(const struct auth_request *req);
/* auth_request_verify_plain - run the passdb chain on password; cb gets the final result */
void auth_request_verify_plain(struct auth_request *req, const char *password, mech_verify_cb *cb);
/* auth_request_lookup_credentials - stored credential for scheme ("CRAM-MD5", "SCRAM-SHA-1") */
void auth_request_lookup_credentials(struct auth_request *req, const char *scheme,
				     mech_credentials_cb *cb);
/* auth_request_lookup_user - the passdb chain without a password (EXTERNAL) */
void auth_request_lookup_user(struct auth_request *req, mech_verify_cb *cb);
/* auth_request_success - authenticated; data = final server data (SCRAM), may be NULL */
void auth_request_success(struct auth_request *req, const void *data, size_t len);
/* auth_request_fail - authentication failed (after the failure delay) */
void auth_request_fail(struct auth_request *req);
/* auth_request_fail_result - failed with a passdb result (temp_fail etc. in FAIL) */
void auth_request_fail_result(struct auth_request *req, enum db_result result);
/* auth_request_log_info - "<mech>(<user or ?>,<rip>): text" at Info when auth_verbose */
void auth_request_log_info(struct auth_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* auth_request_log_error - same prefix, always, at Error */
void auth_request_log_error(struct auth_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* auth_request_cert_username - EXTERNAL: the certificate's user (NULL: none/not allowed) */
const char *auth_request_cert_username(const struct auth_request *req);
/* auth_request_anonymous - ANONYMOUS: log name = trace, user = auth_anonymous_username */
void auth_request_set_anonymous(struct auth_request *req, const char *trace);
/* auth_request_hostname - the host name for CRAM-MD5 challenges */
const char *auth_request_hostname(void);

#endif
