/*
 * cmd-pw - `doveadm pw`, Dovecot 2.3's password hash tool:
 *   doveadm pw -l
 *   doveadm pw [-p password] [-r rounds] [-s scheme] [-u user] [-V]
 *   doveadm pw -t hash [-p password] [-u user]
 * Hashes come from lib/auth/pwscheme.h.  Without -p the password is read
 * from the tty with echo off ("Enter new password: " twice, three tries),
 * or, with no tty, a line from stdin without a prompt.  Exit status 0; 64
 * for bad options; 75 with a "Fatal: " line (unknown scheme, failed
 * verification); 1 after three mismatched entries.  Facts:
 * tests/data/pwscheme/facts.txt.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth/pwscheme.h"
#include "core/buf.h"
#include "doveadm.h"

#define PW_INPUT_MAX 4096	/* longest password read from the tty or stdin */
#define PW_READ_MAX 65536	/* bytes read per line at most */
#define PW_TRIES 3

struct pw_opts {
	const char *password, *scheme, *user, *test_hash;
	unsigned rounds;
	int list, verify;
};

/* pw_fatal - Dovecot's "Fatal: " line on stderr; exit status 75 */
static int pw_fatal(const char *prefix, const char *msg)
{
	fprintf(stderr, "Fatal: %s%s\n", prefix, msg);
	return DOVEADM_EX_TEMPFAIL;
}

/*
 * read_line - one line from fd into out (without the newline): at most
 * size - 1 bytes are kept, and reading stops after PW_READ_MAX bytes even
 * without a newline (a stream of junk cannot keep us reading).
 */
static void read_line(int fd, char *out, size_t size)
{
	size_t n = 0, total = 0;
	char c;

	while (total++ < PW_READ_MAX && read(fd, &c, 1) == 1 && c != '\n') {
		if (c != '\r' && n + 1 < size)
			out[n++] = c;
	}
	out[n] = '\0';
}

/*
 * ask_pass - prompt on the tty with echo off and read one line; with no
 * tty, read a line from stdin without a prompt.
 */
static void ask_pass(const char *prompt, char *out, size_t size)
{
	struct termios old, noecho;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), restore = 0;

	if (fd < 0) {
		read_line(STDIN_FILENO, out, size);
		return;
	}
	if (write(fd, prompt, strlen(prompt)) < 0)
		out[0] = '\0';
	if (tcgetattr(fd, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fd, TCSAFLUSH, &noecho) == 0;
	}
	read_line(fd, out, size);
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		out[0] = '\0';
	close(fd);
}

/* ask_new_pass - "Enter new password" + "Retype", three tries: 0 ok, -1 gave up */
static int ask_new_pass(char *out, size_t size)
{
	char again[PW_INPUT_MAX + 1];
	int i, ok = 0;

	for (i = 0; i < PW_TRIES && !ok; i++) {
		ask_pass("Enter new password: ", out, size);
		ask_pass("Retype new password: ", again, sizeof(again));
		ok = strcmp(out, again) == 0;
		if (!ok)
			fprintf(stderr, "Error: Passwords don't match!\n");
		OPENSSL_cleanse(again, sizeof(again));
	}
	return ok ? 0 : -1;
}

/* parse_rounds - -r as Dovecot reads it: leading digits (none = 0); -1 above UINT_MAX */
static int parse_rounds(const char *s, unsigned *rounds_r)
{
	unsigned long long v = 0;

	if (*s == '-')
		return -1;	/* real doveadm wraps these into huge counts; we refuse */
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT_MAX)
			return -1;
	}
	*rounds_r = (unsigned)v;
	return 0;
}

