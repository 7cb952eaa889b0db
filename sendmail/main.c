/*
 * sendmail - the Sendmail-compatible submission command (Postfix's
 * sendmail(1)): mail from standard input or an SMTP dialogue on stdin
 * (-bs) goes to postdrop, which writes it into maildrop/ for pickup;
 * -bp, -q, -bi/-I and -bd run postqueue, postalias and postfix.
 *
 * ROLE: command, run by any local user (cron, mail(1), mutt, scripts).
 * PRIVILEGES: none: not set-uid/set-gid.  Everything it sends is checked
 *	again by the set-gid postdrop (user list, size, record syntax) and
 *	by pickup (the submitting uid is the file's owner, never a claim).
 *	A non-default configuration directory (-C, $MAIL_CONFIG) is refused
 *	to non-root users unless the default main.cf lists it (altdir.h).
 * INPUTS: options, recipients, the message (bounded pieces, any length),
 *	SMTP commands for -bs (bounded lines, timeouts, error limits).
 * PARAMETERS: authorized_submit_users, local_login_sender_maps,
 *	empty_address_local_login_sender_maps_lookup_key, command_directory,
 *	alias_database, line_length_limit, message_size_limit,
 *	sendmail_fix_line_endings, myhostname, smtpd_banner, smtpd_timeout,
 *	smtpd_recipient_limit, smtpd_hard_error_limit (-bs).
 * LOG: Postfix's messages on stderr (and maillog_file/syslog), e.g.
 *	"sendmail: fatal: User NAME(UID) is not allowed to submit mail",
 *	"sendmail: fatal: SENDER(UID): message file too big",
 *	"sendmail: fatal: usage: sendmail [options]".
 * EXIT: 0; 75 (EX_TEMPFAIL) for every fatal error, as Postfix 3.7's
 *	sendmail (usage errors included: measured, see docs/submission.md).
 */
#include "config.h"

#include <getopt.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/altdir.h"
#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "daemon/daemon.h"
#include "maps/maps.h"
#include "maps/userlist.h"
#include "sendmail.h"

#define OPTS "+A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:q::r:tvx"
#define EX_SM_FATAL 75

struct sm_state sm;

enum sm_mode { MODE_ENQUEUE, MODE_SMTP, MODE_MAILQ, MODE_NEWALIAS, MODE_FLUSH, MODE_DAEMON,
	       MODE_NONE, MODE_SITE };

struct sm_opts {
	enum sm_mode mode;
	char *sender;
	const char *full_name;
	const char *body_type;
	const char *notify;
	const char *alias_db;	/* -oA */
	const char *site;	/* -qR */
	int extract;
};

static void usage(void)
{
	msg_fatal_status(EX_SM_FATAL, "usage: %s [options]", "sendmail");
}

/* config_dir_arg - -C names main.cf or its directory */
static char *config_dir_arg(const char *arg)
{
	struct stat st;
	char *copy;

	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
		copy = xstrdup(arg);
		char *dir = xstrdup(dirname(copy));

		xfree(copy);
		return dir;
	}
	return xstrdup(arg);
}

/* first_pass - -C and -v before the configuration is read (Postfix scans twice too) */
static void first_pass(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, OPTS)) != -1) {
		if (c == 'C')
			sm.config_dir = config_dir_arg(optarg);
		else if (c == 'v')
			sm.verbose++;
	}
	if (sm.config_dir == NULL && getenv("MAIL_CONFIG") != NULL)
		sm.config_dir = xstrdup(getenv("MAIL_CONFIG"));
}

/* notify_value - -N never|success,delay,failure -> the cleanup protocol's words */
static const char *notify_value(const char *arg)
{
	struct argv *a = argv_split(arg, ", \t");
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < a->n; i++) {
		const char *w = a->v[i];

		if (strcasecmp(w, "never") != 0 && strcasecmp(w, "success") != 0
		    && strcasecmp(w, "delay") != 0 && strcasecmp(w, "failure") != 0)
			msg_fatal_status(EX_SM_FATAL, "bad -N option value: %s", arg);
		buf_printf(&b, "%s%s", b.len ? "," : "", w);
	}
	argv_destroy(&a);
	for (char *p = b.data; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	return buf_steal(&b);
}

