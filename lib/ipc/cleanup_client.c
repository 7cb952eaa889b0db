/*
 * cleanup_client - the client side of the cleanup protocol (see
 * cleanup_client.h and docs/internal-protocols.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/stream.h"
#include "ipc/cleanup_client.h"
#include "ipc/ipc.h"

struct cleanup_client {
	struct stream *s;
	struct buf out;		/* content not yet sent as a chunk */
	char queue_id[32];
};

static char errbuf[512];

/* io_fail - the conversation broke */
static int io_fail(const char **error_r, const char *what)
{
	snprintf(errbuf, sizeof(errbuf), "cleanup service: %s", what);
	*error_r = errbuf;
	return -1;
}

int cleanup_open(const char *queue_dir, int timeout_ms, struct cleanup_client **cc_r,
		 const char **error_r)
{
	struct cleanup_client *cc;
	struct attr_list greet;
	char *path = ipc_service_path(queue_dir, "public", "cleanup");
	const char *id;
	int fd = ipc_connect_unix(path, timeout_ms, error_r);

	xfree(path);
	if (fd < 0)
		return -1;
	cc = xcalloc(1, sizeof(*cc));
	cc->s = stream_create(fd, STREAM_OWN_FD);
	stream_set_timeout(cc->s, timeout_ms);
	buf_init(&cc->out, 0);
	attr_list_init(&greet);
	if (attr_expect_proto(cc->s, &greet, CLEANUP_PROTO, CLEANUP_VERSION, error_r) < 0) {
		attr_list_deinit(&greet);
		cleanup_close(&cc);
		return -1;
	}
	id = attr_get(&greet, "queue_id");
	if (id == NULL || strlen(id) >= sizeof(cc->queue_id)) {
		attr_list_deinit(&greet);
		cleanup_close(&cc);
		return io_fail(error_r, "no queue_id in greeting");
	}
	memcpy(cc->queue_id, id, strlen(id) + 1);
	attr_list_deinit(&greet);
	*cc_r = cc;
	return 0;
}

const char *cleanup_queue_id(const struct cleanup_client *cc)
{
	return cc->queue_id;
}

int cleanup_send_envelope(struct cleanup_client *cc, const struct attr_list *env,
			  const char **error_r)
{
	if (attr_write_list(cc->s, env) < 0 || attr_end(cc->s) < 0)
		return io_fail(error_r, "write error (envelope)");
	return 0;
}

int cleanup_write(struct cleanup_client *cc, const void *data, size_t len, const char **error_r)
{
	buf_append(&cc->out, data, len);
	if (cc->out.len >= ATTR_CHUNK_MAX) {
		if (attr_write_chunk(cc->s, cc->out.data, cc->out.len) < 0)
			return io_fail(error_r, "write error (content)");
		buf_reset(&cc->out);
	}
	return 0;
}

/* copy_field - bounded copy of an attribute into a result field */
static void copy_field(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

int cleanup_finish(struct cleanup_client *cc, struct cleanup_result *r, const char **error_r)
{
	struct attr_list reply;
	const char *status;
	int ret;

	if ((cc->out.len > 0 && attr_write_chunk(cc->s, cc->out.data, cc->out.len) < 0)
	    || attr_write_chunk(cc->s, "", 0) < 0 || stream_flush(cc->s) < 0)
		return io_fail(error_r, "write error (end of content)");
	buf_reset(&cc->out);
	attr_list_init(&reply);
	ret = attr_read(cc->s, &reply, error_r);
	if (ret <= 0) {
		attr_list_deinit(&reply);
		return ret == 0 ? io_fail(error_r, "no reply after the content") : -1;
	}
	status = attr_get(&reply, "status");
	if (status == NULL || (strcmp(status, "0") != 0 && strcmp(status, "4") != 0
			       && strcmp(status, "5") != 0)) {
		attr_list_deinit(&reply);
		return io_fail(error_r, "malformed reply");
	}
	r->status = status[0] - '0';
	copy_field(r->code, sizeof(r->code), attr_get(&reply, "code"));
	copy_field(r->dsn, sizeof(r->dsn), attr_get(&reply, "dsn"));
	copy_field(r->reason, sizeof(r->reason), attr_get(&reply, "reason"));
	if (r->code[0] == '\0')
		copy_field(r->code, sizeof(r->code), r->status == 0 ? "250" : r->status == 4 ? "451" : "550");
	if (r->dsn[0] == '\0')
		copy_field(r->dsn, sizeof(r->dsn), r->status == 0 ? "2.0.0" : r->status == 4 ? "4.3.0" : "5.7.1");
	attr_list_deinit(&reply);
	return 0;
}

void cleanup_close(struct cleanup_client **ccp)
{
	struct cleanup_client *cc = *ccp;

	if (cc == NULL)
		return;
	stream_destroy(&cc->s);
	buf_deinit(&cc->out);
	xfree(cc);
	*ccp = NULL;
}
