/*
 * dvlisten - the listeners of a Dovecot-half service: collected from its
 * service { unix_listener / fifo_listener / inet_listener } blocks and
 * opened (bound, mode and owner applied).  Used by the master's dovecot
 * role and by dvdaemon's stand-alone mode, so both create exactly the same
 * sockets.
 *
 * unix/fifo paths are relative to base_dir unless absolute; missing parent
 * directories are created (0755).  mode is octal ("0600"); user/group are
 * applied only when running as root (empty = unchanged).  An inet listener
 * with port 0 is not opened (Dovecot's way to disable one); its address
 * list defaults to the global `listen` setting ("*" = every IPv4 address,
 * "::" = every IPv6 address, separated by commas and/or spaces).  One inet
 * listener may give several descriptors (one per address).
 */
#ifndef PC_DAEMON_DVLISTEN_H
#define PC_DAEMON_DVLISTEN_H

#include "daemon/dvdaemon.h"

struct dconf;
struct dconf_sect;

struct dv_listen_spec {
	enum dv_listener_kind kind;
	char *path;		/* unix/fifo: absolute path; inet: listener name */
	char *addresses;	/* inet: address list */
	int port;		/* inet */
	unsigned mode;		/* unix/fifo */
	char *user, *group;	/* unix/fifo owner ("" = unchanged) */
	int ssl, haproxy, reuse_port;
};

/* dvlisten_collect - the specs of one service section; returns the count (malloc'ed array) */
int dvlisten_collect(const struct dconf *cfg, const struct dconf_sect *svc,
		     struct dv_listen_spec **specs_r, const char **error_r);
void dvlisten_free(struct dv_listen_spec *specs, int n);
/*
 * dvlisten_open - open one spec; appends struct dv_listener entries (fd,
 * kind, path/address/port) to *ls / *nls.  -1 + *error_r.
 */
int dvlisten_open(const struct dv_listen_spec *spec, struct dv_listener **ls, int *nls,
		  const char **error_r);
/* dvlisten_describe - the PC_DV_LISTENERS line for one opened listener (malloc'ed) */
char *dvlisten_describe(const struct dv_listener *l);
/* dvlisten_parse - parse one PC_DV_LISTENERS line into l (fd set to -1); -1 if malformed */
int dvlisten_parse(const char *line, struct dv_listener *l);
/*
 * dvlisten_listeners_free - free the strings of n listeners (descriptors
 * are not closed); free_array also frees ls itself.
 */
void dvlisten_listeners_free(struct dv_listener *ls, int n, int free_array);

#endif
