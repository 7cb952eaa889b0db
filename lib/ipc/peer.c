/*
 * peer - client credentials of local connections (see peer.h).
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/mem.h"
#include "ipc/peer.h"

struct peer_entry {
	uid_t uid;
	size_t seq;	/* passwd order: the first name of a uid wins */
	char *name;
};

static struct peer_entry *names;
static size_t nnames;

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

static int cmp_uid(const void *a, const void *b)
{
	const struct peer_entry *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void peer_names_load(void)
{
	struct passwd *pw;
	size_t cap = 0;

	setpwent();
	while (nnames < PEER_NAMES_MAX && (pw = getpwent()) != NULL) {
		if (nnames == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[nnames].uid = pw->pw_uid;
		names[nnames].seq = nnames;
		names[nnames].name = xstrdup(pw->pw_name);
		nnames++;
	}
	endpwent();
	qsort(names, nnames, sizeof(*names), cmp_uid);
}

const char *peer_name(uid_t uid)
{
	size_t lo = 0, hi = nnames;
	struct passwd *pw;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (names[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nnames && names[lo].uid == uid)
		return names[lo].name;
	pw = getpwuid(uid);
	return pw != NULL ? pw->pw_name : NULL;
}
