/*
 * cmd-auth.c - doveadm auth test, auth lookup, user (see cmd-auth.h).
 * Facts: tests/data/auth/doveadm-real.txt (real doveadm 2.3.19 against
 * real Dovecot's auth with the same users).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cmd-auth.h"
#include "doveadm.h"
#include "config/dconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/stream.h"

#define EX_USAGE_ 64
#define EX_NOUSER_ 67
#define EX_TEMPFAIL_ 75
#define EX_NOPERM_ 77
#define AUTH_IO_TIMEOUT_MS (30 * 1000)

/* auth_socket - -a path, or <base_dir>/<name> */
static char *auth_socket(const struct dconf *cfg, const char *opt, const char *name)
{
	const char *base = cfg != NULL ? dconf_get(cfg, "base_dir") : NULL;

	if (opt != NULL)
		return xstrdup(opt);
	return xasprintf("%s/%s", base != NULL ? base : "/run/dovecot", name);
}

/* auth_connect - a stream on the UNIX socket path; NULL + *error_r */
static struct stream *auth_connect(const char *path, const char **error_r)
{
	static char err[600];
	struct sockaddr_un sun;
	struct stream *s;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, sizeof(err), "connect(%s) failed: File name too long", path);
		*error_r = err;
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, sizeof(err), "connect(%s) failed: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		*error_r = err;
		return NULL;
	}
	s = stream_create(fd, STREAM_OWN_FD);
	stream_set_timeout(s, AUTH_IO_TIMEOUT_MS);
	stream_set_line_limit(s, 65536);
	return s;
}

/* read_line - next line into line: 1, or 0 at EOF/error */
static int read_line(struct stream *s, struct buf *line)
{
	unsigned flags = 0;

	return stream_read_line(s, line, &flags) > 0 && (flags & STREAM_LINE_PARTIAL) == 0;
}

/* ---- doveadm auth test ---- */

/* ask_password - "Password: " without echo on a terminal, else a line from stdin */
static char *ask_password(void)
{
	struct termios old, noecho;
	char line[1024];
	int tty = isatty(STDIN_FILENO);

	if (tty) {
		fputs("Password: ", stdout);
		fflush(stdout);
		tcgetattr(STDIN_FILENO, &old);
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	}
	if (fgets(line, sizeof(line), stdin) == NULL)
		line[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputs("\n", stdout);
	}
	line[strcspn(line, "\r\n")] = '\0';
	return xstrdup(line);
}

/* b64_append - standard base64 of n bytes */
static void b64_append(struct buf *out, const unsigned char *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = { a[p[i] >> 2], a[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			      a[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], a[p[i + 2] & 63] };
		buf_append(out, q, 4);
	}
	if (i < n) {
		unsigned b1 = i + 1 < n ? p[i + 1] : 0;
		char q[4] = { a[p[i] >> 2], a[((p[i] & 3) << 4) | (b1 >> 4)],
			      i + 1 < n ? a[(b1 & 15) << 2] : '=', '=' };
		buf_append(out, q, 4);
	}
}

/* info_params - "-x key=value" words as AUTH/USER parameters; service= replaces the default */
static void info_params(struct buf *out, const struct argv *info, const char *service)
{
	size_t i;
	int have_service = 0;

	for (i = 0; i < info->n; i++)
		if (strncmp(info->v[i], "service=", 8) == 0)
			have_service = 1;
	if (!have_service)
		buf_printf(out, "\tservice=%s", service);
	for (i = 0; i < info->n; i++)
		if (strchr(info->v[i], '\t') == NULL && strchr(info->v[i], '\n') == NULL)
			buf_printf(out, "\t%s", info->v[i]);
}

/* print_fields - each TAB-separated field, indented */
static void print_fields(const char *fields)
{
	struct argv *f;
	size_t i;

	f = argv_create();
	for (;;) {
		const char *tab = strchr(fields, '\t');

		argv_addn(f, fields, tab != NULL ? (size_t)(tab - fields) : strlen(fields));
		if (tab == NULL)
			break;
		fields = tab + 1;
	}
	for (i = 0; i < f->n; i++)
		printf("  %s\n", f->v[i]);
	argv_destroy(&f);
}

