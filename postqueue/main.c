/*
 * postqueue - the user's queue control: list the queue (-p, -j; mailq is
 * postqueue -p) and ask for delivery now (-f, -s site, -i queue_id).
 *
 * ROLE: command (also installed as mailq).  Lists through the showq
 *	service ($queue_directory/public/showq) and flushes through the flush
 *	service (public/flush); formats showq's attribute lists as Postfix's
 *	mailq text or JSON lines (docs/queue-tools.md).
 * PRIVILEGES: none: not set-uid/set-gid.  The services check the caller's
 *	uid (SO_PEERCRED) against authorized_mailq_users and
 *	authorized_flush_users; postqueue only prints their refusal.  When the
 *	mail system is down, root (only) lists the queue directly by running
 *	$daemon_directory/showq stand-alone on a socket pair.
 * INPUTS: options; showq's and flush's replies (bounded attribute lists,
 *	ipc_timeout on every read).
 * PARAMETERS: queue_directory, daemon_directory, ipc_timeout,
 *	maillog_file / syslog_facility / syslog_name (logging).
 * LOG: the fatal errors it prints, as "postfix/postqueue[PID]: fatal: ...".
 * EXIT: 0; 69 (EX_UNAVAILABLE, as Postfix) for usage and every fatal error.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "daemon/daemon.h"
#include "ipc/attr.h"
#include "ipc/ipc.h"

#define USAGE "usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site"

enum mode { MODE_NONE, MODE_LIST, MODE_JSON, MODE_FLUSH, MODE_SITE, MODE_ID };

static struct pfconf *cfg;
static int timeout_ms;

/* ---- the listing ---- */

struct listing {
	int json;
	long long bytes;
	long count;
};

/* json_quote - a JSON string literal of s */
static void json_quote(FILE *fp, const char *s)
{
	putc('"', fp);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		case '\b': fputs("\\b", fp); break;
		case '\f': fputs("\\f", fp); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(fp, "\\u%04X", *p);
			else
				putc(*p, fp);
		}
	}
	putc('"', fp);
}

/* sender_text - the null sender is shown as MAILER-DAEMON */
static const char *sender_text(const char *s)
{
	return s == NULL || *s == '\0' ? "MAILER-DAEMON" : s;
}

/* print_json - one message as Postfix's postqueue -j line */
static void print_json(const struct attr_list *l)
{
	const char *rcpt = NULL;
	int first = 1;

	printf("{\"queue_name\": ");
	json_quote(stdout, attr_get(l, "queue_name"));
	printf(", \"queue_id\": ");
	json_quote(stdout, attr_get(l, "queue_id"));
	printf(", \"arrival_time\": %lld, \"message_size\": %lld, \"forced_expire\": %s, \"sender\": ",
	       atoll(attr_get(l, "arrival_time")), atoll(attr_get(l, "message_size")),
	       strcmp(attr_get(l, "forced_expire"), "1") == 0 ? "true" : "false");
	json_quote(stdout, sender_text(attr_get(l, "sender")));
	printf(", \"recipients\": [");
	for (size_t i = 0; i < attr_count(l); i++) {
		const char *name = l->names.v[i], *value = l->values.v[i];

		if (strcmp(name, "rcpt") == 0) {
			if (rcpt != NULL)
				printf("}");
			printf("%s{\"address\": ", first ? "" : ", ");
			json_quote(stdout, value);
			rcpt = value;
			first = 0;
		} else if (strcmp(name, "reason") == 0 && rcpt != NULL) {
			printf(", \"delay_reason\": ");
			json_quote(stdout, value);
		}
	}
	printf("%s]}\n", rcpt != NULL ? "}" : "");
}