/* opt_b - -bX modes */
static void opt_b(struct sm_opts *o, const char *arg)
{
	switch (arg[0]) {
	case 'm': o->mode = MODE_ENQUEUE; break;
	case 's': o->mode = MODE_SMTP; break;
	case 'p': o->mode = MODE_MAILQ; break;
	case 'i': o->mode = MODE_NEWALIAS; break;
	case 'd': o->mode = MODE_DAEMON; break;
	case 'h': case 'H': o->mode = MODE_NONE; break;	/* ignored, as Postfix */
	case 'v':
		msg_fatal_status(EX_SM_FATAL, "unsupported: -bv (address verification)");
	default:
		msg_fatal_status(EX_SM_FATAL, "unsupported: -b%s", arg);
	}
}

/* opt_q - -q, -qINTERVAL (ignored), -qRsite, -qS */
static void opt_q(struct sm_opts *o, const char *arg)
{
	if (arg == NULL || *arg == '\0') {
		o->mode = MODE_FLUSH;
	} else if (arg[0] == 'R') {
		if (arg[1] == '\0')
			msg_fatal_status(EX_SM_FATAL, "specify: -qRsitename");
		o->mode = MODE_SITE;
		o->site = arg + 1;
	} else if (arg[0] == 'S') {
		msg_fatal_status(EX_SM_FATAL, "-qS is not implemented");
	} else if (o->mode == MODE_ENQUEUE) {
		o->mode = MODE_NONE;	/* -q30m: the queue run interval, ignored */
	}
}

/* opt_o - -oi, -oA<db>; every other -o option is ignored */
static void opt_o(struct sm_opts *o, const char *arg)
{
	if (strcmp(arg, "i") == 0)
		sm.dot_ends = 0;
	else if (arg[0] == 'A' && arg[1] != '\0')
		o->alias_db = arg + 1;
}

/* second_pass - every option */
static void second_pass(int argc, char **argv, struct sm_opts *o)
{
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, OPTS)) != -1) {
		switch (c) {
		case 'B':
			if (strcasecmp(optarg, "8BITMIME") != 0 && strcasecmp(optarg, "7BIT") != 0)
				msg_fatal_status(EX_SM_FATAL, "-B option needs 8BITMIME or 7BIT");
			o->body_type = strcasecmp(optarg, "7BIT") == 0 ? "7BIT" : "8BITMIME";
			break;
		case 'F': o->full_name = optarg; break;
		case 'I': o->mode = MODE_NEWALIAS; break;
		case 'N': o->notify = notify_value(optarg); break;
		case 'V':
			msg_warn("option -V is deprecated with Postfix 2.3; specify -XV instead");
			break;
		case 'X':
			if (optarg[0] != 'V')
				msg_fatal_status(EX_SM_FATAL, "unsupported: -X%c", optarg[0]);
			break;
		case 'b': opt_b(o, optarg); break;
		case 'f': case 'r':
			xfree(o->sender);
			o->sender = sm_parse_sender(optarg);
			break;
		case 'i': sm.dot_ends = 0; break;
		case 'n': msg_fatal_status(EX_SM_FATAL, "-n option not supported");
		case 'o': opt_o(o, optarg); break;
		case 'q': opt_q(o, optarg); break;
		case 't': o->extract = 1; break;
		case 'C': case 'v': break;	/* first pass */
		case 'A': case 'G': case 'L': case 'O': case 'R': case 'U': case 'c': case 'e':
		case 'h': case 'm': case 'p': case 'x':
			break;			/* ignored, as Postfix */
		default:
			usage();
		}
	}
	if (o->extract && o->mode != MODE_ENQUEUE)
		msg_fatal_status(EX_SM_FATAL, "-t can be used only in delivery mode");
}

