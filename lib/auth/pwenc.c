/*
 * pwenc - base64 and hex for stored passwords (see pwenc.h).
 */
#include "config.h"

#include <string.h>

#include "pwenc.h"

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pwenc_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void pwenc_b64_encode(struct buf *out, const void *data, size_t n)
{
	const unsigned char *p = data;
	char q[4];
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		q[0] = b64_chars[p[i] >> 2];
		q[1] = b64_chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
		q[2] = b64_chars[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		q[3] = b64_chars[p[i + 2] & 63];
		buf_append(out, q, 4);
	}
	if (i < n) {
		q[0] = b64_chars[p[i] >> 2];
		if (i + 1 < n) {
			q[1] = b64_chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
			q[2] = b64_chars[(p[i + 1] & 15) << 2];
		} else {
			q[1] = b64_chars[(p[i] & 3) << 4];
			q[2] = '=';
		}
		q[3] = '=';
		buf_append(out, q, 4);
	}
}

/* b64_value - 0..63 for a base64 character, -1 otherwise */
static int b64_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64_chars, c)) == NULL)
		return -1;
	return (int)(p - b64_chars);
}

int pwenc_b64_decode(struct buf *out, const char *text, size_t n)
{
	size_t i, j;
	int v[4], pad;
	unsigned char b[3];

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		pad = 0;
		for (j = 0; j < 4; j++) {
			if (text[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad > 0 || (v[j] = b64_value(text[i + j])) < 0) {
				return -1;
			}
		}
		b[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		b[1] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		b[2] = (unsigned char)((v[2] & 3) << 6 | v[3]);
		buf_append(out, b, 3 - (size_t)pad);
	}
	return 0;
}

void pwenc_hex_encode(struct buf *out, const void *data, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;
	char h[2];
	size_t i;

	for (i = 0; i < n; i++) {
		h[0] = digits[p[i] >> 4];
		h[1] = digits[p[i] & 15];
		buf_append(out, h, 2);
	}
}

/* hex_value - 0..15 for a hex digit, -1 otherwise */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pwenc_hex_decode(struct buf *out, const char *text, size_t n)
{
	size_t i;
	int hi, lo;

	if (n % 2 != 0)
		return -1;
	for (i = 0; i < n; i += 2) {
		if ((hi = hex_value(text[i])) < 0 || (lo = hex_value(text[i + 1])) < 0)
			return -1;
		buf_append_c(out, (char)(hi << 4 | lo));
	}
	return 0;
}
