/*
 * anvil_client - requests to the anvil service (see anvil_client.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/stream.h"
#include "ipc/anvil_client.h"
#include "ipc/attr.h"
#include "ipc/ipc.h"

#define ANVIL_TIMEOUT_MS	2000

struct anvil_client {
	struct stream *s;
	struct attr_list reply;
};

struct anvil_client *anvil_open(const char *queue_dir, const char **error_r)
{
	char *path = ipc_service_path(queue_dir, "private", "anvil");
	struct anvil_client *ac;
	int fd = ipc_connect_unix(path, ANVIL_TIMEOUT_MS, error_r);

	xfree(path);
	if (fd < 0)
		return NULL;
	ac = xcalloc(1, sizeof(*ac));
	ac->s = stream_create(fd, STREAM_OWN_FD);
	stream_set_timeout(ac->s, ANVIL_TIMEOUT_MS);
	attr_list_init(&ac->reply);
	if (attr_expect_proto(ac->s, &ac->reply, ANVIL_PROTO, ANVIL_VERSION, error_r) < 0) {
		anvil_close(&ac);
		return NULL;
	}
	return ac;
}

/* get_int - numeric attribute, 0 when absent */
static int get_int(const struct attr_list *l, const char *name)
{
	const char *v = attr_get(l, name);

	return v != NULL ? atoi(v) : 0;
}

int anvil_request(struct anvil_client *ac, const char *request, const char *ident,
		  struct anvil_reply *reply, const char **error_r)
{
	const char *status;
	int r;

	if (attr_write(ac->s, "request", request) < 0 || attr_write(ac->s, "ident", ident) < 0
	    || attr_end(ac->s) < 0) {
		*error_r = "anvil: write error";
		return -1;
	}
	r = attr_read(ac->s, &ac->reply, error_r);
	if (r <= 0) {
		if (r == 0)
			*error_r = "anvil: connection closed";
		return -1;
	}
	status = attr_get(&ac->reply, "status");
	if (status == NULL || strcmp(status, "0") != 0) {
		*error_r = "anvil: request failed";
		return -1;
	}
	memset(reply, 0, sizeof(*reply));
	reply->count = get_int(&ac->reply, "count");
	reply->rate = get_int(&ac->reply, "rate");
	reply->connect_rate = get_int(&ac->reply, "connect_rate");
	reply->message_rate = get_int(&ac->reply, "message_rate");
	reply->recipient_rate = get_int(&ac->reply, "recipient_rate");
	reply->auth_rate = get_int(&ac->reply, "auth_rate");
	return 0;
}

void anvil_close(struct anvil_client **acp)
{
	struct anvil_client *ac = *acp;

	if (ac == NULL)
		return;
	stream_destroy(&ac->s);
	attr_list_deinit(&ac->reply);
	xfree(ac);
	*acp = NULL;
}
