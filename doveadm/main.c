/*
 * doveadm - Dovecot's administration tool, the commands postcote has:
 * `doveadm pw` here, the others as the table in doveadm.h grows.
 *
 * ROLE: a command-line client.  Parses the global options, finds the
 *	command in the table (doveadm.h) and runs it; an unknown command
 *	prints Dovecot's usage listing.
 * PRIVILEGES: runs as the invoking user and keeps its privileges; it is
 *	not set-uid.  It trusts its own command line and dovecot.conf (read
 *	with the invoker's rights) and nothing else; commands that talk to
 *	running services (auth, master) treat their replies as untrusted.
 * INPUTS: the command line; dovecot.conf (-c file, else $DOVECOT_CONFIG,
 *	else the compiled-in path) for commands that need it; the tty or
 *	stdin for `pw`'s password prompt.
 * PARAMETERS: base_dir (commands that find sockets or master.pid).
 * LOG: none; messages go to stderr in Dovecot's forms ("Fatal: ...",
 *	"Error: ...", "usage: doveadm ...").
 *
 * Usage: doveadm [-Dv] [-c config] [-f formatter] [-o setting=value] <command> [<args>]
 *	Exit status: the command's; 64 for an unknown or missing command
 *	(usage on stderr); 89 for a bad global option or a bad dovecot.conf;
 *	75 when dovecot.conf is missing.  Every command, `pw` too, reads
 *	dovecot.conf first, as the real doveadm does.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/dconf.h"
#include "doveadm.h"

/* the command files: one line each (doveadm.h) */
static const struct doveadm_cmd *const cmd_files[] = {
	doveadm_cmds_pw,
	doveadm_cmds_auth,
	doveadm_cmds_master,
};

#define N_CMD_FILES (sizeof(cmd_files) / sizeof(cmd_files[0]))
#define USAGE_HEAD "usage: doveadm [-Dv] [-f <formatter>] "
#define USAGE_MAX 128	/* commands in the listing */

/* word_len - length of the first word of s (up to a space or the end) */
static size_t word_len(const char *s)
{
	return strcspn(s, " ");
}

/*
 * cmd_match - how many words of argv (argc of them) the name of cmd
 * equals: its word count on a full match, 0 otherwise.
 */
static int cmd_match(const struct doveadm_cmd *cmd, int argc, char **argv)
{
	const char *p = cmd->name;
	int n = 0;

	while (*p != '\0') {
		size_t len = word_len(p);

		if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], p, len) != 0)
			return 0;
		n++;
		p += len;
		if (*p == ' ')
			p++;
	}
	return n;
}

/* cmd_find - the command whose name takes the most leading words; NULL if none */
static const struct doveadm_cmd *cmd_find(int argc, char **argv, int *words_r)
{
	const struct doveadm_cmd *best = NULL;
	size_t f;
	int n;

	*words_r = 0;
	for (f = 0; f < N_CMD_FILES; f++) {
		const struct doveadm_cmd *c;

		for (c = cmd_files[f]; c->name != NULL; c++) {
			n = cmd_match(c, argc, argv);
			if (n > *words_r) {
				*words_r = n;
				best = c;
			}
		}
	}
	return best;
}

struct usage_row {
	char name[32];
	char text[512];
};

/* usage_row_cmp - qsort order of the listing: by name */
static int usage_row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct usage_row *)a)->name, ((const struct usage_row *)b)->name);
}

/* cmd_name_cmp - qsort order of command pointers: by name */
static int cmd_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct doveadm_cmd *const *)a)->name,
		      (*(const struct doveadm_cmd *const *)b)->name);
}

/* usage_add - one command into the listing rows, under prefix (words before) */
static size_t usage_add(struct usage_row *rows, size_t n, const char *prefix,
			const struct doveadm_cmd *c)
{
	size_t plen = strlen(prefix), i, wl;
	const char *rest;

	if (plen > 0 && (strncmp(c->name, prefix, plen) != 0 || c->name[plen] != ' '))
		return n;
	rest = c->name + plen + (plen > 0);
	wl = word_len(rest);
	for (i = 0; i < n; i++)
		if (strlen(rows[i].name) == wl && strncmp(rows[i].name, rest, wl) == 0)
			break;
	if (i == n) {
		snprintf(rows[n].name, sizeof(rows[n].name), "%.*s", (int)wl, rest);
		rows[n++].text[0] = '\0';
	}
	if (rest[wl] == '\0')
		snprintf(rows[i].text, sizeof(rows[i].text), "%s", c->usage);
	else	/* a group: its sub-command words joined with '|' */
		snprintf(rows[i].text + strlen(rows[i].text),
			 sizeof(rows[i].text) - strlen(rows[i].text), "%s%.*s",
			 rows[i].text[0] != '\0' ? "|" : "", (int)word_len(rest + wl + 1),
			 rest + wl + 1);
	return n;
}

