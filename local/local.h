/*
 * local.h - shared state of the local delivery agent (see main.c for the
 * role and docs/local.md for the behaviour).
 *
 * One request (one message, several recipients) is served per
 * connection.  struct msg describes the message and its queue file;
 * struct top is one recipient of the request, whose final status
 * aggregates every delivery its expansion (aliases, .forward, :include:)
 * made; struct level is one step of that expansion.  Final deliveries
 * (mailbox, maildir, file, command) run in a child process that became the
 * owner of the destination (child.c); the parent never opens a user's file.
 *
 * Results: every delivery step fills a struct dres (status, DSN code,
 * reason text as it appears in parentheses of the log line).
 */
#ifndef PC_LOCAL_LOCAL_H
#define PC_LOCAL_LOCAL_H

#include <stddef.h>
#include <sys/types.h>

#include "core/argv.h"
#include "core/buf.h"
#include "ipc/delivery.h"

struct hash;
struct pfconf;
struct qfile;
struct resolver;

/* delivery status, ordered: the worst one wins when results aggregate */
#define DS_SENT		0
#define DS_BOUNCED	1
#define DS_DEFERRED	2

struct dres {
	int status;		/* DS_* */
	char dsn[16];		/* "2.0.0" */
	char reason[1024];	/* "delivered to maildir" */
};

