/*
 * fuzz_maps - libFuzzer target: table source parsing (postmap and aliases
 * lines) and rule tables (pcre, cidr, texthash) loaded from the input, then
 * queried with a few keys.  regexp: is left out on purpose: glibc's
 * regcomp() can use unbounded memory on pathological patterns (also under
 * Postfix); such tables come from the administrator, not from the network.
 */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "maps/map_alias.h"
#include "maps/map_source.h"
#include "maps/maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "pcre", "cidr", "texthash" };
	static char path[64];
	char *text = xmemdup(data, size), *k, *v, spec[128];
	const char *keys[] = { "user@example.com", "192.168.1.1", "2001:db8::1", "", text };
	int fd;

	log_open("fuzz", NULL, 0);
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz_maps.%ld", (long)getpid());
	if (map_source_split(text, &k, &v) == 0) {
		xfree(k);
		xfree(v);
	}
	if (map_alias_split(text, &k, &v) == 0) {
		xfree(k);
		xfree(v);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, data, size) != (ssize_t)size)
			abort();
		close(fd);
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			struct map *m;
			const char *error, *value;

			snprintf(spec, sizeof(spec), "%s:%s", types[t], path);
			if (map_open(spec, 0, &m, &error) < 0)
				continue;
			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
				(void)map_lookup(m, keys[i], &value, &error);
			map_abort(&m);
		}
	}
	xfree(text);
	return 0;
}
