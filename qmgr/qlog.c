/*
 * qlog - per-message recipient status logs: defer/<hash>/ID (reasons of
 * the current deferral, rewritten atomically each time the message is
 * deferred) and bounce/ID (failed recipients waiting for their
 * notification, appended and fsynced before the recipient is marked done).
 * Format (docs/qmgr.md): one line per recipient,
 *     <record offset> TAB <dsn> TAB <address> TAB <reason> LF
 * with backslash, TAB and LF escaped as \\, \t, \n; defer logs may start
 * with "warned=<unix time>" (a delay warning was sent).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "qmgr.h"

#define QLOG_MAX_BYTES	(64 * 1024 * 1024)	/* a larger log is not read */
#define QLOG_FIELD_MAX	4096			/* address/reason bytes kept */

static char errbuf[512];

/* escape - append s with \\, \t, \n escaped, at most QLOG_FIELD_MAX bytes of it */
static void escape(struct buf *b, const char *s)
{
	for (size_t n = 0; *s != '\0' && n < QLOG_FIELD_MAX; s++, n++) {
		if (*s == '\\')
			buf_append_str(b, "\\\\");
		else if (*s == '\t')
			buf_append_str(b, "\\t");
		else if (*s == '\n')
			buf_append_str(b, "\\n");
		else if (*s != '\r')
			buf_append_c(b, *s);
	}
}

/* unescape - the field [p, end) into a new string */
static char *unescape(const char *p, const char *end)
{
	struct buf b;

	buf_init(&b, 0);
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end) {
			p++;
			buf_append_c(&b, *p == 't' ? '\t' : *p == 'n' ? '\n' : *p);
		} else {
			buf_append_c(&b, *p);
		}
	}
	return buf_steal(&b);
}

static void entry_line(struct buf *b, off_t offset, const char *dsn, const char *addr,
		       const char *reason)
{
	buf_printf(b, "%lld\t", (long long)offset);
	escape(b, dsn);
	buf_append_c(b, '\t');
	escape(b, addr);
	buf_append_c(b, '\t');
	escape(b, reason != NULL ? reason : "");
	buf_append_c(b, '\n');
}

/* log_path - the log's path, creating the hash directory when asked */
static char *log_path(const char *queue, const char *id, int create)
{
	char *path = queue_path(queue, id);

	if (create) {
		char *dir = xstrdup(path);
		const char *err;

		*strrchr(dir, '/') = '\0';
		(void)mkdir_p(dir, 0700, &err);
		xfree(dir);
	}
	return path;
}

int qlog_append(const char *queue, const char *id, off_t offset, const char *dsn,
		const char *addr, const char *reason, const char **error_r)
{
	char *path = log_path(queue, id, 1);
	struct buf b;
	int fd, ret = 0;

	buf_init(&b, 0);
	entry_line(&b, offset, dsn, addr, reason);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) < 0) {
		snprintf(errbuf, sizeof(errbuf), "write %s: %s", path, strerror(errno));
		*error_r = errbuf;
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	buf_deinit(&b);
	xfree(path);
	return ret;
}

int qlog_write(const char *queue, const char *id, const struct message *m, const char **error_r)
{
	char *path = log_path(queue, id, 1);
	struct buf b;
	int ret;

	buf_init(&b, 0);
	if (m->warned > 0)
		buf_printf(&b, "warned=%ld\n", m->warned);
	for (size_t i = 0; i < m->nrcpts; i++) {
		const struct rcpt *r = &m->rcpts[i];

		if (r->state == RCPT_DEFERRED)
			entry_line(&b, r->offset, r->dsn, r->addr, r->reason);
	}
	ret = safe_write_atomic(path, b.data, b.len, 0600, error_r);
	buf_deinit(&b);
	xfree(path);
	return ret;
}

int qlog_read(const char *queue, const char *id, struct qlog_entry **e_r, size_t *n_r,
	      long *warned_r)
{
	char *path = log_path(queue, id, 0);
	const char *error;
	struct stat st;
	int fd = safe_open(path, O_RDONLY, 0, &st, &error);
	struct qlog_entry *e = NULL;
	size_t n = 0, alloc = 0;
	char *data, *p, *end;

	*e_r = NULL;
	*n_r = 0;
	*warned_r = 0;
	xfree(path);
	if (fd < 0)
		return -1;
	if (st.st_size > QLOG_MAX_BYTES) {
		msg_warn("%s: %s log too large, ignored", id, queue);
		close(fd);
		return -1;
	}
	data = xmalloc((size_t)st.st_size + 1);
	if (read(fd, data, (size_t)st.st_size) != (ssize_t)st.st_size) {
		close(fd);
		xfree(data);
		return -1;
	}
	close(fd);
	data[st.st_size] = '\0';
	for (p = data, end = data + st.st_size; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *f[4];
		int k = 0;

		if (nl == NULL)
			break;	/* a torn last line: ignore it */
		*nl = '\0';
		if (strncmp(p, "warned=", 7) == 0) {
			*warned_r = strtol(p + 7, NULL, 10);
			p = nl + 1;
			continue;
		}
		f[k++] = p;
		for (char *q = p; q < nl && k < 4; q++)
			if (*q == '\t') {
				*q = '\0';
				f[k++] = q + 1;
			}
		if (k == 4) {
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 8;
				e = xreallocarray(e, alloc, sizeof(*e));
			}
			e[n].offset = (off_t)strtoll(f[0], NULL, 10);
			snprintf(e[n].dsn, sizeof(e[n].dsn), "%s", f[1]);
			e[n].addr = unescape(f[2], f[2] + strlen(f[2]));
			e[n].reason = unescape(f[3], nl);
			n++;
		}
		p = nl + 1;
	}
	xfree(data);
	*e_r = e;
	*n_r = n;
	return 0;
}

void qlog_free(struct qlog_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		xfree(e[i].addr);
		xfree(e[i].reason);
	}
	xfree(e);
}

void qlog_remove(const char *queue, const char *id)
{
	char *path = log_path(queue, id, 0);

	if (unlink(path) < 0 && errno != ENOENT)
		msg_warn("%s: remove %s: %m", id, path);
	xfree(path);
}
