/*
 * db_passwdfile.c - the passwd-file passdb and userdb (Dovecot's
 * "user:password:uid:gid:gecos:home:shell:extra_fields" files).
 *
 * args: [scheme=S] [username_format=F] PATH.  PATH may hold %-variables
 * (a file per domain: /etc/dovecot/users/%d); each expanded path is a
 * separate cached file.  Before every lookup the file is stat()ed and read
 * again when its device, inode, size or mtime changed.  Broken lines are
 * logged with file:line and skipped; the rest of the file still works.  A
 * file that cannot be read gives DB_INTERNAL (a temporary failure, never
 * "wrong password"); a missing file is "unknown user" only when the path
 * has variables (a domain without a file).
 *
 * Format (shared/spec/dovecot-config.md section 4): fields after the
 * password may be omitted (a line without the uid and gid fields is no
 * userdb entry: "User X is missing userdb info"; empty fields are fine);
 * uid/gid are numbers or names and must not be 0;
 * gecos and shell are ignored; fields 8+ are re-joined with ':' and split
 * on spaces into key=value extra fields (userdb_* ones belong to the
 * userdb); an empty 8th field followed by more fields is the old
 * mail-location form (userdb_mail).  Password forms: {SCHEME}data, bare
 * (the default scheme, CRYPT unless scheme=), libpam-pwdfile's
 * "hash[13]" (CRYPT), "hash[34]" (PLAIN-MD5), "hash[56]" (DIGEST-MD5).
 * A user listed twice keeps the first entry.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/argv.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/varexp.h"

#include "db.h"

#define PWF_LINE_MAX	(16 * 1024)		/* longest accepted line */
#define PWF_SIZE_MAX	(256LL * 1024 * 1024)	/* largest accepted file */
#define PWF_FILES_MAX	1024			/* expanded paths cached at once */

struct pwf_entry {
	char *user;
	char *password;		/* NULL: no password field */
	char *uid, *gid;	/* numeric text, NULL if not given */
	char *home;		/* NULL if empty */
	char *extra;		/* extra fields text, NULL if none */
	int no_userdb_info;	/* the uid or gid field is absent (not just empty) */
};

struct pwf_file {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct hash *users;		/* user -> struct pwf_entry */
	struct argv order;		/* user names in file order (iterate) */
};

struct pwf_db {
	char *path;			/* template */
	char *username_format;
	int path_has_vars;
	int userdb;			/* used as a userdb: entries without uid/gid fields are logged */
	struct hash *files;		/* expanded path -> struct pwf_file */
};

/* ---- parsing ---- */

static void pwf_entry_free(void *p)
{
	struct pwf_entry *e = p;

	xfree(e->user);
	xfree(e->password);
	xfree(e->uid);
	xfree(e->gid);
	xfree(e->home);
	xfree(e->extra);
	xfree(e);
}

static void pwf_file_free(void *p)
{
	struct pwf_file *f = p;

	hash_destroy(&f->users, pwf_entry_free);
	argv_deinit(&f->order);
	xfree(f->path);
	xfree(f);
}

/* pwf_password - the stored password with libpam-pwdfile suffixes turned into {SCHEME} */
static char *pwf_password(const char *field)
{
	size_t len = strlen(field);
	static const struct { const char *suffix, *scheme; } forms[] = {
		{ "[13]", "CRYPT" }, { "[34]", "PLAIN-MD5" }, { "[56]", "DIGEST-MD5" },
	};
	size_t i;

	if (len > 4 && field[0] != '{') {
		for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			if (strcmp(field + len - 4, forms[i].suffix) == 0)
				return xasprintf("{%s}%.*s", forms[i].scheme, (int)(len - 4), field);
		}
	}
	return xstrdup(field);
}

/* pwf_id - uid/gid field to numeric text; NULL + *bad_r on 0 or an unknown name */
static char *pwf_id(const char *field, int is_gid, int *bad_r)
{
	char *end;
	unsigned long v;

	*bad_r = 0;
	if (*field == '\0')
		return NULL;
	errno = 0;
	v = strtoul(field, &end, 10);
	if (*end != '\0' || errno != 0) {
		if (!is_gid) {
			struct passwd *pw = getpwnam(field);

			v = pw != NULL ? pw->pw_uid : 0;
		} else {
			struct group *gr = getgrnam(field);

			v = gr != NULL ? gr->gr_gid : 0;
		}
	}
	if (v == 0 || v > 0xfffffffeUL) {
		*bad_r = 1;
		return NULL;
	}
	return xasprintf("%lu", v);
}

