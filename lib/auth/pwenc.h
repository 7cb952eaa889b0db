/*
 * pwenc - the two encodings of stored passwords: base64 (RFC 4648, with
 * padding, as Dovecot writes and requires it) and hex (lower case out,
 * either case in).  Decoders are strict: a wrong character, a missing pad
 * or a stray byte after the padding gives -1 and leaves out unchanged in
 * meaning (its content is then undefined).  Appends to out; never fails
 * when encoding.
 */
#ifndef PC_AUTH_PWENC_H
#define PC_AUTH_PWENC_H

#include <stddef.h>

#include "core/buf.h"

/* pwenc_b64_encode - append the base64 form of n bytes */
void pwenc_b64_encode(struct buf *out, const void *data, size_t n);
/* pwenc_b64_decode - append the bytes of n base64 characters: 0, or -1 if malformed */
int pwenc_b64_decode(struct buf *out, const char *text, size_t n);
/* pwenc_b64_len - length of the base64 form of n bytes */
size_t pwenc_b64_len(size_t n);
/* pwenc_hex_encode - append 2n lower-case hex digits */
void pwenc_hex_encode(struct buf *out, const void *data, size_t n);
/* pwenc_hex_decode - append n/2 bytes: 0, or -1 for an odd length or a non-hex digit */
int pwenc_hex_decode(struct buf *out, const char *text, size_t n);

#endif
