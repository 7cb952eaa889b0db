/*
 * fuzz_hdr_addr - libFuzzer target: cleanup's RFC 5322 address-list
 * tokenizer must accept any bytes, report only ordered spans inside the
 * input, and convert every span to internal and back to external form.
 * Build: scripts/fuzz.sh with "-I cleanup cleanup/hdr_addr.c" added for
 * this target (see docs/cleanup.md).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "hdr_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hdr_addr_span sp[64];
	const char *v = (const char *)data;
	size_t n = hdr_addr_find(v, size, sp, 64), last = 0;

	for (size_t i = 0; i < n; i++) {
		char *in, *ex;

		if (sp[i].start >= sp[i].end || sp[i].end > size || sp[i].start < last)
			abort();
		last = sp[i].end;
		in = hdr_addr_internal(v + sp[i].start, sp[i].end - sp[i].start);
		ex = hdr_addr_external(in);
		xfree(in);
		xfree(ex);
	}
	return 0;
}
