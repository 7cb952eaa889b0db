/*
 * pwscheme_argon2 - ARGON2I and ARGON2ID through libsodium (as Dovecot
 * 2.3 builds them): PHC strings "$argon2i$v=19$m=<KiB>,t=<ops>,p=1$salt$hash".
 * -r is the ops limit (default libsodium's "interactive" one: 4 for
 * argon2i, 2 for argon2id); the memory limit follows it as in Dovecot:
 * interactive below the "moderate" ops limit, moderate below "sensitive",
 * sensitive from there (argon2i 32/128/512 MiB, argon2id 64/256/1024 MiB);
 * argon2id then runs at least 3 passes (real doveadm's -r 0..2 all give
 * t=3 with 64 MiB).
 *
 * libsodium is loaded at first use with dlopen("libsodium.so.23") (the
 * library Debian's own dovecot-core depends on), not linked: every program
 * linking libauth.a keeps its link line, and a host without libsodium
 * simply has no ARGON2 schemes (not listed; a stored ARGON2 value is an
 * error saying so).  Only the header constants come from libsodium-dev.
 *
 * Verifying a stored string bounds its cost first: more than 1 GiB of
 * memory or 1000 passes is refused, so a hostile passdb entry cannot stall
 * the auth process.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pwscheme.h"
#include "pwscheme_int.h"

#define ARGON2_MAX_KIB (1024UL * 1024)
#define ARGON2_MAX_PASSES 1000UL
#define SODIUM_NOT_LOADED "ARGON2 schemes need libsodium (libsodium23), which could not be loaded"

static struct {
	int state;	/* 0 not tried, 1 loaded, -1 unavailable */
	int (*str_alg)(char *, const char *, unsigned long long, unsigned long long, size_t, int);
	int (*str_verify)(const char *, const char *, unsigned long long);
} sodium;

int pw_argon2_available(void)
{
	static const char *const names[] = { "libsodium.so.23", "libsodium.so" };
	int (*init)(void) = NULL;
	void *h = NULL;
	size_t i;

	if (sodium.state != 0)
		return sodium.state > 0;
	sodium.state = -1;
	for (i = 0; h == NULL && i < sizeof(names) / sizeof(names[0]); i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return 0;
	*(void **)&init = dlsym(h, "sodium_init");
	*(void **)&sodium.str_alg = dlsym(h, "crypto_pwhash_str_alg");
	*(void **)&sodium.str_verify = dlsym(h, "crypto_pwhash_str_verify");
	if (init != NULL && sodium.str_alg != NULL && sodium.str_verify != NULL && init() >= 0)
		sodium.state = 1;
	return sodium.state > 0;
}

struct argon2_limits {
	int alg;
	const char *fn;		/* Dovecot's name for the failing call */
	unsigned long long ops[3];	/* interactive, moderate, sensitive */
	size_t mem[3];
	unsigned long long min_ops;	/* raised to this after choosing the memory */
};

static const struct argon2_limits limits_i = {
	crypto_pwhash_ALG_ARGON2I13, "crypto_pwhash_argon2i_str",
	{ crypto_pwhash_argon2i_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2i_OPSLIMIT_MODERATE,
	  crypto_pwhash_argon2i_OPSLIMIT_SENSITIVE },
	{ crypto_pwhash_argon2i_MEMLIMIT_INTERACTIVE, crypto_pwhash_argon2i_MEMLIMIT_MODERATE,
	  crypto_pwhash_argon2i_MEMLIMIT_SENSITIVE },
	0,
};

static const struct argon2_limits limits_id = {
	crypto_pwhash_ALG_ARGON2ID13, "crypto_pwhash_argon2id_str",
	{ crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_OPSLIMIT_MODERATE,
	  crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE },
	{ crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE,
	  crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE },
	3,
};

/* argon2_generate - the PHC string for plain with -r rounds (0 = default) */
static int argon2_generate(const struct argon2_limits *l, struct buf *raw, const char *plain,
			   unsigned rounds, const char **error_r)
{
	static char msg[96];
	char out[crypto_pwhash_STRBYTES];
	unsigned long long ops = rounds != 0 ? rounds : l->ops[0];
	size_t mem = ops >= l->ops[2] ? l->mem[2] : ops >= l->ops[1] ? l->mem[1] : l->mem[0];

	if (!pw_argon2_available()) {
		*error_r = SODIUM_NOT_LOADED;
		return -1;
	}
	if (ops < l->min_ops)
		ops = l->min_ops;
	errno = 0;
	if (sodium.str_alg(out, plain, strlen(plain), ops, mem, l->alg) != 0) {
		snprintf(msg, sizeof(msg), "%s failed: %s", l->fn,
			 strerror(errno != 0 ? errno : EINVAL));
		*error_r = msg;
		return -1;
	}
	buf_append_str(raw, out);
	return 0;
}

int pw_gen_argon2i(struct buf *raw, const char *plain, const struct pw_params *params,
		   const char **error_r)
{
	return argon2_generate(&limits_i, raw, plain, params->rounds, error_r);
}

int pw_gen_argon2id(struct buf *raw, const char *plain, const struct pw_params *params,
		    const char **error_r)
{
	return argon2_generate(&limits_id, raw, plain, params->rounds, error_r);
}

/* argon2_too_costly - m= or t= of a PHC string beyond our bounds (strtoul saturates) */
static int argon2_too_costly(const char *s)
{
	const char *m = strstr(s, "$m="), *t = strstr(s, ",t=");

	if (m != NULL && strtoul(m + 3, NULL, 10) > ARGON2_MAX_KIB)
		return 1;
	if (t != NULL && strtoul(t + 3, NULL, 10) > ARGON2_MAX_PASSES)
		return 1;
	return 0;
}

/* any argon2i/argon2id string verifies (libsodium reads the variant); junk is a mismatch */
int pw_ver_argon2(const char *plain, const struct pw_params *params, const unsigned char *raw,
		  size_t len, const char **error_r)
{
	const char *stored = (const char *)raw;

	(void)params;
	if (!pw_argon2_available()) {
		*error_r = SODIUM_NOT_LOADED;
		return PW_ERROR;
	}
	if (len == 0 || len >= crypto_pwhash_STRBYTES || memchr(stored, '\0', len) != NULL ||
	    stored[len] != '\0')
		return PW_MISMATCH;
	if (argon2_too_costly(stored)) {
		*error_r = "ARGON2 parameters exceed 1 GiB or 1000 passes";
		return PW_ERROR;
	}
	return sodium.str_verify(stored, plain, strlen(plain)) == 0 ? PW_OK : PW_MISMATCH;
}
