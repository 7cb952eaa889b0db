/*
 * qdir - queue directories for the queue tools (see qdir.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "queue/qdir.h"
#include "queue/qfile.h"

#define DEFER_LINES_MAX	100000
#define DEFER_LINE_MAX	(16 * 1024)

const char *const qdir_queues[] = {
	"maildrop", "incoming", "active", "deferred", "hold", NULL,
};

static char errbuf[1024];

int qdir_is_queue(const char *name)
{
	for (size_t i = 0; qdir_queues[i] != NULL; i++)
		if (strcmp(qdir_queues[i], name) == 0)
			return 1;
	return 0;
}

int qdir_depth(struct pfconf *cfg, const char *queue)
{
	struct argv *names;
	long long depth;

	if (strcmp(queue, "incoming") == 0 || strcmp(queue, "active") == 0)
		return 0;
	depth = pfconf_get_int(cfg, "hash_queue_depth");
	depth = depth < 1 ? 1 : depth > 16 ? 16 : depth;
	names = pfconf_get_list(cfg, "hash_queue_names");
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i], queue) == 0)
			return (int)depth;
	return 0;
}

/* list_dir - IDs in dir, descending depth levels of one-character subdirectories */
static int list_dir(const char *dir, int depth, struct argv *ids, const char **error_r)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (dp == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(errbuf, sizeof(errbuf), "open directory %s: %s", dir, strerror(errno));
		*error_r = errbuf;
		return -1;
	}
	while ((de = readdir(dp)) != NULL && ret == 0) {
		if (de->d_name[0] == '.')
			continue;
		if (depth > 0 && strlen(de->d_name) == 1) {
			char *sub = xasprintf("%s/%s", dir, de->d_name);

			ret = list_dir(sub, depth - 1, ids, error_r);
			xfree(sub);
		} else if (qfile_valid_id(de->d_name)) {
			argv_add(ids, de->d_name);
		}
	}
	closedir(dp);
	return ret;
}

int qdir_list(const char *queue_dir, const char *queue, int depth, struct argv *ids,
	      const char **error_r)
{
	char *dir = xasprintf("%s/%s", queue_dir, queue);
	int ret = list_dir(dir, depth, ids, error_r);

	xfree(dir);
	return ret;
}

int qdir_find(struct pfconf *cfg, const char *queue_dir, const char *id, const char **queue_r,
	      char **path_r)
{
	struct stat st;

	if (!qfile_valid_id(id))
		return 0;
	for (size_t i = 0; qdir_queues[i] != NULL; i++) {
		char *path = qfile_path(queue_dir, qdir_queues[i], id, qdir_depth(cfg, qdir_queues[i]));

		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			*queue_r = qdir_queues[i];
			*path_r = path;
			return 1;
		}
		xfree(path);
	}
	return 0;
}

/* make_dir - mkdir dir (and missing parents), owned like its parent */
static int make_dir(const char *dir, int levels)
{
	char *parent = xstrdup(dir), *slash = strrchr(parent, '/');
	struct stat st;
	int ret = 0;

	if (slash == NULL || slash == parent) {
		xfree(parent);
		return -1;
	}
	*slash = '\0';
	if (stat(parent, &st) < 0 && (errno != ENOENT || levels <= 0 ||
				       make_dir(parent, levels - 1) < 0 || stat(parent, &st) < 0))
		ret = -1;
	if (ret == 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
		ret = -1;
	/* root (postsuper) makes hash directories that mail_owner must use */
	if (ret == 0 && geteuid() == 0 && chown(dir, st.st_uid, st.st_gid) < 0)
		ret = -1;
	xfree(parent);
	return ret;
}

int qdir_make_parent(const char *path, const char **error_r)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct stat st;
	int ret = 0;

	if (slash != NULL) {
		*slash = '\0';
		if (stat(dir, &st) < 0 && make_dir(dir, 16) < 0) {
			snprintf(errbuf, sizeof(errbuf), "create directory %s: %s", dir, strerror(errno));
			*error_r = errbuf;
			ret = -1;
		}
	}
	xfree(dir);
	return ret;
}

