/*
 * deliver - local(8)'s recipient processing: Delivered-To loop check,
 * aliases (lists, :include:, |command, /file, owner- aliases), .forward
 * files, recipient_delimiter extensions, the mailbox (mailbox_transport,
 * mailbox_command, home_mailbox, mail_spool_directory), fallback_transport
 * and unknown users.  Local addresses found in an expansion are delivered
 * here recursively (depth-bounded, with a duplicate filter); other ones
 * are forwarded as a new message through cleanup (forward.c).
 *
 * Every final delivery runs in a child as its owner (run_as) and is logged
 * once with log_delivery(), which also folds its result into the
 * request recipient's answer (the worst result wins).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "mail/addr.h"
#include "mail/resolve.h"
#include "maps/maps.h"
#include "queue/qfile.h"
#include "local.h"

#define MAX_DEPTH	20		/* nested expansions of one recipient */
#define FILE_MAX	(1024 * 1024)	/* .forward / :include: size */
#define MAX_ITEMS	1000		/* items of one expansion list */
#define MAX_SEEN	100000		/* duplicate filter entries per recipient */

/* the recipient split the way local(8) looks it up */
struct parts {
	char *local;		/* local part, lower case, with extension */
	char *user;		/* without extension */
	char *ext;		/* extension or NULL */
	const char *delim;	/* the delimiter found ("" if none) */
	char *domain;
};

static struct map **alias_maps;
static struct argv alias_names;
static int alias_opened;

/* parts_make - split addr; the owner-/-request special cases stay whole */
static void parts_make(const char *addr, struct parts *p)
{
	const char *delims = pfconf_get(agent.cfg, "recipient_delimiter");
	char *low, *stripped = NULL;
	size_t n;

	memset(p, 0, sizeof(*p));
	addr_split(addr, &p->local, &p->domain);
	low = addr_lower(p->local);
	xfree(p->local);
	p->local = low;
	n = strlen(low);
	p->delim = "";
	if (*delims && !(pfconf_get_bool(agent.cfg, "owner_request_special")
			 && (strncmp(low, "owner-", 6) == 0 || (n > 8 && strcmp(low + n - 8, "-request") == 0))))
		stripped = addr_strip_extension(low, delims, &p->ext);
	if (stripped != NULL) {
		p->user = stripped;
		p->delim = xstrndup(low + strlen(stripped), 1);
	} else {
		p->user = xstrdup(low);
	}
}

static void parts_free(struct parts *p)
{
	xfree(p->local);
	xfree(p->user);
	xfree(p->ext);
	xfree(p->domain);
	if (*p->delim)
		xfree((char *)p->delim);
}

/* open_aliases - alias_maps, once; nis: is not supported and skipped */
static void open_aliases(void)
{
	struct argv *specs;
	size_t i, n = 0;
	const char *error;

	if (alias_opened)
		return;
	alias_opened = 1;
	specs = pfconf_get_list(agent.cfg, "alias_maps");
	alias_maps = xcalloc(specs->n + 1, sizeof(*alias_maps));
	argv_init(&alias_names);
	for (i = 0; i < specs->n; i++) {
		if (strncmp(specs->v[i], "nis:", 4) == 0) {
			msg_warn("%s: NIS lookups are not supported -- ignored", specs->v[i]);
			continue;
		}
		if (map_open(specs->v[i], 0, &alias_maps[n], &error) < 0) {
			msg_warn("%s is unavailable. %s", specs->v[i], error);
			alias_maps[n] = NULL;
		}
		argv_add(&alias_names, specs->v[i]);
		n++;
	}
	argv_destroy(&specs);
}

/* alias_lookup - 1 found (value, index of the table), 0 not, -1 table error */
static int alias_lookup(const char *key, const char **value_r, size_t *which_r)
{
	const char *error;
	size_t i;

	open_aliases();
	for (i = 0; i < alias_names.n; i++) {
		int r;

		if (alias_maps[i] == NULL)
			return -1;
		r = map_lookup(alias_maps[i], key, value_r, &error);
		if (r == MAP_ERROR) {
			msg_warn("%s: lookup of %s: %s", alias_names.v[i], key, error);
			return -1;
		}
		if (r == MAP_FOUND) {
			*which_r = i;
			return 1;
		}
	}
	return 0;
}

