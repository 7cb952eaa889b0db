/*
 * cleanup.h - the cleanup daemon's shared state and internal interfaces.
 *
 * One struct cleanup_conf per process (main.cf, tables opened before the
 * jail); one struct cleanup per message (one client connection).  The
 * modules:
 *   session.c   the cleanup protocol (docs/internal-protocols.md), commit, reply
 *   envelope.c  envelope attributes -> sender/recipients, queue file envelope records
 *   content.c   content chunks -> lines -> header blocks / body lines, MIME structure
 *   header.c    one logical header: checks, rewriting, Received/missing headers
 *   checks.c    header_checks/body_checks actions and their log lines
 *   rewrite.c   address rewriting: local canonicalisation, canonical maps,
 *               masquerading, virtual alias expansion
 *   maplist.c   lists of type:name tables and domain lists from parameters
 *   output.c    queue file records (line pieces, size accounting)
 *   hdr_addr.c  RFC 5322 address-list tokenizer (unit-tested on its own)
 *
 * Errors follow Postfix's cleanup status bits (CLEANUP_ERR_*): once one is
 * set nothing more is written, the rest of the content is read and
 * dropped, and the reply reports the most severe one.
 */
#ifndef PC_CLEANUP_CLEANUP_H
#define PC_CLEANUP_CLEANUP_H

#include <stddef.h>
#include <sys/time.h>
#include <sys/types.h>

#include "core/argv.h"
#include "core/buf.h"
#include "ipc/attr.h"

struct hash;
struct map;
struct pfconf;
struct qfile;

/* ---- tables ---- */

/* a list of type:name tables from one parameter (a table that failed to open stays as an error) */
struct maplist {
	char *param;		/* "canonical_maps", for log lines */
	size_t n;
	struct map **maps;	/* NULL entry: the table could not be opened */
	char **specs;
	char **errors;		/* open error of a NULL entry */
};

/* a Postfix domain list (mydestination style): names, .parent, !negation, /file, type:table */
struct domlist {
	struct argv items;	/* names (lower case), "!name", ".name" */
	struct maplist tables;
	int parents;		/* plain names also match subdomains (parent_domain_matches_subdomains) */
};

struct maplist *maplist_open(struct pfconf *cfg, const char *param);
/* maplist_find - first value for key in any table: MAP_FOUND/MAP_NOTFOUND/MAP_ERROR */
int maplist_find(struct maplist *ml, const char *key, int fixed_only, const char **value_r,
		 const char **error_r);
int maplist_empty(const struct maplist *ml);
void domlist_init(struct domlist *dl, struct pfconf *cfg, const char *param, const char *value);
/* domlist_match - 1 match, 0 no match, -1 table error */
int domlist_match(struct domlist *dl, const char *domain, const char **error_r);

/* ---- configuration ---- */

#define CLASS_ENV_FROM	(1u << 0)
#define CLASS_ENV_RCPT	(1u << 1)
#define CLASS_HDR_FROM	(1u << 2)
#define CLASS_HDR_RCPT	(1u << 3)

struct cleanup_conf {
	struct pfconf *cfg;
	struct maplist *canonical, *send_canonical, *rcpt_canonical, *virtual_alias;
	struct maplist *header_checks, *mime_header_checks, *nested_header_checks, *body_checks;
	struct maplist *sender_bcc, *rcpt_bcc;
	const char *always_bcc;
	unsigned canon_classes, send_canon_classes, rcpt_canon_classes, masq_classes;
	struct argv masq_domains;
	struct domlist masq_except;	/* local parts, matched as a domain list (names, tables) */
	struct domlist local_domains;	/* mydestination + myorigin + inet/proxy interfaces */
	const char *myhostname, *myorigin, *mydomain, *mail_name, *undisclosed;
	const char *remote_header_rewrite_domain, *recipient_delimiter, *header_from_format;
	long long header_size_limit, hopcount_limit, line_length_limit, message_size_limit;
	long long virt_expan_limit, virt_recur_limit, virt_addrlen_limit, dup_filter_limit;
	long long body_checks_size_limit, mime_nesting_limit, mime_boundary_limit, token_limit;
	long long ipc_timeout;
	int always_add_hdrs, append_at_myorigin, append_dot_mydomain, enable_orig_rcpt;
	int prop_canonical, prop_virtual, disable_mime, detect_8bit_hdr, replace_stray_cr;
	int filter_bounces;	/* internal_mail_filter_classes has bounce */
	struct buf reject_chars, strip_chars;	/* message_reject_characters, message_strip_characters */
};