/*
 * usage - Dovecot's listing on stderr: every command (prefix "") or those of
 * one group (prefix "auth"); exit 64.
 */
static int usage(const char *prefix)
{
	static struct usage_row rows[USAGE_MAX];
	static const struct doveadm_cmd *cmds[USAGE_MAX];
	size_t f, n = 0, ncmds = 0, i;

	for (f = 0; f < N_CMD_FILES; f++) {
		const struct doveadm_cmd *c;

		for (c = cmd_files[f]; c->name != NULL && ncmds < USAGE_MAX; c++)
			cmds[ncmds++] = c;
	}
	qsort(cmds, ncmds, sizeof(cmds[0]), cmd_name_cmp);	/* groups list a|b|c sorted */
	for (i = 0; i < ncmds; i++)
		n = usage_add(rows, n, prefix, cmds[i]);
	qsort(rows, n, sizeof(rows[0]), usage_row_cmp);
	if (prefix[0] == '\0')
		fprintf(stderr, USAGE_HEAD "<command> [<args>]\n%15s\n", "");
	else
		fprintf(stderr, USAGE_HEAD "%s <command> [<args>]\n", prefix);
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %-12s %s\n", rows[i].name, rows[i].text);
	return DOVEADM_EX_USAGE;
}

/* is_group - a first word that only multi-word commands start with */
static int is_group(const char *word)
{
	size_t f, len = strlen(word);

	for (f = 0; f < N_CMD_FILES; f++) {
		const struct doveadm_cmd *c;

		for (c = cmd_files[f]; c->name != NULL; c++)
			if (strncmp(c->name, word, len) == 0 && c->name[len] == ' ')
				return 1;
	}
	return 0;
}

/*
 * load_config - dovecot.conf (path, else the compiled-in one: like the
 * real doveadm, $DOVECOT_CONFIG is not read) for a command.  A missing
 * file is Dovecot's "Error reading configuration" (75); a bad one is
 * reported as the doveconf that the real doveadm runs reports it (89).
 */
static struct dconf *load_config(const char *path, int *status_r)
{
	struct dconf *cfg;
	struct stat st;
	const char *error;

	if (path == NULL)
		path = dconf_default_path();
	if (stat(path, &st) < 0) {
		fprintf(stderr, "Fatal: Error reading configuration: stat(%s) failed: %s\n", path,
			strerror(errno));
		*status_r = DOVEADM_EX_TEMPFAIL;
		return NULL;
	}
	if (dconf_load(&cfg, path, 0, &error) < 0) {
		fprintf(stderr, "doveconf: Fatal: %s\n", error);
		*status_r = DOVEADM_EX_CONFIG;
		return NULL;
	}
	return cfg;
}

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	const struct doveadm_cmd *cmd;
	struct dconf *cfg = NULL;
	int c, words, ret = 0;

	while ((c = getopt(argc, argv, "+c:Df:o:v")) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'D': case 'v': case 'f': case 'o':
			break;	/* accepted; see docs/password-schemes.md "doveadm front end" */
		default:
			return DOVEADM_EX_CONFIG;
		}
	}
	argc -= optind;
	argv += optind;
	cmd = argc > 0 ? cmd_find(argc, argv, &words) : NULL;
	if (cmd == NULL || !(cmd->flags & DOVEADM_CMD_NO_CONFIG)) {
		if ((cfg = load_config(config_path, &ret)) == NULL)
			return ret;
	}
	if (cmd == NULL) {
		ret = usage(argc > 0 && is_group(argv[0]) ? argv[0] : "");
	} else {
		argc -= words - 1;
		argv += words - 1;
		optind = 1;	/* each command runs its own getopt */
		ret = cmd->run(cfg, argc, argv);
	}
	dconf_free(&cfg);
	fflush(stdout);
	return ret;
}
