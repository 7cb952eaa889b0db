/*
 * fuzz_maincf - libFuzzer target: main.cf parsing, $name expansion
 * (including loops and malformed ${...}), list splitting and value syntax.
 * Must never crash, hang or leak unboundedly, whatever the input.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfconf *cfg = pfconf_create_empty("/nonexistent");
	const char *error;
	struct argv names;
	struct buf out;

	log_open("fuzz", NULL, 0);
	if (pfconf_read_text(cfg, "main.cf", (const char *)data, size, &error) == 0) {
		argv_init(&names);
		buf_init(&out, 1024 * 1024);
		pfconf_names(cfg, &names);
		for (size_t i = 0; i < names.n && i < 64; i++) {
			const char *raw = pfconf_get_raw(cfg, names.v[i]);
			struct argv items;
			long long n;

			buf_reset(&out);
			(void)pfconf_expand(cfg, raw, &out, &error);
			argv_init(&items);
			pfconf_list_split(raw, &items);
			argv_deinit(&items);
			(void)pfconf_parse_int(raw, &n);
			(void)pfconf_parse_time(raw, 'd', &n);
		}
		buf_deinit(&out);
		argv_deinit(&names);
	}
	pfconf_free(&cfg);
	return 0;
}