void cleanup_conf_init(struct cleanup_conf *cf, struct pfconf *cfg);

/* ---- per message ---- */

/* status bits, most severe first (the reply reports the first one set) */
#define CLEANUP_ERR_DEFER	(1u << 0)	/* 451 4.7.1 (REJECT 4.x.x, DEFER) */
#define CLEANUP_ERR_BAD		(1u << 1)	/* 451 4.3.0 protocol error */
#define CLEANUP_ERR_RCPT	(1u << 2)	/* 550 5.1.0 no recipients */
#define CLEANUP_ERR_HOPS	(1u << 3)	/* 554 5.4.0 too many hops */
#define CLEANUP_ERR_SIZE	(1u << 4)	/* 552 5.3.4 message file too big */
#define CLEANUP_ERR_CONT	(1u << 5)	/* 550 5.7.1 content rejected */
#define CLEANUP_ERR_WRITE	(1u << 6)	/* 451 4.3.0 queue file write error / table trouble */

/* header block classes (which checks apply) */
enum hdr_class { HDR_PRIMARY, HDR_MULTIPART, HDR_NESTED };

struct rcpt {
	char *orig;		/* as the client gave it (orig_rcpt) */
	char *addr;		/* after rewriting and expansion */
	char *orcpt;		/* DSN ORCPT or NULL */
	char *notify;		/* DSN NOTIFY or NULL */
};

struct rcpt_list {
	struct rcpt *v;
	size_t n, alloc;
};

#define MIME_MAX_STACK 1024

struct cleanup {
	struct cleanup_conf *cf;
	struct qfile *qf;
	char queue_id[32];
	struct timeval ctime;	/* queue file creation (Message-Id, Received date) */
	struct attr_list env;	/* the envelope list as received */
	/* envelope */
	const char *origin;
	char *sender;		/* rewritten; "" for <> */
	char *log_origin;	/* "name[addr]" or "local" for log lines */
	char *first_rcpt;	/* first recipient as given (log to=) */
	struct rcpt_list in;	/* envelope recipients as given */
	struct rcpt_list out;	/* final recipients */
	int extract;		/* flags=extract_recipients (sendmail -t) */
	struct rcpt_list xrcpt[2];	/* extracted from To/Cc/Bcc [0] and Resent-To/Cc/Bcc [1] */
	struct hash *dups;	/* duplicate filter */
	int hdr_ctx;		/* 0: headers not rewritten, 1: local, 2: remote (remote_header_rewrite_domain) */
	int map_ok;		/* address mappings enabled */
	int filter;		/* header/body checks enabled */
	int body_filter;
	/* status */
	unsigned errs;
	char *reason;		/* "d.d.d text" for CONT/DEFER */
	int hold, discard;
	char *redirect;
	struct argv bcc;
	char *filter_dest;
	/* output */
	off_t off;		/* bytes written to the queue file so far */
	off_t content_offset;
	long long content_size;
	/* content input */
	struct buf line;	/* the current line piece */
	struct buf stripped;	/* the piece without message_strip_characters */
	int prev_partial;	/* the previous piece did not end the line */
	/* header blocks */
	int in_header;		/* reading a header block */
	enum hdr_class hclass;
	struct buf hdr;		/* the pending logical header */
	int hdr_pending;
	int hdr_truncated;
	int primary_done;	/* primary headers finished */
	unsigned seen;		/* HDRBIT_* of primary headers */
	int resent;
	long long hops;
	int saw_8bit_cte;
	/* MIME structure */
	char *block_type;	/* content type of the current header block ("multipart/mixed") */
	char *block_boundary;
	char *stack[MIME_MAX_STACK];	/* open multipart boundaries */
	size_t depth;
	long long part_offset;	/* body bytes of the current part (body_checks_size_limit) */
};

