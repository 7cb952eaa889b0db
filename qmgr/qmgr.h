/*
 * qmgr.h - the queue manager's shared state: messages in the active
 * queue, their recipients, delivery jobs and the transports/destinations
 * that limit concurrency.  Internal to qmgr/.
 *
 * Ownership: struct qmgr (one per process) owns the message list and the
 * transport table; a message owns its recipients; a job belongs to one
 * message and one transport and lives until its delivery conversation ends.
 * Everything runs on the daemon's event loop (single-threaded).
 */
#ifndef PC_QMGR_QMGR_H
#define PC_QMGR_QMGR_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

struct daemon;
struct event_loop;
struct event_timer;
struct hash;
struct pfconf;
struct resolver;
struct attr_list;

/* DSN NOTIFY flags (RFC 3461); 0 = not given (Postfix default: DELAY,FAILURE) */
#define NOTIFY_NEVER	(1u << 0)
#define NOTIFY_SUCCESS	(1u << 1)
#define NOTIFY_FAILURE	(1u << 2)
#define NOTIFY_DELAY	(1u << 3)

/* recipient states */
enum rcpt_state {
	RCPT_TODO,		/* not yet tried in this pass */
	RCPT_BUSY,		/* in a delivery job */
	RCPT_SENT,		/* delivered, marked done */
	RCPT_BOUNCED,		/* failed permanently, in the bounce log, marked done */
	RCPT_DEFERRED,		/* temporary failure in this pass */
	RCPT_DONE_BEFORE,	/* a D record: finished in an earlier pass */
};

struct rcpt {
	char *addr;		/* internal form */
	char *orcpt;		/* DSN ORCPT ("rfc822;addr") or NULL */
	char *orig;		/* address before rewriting (A orig_rcpt=) or NULL */
	unsigned notify;	/* NOTIFY_* */
	off_t offset;		/* of its R record in the queue file */
	enum rcpt_state state;
	char dsn[16];		/* last status */
	char *reason;		/* last reason text */
};

struct message {
	char id[32];
	char *sender;		/* "" = null sender */
	double arrival;		/* T record */
	double active;		/* when it entered active/ */
	long long size;		/* content size (C record or counted) */
	long long nrcpt_total;	/* recipients in the file (C record or counted) */
	char *dsn_envid, *dsn_ret, *body_type;
	int smtputf8;
	struct rcpt *rcpts;
	size_t nrcpts, rcpts_alloc;
	int jobs;		/* delivery jobs not finished */
	long warned;		/* delay warning sent at (from the defer log); 0 = not yet */
	int from_deferred;	/* was in deferred/ (an earlier attempt exists) */
	struct message *next, *prev;
};

struct transport {
	char *name;
	int active;		/* running jobs */
	int proc_limit;		/* default_process_limit */
	int dest_limit;		/* <transport>_destination_concurrency_limit */
	int rcpt_limit;		/* <transport>_destination_recipient_limit */
	long dead_until;	/* socket unusable until (time(NULL)) */
	long busy_until_ms;	/* agent backlog full: retry after (monotonic ms) */
	struct hash *dests;	/* nexthop (or recipient) -> struct dest */
	struct job *head, *tail;	/* jobs waiting to start */
};

struct dest {
	int active;
};

enum job_state { JOB_WAITING, JOB_GREETING, JOB_TALKING };

struct job {
	struct message *msg;
	struct transport *t;
	struct dest *d;
	char *nexthop;
	size_t *rcpt;		/* indexes into msg->rcpts */
	size_t nrcpt;
	enum job_state state;
	int fd;
	struct buf out, in;
	size_t out_pos;
	struct attr_list *reply;	/* list being read */
	size_t reply_bytes;
	int ended;		/* saw end=1 */
	double t_conn;		/* connection start (for delays c/d) */
	struct event_timer *timer;
	struct job *next;	/* in the transport's waiting list */
};

struct qmgr {
	struct daemon *d;
	struct pfconf *cfg;
	struct event_loop *loop;
	struct resolver *resolver;
	const char *qdir;
	struct message *msgs;	/* active messages */
	int nmsgs;
	struct hash *transports;
	/* parameters */
	long min_backoff, max_backoff, run_delay, max_lifetime, bounce_lifetime, delay_warning;
	long active_limit, ipc_timeout, daemon_timeout, transport_retry;
	long long bounce_size_limit;
	int process_limit;
	/* scans */
	int want_incoming, want_deferred, want_flush;
	struct event_timer *scan_timer, *run_timer, *dispatch_timer;
};

extern struct qmgr qmgr;

/* scan.c */
void scan_startup(void);
void scan_request(int incoming, int deferred, int flush);
void scan_run(void *ctx);
int queue_move(const char *id, const char *from, int from_depth, const char *to, int to_depth,
	       const char **error_r);
char *queue_path(const char *queue, const char *id);
int queue_depth(const char *queue);
/* scan_room - a message left the active queue: continue an incoming scan the limit stopped */
void scan_room(void);

/* message.c */
void message_activate(const char *id, int from_deferred);
void message_job_done(struct message *m);
void message_log_status(struct message *m, struct rcpt *r, const char *relay, double t_conn,
			const char *status);
void rcpt_set(struct rcpt *r, enum rcpt_state st, const char *dsn, const char *reason);
int message_finish_rcpt(struct message *m, struct rcpt *r);

/* sched.c */
void sched_add_message(struct message *m);
void sched_dispatch(void);
void sched_job_finished(struct job *j);
struct transport *sched_transport(const char *name);
/* sched_enable_all - flush: transports marked dead are tried again (as Postfix's F) */
void sched_enable_all(void);
/* sched_requeue - the agent's listen queue was full: the job waits at the front again */
void sched_requeue(struct job *j);

/* deliver.c */
void deliver_start(struct job *j);

/* qlog.c: per-message defer and bounce logs */
struct qlog_entry {
	off_t offset;
	char dsn[16];
	char *addr;
	char *reason;
};
int qlog_append(const char *queue, const char *id, off_t offset, const char *dsn,
		const char *addr, const char *reason, const char **error_r);
int qlog_write(const char *queue, const char *id, const struct message *m, const char **error_r);
int qlog_read(const char *queue, const char *id, struct qlog_entry **e_r, size_t *n_r,
	      long *warned_r);
void qlog_free(struct qlog_entry *e, size_t n);
void qlog_remove(const char *queue, const char *id);

/* dsn.c: delivery status notifications */
enum dsn_kind { DSN_FAILED, DSN_DELAYED, DSN_DELIVERED };
struct dsn_rcpt {
	const char *addr, *orig, *orcpt, *dsn, *reason;
};
/* dsn_notify - build and submit one notification; 0 sent or dropped by rule, -1 try again later */
int dsn_notify(struct message *m, enum dsn_kind kind, const struct dsn_rcpt *r, size_t n);

/* util */
double now_time(void);
unsigned notify_parse(const char *text);

#endif
