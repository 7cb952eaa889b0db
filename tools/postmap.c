/*
 * postmap - Postfix lookup table management.
 *
 * ROLE: postmap [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [type:]file...
 *	builds hash/btree/lmdb tables from "key whitespace value" source files
 *	(atomically: readers never see a half-built table), queries (-q key,
 *	-q - for keys on stdin), dumps (-s), deletes (-d key, -d -) and adds
 *	entries from stdin (-i).  Messages and exit codes follow Postfix's
 *	postmap: 0 when a query/delete found something, 1 when not, 1 on fatal.
 * PRIVILEGES: none of its own; the table gets the source file's read
 *	permissions.
 * INPUTS: source files, stdin (-i, -q -, -d -), main.cf (default_database_type).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/cfline.h"
#include "config/pfconf.h"
#include "core/argv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "maps/maps.h"
#include "maps/map_alias.h"
#include "maps/map_source.h"

#define POSTMAP_LINE_MAX (64 * 1024)

static unsigned open_flags;
static int dup_quiet;
static int alias_mode;		/* postalias / newaliases: aliases(5) input */
static int keep_perms;		/* -p: do not copy the source file's permissions */
static int keep_owner;		/* -o: as root, do not give the table to the source's owner */

static void add_entry(struct map *map, const char *where, const char *key, const char *value);

static void usage(void)
{
	msg_fatal("usage: %s [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] "
		  "[map_type:]file...", alias_mode ? "postalias" : "postmap");
}

/* split_entry - one source line in the mode's format; -1 + the warning text */
static int split_entry(const char *line, char **key_r, char **value_r, const char **what_r)
{
	if (alias_mode) {
		*what_r = "need name:value pair";
		return map_alias_split(line, key_r, value_r);
	}
	*what_r = "expected format: key whitespace value";
	return map_source_split(line, key_r, value_r);
}

/* alias_sanity_entries - what Postfix's postalias adds to every alias table */
static void alias_sanity_entries(struct map *map)
{
	char host[256], stamp[32], *dot;
	const char *error;

	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if ((dot = strchr(host, '.')) != NULL)
		*dot = '\0';
	snprintf(stamp, sizeof(stamp), "%ld", (long)time(NULL));
	(void)map_update_exact(map, "YP_LAST_MODIFIED", stamp, &error);
	(void)map_update_exact(map, "YP_MASTER_NAME", host, &error);
	add_entry(map, "postalias", "@", "@");
}

/* map_spec - "type:name" with the default database type filled in */
static char *map_spec(struct pfconf *cfg, const char *arg)
{
	size_t type_len = strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_");

	if (type_len > 0 && arg[type_len] == ':')
		return xstrdup(arg);
	return xasprintf("%s:%s", pfconf_get(cfg, "default_database_type"), arg);
}

/* open_or_die - open a table */
static struct map *open_or_die(const char *spec, unsigned flags)
{
	struct map *map;
	const char *error;

	if (map_open(spec, flags | open_flags, &map, &error) < 0)
		msg_fatal("%s", error);
	return map;
}

/* add_entry - one source entry; duplicate handling as Postfix */
static void add_entry(struct map *map, const char *where, const char *key, const char *value)
{
	const char *error;
	int r = map_update(map, key, value, &error);

	if (r == MAP_ERROR)
		msg_warn("%s: %s", where, error);
	else if (r == MAP_NOTFOUND && !dup_quiet)
		msg_warn("%s: duplicate entry: \"%s\"", map_file(map), key);
}