/* default_privs - the default_privs user (-1 when unknown) */
static int default_privs(struct who *w)
{
	const char *name = pfconf_get(agent.cfg, "default_privs");

	if (who_lookup_name(name, w) < 0) {
		msg_warn("unknown default_privs user: %s", name);
		return -1;
	}
	return 0;
}

/* owner_privs - the file owner unless root, else inherit (or default_privs) */
static int owner_privs(uid_t uid, const struct who *inherit, struct who *w)
{
	if (uid != 0 && who_lookup_uid(uid, w) == 0)
		return 0;
	if (uid != 0) {		/* no passwd entry: the numeric owner */
		memset(w, 0, sizeof(*w));
		w->uid = uid;
		w->gid = uid;
		w->home = xstrdup("/");
		w->shell = xstrdup("");
		return 0;
	}
	if (inherit != NULL) {
		who_copy(w, inherit);
		return 0;
	}
	return default_privs(w);
}

/* finish - log a final result for the address of lv */
static void finish(struct top *t, const struct level *lv, const struct dres *r)
{
	log_delivery(t, lv->addr, r);
}

/* seen_before - duplicate filter over final destinations and expansions */
static int seen_before(struct top *t, const char *key)
{
	if (hash_lookup(t->seen, key) != NULL)
		return 1;
	if (hash_count(t->seen) >= MAX_SEEN)	/* bounded: later ones are not filtered */
		return 0;
	hash_insert(t->seen, key, t);
	return 0;
}

/* ---- reading files as their reader ---- */

struct read_job {
	const char *path;
};

/* read_file - child: content into out; reason "uid" of the owner; bounced = missing */
static void read_file(void *ctx, struct dres *res, struct buf *out)
{
	struct read_job *j = ctx;
	struct stat st;
	const char *error;
	char chunk[8192];
	ssize_t n;
	int fd = safe_open(j->path, O_RDONLY | O_NONBLOCK, 0, &st, &error);	/* a FIFO must not block */

	if (fd < 0) {
		int missing = errno == ENOENT || errno == ENOTDIR;

		dres_set(res, missing ? DS_BOUNCED : DS_DEFERRED, missing ? "5.3.5" : "4.3.5",
			 "%s", strerror(errno));
		return;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(out, chunk, (size_t)n) < 0)
			break;
	close(fd);
	dres_set(res, DS_SENT, "2.0.0", "%lu", (unsigned long)st.st_uid);
}

/* ---- expansion items ---- */

static void deliver_addr(struct top *t, const struct level *lv);
static void expand_list(struct top *t, const struct level *lv, const char *list, int lines);

/* allowed - allow_mail_to_commands/files for the class of lv */
static int allowed(const char *param, int class)
{
	static const char *names[] = { "", "alias", "forward", "include" };

	return class > CLASS_NONE && class <= CLASS_INCLUDE && list_has(param, names[class]);
}

/* not_root - commands and files never run as root: default_privs instead (-1 unknown) */
static int not_root(const struct who *w, struct who *out)
{
	if (w->uid != 0) {
		who_copy(out, w);
		return 0;
	}
	return default_privs(out);
}

/* deliver_command - "|command" or mailbox_command as w */
static void deliver_command(struct top *t, const struct level *lv, const struct who *who,
			    const char *cmd)
{
	struct parts p;
	struct cmd_job j;
	struct dres r;
	struct who wbuf, *w = &wbuf;
	const char *error;
	char *key = xasprintf("command:%s", cmd), *cwd;

	if (seen_before(t, key)) {
		xfree(key);
		return;
	}
	xfree(key);
	if (not_root(who, w) < 0) {
		dres_set(&r, DS_DEFERRED, "4.3.0", "unknown default_privs user");
		finish(t, lv, &r);
		return;
	}
	parts_make(lv->addr, &p);
	memset(&j, 0, sizeof(j));
	j.command = cmd;
	j.recipient = lv->addr;
	j.orig = t->orig;
	j.sender = lv->sender;
	j.user = w->name ? w->name : "";
	j.home = w->home;
	j.shell = w->shell;
	j.local = p.local;
	j.extension = p.ext ? p.ext : "";
	j.domain = p.domain;
	{
		struct expand_attrs a = { j.user, w->home, w->shell, p.local, j.extension, p.domain,
					  lv->addr, lv->sender, p.ext ? p.delim : "" };

		cwd = expand_local(pfconf_get_raw(agent.cfg, "command_execution_directory"), &a,
				   pfconf_get(agent.cfg, "command_expansion_filter"));
	}
	j.cwd = cwd;
	j.time_limit = pfconf_get_time(agent.cfg, "command_time_limit");
	j.limit = pfconf_get_int(agent.cfg, "mailbox_size_limit");
	if (msg_open_content(agent.msg, &j.qf, &error) < 0) {
		dres_set(&r, DS_DEFERRED, "4.3.0", "cannot read queue file: %s", error);
	} else {
		run_as(w, command_deliver, &j, &r, NULL, 0);
		qfile_close(&j.qf);
	}
	finish(t, lv, &r);
	xfree(cwd);
	parts_free(&p);
	who_free(w);
}

