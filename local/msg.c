/*
 * msg - the message of a delivery request: queue file envelope, header
 * facts (Delivered-To: for loop detection), content copy into mailboxes
 * with the lines local(8) prepends, and a size-capped output.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "mail/addr.h"
#include "queue/qfile.h"
#include "local.h"

#define MAX_DELIVERED_TO 1000	/* Delivered-To: headers remembered */
#define OUT_FLUSH 65536

void dres_set(struct dres *r, int status, const char *dsn, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* header_done - one complete header line: remember Delivered-To values */
static void header_done(struct msg *m, struct buf *h)
{
	const char *p;
	char *v, *e;

	if (h->len < 13 || strncasecmp(h->data, "Delivered-To:", 13) != 0)
		return;
	if (m->delivered_to.n >= MAX_DELIVERED_TO)
		return;
	for (p = h->data + 13; *p == ' ' || *p == '\t' || *p == '\n'; p++)
		;
	v = addr_lower(p);
	for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	argv_add(&m->delivered_to, v);
	xfree(v);
}

/* client_attr - a queue file attribute that commands see in their environment */
static void client_attr(struct msg *m, const struct buf *data)
{
	static const char *const names[][2] = {
		{ "client_addr", "CLIENT_ADDRESS" }, { "client_name", "CLIENT_HOSTNAME" },
		{ "client_port", "CLIENT_PORT" }, { "helo", "CLIENT_HELO" },
		{ "protocol", "CLIENT_PROTOCOL" }, { "sasl_method", "SASL_METHOD" },
		{ "sasl_username", "SASL_USERNAME" },
	};
	const char *eq = memchr(data->data, '=', data->len);
	size_t i, n = eq ? (size_t)(eq - data->data) : 0;

	for (i = 0; eq != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i][0]) == n && memcmp(data->data, names[i][0], n) == 0
		    && m->client_env.n < 32) {
			char *v = xasprintf("%s=%.*s", names[i][1], (int)(data->len - n - 1 > 1024 ? 1024
							: data->len - n - 1), eq + 1), *p;

			for (p = v; *p; p++)	/* peer text: printable only */
				if (!isprint((unsigned char)*p))
					*p = '_';
			argv_add(&m->client_env, v);
			xfree(v);
		}
	}
}

/* content_line - account one content line; scan headers until the empty line */
static void content_line(struct msg *m, struct buf *line, struct buf *hdr, int *in_hdr)
{
	m->size += (off_t)line->len + 1;
	if (!*in_hdr)
		return;
	if (line->len > 0 && (line->data[0] == ' ' || line->data[0] == '\t') && hdr->len > 0) {
		buf_append_c(hdr, '\n');
		buf_append(hdr, line->data, line->len);
		return;
	}
	if (hdr->len > 0)
		header_done(m, hdr);
	buf_reset(hdr);
	if (line->len == 0)
		*in_hdr = 0;
	else
		buf_append(hdr, line->data, line->len);
}

int msg_load(struct msg *m, const char **error_r)
{
	struct qfile *qf;
	struct buf data, line, hdr;
	int type, r, in_msg = 0, in_hdr = 1;
	off_t off;

	if (qfile_open(m->path, &qf, error_r) < 0)
		return -1;
	buf_init(&data, 0);
	buf_init(&line, 0);
	buf_init(&hdr, 64 * 1024);	/* one header line; longer ones are not Delivered-To */
	while ((r = qfile_get(qf, &type, &data, &off, error_r)) > 0) {
		if (type == QREC_ATTR && !in_msg) {
			client_attr(m, &data);
		} else if (type == QREC_MESG) {
			in_msg = 1;
		} else if (type == QREC_XTRA) {
			in_msg = 0;
		} else if (in_msg && type == QREC_CONT) {
			buf_append(&line, data.data, data.len);
		} else if (in_msg && type == QREC_NORM) {
			buf_append(&line, data.data, data.len);
			content_line(m, &line, &hdr, &in_hdr);
			buf_reset(&line);
		}
	}
	if (r == 0 && in_hdr && hdr.len > 0)
		header_done(m, &hdr);
	buf_deinit(&data);
	buf_deinit(&line);
	buf_deinit(&hdr);
	qfile_close(&qf);
	return r < 0 ? -1 : 0;
}

void msg_free(struct msg *m)
{
	xfree(m->path);
	argv_deinit(&m->delivered_to);
	argv_deinit(&m->client_env);
	memset(m, 0, sizeof(*m));
}