/* print_extra - "extra fields:" and the fields */
static void print_extra(const char *fields)
{
	if (fields == NULL)
		return;
	printf("extra fields:\n");
	print_fields(fields);
}

/* login_request - auth login: REQUEST the userdb fields on the master socket */
static void login_request(const char *master_path, const char *cookie)
{
	struct buf line;
	const char *error;
	struct stream *s = auth_connect(master_path, &error);

	if (s == NULL) {
		fprintf(stderr, "Error: auth-master: %s\n", error);
		return;
	}
	buf_init(&line, 0);
	stream_printf(s, "VERSION\t1\t0\nREQUEST\t1\t%ld\t1\t%s\n", (long)getpid(), cookie);
	if (stream_flush(s) == 0) {
		while (read_line(s, &line)) {
			if (strncmp(line.data, "USER\t1\t", 7) == 0) {
				printf("userdb extra fields:\n");
				print_fields(line.data + 7);
				break;
			}
			if (strncmp(line.data, "FAIL\t1", 6) == 0 || strncmp(line.data, "NOTFOUND\t1", 10) == 0) {
				fprintf(stderr, "Error: userdb lookup failed\n");
				break;
			}
		}
	}
	buf_deinit(&line);
	stream_destroy(&s);
}

/* auth_test_run - handshake, AUTH PLAIN, the answer (+ REQUEST for auth login); exit status */
static int auth_test_run(const char *path, const char *user, const char *master,
			 const char *pass, const struct argv *info, const char *master_path)
{
	char cookie[64] = "";
	struct buf line, req, blob;
	const char *error, *fields = NULL;
	struct stream *s = auth_connect(path, &error);
	int ok = 0, got = 0;

	if (s == NULL) {
		fprintf(stderr, "Error: auth-client: conn unix:%s: %s\n", path, error);
		return EX_NOPERM_;
	}
	buf_init(&line, 0);
	buf_init(&req, 0);
	buf_init(&blob, 0);
	buf_append_str(&blob, master != NULL ? user : "");
	buf_append_c(&blob, '\0');
	buf_append_str(&blob, master != NULL ? master : user);
	buf_append_c(&blob, '\0');
	buf_append_str(&blob, pass);
	buf_printf(&req, "VERSION\t1\t2\nCPID\t%ld\nAUTH\t1\tPLAIN", (long)getpid());
	info_params(&req, info, "doveadm");
	buf_append_str(&req, "\tresp=");
	b64_append(&req, (const unsigned char *)blob.data, blob.len);
	buf_append_c(&req, '\n');
	stream_write(s, req.data, req.len);
	if (stream_flush(s) == 0) {
		while (read_line(s, &line)) {
			if (strncmp(line.data, "COOKIE\t", 7) == 0)
				snprintf(cookie, sizeof(cookie), "%s", line.data + 7);
			if (strncmp(line.data, "OK\t1", 4) == 0 || strncmp(line.data, "FAIL\t1", 6) == 0) {
				ok = line.data[0] == 'O';
				got = 1;
				fields = strchr(line.data + (ok ? 3 : 5), '\t');
				break;
			}
			if (strncmp(line.data, "CONT\t1\t", 7) == 0)
				break;	/* PLAIN with a response never continues */
		}
	}
	if (!got)
		fprintf(stderr, "Error: Disconnected from auth server, aborting\n");
	else {
		printf("passdb: %s auth %s\n", user, ok ? "succeeded" : "failed");
		print_extra(fields != NULL ? fields + 1 : NULL);
		if (ok && master_path != NULL)
			login_request(master_path, cookie);
	}
	explicit_bzero(blob.data, blob.len);
	buf_deinit(&line);
	buf_deinit(&req);
	buf_deinit(&blob);
	stream_destroy(&s);
	return got && ok ? 0 : EX_NOPERM_;
}

