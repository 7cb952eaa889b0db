/*
 * cmd-master - doveadm stop / reload (see cmd-master.h).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd-master.h"
#include "daemon/dvpid.h"

#define EX_TEMPFAIL_DV	75

/* signal_master - shared body: signal, report */
static int signal_master(const struct dconf *cfg, int argc, char **argv, int signo, int wait_exit)
{
	const char *error;

	if (argc > 1) {
		fprintf(stderr, "doveadm %s: Unknown argument: %s\n", argv[0], argv[1]);
		return 64;
	}
	if (dvpid_signal(cfg, signo, wait_exit, 30, &error) < 0) {
		fprintf(stderr, "Fatal: %s\n", error);
		return EX_TEMPFAIL_DV;
	}
	return 0;
}

int cmd_master_stop(const struct dconf *cfg, int argc, char **argv)
{
	return signal_master(cfg, argc, argv, SIGTERM, 1);
}

int cmd_master_reload(const struct dconf *cfg, int argc, char **argv)
{
	return signal_master(cfg, argc, argv, SIGHUP, 0);
}
