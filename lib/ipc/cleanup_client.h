/*
 * cleanup_client - hand a message to the cleanup service (smtpd, pickup,
 * local forwarding, qmgr's notifications).  Protocol: docs/internal-protocols.md.
 *
 *     cleanup_open(queue_dir, timeout, &cc, &err);   connect; the queue ID is known now
 *     id = cleanup_queue_id(cc);                      (smtpd logs "ID: client=...")
 *     cleanup_send_envelope(cc, &env, &err);          origin, sender, rcpt..., attributes
 *     cleanup_write(cc, data, len, &err) ...          the message, LF line endings
 *     cleanup_finish(cc, &result, &err);              end of data; cleanup commits (fsync)
 *     cleanup_close(&cc);
 *
 * Closing before cleanup_finish() abandons the message: cleanup removes its
 * temporary file and nothing is queued.  Only a result with status 0 means
 * the message is durably in the queue.
 *
 * Errors: -1 with *error_r (static until the next call) when the service
 * cannot be reached or the conversation breaks; the caller treats that as
 * a temporary failure (451 4.3.0 for smtpd).
 */
#ifndef PC_IPC_CLEANUP_CLIENT_H
#define PC_IPC_CLEANUP_CLIENT_H

#include <stddef.h>

#include "ipc/attr.h"

struct cleanup_client;

#define CLEANUP_PROTO	"cleanup"
#define CLEANUP_VERSION	1

struct cleanup_result {
	int status;		/* 0 queued (or discarded), 4 temporary, 5 permanent */
	char code[4];		/* SMTP reply code for a failure ("550"), "250" when queued */
	char dsn[16];		/* enhanced status code ("5.7.1") */
	char reason[1024];	/* text for the SMTP reply, without code and DSN */
};

int cleanup_open(const char *queue_dir, int timeout_ms, struct cleanup_client **cc_r,
		 const char **error_r);
const char *cleanup_queue_id(const struct cleanup_client *cc);
int cleanup_send_envelope(struct cleanup_client *cc, const struct attr_list *env,
			  const char **error_r);
/* cleanup_write - content bytes, buffered into chunks */
int cleanup_write(struct cleanup_client *cc, const void *data, size_t len, const char **error_r);
int cleanup_finish(struct cleanup_client *cc, struct cleanup_result *result, const char **error_r);
void cleanup_close(struct cleanup_client **ccp);

#endif