/* deliver_file - mbox/maildir file from an alias, .forward or :include: */
static void deliver_file(struct top *t, const struct level *lv, const struct who *who,
			 const char *path, const char *user)
{
	struct mbox_job j;
	struct who wbuf, *w = &wbuf;
	struct dres r;
	const char *error;
	char *key = xasprintf("file:%s", path);

	if (seen_before(t, key)) {
		xfree(key);
		return;
	}
	xfree(key);
	if (strcmp(path, "/dev/null") == 0) {	/* "x: /dev/null" discards, as in Postfix */
		dres_set(&r, DS_SENT, "2.0.0", "delivered to file: %s", path);
		finish(t, lv, &r);
		return;
	}
	if (not_root(who, w) < 0) {
		dres_set(&r, DS_DEFERRED, "4.3.0", "unknown default_privs user");
		finish(t, lv, &r);
		return;
	}
	memset(&j, 0, sizeof(j));
	j.path = path;
	j.user = user;
	j.recipient = lv->addr;
	j.orig = t->orig;
	j.sender = lv->sender;
	j.limit = pfconf_get_int(agent.cfg, "mailbox_size_limit");
	j.is_file = 1;
	if (msg_open_content(agent.msg, &j.qf, &error) < 0) {
		dres_set(&r, DS_DEFERRED, "4.3.0", "cannot read queue file: %s", error);
	} else {
		run_as(w, mailbox_deliver, &j, &r, NULL, 0);
		qfile_close(&j.qf);
	}
	finish(t, lv, &r);
	who_free(w);
}

/* deliver_include - ":include:/path": read as lv's privileges, expand as its owner */
static void deliver_include(struct top *t, const struct level *lv, const char *path)
{
	struct read_job j = { path };
	struct level sub = *lv;
	struct who owner;
	struct dres r;
	struct buf content;

	buf_init(&content, FILE_MAX);
	run_as(lv->privs, read_file, &j, &r, &content, FILE_MAX);
	if (r.status != DS_SENT) {
		char *why = xstrdup(r.reason);

		dres_set(&r, r.status, r.dsn, "cannot open include file %s: %s", path, why);
		xfree(why);
		finish(t, lv, &r);
	} else if (owner_privs((uid_t)strtoul(r.reason, NULL, 10), lv->privs, &owner) < 0) {
		dres_set(&r, DS_DEFERRED, "4.3.0", "cannot find the owner of include file %s", path);
		finish(t, lv, &r);
	} else {
		sub.privs = &owner;
		sub.class = CLASS_INCLUDE;
		sub.parent = lv;
		sub.depth = lv->depth + 1;
		expand_list(t, &sub, content.data, 1);
		who_free(&owner);
	}
	buf_deinit(&content);
}

/* item_text - one list item without quotes and blanks (malloc'ed) */
static char *item_text(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		s++, n -= 2;
	return xstrndup(s, n);
}

/* split_items - commas outside quotes (and newlines for files); '#' lines are comments */
static void split_items(const char *list, int lines, struct argv *items)
{
	const char *p = list, *start = list;
	int quoted = 0;

	for (;; p++) {
		if (*p == '"' && (p == list || p[-1] != '\\'))
			quoted = !quoted;
		if (*p == '\0' || (!quoted && (*p == ',' || (lines && *p == '\n')))) {
			char *item = item_text(start, (size_t)(p - start));

			if (*item && !(lines && *item == '#') && items->n < MAX_ITEMS)
				argv_add(items, item);
			xfree(item);
			if (*p == '\0')
				break;
			if (*p == '\n')
				quoted = 0;
			start = p + 1;
		}
	}
}

