/* safe_file - symlink-safe opens, durable writes, locks, pid files (see safe_file.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"

static char errbuf[1024];

/* sys_error - "<what> <path>: strerror(errno)" */
static const char *sys_error(const char *what, const char *path)
{
	snprintf(errbuf, sizeof(errbuf), "%s %s: %s", what, path, strerror(errno));
	return errbuf;
}

/* bad_file - "<what> <path>: <reason>" without errno */
static const char *bad_file(const char *what, const char *path, const char *reason)
{
	snprintf(errbuf, sizeof(errbuf), "%s %s: %s", what, path, reason);
	return errbuf;
}

int safe_open(const char *path, int flags, mode_t mode, struct stat *st_r, const char **error_r)
{
	struct stat lst, fst;
	int fd, existed;

	existed = lstat(path, &lst) == 0;
	if (existed && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		errno = EEXIST;
		*error_r = sys_error("create", path);
		return -1;
	}
	if (existed && S_ISLNK(lst.st_mode)) {
		*error_r = bad_file("open", path, "refusing to follow a symbolic link");
		return -1;
	}
	fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0) {
		*error_r = sys_error(flags & O_CREAT ? "create" : "open", path);
		return -1;
	}
	if (fstat(fd, &fst) < 0) {
		*error_r = sys_error("fstat", path);
		goto fail;
	}
	if (!S_ISREG(fst.st_mode)) {
		*error_r = bad_file("open", path, "not a regular file");
		goto fail;
	}
	if (fst.st_nlink != 1) {
		*error_r = bad_file("open", path, "file has more than one hard link");
		goto fail;
	}
	if (existed && (fst.st_dev != lst.st_dev || fst.st_ino != lst.st_ino)) {
		*error_r = bad_file("open", path, "file was replaced while being opened");
		goto fail;
	}
	if (st_r != NULL)
		*st_r = fst;
	return fd;
fail:
	close(fd);
	return -1;
}

/* dir_of - malloc()ed directory part of path ("." when none) */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int fsync_dir(const char *dir, const char **error_r)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		*error_r = sys_error("open", dir);
		return -1;
	}
	if (fsync(fd) < 0) {
		*error_r = sys_error("fsync", dir);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int fsync_parent(const char *path, const char **error_r)
{
	char *dir = dir_of(path);
	int ret = fsync_dir(dir, error_r);

	xfree(dir);
	return ret;
}

/* write_all - write everything, retrying on EINTR and short writes */
static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int safe_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      const char **error_r)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd;

	unlink(tmp);
	fd = safe_open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode, NULL, error_r);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0) {
		*error_r = sys_error("write", tmp);
		goto fail_fd;
	}
	if (fsync(fd) < 0) {
		*error_r = sys_error("fsync", tmp);
		goto fail_fd;
	}
	if (close(fd) < 0) {
		fd = -1;
		*error_r = sys_error("close", tmp);
		goto fail_fd;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		*error_r = sys_error("rename to", path);
		goto fail_fd;
	}
	xfree(tmp);
	return fsync_parent(path, error_r);
fail_fd:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
fail:
	xfree(tmp);
	return -1;
}

int mkdir_p(const char *dir, mode_t mode, const char **error_r)
{
	char *copy = xstrdup(dir), *p;
	struct stat st;

	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST) {
			*error_r = sys_error("create directory", copy);
			xfree(copy);
			return -1;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*error_r = bad_file("create directory", dir, "not a directory");
		xfree(copy);
		return -1;
	}
	xfree(copy);
	return 0;
}

int lock_fd(int fd, int exclusive, int wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = exclusive ? F_WRLCK : F_RDLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

pid_t pidfile_read(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	long pid;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? (pid_t)pid : -1;
}

int pidfile_locked(const char *path)
{
	struct flock fl;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return fl.l_type != F_UNLCK;
}

int pidfile_acquire(const char *path, pid_t *other_pid_r, const char **error_r)
{
	char text[32];
	int fd, n;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		*error_r = sys_error("open lock file", path);
		return -1;
	}
	if (lock_fd(fd, 1, 0) < 0) {
		int saved = errno;

		if (other_pid_r != NULL)
			*other_pid_r = pidfile_read(path);
		*error_r = sys_error("lock", path);
		close(fd);
		errno = saved == EACCES ? EAGAIN : saved;
		return -1;
	}
	n = snprintf(text, sizeof(text), "%10ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)n, 0) != n) {
		*error_r = sys_error("write", path);
		close(fd);
		return -1;
	}
	return fd;
}
