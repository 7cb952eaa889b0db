/*
 * fuzz_ipc - libFuzzer target: attribute lists, data chunks, delivery
 * requests and SMTP paths built from hostile bytes must be rejected
 * cleanly (no crash, no hang, bounded memory).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "ipc/attr.h"
#include "ipc/delivery.h"
#include "mail/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* feed - a stream that yields data, then EOF */
static struct stream *feed(const uint8_t *data, size_t size)
{
	int sv[2];
	struct stream *s;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	if (size > 0 && write(sv[0], data, size) != (ssize_t)size)
		abort();
	close(sv[0]);
	s = stream_create(sv[1], STREAM_OWN_FD);
	stream_set_timeout(s, 1000);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attr_list l;
	struct delivery_request req;
	struct stream *s;
	struct buf chunk;
	const char *error, *params;
	char *text, *line, *save, *addr;
	int n;

	log_open("fuzz", NULL, 0);
	attr_list_init(&l);
	s = feed(data, size);
	for (n = 0; n < 1000 && attr_read(s, &l, &error) == 1; n++)
		(void)attr_get(&l, "proto");
	stream_destroy(&s);
	attr_list_deinit(&l);

	s = feed(data, size);
	buf_init(&chunk, 0);
	for (n = 0; n < 1000 && attr_read_chunk(s, &chunk, &error) == 1; n++)
		;
	buf_deinit(&chunk);
	stream_destroy(&s);

	s = feed(data, size);
	if (delivery_read_request(s, &req, &error) == 0)
		delivery_request_deinit(&req);
	stream_destroy(&s);

	text = xstrndup((const char *)data, size);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (addr_parse_path(line, line[0] & 1, &addr, &params, &error) == 0) {
			char *q = addr_quote(addr);

			xfree(q);
			xfree(addr);
		}
		(void)addr_valid_hostname(line);
		(void)addr_is_ip_literal(line, &params);
	}
	xfree(text);
	return 0;
}