/* printable - s with control characters as '?' (reasons come from remote servers) */
static char *printable(const char *s)
{
	char *out = xstrdup(s);

	for (unsigned char *p = (unsigned char *)out; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

/* print_compat - one message as Postfix's mailq text */
static void print_compat(const struct attr_list *l, struct listing *ls)
{
	const char *queue = attr_get(l, "queue_name"), *prev = NULL;
	char id[64], stamp[32], *text;
	time_t when = (time_t)atoll(attr_get(l, "arrival_time"));
	struct tm tm;

	if (ls->count == 0)
		printf("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n");
	snprintf(id, sizeof(id), "%s%s", attr_get(l, "queue_id"),
		 strcmp(queue, "active") == 0 ? "*" : strcmp(queue, "hold") == 0 ? "!" : "");
	localtime_r(&when, &tm);
	strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S", &tm);
	text = printable(sender_text(attr_get(l, "sender")));
	printf("%-11s %7lld %-20.20s %s\n", id, atoll(attr_get(l, "message_size")), stamp, text);
	xfree(text);
	for (size_t i = 0; i < attr_count(l); i++) {
		const char *reason;

		if (strcmp(l->names.v[i], "rcpt") != 0)
			continue;
		/* showq sends a recipient's reason right after it; the reason line
		   goes before the recipients it applies to, right-aligned */
		reason = i + 1 < attr_count(l) && strcmp(l->names.v[i + 1], "reason") == 0 ?
			l->values.v[i + 1] : NULL;
		if (reason != NULL && (prev == NULL || strcmp(prev, reason) != 0)) {
			char *clean = printable(reason);

			text = xasprintf("(%s)", clean);
			printf("%78s\n", text);
			xfree(text);
			xfree(clean);
			prev = reason;
		}
		text = printable(l->values.v[i]);
		printf("%41s%s\n", "", text);
		xfree(text);
	}
	printf("\n");
}

/* print_entry - validate, then format one showq list */
static void print_entry(const struct attr_list *l, struct listing *ls)
{
	static const char *const need[] = {
		"queue_name", "queue_id", "arrival_time", "message_size", "forced_expire", "sender",
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (attr_get(l, need[i]) == NULL)
			msg_fatal_status(EX_UNAVAILABLE, "malformed showq server response");
	if (ls->json)
		print_json(l);
	else
		print_compat(l, ls);
	ls->bytes += atoll(attr_get(l, "message_size"));
	ls->count++;
}

/* read_listing - the lists after showq's greeting, then the trailer */
static void read_listing(struct stream *s, int json)
{
	struct listing ls = { .json = json };
	struct attr_list l;
	const char *error;
	int ret;

	attr_list_init(&l);
	while ((ret = attr_read(s, &l, &error)) > 0 && attr_get(&l, "end") == NULL)
		print_entry(&l, &ls);
	if (ret <= 0)
		msg_fatal_status(EX_UNAVAILABLE, "malformed showq server response");
	attr_list_deinit(&l);
	if (!json) {
		if (ls.count == 0)
			printf("Mail queue is empty\n");
		else
			printf("-- %lld Kbytes in %ld Request%s.\n", ls.bytes / 1024, ls.count,
			       ls.count == 1 ? "" : "s");
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		msg_fatal_status(EX_UNAVAILABLE, "write error: %m");
}

/* check_greeting - proto=NAME; a denied status is fatal with Postfix's text */
static void check_greeting(struct stream *s, const char *proto, const char *denied_what)
{
	struct attr_list l;
	const char *error, *status;

	attr_list_init(&l);
	if (attr_expect_proto(s, &l, proto, 1, &error) < 0)
		msg_fatal_status(EX_UNAVAILABLE, "malformed %s server response", proto);
	status = attr_get(&l, "status");
	if (status != NULL && strcmp(status, "denied") == 0)
		msg_fatal_status(EX_UNAVAILABLE,
				 "User %s(%s) is not allowed to %s the mail queue",
				 attr_get(&l, "user") ? attr_get(&l, "user") : "unknown",
				 attr_get(&l, "uid") ? attr_get(&l, "uid") : "?", denied_what);
	if (status == NULL || strcmp(status, "0") != 0)
		msg_fatal_status(EX_UNAVAILABLE, "malformed %s server response", proto);
	attr_list_deinit(&l);
}

/* run_showq_direct - root with the mail system down: showq -S on a socket pair */
static int run_showq_direct(void)
{
	char *prog = xasprintf("%s/showq", pfconf_get(cfg, "daemon_directory"));
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		msg_fatal_status(EX_UNAVAILABLE, "socketpair: %m");
	pid = fork();
	if (pid < 0)
		msg_fatal_status(EX_UNAVAILABLE, "fork: %m");
	if (pid == 0) {
		if (dup2(sv[1], 0) < 0)
			_exit(EX_OSERR);
		setenv("MAIL_CONFIG", pfconf_config_dir(cfg), 1);
		execl(prog, "showq", "-S", (char *)NULL);
		msg_fatal_status(EX_UNAVAILABLE, "execute %s: %m", prog);
	}
	close(sv[1]);
	xfree(prog);
	return sv[0];
}

/* list_queue - -p / -j */
static void list_queue(int json)
{
	char *path = ipc_service_path(pfconf_get(cfg, "queue_directory"), "public", "showq");
	const char *error;
	struct stream *s;
	int fd, err, status;
	pid_t direct = 0;

	fd = ipc_connect_unix(path, timeout_ms, &error);
	err = errno;
	xfree(path);
	if (fd < 0) {
		if (geteuid() != 0)
			msg_fatal_status(EX_UNAVAILABLE, "Queue report unavailable - mail system is down "
					 "(Connect to the Postfix showq service: %s)", strerror(err));
		msg_warn("Mail system is down -- accessing queue directly "
			 "(Connect to the Postfix showq service: %s)", strerror(err));
		fd = run_showq_direct();
		direct = 1;
	}
	s = stream_create(fd, STREAM_OWN_FD);
	stream_set_timeout(s, timeout_ms);
	check_greeting(s, "showq", "view");
	read_listing(s, json);
	stream_destroy(&s);
	if (direct)
		while (wait(&status) < 0 && errno == EINTR)
			;
}

/* valid_site - a host name or [address], as the flush service accepts it */
static int valid_site(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(".-_[]:", *s) == NULL)
			return 0;
	return 1;
}

/* valid_queue_id - letters and digits (Postfix checks only the form) */
static int valid_queue_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s))
			return 0;
	return 1;
}