/* run_command - replace this process by $command_directory/NAME args... */
static void run_command(const char *name, struct argv *args)
{
	char *path = xasprintf("%s/%s", pfconf_get(sm.cfg, "command_directory"), name);
	struct argv a;

	argv_init(&a);
	argv_add(&a, path);
	if (sm.config_dir != NULL) {
		argv_add(&a, "-c");
		argv_add(&a, sm.config_dir);
	}
	for (size_t i = 0; args != NULL && i < args->n; i++)
		argv_add(&a, args->v[i]);
	execv(path, a.v);
	msg_fatal_status(EX_SM_FATAL, "execvp %s: %m", path);
}

/* newaliases - postalias on each alias_database table (or -oA) */
static int newaliases(const struct sm_opts *o)
{
	struct argv *dbs;

	if (o->alias_db != NULL) {
		dbs = argv_create();
		argv_add(dbs, o->alias_db);
	} else {
		dbs = pfconf_get_list(sm.cfg, "alias_database");
	}
	if (dbs->n == 0)
		return 0;
	run_command("postalias", dbs);
	return EX_SM_FATAL;
}

/* login_info - the real uid's login name and full name */
static const char *login_info(const char **full_r)
{
	struct passwd *pw = getpwuid(sm.uid);
	struct buf b;

	if (pw == NULL)
		msg_fatal_status(71, "no login name found for user ID %lu", (unsigned long)sm.uid);
	*full_r = NULL;
	if (getenv("NAME") != NULL && *getenv("NAME") != '\0') {
		*full_r = xstrdup(getenv("NAME"));
	} else if (pw->pw_gecos != NULL && *pw->pw_gecos != '\0' && *pw->pw_gecos != ',') {
		buf_init(&b, 0);
		for (const char *p = pw->pw_gecos; *p && *p != ','; p++) {
			if (*p == '&') {
				buf_append_c(&b, (char)(pw->pw_name[0] >= 'a' && pw->pw_name[0] <= 'z'
							? pw->pw_name[0] - 'a' + 'A' : pw->pw_name[0]));
				if (pw->pw_name[0])
					buf_append_str(&b, pw->pw_name + 1);
			} else {
				buf_append_c(&b, *p);
			}
		}
		*full_r = buf_steal(&b);
	}
	return xstrdup(pw->pw_name);
}

/* check_submit - authorized_submit_users */
static void check_submit(void)
{
	struct userlist *ul;
	const char *error;
	int r;

	if (userlist_open(pfconf_get(sm.cfg, "authorized_submit_users"), &ul, &error) < 0)
		msg_fatal_status(EX_SM_FATAL, "authorized_submit_users: %s", error);
	r = userlist_match(ul, sm.login, &error);
	userlist_close(&ul);
	if (r < 0)
		msg_fatal_status(EX_SM_FATAL, "authorized_submit_users: %s", error);
	if (r == 0)
		msg_fatal_status(EX_SM_FATAL, "User %s(%ld) is not allowed to submit mail",
				 sm.login, (long)sm.uid);
}

/* value_allows - a local_login_sender_maps result names sender (or "*") */
static int value_allows(const char *value, const char *key)
{
	struct argv *a = argv_split(value, ", \t");
	int ok = 0;

	for (size_t i = 0; i < a->n && !ok; i++)
		ok = strcmp(a->v[i], "*") == 0 || strcasecmp(a->v[i], key) == 0;
	argv_destroy(&a);
	return ok;
}

int sm_sender_allowed(const char *sender)
{
	struct argv *maps = pfconf_get_list(sm.cfg, "local_login_sender_maps");
	const char *key = *sender ? sender
		: pfconf_get(sm.cfg, "empty_address_local_login_sender_maps_lookup_key");
	int ok = 0;

	for (size_t i = 0; i < maps->n && !ok; i++) {
		struct map *map;
		const char *value, *error;

		if (map_open(maps->v[i], 0, &map, &error) < 0)
			msg_fatal_status(EX_SM_FATAL, "local_login_sender_maps: %s", error);
		if (map_lookup(map, sm.login, &value, &error) == MAP_FOUND)
			ok = value_allows(value, key);
		map_close(&map, &error);
	}
	argv_destroy(&maps);
	return ok;
}

