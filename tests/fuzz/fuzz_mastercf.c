/*
 * fuzz_mastercf - libFuzzer target: master.cf parsing (fields, { }
 * grouping, -o overrides, continuation lines).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/mastercf.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mastercf *mcf;
	const char *error;
	char *text = malloc(size + 1);

	log_open("fuzz", NULL, 0);
	memcpy(text, data, size);
	text[size] = '\0';
	if (mastercf_parse_text(&mcf, "master.cf", text, &error) == 0) {
		for (size_t i = 0; i < mcf->n; i++)
			(void)mastercf_find(mcf, mcf->entries[i].service, mcf->entries[i].type);
		mastercf_free(&mcf);
	}
	free(text);
	return 0;
}
