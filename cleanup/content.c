/*
 * content - the message content as it streams in: chunks become lines
 * (pieces of at most line_length_limit bytes), lines become logical
 * headers (folded lines joined, at most header_size_limit bytes kept) or
 * body lines, and the MIME structure decides which checks see what:
 *
 *   primary headers           header_checks (MIME headers: mime_header_checks)
 *   headers of a MIME part    mime_header_checks
 *   headers of an attached    nested_header_checks (MIME headers: mime_header_checks)
 *   message (message/rfc822)
 *   body lines                body_checks (the first body_checks_size_limit bytes of each part)
 *
 * A header block ends with an empty line, or with a line that is not a
 * header (which then is the first body line, as Postfix 3.7 does).
 * Multipart boundaries ("--b", "--b--") are recognised for every open
 * multipart level up to mime_nesting_limit; deeper structure is body.
 * Nothing is held in memory except the current line piece and the
 * current header.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "core/log.h"
#include "core/mem.h"
#include "queue/qfile.h"

void content_start(struct cleanup *c)
{
	out_rec(c, QREC_MESG, "", 0);
	c->content_offset = c->off;
	c->in_header = 1;
	c->hclass = HDR_PRIMARY;
	header_received(c);
}

/* flush_header - process the pending logical header */
static void flush_header(struct cleanup *c)
{
	if (!c->hdr_pending)
		return;
	c->hdr_pending = 0;
	if (out_ok(c))
		header_process(c, &c->hdr, c->hclass);
	buf_reset(&c->hdr);
	c->hdr_truncated = 0;
}

/* hdr_append - add text to the pending header, keeping at most header_size_limit bytes */
static void hdr_append(struct cleanup *c, const char *data, size_t len)
{
	size_t room = (size_t)c->cf->header_size_limit > c->hdr.len
		? (size_t)c->cf->header_size_limit - c->hdr.len : 0;

	if (len > room) {
		if (!c->hdr_truncated) {
			size_t nl = strcspn(buf_cstr(&c->hdr), ":");

			msg_warn("%s: header %.*s: message header length exceeds safety limit "
				 "(header_size_limit = %lld): truncated", c->queue_id,
				 (int)(nl < 60 ? nl : 60), buf_cstr(&c->hdr), c->cf->header_size_limit);
			c->hdr_truncated = 1;
		}
		len = room;
	}
	buf_append(&c->hdr, data, len);
}

/* parse_param - value of a Content-Type parameter (bounded copy), or NULL */
static char *parse_param(const char *p, const char *name, size_t max)
{
	size_t nlen = strlen(name);

	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen;
			size_t n;

			while (*v == ' ' || *v == '\t')
				v++;
			if (*v != '=')
				continue;
			v++;
			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '"') {
				v++;
				n = strcspn(v, "\"");
			} else {
				n = strcspn(v, "; \t\r\n");
			}
			if (n == 0 || n > max)
				return NULL;
			return xstrndup(v, n);
		}
	}
	return NULL;
}

