/*
 * cmd-master - `doveadm stop` and `doveadm reload`: signal the running
 * master (dovecot role) named by base_dir/master.pid, as Dovecot's doveadm
 * does.  stop waits (up to 30 secs) until the master is gone.
 *
 * Same calling convention as cmd-auth.h: the loaded dovecot.conf (for
 * base_dir) and the words after the command name (argv[0] is "stop" or
 * "reload"); returns the exit status: 0; 75 with "Fatal: Dovecot is not
 * running (read from PATH)" on stderr; 64 for extra arguments.
 */
#ifndef PC_DOVEADM_CMD_MASTER_H
#define PC_DOVEADM_CMD_MASTER_H

struct dconf;

int cmd_master_stop(const struct dconf *cfg, int argc, char **argv);
int cmd_master_reload(const struct dconf *cfg, int argc, char **argv);

#endif
