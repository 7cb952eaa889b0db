/*
 * qdir - the queue directories as the queue tools see them (showq,
 * postsuper, postcat, flush): which queues exist, how deep a queue is
 * hashed, the IDs in a queue, where a queue ID lives, and the deferral
 * reasons qmgr keeps in defer/<hash>/ID (format in docs/qmgr.md).
 *
 * Usage: qdir_depth(cfg, "deferred") -> levels of one-character
 * subdirectories (hash_queue_depth for the queues in hash_queue_names;
 * incoming/ and active/ are always flat, as cleanup and qmgr keep them).
 * qdir_list() appends the IDs it finds (only names that look like queue
 * IDs; temp files and other names are skipped).  qdir_find() searches
 * the message queues in showq order.
 *
 * Ownership: strings returned through *_r are malloc'ed, the caller frees
 * them; qdir_defer_free() releases a reason list.
 * Errors: -1 with *error_r (static until the next call into this module).
 */
#ifndef PC_QUEUE_QDIR_H
#define PC_QUEUE_QDIR_H

#include <stddef.h>
#include <sys/types.h>

#include "core/argv.h"

struct pfconf;

/* the message queues in showq's order (maildrop first, hold last), NULL-ended */
extern const char *const qdir_queues[];

/* qdir_is_queue - name is one of qdir_queues */
int qdir_is_queue(const char *name);
/* qdir_depth - subdirectory levels of queue (0 for a flat queue) */
int qdir_depth(struct pfconf *cfg, const char *queue);
/*
 * qdir_list - append the IDs of the files in queue_dir/queue (and its hash
 * subdirectories) to ids; a missing directory is empty.  0 or -1.
 */
int qdir_list(const char *queue_dir, const char *queue, int depth, struct argv *ids,
	      const char **error_r);
/*
 * qdir_find - the queue that holds id (first in qdir_queues order), with
 * its path; 1 found, 0 not found.
 */
int qdir_find(struct pfconf *cfg, const char *queue_dir, const char *id, const char **queue_r,
	      char **path_r);
/*
 * qdir_make_parent - create the missing directories above path (hash
 * subdirectories), each owned like its parent directory (so mail_owner
 * can use what root's postsuper made); 0 or -1
 */
int qdir_make_parent(const char *path, const char **error_r);
/* qdir_move - rename queue_dir/from/.../id to queue_dir/to/.../id (creates hash subdirs) */
int qdir_move(struct pfconf *cfg, const char *queue_dir, const char *id, const char *from,
	      const char *to, const char **error_r);

struct qfile;

/*
 * qdir_open - a queue file for reading only (showq, flush, postcat may not
 * or need not write it: maildrop files belong to their submitter); the
 * safe_open() rules apply (no symlinks, one link)
 */
int qdir_open(const char *path, struct qfile **qf_r, const char **error_r);

struct qdir_reason {
	off_t offset;		/* the recipient's R record in the queue file */
	char *dsn;
	char *address;
	char *reason;
};

/*
 * qdir_defer_read - the entries of defer/<hash>/id: 0 with *n_r entries
 * (none when the file does not exist), -1 on a read error.  Malformed
 * lines are skipped; at most 100,000 lines are read.
 */
int qdir_defer_read(struct pfconf *cfg, const char *queue_dir, const char *id,
		    struct qdir_reason **r_r, size_t *n_r, const char **error_r);
/* qdir_defer_lookup - the reason for the recipient at offset (or address), or NULL */
const char *qdir_defer_lookup(const struct qdir_reason *r, size_t n, off_t offset,
			      const char *address);
void qdir_defer_free(struct qdir_reason **rp, size_t n);

#endif
