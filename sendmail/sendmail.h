/*
 * sendmail - shared declarations of the sendmail(1) command's modules:
 * main.c (options, modes, policy checks), enqueue.c (the record stream to
 * postdrop), input.c (the message from standard input), smtp.c (-bs) and
 * rcpt.c (command-line recipient lists).
 */
#ifndef PC_SENDMAIL_H
#define PC_SENDMAIL_H

#include <stddef.h>
#include <sys/types.h>

#include "core/argv.h"

struct pfconf;
struct qfile;

/* the submission of one message (command line, or one -bs transaction) */
struct sm_msg {
	const char *sender;	/* internal form; "" is the null sender */
	const char *full_name;	/* -F, $NAME or GECOS; NULL for none */
	const char *body_type;	/* -B / BODY=: "7BIT", "8BITMIME" or NULL */
	const char *notify;	/* -N: "SUCCESS,DELAY,FAILURE"/"NEVER" or NULL */
	struct argv rcpts;
	int extract;		/* -t */
	/* -bs: the (unverified) SMTP details pickup trusts only from root/mail_owner */
	const char *helo;
	const char *protocol;
};

struct sm_state {
	struct pfconf *cfg;
	const char *config_dir;	/* -C / $MAIL_CONFIG; NULL for the default */
	uid_t uid;
	const char *login;	/* login name of the real uid */
	int verbose;
	int dot_ends;		/* a "." line ends the input (no -i/-oi) */
	long long size_limit;	/* message_size_limit, 0 = none */
};

extern struct sm_state sm;

/* ---- enqueue.c: a running postdrop ---- */
struct sm_drop;
/* sm_drop_open - start postdrop and send the envelope records */
struct sm_drop *sm_drop_open(const struct sm_msg *m);
/* sm_drop_line - one content line (without LF; long lines are split) */
void sm_drop_line(struct sm_drop *d, const char *line, size_t len);
/* sm_drop_cont - a piece of a long line; the next cont/line call continues it */
void sm_drop_cont(struct sm_drop *d, const char *data, size_t len);
/*
 * sm_drop_finish - end the content, wait for postdrop: 0 with *id_r
 * (static) queued; -1 with *why_r: "message file too big" or
 * "queue file write error"
 */
int sm_drop_finish(struct sm_drop **dp, const char **id_r, const char **why_r);
/* sm_drop_abort - kill postdrop: nothing is queued */
void sm_drop_abort(struct sm_drop **dp);

/* ---- input.c ---- */
/* sm_enqueue_stdin - the default mode: stdin -> postdrop; returns the exit status */
int sm_enqueue_stdin(struct sm_msg *m);

/* ---- smtp.c ---- */
/* sm_smtp - -bs: SMTP on stdin/stdout; returns the exit status */
int sm_smtp(const struct sm_msg *defaults);

/* ---- rcpt.c ---- */
/* sm_rcpt_parse - the addresses of an RFC 5322 address list (internal form), appended */
void sm_rcpt_parse(const char *text, struct argv *out);
/* sm_parse_sender - one address from -f/-r text (the first one; "" for <>) */
char *sm_parse_sender(const char *text);

/* ---- main.c ---- */
/* sm_sender_allowed - local_login_sender_maps permits sender for this user */
int sm_sender_allowed(const char *sender);

#endif