/* parse_common - -a, -x, -f, -u, -M; returns optind or -1 on a bad option */
struct cmd_opts {
	const char *socket, *field, *master;
	int userdb_format;
	struct argv info;
};

static int parse_opts(int argc, char **argv, const char *optstr, struct cmd_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	argv_init(&o->info);
	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, optstr)) != -1) {
		switch (c) {
		case 'a': o->socket = optarg; break;
		case 'x': argv_add(&o->info, optarg); break;
		case 'f': o->field = optarg; break;
		case 'M': o->master = optarg; break;
		case 'u': o->userdb_format = 1; break;
		case 'e': break;
		default:
			return -1;
		}
	}
	return optind;
}

int cmd_auth_test(const struct dconf *cfg, int argc, char **argv)
{
	struct cmd_opts o;
	char *path, *pass;
	int i, ret;

	if ((i = parse_opts(argc, argv, "+a:x:M:", &o)) < 0 || argc - i < 1 || argc - i > 2) {
		fprintf(stderr, "doveadm auth test [-a <auth socket path>] [-x <auth info>] "
			"[-M <master user>] <user> [<password>]\n");
		argv_deinit(&o.info);
		return EX_USAGE_;
	}
	path = auth_socket(cfg, o.socket, "auth-client");
	pass = argc - i == 2 ? xstrdup(argv[i + 1]) : ask_password();
	ret = auth_test_run(path, argv[i], o.master, pass, &o.info, NULL);
	explicit_bzero(pass, strlen(pass));
	xfree(pass);
	xfree(path);
	argv_deinit(&o.info);
	return ret;
}

/* cmd_auth_login - auth test on auth-login, then REQUEST on auth-master */
static int cmd_auth_login(const struct dconf *cfg, int argc, char **argv)
{
	struct cmd_opts o;
	char *path, *mpath, *pass;
	const char *m = NULL;
	int i, c, ret;

	memset(&o, 0, sizeof(o));
	argv_init(&o.info);
	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "+a:m:x:M:")) != -1) {
		if (c == 'a')
			o.socket = optarg;
		else if (c == 'm')
			m = optarg;
		else if (c == 'x')
			argv_add(&o.info, optarg);
		else if (c == 'M')
			o.master = optarg;
		else
			break;
	}
	i = optind;
	if (c == '?' || argc - i < 1 || argc - i > 2) {
		fprintf(stderr, "doveadm auth login [-a <auth-login socket path>] [-m <auth-master socket path>] "
			"[-x <auth info>] [-M <master user>] <user> [<password>]\n");
		argv_deinit(&o.info);
		return EX_USAGE_;
	}
	path = auth_socket(cfg, o.socket, "auth-login");
	mpath = auth_socket(cfg, m, "auth-master");
	pass = argc - i == 2 ? xstrdup(argv[i + 1]) : ask_password();
	ret = auth_test_run(path, argv[i], o.master, pass, &o.info, mpath);
	explicit_bzero(pass, strlen(pass));
	xfree(pass);
	xfree(path);
	xfree(mpath);
	argv_deinit(&o.info);
	return ret;
}

/* cmd_auth_cache_flush - CACHE-FLUSH on auth-master: "N cache entries flushed" */
static int cmd_auth_cache_flush(const struct dconf *cfg, int argc, char **argv)
{
	struct buf req, line;
	const char *sock = NULL, *error;
	struct stream *s;
	unsigned count = 0;
	char *path;
	int c, i;

	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "+a:")) != -1) {
		if (c != 'a') {
			fprintf(stderr, "doveadm auth cache flush [-a <master socket path>] [<user> [...]]\n");
			return EX_USAGE_;
		}
		sock = optarg;
	}
	path = auth_socket(cfg, sock, "auth-master");
	if ((s = auth_connect(path, &error)) == NULL) {
		fprintf(stderr, "Error: auth-master: auth cache flush: %s\n", error);
	} else {
		buf_init(&req, 0);
		buf_init(&line, 0);
		buf_append_str(&req, "VERSION\t1\t0\nCACHE-FLUSH\t1");
		for (i = optind; i < argc; i++)
			if (strchr(argv[i], '\t') == NULL)
				buf_printf(&req, "\t%s", argv[i]);
		buf_append_c(&req, '\n');
		stream_write(s, req.data, req.len);
		if (stream_flush(s) == 0)
			while (read_line(s, &line))
				if (strncmp(line.data, "OK\t1\t", 5) == 0) {
					count = (unsigned)strtoul(line.data + 5, NULL, 10);
					break;
				}
		buf_deinit(&req);
		buf_deinit(&line);
		stream_destroy(&s);
	}
	printf("%u cache entries flushed\n", count);
	xfree(path);
	return 0;
}

