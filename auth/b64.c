/*
 * b64.c - base64 encode/decode (see b64.h).
 */
#include "config.h"

#include "b64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void b64_encode(struct buf *out, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;
	char q[4];

	for (i = 0; i + 2 < len; i += 3) {
		q[0] = b64_alphabet[s[i] >> 2];
		q[1] = b64_alphabet[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		q[2] = b64_alphabet[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		q[3] = b64_alphabet[s[i + 2] & 63];
		buf_append(out, q, 4);
	}
	if (i < len) {
		unsigned b1 = i + 1 < len ? s[i + 1] : 0;

		q[0] = b64_alphabet[s[i] >> 2];
		q[1] = b64_alphabet[((s[i] & 3) << 4) | (b1 >> 4)];
		q[2] = i + 1 < len ? b64_alphabet[(b1 & 15) << 2] : '=';
		q[3] = '=';
		buf_append(out, q, 4);
	}
}

/* b64_value - the 6-bit value of c, -1 if not in the alphabet */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int b64_decode(struct buf *out, const char *text, size_t n)
{
	int quad[4], nq = 0, pad = 0;
	size_t i;

	if (n == 1 && text[0] == '=')
		return 0;	/* "resp==": an empty response, as Dovecot reads it */

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (pad > 0 && c != '=')
			return -1;	/* data after padding */
		if (c == '=') {
			if (nq < 2)
				return -1;
			pad++;
			quad[nq++] = 0;
		} else {
			if ((v = b64_value(c)) < 0)
				return -1;
			quad[nq++] = v;
		}
		if (nq == 4) {
			unsigned char o[3];

			o[0] = (unsigned char)((quad[0] << 2) | (quad[1] >> 4));
			o[1] = (unsigned char)(((quad[1] & 15) << 4) | (quad[2] >> 2));
			o[2] = (unsigned char)(((quad[2] & 3) << 6) | quad[3]);
			if (buf_append(out, o, (size_t)(3 - pad)) < 0)
				return -1;
			nq = 0;
			if (pad > 0)
				pad = 3;	/* anything but '=' after this is an error; more '=' too */
		}
	}
	return nq == 0 && pad != 1 && pad != 2 ? 0 : -1;
}