/* enqueue_mode - -bm: recipients from the command line and/or -t */
static int enqueue_mode(struct sm_opts *o, int argc, char **argv, const char *gecos)
{
	struct sm_msg m = { 0 };

	check_submit();
	m.sender = o->sender != NULL ? o->sender : sm.login;
	if (o->sender != NULL && !sm_sender_allowed(m.sender))
		msg_fatal_status(EX_SM_FATAL, "%s(%ld): not authorized to use sender='%s'",
				 m.sender, (long)sm.uid, m.sender);
	m.full_name = o->full_name != NULL ? o->full_name : gecos;
	m.body_type = o->body_type;
	m.notify = o->notify;
	m.extract = o->extract;
	argv_init(&m.rcpts);
	for (int i = optind; i < argc; i++)
		sm_rcpt_parse(argv[i], &m.rcpts);
	if (m.rcpts.n == 0 && !m.extract)
		msg_fatal_status(EX_SM_FATAL,
				 "%s(%ld): Recipient addresses must be specified on the command line or via the -t option",
				 m.sender, (long)sm.uid);
	return sm_enqueue_stdin(&m);
}

/* smtp_mode - -bs */
static int smtp_mode(struct sm_opts *o, const char *gecos)
{
	struct sm_msg m = { 0 };

	check_submit();
	m.sender = "";
	m.full_name = o->full_name != NULL ? o->full_name : gecos;
	argv_init(&m.rcpts);
	return sm_smtp(&m);
}

/* dispatch - run the selected mode */
static int dispatch(struct sm_opts *o, int argc, char **argv, const char *gecos)
{
	struct argv a;

	argv_init(&a);
	switch (o->mode) {
	case MODE_ENQUEUE: return enqueue_mode(o, argc, argv, gecos);
	case MODE_SMTP: return smtp_mode(o, gecos);
	case MODE_MAILQ: argv_add(&a, "-p"); run_command("postqueue", &a); break;
	case MODE_FLUSH: argv_add(&a, "-f"); run_command("postqueue", &a); break;
	case MODE_SITE:
		argv_add(&a, "-s");
		argv_add(&a, o->site);
		run_command("postqueue", &a);
		break;
	case MODE_NEWALIAS: return newaliases(o);
	case MODE_DAEMON: argv_add(&a, "start"); run_command("postfix", &a); break;
	case MODE_NONE: return 0;
	}
	return EX_SM_FATAL;
}

int main(int argc, char **argv)
{
	struct sm_opts o = { MODE_ENQUEUE, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	const char *error, *gecos;

	log_open("sendmail", NULL, LOG_TARGET_STDERR);
	argv[0] = (char *)"sendmail";	/* getopt messages say "sendmail: ...", as Postfix's */
	sm.uid = getuid();
	sm.dot_ends = 1;
	first_pass(argc, argv);
	if (altdir_check(sm.config_dir, &error) < 0) {
		msg_error("%s", error);
		msg_fatal_status(EX_SM_FATAL,
				 "specify \"alternate_config_directories = %s\" or \"multi_instance_directories = %s\" in %s/main.cf",
				 sm.config_dir, sm.config_dir, altdir_default());
	}
	if (pfconf_load(&sm.cfg, sm.config_dir, &error) < 0)
		msg_fatal_status(EX_SM_FATAL, "%s", error);
	daemon_setup_logging(sm.cfg, "sendmail", 1);
	sm.size_limit = pfconf_get_int(sm.cfg, "message_size_limit");
	sm.login = login_info(&gecos);
	second_pass(argc, argv, &o);
	return dispatch(&o, argc, argv, gecos);
}
