/*
 * anvil_client - talk to the anvil service (connection count and rate
 * limits for smtpd).  Protocol: docs/internal-protocols.md "anvil".
 *
 *     struct anvil_client *ac = anvil_open(queue_dir, &err);   (NULL: anvil not running)
 *     anvil_request(ac, ANVIL_REQ_CONNECT, "smtp:192.0.2.1", &reply, &err);
 *     ... reply.count, reply.rate ...
 *     anvil_close(&ac);          releases the connection counts it held
 *
 * An smtpd keeps its client for the whole session: anvil releases the
 * connections a client held when its connection closes, so a crashed
 * smtpd cannot leave counts behind.  When anvil cannot be reached, the
 * caller skips the limits (Postfix logs a warning and continues).
 */
#ifndef PC_IPC_ANVIL_CLIENT_H
#define PC_IPC_ANVIL_CLIENT_H

#define ANVIL_PROTO		"anvil"
#define ANVIL_VERSION		1

#define ANVIL_REQ_CONNECT	"connect"
#define ANVIL_REQ_DISCONNECT	"disconnect"
#define ANVIL_REQ_MESSAGE	"message"
#define ANVIL_REQ_RECIPIENT	"recipient"
#define ANVIL_REQ_AUTH		"auth"
#define ANVIL_REQ_LOOKUP	"lookup"

struct anvil_client;

struct anvil_reply {
	int count;		/* concurrent connections of the identity */
	int rate;		/* events of the requested kind in this time unit */
	int connect_rate, message_rate, recipient_rate, auth_rate;
};

struct anvil_client *anvil_open(const char *queue_dir, const char **error_r);
int anvil_request(struct anvil_client *ac, const char *request, const char *ident,
		  struct anvil_reply *reply, const char **error_r);
void anvil_close(struct anvil_client **acp);

#endif
