/*
 * doveconf - print the Dovecot 2.3 configuration (dovecot.conf).
 *
 * ROLE: load dovecot.conf with its includes and print it: every setting
 *	(default mode, -a), only changed ones (-n), only the ones the files set
 *	(-N), the built-in defaults (-d), named settings or sections (NAME...,
 *	-h for the value alone), or flat path=value lines (-S).  Output layout,
 *	ordering, secret hiding (-P shows them), error wording and exit status
 *	89 follow Debian's doveconf 2.3.19.1; differences are listed in
 *	docs/dovecot-config.md.
 * PRIVILEGES: none; runs as the invoking user and only reads files.
 * INPUTS: the config file (-c PATH, else the compiled-in PC_DOVECOT_CONFIG
 *	path; like real doveconf, $DOVECOT_CONFIG is not consulted), the files
 *	it includes, and (with -x only) the files named by "<path" values.
 * PARAMETERS: none of its own.
 * LOG: errors to stderr as "doveconf: Fatal: Error in configuration file
 *	F line N: ...", warnings as "doveconf: Warning: ...".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config/dconf.h"
#include "config/dconf_dump.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

#define DOVECONF_FATAL 89	/* Dovecot's FATAL_DEFAULT */
#define DOVECOT_COMPAT_VERSION "2.3.19.1"

struct opts {
	const char *path;
	struct dconf_filter filter;
	int filtered;
	int defaults, simple, hide_names;
	unsigned flags;
	char **names;
};

/* add_filter - -f protocol=|service=|lname=|local=|remote= */
static void add_filter(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t kl = eq != NULL ? (size_t)(eq - arg) : 0;

	if (eq != NULL && ((kl == 8 && strncmp(arg, "protocol", 8) == 0) ||
			   (kl == 7 && strncmp(arg, "service", 7) == 0)))
		o->filter.protocol = eq + 1;
	else if (eq != NULL && kl == 5 && strncmp(arg, "lname", 5) == 0)
		o->filter.local_name = eq + 1;
	else if (eq != NULL && kl == 5 && strncmp(arg, "local", 5) == 0)
		o->filter.local_ip = eq + 1;
	else if (eq != NULL && kl == 6 && strncmp(arg, "remote", 6) == 0)
		o->filter.remote_ip = eq + 1;
	else
		msg_fatal_status(DOVECONF_FATAL, "Unknown filter argument: %s", arg);
	o->filtered = 1;
}

/* parse_args - getopt (its messages name argv[0], as with the real doveconf) */
static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "ac:de:f:hm:nNPSx")) != -1) {
		switch (c) {
		case 'a': break;
		case 'c': o->path = optarg; break;
		case 'd': o->defaults = 1; break;
		case 'f': add_filter(o, optarg); break;
		case 'm': break;	/* module: accepted, every setting is printed */
		case 'h': o->hide_names = 1; break;
		case 'n': o->flags |= DCONF_DUMP_CHANGED; break;
		case 'N': o->flags |= DCONF_DUMP_SET; break;
		case 'P': o->flags |= DCONF_DUMP_SECRETS; break;
		case 'S': o->simple = 1; break;
		case 'x': o->flags |= DCONF_DUMP_EXPAND; break;
		case 'e':
			msg_fatal_status(DOVECONF_FATAL, "-e is not supported");
		default:
			exit(DOVECONF_FATAL);
		}
	}
	o->names = argv + optind;
	if (o->path == NULL)
		o->path = dconf_default_path();
}

/* distro - "Debian 12.11" from /etc/debian_version, "" if unknown */
static void distro(struct buf *out)
{
	FILE *fp = fopen("/etc/debian_version", "r");
	char line[128];

	if (fp == NULL)
		return;
	if (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		buf_printf(out, "Debian %s", line);
	}
	fclose(fp);
}

/* header_rest - the "# OS:" and "# Hostname:" lines (and -a's NOTE) */
static void header_rest(struct buf *out, int all)
{
	struct utsname u;
	char host[256];

	if (uname(&u) == 0) {
		buf_printf(out, "# OS: %s %s %s ", u.sysname, u.release, u.machine);
		distro(out);
		buf_append_str(out, " \n");
	}
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		buf_printf(out, "# Hostname: %s\n", host);
	}
	if (all)
		buf_append_str(out, "# NOTE: Send doveconf -n output instead when asking for help.\n");
}

/* fail - doveconf's fatal line (exit 89) */
static void fail(const char *error)
{
	fflush(stdout);
	msg_fatal_status(DOVECONF_FATAL, "%s", error);
}

/* write_out - stdout, fatal on a write error */
static void write_out(const struct buf *b)
{
	if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
		msg_fatal_status(DOVECONF_FATAL, "write(stdout) failed: %m");
}

int main(int argc, char **argv)
{
	struct opts o;
	struct dconf *cfg;
	struct buf out;
	const char *error, *detail;
	int dump;

	memset(&o, 0, sizeof(o));
	log_set_style(LOG_STYLE_DOVECOT);
	log_open("doveconf", NULL, LOG_TARGET_STDERR);
	parse_args(argc, argv, &o);
	dump = o.names[0] == NULL && !o.simple;
	buf_init(&out, 0);
	if (dump) {
		printf("# %s (postcote %s): %s\n", DOVECOT_COMPAT_VERSION, PACKAGE_VERSION, o.path);
		fflush(stdout);
	}
	if (o.defaults) {
		cfg = dconf_create_default();
	} else if (dconf_load(&cfg, o.path, DCONF_FLAG_NO_CHECKS |
			      ((o.flags & DCONF_DUMP_EXPAND) ? 0 : DCONF_FLAG_NO_FILE_VALUES),
			      &error) < 0) {
		fail(error);
	}
	if (o.filtered)
		dconf_apply_filter(cfg, &o.filter);
	if (dump)
		header_rest(&out, !(o.flags & (DCONF_DUMP_CHANGED | DCONF_DUMP_SET)));
	if (o.names[0] != NULL)
		dconf_dump_names(cfg, (const char *const *)o.names,
				 o.flags | (o.hide_names ? DCONF_DUMP_VALUE_ONLY : 0), &out);
	else if (o.simple)
		dconf_dump_simple(cfg, o.flags, &out);
	else
		dconf_dump_human(cfg, o.flags, &out);
	write_out(&out);
	buf_deinit(&out);
	/* as real doveconf: the output first, then the checks made after parsing */
	if (!o.defaults && dconf_check(cfg, &error, &detail) < 0) {
		if (detail != NULL)
			msg_error("%s", detail);
		fail(error);
	}
	dconf_free(&cfg);
	return 0;
}