/* build - postmap [type:]file */
static void build(const char *spec)
{
	struct cflines lines;
	struct map *map;
	const char *error;
	char *name;
	struct stat st;

	map = open_or_die(spec, MAP_FLAG_CREATE);
	name = xstrdup(map_name(map));	/* outlives the map */
	if (cfline_read_file(name, &lines, &error) < 0) {
		map_abort(&map);
		msg_fatal("%s", error);
	}
	for (size_t i = 0; i < lines.n; i++) {
		char *key, *value, *where;

		const char *what;

		where = xasprintf("%s, line %d", name, lines.v[i].first);
		if (split_entry(lines.v[i].text, &key, &value, &what) < 0) {
			msg_warn("%s: %s", where, what);
		} else {
			add_entry(map, where, key, value);
			xfree(key);
			xfree(value);
		}
		xfree(where);
	}
	cflines_free(&lines);
	if (alias_mode)
		alias_sanity_entries(map);
	{
		char *file = xstrdup(map_file(map));

		if (map_close(&map, &error) < 0)
			msg_fatal("%s", error);
		if (stat(name, &st) == 0) {
			if (!keep_perms)
				(void)chmod(file, st.st_mode & 0644);
			if (!keep_owner && geteuid() == 0 && chown(file, st.st_uid, st.st_gid) < 0)
				msg_warn("chown %s: %m", file);
		}
		xfree(file);
	}
	xfree(name);
}

