/*
 * mech_anonymous.c - ANONYMOUS (RFC 4505): the response is a trace string
 * (logged, "anonymous(<trace>): login"); the user becomes
 * auth_anonymous_username and OK carries "anonymous".  No passdb is asked.
 * Offered only when auth_mechanisms names it.
 */
#include "config.h"

#include <string.h>

#include "mech.h"

static void anon_input(struct auth_request *req, const unsigned char *data, size_t len)
{
	if (memchr(data, '\0', len) != NULL) {
		auth_request_log_info(req, "invalid input");
		auth_request_fail(req);
		return;
	}
	auth_request_set_anonymous(req, (const char *)data);
	auth_request_log_info(req, "login");
	auth_request_success(req, NULL, 0);
}

static void anon_start(struct auth_request *req, const unsigned char *data, size_t len,
		       int has_data)
{
	if (!has_data)
		auth_request_challenge(req, "", 0);
	else
		anon_input(req, data, len);
}

static void anon_free(struct auth_request *req)
{
}

const struct mech mech_anonymous = {
	"ANONYMOUS", MECH_SEC_ANONYMOUS, MECH_NEED_NOTHING, anon_start, anon_input, anon_free,
};
