/*
 * postconf - Postfix configuration utility.
 *
 * ROLE: print main.cf parameters (all, explicit names, -n non-default,
 *	-d defaults, -x expanded, -h/-H value or name only, -f folded),
 *	edit main.cf (-e name=value, -X name, -# name), and print/edit
 *	master.cf (-M, -F, -P with e/X/# edits).  Output formats, warnings
 *	and exit codes follow Postfix 3.7's postconf; differences are listed
 *	in docs/configuration.md.
 * PRIVILEGES: none; edits need write access to the config directory.
 * INPUTS: main.cf, master.cf (from -c dir, $MAIL_CONFIG, or the compiled-in
 *	directory), command-line arguments.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/mastercf.h"
#include "config/pfconf.h"
#include "config/pfparam.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "postconf.h"

/* per-transport parameters that master.cf services define (<service>_<suffix>) */
static const char *const service_suffixes[] = {
	"delivery_slot_cost", "delivery_slot_discount", "delivery_slot_loan",
	"destination_concurrency_failed_cohort_limit", "destination_concurrency_limit",
	"destination_concurrency_negative_feedback", "destination_concurrency_positive_feedback",
	"destination_rate_delay", "destination_recipient_limit", "extra_recipient_limit",
	"initial_destination_concurrency", "minimum_delivery_slots", "recipient_limit",
	"recipient_refill_delay", "recipient_refill_limit", "transport_rate_delay",
	"delivery_status_filter",
};

static struct mastercf *master_for_refs;

/* usage - as Postfix: exit 1 */
static void usage(void)
{
	msg_fatal("usage: postconf [-c config_dir] [-C param_class] [-dfhHlmMnopPtTvx#] "
		  "[-e|-X] [name...]");
}

/* print_line - one output line, folded at 80 columns when asked */
void pcf_print_folded(const char *line, int fold)
{
	size_t len = strlen(line), col = 0;
	const char *p = line;

	if (!fold || len < PC_FOLD_COLUMNS) {
		printf("%s\n", line);
		return;
	}
	while (*p != '\0') {
		size_t w = strcspn(p, " ");

		if (col > 0 && col + 1 + w >= PC_FOLD_COLUMNS) {
			fputs("\n    ", stdout);
			col = 4;
		} else if (col > 0) {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, w, stdout);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	putchar('\n');
}

/* normalize - runs of whitespace become one space, ends trimmed */
static char *normalize(const char *value)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (const char *p = value; *p != '\0'; p++) {
		if (isspace((unsigned char)*p)) {
			if (b.len > 0 && b.data[b.len - 1] != ' ')
				buf_append_c(&b, ' ');
		} else {
			buf_append_c(&b, *p);
		}
	}
	buf_trim_right(&b);
	s = buf_steal(&b);
	buf_deinit(&b);
	return s;
}

/* scan_refs - every $name referenced in text */
static void scan_refs(const char *text, struct hash *refs)
{
	for (const char *p = text; (p = strchr(p, '$')) != NULL;) {
		const char *n;

		p++;
		if (*p == '$') {
			p++;
			continue;
		}
		if (*p == '{' || *p == '(')
			p++;
		n = p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		if (p > n) {
			char *name = xstrndup(n, (size_t)(p - n));

			hash_insert(refs, name, (void *)1);
			xfree(name);
		}
	}
}

/* service_defined - "<service>_<per-transport suffix>" for a master.cf service */
static int service_defined(const char *name)
{
	if (master_for_refs == NULL)
		return 0;
	for (size_t i = 0; i < master_for_refs->n; i++) {
		const char *svc = master_for_refs->entries[i].service;
		size_t l = strlen(svc);

		if (strncmp(name, svc, l) != 0 || name[l] != '_')
			continue;
		for (size_t j = 0; j < sizeof(service_suffixes) / sizeof(service_suffixes[0]); j++)
			if (strcmp(name + l + 1, service_suffixes[j]) == 0)
				return 1;
	}
	return 0;
}

struct names_ctx {
	struct hash *refs;	/* referenced names */
	struct argv defined;	/* names set in main.cf / -o */
};

/* known - a name postconf prints: built in, used, or service-defined */
static int known(struct names_ctx *nc, const char *name, struct pfconf *cfg)
{
	if (pfparam_find(name) != NULL || service_defined(name))
		return 1;
	return pfconf_is_set(cfg, name) && hash_lookup(nc->refs, name) != NULL;
}

