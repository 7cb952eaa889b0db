/*
 * postcat - show a queue file: envelope records, message headers and
 * body, and the extracted records, in Postfix postcat's layout.
 *
 * ROLE: command.  postcat [-behorv] [-c config_dir] [-q] [file or queue_id...]
 *	  -q   the arguments are queue IDs, looked up in maildrop, incoming,
 *	       active, deferred and hold (output names "deferred/2/ID", as
 *	       Postfix prints them relative to queue_directory)
 *	  -e   envelope records and the section markers; -h headers;
 *	  -b   body (from the empty line that ends the headers); without
 *	       -e/-h/-b all three; -o prefixes every line with its record's
 *	       file offset; -r is accepted (postcote files have no pointer
 *	       records, so file order is the only order).
 *	Record names: message_size, message_arrival_time, sender,
 *	named_attribute, sender_fullname, original_recipient, recipient,
 *	done_recipient (docs/queue-tools.md has the table).
 * PRIVILEGES: none of its own; reading queue files needs root or
 *	mail_owner (the queue directories are 0700).
 * INPUTS: queue files, parsed with lib/queue's bounds (a corrupt file ends
 *	with a fatal error naming the problem).
 * PARAMETERS: queue_directory, hash_queue_depth, hash_queue_names.
 * LOG: errors on stderr ("postcat: fatal: open queue file ID: ...").
 * EXIT: 0; 1 for usage and errors (as Postfix).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "queue/qdir.h"
#include "queue/qfile.h"

#define USAGE "usage: postcat [-b (body text)] [-c config_dir] [-d (decimal record type)] " \
	"[-e (envelope records)] [-h (header text)] [-q (access queue)] [-v] [file(s)...]"

#define SHOW_ENV	(1u << 0)
#define SHOW_HEAD	(1u << 1)
#define SHOW_BODY	(1u << 2)
#define SHOW_OFFSET	(1u << 3)

struct cat {
	const char *name;
	unsigned show;
	int in_header;		/* content: still in the header section */
	int in_content;		/* between M and X */
	off_t cont_off;		/* offset of a long line's first piece, or -1 */
};

/* prefix - the -o offset column */
static void prefix(const struct cat *c, off_t off)
{
	if (c->show & SHOW_OFFSET)
		printf("%9lld ", (long long)off);
}

/* marker - "*** WHAT name ***" (with -e only) */
static void marker(const struct cat *c, off_t off, const char *what)
{
	if (!(c->show & SHOW_ENV))
		return;
	prefix(c, off);
	printf("*** %s %s ***\n", what, c->name);
}

/* print_time - "message_arrival_time: Sun Dec  6 20:55:17 2026" */
static void print_time(const char *label, const char *value)
{
	time_t t = (time_t)strtoll(value, NULL, 10);
	struct tm tm;
	char stamp[64];

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Y", &tm);
	printf("%s: %s\n", label, stamp);
}

/* print_size - C "SIZE OFFSET NRCPT" in Postfix's six-column layout */
static void print_size(const char *value)
{
	long long size = 0, offset = 0, nrcpt = 0;

	if (sscanf(value, "%lld %lld %lld", &size, &offset, &nrcpt) < 1)
		printf("message_size: %s\n", value);
	else
		printf("message_size: %15lld %15lld %15lld %15d %15lld %15d\n", size, offset, nrcpt, 0,
		       size, 0);
}

/* print_attr - A name=value, with Postfix's names for the ones it has */
static void print_attr(const char *value)
{
	static const struct { const char *name, *label; } special[] = {
		{ "full_name", "sender_fullname" },
		{ "orig_rcpt", "original_recipient" },
	};
	const char *eq = strchr(value, '=');

	for (size_t i = 0; eq != NULL && i < sizeof(special) / sizeof(special[0]); i++) {
		if (strlen(special[i].name) == (size_t)(eq - value) &&
		    strncmp(value, special[i].name, (size_t)(eq - value)) == 0) {
			printf("%s: %s\n", special[i].label, eq + 1);
			return;
		}
	}
	printf("named_attribute: %s\n", value);
}

/* envelope_record - one record outside the content */
static void envelope_record(const struct cat *c, int type, const char *v, off_t off)
{
	if (!(c->show & SHOW_ENV))
		return;
	prefix(c, off);
	switch (type) {
	case QREC_SIZE: print_size(v); break;
	case QREC_TIME: print_time("message_arrival_time", v); break;
	case QREC_FROM: printf("sender: %s\n", v); break;
	case QREC_ATTR: print_attr(v); break;
	case QREC_ORCPT: printf("named_attribute: dsn_orig_rcpt=%s\n", v); break;
	case QREC_NOTIFY: printf("named_attribute: notify_flags=%s\n", v); break;
	case QREC_RCPT: printf("recipient: %s\n", v); break;
	case QREC_DONE: printf("done_recipient: %s\n", v); break;
	default: printf("record type %c: %s\n", type, v); break;
	}
}