/* session.c */
void cleanup_serve(int fd, struct cleanup_conf *cf);

/* envelope.c */
int envelope_process(struct cleanup *c, const char **error_r);
void envelope_write(struct cleanup *c);
void envelope_finish(struct cleanup *c);
void rcpt_add(struct rcpt_list *l, const char *orig, const char *addr, const char *orcpt,
	      const char *notify);
void rcpt_list_free(struct rcpt_list *l);
/* recipient_out - rewrite, expand and add one final recipient (dedup'd) */
void recipient_out(struct cleanup *c, const char *orig, const char *addr, const char *orcpt,
		   const char *notify);

/* content.c */
void content_start(struct cleanup *c);
void content_data(struct cleanup *c, const char *data, size_t len);
void content_end(struct cleanup *c);
/* content_note_header - a Content-Type header of the current block (MIME structure) */
void content_note_header(struct cleanup *c, const char *hdr);

/* header.c */
void header_process(struct cleanup *c, struct buf *hdr, enum hdr_class cls);
void header_done(struct cleanup *c);
void header_received(struct cleanup *c);
/* header_is - text starts with a header name and ':' (returns the name length, 0 if not) */
size_t header_is(const char *text, size_t len);
/* mail_date - RFC 5322 date as Postfix writes it ("Wed,  2 Dec 2026 18:10:00 +0000 (UTC)") */
const char *mail_date(time_t t);

/* checks.c */
#define ACT_KEEP	0
#define ACT_DROP	1
#define ACT_REPLACE	2
/* checks_run - look text up in ml; act; *repl_r gets the REPLACE text (malloc'ed) */
int checks_run(struct cleanup *c, struct maplist *ml, const char *ctx, const char *text,
	       char **repl_r);
/* checks_act - run one action as if a table had returned value (message_reject_characters) */
void checks_act(struct cleanup *c, const char *ctx, const char *text, const char *value,
		const char *param);
/* act_log - Postfix's "ID: action: class text from origin; from=<> to=<> ..." line */
void act_log(struct cleanup *c, const char *action, const char *cls, const char *text,
	     const char *optional);
/* cleanup_reject - set an error with a reason "d.d.d text" (first reason wins) */
void cleanup_fail(struct cleanup *c, unsigned err, const char *reason);

/* rewrite.c */
/* rewrite_local - trivial-rewrite's local context: append @myorigin / .mydomain */
char *rewrite_local(struct cleanup *c, const char *addr);
/* rewrite_map11 - canonical-style one-to-one mapping (recursive, bounded); -1 table error */
int rewrite_map11(struct cleanup *c, struct maplist *ml, char **addr, int propagate);
/* rewrite_masq - address masquerading */
void rewrite_masq(struct cleanup *c, char **addr);
/* rewrite_virtual - virtual alias expansion into out; -1 when the message must be deferred */
int rewrite_virtual(struct cleanup *c, const char *addr, struct argv *out);
/* rewrite_lookup - one address through a table (canonical search order): 1 found (*result_r malloc'ed), 0, -1 */
int rewrite_lookup(struct cleanup *c, struct maplist *ml, const char *addr, char **result_r);
/* rewrite_header_addr - one header address: context rewrite, canonical, masquerade */
int rewrite_header_addr(struct cleanup *c, char **addr, int sender);

/* output.c */
void out_rec(struct cleanup *c, int type, const void *data, size_t len);
void out_recf(struct cleanup *c, int type, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* out_line - one content line (or piece, partial != 0), split at line_length_limit */
void out_line(struct cleanup *c, const char *data, size_t len, int partial);
/* out_text - content text with embedded LFs (a folded header), one record per line */
void out_text(struct cleanup *c, const char *data, size_t len);
static inline int out_ok(const struct cleanup *c) { return c->errs == 0 && !c->discard; }

#endif
