/*
 * output - queue file records for cleanup: every record goes through
 * out_rec(), which keeps the file offset (for the SIZE record's content
 * offset) and turns a write error into CLEANUP_ERR_WRITE.  Content lines
 * become QREC_NORM records, long ones QREC_CONT pieces of at most
 * line_length_limit bytes followed by a QREC_NORM with the rest.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "cleanup.h"
#include "core/log.h"
#include "core/mem.h"
#include "queue/qfile.h"

/* rec_size - bytes a record of len data bytes takes in the file */
static off_t rec_size(size_t len)
{
	off_t n = 2;

	for (size_t l = len >> 7; l; l >>= 7)
		n++;
	return n + (off_t)len;
}

void out_rec(struct cleanup *c, int type, const void *data, size_t len)
{
	const char *error;

	if (!out_ok(c))
		return;
	if (qfile_put(c->qf, type, data, len, &error) < 0) {
		msg_warn("%s: write queue file: %s", c->queue_id, error);
		c->errs |= CLEANUP_ERR_WRITE;
		return;
	}
	c->off += rec_size(len);
}

void out_recf(struct cleanup *c, int type, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	out_rec(c, type, s, strlen(s));
	xfree(s);
}

void out_line(struct cleanup *c, const char *data, size_t len, int partial)
{
	size_t max = (size_t)c->cf->line_length_limit;

	if (max > QREC_MAX_LEN)
		max = QREC_MAX_LEN;
	while (len > max) {
		out_rec(c, QREC_CONT, data, max);
		c->content_size += (long long)max;
		data += max;
		len -= max;
	}
	out_rec(c, partial ? QREC_CONT : QREC_NORM, data, len);
	c->content_size += (long long)len + (partial ? 0 : 1);
}

void out_text(struct cleanup *c, const char *data, size_t len)
{
	for (;;) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - data) : len;

		out_line(c, data, n, 0);
		if (nl == NULL)
			break;
		data += n + 1;
		len -= n + 1;
	}
}
