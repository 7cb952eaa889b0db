/*
 * smtpd.h - the SMTP server's shared state: configuration read once per
 * process (struct smtpd_conf), the per-connection session (struct
 * session) and the interfaces between the smtpd source files.
 *
 * Files: main.c (daemon skeleton, configuration), session.c (connection,
 * command loop, replies, error limits, pipelining, logging), commands.c
 * (the verb table and the non-content verbs), data.c (DATA/BDAT content
 * to cleanup), path.c (MAIL FROM/RCPT TO argument parsing), check.c
 * (restriction lists), netlist.c (mynetworks-style address lists),
 * route.c (address class and routing tricks for relay control).
 *
 * Ownership: one session per process (DAEMON_SINGLE); the session owns its
 * strings and is freed by session_run() before it returns.  The
 * configuration lives for the whole process.
 */
#ifndef PC_SMTPD_SMTPD_H
#define PC_SMTPD_SMTPD_H

#include <stddef.h>

#include "core/argv.h"
#include "core/buf.h"

struct cleanup_client;
struct map;
struct pfconf;
struct resolver;
struct stream;

/* smtpd_forbid_bare_newline modes (3.7.10+) */
enum bare_lf_mode {
	BARE_LF_NO,		/* accept bare LF everywhere as a line end */
	BARE_LF_NORMALIZE,	/* accept it, but End-of-DATA must be CRLF.CRLF */
	BARE_LF_REJECT,		/* reject commands/content with bare LF */
};

/* EHLO keywords (smtpd_discard_ehlo_keywords mask) */
#define EHLO_PIPELINING		(1u << 0)
#define EHLO_SIZE		(1u << 1)
#define EHLO_VRFY		(1u << 2)
#define EHLO_ETRN		(1u << 3)
#define EHLO_ENHANCEDSTATUSCODES (1u << 4)
#define EHLO_8BITMIME		(1u << 5)
#define EHLO_DSN		(1u << 6)
#define EHLO_SMTPUTF8		(1u << 7)
#define EHLO_CHUNKING		(1u << 8)
#define EHLO_SILENT		(1u << 15)	/* "silent-discard" */

/* one element of a restriction list */
struct restriction {
	char *name;		/* "permit_mynetworks", "check_client_access", ... */
	struct map *map;	/* for check_*_access */
};

struct restriction_list {
	const char *param;	/* "smtpd_recipient_restrictions" */
	struct restriction *v;
	size_t n;
};

struct netlist;

struct smtpd_conf {
	struct pfconf *cfg;
	struct resolver *resolver;
	char *queue_dir;
	char *myhostname;
	char *banner;
	long long size_limit;	/* message_size_limit, 0 = none */
	size_t line_limit;	/* line_length_limit */
	long rcpt_limit;	/* smtpd_recipient_limit */
	int timeout_s;		/* smtpd_timeout */
	int soft_error_limit, hard_error_limit, error_sleep_s;
	int junk_limit;		/* smtpd_junk_command_limit */
	int disable_vrfy, delay_reject, helo_required, strict_rfc821;
	int forbid_unauth_pipelining;
	enum bare_lf_mode bare_lf;
	int bare_lf_code;
	struct netlist *bare_lf_exclusions;
	unsigned ehlo_discard;
	int smtputf8_enable;
	int soft_bounce;
	int allow_percent_hack, swap_bangpath, allow_untrusted_routing;
	int reject_unlisted_rcpt, reject_unlisted_sender;
	int reject_code, defer_code, relay_code, unknown_local_code, non_fqdn_code;
	int invalid_hostname_code, unknown_addr_code, unverified_code;
	char *recipient_delimiter;
	struct netlist *mynetworks;
	struct restriction_list client, helo, sender, relay, rcpt, data, eod;
	int relay_check_ok;	/* relay or recipient restrictions can refuse relaying */
	int warned_dns;		/* reject_unknown_*_domain warning logged */
};

/* per-command statistics for the disconnect line */
struct cmd_stat {
	const char *name;	/* "ehlo" */
	unsigned ok, total;
};

#define SESSION_NSTATS 16

struct rcpt {
	char *addr;		/* internal form */
	char *orcpt;		/* "rfc822;addr" or NULL */
	char *notify;		/* "SUCCESS,DELAY" / "NEVER" or NULL */
};

