/*
 * qfile - queue file records, durable commit, done marks, queue IDs
 * (see qfile.h and docs/queue-format.md).
 *
 * Record layout: one type byte, the data length as a little-endian base-128
 * varint (7 bits per byte, high bit = more bytes follow, at most 4 bytes),
 * then the data.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "queue/qfile.h"

#define QFILE_WRITE_CHUNK 65536

struct qfile {
	int fd;
	char *dir;
	char *tmp;		/* writer: temporary name */
	struct buf out;		/* writer: pending bytes */
	struct buf in;		/* reader: buffered input */
	size_t in_pos;
	off_t in_off;		/* file offset of in.data[0] */
	int eof;
	int saw_end;
	char id[32];
};

static char errbuf[1024];

/* fail - errno message */
static int fail(const char **error_r, const char *what, const char *path)
{
	snprintf(errbuf, sizeof(errbuf), "%s %s: %s", what, path, strerror(errno));
	*error_r = errbuf;
	return -1;
}

/* corrupt - format a corruption message */
static int corrupt(const char **error_r, off_t off, const char *what)
{
	snprintf(errbuf, sizeof(errbuf), "corrupt queue file: %s at offset %lld", what, (long long)off);
	*error_r = errbuf;
	return -1;
}

int qfile_fd(const struct qfile *qf)
{
	return qf->fd;
}

static const char valid_types[] = {
	QREC_SIZE, QREC_TIME, QREC_FROM, QREC_ATTR, QREC_ORCPT, QREC_NOTIFY, QREC_RCPT, QREC_DONE,
	QREC_MESG, QREC_NORM, QREC_CONT, QREC_XTRA, QREC_END, 0,
};

/* ---- writing ---- */

int qfile_create(const char *dir, struct qfile **qf_r, const char **error_r)
{
	struct qfile *qf = xcalloc(1, sizeof(*qf));
	struct timeval tv;

	gettimeofday(&tv, NULL);
	qf->dir = xstrdup(dir);
	qf->tmp = xasprintf("%s/.tmp.%ld.%ld.%06ld", dir, (long)getpid(), (long)tv.tv_sec,
			    (long)tv.tv_usec);
	qf->fd = safe_open(qf->tmp, O_RDWR | O_CREAT | O_EXCL, 0600, NULL, error_r);
	if (qf->fd < 0) {
		xfree(qf->tmp);
		xfree(qf->dir);
		xfree(qf);
		return -1;
	}
	{
		struct stat st;

		/* the ID is fixed now (as Postfix's): smtpd logs it before the
		 * message is complete; the inode keeps it unique while the file exists */
		if (fstat(qf->fd, &st) < 0) {
			fail(error_r, "fstat", qf->tmp);
			unlink(qf->tmp);
			close(qf->fd);
			xfree(qf->tmp);
			xfree(qf->dir);
			xfree(qf);
			return -1;
		}
		qfile_make_id(qf->id, sizeof(qf->id), (unsigned long)tv.tv_usec,
			      (unsigned long long)st.st_ino);
	}
	buf_init(&qf->out, 0);
	buf_init(&qf->in, 0);
	*qf_r = qf;
	return 0;
}

const char *qfile_id(const struct qfile *qf)
{
	return qf->id;
}

