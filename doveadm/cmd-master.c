/*
 * cmd-master - `doveadm stop` and `doveadm reload`: signal the running
 * master (dovecot role) named by base_dir/master.pid, as Dovecot's doveadm
 * does; stop waits (up to 30 secs) until the master is gone.
 *
 * Exit status: 0; 75 with "Fatal: Dovecot is not running (read from
 * PATH)" on stderr when no master runs; 64 for extra arguments.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "daemon/dvpid.h"
#include "doveadm.h"

/* signal_master - shared body: signal, report */
static int signal_master(const struct dconf *cfg, int argc, char **argv, int signo, int wait_exit)
{
	const char *error;

	if (argc > 1) {
		fprintf(stderr, "doveadm %s: Unknown argument: %s\n", argv[0], argv[1]);
		return DOVEADM_EX_USAGE;
	}
	if (dvpid_signal(cfg, signo, wait_exit, 30, &error) < 0) {
		fprintf(stderr, "Fatal: %s\n", error);
		return DOVEADM_EX_TEMPFAIL;
	}
	return 0;
}

/* cmd_stop - doveadm stop */
static int cmd_stop(const struct dconf *cfg, int argc, char **argv)
{
	return signal_master(cfg, argc, argv, SIGTERM, 1);
}

/* cmd_reload - doveadm reload */
static int cmd_reload(const struct dconf *cfg, int argc, char **argv)
{
	return signal_master(cfg, argc, argv, SIGHUP, 0);
}

const struct doveadm_cmd doveadm_cmds_master[] = {
	{ "reload", "", 0, cmd_reload },
	{ "stop", "", 0, cmd_stop },
	{ NULL, NULL, 0, NULL },
};
