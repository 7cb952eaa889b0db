/*
 * b64 - standard base64 (RFC 4648 alphabet, '=' padding) as the auth
 * protocol uses it for resp=, CONT data and SCRAM fields.
 *
 * Decoding follows Dovecot's strict mode: padding is required (the input,
 * whitespace removed, must be a multiple of 4), '=' only at the end,
 * spaces, tabs, CR and LF are skipped.  The empty string and a lone "="
 * (what Postfix sends for an empty initial response) decode to zero bytes.  Output goes to a struct buf (binary safe); on error the buffer
 * content is unspecified.
 */
#ifndef PC_AUTH_B64_H
#define PC_AUTH_B64_H

#include <stddef.h>

#include "core/buf.h"

/* b64_encode - append the encoding of len bytes at p to out */
void b64_encode(struct buf *out, const void *p, size_t len);
/* b64_decode - append the decoded bytes of text (n bytes) to out: 0 ok, -1 malformed */
int b64_decode(struct buf *out, const char *text, size_t n);

#endif