struct session {
	struct smtpd_conf *cf;
	struct stream *s;
	int fd;
	/* client */
	char name[1025];	/* verified name or "unknown" */
	char reverse_name[1025];	/* unverified PTR name or "unknown" */
	char addr[64];		/* printable address (no brackets) */
	char rfc_addr[80];	/* for Received: "IPv6:..." form */
	char port[8];
	char namaddr[1200];	/* name[addr] */
	int family;		/* AF_INET/AF_INET6, 0 = not a socket */
	int in_mynetworks;
	int bare_lf_exempt;
	/* protocol state */
	char *helo;		/* last HELO/EHLO argument */
	const char *protocol;	/* "SMTP" / "ESMTP" */
	int esmtp;
	const char *where;	/* "CONNECT", "EHLO", ... for "lost connection after" */
	char *deny_reply;	/* connect-time client reject (smtpd_delay_reject = no) */
	int error_count;
	int junk_count;
	int ill_pipelining;	/* improper pipelining seen and logged */
	int quit;		/* leave the command loop */
	/* transaction */
	int have_mail;
	char *sender;		/* internal form, "" for <> */
	long long declared_size;
	char *body_type;	/* "7BIT", "8BITMIME" or NULL */
	char *envid;		/* decoded xtext */
	char *ret;		/* "FULL"/"HDRS" */
	int smtputf8;
	struct rcpt *rcpts;
	size_t nrcpt, rcpt_alloc;
	long rcpt_count;	/* RCPT commands in this transaction (accepted or not) */
	struct cleanup_client *cc;
	char queue_id[32];
	/* BDAT */
	int bdat_active;	/* a BDAT transaction is in progress */
	int bdat_failed;	/* content already refused: discard chunks */
	long long bdat_bytes;
	unsigned bdat_state;	/* line state across chunks (data.c) */
	struct buf bdat_line;	/* partial line carried between chunks */
	long long act_size;	/* content bytes received */
	int size_exceeded;
	int content_failed;	/* cleanup write failed */
	int bare_lf_seen;
	int last_line_bare_lf;	/* the last command line ended in a bare LF */
	char *bdat_err;		/* reply repeated for the rest of a failed BDAT transaction */
	/* statistics */
	struct cmd_stat stats[SESSION_NSTATS];
	unsigned nstats;
	unsigned cmd_ok, cmd_total;
	/* scratch */
	struct buf line;
};

/* session.c */
void session_run(struct smtpd_conf *cf, int fd);
/* reply - send one reply line (multi-line replies use reply_cont); counts errors */
void reply(struct session *ss, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* reply_cont - a "250-..." continuation line, no error counting */
void reply_cont(struct session *ss, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* session_flush - flush replies unless more pipelined input is buffered */
int session_flush(struct session *ss, int force);
/* session_reset - drop the transaction (RSET, HELO, end of DATA) */
void session_reset(struct session *ss);
/* session_lost - log "lost connection"/"timeout" after a stream failure; ends the session */
void session_lost(struct session *ss, const char *detail);
/* session_pipelining_check - improper pipelining after a synchronising command: -1 = drop */
int session_pipelining_check(struct session *ss, const char *cmd);
/* session_log_reject - "ID|NOQUEUE: reject: CMD from namaddr: reply; from=<> to=<> proto= helo=<>" */
void session_log_reject(struct session *ss, const char *kind, const char *cmd, const char *reply_text,
			const char *rcpt);
/* session_printable - escape control characters for logging (static buffer) */
const char *session_printable(const char *s, size_t len, size_t max);

/* commands.c */
int commands_dispatch(struct session *ss, char *line, size_t len);
/* open_cleanup - connect to cleanup at the first accepted RCPT: 0, or -1 after a 451 reply */
int commands_open_cleanup(struct session *ss);

/* data.c */
int data_cmd(struct session *ss, const char *args);
int bdat_cmd(struct session *ss, const char *args);

/* path.c */
struct path_parsed {
	char *addr;		/* internal form, "" for <> (malloc'ed) */
	int routed;		/* an RFC 5321 source route was stripped */
	struct argv params;	/* ESMTP parameters */
};
/*
 * path_parse - the text after "MAIL FROM:"/"RCPT TO:" (leading spaces
 * allowed): 0 on success, -1 bad address syntax, -2 missing address.
 */
int path_parse(const char *text, int strict, struct path_parsed *p);
void path_free(struct path_parsed *p);
/* path_xtext_decode - RFC 3461 xtext; NULL if malformed */
char *path_xtext_decode(const char *s);
/* path_quote - external form of an internal address (quote the local part if needed) */
char *path_quote(const char *addr);

/* route.c */
struct route_info {
	int cls;		/* enum resolve_class of the final domain */
	int routed;		/* percent hack, bang path, @ in the local part, source route */
	char *final_addr;	/* address after removing local routing (malloc'ed) */
};
/* route_resolve - as trivial-rewrite would: 0, or -1 with *error_r (table error) */
int route_resolve(struct smtpd_conf *cf, const char *addr, int source_routed,
		  struct route_info *ri, const char **error_r);
void route_free(struct route_info *ri);

/* check.c */
void check_init(struct smtpd_conf *cf);
/*
 * check_* - run the restriction stages.  0 = accepted; otherwise a reply
 * was sent and logged, and the value is the reply's first digit (4 or 5).
 */
int check_client(struct session *ss);
int check_helo(struct session *ss);
int check_sender(struct session *ss);
int check_rcpt(struct session *ss, const char *rcpt, int source_routed);
int check_data(struct session *ss);
int check_eod(struct session *ss);
/* check_connect - smtpd_delay_reject = no: returns the reply text or NULL */
char *check_connect(struct session *ss);
/* check_vrfy - for VRFY: 0 or a reply sent */
int check_vrfy_local(struct session *ss, const char *addr);

/* netlist.c */
/* netlist_create - "127.0.0.0/8 [::1]/128 /file type:table" items; fatal on bad syntax */
struct netlist *netlist_create(struct pfconf *cfg, const char *param, const char *value);
/* netlist_match - 1 if addr (printable) or name matches, 0 not, -1 table error */
int netlist_match(struct netlist *nl, const char *name, const char *addr);
/* netlist_free - release a list */
void netlist_free(struct netlist **nlp);

#endif