/* dres_set - fill a result (formatted reason) */
void dres_set(struct dres *r, int status, const char *dsn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* the message of the request */
struct msg {
	struct delivery_request *req;	/* lib/ipc/delivery.h: queue_id, sender, times, ... */
	char *path;		/* $queue_directory/<queue_file> */
	off_t size;		/* content bytes (LF line endings) */
	struct argv delivered_to;	/* Delivered-To: header values, lower case */
	struct argv client_env;	/* "CLIENT_ADDRESS=..." etc. from the queue file's attributes */
};

/* msg_load - read the envelope and the header facts from m->path; -1 + *error_r */
int msg_load(struct msg *m, const char **error_r);
void msg_free(struct msg *m);
/* msg_open_content - queue file positioned at its content (the M record) */
int msg_open_content(const struct msg *m, struct qfile **qf_r, const char **error_r);
/* msg_next_line - next content line into line (without LF): 1, 0 at the end, -1 */
int msg_next_line(struct qfile *qf, struct buf *line, const char **error_r);

/* an output file with a size cap (mailbox_size_limit) */
struct out {
	int fd;
	off_t count;		/* bytes written (or buffered) */
	off_t limit;		/* 0 = none; exceeding it fails with EFBIG */
	int error;		/* errno of the first failure */
	struct buf b;
};

void out_init(struct out *o, int fd, off_t limit);
void out_deinit(struct out *o);
int out_write(struct out *o, const void *p, size_t n);
int out_puts(struct out *o, const char *s);
int out_flush(struct out *o);

/* msg_copy flags */
#define COPY_FROM	(1u << 0)	/* mbox "From sender  date" line */
#define COPY_QUOTE	(1u << 1)	/* ">From " quoting of body lines */
#define COPY_BLANK	(1u << 2)	/* empty line after the message (mbox) */
#define COPY_RETURN	(1u << 3)	/* Return-Path: */
#define COPY_ORIG	(1u << 4)	/* X-Original-To: */
#define COPY_DELIV	(1u << 5)	/* Delivered-To: */
#define COPY_CRLF	(1u << 6)	/* (unused) */

/* what the prepended headers say */
struct copy_hdrs {
	const char *sender;	/* Return-Path and From_ */
	const char *orig;	/* X-Original-To */
	const char *delivered;	/* Delivered-To */
};

/* msg_copy - write the message with prepended lines to o; 0 or -1 (o->error / *error_r) */
int msg_copy(struct qfile *qf, struct out *o, unsigned flags, const struct copy_hdrs *h,
	     const char **error_r);

/* ---- privileges: who a final delivery runs as ---- */
struct who {
	uid_t uid;
	gid_t gid;
	char *name;		/* for initgroups; NULL = only gid */
	char *home;
	char *shell;
};

void who_free(struct who *w);
void who_copy(struct who *dst, const struct who *src);
/* who_lookup_uid - passwd entry of uid (-1 when none) */
int who_lookup_uid(uid_t uid, struct who *w);
/* who_lookup_name - passwd entry of a login name (-1 when none) */
int who_lookup_name(const char *name, struct who *w);

/*
 * run_as - fork, become w (privs_drop), run fn(ctx, res, out) in the child,
 * hand res and the bytes put in out (at most max) back to the parent.  The
 * parent's res says deferred when the child could not switch or died.
 */
typedef void run_fn(void *ctx, struct dres *res, struct buf *out);
void run_as(const struct who *w, run_fn *fn, void *ctx, struct dres *res, struct buf *out,
	    size_t max);

/* ---- the expansion ---- */

/* where an expansion item came from (allow_mail_to_commands/files classes) */
#define CLASS_NONE	0	/* the request's recipient itself */
#define CLASS_ALIAS	1
#define CLASS_FORWARD	2
#define CLASS_INCLUDE	3

struct top;

struct level {
	const char *addr;	/* current recipient, internal form */
	const char *sender;	/* envelope sender for this level (owner- aliases) */
	const struct who *privs;	/* privileges of commands/files at this level */
	int class;		/* CLASS_* of items expanded at this level */
	int depth;
	const struct level *parent;
	int no_expand;		/* "\user": mailbox only */
	const char *prop;	/* "+ext" to add to expanded addresses (propagate_unmatched_extensions) */
};

/* one recipient of the request */
struct top {
	struct delivery_rcpt *r;	/* the request's recipient */
	const char *rcpt;	/* as qmgr sent it */
	const char *orig;	/* orig_rcpt (or rcpt) */
	const char *orcpt, *notify;	/* "" when absent */
	struct dres res;	/* aggregate */
	int ndone;		/* final deliveries logged */
	struct hash *seen;	/* destinations and addresses of this expansion (dup filter) */
};

/* the agent (one per process) */
struct agent {
	struct pfconf *cfg;
	struct resolver *resolver;
	const char *queue_dir;
	struct msg *msg;
	char hostname[256];	/* gethostname(), for Maildir file names */
	unsigned maildir_count;
	/* mailbox_delivery_lock and friends */
	int lock_dotlock, lock_fcntl;
	long long lock_attempts, lock_delay, stale_lock;
	int strict_owner;	/* strict_mailbox_ownership */
};

extern struct agent agent;

/* deliver_top - deliver one recipient of the request; logs every final delivery */
void deliver_top(struct top *t);

/* top_fold - fold a result into the recipient's answer (without logging) */
void top_fold(struct top *t, const struct dres *r);
/* log_delivery - the "ID: to=<...>, ..., status=... (...)" line; aggregates into t */
void log_delivery(struct top *t, const char *to, const struct dres *r);

/* mailbox.c: run in the child */
struct mbox_job {
	struct qfile *qf;	/* opened by the parent, positioned at the content */
	const char *path;	/* mbox file or maildir (ending in '/') */
	const char *user;	/* for messages ("for user U") */
	const char *recipient;	/* Delivered-To */
	const char *orig;	/* X-Original-To */
	const char *sender;
	unsigned flags;		/* COPY_* extra */
	off_t limit;		/* mailbox_size_limit */
	int is_file;		/* /file delivery: "delivered to file: ..." */
};
void mailbox_deliver(void *ctx, struct dres *res, struct buf *out);

/* command.c: run in the child */
struct cmd_job {
	struct qfile *qf;
	const char *command;
	const char *recipient, *orig, *sender;
	const char *user, *home, *shell;
	const char *local, *extension, *domain;
	const char *cwd;	/* command_execution_directory or "" */
	long long time_limit;
	off_t limit;
};
void command_deliver(void *ctx, struct dres *res, struct buf *out);

/* forward.c */
/* forward_submit - one new message to rcpts (through cleanup); *id_r static */
int forward_submit(const struct level *lv, const struct top *t, const struct argv *rcpts,
		   char *id_r, size_t id_size, struct dres *res);

/* pass.c: hand a recipient to another delivery agent (mailbox_transport) */
void pass_deliver(const char *param, const char *spec, const struct level *lv, struct top *t,
		  struct dres *res);

/* util */
/* expand_local - $name expansion with local(8)'s attributes, filtered */
struct expand_attrs {
	const char *user, *home, *shell, *local, *extension, *domain, *recipient, *sender;
	const char *delim;	/* recipient_delimiter used (empty when no extension) */
};
char *expand_local(const char *text, const struct expand_attrs *a, const char *filter);
/* list_has - "alias, forward" style list contains word */
int list_has(const char *param, const char *word);

#endif