/* ---- the master/userdb protocol client ---- */

struct master_client {
	struct stream *s;
	char *path;
	unsigned next_id;
};

/* master_open - connect and send VERSION (the server's lines are read with the replies) */
static int master_open(struct master_client *mc, const char *path, const char **error_r)
{
	struct buf line;

	mc->path = xstrdup(path);
	mc->next_id = 1;
	if ((mc->s = auth_connect(path, error_r)) == NULL)
		return -1;
	stream_puts(mc->s, "VERSION\t1\t0\n");
	if (stream_flush(mc->s) < 0) {
		*error_r = "write failed";
		return -1;
	}
	buf_init(&line, 0);
	while (read_line(mc->s, &line) && strncmp(line.data, "SPID\t", 5) != 0)
		;
	buf_deinit(&line);
	return 0;
}

static void master_close(struct master_client *mc)
{
	stream_destroy(&mc->s);
	xfree(mc->path);
}

/*
 * master_lookup - "USER|PASS id user params"; the reply line (without
 * "CMD\tid\t") into reply.  1 found, 0 not found, -1 failure.
 */
static int master_lookup(struct master_client *mc, const char *cmd, const char *user,
			 const struct argv *info, struct buf *reply)
{
	struct buf req, line;
	char prefix[64], nf[64], fail[64];
	unsigned id = mc->next_id++;
	int ret = -1;

	buf_init(&req, 0);
	buf_init(&line, 0);
	buf_printf(&req, "%s\t%u\t%s", cmd, id, user);
	info_params(&req, info, "doveadm");
	buf_append_c(&req, '\n');
	snprintf(prefix, sizeof(prefix), "%s\t%u\t", cmd, id);
	snprintf(nf, sizeof(nf), "NOTFOUND\t%u", id);
	snprintf(fail, sizeof(fail), "FAIL\t%u", id);
	if (stream_write(mc->s, req.data, req.len) == 0 && stream_flush(mc->s) == 0) {
		while (read_line(mc->s, &line)) {
			if (strncmp(line.data, prefix, strlen(prefix)) == 0) {
				buf_set(reply, line.data + strlen(prefix), line.len - strlen(prefix));
				ret = 1;
				break;
			}
			if (strcmp(line.data, nf) == 0) {
				ret = 0;
				break;
			}
			if (strncmp(line.data, fail, strlen(fail)) == 0 &&
			    (line.data[strlen(fail)] == '\0' || line.data[strlen(fail)] == '\t'))
				break;
		}
	}
	buf_deinit(&req);
	buf_deinit(&line);
	return ret;
}

/* split_fields - TAB-separated "k=v" words of text */
static struct argv *split_fields(const char *text)
{
	struct argv *f = argv_create();

	for (;;) {
		const char *tab = strchr(text, '\t');

		argv_addn(f, text, tab != NULL ? (size_t)(tab - text) : strlen(text));
		if (tab == NULL)
			return f;
		text = tab + 1;
	}
}

/* field_value - value of key among "k=v" words (NULL if absent; "" for a bare key) */
static const char *field_value(const struct argv *f, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < f->n; i++) {
		if (strncmp(f->v[i], key, n) == 0 && f->v[i][n] == '=')
			return f->v[i] + n + 1;
		if (strcmp(f->v[i], key) == 0)
			return "";
	}
	return NULL;
}