/* pwf_split - the line at ':' into at most 8 fields (the 8th keeps the rest) */
static size_t pwf_split(char *line, char **fields)
{
	size_t n = 0;
	char *p = line, *c;

	for (;;) {
		fields[n++] = p;
		if (n == 8)
			break;
		c = strchr(p, ':');
		if (c == NULL)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

/* pwf_extra - extra fields text (and the legacy mail location form) */
static char *pwf_extra(const char *rest)
{
	if (rest == NULL || *rest == '\0')
		return NULL;
	if (rest[0] == ':' && rest[1] != '\0')
		return xasprintf("userdb_mail=%s", rest + 1);	/* empty 8th field, 9th+ = mail */
	return xstrdup(rest);
}

/* valid_user - no control characters in a user name */
static int valid_user(const char *u)
{
	for (; *u != '\0'; u++)
		if ((unsigned char)*u < 0x20 || *u == 0x7f)
			return 0;
	return 1;
}

/*
 * pwf_parse_line - one line into an entry; NULL for comments/empty lines
 * (*why_r NULL) or broken lines (*why_r set, *user_r the user if known).
 */
static struct pwf_entry *pwf_parse_line(char *line, const char **why_r, char **why_buf)
{
	char *f[8];
	size_t n;
	struct pwf_entry *e;
	int bad = 0;

	*why_r = NULL;
	if (*line == '\0' || *line == '#')
		return NULL;
	n = pwf_split(line, f);
	if (*f[0] == '\0') {
		*why_r = "Empty username";
		return NULL;
	}
	if (!valid_user(f[0])) {
		*why_r = "Invalid characters in username";
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->user = xstrdup(f[0]);
	if (n > 1)
		e->password = pwf_password(f[1]);
	if (n > 2 && (e->uid = pwf_id(f[2], 0, &bad), bad)) {
		*why_buf = xasprintf("User %s has invalid UID '%s'", e->user, f[2]);
	} else if (n > 3 && (e->gid = pwf_id(f[3], 1, &bad), bad)) {
		*why_buf = xasprintf("User %s has invalid GID '%s'", e->user, f[3]);
	}
	if (bad) {
		*why_r = *why_buf;
		pwf_entry_free(e);
		return NULL;
	}
	e->no_userdb_info = n < 4;
	if (n > 5 && *f[5] != '\0')
		e->home = xstrdup(f[5]);
	if (n > 7)
		e->extra = pwf_extra(f[7]);
	return e;
}

/* pwf_add - one parsed entry into the file (duplicates logged, first kept) */
static void pwf_add(struct pwf_file *file, struct pwf_entry *e, unsigned lineno)
{
	if (hash_lookup(file->users, e->user) != NULL) {
		msg_error("passwd-file %s:%u: User %s exists more than once", file->path, lineno,
			  e->user);
		pwf_entry_free(e);
		return;
	}
	hash_insert(file->users, e->user, e);
	argv_add(&file->order, e->user);
}

/* pwf_parse - the whole content */
static void pwf_parse(struct pwf_file *file, char *data, size_t len, int userdb)
{
	char *p = data, *end = data + len, *nl, *why_buf;
	const char *why;
	unsigned lineno = 0;
	struct pwf_entry *e;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		why_buf = NULL;
		if ((size_t)(nl - p) > PWF_LINE_MAX) {
			msg_error("passwd-file %s:%u: line too long (more than %d bytes), skipped",
				  file->path, lineno, PWF_LINE_MAX);
		} else if ((e = pwf_parse_line(p, &why, &why_buf)) != NULL) {
			if (userdb && e->no_userdb_info)
				msg_error("passwd-file %s:%u: User %s is missing userdb info",
					  file->path, lineno, e->user);
			pwf_add(file, e, lineno);
		} else if (why != NULL) {
			msg_error("passwd-file %s:%u: %s", file->path, lineno, why);
		}
		xfree(why_buf);
		p = nl + 1;
	}
}

/* ---- loading and reloading ---- */

/* same_file - st is what file was loaded from */
static int same_file(const struct pwf_file *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
		f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* read_all - a regular file's content; -1 + error */
static int read_all(const char *path, struct stat *st, char **data_r, size_t *len_r,
		    struct buf *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	size_t got = 0;
	ssize_t r = 0;
	char *data;

	if (fd < 0) {
		buf_printf(err, "open(%s) failed: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > PWF_SIZE_MAX) {
		buf_printf(err, "%s: not a regular file or larger than %lld bytes", path,
			   PWF_SIZE_MAX);
		close(fd);
		return -1;
	}
	data = xmalloc((size_t)st->st_size + 1);
	while (got < (size_t)st->st_size) {
		r = read(fd, data + got, (size_t)st->st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (r < 0 && got < (size_t)st->st_size) {
		buf_printf(err, "read(%s) failed: %s", path, strerror(errno));
		xfree(data);
		close(fd);
		return -1;
	}
	close(fd);
	data[got] = '\0';
	*data_r = data;
	*len_r = got;
	return 0;
}

/* pwf_load - read path into a new pwf_file; NULL + err */
static struct pwf_file *pwf_load(const char *path, int userdb, struct buf *err)
{
	struct pwf_file *f;
	struct stat st;
	char *data;
	size_t len;

	if (read_all(path, &st, &data, &len, err) < 0)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	f->users = hash_create(64);
	argv_init(&f->order);
	pwf_parse(f, data, len, userdb);
	xfree(data);
	return f;
}

/* pwf_forget - drop a cached file */
static void pwf_forget(struct pwf_db *db, const char *path)
{
	struct pwf_file *f = hash_lookup(db->files, path);

	if (f == NULL)
		return;
	/* hash.h has no delete: rebuild the table without it */
	{
		struct hash *n = hash_create(hash_count(db->files));
		size_t i = 0;
		const char *k;
		void *v;

		while (hash_iter(db->files, &i, &k, &v))
			if (v != f)
				hash_insert(n, k, v);
		hash_destroy(&db->files, NULL);
		db->files = n;
	}
	pwf_file_free(f);
}

/*
 * pwf_file_get - the current content of path: DB_OK with *f_r,
 * DB_NOTFOUND (missing per-variable file), DB_INTERNAL + err.
 */
static enum db_result pwf_file_get(struct pwf_db *db, const char *path, struct pwf_file **f_r,
				   struct buf *err)
{
	struct pwf_file *f = hash_lookup(db->files, path);
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		pwf_forget(db, path);
		if (e == ENOENT && db->path_has_vars)
			return DB_NOTFOUND;
		buf_printf(err, "stat(%s) failed: %s", path, strerror(e));
		return DB_INTERNAL;
	}
	if (f != NULL && same_file(f, &st)) {
		*f_r = f;
		return DB_OK;
	}
	pwf_forget(db, path);
	if ((f = pwf_load(path, db->userdb, err)) == NULL)
		return DB_INTERNAL;
	if (hash_count(db->files) >= PWF_FILES_MAX) {
		hash_destroy(&db->files, pwf_file_free);
		db->files = hash_create(64);
	}
	hash_insert(db->files, path, f);
	*f_r = f;
	return DB_OK;
}

/* ---- setup ---- */

/* pwf_init - parse args; -1 + *error_r */
static int pwf_init(struct pwf_db **db_r, const char *args, const char **scheme_r,
		    const char **error_r)
{
	static char errbuf[256];
	struct argv *a = argv_split(args, " \t");
	struct pwf_db *db = xcalloc(1, sizeof(*db));
	size_t i;

	*scheme_r = "CRYPT";
	db->username_format = xstrdup("%u");
	for (i = 0; i < a->n; i++) {
		if (strncmp(a->v[i], "scheme=", 7) == 0) {
			*scheme_r = a->v[i] + 7;	/* kept: see pwf_scheme */
		} else if (strncmp(a->v[i], "username_format=", 16) == 0) {
			xfree(db->username_format);
			db->username_format = xstrdup(a->v[i] + 16);
		} else {
			char *rest = argv_join(&(struct argv){ a->v + i, a->n - i, 0 }, " ");

			db->path = rest;
			break;
		}
	}
	if (db->path == NULL || *db->path == '\0') {
		snprintf(errbuf, sizeof(errbuf), "passwd-file: Missing passwd-file path in args");
		*error_r = errbuf;
		xfree(db->path);
		xfree(db->username_format);
		xfree(db);
		argv_destroy(&a);
		return -1;
	}
	*scheme_r = xstrdup(*scheme_r);
	db->path_has_vars = strchr(db->path, '%') != NULL;
	db->files = hash_create(16);
	argv_destroy(&a);
	*db_r = db;
	return 0;
}

static void pwf_deinit(struct pwf_db *db)
{
	hash_destroy(&db->files, pwf_file_free);
	xfree(db->path);
	xfree(db->username_format);
	xfree(db);
}

/*
 * pwf_find - the entry for the request: DB_OK + *e_r, DB_NOTFOUND,
 * DB_INTERNAL + err.
 */
static enum db_result pwf_find(struct pwf_db *db, const struct db_request *req,
			       struct pwf_entry **e_r, struct buf *err)
{
	struct buf path, key;
	struct pwf_file *f;
	const char *error;
	enum db_result r;

	buf_init(&path, 4096);
	buf_init(&key, 1024);
	if (db_expand(&path, db->path, req, NULL, &error) < 0) {
		buf_printf(err, "Failed to expand passwd-file path %s: %s", db->path, error);
		r = DB_INTERNAL;
	} else if (db_expand(&key, db->username_format, req, NULL, &error) < 0) {
		buf_printf(err, "Failed to expand username_format=%s: %s", db->username_format,
			   error);
		r = DB_INTERNAL;
	} else if ((r = pwf_file_get(db, buf_cstr(&path), &f, err)) == DB_OK) {
		*e_r = hash_lookup(f->users, buf_cstr(&key));
		r = *e_r != NULL ? DB_OK : DB_NOTFOUND;
	}
	buf_deinit(&path);
	buf_deinit(&key);
	return r;
}

/* pwf_extra_fields - the entry's extra fields, expanded; userdb: only userdb_* without the prefix */
static int pwf_extra_fields(const struct pwf_entry *e, const struct db_request *req, int userdb,
			    struct db_fields *out, const char **error_r)
{
	struct db_template t;
	struct db_fields all;
	size_t i;
	int ret;

	if (e->extra == NULL)
		return 0;
	db_template_parse(&t, e->extra);
	db_fields_init(&all);
	ret = db_template_apply(&t, req, &all, error_r);
	for (i = 0; ret == 0 && i < all.n; i++) {
		if (!userdb)
			db_fields_set(out, all.keys[i], all.values[i]);
		else if (strncmp(all.keys[i], "userdb_", 7) == 0 && all.keys[i][7] != '\0')
			db_fields_set(out, all.keys[i] + 7, all.values[i]);
	}
	db_fields_deinit(&all);
	db_template_deinit(&t);
	return ret;
}

/* ---- passdb ---- */

static int passdb_pwf_init(struct passdb *db, const char *args, const char **error_r)
{
	struct pwf_db *p;
	const char *scheme;

	if (pwf_init(&p, args, &scheme, error_r) < 0)
		return -1;
	db->priv = p;
	db->default_scheme = scheme;
	db->cache_key = p->path_has_vars ? xasprintf("%s\t%s", p->username_format, p->path)
		: xstrdup(p->username_format);
	return 0;
}

/* passdb_pwf_lookup - stored password and extra fields (verification is the core's) */
static void passdb_pwf_lookup(struct passdb *db, const struct db_request *req, db_callback *cb,
			      void *ctx)
{
	struct db_reply reply;
	struct pwf_entry *e = NULL;
	struct buf err;
	const char *error;

	buf_init(&err, 1024);
	db_reply_init(&reply, pwf_find(db->priv, req, &e, &err));
	if (reply.result == DB_OK) {
		reply.password = e->password;
		reply.scheme = db->default_scheme;
		if (pwf_extra_fields(e, req, 0, &reply.fields, &error) < 0) {
			reply.result = DB_INTERNAL;
			buf_printf(&err, "Failed to expand extra fields of %s: %s", e->user, error);
		}
		reply.user = db_fields_get(&reply.fields, "user");
	} else if (reply.result == DB_NOTFOUND) {
		reply.log_reason = "unknown user";
	}
	if (reply.result == DB_INTERNAL)
		reply.error = buf_cstr(&err);
	cb(&reply, ctx);
	db_reply_deinit(&reply);
	buf_deinit(&err);
}

static void passdb_pwf_verify(struct passdb *db, const struct db_request *req,
			      const char *password, db_callback *cb, void *ctx)
{
	(void)password;
	passdb_pwf_lookup(db, req, cb, ctx);
}

static void passdb_pwf_deinit(struct passdb *db)
{
	pwf_deinit(db->priv);
	xfree((char *)db->default_scheme);
	xfree((char *)db->cache_key);
	db->priv = NULL;
}

const struct passdb_driver passdb_passwd_file = {
	.name = "passwd-file",
	.init = passdb_pwf_init,
	.verify_plain = passdb_pwf_verify,
	.lookup_credentials = passdb_pwf_lookup,
	.deinit = passdb_pwf_deinit,
};

/* ---- userdb ---- */

static int userdb_pwf_init(struct userdb *db, const char *args, const char **error_r)
{
	struct pwf_db *p;
	const char *scheme;

	if (pwf_init(&p, args, &scheme, error_r) < 0)
		return -1;
	xfree((char *)scheme);
	p->userdb = 1;
	db->priv = p;
	db->cache_key = p->path_has_vars ? xasprintf("%s\t%s", p->username_format, p->path)
		: xstrdup(p->username_format);
	return 0;
}

static void userdb_pwf_lookup(struct userdb *db, const struct db_request *req, db_callback *cb,
			      void *ctx)
{
	struct db_reply reply;
	struct pwf_entry *e = NULL;
	struct buf err;
	const char *error;

	buf_init(&err, 1024);
	db_reply_init(&reply, pwf_find(db->priv, req, &e, &err));
	if (reply.result == DB_OK && e->no_userdb_info)
		reply.result = DB_NOTFOUND;	/* as Dovecot: no uid/gid fields, no userdb entry */
	if (reply.result == DB_OK) {
		if (e->uid != NULL)
			db_fields_set(&reply.fields, "uid", e->uid);
		if (e->gid != NULL)
			db_fields_set(&reply.fields, "gid", e->gid);
		if (e->home != NULL)
			db_fields_set(&reply.fields, "home", e->home);
		if (pwf_extra_fields(e, req, 1, &reply.fields, &error) < 0) {
			reply.result = DB_INTERNAL;
			buf_printf(&err, "Failed to expand extra fields of %s: %s", e->user, error);
		}
		reply.user = db_fields_get(&reply.fields, "user");
	} else if (reply.result == DB_NOTFOUND) {
		reply.log_reason = "unknown user";
	}
	if (reply.result == DB_INTERNAL)
		reply.error = buf_cstr(&err);
	cb(&reply, ctx);
	db_reply_deinit(&reply);
	buf_deinit(&err);
}

static void userdb_pwf_iterate(struct userdb *db, void (*emit)(const char *user, void *ctx),
			       void (*done)(int ok, void *ctx), void *ctx)
{
	struct pwf_db *p = db->priv;
	struct pwf_file *f;
	struct buf err;
	struct argv names;
	size_t i;

	if (p->path_has_vars) {
		msg_error("passwd-file %s: iteration isn't supported with variables in path",
			  p->path);
		done(0, ctx);
		return;
	}
	buf_init(&err, 1024);
	if (pwf_file_get(p, p->path, &f, &err) != DB_OK) {
		msg_error("passwd-file: %s", buf_cstr(&err));
		buf_deinit(&err);
		done(0, ctx);
		return;
	}
	buf_deinit(&err);
	/* a copy: emit may start lookups that reload the file */
	argv_init(&names);
	for (i = 0; i < f->order.n; i++)
		argv_add(&names, f->order.v[i]);
	for (i = 0; i < names.n; i++)
		emit(names.v[i], ctx);
	argv_deinit(&names);
	done(1, ctx);
}

static void userdb_pwf_deinit(struct userdb *db)
{
	pwf_deinit(db->priv);
	xfree((char *)db->cache_key);
	db->priv = NULL;
}

const struct userdb_driver userdb_passwd_file = {
	.name = "passwd-file",
	.init = userdb_pwf_init,
	.lookup = userdb_pwf_lookup,
	.iterate = userdb_pwf_iterate,
	.deinit = userdb_pwf_deinit,
};
