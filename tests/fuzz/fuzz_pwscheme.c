/*
 * fuzz_pwscheme - libFuzzer target: lib/auth/pwscheme must take any stored
 * value and password without crashing: verify gives one of its three
 * results, decode_check agrees with verify about decoding errors, and
 * credentials returns -1, 0 or 1.  Input: password NUL stored-value.
 * Values that would only measure a slow hash (the crypt(3) family and
 * ARGON2, whose costs are in the value itself, and iteration counts of six
 * or more digits) are skipped: their parsing belongs to libxcrypt and
 * libsodium.  Build: scripts/fuzz.sh (target "pwscheme").
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/pwscheme.h"
#include "core/buf.h"
#include "core/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* too_slow - a value whose cost is chosen by the value itself */
static int too_slow(const char *s)
{
	size_t digits = 0;

	if (strcasestr(s, "CRYPT") != NULL || strcasestr(s, "ARGON2") != NULL ||
	    strncmp(s, "$1$", 3) == 0 || (s[0] != '{' && strchr(s, '$') != NULL))
		return 1;
	for (; *s != '\0'; s++) {
		digits = *s >= '0' && *s <= '9' ? digits + 1 : 0;
		if (digits >= 6)
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const wants[] = { "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN",
					     "DIGEST-MD5" };
	char *copy = xmemdup(data, size), *stored;
	const char *error;
	struct buf b;
	size_t i;
	int ret;

	stored = memchr(copy, '\0', size) != NULL ? copy + strlen(copy) + 1 : copy;
	if (stored > copy + size || too_slow(stored)) {
		xfree(copy);
		return 0;
	}
	ret = pwscheme_verify(copy, stored, "SHA", "user@realm", &error);
	if (ret != PW_OK && ret != PW_MISMATCH && ret != PW_ERROR)
		abort();
	if (pwscheme_decode_check(stored, "SHA", &error) < 0 && ret != PW_ERROR)
		abort();
	buf_init(&b, 0);
	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		buf_reset(&b);
		ret = pwscheme_credentials(&b, wants[i], stored, "SHA", "user@realm", &error);
		if (ret < -1 || ret > 1)
			abort();
	}
	buf_deinit(&b);
	xfree(copy);
	return 0;
}
