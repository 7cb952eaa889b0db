/*
 * proto - the line syntax of Dovecot's auth protocol (client and master
 * sides): TAB-separated fields, LF-terminated lines, Dovecot's tab-escaping
 * (0x01 as the escape byte: \001 -> \0011, TAB -> \001t, CR -> \001r,
 * LF -> \001n, NUL -> \0010), and the AUTH/USER request parameters.
 * Facts: shared/spec/auth-protocol.md sections 2 and 4.
 *
 * Everything here is pure: no I/O, no logging.  Split fields point into the
 * caller's line buffer, which is modified in place.
 */
#ifndef PC_AUTH_PROTO_H
#define PC_AUTH_PROTO_H

#include <stddef.h>

#include "core/buf.h"

#define PROTO_MAX_FIELDS 64		/* more fields than this: the line is refused */
#define PROTO_CLIENT_LINE_MAX 16384	/* client sockets (Dovecot's AUTH_CLIENT_MAX_LINE_LENGTH) */
#define PROTO_MASTER_LINE_MAX 1024	/* master/userdb sockets */

/*
 * proto_split - split line in place on TAB into at most max fields; returns
 * the count, or -1 if there are more than max fields.
 */
int proto_split(char *line, char **fields, int max);
/* proto_unescape - undo tab-escaping in place (an unknown escape keeps the byte) */
void proto_unescape(char *s);
/* proto_escape - append s tab-escaped to out */
void proto_escape(struct buf *out, const char *s);
/* proto_parse_id - strictly decimal, 1..UINT32_MAX: 0 ok, -1 otherwise */
int proto_parse_id(const char *s, unsigned *id_r);

/* proto_parse_uint - strictly decimal 0..UINT32_MAX: 0 ok, -1 otherwise */
int proto_parse_uint(const char *s, unsigned *value_r);

/* the request parameters clients send (AUTH) and masters send (USER/PASS) */
struct proto_params {
	const char *service;
	const char *lip, *rip, *lport, *rport;
	const char *real_lip, *real_rip, *real_lport, *real_rport;
	const char *local_name, *session, *client_id, *cert_username;
	int secured, valid_client_cert, no_penalty, debug, final_resp_ok;
	const char *resp;	/* base64 initial response, NULL if absent */
	int resp_not_last;	/* a parameter followed resp= (a protocol error) */
};

/*
 * proto_parse_params - parse fields (name=value or bare words) into p;
 * unknown ones are ignored.  Values are unescaped in place.  Strings point
 * into fields.  "resp=" empty is kept as "" (the caller applies the minor
 * version rule).
 */
void proto_parse_params(char **fields, int n, struct proto_params *p);

#endif