/* flush_out - write pending bytes */
static int flush_out(struct qfile *qf, const char **error_r)
{
	size_t done = 0;

	while (done < qf->out.len) {
		ssize_t n = write(qf->fd, qf->out.data + done, qf->out.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(error_r, "write", qf->tmp != NULL ? qf->tmp : qf->id);
		done += (size_t)n;
	}
	buf_reset(&qf->out);
	return 0;
}

int qfile_put(struct qfile *qf, int type, const void *data, size_t len, const char **error_r)
{
	unsigned char hdr[5];
	size_t n = 0, l = len;

	if (len > QREC_MAX_LEN || strchr(valid_types, type) == NULL || type == 0) {
		snprintf(errbuf, sizeof(errbuf), "bad record type %d or length %zu", type, len);
		*error_r = errbuf;
		return -1;
	}
	hdr[n++] = (unsigned char)type;
	do {
		unsigned char b = l & 0x7f;

		l >>= 7;
		hdr[n++] = b | (l ? 0x80 : 0);
	} while (l);
	buf_append(&qf->out, hdr, n);
	buf_append(&qf->out, data, len);
	if (qf->out.len >= QFILE_WRITE_CHUNK)
		return flush_out(qf, error_r);
	return 0;
}

int qfile_putf(struct qfile *qf, int type, const char **error_r, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int ret;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	ret = qfile_put(qf, type, s, strlen(s), error_r);
	xfree(s);
	return ret;
}

int qfile_flush(struct qfile *qf, const char **error_r)
{
	return flush_out(qf, error_r);
}

int qfile_commit(struct qfile *qf, const char **id_r, const char **error_r)
{
	return qfile_commit_dir(qf, NULL, id_r, error_r);
}

int qfile_commit_dir(struct qfile *qf, const char *dir, const char **id_r, const char **error_r)
{
	char *path;

	if (dir == NULL)
		dir = qf->dir;

	if (qfile_put(qf, QREC_END, "", 0, error_r) < 0 || flush_out(qf, error_r) < 0)
		return -1;
	if (fsync(qf->fd) < 0)
		return fail(error_r, "fsync", qf->tmp);
	path = xasprintf("%s/%s", dir, qf->id);
	if (rename(qf->tmp, path) < 0) {
		fail(error_r, "rename to", path);
		xfree(path);
		return -1;
	}
	xfree(path);
	xfree(qf->tmp);
	qf->tmp = NULL;
	if (fsync_dir(dir, error_r) < 0)
		return -1;
	*id_r = qf->id;
	return 0;
}

void qfile_close(struct qfile **qfp)
{
	struct qfile *qf = *qfp;

	if (qf == NULL)
		return;
	if (qf->fd >= 0)
		close(qf->fd);
	if (qf->tmp != NULL)
		unlink(qf->tmp);
	buf_deinit(&qf->out);
	buf_deinit(&qf->in);
	xfree(qf->tmp);
	xfree(qf->dir);
	xfree(qf);
	*qfp = NULL;
}

void qfile_abandon(struct qfile **qfp)
{
	qfile_close(qfp);	/* close() removes an uncommitted temporary file */
}

/* ---- reading ---- */

int qfile_open(const char *path, struct qfile **qf_r, const char **error_r)
{
	struct qfile *qf = xcalloc(1, sizeof(*qf));

	qf->fd = safe_open(path, O_RDWR, 0, NULL, error_r);
	if (qf->fd < 0) {
		xfree(qf);
		return -1;
	}
	buf_init(&qf->out, 0);
	buf_init(&qf->in, 0);
	snprintf(qf->id, sizeof(qf->id), "%s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	*qf_r = qf;
	return 0;
}

struct qfile *qfile_fdopen(int fd, const char *name)
{
	struct qfile *qf = xcalloc(1, sizeof(*qf));

	qf->fd = fd;
	snprintf(qf->id, sizeof(qf->id), "%s", name);
	buf_init(&qf->out, 0);
	buf_init(&qf->in, 0);
	return qf;
}

/* need - make n unread bytes available; 0 ok, 1 EOF first, -1 error */
static int need(struct qfile *qf, size_t n, const char **error_r)
{
	while (qf->in.len - qf->in_pos < n) {
		ssize_t r;

		if (qf->in_pos > 0) {
			buf_consume(&qf->in, qf->in_pos);
			qf->in_off += (off_t)qf->in_pos;
			qf->in_pos = 0;
		}
		r = read(qf->fd, buf_reserve(&qf->in, QFILE_WRITE_CHUNK), QFILE_WRITE_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(error_r, "read", qf->id);
		if (r == 0)
			return 1;
		buf_commit(&qf->in, (size_t)r);
	}
	return 0;
}

int qfile_get(struct qfile *qf, int *type_r, struct buf *data, off_t *offset_r, const char **error_r)
{
	size_t len = 0, hdr = 1;
	off_t off;
	int r, type, shift = 0;

	if (qf->saw_end)
		return 0;
	r = need(qf, 1, error_r);
	off = qf->in_off + (off_t)qf->in_pos;
	if (r < 0)
		return -1;
	if (r > 0)
		return corrupt(error_r, off, "missing END record (truncated file)");
	type = (unsigned char)qf->in.data[qf->in_pos];
	if (type == 0 || strchr(valid_types, type) == NULL)
		return corrupt(error_r, off, "unknown record type");
	for (;;) {
		unsigned char b;

		if ((r = need(qf, hdr + 1, error_r)) != 0)
			return r < 0 ? -1 : corrupt(error_r, off, "record header runs past the end of the file");
		b = (unsigned char)qf->in.data[qf->in_pos + hdr++];
		len |= (size_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		if (shift > 21)
			return corrupt(error_r, off, "record length too large");
	}
	if (len > QREC_MAX_LEN)
		return corrupt(error_r, off, "record length too large");
	if ((r = need(qf, hdr + len, error_r)) != 0)
		return r < 0 ? -1 : corrupt(error_r, off, "record runs past the end of the file");
	off = qf->in_off + (off_t)qf->in_pos;
	buf_set(data, qf->in.data + qf->in_pos + hdr, len);
	qf->in_pos += hdr + len;
	*type_r = type;
	if (offset_r != NULL)
		*offset_r = off;
	if (type == QREC_END)
		qf->saw_end = 1;
	return 1;
}

/* ---- updating ---- */

int qfile_mark_done(int fd, off_t offset, const char **error_r)
{
	char type;

	if (pread(fd, &type, 1, offset) != 1)
		return fail(error_r, "read", "queue file");
	if (type != QREC_RCPT && type != QREC_DONE) {
		snprintf(errbuf, sizeof(errbuf), "no recipient record at offset %lld", (long long)offset);
		*error_r = errbuf;
		return -1;
	}
	type = QREC_DONE;
	if (pwrite(fd, &type, 1, offset) != 1)
		return fail(error_r, "write", "queue file");
	if (fdatasync(fd) < 0)
		return fail(error_r, "fsync", "queue file");
	return 0;
}

/* ---- names ---- */

void qfile_make_id(char *buf, size_t size, unsigned long usec, unsigned long long inode)
{
	snprintf(buf, size, "%05lX%llX", usec & 0xfffff, inode);
}

int qfile_valid_id(const char *name)
{
	size_t n = strlen(name);

	if (n < 6 || n > 30)
		return 0;
	for (; *name != '\0'; name++)
		if (!isxdigit((unsigned char)*name) || islower((unsigned char)*name))
			return 0;
	return 1;
}

char *qfile_path(const char *queue_dir, const char *queue, const char *id, int depth)
{
	char sub[32];
	size_t n = 0;

	for (int i = 0; i < depth && id[i] != '\0' && n + 2 < sizeof(sub); i++) {
		sub[n++] = id[i];
		sub[n++] = '/';
	}
	sub[n] = '\0';
	return xasprintf("%s/%s/%s%s", queue_dir, queue, sub, id);
}
