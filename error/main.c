/*
 * error - the error, retry and discard pseudo delivery agents: Postfix's
 * error(8) and discard(8).
 *
 * ROLE: delivery agents that deliver nowhere.  As "error" every recipient
 *	of a request bounces, as "error" started under the service name
 *	"retry" every recipient is deferred, and as "discard" every recipient
 *	is reported delivered and the message dropped.  The reason is the
 *	next-hop text of the transport ("error:5.1.1 User unknown" ->
 *	dsn=5.1.1, "User unknown"), which is how transport_maps, virtual
 *	alias domains and relay policies end mail with an explanation.
 * PRIVILEGES: mail_owner, optionally chrooted; it opens no files.
 * INPUTS: delivery requests from qmgr (lib/ipc/delivery.h), bounded.
 * PARAMETERS: none of its own.
 * LOG: "ID: to=<x>, relay=none, delay=..., delays=..., dsn=5.0.0,
 *	status=bounced (text)" (deferred for retry, sent for discard).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/stream.h"
#include "daemon/daemon.h"
#include "ipc/attr.h"
#include "ipc/delivery.h"

enum mode { MODE_ERROR, MODE_RETRY, MODE_DISCARD };

static enum mode mode;

/* split_dsn - "5.1.1 text" -> dsn "5.1.1" and text; else the default dsn */
static const char *split_dsn(const char *text, const char *def, char *dsn, size_t size)
{
	const char *p = text;
	int parts = 0, digits = 0;

	snprintf(dsn, size, "%s", def);
	for (; *p != '\0' && *p != ' '; p++) {
		if (isdigit((unsigned char)*p)) {
			digits++;
		} else if (*p == '.' && digits > 0) {
			parts++;
			digits = 0;
		} else {
			return text;
		}
	}
	if (parts != 2 || digits == 0 || (text[0] != '4' && text[0] != '5') || text[1] != '.'
	    || (size_t)(p - text) >= size)
		return text;
	if (mode == MODE_RETRY && text[0] == '5')
		return text;	/* retry always defers: keep the default class */
	snprintf(dsn, size, "%.*s", (int)(p - text), text);
	while (*p == ' ')
		p++;
	return p;
}

static void serve(int fd, struct daemon *d)
{
	struct stream *s = stream_create(fd, 0);
	struct delivery_request req;
	const char *error, *reason, *status, *def;
	char dsn[16];
	size_t i;

	stream_set_timeout(s, 60 * 1000);
	if (attr_send_proto(s, DELIVERY_PROTO, DELIVERY_VERSION, NULL) < 0
	    || delivery_read_request(s, &req, &error) < 0) {
		if (!stream_eof(s))
			msg_warn("delivery request: %s", error != NULL ? error : "write error");
		stream_destroy(&s);
		return;
	}
	switch (mode) {
	case MODE_ERROR: status = DELIVERY_BOUNCED; def = "5.0.0"; break;
	case MODE_RETRY: status = DELIVERY_DEFERRED; def = "4.0.0"; break;
	default: status = DELIVERY_SENT; def = "2.0.0"; break;
	}
	reason = mode == MODE_DISCARD ? req.nexthop : split_dsn(req.nexthop, def, dsn, sizeof(dsn));
	if (mode == MODE_DISCARD)
		snprintf(dsn, sizeof(dsn), "%s", def);
	if (*reason == '\0')
		reason = mode == MODE_DISCARD ? "discarded" : "mail delivery disabled";
	for (i = 0; i < req.nrcpt; i++)
		if (delivery_status(s, &req, &req.rcpt[i], "none", dsn, status, reason) < 0)
			break;
	if (i == req.nrcpt)
		delivery_end(s);
	delivery_request_deinit(&req);
	stream_destroy(&s);
}

static void post_jail(struct daemon *d)
{
	if (strcmp(d->prog, "discard") == 0)
		mode = MODE_DISCARD;
	else if (strcmp(d->service, "retry") == 0)
		mode = MODE_RETRY;
	else
		mode = MODE_ERROR;
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { .post_jail = post_jail, .single = serve };
	const char *slash = strrchr(argv[0], '/');
	const char *name = slash != NULL ? slash + 1 : argv[0];

	return daemon_main(argc, argv, strcmp(name, "discard") == 0 ? "discard" : "error",
			   DAEMON_SINGLE, &ops);
}