/* qualify - an address with @$myorigin when it has no domain (malloc'ed) */
static char *qualify(const char *addr)
{
	if (strchr(addr, '@') != NULL)
		return xstrdup(addr);
	return xasprintf("%s@%s", addr, pfconf_get(agent.cfg, "myorigin"));
}

/* add_extension - "user@d" -> "user+ext@d" unless the local part already has one */
static void add_extension(char **addr, const char *prop)
{
	const char *delims = pfconf_get(agent.cfg, "recipient_delimiter");
	char *at = strrchr(*addr, '@'), *out;
	size_t llen = at ? (size_t)(at - *addr) : strlen(*addr);

	if (strcspn(*addr, delims) < llen)
		return;
	out = xasprintf("%.*s%s%s", (int)llen, *addr, prop, at ? at : "");
	xfree(*addr);
	*addr = out;
}

/* propagate - the extension to carry into an expansion of class kind, or NULL */
static const char *propagate(const struct parts *p, const char *kind, char *buf, size_t size)
{
	if (p->ext == NULL || !list_has(PFCONF_NAME("propagate_unmatched_extensions"), kind))
		return NULL;
	snprintf(buf, size, "%s%s", p->delim, p->ext);
	return buf;
}

/* expand_address - a local address recursively, anything else into fwd */
static void expand_address(struct top *t, const struct level *lv, const char *item,
			   struct argv *fwd)
{
	struct level sub;
	const char *error;
	char *addr, *final = NULL;
	int no_expand = 0;
	enum resolve_class c;

	if (*item == '\\') {
		no_expand = 1;
		item++;
	}
	addr = qualify(item);
	if (lv->prop != NULL)
		add_extension(&addr, lv->prop);
	c = resolve_address(agent.resolver, addr, &final, &error);
	if (c == RESOLVE_ERROR) {
		struct dres r;

		dres_set(&r, DS_DEFERRED, "4.3.0", "address resolver failure: %s", error);
		finish(t, lv, &r);
	} else if (c == RESOLVE_LOCAL) {
		memset(&sub, 0, sizeof(sub));
		sub.addr = final;
		sub.sender = lv->sender;
		sub.depth = lv->depth + 1;
		sub.parent = lv;
		sub.no_expand = no_expand;
		deliver_addr(t, &sub);
	} else {
		argv_add(fwd, final);
	}
	xfree(final);
	xfree(addr);
}

/* forward_all - one new message to the collected non-local addresses */
static void forward_all(struct top *t, const struct level *lv, struct argv *fwd)
{
	struct argv todo;
	struct dres r;
	char id[64];
	size_t i;

	argv_init(&todo);
	for (i = 0; i < fwd->n; i++) {
		char *key = xasprintf("forward:%s", fwd->v[i]);

		if (!seen_before(t, key))
			argv_add(&todo, fwd->v[i]);
		xfree(key);
	}
	if (todo.n > 0 && forward_submit(lv, t, &todo, id, sizeof(id), &r) == 0)
		dres_set(&r, DS_SENT, "2.0.0", "forwarded as %s", id);
	for (i = 0; i < todo.n; i++)
		log_delivery(t, todo.v[i], &r);
	argv_deinit(&todo);
}

