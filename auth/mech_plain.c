/*
 * mech_plain.c - PLAIN (RFC 4616): authzid NUL authcid NUL password, with
 * exactly two NULs.  An empty authzid, or one equal to authcid, is an
 * ordinary login; another authzid is a master-user login (the core decides
 * whether a master passdb allows it).  Without an initial response the
 * challenge is empty.  Log words as Dovecot: "invalid input".
 */
#include "config.h"

#include <string.h>

#include "mech.h"

/* plain_verified - the passdb chain's answer */
static void plain_verified(struct auth_request *req, enum db_result result)
{
	if (result == DB_OK)
		auth_request_success(req, NULL, 0);
	else
		auth_request_fail_result(req, result);
}

/* plain_input - the response: check the shape, set the names, verify */
static void plain_input(struct auth_request *req, const unsigned char *data, size_t len)
{
	const char *authzid, *authcid, *pass, *error;
	const unsigned char *nul1, *nul2;

	nul1 = memchr(data, '\0', len);
	nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - data)) : NULL;
	if (nul2 == NULL || memchr(nul2 + 1, '\0', len - (size_t)(nul2 + 1 - data)) != NULL) {
		auth_request_log_info(req, "invalid input");
		auth_request_fail(req);
		return;
	}
	authzid = (const char *)data;
	authcid = (const char *)nul1 + 1;
	/* the password is not NUL-terminated in data: data is the core's buffer, which is */
	pass = (const char *)nul2 + 1;
	if (auth_request_set_username(req, authcid, &error) < 0) {
		auth_request_log_info(req, "%s", error);
		auth_request_fail(req);
		return;
	}
	if (*authzid != '\0' && strcmp(authzid, authcid) != 0 &&
	    auth_request_set_login_username(req, authzid, &error) < 0) {
		auth_request_log_info(req, "login user: %s", error);
		auth_request_fail(req);
		return;
	}
	auth_request_verify_plain(req, pass, plain_verified);
}

/* plain_start - initial response, or an empty challenge */
static void plain_start(struct auth_request *req, const unsigned char *data, size_t len,
			int has_data)
{
	if (!has_data)
		auth_request_challenge(req, "", 0);
	else
		plain_input(req, data, len);
}

static void plain_free(struct auth_request *req)
{
}

const struct mech mech_plain = {
	"PLAIN", MECH_SEC_PLAINTEXT, MECH_NEED_PLAIN, plain_start, plain_input, plain_free,
};
