/*
 * enqueue - hand one message to postdrop as a queue-file record stream
 * (docs/submission.md "sendmail -> postdrop"): A attributes, S sender,
 * N/R recipients, M, L/l content lines, X, E.  postdrop validates it,
 * writes maildrop/ and prints "queue_id=ID" or "status=too_big" on its
 * standard output before it exits.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "queue/qfile.h"
#include "sendmail.h"

#define REPLY_MAX 512		/* postdrop's answer */

struct sm_drop {
	pid_t pid;
	struct qfile *out;	/* records to postdrop's stdin */
	int reply_fd;		/* postdrop's stdout */
	size_t piece;		/* longest L/l record */
	int broken;		/* postdrop went away (EPIPE) */
};

/* put - one record; a write error means postdrop quit: its answer tells why */
static void put(struct sm_drop *d, int type, const char *data, size_t len)
{
	const char *error;

	if (!d->broken && qfile_put(d->out, type, data, len, &error) < 0)
		d->broken = 1;
}

static void putattr(struct sm_drop *d, const char *name, const char *value)
{
	char *s;

	if (value == NULL)
		return;
	s = xasprintf("%s=%s", name, value);
	put(d, QREC_ATTR, s, strlen(s));
	xfree(s);
}

/* spawn - postdrop -r [-c dir] [-v] with two pipes */
static void spawn(struct sm_drop *d)
{
	int in[2], out[2];
	char *path = xasprintf("%s/postdrop", pfconf_get(sm.cfg, "command_directory"));
	struct argv a;

	if (pipe(in) < 0 || pipe(out) < 0)
		msg_fatal_status(75, "pipe: %m");
	argv_init(&a);
	argv_add(&a, path);
	argv_add(&a, "-r");
	if (sm.config_dir != NULL) {
		argv_add(&a, "-c");
		argv_add(&a, sm.config_dir);
	}
	if (sm.verbose > 1)
		argv_add(&a, "-v");
	if ((d->pid = fork()) < 0)
		msg_fatal_status(75, "fork: %m");
	if (d->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		execv(path, a.v);
		msg_fatal_status(69, "%s(%ld): unable to execute %s: %m", "postdrop",
				 (long)sm.uid, path);
	}
	close(in[0]);
	close(out[1]);
	d->out = qfile_fdopen(in[1], "postdrop");
	d->reply_fd = out[0];
	argv_deinit(&a);
	xfree(path);
}

struct sm_drop *sm_drop_open(const struct sm_msg *m)
{
	struct sm_drop *d = xcalloc(1, sizeof(*d));
	long long piece = pfconf_get_int(sm.cfg, "line_length_limit");

	signal(SIGPIPE, SIG_IGN);
	d->piece = piece >= 256 && piece <= QREC_MAX_LEN ? (size_t)piece : 2048;
	spawn(d);
	putattr(d, "full_name", m->full_name);
	putattr(d, "body_type", m->body_type);
	if (m->extract)
		putattr(d, "flags", "extract_recipients");
	putattr(d, "helo", m->helo);
	putattr(d, "protocol", m->protocol);
	if (m->protocol != NULL) {
		putattr(d, "client_name", "localhost");
		putattr(d, "client_addr", "127.0.0.1");
	}
	put(d, QREC_FROM, m->sender, strlen(m->sender));
	for (size_t i = 0; i < m->rcpts.n; i++) {
		if (m->notify != NULL)
			put(d, QREC_NOTIFY, m->notify, strlen(m->notify));
		put(d, QREC_RCPT, m->rcpts.v[i], strlen(m->rcpts.v[i]));
	}
	put(d, QREC_MESG, "", 0);
	return d;
}

void sm_drop_cont(struct sm_drop *d, const char *data, size_t len)
{
	while (len > 0) {
		size_t n = len > d->piece ? d->piece : len;

		put(d, QREC_CONT, data, n);
		data += n;
		len -= n;
	}
}

void sm_drop_line(struct sm_drop *d, const char *line, size_t len)
{
	while (len > d->piece) {
		put(d, QREC_CONT, line, d->piece);
		line += d->piece;
		len -= d->piece;
	}
	put(d, QREC_NORM, line, len);
}

/* read_reply - postdrop's standard output, bounded */
static void read_reply(struct sm_drop *d, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size - 1 && (n = read(d->reply_fd, buf + got, size - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
}

/* wait_child - postdrop's exit status, or -1 */
static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int sm_drop_finish(struct sm_drop **dp, const char **id_r, const char **why_r)
{
	struct sm_drop *d = *dp;
	static char reply[REPLY_MAX];
	const char *error, *p;
	int status;

	put(d, QREC_XTRA, "", 0);
	put(d, QREC_END, "", 0);
	if (!d->broken && qfile_flush(d->out, &error) < 0)
		d->broken = 1;
	qfile_close(&d->out);
	read_reply(d, reply, sizeof(reply));
	close(d->reply_fd);
	status = wait_child(d->pid);
	xfree(d);
	*dp = NULL;
	if (status == 0 && (p = strstr(reply, "queue_id=")) != NULL) {
		p += strlen("queue_id=");
		reply[(size_t)(p - reply) + strcspn(p, "\n")] = '\0';
		*id_r = p;
		return 0;
	}
	*why_r = strstr(reply, "status=too_big") != NULL ? "message file too big"
		: "queue file write error";
	return -1;
}

void sm_drop_abort(struct sm_drop **dp)
{
	struct sm_drop *d = *dp;

	if (d == NULL)
		return;
	kill(d->pid, SIGTERM);	/* pickup removes the unlocked temporary file */
	qfile_close(&d->out);
	close(d->reply_fd);
	wait_child(d->pid);
	xfree(d);
	*dp = NULL;
}