/* flush_request - -f, -s site, -i id through the flush service */
static void flush_request(enum mode mode, const char *arg)
{
	char *path = ipc_service_path(pfconf_get(cfg, "queue_directory"), "public", "flush");
	struct attr_list l;
	const char *error, *status;
	struct stream *s;
	int fd, err;

	if (mode == MODE_SITE && !valid_site(arg))
		msg_fatal_status(EX_UNAVAILABLE, "Cannot flush mail queue - invalid destination: \"%s\"",
				 arg);
	if (mode == MODE_ID && !valid_queue_id(arg))
		msg_fatal_status(EX_UNAVAILABLE, "Cannot flush queue ID - invalid name: \"%s\"", arg);
	fd = ipc_connect_unix(path, timeout_ms, &error);
	err = errno;
	xfree(path);
	if (fd < 0) {
		if (mode == MODE_ID)
			msg_warn("connect to public/flush: %s", strerror(err));
		msg_fatal_status(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
	}
	s = stream_create(fd, STREAM_OWN_FD);
	stream_set_timeout(s, timeout_ms);
	check_greeting(s, "flush", "flush");
	attr_write(s, "request", mode == MODE_FLUSH ? "flush" : mode == MODE_SITE ? "site" : "id");
	if (arg != NULL)
		attr_write(s, mode == MODE_SITE ? "site" : "queue_id", arg);
	attr_list_init(&l);
	if (attr_end(s) < 0 || attr_read(s, &l, &error) <= 0 ||
	    (status = attr_get(&l, "status")) == NULL)
		msg_fatal_status(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
	if (strcmp(status, "deny") == 0)
		msg_fatal_status(EX_UNAVAILABLE,
				 "Flush service is not configured for destination \"%s\"", arg);
	if (strcmp(status, "0") != 0)
		msg_fatal_status(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
	attr_list_deinit(&l);
	stream_destroy(&s);
}

/* setup - main.cf and logging ("postfix/postqueue[PID]: ..." plus stderr) */
static void setup(const char *config_dir, const char *prog)
{
	const char *error;

	if (pfconf_load(&cfg, config_dir, &error) < 0)
		msg_fatal_status(EX_UNAVAILABLE, "%s", error);
	/* a plain user cannot write maillog_file: only root logs there */
	if (geteuid() == 0 || *pfconf_get(cfg, "maillog_file") == '\0')
		daemon_setup_logging(cfg, prog, 1);
	timeout_ms = (int)pfconf_get_time(cfg, "ipc_timeout") * 1000;
}

int main(int argc, char **argv)
{
	const char *prog = strcmp(basename(argv[0]), "mailq") == 0 ? "mailq" : "postqueue";
	enum mode mode = strcmp(prog, "mailq") == 0 ? MODE_LIST : MODE_NONE;
	const char *config_dir = NULL, *arg = NULL;
	int c, modes = mode != MODE_NONE ? 1 : 0;

	log_open("postqueue", NULL, LOG_TARGET_STDERR);
	while ((c = getopt(argc, argv, "c:fi:jps:v")) != -1) {
		switch (c) {
		case 'c': config_dir = optarg; break;
		case 'f': mode = MODE_FLUSH; modes++; break;
		case 'i': mode = MODE_ID; arg = optarg; modes++; break;
		case 'j': mode = MODE_JSON; modes++; break;
		case 'p': mode = MODE_LIST; modes++; break;
		case 's': mode = MODE_SITE; arg = optarg; modes++; break;
		case 'v': break;
		default: msg_fatal_status(EX_UNAVAILABLE, USAGE);
		}
	}
	if (strcmp(prog, "mailq") == 0 && modes > 1 && mode == MODE_LIST)
		modes = 1;
	if (modes != 1 || optind < argc)
		msg_fatal_status(EX_UNAVAILABLE, USAGE);
	setup(config_dir, "postqueue");
	if (mode == MODE_LIST || mode == MODE_JSON)
		list_queue(mode == MODE_JSON);
	else
		flush_request(mode, arg);
	return 0;
}