/* expand_list - every item of an alias value, .forward or :include: file */
static void expand_list(struct top *t, const struct level *lv, const char *list, int lines)
{
	struct argv items, fwd;
	struct dres r;
	size_t i;

	argv_init(&items);
	argv_init(&fwd);
	split_items(list, lines, &items);
	for (i = 0; i < items.n; i++) {
		const char *it = items.v[i];

		if (*it == '|') {
			if (!allowed(PFCONF_NAME("allow_mail_to_commands"), lv->class)) {
				dres_set(&r, DS_BOUNCED, "5.7.1", "mail to command is restricted");
				finish(t, lv, &r);
			} else {
				deliver_command(t, lv, lv->privs, it + 1);
			}
		} else if (*it == '/') {
			if (!allowed(PFCONF_NAME("allow_mail_to_files"), lv->class)) {
				dres_set(&r, DS_BOUNCED, "5.7.1", "mail to file is restricted");
				finish(t, lv, &r);
			} else {
				deliver_file(t, lv, lv->privs, it, lv->privs->name ? lv->privs->name : "");
			}
		} else if (strncasecmp(it, ":include:", 9) == 0) {
			const char *path = it + 9;

			while (isspace((unsigned char)*path))
				path++;
			if (*path != '/') {
				dres_set(&r, DS_BOUNCED, "5.3.5", "include file must be an absolute path: %s", path);
				finish(t, lv, &r);
			} else if (lv->privs == NULL) {	/* luser_relay: no owner to read it as */
				dres_set(&r, DS_BOUNCED, "5.7.1", "mail to include file is restricted");
				finish(t, lv, &r);
			} else if (lv->depth >= MAX_DEPTH) {
				dres_set(&r, DS_BOUNCED, "5.4.6", "mail forwarding loop for %s", lv->addr);
				finish(t, lv, &r);
			} else {
				deliver_include(t, lv, path);
			}
		} else {
			expand_address(t, lv, it, &fwd);
		}
	}
	if (fwd.n > 0)
		forward_all(t, lv, &fwd);
	argv_deinit(&items);
	argv_deinit(&fwd);
}

/* ---- aliases and .forward ---- */

/* try_alias - 1 when an alias handled the address */
static int try_alias(struct top *t, const struct level *lv, const struct parts *p)
{
	const char *value, *owner_value;
	size_t which, owhich;
	struct level sub = *lv;
	struct who privs;
	struct stat st;
	char *copy, *owner, *owner_addr = NULL;
	int r = p->ext != NULL ? alias_lookup(p->local, &value, &which) : 0;
	int unmatched = r == 0 && p->ext != NULL;
	char ext[ADDR_MAX + 2];
	struct dres res;

	if (r == 0)
		r = alias_lookup(p->user, &value, &which);
	if (r < 0) {
		dres_set(&res, DS_DEFERRED, "4.3.0", "alias database unavailable");
		finish(t, lv, &res);
		return 1;
	}
	if (r == 0)
		return 0;
	copy = xstrdup(value);	/* the next lookup may replace value */
	if (alias_maps[which] != NULL && map_file(alias_maps[which]) != NULL
	    && stat(map_file(alias_maps[which]), &st) == 0)
		r = owner_privs(st.st_uid, NULL, &privs);
	else
		r = default_privs(&privs);
	if (r < 0) {
		dres_set(&res, DS_DEFERRED, "4.3.0", "cannot find the privileges for alias %s", p->user);
		finish(t, lv, &res);
		xfree(copy);
		return 1;
	}
	owner = xasprintf("owner-%s", p->user);
	if (strncmp(p->user, "owner-", 6) != 0 && alias_lookup(owner, &owner_value, &owhich) == 1) {
		if (pfconf_get_bool(agent.cfg, "expand_owner_alias") && strchr(owner_value, ',') == NULL
		    && *owner_value != '|' && *owner_value != '/' && *owner_value != ':')
			owner_addr = qualify(owner_value);	/* the owner's one address */
		else
			owner_addr = xasprintf("%s@%s", owner, pfconf_get(agent.cfg, "myorigin"));
		sub.sender = owner_addr;
	}
	sub.privs = &privs;
	sub.class = CLASS_ALIAS;
	sub.prop = unmatched ? propagate(p, "alias", ext, sizeof(ext)) : NULL;
	sub.parent = lv;
	sub.depth = lv->depth + 1;
	expand_list(t, &sub, copy, 0);
	who_free(&privs);
	xfree(owner);
	xfree(owner_addr);
	xfree(copy);
	return 1;
}

