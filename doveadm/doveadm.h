/*
 * doveadm - the command table of postcote's doveadm (Dovecot 2.3's admin
 * tool).  main.c parses the global options, finds the command and runs it.
 *
 * Each doveadm/cmd-NAME.c exports one array of struct doveadm_cmd ended by
 * an entry with name NULL, declared below, and main.c lists that array once
 * in its table (one line per file).  A command name is one or more words
 * separated by single spaces ("pw", "stop", "auth test"); a multi-word
 * command is found by its words, and the usage listing groups it under its
 * first word as Dovecot does ("auth  lookup|test").
 *
 * run() gets the words after the command name with argv[0] set to the
 * command's last word (so getopt's messages read "pw: invalid option"), and
 * the loaded dovecot.conf (NULL for DOVEADM_CMD_NO_CONFIG commands, which
 * run even when the configuration is missing or broken; the real doveadm
 * has none: even `pw` fails without a readable dovecot.conf).  It returns the exit status: 0 ok, 64 (EX_USAGE) bad usage, 75
 * (EX_TEMPFAIL) for Dovecot's "Fatal:" failures, or the command's own.
 * Commands print their own messages (stdout results, stderr errors).
 */
#ifndef PC_DOVEADM_DOVEADM_H
#define PC_DOVEADM_DOVEADM_H

struct dconf;

#define DOVEADM_EX_USAGE 64	/* EX_USAGE */
#define DOVEADM_EX_TEMPFAIL 75	/* EX_TEMPFAIL: every i_fatal() of real doveadm */
#define DOVEADM_EX_CONFIG 89	/* FATAL_DEFAULT: bad global options */

#define DOVEADM_CMD_NO_CONFIG (1u << 0)	/* runs without dovecot.conf */

struct doveadm_cmd {
	const char *name;	/* "pw", "auth test"; NULL ends an array */
	const char *usage;	/* the synopsis in the usage listing, "" for none */
	unsigned flags;		/* DOVEADM_CMD_* */
	int (*run)(const struct dconf *cfg, int argc, char **argv);
};

/* doveadm_cmds_pw - cmd-pw.c: `doveadm pw` */
extern const struct doveadm_cmd doveadm_cmds_pw[];
/* doveadm_cmds_auth - cmd-auth.c: `doveadm auth test`, `auth lookup`, `user` */
extern const struct doveadm_cmd doveadm_cmds_auth[];
/* doveadm_cmds_master - cmd-master.c: `doveadm stop`, `doveadm reload` */
extern const struct doveadm_cmd doveadm_cmds_master[];

#endif
