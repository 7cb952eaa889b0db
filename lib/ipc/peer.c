/*
 * peer - client credentials of local connections (see peer.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ipc/peer.h"

int peer_uid(int fd, uid_t *uid_r, const char **error_r)
{
	static char errbuf[256];
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
		snprintf(errbuf, sizeof(errbuf), "getsockopt SO_PEERCRED: %s", strerror(errno));
		*error_r = errbuf;
		return -1;
	}
	*uid_r = cred.uid;
	return 0;
}