/* print_lookup_format - "  key       : value" lines (doveadm auth lookup / user -u) */
static void print_lookup_format(const struct argv *f, size_t first)
{
	size_t i;

	for (i = first; i < f->n; i++) {
		const char *eq = strchr(f->v[i], '=');

		if (eq == NULL)
			printf("  %-10s\n", f->v[i]);
		else
			printf("  %-10.*s: %s\n", (int)(eq - f->v[i]), f->v[i], eq + 1);
	}
}

int cmd_auth_lookup(const struct dconf *cfg, int argc, char **argv)
{
	struct master_client mc;
	struct cmd_opts o;
	const char *error;
	struct buf reply;
	char *path;
	int i, ret = 0, r;

	if ((i = parse_opts(argc, argv, "+a:x:f:", &o)) < 0 || argc - i < 1) {
		fprintf(stderr, "doveadm auth lookup [-a <userdb socket path>] [-x <auth info>] "
			"[-f field] <user> [<user> [...]]\n");
		argv_deinit(&o.info);
		return EX_USAGE_;
	}
	path = auth_socket(cfg, o.socket, "auth-userdb");
	if (master_open(&mc, path, &error) < 0) {
		fprintf(stderr, "Error: passdb lookup failed for %s: %s\n", argv[i], error);
		master_close(&mc);
		xfree(path);
		argv_deinit(&o.info);
		return EX_TEMPFAIL_;
	}
	buf_init(&reply, 0);
	for (; i < argc; i++) {
		r = master_lookup(&mc, "PASS", argv[i], &o.info, &reply);
		if (r < 0) {
			fprintf(stderr, "Error: passdb lookup failed for %s\n", argv[i]);
			ret = EX_TEMPFAIL_;
		} else if (r == 0) {
			printf("passdb lookup: user %s doesn't exist\n", argv[i]);
			if (ret == 0)
				ret = EX_NOUSER_;
		} else {
			struct argv *f = split_fields(reply.data);

			if (o.field != NULL) {
				const char *v = field_value(f, o.field);

				if (v != NULL)
					printf("%s\n", v);
			} else {
				printf("passdb: %s\n", argv[i]);
				print_lookup_format(f, 0);
				if (i + 1 < argc)
					printf("\n");
			}
			argv_destroy(&f);
		}
	}
	buf_deinit(&reply);
	master_close(&mc);
	xfree(path);
	argv_deinit(&o.info);
	return ret;
}

/* user_list - LIST with a mask: one name per line */
static int user_list(struct master_client *mc, const char *mask)
{
	struct buf line;
	char prefix[64], done[64];
	unsigned id = mc->next_id++;
	int ret = EX_TEMPFAIL_;

	buf_init(&line, 0);
	snprintf(prefix, sizeof(prefix), "LIST\t%u\t", id);
	snprintf(done, sizeof(done), "DONE\t%u\t", id);
	stream_printf(mc->s, "LIST\t%u\tuser=%s\n", id, mask);
	if (stream_flush(mc->s) == 0) {
		while (read_line(mc->s, &line)) {
			if (strncmp(line.data, prefix, strlen(prefix)) == 0) {
				printf("%s\n", line.data + strlen(prefix));
			} else if (strncmp(line.data, done, strlen(done)) == 0) {
				ret = strcmp(line.data + strlen(done), "fail") == 0 ? EX_TEMPFAIL_ : 0;
				break;
			}
		}
	}
	if (ret != 0)
		fprintf(stderr, "Error: User listing returned failure\n");
	buf_deinit(&line);
	return ret;
}