int msg_open_content(const struct msg *m, struct qfile **qf_r, const char **error_r)
{
	struct buf data;
	int type, r;
	off_t off;

	if (qfile_open(m->path, qf_r, error_r) < 0)
		return -1;
	buf_init(&data, 0);
	while ((r = qfile_get(*qf_r, &type, &data, &off, error_r)) > 0 && type != QREC_MESG)
		;
	buf_deinit(&data);
	if (r <= 0) {
		if (r == 0)
			*error_r = "queue file has no message content";
		qfile_close(qf_r);
		return -1;
	}
	return 0;
}

int msg_next_line(struct qfile *qf, struct buf *line, const char **error_r)
{
	struct buf data;
	int type, r;
	off_t off;

	buf_reset(line);
	buf_init(&data, 0);
	while ((r = qfile_get(qf, &type, &data, &off, error_r)) > 0) {
		if (type == QREC_CONT) {
			buf_append(line, data.data, data.len);
		} else if (type == QREC_NORM) {
			buf_append(line, data.data, data.len);
			break;
		} else if (type == QREC_XTRA) {
			r = 0;
			break;
		}
	}
	buf_deinit(&data);
	if (r == 0 && line->len > 0)
		return 1;	/* a dangling partial line: deliver what there is */
	return r;
}

/* ---- output ---- */

void out_init(struct out *o, int fd, off_t limit)
{
	o->fd = fd;
	o->count = 0;
	o->limit = limit;
	o->error = 0;
	buf_init(&o->b, 0);
}

void out_deinit(struct out *o)
{
	buf_deinit(&o->b);
}

int out_flush(struct out *o)
{
	size_t done = 0;

	if (o->error)
		return -1;
	if (o->fd < 0)		/* memory only: the caller takes o->b */
		return 0;
	while (done < o->b.len) {
		ssize_t n = write(o->fd, o->b.data + done, o->b.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->error = n < 0 ? errno : EIO;
			return -1;
		}
		done += (size_t)n;
	}
	buf_reset(&o->b);
	return 0;
}

int out_write(struct out *o, const void *p, size_t n)
{
	if (o->error)
		return -1;
	if (o->limit > 0 && o->count + (off_t)n > o->limit) {
		o->error = EFBIG;
		return -1;
	}
	buf_append(&o->b, p, n);
	o->count += (off_t)n;
	if (o->fd >= 0 && o->b.len >= OUT_FLUSH)
		return out_flush(o);
	return 0;
}

int out_puts(struct out *o, const char *s)
{
	return out_write(o, s, strlen(s));
}

/* put_hdr - "Name: <addr>" in external form */
static void put_hdr(struct out *o, const char *name, const char *addr, int brackets)
{
	char *q = addr_quote(addr);

	out_puts(o, name);
	out_puts(o, brackets ? ": <" : ": ");
	out_puts(o, q);
	out_puts(o, brackets ? ">\n" : "\n");
	xfree(q);
}

int msg_copy(struct qfile *qf, struct out *o, unsigned flags, const struct copy_hdrs *h,
	     const char **error_r)
{
	struct buf line;
	int r;

	if (flags & COPY_FROM) {
		time_t now = time(NULL);
		char date[32];
		char *q = *h->sender ? addr_quote(h->sender) : xstrdup("MAILER-DAEMON");

		ctime_r(&now, date);
		date[24] = '\0';
		out_puts(o, "From ");
		out_puts(o, q);
		out_puts(o, "  ");
		out_puts(o, date);
		out_puts(o, "\n");
		xfree(q);
	}
	if (flags & COPY_RETURN)
		put_hdr(o, "Return-Path", h->sender, 1);
	if ((flags & COPY_ORIG) && h->orig != NULL && *h->orig)
		put_hdr(o, "X-Original-To", h->orig, 0);
	if ((flags & COPY_DELIV) && h->delivered != NULL) {
		char *low = addr_lower(h->delivered);

		put_hdr(o, "Delivered-To", low, 0);
		xfree(low);
	}
	buf_init(&line, 0);
	while ((r = msg_next_line(qf, &line, error_r)) > 0) {
		if ((flags & COPY_QUOTE) && line.len >= 5 && memcmp(line.data, "From ", 5) == 0)
			out_write(o, ">", 1);
		out_write(o, line.data, line.len);
		if (out_write(o, "\n", 1) < 0)
			break;
	}
	buf_deinit(&line);
	if (r < 0)
		return -1;
	if (flags & COPY_BLANK)
		out_write(o, "\n", 1);
	if (out_flush(o) < 0) {
		*error_r = strerror(o->error);
		return -1;
	}
	return 0;
}
