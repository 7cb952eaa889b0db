/*
 * qfile - queue files: typed, length-prefixed records ending in an END
 * record, written durably and named by a Postfix-style queue ID.
 * The format and every crash state are described in docs/queue-format.md.
 *
 * Writing:  qfile_create(dir) makes an unnamed (temporary) file in dir and
 *           fixes its queue ID (qfile_id());
 *           qfile_put() appends records; qfile_commit() appends END,
 *           fsyncs the file, renames it to its queue ID, fsyncs the
 *           directory, and only then returns the ID.  Until commit, a crash
 *           leaves only a temporary file that the queue manager removes.
 * Reading:  qfile_open() + qfile_get() return records one by one with their
 *           file offsets; a record that runs past the end of the file, an
 *           unknown type, an over-long record or a missing END is reported
 *           as corruption (the caller moves the file to corrupt/).
 * Updating: qfile_mark_done() flips a recipient record's type byte in place
 *           (QREC_RCPT -> QREC_DONE) and fsyncs, so a delivered recipient is
 *           never delivered twice after a crash.
 *
 * Errors: -1 with a message through error_r (static until the next call).
 */
#ifndef PC_QUEUE_QFILE_H
#define PC_QUEUE_QFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

/* record types (one byte each, printable for postcat-style debugging) */
#define QREC_SIZE	'C'	/* content size, data offset, recipient count */
#define QREC_TIME	'T'	/* arrival time, seconds.microseconds */
#define QREC_FROM	'S'	/* envelope sender ("" for the null sender) */
#define QREC_ATTR	'A'	/* name=value attribute (client, protocol, ...) */
#define QREC_ORCPT	'O'	/* original recipient (DSN), precedes its RCPT */
#define QREC_NOTIFY	'N'	/* DSN NOTIFY flags, precedes its RCPT */
#define QREC_RCPT	'R'	/* recipient still to be delivered */
#define QREC_DONE	'D'	/* recipient finished (was R) */
#define QREC_MESG	'M'	/* start of message content */
#define QREC_NORM	'L'	/* one content line, without the line ending */
#define QREC_CONT	'l'	/* part of a long content line; the next record continues it */
#define QREC_XTRA	'X'	/* end of content, extra envelope records follow */
#define QREC_END	'E'	/* end of the file: present in every complete queue file */

#define QREC_MAX_LEN	(1024 * 1024)	/* longest record a reader accepts */

struct qfile;

/* ---- writing ---- */
int qfile_create(const char *dir, struct qfile **qf_r, const char **error_r);
int qfile_put(struct qfile *qf, int type, const void *data, size_t len, const char **error_r);
int qfile_putf(struct qfile *qf, int type, const char **error_r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* qfile_id - the queue ID the file will have (known from qfile_create on) */
const char *qfile_id(const struct qfile *qf);
/* qfile_commit - END, fsync, rename to the queue ID, fsync dir; *id_r is static storage */
int qfile_commit(struct qfile *qf, const char **id_r, const char **error_r);
/*
 * qfile_commit_dir - the same, but the file is renamed into dir (another
 * queue directory on the same file system, e.g. "hold" for a message that
 * header_checks HOLD); dir NULL means the directory of qfile_create.
 */
int qfile_commit_dir(struct qfile *qf, const char *dir, const char **id_r, const char **error_r);
/*
 * qfile_flush - write the records buffered so far (a stream made with
 * qfile_fdopen: sendmail's record stream to postdrop)
 */
int qfile_flush(struct qfile *qf, const char **error_r);
/* qfile_abandon - remove the temporary file (nothing was acknowledged) */
void qfile_abandon(struct qfile **qfp);
/* qfile_close - release after commit */
void qfile_close(struct qfile **qfp);

/* ---- reading ---- */
int qfile_open(const char *path, struct qfile **qf_r, const char **error_r);
/*
 * qfile_fdopen - records over an open descriptor (a pipe, stdin): read
 * with qfile_get(), write with qfile_put() + qfile_flush(); no commit.
 * name (at most 31 bytes) stands in for the queue ID in error messages.
 * qfile_close() closes fd.
 */
struct qfile *qfile_fdopen(int fd, const char *name);
/* qfile_get - next record: 1 with type/data/offset, 0 after END, -1 corrupt or I/O error */
int qfile_get(struct qfile *qf, int *type_r, struct buf *data, off_t *offset_r, const char **error_r);

/* ---- updating ---- */
/* qfile_mark_done - the RCPT record at offset becomes DONE, durably */
int qfile_mark_done(int fd, off_t offset, const char **error_r);
int qfile_fd(const struct qfile *qf);

/* ---- names ---- */
/*
 * qfile_make_id - Postfix short queue ID: the microseconds of the arrival
 * time as 5 hex digits, then the file's inode number in hex (unique among
 * the files that exist at once), upper case.  buf must hold 32 bytes.
 */
void qfile_make_id(char *buf, size_t size, unsigned long usec, unsigned long long inode);
/* qfile_valid_id - the name looks like a queue ID (hex, 6..30 characters) */
int qfile_valid_id(const char *name);
/*
 * qfile_path - "<queue_dir>/<queue>/<subdirs>/<id>": with depth d, d levels
 * of one-character subdirectories named after the ID's first characters
 * (as hash_queue_names/hash_queue_depth do for "deferred").  Returns a
 * malloc'ed string.
 */
char *qfile_path(const char *queue_dir, const char *queue, const char *id, int depth);

#endif
