/*
 * mech.c - the mechanism registry and MECH flag words (see mech.h).
 */
#include "config.h"

#include <strings.h>

#include "mech.h"
#include "core/buf.h"

static const struct mech *const mech_all[] = {
	&mech_plain, &mech_login, &mech_cram_md5, &mech_scram_sha1,
	&mech_scram_sha256, &mech_anonymous, &mech_external,
};

const struct mech *mech_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mech_all) / sizeof(mech_all[0]); i++)
		if (strcasecmp(mech_all[i]->name, name) == 0)
			return mech_all[i];
	return NULL;
}

void mech_flags_append(struct buf *out, unsigned flags)
{
	static const char *const words[] = {
		"private", "anonymous", "plaintext", "dictionary", "active",
		"forward-secrecy", "mutual-auth",
	};
	unsigned i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if ((flags & (1u << i)) != 0) {
			buf_append_c(out, '\t');
			buf_append_str(out, words[i]);
		}
	}
}
