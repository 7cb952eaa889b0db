/*
 * ipc - connecting to local services, triggers (see ipc.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/mem.h"
#include "ipc/ipc.h"

static char errbuf[512];

/* fail - format the static error text from errno */
static int fail(const char **error_r, const char *what, const char *path)
{
	snprintf(errbuf, sizeof(errbuf), "%s %s: %s", what, path, strerror(errno));
	*error_r = errbuf;
	return -1;
}

char *ipc_service_path(const char *queue_dir, const char *class, const char *name)
{
	return xasprintf("%s/%s/%s", queue_dir, class, name);
}

int ipc_connect_unix(const char *path, int timeout_ms, const char **error_r)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	int fd, err = 0;
	socklen_t len = sizeof(err);

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return fail(error_r, "connect to", path);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(error_r, "socket for", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EAGAIN && errno != EINPROGRESS) {
			fail(error_r, "connect to", path);
			close(fd);
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : -1) <= 0) {
			errno = ETIMEDOUT;
			fail(error_r, "connect to", path);
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
			errno = err != 0 ? err : errno;
			fail(error_r, "connect to", path);
			close(fd);
			return -1;
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int ipc_trigger(const char *path, const char *req, size_t len, const char **error_r)
{
	struct stat st;
	int fd;
	ssize_t n;

	if (len > 100)
		len = 100;
	if (stat(path, &st) < 0)
		return fail(error_r, "trigger", path);
	if (S_ISFIFO(st.st_mode)) {
		/* no reader (service not running): ENXIO; the request is simply lost */
		fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return fail(error_r, "open trigger", path);
	} else {
		fd = ipc_connect_unix(path, 1000, error_r);
		if (fd < 0)
			return -1;
	}
	n = write(fd, req, len);
	if (n < 0) {
		fail(error_r, "write trigger", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
