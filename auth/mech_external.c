/*
 * mech_external.c - EXTERNAL (RFC 4422 appendix A): the user comes from the
 * verified client certificate (valid-client-cert + cert_username, used
 * only with auth_ssl_username_from_cert = yes, as Dovecot).  Without one:
 * "username not known".  A non-empty response is an authzid: it must equal
 * the certificate user, otherwise it is a master-user login.  The passdbs
 * are asked whether the user exists (no password).
 */
#include "config.h"

#include <string.h>

#include "mech.h"

static void external_looked_up(struct auth_request *req, enum db_result result)
{
	if (result == DB_OK)
		auth_request_success(req, NULL, 0);
	else
		auth_request_fail_result(req, result);
}

static void external_input(struct auth_request *req, const unsigned char *data, size_t len)
{
	const char *user = auth_request_cert_username(req), *error;

	if (user == NULL) {
		auth_request_log_info(req, "username not known");
		auth_request_fail(req);
		return;
	}
	if (memchr(data, '\0', len) != NULL) {
		auth_request_log_info(req, "invalid input");
		auth_request_fail(req);
		return;
	}
	if (auth_request_set_username(req, user, &error) < 0) {
		auth_request_log_info(req, "%s", error);
		auth_request_fail(req);
		return;
	}
	if (len > 0 && strcmp((const char *)data, user) != 0 &&
	    auth_request_set_login_username(req, (const char *)data, &error) < 0) {
		auth_request_log_info(req, "login user: %s", error);
		auth_request_fail(req);
		return;
	}
	auth_request_lookup_user(req, external_looked_up);
}

static void external_start(struct auth_request *req, const unsigned char *data, size_t len,
			   int has_data)
{
	if (!has_data)
		auth_request_challenge(req, "", 0);
	else
		external_input(req, data, len);
}

static void external_free(struct auth_request *req)
{
}

const struct mech mech_external = {
	"EXTERNAL", 0, MECH_NEED_LOOKUP, external_start, external_input, external_free,
};
