/*
 * cmd-auth - doveadm's auth commands, as Dovecot 2.3 prints them:
 *   doveadm auth test [-a socket] [-x key=value] [-M master] user [password]
 *   doveadm auth lookup [-a socket] [-x key=value] [-f field] user...
 *   doveadm user [-a socket] [-x key=value] [-f field] [-u] user|mask...
 * They talk to a running auth service (auth-client for `auth test`,
 * auth-userdb for the lookups, both under base_dir unless -a names a
 * socket).  Exit statuses: 0 ok, 64 usage, 67 user unknown (EX_NOUSER),
 * 75 temporary failure (EX_TEMPFAIL), 77 authentication failed
 * (EX_NOPERM).  Output formats: tests/data/auth/doveadm-real.txt.
 *
 * Each command gets its words after the command name (argv[0] is the
 * last command word, "test", "lookup" or "user", getopt-style) and the
 * loaded dovecot.conf (for base_dir); it returns the exit status.
 */
#ifndef PC_DOVEADM_CMD_AUTH_H
#define PC_DOVEADM_CMD_AUTH_H

struct dconf;

int cmd_auth_test(const struct dconf *cfg, int argc, char **argv);
int cmd_auth_lookup(const struct dconf *cfg, int argc, char **argv);
int cmd_user(const struct dconf *cfg, int argc, char **argv);

#endif
