/*
 * master_proto - the contract between the master process and the daemons
 * it starts (MTA role now; the Dovecot role reuses it later).
 *
 * Start-up.  master fork()s and execv()s
 *     $daemon_directory/<command> -n <service> -t <type> [-u] [-c] [-s N] <master.cf args...>
 * with MAIL_CONFIG=<config dir> in the environment (plus import_environment).
 *     -n  service name as written in master.cf column 1 ("smtp", "127.0.0.1:2525")
 *     -t  transport type: inet, unix, unix-dgram, fifo, pass
 *     -u  the service runs unprivileged (master.cf unpriv = y): drop to mail_owner
 *     -c  chroot into $queue_directory (master.cf chroot = y)
 *     -s  number of listening descriptors (default 1)
 * master.cf args follow: -o name=value, -v, -D, and service-specific ones.
 *
 * Descriptors (all others are closed; 0-2 are /dev/null unless master runs
 * in the foreground with -d/-v, when 2 is inherited):
 *     MASTER_STATUS_FD  (3)  write end of the status pipe shared by every
 *                            child of one service generation
 *     MASTER_WATCH_FD   (4)  read end of a pipe master never writes: EOF on it
 *                            means "stop accepting, finish, exit" (master
 *                            closed it on reload, stop, or master death)
 *     MASTER_LISTEN_FD  (5)  first listening descriptor; -s N gives 5..5+N-1.
 *                            Sockets are non-blocking; fifos are opened O_RDWR.
 *
 * Status.  A child writes struct master_status records (fixed size, atomic
 * for pipes) to MASTER_STATUS_FD:
 *     MASTER_STAT_AVAIL  after start-up and after each finished client:
 *                        "I am idle and will accept"
 *     MASTER_STAT_TAKEN  when it accepts a connection (single-client
 *                        servers) or reaches its client limit
 *     MASTER_STAT_USED   (dvdaemon) when its client count goes from 0 to 1
 *                        and it still has room: it has served, so a later
 *                        death is not a start-up failure, and it is busy
 *     MASTER_STAT_IDLE   (dvdaemon) when its client count drops to 0
 * Idle kill (dovecot role, idle_kill): a process idle that long while more
 * than process_min_avail processes are available gets SIGINT; dvdaemon
 * exits on it only when it has no client (a race with a new one is safe).
 * master counts idle children per service; when a listener becomes readable
 * and no child is idle, it forks another one, up to maxproc.  A child that
 * exits is removed from the counts; exit status != 0 or death by signal is
 * logged as Postfix does and counts towards the throttle.
 *
 * Exit.  A child exits by itself after max_use clients, after max_idle
 * seconds without clients (not for services with a wakeup timer, nor
 * for maxproc 1 triggers like qmgr/pickup), or on EOF on MASTER_WATCH_FD.
 * On "postfix stop" master sends SIGTERM to every child; on "postfix abort"
 * SIGKILL.
 *
 * Wakeup.  For services with a wakeup time (master.cf column 6), master
 * connects to (unix), writes to (fifo) or sends to (unix-dgram) the
 * service's own endpoint every <wakeup> seconds and writes the single byte
 * MASTER_TRIGGER_WAKEUP ('W').  Trigger servers read requests of at most
 * MASTER_TRIGGER_MAX bytes.
 */
#ifndef PC_DAEMON_MASTER_PROTO_H
#define PC_DAEMON_MASTER_PROTO_H

#include <sys/types.h>

#define MASTER_STATUS_FD	3
#define MASTER_WATCH_FD		4
#define MASTER_LISTEN_FD	5

#define MASTER_STAT_TAKEN	0
#define MASTER_STAT_AVAIL	1
#define MASTER_STAT_USED	2	/* dvdaemon: has clients (again), room for more */
#define MASTER_STAT_IDLE	3	/* dvdaemon: has no client any more */

#define MASTER_TRIGGER_WAKEUP	'W'
#define MASTER_TRIGGER_MAX	1024

struct master_status {
	pid_t pid;	/* the reporting child */
	unsigned gen;	/* generation number from $MASTER_GEN (services are renewed on reload) */
	int avail;	/* MASTER_STAT_AVAIL or MASTER_STAT_TAKEN */
};

/* environment variable carrying the service generation to the child */
#define MASTER_GEN_ENV	"MASTER_GEN"

#endif