/* collect_refs - references in main.cf values and master.cf arguments; warnings */
static void collect_refs(struct postconf *pc, struct names_ctx *nc)
{
	size_t i;

	nc->refs = hash_create(64);
	argv_init(&nc->defined);
	pfconf_names(pc->cfg, &nc->defined);
	for (i = 0; i < nc->defined.n; i++)
		scan_refs(pfconf_get_raw(pc->cfg, nc->defined.v[i]), nc->refs);
	if (master_for_refs != NULL)
		for (i = 0; i < master_for_refs->n; i++)
			for (size_t j = 1; j + 1 < master_for_refs->entries[i].cmd.n; j++)
				if (strcmp(master_for_refs->entries[i].cmd.v[j], "-o") == 0)
					scan_refs(master_for_refs->entries[i].cmd.v[++j], nc->refs);
	if (pc->flags & PCF_DEFAULTS)
		return;
	for (i = 0; i < nc->defined.n; i++) {
		const char *name = nc->defined.v[i];

		if (pfconf_origin(pc->cfg, name, NULL) != PFCONF_ORIGIN_FILE)
			continue;
		if (!known(nc, name, pc->cfg))
			msg_warn("%s: unused parameter: %s=%s", pc->main_cf, name,
				 pfconf_get_raw(pc->cfg, name));
	}
	{
		size_t it = 0;
		const char *name;
		void *v;

		while (hash_iter(nc->refs, &it, &name, &v))
			if (pfparam_find(name) == NULL && !pfconf_is_set(pc->cfg, name)
			    && !service_defined(name))
				msg_warn("%s: undefined parameter: %s", pc->main_cf, name);
	}
}

/* value_of - what to print for name */
static char *value_of(struct postconf *pc, const char *name)
{
	const char *raw;

	if (pc->flags & PCF_EXPAND)
		raw = pfconf_get(pc->cfg, name);
	else
		raw = pfconf_get_raw(pc->cfg, name);
	return normalize(raw != NULL ? raw : "");
}

/* print_param - one parameter in the selected format */
static void print_param(struct postconf *pc, const char *name)
{
	char *value = value_of(pc, name), *line;

	if (pc->flags & PCF_NAME_ONLY)
		line = xstrdup(name);
	else if (pc->flags & PCF_VALUE_ONLY)
		line = xstrdup(value);
	else if (*value == '\0')
		line = xasprintf("%s =", name);
	else
		line = xasprintf("%s = %s", name, value);
	pcf_print_folded(line, (pc->flags & PCF_FOLD) != 0);
	xfree(line);
	xfree(value);
}

/* compare - qsort strings */
static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* print_params - parameter mode */
static int print_params(struct postconf *pc, char **names)
{
	struct names_ctx nc;
	struct argv out;
	size_t i;

	collect_refs(pc, &nc);
	if (*names != NULL) {
		for (; *names != NULL; names++) {
			if ((pc->flags & PCF_DEFAULTS) ? pfparam_find(*names) != NULL
						     : known(&nc, *names, pc->cfg))
				print_param(pc, *names);
			else
				msg_warn("%s: unknown parameter", *names);
		}
		goto done;
	}
	argv_init(&out);
	if (pc->flags & PCF_NONDEFAULT) {
		for (i = 0; i < nc.defined.n; i++)
			if (known(&nc, nc.defined.v[i], pc->cfg)
			    && pfconf_origin(pc->cfg, nc.defined.v[i], NULL) != PFCONF_ORIGIN_SET)
				argv_add(&out, nc.defined.v[i]);
		if (pc->config_dir != NULL
		    && pfconf_origin(pc->cfg, "config_directory", NULL) == PFCONF_ORIGIN_SET)
			argv_add(&out, "config_directory");
	} else {
		for (i = 0; i < pfparam_count; i++)
			argv_add(&out, pfparam_table[i].name);
		for (i = 0; i < nc.defined.n; i++)
			if (pfparam_find(nc.defined.v[i]) == NULL && known(&nc, nc.defined.v[i], pc->cfg))
				argv_add(&out, nc.defined.v[i]);
	}
	qsort(out.v, out.n, sizeof(char *), compare);
	for (i = 0; i < out.n; i++)
		print_param(pc, out.v[i]);
	argv_deinit(&out);
done:
	hash_destroy(&nc.refs, NULL);
	argv_deinit(&nc.defined);
	return 0;
}

