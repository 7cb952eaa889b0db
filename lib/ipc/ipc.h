/*
 * ipc - connecting to local services and poking trigger endpoints.
 *
 * ipc_connect_unix() connects to a UNIX stream socket (a service under
 * $queue_directory/private or public), waiting at most timeout_ms for the
 * connection.  ipc_trigger() writes a short wakeup request to a fifo or a
 * UNIX socket (as Postfix's qmgr/pickup triggers) without blocking: a
 * service that is not running is not an error the caller must handle
 * (the request is lost, the service's own timer covers it).
 *
 * Errors: -1 with *error_r (static until the next call).
 */
#ifndef PC_IPC_IPC_H
#define PC_IPC_IPC_H

#include <stddef.h>

/* ipc_connect_unix - connected blocking socket (close-on-exec), or -1 */
int ipc_connect_unix(const char *path, int timeout_ms, const char **error_r);
/* ipc_service_path - "<queue_directory>/<private|public>/<name>" (malloc'ed) */
char *ipc_service_path(const char *queue_dir, const char *class, const char *name);
/* ipc_trigger - write req (at most 100 bytes) to a fifo or unix socket; 0 or -1 */
int ipc_trigger(const char *path, const char *req, size_t len, const char **error_r);

#endif