/* user_print - one found user in the chosen format */
static void user_print(const struct cmd_opts *o, const char *asked, const char *reply, int *printed)
{
	struct argv *f = split_fields(reply);
	const char *name = f->v[0];
	size_t i;

	if (o->field != NULL) {
		const char *v = strcmp(o->field, "user") == 0 ? name : field_value(f, o->field);

		if (v != NULL)
			printf("%s%s\n", *printed ? "\n" : "", v);
	} else if (o->userdb_format) {
		printf("userdb: %s\n  %-10s: %s\n", asked, "user", name);
		print_lookup_format(f, 1);
	} else {
		if (strcmp(name, asked) != 0)
			printf("user\t%s\n", name);
		for (i = 1; i < f->n; i++) {
			const char *eq = strchr(f->v[i], '=');

			if (*f->v[i] == '\0')
				continue;
			if (eq == NULL)
				printf("%s\t\n", f->v[i]);
			else
				printf("%.*s\t%s\n", (int)(eq - f->v[i]), f->v[i], eq + 1);
		}
	}
	*printed = 1;
	argv_destroy(&f);
}

int cmd_user(const struct dconf *cfg, int argc, char **argv)
{
	struct master_client mc;
	struct cmd_opts o;
	const char *error;
	struct buf reply;
	char *path;
	int i, ret = 0, r, printed = 0, table;

	if ((i = parse_opts(argc, argv, "+a:x:f:e:u", &o)) < 0 || argc - i < 1) {
		fprintf(stderr, "doveadm user [-a <userdb socket path>] [-x <auth info>] [-f field] "
			"[-e <value>] [-u] <user mask> [<user mask> [...]]\n");
		argv_deinit(&o.info);
		return EX_USAGE_;
	}
	table = o.field == NULL && !o.userdb_format && strpbrk(argv[i], "*?") == NULL;
	path = auth_socket(cfg, o.socket, "auth-userdb");
	if (master_open(&mc, path, &error) < 0) {
		fprintf(stderr, "doveadm(%s)<%ld><>: Error: auth-master: userdb lookup(%s): %s\n",
			argv[i], (long)getpid(), argv[i], error);
		if (table)
			printf("field\tvalue\n");
		master_close(&mc);
		xfree(path);
		argv_deinit(&o.info);
		return EX_TEMPFAIL_;
	}
	if (table)
		printf("field\tvalue\n");
	buf_init(&reply, 0);
	for (; i < argc; i++) {
		if (strpbrk(argv[i], "*?") != NULL) {
			if ((r = user_list(&mc, argv[i])) != 0)
				ret = r;
			continue;
		}
		r = master_lookup(&mc, "USER", argv[i], &o.info, &reply);
		if (r < 0) {
			fflush(stdout);
			fprintf(stderr, "Error: userdb lookup failed for %s\n", argv[i]);
			ret = EX_TEMPFAIL_;
		} else if (r == 0) {
			FILE *out = o.field != NULL ? stderr : stdout;

			fflush(stdout);
			fprintf(out, "%suserdb lookup: user %s doesn't exist\n", o.userdb_format ? "" : "\n",
				argv[i]);
			if (ret == 0)
				ret = EX_NOUSER_;
		} else {
			user_print(&o, argv[i], reply.data, &printed);
		}
	}
	buf_deinit(&reply);
	master_close(&mc);
	xfree(path);
	argv_deinit(&o.info);
	return ret;
}

const struct doveadm_cmd doveadm_cmds_auth[] = {
	{ "auth cache flush", "[-a <master socket path>] [<user> [...]]", 0, cmd_auth_cache_flush },
	{ "auth login", "[-a <auth-login socket path>] [-m <auth-master socket path>] [-x <auth info>] "
	  "[-M <master user>] <user> [<password>]", 0, cmd_auth_login },
	{ "auth lookup", "[-a <userdb socket path>] [-x <auth info>] [-f field] <user> [<user> [...]]",
	  0, cmd_auth_lookup },
	{ "auth test", "[-a <auth socket path>] [-x <auth info>] [-M <master user>] <user> [<password>]",
	  0, cmd_auth_test },
	{ "user", "[-a <userdb socket path>] [-x <auth info>] [-f field] [-e <value>] [-u] "
	  "<user mask> [<user mask> [...]]", 0, cmd_user },
	{ NULL, NULL, 0, NULL },
};