/* has_assignment - any argument with '=' */
static int has_assignment(char **args)
{
	for (; *args != NULL; args++)
		if (strchr(*args, '=') != NULL)
			return 1;
	return 0;
}

/* print_list - -m, -l, -a, -A */
static int print_list(const char *const *items)
{
	for (; *items != NULL; items++)
		printf("%s\n", *items);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const map_types[] = { "btree", "cidr", "environ", "fail", "hash",
		"inline", "lmdb", "pcre", "regexp", "static", "texthash", "unix", NULL };
	static const char *const lock_types[] = { "flock", "fcntl", "dotlock", NULL };
	static const char *const server_sasl[] = { "cyrus", "dovecot", NULL };
	static const char *const client_sasl[] = { "cyrus", NULL };
	struct postconf pc;
	struct argv overrides;
	const char *error;
	int c, mode = 0, edit = 0;
	const char *const *list = NULL;

	memset(&pc, 0, sizeof(pc));
	argv_init(&overrides);
	log_open(argv[0], NULL, LOG_TARGET_STDERR);
	while ((c = getopt(argc, argv, "aAbc:C:dDeEfFhHlmMno:pPtT:vxX#")) != -1) {
		switch (c) {
		case 'a': list = server_sasl; break;
		case 'A': list = client_sasl; break;
		case 'c': pc.config_dir = optarg; break;
		case 'C': break;
		case 'd': pc.flags |= PCF_DEFAULTS; break;
		case 'e': edit = PCF_EDIT_SET; break;
		case 'f': pc.flags |= PCF_FOLD; break;
		case 'F': mode = PCF_MODE_F; break;
		case 'h': pc.flags |= PCF_VALUE_ONLY; break;
		case 'H': pc.flags |= PCF_NAME_ONLY; break;
		case 'l': list = lock_types; break;
		case 'm': list = map_types; break;
		case 'M': mode = PCF_MODE_M; break;
		case 'n': pc.flags |= PCF_NONDEFAULT; break;
		case 'o': argv_add(&overrides, optarg); break;
		case 'p': mode = 0; break;
		case 'P': mode = PCF_MODE_P; break;
		case 'v': case 'D': case 'E': case 'b': case 't': case 'T': break;
		case 'x': pc.flags |= PCF_EXPAND; break;
		case 'X': edit = PCF_EDIT_DELETE; break;
		case '#': edit = PCF_EDIT_COMMENT; break;
		default: usage();
		}
	}
	if (list != NULL)
		return print_list(list);
	if (pc.config_dir != NULL)
		setenv("MAIL_CONFIG", pc.config_dir, 1);
	if (edit == 0 && has_assignment(argv + optind))
		edit = PCF_EDIT_SET;
	if (pc.flags & PCF_DEFAULTS) {
		pc.cfg = pfconf_create_empty(pc.config_dir);
	} else if (pfconf_load_flags(&pc.cfg, pc.config_dir,
				     edit == 0 ? PFCONF_FLAG_WARN_OVERRIDE : 0, &error) < 0) {
		msg_fatal("%s", error);
	}
	pc.main_cf = xstrdup(pfconf_main_cf(pc.cfg));
	pc.master_cf = xasprintf("%s/master.cf", pfconf_config_dir(pc.cfg));
	if (pc.config_dir != NULL)
		pfconf_set(pc.cfg, "config_directory", pc.config_dir);
	for (size_t i = 0; i < overrides.n; i++)
		if (pfconf_override(pc.cfg, overrides.v[i], &error) < 0)
			msg_fatal("-o %s", error);
	if (mode != 0) {
		if (edit != 0)
			return pcf_master_edit(&pc, argv + optind, mode, edit);
		return pcf_master_print(&pc, argv + optind, mode);
	}
	if (edit != 0)
		return pcf_main_edit(&pc, argv + optind, edit);
	if (!(pc.flags & PCF_DEFAULTS) && mastercf_load(&master_for_refs, pc.master_cf, &error) < 0)
		master_for_refs = NULL;	/* -p does not require a valid master.cf */
	return print_params(&pc, argv + optind);
}
