/*
 * input - the default mode (-bm): the message from standard input to
 * postdrop, as Postfix's sendmail reads it:
 *   - leading "From " (and ">From ") envelope lines are dropped;
 *   - sendmail_fix_line_endings: "always" removes the CR of every CR LF,
 *     "strict" only when the first line ended in CR LF, "never" keeps it;
 *   - without -i/-oi a line with only "." ends the message;
 *   - lines of any length are passed as pieces (memory stays bounded).
 * With -t (and no command-line recipients) the header block must have a
 * To:, Cc: or Bcc: (or Resent-) header with an address, else the message
 * is refused here, as Postfix's sendmail does; cleanup does the extraction.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/stream.h"
#include "sendmail.h"

#define PIECE_MAX 65536

/* header scan state for -t */
struct hdrscan {
	int in_headers;
	int current;		/* the current header is a recipient header */
	int found;		/* a recipient header with some address text */
};

/* is_rcpt_header - To/Cc/Bcc/Resent-To/Resent-Cc/Resent-Bcc; *value_r after the colon */
static int is_rcpt_header(const char *line, size_t len, const char **value_r)
{
	static const char *const names[] = { "to", "cc", "bcc", "resent-to", "resent-cc",
					     "resent-bcc", NULL };
	const char *colon = memchr(line, ':', len);

	if (colon == NULL)
		return 0;
	for (int i = 0; names[i] != NULL; i++) {
		size_t n = strlen(names[i]);

		if ((size_t)(colon - line) >= n && strncasecmp(line, names[i], n) == 0) {
			const char *p = line + n;

			while (p < colon && (*p == ' ' || *p == '\t'))
				p++;
			if (p == colon) {
				*value_r = colon + 1;
				return 1;
			}
		}
	}
	return 0;
}

/* has_address_text - something that can be an address (not a bare group "x:;") */
static int has_address_text(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '@' || isalnum((unsigned char)*p))
			return memchr(p, ':', (size_t)(end - p)) == NULL
				|| memchr(p, '@', (size_t)(end - p)) != NULL;
	return 0;
}

/* scan_header - follow the header block for -t */
static void scan_header(struct hdrscan *h, const char *line, size_t len)
{
	const char *value;

	if (!h->in_headers)
		return;
	if (len == 0) {
		h->in_headers = 0;
	} else if (line[0] == ' ' || line[0] == '\t') {
		if (h->current && has_address_text(line, line + len))
			h->found = 1;
	} else if (is_rcpt_header(line, len, &value)) {
		h->current = 1;
		if (has_address_text(value, line + len))
			h->found = 1;
	} else {
		h->current = 0;
		if (memchr(line, ':', len) == NULL)
			h->in_headers = 0;
	}
}

/* is_from_line - "From " or ">From " envelope line at the top */
static int is_from_line(const char *line, size_t len)
{
	while (len > 0 && *line == '>') {
		line++;
		len--;
	}
	return len >= 5 && memcmp(line, "From ", 5) == 0;
}

int sm_enqueue_stdin(struct sm_msg *m)
{
	struct stream *in = stream_create(STDIN_FILENO, 0);
	const char *fix = pfconf_get(sm.cfg, "sendmail_fix_line_endings");
	struct hdrscan h = { 1, 0, 0 };
	struct sm_drop *d = sm_drop_open(m);
	struct buf line, piece;
	unsigned flags;
	int first = 1, top = 1, strip_cr = strcasecmp(fix, "never") != 0, mid = 0;
	const char *id, *why;

	buf_init(&line, 0);
	buf_init(&piece, 0);
	stream_set_line_limit(in, PIECE_MAX);
	while (stream_read_line(in, &line, &flags) > 0) {
		if (flags & STREAM_LINE_PARTIAL) {
			if (!mid)
				scan_header(&h, line.data, line.len);
			sm_drop_cont(d, line.data, line.len);
			mid = 1;
			top = 0;
			continue;
		}
		if (first && strcasecmp(fix, "strict") == 0)
			strip_cr = (flags & STREAM_LINE_CRLF) != 0;
		first = 0;
		if ((flags & STREAM_LINE_CRLF) && !strip_cr)
			buf_append_c(&line, '\r');
		if (!mid && top && is_from_line(line.data, line.len))
			continue;
		top = 0;
		if (!mid && sm.dot_ends && line.len == 1 && line.data[0] == '.')
			break;
		if (!mid)
			scan_header(&h, line.data, line.len);
		sm_drop_line(d, line.data, line.len);
		mid = 0;
	}
	if (stream_error(in))
		msg_warn("error reading standard input");
	stream_destroy(&in);
	buf_deinit(&line);
	buf_deinit(&piece);
	if (m->extract && m->rcpts.n == 0 && !h.found) {
		sm_drop_abort(&d);
		msg_fatal_status(75, "%s(%ld): No recipient addresses found in message header",
				 m->sender, (long)sm.uid);
	}
	if (sm_drop_finish(&d, &id, &why) < 0) {
		if (strcmp(why, "message file too big") == 0)
			msg_warn("mail_stream_cleanup: close error");
		msg_fatal_status(75, "%s(%ld): %s", m->sender, (long)sm.uid, why);
	}
	if (sm.verbose)
		msg_info("queued as %s", id);
	return 0;
}