/* content_record - a content line (L) or a piece of a long one (l) */
static void content_record(struct cat *c, int type, const struct buf *data, off_t off)
{
	unsigned part = c->in_header ? SHOW_HEAD : SHOW_BODY;

	if (c->in_header && type == QREC_NORM && c->cont_off < 0 && buf_len(data) == 0) {
		c->in_header = 0;	/* the empty line belongs to the body */
		part = SHOW_BODY;
	}
	if (c->show & part) {
		if (c->cont_off < 0)
			prefix(c, off);
		fwrite(buf_cstr(data), 1, buf_len(data), stdout);
		if (type == QREC_NORM)
			putchar('\n');
	}
	c->cont_off = type == QREC_CONT ? (c->cont_off < 0 ? off : c->cont_off) : -1;
}

/* cat_file - the whole file; 0, or -1 with *error_r */
static int cat_file(const char *path, const char *name, unsigned show, const char **error_r)
{
	struct cat c = { .name = name, .show = show, .in_header = 1, .cont_off = -1 };
	struct qfile *qf;
	struct buf data;
	int type, ret;
	off_t off;

	if (qdir_open(path, &qf, error_r) < 0)
		return -1;
	buf_init(&data, QREC_MAX_LEN + 1);
	marker(&c, 0, "ENVELOPE RECORDS");
	while ((ret = qfile_get(qf, &type, &data, &off, error_r)) > 0) {
		if (type == QREC_MESG) {
			marker(&c, off, "MESSAGE CONTENTS");
			c.in_content = 1;
		} else if (type == QREC_XTRA) {
			marker(&c, off, "HEADER EXTRACTED");
			c.in_content = 0;
		} else if (type == QREC_END) {
			marker(&c, off, "MESSAGE FILE END");
		} else if (c.in_content && (type == QREC_NORM || type == QREC_CONT)) {
			content_record(&c, type, &data, off);
		} else {
			envelope_record(&c, type, buf_cstr(&data), off);
		}
	}
	buf_deinit(&data);
	qfile_close(&qf);
	return ret < 0 ? -1 : 0;
}

/* cat_queue_id - -q: find the ID and show it under its queue-relative name */
static void cat_queue_id(struct pfconf *cfg, const char *id, unsigned show)
{
	const char *queue, *error;
	char *path;

	if (chdir(pfconf_get(cfg, "queue_directory")) < 0)
		msg_fatal("chdir %s: %m", pfconf_get(cfg, "queue_directory"));
	if (!qdir_find(cfg, ".", id, &queue, &path))
		msg_fatal("open queue file %s: No such file or directory", id);
	if (cat_file(path, path + 2, show, &error) < 0)
		msg_fatal("%s: %s", path + 2, error);
	xfree(path);
}

int main(int argc, char **argv)
{
	struct pfconf *cfg;
	const char *config_dir = NULL, *error;
	unsigned show = 0;
	int c, by_id = 0;

	log_open("postcat", NULL, LOG_TARGET_STDERR);
	while ((c = getopt(argc, argv, "bc:ehoqrv")) != -1) {
		switch (c) {
		case 'b': show |= SHOW_BODY; break;
		case 'c': config_dir = optarg; break;
		case 'e': show |= SHOW_ENV; break;
		case 'h': show |= SHOW_HEAD; break;
		case 'o': show |= SHOW_OFFSET; break;
		case 'q': by_id = 1; break;
		case 'r': case 'v': break;
		default: msg_fatal(USAGE);
		}
	}
	if (!(show & (SHOW_ENV | SHOW_HEAD | SHOW_BODY)))
		show |= SHOW_ENV | SHOW_HEAD | SHOW_BODY;
	if (pfconf_load(&cfg, config_dir, &error) < 0)
		msg_fatal("%s", error);
	for (; optind < argc; optind++) {
		if (by_id) {
			cat_queue_id(cfg, argv[optind], show);
		} else if (cat_file(argv[optind], argv[optind], show, &error) < 0) {
			msg_fatal("%s: %s", argv[optind], error);
		}
	}
	pfconf_free(&cfg);
	return 0;
}
