/*
 * cmd-master - `doveadm stop` and `doveadm reload`: signal the running
 * master (dovecot role) named by base_dir/master.pid, as Dovecot's doveadm
 * does.  stop waits until the master is gone.
 *
 * The configuration is dovecot.conf from $DOVECOT_CONFIG (doveadm's main
 * sets it for -c) or the compiled-in path.  Returns the exit status: 0;
 * 75 with "Fatal: Dovecot is not running (read from PATH)" on stderr; 89
 * for a configuration that does not load; 64 for extra arguments.
 */
#ifndef PC_DOVEADM_CMD_MASTER_H
#define PC_DOVEADM_CMD_MASTER_H

/* argv[0] is the command name ("stop", "reload") */
int cmd_master_stop(int argc, char **argv);
int cmd_master_reload(int argc, char **argv);

#endif
