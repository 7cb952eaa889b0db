/*
 * hdr_addr - find and convert the mailbox addresses in an RFC 5322
 * address-list header value (From:, To:, Cc:, Sender:, Reply-To:,
 * Resent-*), so cleanup can rewrite them in place.
 *
 * hdr_addr_find() scans a header value (the text after "Name:", folded
 * lines included) and reports the byte range of each addr-spec it finds:
 * the text inside <...> for "Display Name <user@domain>" (a source route
 * "@a,@b:" is skipped), or the bare addr-spec of "user@domain (comment)"
 * without the surrounding whitespace and comments.  Group names
 * ("undisclosed-recipients:;") are not addresses.  Quoted strings,
 * nested comments with backslash escapes and domain literals are
 * honoured.  An element it cannot understand (an unterminated quote,
 * comment or angle bracket, or a bare phrase without <...>) is skipped, so
 * what cleanup rewrites is always a well-formed address; everything else in
 * the header stays byte for byte as it was.
 *
 * Bounds: at most max spans are reported and scanning stops there; the
 * scan is linear in len and never recurses (comment nesting is a counter),
 * so any input of any length is safe (the caller bounds len by
 * header_size_limit).
 *
 * hdr_addr_internal() turns an addr-spec into the internal form cleanup,
 * maps and queue files use (local part unquoted, comments and folding
 * whitespace removed): "\"john doe\"@example.com" -> "john doe@example.com".
 * hdr_addr_external() is the inverse: the local part is quoted when it is
 * not a dot-atom.  Both return malloc'ed strings.
 */
#ifndef PC_CLEANUP_HDR_ADDR_H
#define PC_CLEANUP_HDR_ADDR_H

#include <stddef.h>

struct hdr_addr_span {
	size_t start;	/* offset of the first byte of the addr-spec */
	size_t end;	/* offset just past its last byte */
};

/* hdr_addr_find - spans of the addresses in value[0..len); returns how many (<= max) */
size_t hdr_addr_find(const char *value, size_t len, struct hdr_addr_span *spans, size_t max);

/* hdr_addr_internal - internal form of the addr-spec spec[0..len) */
char *hdr_addr_internal(const char *spec, size_t len);

/* hdr_addr_external - external (header/SMTP) form of an internal address */
char *hdr_addr_external(const char *addr);

/* hdr_addr_needs_quote - the local part local[0..len) is not an RFC 5322 dot-atom */
int hdr_addr_needs_quote(const char *local, size_t len);

#endif
