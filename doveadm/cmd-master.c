/*
 * cmd-master - doveadm stop / reload (see cmd-master.h).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd-master.h"
#include "config/dconf.h"
#include "daemon/dvpid.h"

#define EX_TEMPFAIL_DV	75
#define FATAL_DV	89

/* signal_master - shared body: load the configuration, signal, report */
static int signal_master(int argc, char **argv, int signo, int wait_exit)
{
	struct dconf *cfg;
	const char *error;
	int ret = 0;

	if (argc > 1) {
		fprintf(stderr, "doveadm %s: Unknown argument: %s\n", argv[0], argv[1]);
		return 64;
	}
	if (dconf_load(&cfg, NULL, 0, &error) < 0) {
		fprintf(stderr, "doveconf: Fatal: %s\n", error);
		return FATAL_DV;
	}
	if (dvpid_signal(cfg, signo, wait_exit, 30, &error) < 0) {
		fprintf(stderr, "Fatal: %s\n", error);
		ret = EX_TEMPFAIL_DV;
	}
	dconf_free(&cfg);
	return ret;
}

int cmd_master_stop(int argc, char **argv)
{
	return signal_master(argc, argv, SIGTERM, 1);
}

int cmd_master_reload(int argc, char **argv)
{
	return signal_master(argc, argv, SIGHUP, 0);
}