/* try_forward - 1 when a .forward file of the user handled the address */
static int try_forward(struct top *t, const struct level *lv, const struct parts *p,
		       const struct who *u)
{
	struct expand_attrs a = { u->name, u->home, u->shell, p->local, p->ext ? p->ext : "",
				  p->domain, lv->addr, lv->sender, p->ext ? p->delim : "" };
	struct argv paths;
	struct buf content;
	struct dres r;
	size_t i;
	int done = 0;

	argv_init(&paths);
	if (pfconf_get_raw(agent.cfg, "forward_path") != NULL)
		pfconf_list_split(pfconf_get_raw(agent.cfg, "forward_path"), &paths);
	buf_init(&content, FILE_MAX);
	for (i = 0; i < paths.n && !done; i++) {
		char *path = expand_local(paths.v[i], &a, pfconf_get(agent.cfg, "forward_expansion_filter"));
		struct read_job j = { path };

		if (*path == '/') {
			buf_reset(&content);
			run_as(u, read_file, &j, &r, &content, FILE_MAX);
			if (r.status == DS_DEFERRED) {
				char *why = xstrdup(r.reason);

				if (strncmp(why, "cannot switch", 13) != 0)	/* else: as it is */
					dres_set(&r, DS_DEFERRED, "4.3.5", "cannot open file %s: %s", path, why);
				xfree(why);
				finish(t, lv, &r);
				done = 1;
			} else if (r.status == DS_SENT && content.len > 0) {
				struct level sub = *lv;
				char ext[ADDR_MAX + 2];
				size_t n = strlen(path), e = p->ext ? strlen(p->ext) : 0;

				/* the plain .forward for user+ext: the extension is unmatched */
				if (p->ext != NULL && (n <= e || strcmp(path + n - e, p->ext) != 0))
					sub.prop = propagate(p, "forward", ext, sizeof(ext));
				sub.privs = u;
				sub.class = CLASS_FORWARD;
				sub.parent = lv;
				sub.depth = lv->depth + 1;
				expand_list(t, &sub, content.data, 1);
				done = 1;
			}
		}
		xfree(path);
	}
	buf_deinit(&content);
	argv_deinit(&paths);
	return done;
}

/* ---- mailboxes ---- */

/* spool_privs - who writes an mbox in mail_spool_directory */
static void spool_privs(const char *spool, const struct who *u, struct who *w)
{
	struct stat st;

	who_copy(w, u);
	if (geteuid() != 0 || stat(spool, &st) < 0 || (st.st_mode & S_IWOTH))
		return;
	if ((st.st_mode & S_IWGRP) && st.st_uid != u->uid) {
		/* a group-writable spool (Debian: root:mail 2775): the user with the
		 * spool's group only, so the mailbox and its dotlock can be created */
		w->gid = st.st_gid;
		xfree(w->name);
		w->name = NULL;
	}
}

/* a *_maps parameter's tables, opened on first use */
struct maplist {
	const char *param;
	int opened;
	struct argv names;
	struct map **maps;	/* NULL entries: could not be opened */
};

static struct maplist maplists[] = {
	{ PFCONF_NAME("mailbox_transport_maps"), 0, { 0 }, NULL },
	{ PFCONF_NAME("mailbox_command_maps"), 0, { 0 }, NULL },
	{ PFCONF_NAME("fallback_transport_maps"), 0, { 0 }, NULL },
};

/* maplist_get - the tables of param */
static struct maplist *maplist_get(const char *param)
{
	struct maplist *ml = NULL;
	struct argv *specs;
	const char *error;
	size_t i;

	for (i = 0; i < sizeof(maplists) / sizeof(maplists[0]); i++)
		if (strcmp(maplists[i].param, param) == 0)
			ml = &maplists[i];
	if (ml == NULL)
		msg_panic("maplist_get: unknown parameter %s", param);
	if (ml->opened)
		return ml;
	ml->opened = 1;
	argv_init(&ml->names);
	specs = pfconf_get_list(agent.cfg, param);
	ml->maps = xcalloc(specs->n + 1, sizeof(*ml->maps));
	for (i = 0; i < specs->n; i++) {
		argv_add(&ml->names, specs->v[i]);
		if (map_open(specs->v[i], 0, &ml->maps[i], &error) < 0) {
			msg_warn("%s: %s is unavailable. %s", param, specs->v[i], error);
			ml->maps[i] = NULL;
		}
	}
	argv_destroy(&specs);
	return ml;
}

/*
 * pick - the per-user table value of maps_param (key: the login name, then
 * user@domain), else the plain parameter: 1 with *value_r, 0 when neither
 * says anything, -1 after a table error (the recipient is deferred)
 */
