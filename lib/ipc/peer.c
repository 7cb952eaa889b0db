/*
 * peer - client credentials of local connections (see peer.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ipc/attr.h"
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


int peer_greet(struct stream *s, const char *proto, int version, int allowed, uid_t uid,
	       const char *name)
{
	struct attr_list l;
	char num[32];
	int ret;

	attr_list_init(&l);
	attr_add(&l, "status", allowed ? "0" : "denied");
	if (!allowed) {
		snprintf(num, sizeof(num), "%lu", (unsigned long)uid);
		attr_add(&l, "user", name);
		attr_add(&l, "uid", num);
	}
	ret = attr_send_proto(s, proto, version, &l);
	attr_list_deinit(&l);
	return ret;
}
