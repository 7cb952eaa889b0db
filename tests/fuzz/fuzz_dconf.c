/*
 * fuzz_dconf - libFuzzer target: dovecot.conf parsing (sections, filters,
 * quoting, continuations, $self references, typed values), the doveconf
 * output formats on whatever loaded, and %-variable templates (the input
 * also run through varexp).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/dconf.h"
#include "config/dconf_dump.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/varexp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct varexp_entry table[] = {
		{ 'u', "user", "Ab.C@example.org" }, { 'n', "username", "Ab.C" },
		{ 'd', "domain", "example.org" }, { 'h', "home", NULL }, { '\0', NULL, NULL },
	};
	struct dconf *cfg;
	struct buf out;
	const char *error;
	char *text = malloc(size + 1);

	log_open("fuzz", NULL, 0);
	memcpy(text, data, size);
	text[size] = '\0';
	buf_init(&out, 0);
	if (dconf_load_text(&cfg, "dovecot.conf", NULL, text, size, DCONF_FLAG_NO_FILE_VALUES,
			    &error) == 0) {
		static const char *const names[] = { "service/auth", "passdb", "plugin/x", "ssl", NULL };

		dconf_dump_human(cfg, DCONF_DUMP_CHANGED, &out);
		dconf_dump_simple(cfg, DCONF_DUMP_CHANGED, &out);
		dconf_dump_names(cfg, names, 0, &out);
		dconf_free(&cfg);
	}
	buf_reset(&out);
	(void)varexp(&out, text, table, &error);
	(void)varexp_has_key(text, 'u', "user");
	buf_deinit(&out);
	free(text);
	return 0;
}