/* for_stdin_lines - call fn for every logical stdin line */
static void for_stdin_lines(void (*fn)(const char *line, int lineno, void *ctx), void *ctx)
{
	struct buf all;
	struct cflines lines;
	const char *error;
	char chunk[8192];
	size_t n;

	buf_init(&all, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_append(&all, chunk, n);
	if (cfline_parse_text("stdin", all.data, all.len, &lines, &error) < 0)
		msg_fatal("%s", error);
	for (size_t i = 0; i < lines.n; i++)
		fn(lines.v[i].text, lines.v[i].first, ctx);
	cflines_free(&lines);
	buf_deinit(&all);
}

struct query_ctx {
	struct map **maps;
	int nmaps;
	int found;
};

/* query_one - first table with the key wins */
static int query_one(struct query_ctx *q, const char *key, const char **value_r)
{
	const char *error;

	for (int i = 0; i < q->nmaps; i++) {
		int r = map_lookup(q->maps[i], key, value_r, &error);

		if (r == MAP_ERROR)
			msg_fatal("table %s:%s: query error: %s", map_type(q->maps[i]),
				  map_name(q->maps[i]), error);
		if (r == MAP_FOUND)
			return 1;
	}
	return 0;
}

static void query_line(const char *line, int lineno, void *ctx)
{
	struct query_ctx *q = ctx;
	const char *value;

	if (query_one(q, line, &value)) {
		printf("%s\t%s\n", line, value);
		q->found = 1;
	}
}

/* open_all - the tables named on the command line */
static struct map **open_all(struct pfconf *cfg, char **args, int n, unsigned flags)
{
	struct map **maps = xcalloc((size_t)n, sizeof(*maps));

	for (int i = 0; i < n; i++) {
		char *spec = map_spec(cfg, args[i]);

		maps[i] = open_or_die(spec, flags);
		xfree(spec);
	}
	return maps;
}

/* close_all - commit and close */
static void close_all(struct map **maps, int n)
{
	const char *error;

	for (int i = 0; i < n; i++)
		if (map_close(&maps[i], &error) < 0)
			msg_fatal("%s", error);
	xfree(maps);
}

struct incr_ctx {
	struct map **maps;
	int nmaps;
};

static void incremental_line(const char *line, int lineno, void *ctx)
{
	struct incr_ctx *c = ctx;
	char *key, *value;
	const char *what;

	if (split_entry(line, &key, &value, &what) < 0) {
		msg_warn("stdin, line %d: %s", lineno, what);
		return;
	}
	for (int i = 0; i < c->nmaps; i++)
		add_entry(c->maps[i], "stdin", key, value);
	xfree(key);
	xfree(value);
}

struct delete_ctx {
	struct map **maps;
	int nmaps;
	int found;
};

static void delete_key(const char *key, int lineno, void *ctx)
{
	struct delete_ctx *c = ctx;
	const char *error;

	for (int i = 0; i < c->nmaps; i++) {
		int r = map_delete(c->maps[i], key, &error);

		if (r == MAP_ERROR)
			msg_fatal("%s", error);
		if (r == MAP_FOUND)
			c->found = 1;
	}
}

/* dump - postmap -s */
static void dump(struct map *map)
{
	const char *key, *value, *error;
	int r;

	for (r = map_first(map, &key, &value, &error); r == MAP_FOUND;
	     r = map_next(map, &key, &value, &error))
		printf(alias_mode ? "%s:\t%s\n" : "%s\t%s\n", key, value);
	if (r == MAP_ERROR)
		msg_fatal("%s", error);
}

/* newaliases - postalias on every table in $alias_database (sendmail -bi) */
static int newaliases(int argc, char **argv)
{
	struct pfconf *cfg;
	const char *error, *dir = NULL;
	struct argv *dbs;
	int c;

	while ((c = getopt(argc, argv, "C:c:v")) != -1) {
		if (c == 'C' || c == 'c')
			dir = optarg;
		else if (c != 'v')
			msg_fatal("usage: newaliases [-c config_dir]");
	}
	if (pfconf_load(&cfg, dir, &error) < 0)
		msg_fatal("%s", error);
	dbs = pfconf_get_list(cfg, "alias_database");
	for (size_t i = 0; i < dbs->n; i++) {
		char *spec = map_spec(cfg, dbs->v[i]);

		build(spec);
		xfree(spec);
	}
	argv_destroy(&dbs);
	pfconf_free(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	struct pfconf *cfg;
	const char *error, *dir = NULL, *query = NULL, *del = NULL;
	int c, incremental = 0, sequence = 0, nargs;
	char **args;

	{
		const char *base = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];

		alias_mode = strcmp(base, "postalias") == 0 || strcmp(base, "newaliases") == 0;
		log_open(alias_mode ? "postalias" : "postmap", NULL, LOG_TARGET_STDERR);
		if (strcmp(base, "newaliases") == 0)
			return newaliases(argc, argv);
	}
	while ((c = getopt(argc, argv, "Nbc:d:fhimnopq:rsuUvw")) != -1) {
		switch (c) {
		case 'c': dir = optarg; break;
		case 'd': del = optarg; break;
		case 'f': open_flags |= MAP_FLAG_NO_FOLD; break;
		case 'i': incremental = 1; break;
		case 'q': query = optarg; break;
		case 'r': open_flags |= MAP_FLAG_DUP_REPLACE; dup_quiet = 1; break;
		case 's': sequence = 1; break;
		case 'w': dup_quiet = 1; break;
		case 'o': keep_owner = 1; break;
		case 'p': keep_perms = 1; break;
		case 'N': case 'n': case 'u': case 'U': case 'v':
		case 'b': case 'h': case 'm':
			break;
		default: usage();
		}
	}
	if (optind >= argc || (query != NULL) + (del != NULL) + sequence + incremental > 1)
		usage();
	if (pfconf_load(&cfg, dir, &error) < 0)
		cfg = pfconf_create_empty(dir);	/* postmap works without a main.cf */
	args = argv + optind;
	nargs = argc - optind;

	if (query != NULL) {
		struct query_ctx q = { open_all(cfg, args, nargs, 0), nargs, 0 };
		const char *value;

		if (strcmp(query, "-") == 0)
			for_stdin_lines(query_line, &q);
		else if ((q.found = query_one(&q, query, &value)))
			printf("%s\n", value);
		close_all(q.maps, nargs);
		return q.found ? 0 : 1;
	}
	if (del != NULL) {
		struct delete_ctx d = { open_all(cfg, args, nargs, MAP_FLAG_WRITE), nargs, 0 };

		if (strcmp(del, "-") == 0)
			for_stdin_lines(delete_key, &d);
		else
			delete_key(del, 0, &d);
		close_all(d.maps, nargs);
		return d.found ? 0 : 1;
	}
	if (sequence) {
		struct map **maps = open_all(cfg, args, nargs, 0);

		for (int i = 0; i < nargs; i++)
			dump(maps[i]);
		close_all(maps, nargs);
		return 0;
	}
	if (incremental) {
		struct incr_ctx ic = { open_all(cfg, args, nargs, MAP_FLAG_WRITE), nargs };

		for_stdin_lines(incremental_line, &ic);
		close_all(ic.maps, nargs);
		return 0;
	}
	for (int i = 0; i < nargs; i++) {
		char *spec = map_spec(cfg, args[i]);

		build(spec);
		xfree(spec);
	}
	return 0;
}
