/*
 * dvpid - base_dir/master.pid of the master's dovecot role, as Dovecot
 * keeps it: the decimal pid and a newline, mode 0600, removed when the
 * master exits.  Used by the master (write, already-running check) and by
 * `dovecot stop|reload` and `doveadm stop|reload` (signal the master).
 *
 * A master counts as running when the file names a live process
 * (kill(pid, 0) succeeds or fails with EPERM).  Error texts are Dovecot's,
 * e.g. "Dovecot is not running (read from /run/dovecot/master.pid)";
 * they live in static storage until the next call.
 */
#ifndef PC_DAEMON_DVPID_H
#define PC_DAEMON_DVPID_H

#include <sys/types.h>

struct dconf;

/* dvpid_path - "<base_dir>/master.pid" (malloc'ed) */
char *dvpid_path(const struct dconf *cfg);
/* dvpid_running - the pid of the live master named in path, 0 if none */
pid_t dvpid_running(const char *path);
/* dvpid_write - write our pid (atomically, 0600) */
int dvpid_write(const char *path, const char **error_r);
/*
 * dvpid_signal - send signo to the running master.  wait_exit: then wait
 * (up to wait_secs) until the process is gone.  -1 + *error_r when no
 * master runs or it did not exit in time.
 */
int dvpid_signal(const struct dconf *cfg, int signo, int wait_exit, int wait_secs,
		 const char **error_r);

#endif
