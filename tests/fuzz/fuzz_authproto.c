/*
 * fuzz_authproto - libFuzzer target: the auth daemon's line syntax
 * (auth/proto.c: TAB splitting, tab-unescaping, AUTH/USER parameters, ids)
 * and strict base64 (auth/b64.c) on every input line, with a round trip
 * check (escape then unescape, encode then decode give the input back),
 * and the auth cache (auth/cache.c) fed with the lines as keys and values.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "cache.h"
#include "proto.h"
#include "core/buf.h"
#include "core/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* one_line - everything on one NUL-free line */
static void one_line(struct auth_cache *cache, char *line, time_t now)
{
	char *copy = xstrdup(line), *f[PROTO_MAX_FIELDS];
	struct proto_params p;
	struct buf b, back;
	unsigned id;
	const char *v;
	int n;

	buf_init(&b, 0);
	buf_init(&back, 0);
	/* escaping round trip */
	proto_escape(&b, line);
	if (strchr(b.data, '\t') != NULL || strchr(b.data, '\n') != NULL)
		abort();
	proto_unescape(b.data);
	if (strcmp(b.data, line) != 0)
		abort();
	/* base64 round trip, and the decoder on raw text */
	buf_reset(&b);
	b64_encode(&b, line, strlen(line));
	if (b64_decode(&back, b.data, b.len) < 0 || back.len != strlen(line) ||
	    memcmp(back.data, line, back.len) != 0)
		abort();
	buf_reset(&back);
	(void)b64_decode(&back, line, strlen(line));
	/* the protocol parser */
	if ((n = proto_split(copy, f, PROTO_MAX_FIELDS)) > 0) {
		(void)proto_parse_id(f[0], &id);
		proto_parse_params(f + 1, n - 1, &p);
		if (p.resp != NULL)
			(void)b64_decode(&back, p.resp, strlen(p.resp));
	}
	/* the cache */
	auth_cache_insert(cache, line, strlen(line) % 3 == 0 ? NULL : line, now);
	(void)auth_cache_lookup(cache, line, now + (time_t)(strlen(line) % 5), &v);
	if (strlen(line) % 7 == 0)
		auth_cache_remove(cache, line);
	xfree(copy);
	buf_deinit(&b);
	buf_deinit(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_cache *cache = auth_cache_create(4096, 3, 2);
	char *text = xmalloc(size + 1), *line, *nl;
	time_t now = 1000;

	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line < text + size; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		*nl = '\0';
		one_line(cache, line, now++);
	}
	(void)auth_cache_flush(cache, NULL);
	auth_cache_destroy(&cache);
	xfree(text);
	return 0;
}
