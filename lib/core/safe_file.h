/*
 * safe_file - file operations that resist symlink and hard-link tricks,
 * durable writes, locks and pid files.
 *
 * Error messages ("open /x: No such file or directory") are returned through
 * error_r and live in static storage until the next call into this module.
 */
#ifndef PC_CORE_SAFE_FILE_H
#define PC_CORE_SAFE_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * safe_open - open path without following a symlink in the last component.
 * With O_CREAT|O_EXCL a new file is made.  An existing file must be a
 * regular file with one hard link, and what was opened must be what lstat()
 * saw (same device and inode), so a race cannot swap the file.  st_r (may be
 * NULL) receives fstat() of the open file.
 */
int safe_open(const char *path, int flags, mode_t mode, struct stat *st_r, const char **error_r);

/*
 * safe_write_atomic - replace path with data: write "<path>.tmp.<pid>",
 * fsync it, rename over path, fsync the directory.  Readers see either the
 * old or the new content, and after return the new content survives a crash.
 */
int safe_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      const char **error_r);

/* fsync_dir - fsync the directory that holds (or is) path */
int fsync_dir(const char *dir, const char **error_r);
/* fsync_parent - fsync the directory containing path */
int fsync_parent(const char *path, const char **error_r);

/* mkdir_p - create dir and missing parents with mode (existing dirs are fine) */
int mkdir_p(const char *dir, mode_t mode, const char **error_r);

/*
 * lock_fd - fcntl() record lock on the whole file: exclusive or shared,
 * waiting or not.  Returns 0, or -1 with errno EAGAIN/EACCES when a
 * non-waiting lock is held elsewhere.  Locks belong to the process and go
 * away when it exits (or closes any descriptor of the file).
 */
int lock_fd(int fd, int exclusive, int wait);

/*
 * pidfile_acquire - open (create) path, take a non-blocking exclusive lock,
 * write our pid as "%10d\n".  Returns the open fd (keep it open for the life
 * of the process), or -1: errno EAGAIN means another live process holds it,
 * and *other_pid_r (may be NULL) gets that process's pid.
 */
int pidfile_acquire(const char *path, pid_t *other_pid_r, const char **error_r);
/* pidfile_read - pid written in path, or -1 */
pid_t pidfile_read(const char *path);
/* pidfile_locked - 1 if a live process holds the lock on path, 0 if not, -1 on error */
int pidfile_locked(const char *path);

#endif