static int pick(struct top *t, const struct level *lv, const char *maps_param, const char *param,
		const struct parts *p, const char **value_r)
{
	struct maplist *ml = maplist_get(maps_param);
	char *full = xasprintf("%s@%s", p->user, p->domain);
	const char *error;
	size_t i;
	int r = 0;

	for (i = 0; i < ml->names.n && r == 0; i++) {
		if (ml->maps[i] == NULL)
			r = MAP_ERROR;
		else if ((r = map_lookup(ml->maps[i], p->user, value_r, &error)) == MAP_NOTFOUND && *p->domain)
			r = map_lookup(ml->maps[i], full, value_r, &error);
	}
	xfree(full);
	if (r == MAP_ERROR) {
		struct dres res;

		dres_set(&res, DS_DEFERRED, "4.3.0", "%s lookup failure", maps_param);
		finish(t, lv, &res);
		return -1;
	}
	if (r == MAP_FOUND)
		return 1;
	/* mailbox_command is not $name-expanded (the shell sees it as written) */
	*value_r = strcmp(param, "mailbox_command") == 0 ? pfconf_get_raw(agent.cfg, param)
							 : pfconf_get(agent.cfg, param);
	return *value_r != NULL && **value_r != '\0';
}

/* deliver_mailbox - the user's own mailbox, in the order local(8) documents */
static void deliver_mailbox(struct top *t, const struct level *lv, const struct parts *p,
			    const struct who *u)
{
	const char *mtransport, *mcommand;
	const char *home_mailbox = pfconf_get(agent.cfg, "home_mailbox");
	const char *spool = pfconf_get(agent.cfg, "mail_spool_directory");
	struct mbox_job j;
	struct who w;
	struct dres r;
	const char *error;
	char *path, *key;

	switch (pick(t, lv, "mailbox_transport_maps", "mailbox_transport", p, &mtransport)) {
	case -1:
		return;
	case 1:
		pass_deliver("mailbox_transport", mtransport, lv, t, &r);
		return;
	}
	switch (pick(t, lv, "mailbox_command_maps", "mailbox_command", p, &mcommand)) {
	case -1:
		return;
	case 1:
		deliver_command(t, lv, u, mcommand);
		return;
	}
	memset(&j, 0, sizeof(j));
	if (*home_mailbox) {
		path = xasprintf("%s/%s", u->home, home_mailbox);
		who_copy(&w, u);
	} else {
		size_t n = strlen(spool);

		path = xasprintf("%s%s%s%s", spool, n && spool[n - 1] == '/' ? "" : "/", p->user,
				 n && spool[n - 1] == '/' ? "/" : "");
		spool_privs(spool, u, &w);
	}
	key = xasprintf("mailbox:%s", path);
	if (!seen_before(t, key)) {
		j.path = path;
		j.user = u->name;
		j.recipient = lv->addr;
		j.orig = t->orig;
		j.sender = lv->sender;
		j.limit = pfconf_get_int(agent.cfg, "mailbox_size_limit");
		if (msg_open_content(agent.msg, &j.qf, &error) < 0) {
			dres_set(&r, DS_DEFERRED, "4.3.0", "cannot read queue file: %s", error);
		} else {
			run_as(&w, mailbox_deliver, &j, &r, NULL, 0);
			qfile_close(&j.qf);
		}
		finish(t, lv, &r);
	}
	xfree(key);
	xfree(path);
	who_free(&w);
}