/* parse_opts - getopt over argv; -1 after the usage error message */
static int parse_opts(int argc, char **argv, struct pw_opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "lp:r:s:t:u:V")) != -1) {
		switch (c) {
		case 'l': o->list = 1; break;
		case 'p': o->password = optarg; break;
		case 's': o->scheme = optarg; break;
		case 't': o->test_hash = optarg; break;
		case 'u': o->user = optarg; break;
		case 'V': o->verify = 1; break;
		case 'r':
			if (parse_rounds(optarg, &o->rounds) < 0) {
				pw_fatal("Invalid number of rounds: ", optarg);
				return -2;
			}
			break;
		default: return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Error: Extraneous arguments found: %s\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* pw_list - -l: every scheme on one line, each followed by a space */
static int pw_list(void)
{
	const char *const *l;

	for (l = pwscheme_list(); *l != NULL; l++)
		printf("%s ", *l);
	printf("\n");
	return 0;
}

/* verify_print - check plain against hash; print "hash (verified)" or fail */
static int verify_print(const char *hash, const char *plain, const char *user)
{
	const char *error;

	if (pwscheme_decode_check(hash, NULL, &error) < 0)
		return pw_fatal("reverse decode check failed: ", error);
	switch (pwscheme_verify(plain, hash, NULL, user, &error)) {
	case PW_OK:
		printf("%s (verified)\n", hash);
		return 0;
	case PW_MISMATCH:
		return pw_fatal("reverse password verification check failed: ", "Password mismatch");
	default:
		if (strstr(error, "username not given") != NULL)
			return pw_fatal("", error);
		return pw_fatal("reverse password verification check failed: ", error);
	}
}

/* pw_test - -t hash */
static int pw_test(const struct pw_opts *o)
{
	char plain[PW_INPUT_MAX + 1];
	int ret;

	if (o->test_hash[0] != '{' || strchr(o->test_hash, '}') == NULL)
		return pw_fatal("", "Missing {scheme} prefix from hash");
	if (o->password != NULL)
		return verify_print(o->test_hash, o->password, o->user);
	ask_pass("Enter password to verify: ", plain, sizeof(plain));
	ret = verify_print(o->test_hash, plain, o->user);
	OPENSSL_cleanse(plain, sizeof(plain));
	return ret;
}

/* pw_make - generate (and with -V verify) the hash of plain */
static int pw_make(const struct pw_opts *o, const char *scheme, const char *plain)
{
	struct buf out;
	const char *error;
	int ret = 0;

	buf_init(&out, 0);
	if (pwscheme_generate(&out, scheme, plain, o->user, o->rounds, &error) < 0)
		ret = pw_fatal("", error);
	else if (!o->verify)
		printf("%s\n", buf_cstr(&out));
	else
		ret = verify_print(buf_cstr(&out), plain, o->user);
	buf_deinit(&out);
	return ret;
}

/* cmd_pw - doveadm pw */
static int cmd_pw(const struct dconf *cfg, int argc, char **argv)
{
	struct pw_opts o = { NULL, NULL, NULL, NULL, 0, 0, 0 };
	char plain[PW_INPUT_MAX + 1];
	const char *scheme;
	int ret;

	(void)cfg;
	if ((ret = parse_opts(argc, argv, &o)) < 0)
		return ret == -2 ? DOVEADM_EX_TEMPFAIL : DOVEADM_EX_USAGE;
	if (o.list)
		return pw_list();
	if (o.test_hash != NULL)
		return pw_test(&o);
	scheme = o.scheme != NULL ? o.scheme : "CRYPT";
	if (!pwscheme_exists(scheme)) {
		struct buf b;
		const char *error;

		buf_init(&b, 0);	/* the generator words the error */
		(void)pwscheme_generate(&b, scheme, "", o.user, 0, &error);
		buf_deinit(&b);
		return pw_fatal("", error);
	}
	if (o.password != NULL)
		return pw_make(&o, scheme, o.password);
	if (ask_new_pass(plain, sizeof(plain)) < 0)
		return 1;
	ret = pw_make(&o, scheme, plain);
	OPENSSL_cleanse(plain, sizeof(plain));
	return ret;
}

const struct doveadm_cmd doveadm_cmds_pw[] = {
	{ "pw", "[-l] [-p plaintext] [-r rounds] [-s scheme] [-t hash] [-u user] [-V]",
	  0, cmd_pw },
	{ NULL, NULL, 0, NULL },
};
