/*
 * master.h - internal interfaces of the master process (not for other
 * programs).  main.c: start-up, pid lock, signals, reload; service.c:
 * listeners, process creation, status, throttling, wakeups; dvrole.c: the
 * dovecot role (dovecot.conf services on the same process machinery).
 */
#ifndef PC_MASTER_MASTER_H
#define PC_MASTER_MASTER_H

#include <sys/types.h>

#include "config/mastercf.h"

struct event_loop;
struct dconf;
struct event_timer;
struct pfconf;

struct master_child;

struct master_service {
	struct master_service *next;
	char *key;		/* "service/type" */
	char *name;		/* master.cf column 1 */
	char *endpoint;		/* "25", "private/cleanup" (for log lines) */
	char *path;		/* $daemon_directory/command */
	enum mastercf_type type;
	char *signature;	/* everything that defines the service; reload compares it */
	struct argv argv;	/* exec arguments (path first) */
	int *listen_fds;
	int nlisten;
	int listening;		/* listeners registered with the loop */
	int maxproc;		/* 0 = unlimited */
	int wakeup;		/* seconds, 0 = none */
	int wakeup_on_use;
	int private_svc;	/* socket under private/ (else public/) */
	int used;		/* a process has been started at least once */
	unsigned gen;		/* generation (renewed on reload) */
	int status_fd[2];	/* children write [1], master reads [0] */
	int watch_fd[2];	/* children read [0], master holds [1] */
	int total;		/* live processes of this generation */
	int avail;		/* of which idle */
	int throttled;
	int throttle_level;	/* consecutive throttles: the delay doubles, up to 8x */
	int limit_warned;
	struct event_timer *throttle_timer;
	struct event_timer *wakeup_timer;
	/* dovecot role (dvrole.c); zero/empty for the MTA role */
	int min_avail;			/* process_min_avail */
	unsigned long long idle_kill_ms; /* idle_kill: SIGINT to idle surplus processes, 0 = never */
	void *idle_ctx;			/* its periodic check */
	unsigned long long vsz_limit;	/* RLIMIT_AS for the children, 0 = none */
	struct argv env;		/* extra environment (PC_DV_SERVICE, PC_DV_LISTENERS) */
};

#define MASTER_ROLE_POSTFIX	0
#define MASTER_ROLE_DOVECOT	1

struct master {
	int role;			/* MASTER_ROLE_* */
	struct dconf *dcfg;		/* dovecot role: dovecot.conf */
	struct pfconf *cfg;
	struct mastercf *mcf;
	char *config_dir;
	struct event_loop *loop;
	struct master_service *services;
	struct master_child *children;
	unsigned next_gen;
	int foreground;
	int stopping;			/* shutting down: children's deaths are expected */
	long long throttle_time;	/* service_throttle_time, seconds */
	struct argv env;		/* environment for children */
	struct argv reported;		/* services already reported as not available */
};

/* service.c */
int master_services_create(struct master *m, struct master_service **list_r, const char **error_r);
int master_service_open(struct master *m, struct master_service *s, const char **error_r);
void master_service_free(struct master_service **sp);
void master_service_start(struct master *m, struct master_service *s);
void master_service_retire(struct master *m, struct master_service *s);
void master_service_renew(struct master *m, struct master_service *old, struct master_service *s);
void master_reap(struct master *m);
void master_kill_children(struct master *m, int signo);
int master_children_count(const struct master *m);
void master_build_env(struct master *m);

/* main.c */
void master_become_daemon(int wait_for_child);
void master_announce_ready(void);
void master_detach_stdio(void);
void master_shutdown_services(struct master *m);

/* dvrole.c: the dovecot role (program name "dovecot") */
int dvrole_main(int argc, char **argv);
void dvrole_log_exit(const char *service, pid_t pid, int status);
void dvrole_log_throttle(const struct master_service *s, unsigned secs);
void dvrole_log_limit(const struct master_service *s);

#endif
