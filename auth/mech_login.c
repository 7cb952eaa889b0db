/*
 * mech_login.c - LOGIN (draft-murchison-sasl-login): challenge
 * "Username:", then "Password:", each answered in base64.  A non-empty
 * initial response is the user name (the first challenge is then
 * "Password:"); an empty one counts as none.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "mech.h"

/* the state lives in the ctx pointer itself */
#define LOGIN_WANT_USER ((void *)0)
#define LOGIN_WANT_PASS ((void *)1)

static void login_verified(struct auth_request *req, enum db_result result)
{
	if (result == DB_OK)
		auth_request_success(req, NULL, 0);
	else
		auth_request_fail_result(req, result);
}

/* login_user - the user name arrived: ask for the password */
static void login_user(struct auth_request *req, const unsigned char *data, size_t len)
{
	const char *error;

	if (memchr(data, '\0', len) != NULL) {
		auth_request_log_info(req, "invalid input");
		auth_request_fail(req);
		return;
	}
	if (auth_request_set_username(req, (const char *)data, &error) < 0) {
		auth_request_log_info(req, "%s", error);
		auth_request_fail(req);
		return;
	}
	*auth_request_mech_ctx(req) = LOGIN_WANT_PASS;
	auth_request_challenge(req, "Password:", 9);
}

static void login_input(struct auth_request *req, const unsigned char *data, size_t len)
{
	if (*auth_request_mech_ctx(req) == LOGIN_WANT_USER) {
		login_user(req, data, len);
		return;
	}
	if (memchr(data, '\0', len) != NULL) {
		auth_request_log_info(req, "invalid input");
		auth_request_fail(req);
		return;
	}
	auth_request_verify_plain(req, (const char *)data, login_verified);
}

static void login_start(struct auth_request *req, const unsigned char *data, size_t len,
			int has_data)
{
	*auth_request_mech_ctx(req) = LOGIN_WANT_USER;
	if (has_data && len > 0)
		login_user(req, data, len);
	else
		auth_request_challenge(req, "Username:", 9);
}

static void login_free(struct auth_request *req)
{
	*auth_request_mech_ctx(req) = NULL;
}

const struct mech mech_login = {
	"LOGIN", MECH_SEC_PLAINTEXT, MECH_NEED_PLAIN, login_start, login_input, login_free,
};