/* note_content_type - remember the type and boundary of the current header block */
static void note_content_type(struct cleanup *c, const char *hdr)
{
	const char *v = strchr(hdr, ':') + 1;
	size_t n;

	while (*v == ' ' || *v == '\t' || *v == '\n')
		v++;
	n = strcspn(v, "; \t\r\n");
	xfree(c->block_type);
	xfree(c->block_boundary);
	c->block_type = xstrndup(v, n < 128 ? n : 128);
	for (char *p = c->block_type; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	c->block_boundary = parse_param(v, "boundary", (size_t)c->cf->mime_boundary_limit);
}

/* end_header_block - a header block ended: what comes next */
static void end_header_block(struct cleanup *c)
{
	flush_header(c);
	if (c->hclass == HDR_PRIMARY && !c->primary_done) {
		c->primary_done = 1;
		header_done(c);
	}
	c->in_header = 0;
	c->part_offset = 0;
	if (c->cf->disable_mime || c->block_type == NULL || c->depth >= (size_t)c->cf->mime_nesting_limit
	    || c->depth >= MIME_MAX_STACK)
		goto out;
	if (strncmp(c->block_type, "multipart/", 10) == 0 && c->block_boundary != NULL) {
		c->stack[c->depth++] = c->block_boundary;
		c->block_boundary = NULL;
	} else if (strcmp(c->block_type, "message/rfc822") == 0
		   || strcmp(c->block_type, "message/global") == 0) {
		c->in_header = 1;	/* the attached message's headers follow */
		c->hclass = HDR_NESTED;
	}
out:
	xfree(c->block_type);
	xfree(c->block_boundary);
	c->block_type = c->block_boundary = NULL;
}

/* boundary_line - "--b" (1) or "--b--" (2) for an open boundary at level *lvl, else 0 */
static int boundary_line(struct cleanup *c, const char *line, size_t len, size_t *lvl)
{
	if (c->depth == 0 || len < 3 || line[0] != '-' || line[1] != '-')
		return 0;
	for (size_t i = c->depth; i-- > 0;) {
		size_t bl = strlen(c->stack[i]);

		if (len >= bl + 2 && memcmp(line + 2, c->stack[i], bl) == 0) {
			const char *rest = line + 2 + bl;
			size_t rl = len - 2 - bl;

			*lvl = i;
			if (rl >= 2 && rest[0] == '-' && rest[1] == '-')
				return 2;
			return 1;
		}
	}
	return 0;
}

/* body_line - one body line piece: boundaries, body_checks, output */
static void body_line(struct cleanup *c, const char *data, size_t len, int partial, int cont)
{
	char *repl = NULL;
	size_t lvl = 0;
	int kind = cont ? 0 : boundary_line(c, data, len, &lvl), r = ACT_KEEP;

	if (c->body_filter && !maplist_empty(c->cf->body_checks)
	    && (c->cf->body_checks_size_limit == 0 || c->part_offset < c->cf->body_checks_size_limit)) {
		char *text = xstrndup(data, len);

		r = checks_run(c, c->cf->body_checks, "body", text, &repl);
		xfree(text);
	}
	c->part_offset += (long long)len + (partial ? 0 : 1);
	if (r == ACT_REPLACE) {
		out_line(c, repl, strlen(repl), partial);
		xfree(repl);
	} else if (r == ACT_KEEP) {
		out_line(c, data, len, partial);
	}
	if (kind == 1) {
		while (c->depth > lvl + 1)
			xfree(c->stack[--c->depth]);
		c->in_header = 1;
		c->hclass = HDR_MULTIPART;
	} else if (kind == 2) {
		while (c->depth > lvl)
			xfree(c->stack[--c->depth]);
		c->part_offset = 0;
	}
}

/* header_line - a line piece while in a header block */
static void header_line(struct cleanup *c, const char *data, size_t len, int partial, int cont)
{
	if (cont) {	/* the rest of a long line */
		if (c->hdr_pending)
			hdr_append(c, data, len);
		else
			body_line(c, data, len, partial, 1);
		return;
	}
	if (c->hdr_pending && len > 0 && (data[0] == ' ' || data[0] == '\t')) {
		hdr_append(c, "\n", 1);
		hdr_append(c, data, len);
		return;
	}
	flush_header(c);
	if (header_is(data, len) > 0) {
		c->hdr_pending = 1;
		hdr_append(c, data, len);
		return;
	}
	{
		/* a primary header block ended by a body line: Postfix writes the
		 * empty separator line (a message without headers gets one too) */
		int primary = c->hclass == HDR_PRIMARY && !c->primary_done;

		end_header_block(c);
		if (primary && len > 0)
			body_line(c, "", 0, 0, 0);
	}
	body_line(c, data, len, partial, 0);
}

/*
 * filter_chars - message_reject_characters (reject, as Postfix's "REJECT
 * disallowed character"), message_strip_characters (removed) and
 * cleanup_replace_stray_cr_lf (a CR inside a line becomes a space).
 * Returns the piece to use (data or c->stripped).
 */
static const char *filter_chars(struct cleanup *c, const char *data, size_t *len)
{
	const struct cleanup_conf *cf = c->cf;
	int strip = cf->strip_chars.len > 0, cr = cf->replace_stray_cr && memchr(data, '\r', *len);

	if (c->filter && cf->reject_chars.len > 0) {
		for (size_t i = 0; i < *len; i++) {
			if (memchr(cf->reject_chars.data, data[i], cf->reject_chars.len) != NULL) {
				char *text = xstrndup(data, *len);

				checks_act(c, "content", text, "REJECT disallowed character", "character reject");
				xfree(text);
				return data;
			}
		}
	}
	if (!strip && !cr)
		return data;
	buf_reset(&c->stripped);
	for (size_t i = 0; i < *len; i++) {
		if (strip && memchr(cf->strip_chars.data, data[i], cf->strip_chars.len) != NULL)
			continue;
		buf_append_c(&c->stripped, cr && data[i] == '\r' ? ' ' : data[i]);
	}
	*len = c->stripped.len;
	return c->stripped.data;
}

/* piece - one line piece (partial: the line continues in the next piece) */
static void piece(struct cleanup *c, const char *data, size_t len, int partial)
{
	int cont = c->prev_partial;

	c->prev_partial = partial;
	if (!out_ok(c))
		return;
	data = filter_chars(c, data, &len);
	if (!out_ok(c))
		return;
	if (c->in_header)
		header_line(c, data, len, partial, cont);
	else
		body_line(c, data, len, partial, cont);
}

void content_data(struct cleanup *c, const char *data, size_t len)
{
	size_t max = (size_t)c->cf->line_length_limit;

	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - data) : len;
		size_t take = n;

		if (c->line.len + take > max)
			take = max - c->line.len;
		buf_append(&c->line, data, take);
		data += take;
		len -= take;
		if (c->line.len >= max && (take < n || nl == NULL)) {
			piece(c, c->line.data, c->line.len, 1);
			buf_reset(&c->line);
			continue;
		}
		if (nl != NULL && take == n) {
			piece(c, c->line.data, c->line.len, 0);
			buf_reset(&c->line);
			data++;
			len--;
		}
	}
}

void content_end(struct cleanup *c)
{
	if (c->line.len > 0 || c->prev_partial) {
		piece(c, c->line.data, c->line.len, 0);
		buf_reset(&c->line);
	}
	if (!out_ok(c))
		return;
	if (c->in_header) {
		flush_header(c);
		if (!c->primary_done) {
			c->primary_done = 1;
			header_done(c);
		}
	}
}

void content_note_header(struct cleanup *c, const char *hdr)
{
	note_content_type(c, hdr);
}
