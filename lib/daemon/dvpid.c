/*
 * dvpid - the dovecot role's master.pid (see dvpid.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/dconf.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "daemon/dvpid.h"

static char errbuf[1024];

char *dvpid_path(const struct dconf *cfg)
{
	const char *base = dconf_get(cfg, "base_dir");

	return xasprintf("%s/master.pid", base != NULL && *base != '\0' ? base : "/run/dovecot");
}

/* read_pid - the number in path, 0 if missing or malformed */
static pid_t read_pid(const char *path)
{
	char buf[32];
	ssize_t n;
	long pid;
	char *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') || pid <= 1)
		return 0;
	return (pid_t)pid;
}

/* alive - the process exists (a zombie counts as gone) */
static int alive(pid_t pid)
{
	char path[64], state = '?';
	FILE *f;

	if (kill(pid, 0) < 0 && errno != EPERM)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = '?';
		fclose(f);
	}
	return state != 'Z';
}

pid_t dvpid_running(const char *path)
{
	pid_t pid = read_pid(path);

	return pid > 0 && pid != getpid() && alive(pid) ? pid : 0;
}

int dvpid_write(const char *path, const char **error_r)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	return safe_write_atomic(path, buf, (size_t)n, 0600, error_r);
}

int dvpid_signal(const struct dconf *cfg, int signo, int wait_exit, int wait_secs,
		 const char **error_r)
{
	char *path = dvpid_path(cfg);
	pid_t pid = dvpid_running(path);
	int i;

	if (pid == 0 || kill(pid, signo) < 0) {
		snprintf(errbuf, sizeof(errbuf), "Dovecot is not running (read from %s)", path);
		xfree(path);
		*error_r = errbuf;
		return -1;
	}
	for (i = 0; wait_exit && i < wait_secs * 20 && alive(pid); i++)
		usleep(50000);
	if (wait_exit && alive(pid)) {
		snprintf(errbuf, sizeof(errbuf), "Dovecot (PID %ld) did not exit in %d secs (read from %s)",
			 (long)pid, wait_secs, path);
		xfree(path);
		*error_r = errbuf;
		return -1;
	}
	xfree(path);
	return 0;
}
