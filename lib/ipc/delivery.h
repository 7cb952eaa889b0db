/*
 * delivery - the server side of the delivery protocol (qmgr -> delivery
 * agents: local, error, discard, later smtp/lmtp): read the request,
 * answer per recipient, log Postfix's status lines.  Protocol:
 * docs/internal-protocols.md "delivery".
 *
 *     attr_send_proto(s, DELIVERY_PROTO, DELIVERY_VERSION, NULL);
 *     delivery_read_request(s, &req, &err);
 *     for each req.rcpt[i]: ... delivery_status(s, &req, &req.rcpt[i], "local", "2.0.0",
 *                                               DELIVERY_SENT, "delivered to maildir");
 *     delivery_end(s);
 *     delivery_request_deinit(&req);
 *
 * delivery_status() both logs
 *   "ID: to=<rcpt>, orig_to=<orig>, relay=R, delay=D, delays=a/b/c/d, dsn=X, status=S (reason)"
 * and answers qmgr.  delays: a = arrival to active queue, b = active queue
 * to the agent's start (delivery_read_request), c = connection set-up
 * (delivery_mark_connected; 0 when not called), d = the rest.
 */
#ifndef PC_IPC_DELIVERY_H
#define PC_IPC_DELIVERY_H

#include <stddef.h>

struct stream;

#define DELIVERY_PROTO		"delivery"
#define DELIVERY_VERSION	1
#define DELIVERY_RCPT_MAX	10000	/* recipients in one request */

#define DELIVERY_SENT		"sent"
#define DELIVERY_DEFERRED	"deferred"
#define DELIVERY_BOUNCED	"bounced"

struct delivery_rcpt {
	char *address;		/* rcpt */
	char *orig;		/* orig_rcpt: before rewriting ("" when the same) */
	char *orcpt;		/* DSN ORCPT */
	char *notify;		/* DSN NOTIFY */
	long index;		/* qmgr's number for it */
	int answered;
};

struct delivery_request {
	char *queue_name, *queue_id, *queue_file, *sender;
	char *transport, *nexthop, *dsn_envid, *dsn_ret, *body_type;
	int smtputf8;
	double arrival, active;	/* epoch seconds */
	double started;		/* when the agent read the request */
	double connected;	/* delivery_mark_connected(), 0 if never */
	struct delivery_rcpt *rcpt;
	size_t nrcpt;
};

/* delivery_read_request - one request; 0, or -1 with *error_r (malformed, timeout) */
int delivery_read_request(struct stream *s, struct delivery_request *req, const char **error_r);
void delivery_request_deinit(struct delivery_request *req);
/* delivery_mark_connected - the end of connection set-up (delays "c") */
void delivery_mark_connected(struct delivery_request *req);
/* delivery_status - log the status line and answer qmgr; 0 or -1 (qmgr went away) */
int delivery_status(struct stream *s, struct delivery_request *req, struct delivery_rcpt *r,
		    const char *relay, const char *dsn, const char *status, const char *reason);
/* delivery_end - the closing "end=1" list; 0 or -1 */
int delivery_end(struct stream *s);
/* delivery_format_delay - Postfix's delay notation ("0", "0.01", "1.2", "14") into buf */
void delivery_format_delay(double secs, char *buf, size_t size);

#endif