int qdir_move(struct pfconf *cfg, const char *queue_dir, const char *id, const char *from,
	      const char *to, const char **error_r)
{
	char *src = qfile_path(queue_dir, from, id, qdir_depth(cfg, from));
	char *dst = qfile_path(queue_dir, to, id, qdir_depth(cfg, to));
	int ret = rename(src, dst);

	if (ret < 0 && errno == ENOENT && access(src, F_OK) == 0 &&
	    qdir_make_parent(dst, error_r) == 0)
		ret = rename(src, dst);
	if (ret < 0) {
		snprintf(errbuf, sizeof(errbuf), "rename %s to %s: %s", src, dst, strerror(errno));
		*error_r = errbuf;
	}
	xfree(src);
	xfree(dst);
	return ret;
}

int qdir_open(const char *path, struct qfile **qf_r, const char **error_r)
{
	const char *slash = strrchr(path, '/');
	int fd = safe_open(path, O_RDONLY, 0, NULL, error_r);

	if (fd < 0)
		return -1;
	*qf_r = qfile_fdopen(fd, slash != NULL ? slash + 1 : path);
	return 0;
}

/* unescape - undo the \\ \t \n escaping of a defer log field */
static char *unescape(const char *p, const char *end)
{
	char *out = xmalloc((size_t)(end - p) + 1), *o = out;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end) {
			p++;
			*o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* parse_line - "offset TAB dsn TAB address TAB reason"; 0 or -1 */
static int parse_line(char *line, struct qdir_reason *r)
{
	char *f[4], *p = line, *end;
	int n = 0;

	f[n++] = p;
	while (n < 4 && (p = strchr(p, '\t')) != NULL) {
		*p++ = '\0';
		f[n++] = p;
	}
	if (n != 4)
		return -1;
	r->offset = (off_t)strtoll(f[0], &end, 10);
	if (end == f[0] || *end != '\0')
		return -1;
	r->dsn = xstrdup(f[1]);
	r->address = unescape(f[2], f[2] + strlen(f[2]));
	r->reason = unescape(f[3], f[3] + strlen(f[3]));
	return 0;
}

int qdir_defer_read(struct pfconf *cfg, const char *queue_dir, const char *id,
		    struct qdir_reason **r_r, size_t *n_r, const char **error_r)
{
	char *path = qfile_path(queue_dir, "defer", id, qdir_depth(cfg, "defer"));
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, n = 0, lines = 0;
	ssize_t len;

	*r_r = NULL;
	*n_r = 0;
	if (fp == NULL) {
		int ret = errno == ENOENT ? 0 : -1;

		if (ret < 0) {
			snprintf(errbuf, sizeof(errbuf), "open %s: %s", path, strerror(errno));
			*error_r = errbuf;
		}
		xfree(path);
		return ret;
	}
	xfree(path);
	while ((len = getline(&line, &cap, fp)) > 0 && lines++ < DEFER_LINES_MAX) {
		struct qdir_reason r;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > DEFER_LINE_MAX || parse_line(line, &r) < 0)
			continue;
		*r_r = xreallocarray(*r_r, n + 1, sizeof(**r_r));
		(*r_r)[n++] = r;
	}
	free(line);
	fclose(fp);
	*n_r = n;
	return 0;
}

const char *qdir_defer_lookup(const struct qdir_reason *r, size_t n, off_t offset,
			      const char *address)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].offset == offset)
			return r[i].reason;
	for (size_t i = 0; address != NULL && i < n; i++)
		if (strcmp(r[i].address, address) == 0)
			return r[i].reason;
	return NULL;
}

void qdir_defer_free(struct qdir_reason **rp, size_t n)
{
	if (*rp == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		xfree((*rp)[i].dsn);
		xfree((*rp)[i].address);
		xfree((*rp)[i].reason);
	}
	xfree(*rp);
	*rp = NULL;
}