/* unknown_user - fallback_transport, luser_relay, or the bounce */
static void unknown_user(struct top *t, const struct level *lv, const struct parts *p)
{
	const char *fallback, *mtransport;
	const char *luser = pfconf_get(agent.cfg, "luser_relay");
	struct dres r;
	int found;

	if ((found = pick(t, lv, "mailbox_transport_maps", "mailbox_transport", p, &mtransport)) != 0) {
		if (found > 0)
			pass_deliver("mailbox_transport", mtransport, lv, t, &r);
	} else if ((found = pick(t, lv, "fallback_transport_maps", "fallback_transport", p, &fallback)) != 0) {
		if (found > 0)
			pass_deliver("fallback_transport", fallback, lv, t, &r);
	} else if (*luser && lv->depth < MAX_DEPTH) {
		struct expand_attrs a = { p->user, "", "", p->local, p->ext ? p->ext : "", p->domain,
					  lv->addr, lv->sender, p->ext ? p->delim : "" };
		char *target = expand_local(pfconf_get_raw(agent.cfg, "luser_relay"), &a,
					    pfconf_get(agent.cfg, "forward_expansion_filter"));
		struct level sub = *lv;
		struct argv fwd;

		/* one address, never a list or a command, whatever the local part holds */
		sub.parent = lv;
		sub.depth = lv->depth + 1;
		sub.no_expand = 0;
		sub.class = CLASS_NONE;
		argv_init(&fwd);
		expand_address(t, &sub, target, &fwd);
		if (fwd.n > 0)
			forward_all(t, &sub, &fwd);
		argv_deinit(&fwd);
		xfree(target);
	} else {
		dres_set(&r, DS_BOUNCED, "5.1.1", "unknown user: \"%s\"", p->user);
		finish(t, lv, &r);
	}
}

/* is_ancestor - an enclosing level already stands for this local part */
static int is_ancestor(const struct level *lv, const char *local)
{
	const struct level *up;

	for (up = lv->parent; up != NULL; up = up->parent) {
		char *l, *d;
		int same;

		addr_split(up->addr, &l, &d);
		same = strcasecmp(l, local) == 0;
		xfree(l);
		xfree(d);
		if (same)
			return 1;
	}
	return 0;
}

/* home_exists - the home directory is there (require_home_directory; e.g. not yet automounted) */
static int home_exists(const struct who *u)
{
	struct stat st;

	if (stat(u->home, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return 0;
	}
	return 1;
}

/* looped - the message already carries Delivered-To: for this address */
static int looped(const char *addr)
{
	char *low = addr_lower(addr);
	size_t i;
	int hit = 0;

	for (i = 0; i < agent.msg->delivered_to.n && !hit; i++)
		hit = strcmp(agent.msg->delivered_to.v[i], low) == 0;
	xfree(low);
	return hit;
}

static void deliver_addr(struct top *t, const struct level *lv)
{
	struct parts p;
	struct who u;
	struct dres r;
	struct level cur = *lv;
	char *key;

	if (looped(lv->addr) || lv->depth > MAX_DEPTH) {
		if (lv->depth > MAX_DEPTH)
			msg_warn("%s: expansion of %s nests deeper than %d levels", agent.msg->req->queue_id,
				 t->rcpt, MAX_DEPTH);
		dres_set(&r, DS_BOUNCED, "5.4.6", "mail forwarding loop for %s", lv->addr);
		finish(t, lv, &r);
		return;
	}
	parts_make(lv->addr, &p);
	if (is_ancestor(lv, p.local)) {
		/* "user: user", or the user named in own .forward: the mailbox; an
		 * alias loop without a real user (a: b, b: a) ends here silently */
		if (who_lookup_name(p.user, &u) < 0) {
			parts_free(&p);
			return;
		}
		who_free(&u);
		cur.no_expand = 1;
	} else {
		key = xasprintf("addr:%s", p.local);
		if (lv->parent != NULL && seen_before(t, key)) {
			xfree(key);
			parts_free(&p);
			return;
		}
		if (lv->parent == NULL)
			seen_before(t, key);
		xfree(key);
	}
	if (!cur.no_expand && try_alias(t, &cur, &p)) {
		parts_free(&p);
		return;
	}
	if (who_lookup_name(p.user, &u) < 0) {
		unknown_user(t, &cur, &p);
		parts_free(&p);
		return;
	}
	if (pfconf_get_bool(agent.cfg, "require_home_directory") && !home_exists(&u)) {
		dres_set(&r, DS_DEFERRED, "4.3.0", "home directory %s of user %s: %s", u.home, u.name,
			 strerror(errno));
		finish(t, &cur, &r);
	} else if (cur.no_expand || !try_forward(t, &cur, &p, &u)) {
		deliver_mailbox(t, &cur, &p, &u);
	}
	who_free(&u);
	parts_free(&p);
}

void deliver_top(struct top *t)
{
	struct level lv;

	memset(&lv, 0, sizeof(lv));
	lv.addr = t->rcpt;
	lv.sender = agent.msg->req->sender;
	deliver_addr(t, &lv);
}
