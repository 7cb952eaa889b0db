/*
 * dvlisten - the listeners of a Dovecot-half service (see dvlisten.h).
 *
 * Error texts follow Dovecot's master where it has one
 * ("listen(*, 143) failed: Address already in use",
 * "Socket already exists: /run/dovecot/auth-client"); callers prefix
 * "service(NAME): ".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/dconf.h"
#include "core/argv.h"
#include "core/mem.h"
#include "core/safe_file.h"
#include "daemon/dvlisten.h"

#define DVLISTEN_BACKLOG	128
#define DVLISTEN_MAX		64	/* listener blocks per service */

static char errbuf[1024];

/* set_error - format into the module's static error buffer */
static int set_error(const char **error_r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_error(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	*error_r = errbuf;
	return -1;
}

/* kind_of - listener section type to kind; -1 for other sections */
static int kind_of(const char *type)
{
	if (strcmp(type, "unix_listener") == 0)
		return DV_LISTEN_UNIX;
	if (strcmp(type, "fifo_listener") == 0)
		return DV_LISTEN_FIFO;
	if (strcmp(type, "inet_listener") == 0)
		return DV_LISTEN_INET;
	return -1;
}

/* get_bool - a yes/no setting of a listener section; -1 if malformed */
static int get_bool(const struct dconf_sect *l, const char *key, int *value_r, const char **error_r)
{
	const char *v = dconf_sect_get(l, key);

	*value_r = 0;
	if (v == NULL || *v == '\0')
		return 0;
	if (dconf_parse_bool(v, value_r) < 0)
		return set_error(error_r, "%s %s: %s: Invalid boolean: %s", dconf_sect_type(l),
				 dconf_sect_name(l), key, v);
	return 0;
}

/* get_str - a string setting, "" when unknown */
static const char *get_str(const struct dconf_sect *l, const char *key)
{
	const char *v = dconf_sect_get(l, key);

	return v != NULL ? v : "";
}

/* parse_mode - octal file mode ("0600") */
static int parse_mode(const struct dconf_sect *l, unsigned *mode_r, const char **error_r)
{
	const char *v = get_str(l, "mode");
	char *end;
	unsigned long m;

	if (*v == '\0') {
		*mode_r = 0600;
		return 0;
	}
	errno = 0;
	m = strtoul(v, &end, 8);
	if (errno != 0 || *end != '\0' || m > 07777)
		return set_error(error_r, "%s %s: Invalid mode: %s", dconf_sect_type(l),
				 dconf_sect_name(l), v);
	*mode_r = (unsigned)m;
	return 0;
}

/* parse_port - inet port 0..65535 */
static int parse_port(const struct dconf_sect *l, int *port_r, const char **error_r)
{
	const char *v = get_str(l, "port");
	char *end;
	long p;

	if (*v == '\0') {
		*port_r = 0;
		return 0;
	}
	errno = 0;
	p = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || p < 0 || p > 65535)
		return set_error(error_r, "inet_listener %s: Invalid port: %s", dconf_sect_name(l), v);
	*port_r = (int)p;
	return 0;
}

/* spec_from_sect - one listener section into spec */
static int spec_from_sect(const struct dconf *cfg, const struct dconf_sect *l, int kind,
			  struct dv_listen_spec *spec, const char **error_r)
{
	const char *name = dconf_sect_name(l), *base = dconf_get(cfg, "base_dir");

	memset(spec, 0, sizeof(*spec));
	spec->kind = (enum dv_listener_kind)kind;
	if (*name == '\0')
		return set_error(error_r, "%s without a name", dconf_sect_type(l));
	if (get_bool(l, "ssl", &spec->ssl, error_r) < 0 || get_bool(l, "haproxy", &spec->haproxy, error_r) < 0
	    || get_bool(l, "reuse_port", &spec->reuse_port, error_r) < 0)
		return -1;
	if (kind == DV_LISTEN_INET) {
		const char *addr = get_str(l, "address");

		if (parse_port(l, &spec->port, error_r) < 0)
			return -1;
		if (*addr == '\0')
			addr = dconf_get(cfg, "listen") != NULL ? dconf_get(cfg, "listen") : "*, ::";
		spec->path = xstrdup(name);
		spec->addresses = xstrdup(addr);
		return 0;
	}
	if (parse_mode(l, &spec->mode, error_r) < 0)
		return -1;
	if (name[0] == '/' || base == NULL || *base == '\0')
		spec->path = xstrdup(name);
	else
		spec->path = xasprintf("%s/%s", base, name);
	spec->user = xstrdup(get_str(l, "user"));
	spec->group = xstrdup(get_str(l, "group"));
	return 0;
}

int dvlisten_collect(const struct dconf *cfg, const struct dconf_sect *svc,
		     struct dv_listen_spec **specs_r, const char **error_r)
{
	const struct dconf_sect *l = NULL;
	struct dv_listen_spec *specs = NULL;
	int n = 0, kind;

	*specs_r = NULL;
	if (svc == NULL)
		return 0;
	while ((l = dconf_sect_next(svc, NULL, l)) != NULL) {
		if ((kind = kind_of(dconf_sect_type(l))) < 0)
			continue;
		if (n >= DVLISTEN_MAX) {
			dvlisten_free(specs, n);
			return set_error(error_r, "too many listeners (more than %d)", DVLISTEN_MAX);
		}
		specs = xreallocarray(specs, (size_t)n + 1, sizeof(*specs));
		if (spec_from_sect(cfg, l, kind, &specs[n], error_r) < 0) {
			dvlisten_free(specs, n + 1);
			return -1;
		}
		n++;
	}
	*specs_r = specs;
	return n;
}

void dvlisten_free(struct dv_listen_spec *specs, int n)
{
	for (int i = 0; i < n; i++) {
		xfree(specs[i].path);
		xfree(specs[i].addresses);
		xfree(specs[i].user);
		xfree(specs[i].group);
	}
	xfree(specs);
}

/* add_listener - append an opened descriptor to *ls */
static void add_listener(struct dv_listener **ls, int *nls, int fd, const struct dv_listen_spec *spec,
			 const char *address, int port)
{
	struct dv_listener *l;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	*ls = xreallocarray(*ls, (size_t)*nls + 1, sizeof(**ls));
	l = &(*ls)[(*nls)++];
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->kind = spec->kind;
	l->path = xstrdup(spec->path);
	l->address = address != NULL ? xstrdup(address) : NULL;
	l->port = port;
	l->ssl = spec->ssl;
	l->haproxy = spec->haproxy;
}

/* resolve_owner - user/group names to ids (-1 = unchanged) */
static int resolve_owner(const struct dv_listen_spec *spec, uid_t *uid_r, gid_t *gid_r,
			 const char **error_r)
{
	*uid_r = (uid_t)-1;
	*gid_r = (gid_t)-1;
	if (spec->user != NULL && *spec->user != '\0') {
		struct passwd *pw = getpwnam(spec->user);

		if (pw == NULL)
			return set_error(error_r, "%s: Unknown user: %s", spec->path, spec->user);
		*uid_r = pw->pw_uid;
	}
	if (spec->group != NULL && *spec->group != '\0') {
		struct group *gr = getgrnam(spec->group);

		if (gr == NULL)
			return set_error(error_r, "%s: Unknown group: %s", spec->path, spec->group);
		*gid_r = gr->gr_gid;
	}
	return 0;
}

/* apply_owner - mode always, owner when root */
static int apply_owner(const struct dv_listen_spec *spec, const char **error_r)
{
	uid_t uid;
	gid_t gid;

	if (chmod(spec->path, spec->mode) < 0)
		return set_error(error_r, "chmod(%s, 0%o) failed: %s", spec->path, spec->mode, strerror(errno));
	if (geteuid() != 0)
		return 0;	/* owners only when root: the names need not even exist */
	if (resolve_owner(spec, &uid, &gid, error_r) < 0)
		return -1;
	if (uid == (uid_t)-1 && gid == (gid_t)-1)
		return 0;
	if (chown(spec->path, uid, gid) < 0)
		return set_error(error_r, "chown(%s, %lld, %lld) failed: %s", spec->path, (long long)(int)uid,
				 (long long)(int)gid, strerror(errno));
	return 0;
}

/* make_parent - missing parent directories of path (0755) */
static int make_parent(const char *path, const char **error_r)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int ret = 0;

	if (slash == NULL || slash == path)
		return 0;
	dir = xstrndup(path, (size_t)(slash - path));
	if (mkdir_p(dir, 0755, error_r) < 0)
		ret = -1;
	xfree(dir);
	return ret;
}

/* socket_in_use - a live server answers on the unix socket path */
static int socket_in_use(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), in_use;

	if (fd < 0)
		return 0;
	in_use = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 || errno == EAGAIN;
	close(fd);
	return in_use;
}

/* open_unix - bind a stream socket at spec->path */
static int open_unix(const struct dv_listen_spec *spec, struct dv_listener **ls, int *nls,
		     const char **error_r)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, ret;

	if (strlen(spec->path) >= sizeof(sun.sun_path))
		return set_error(error_r, "unix listener path too long: %s", spec->path);
	if (make_parent(spec->path, error_r) < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, spec->path, strlen(spec->path) + 1);
	if (socket_in_use(&sun))
		return set_error(error_r, "Socket already exists: %s", spec->path);
	if (unlink(spec->path) < 0 && errno != ENOENT)
		return set_error(error_r, "unlink(%s) failed: %s", spec->path, strerror(errno));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return set_error(error_r, "socket(%s) failed: %s", spec->path, strerror(errno));
	old = umask(0777);	/* nobody may connect before the mode is applied */
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ret < 0 || listen(fd, DVLISTEN_BACKLOG) < 0) {
		set_error(error_r, "%s(%s) failed: %s", ret < 0 ? "bind" : "listen", spec->path,
			  strerror(errno));
		close(fd);
		return -1;
	}
	if (apply_owner(spec, error_r) < 0) {
		close(fd);
		unlink(spec->path);
		return -1;
	}
	add_listener(ls, nls, fd, spec, NULL, 0);
	return 0;
}

/* open_fifo - create (or reuse) the fifo at spec->path, open it read-write */
static int open_fifo(const struct dv_listen_spec *spec, struct dv_listener **ls, int *nls,
		     const char **error_r)
{
	struct stat st;
	int fd;

	if (make_parent(spec->path, error_r) < 0)
		return -1;
	if (lstat(spec->path, &st) == 0 && !S_ISFIFO(st.st_mode) && unlink(spec->path) < 0)
		return set_error(error_r, "unlink(%s) failed: %s", spec->path, strerror(errno));
	if (mkfifo(spec->path, 0600) < 0 && errno != EEXIST)
		return set_error(error_r, "mkfifo(%s) failed: %s", spec->path, strerror(errno));
	if (apply_owner(spec, error_r) < 0)
		return -1;
	fd = open(spec->path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return set_error(error_r, "open(%s) failed: %s", spec->path, strerror(errno));
	add_listener(ls, nls, fd, spec, NULL, 0);
	return 0;
}

/* bind_one - one TCP listener on a resolved address */
static int bind_one(const struct dv_listen_spec *spec, const struct addrinfo *ai, const char *shown,
		    struct dv_listener **ls, int *nls, const char **error_r)
{
	char addr[INET6_ADDRSTRLEN] = "";
	int on = 1, fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return set_error(error_r, "socket(%s) failed: %s", shown, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (spec->reuse_port)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, DVLISTEN_BACKLOG) < 0) {
		int saved = errno;

		set_error(error_r, "listen(%s, %d) failed: %s", shown, spec->port, strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	add_listener(ls, nls, fd, spec, addr, spec->port);
	return 0;
}

/* open_address - every address one item of the listen list resolves to */
static int open_address(const struct dv_listen_spec *spec, const char *item,
			struct dv_listener **ls, int *nls, const char **error_r)
{
	struct addrinfo hints, *res, *ai;
	char port[16], *host;
	int err, wildcard6 = strcmp(item, "::") == 0 || strcmp(item, "[::]") == 0, ret = 0;
	size_t len = strlen(item);

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (strcmp(item, "*") == 0) {
		host = xstrdup("0.0.0.0");
		hints.ai_family = AF_INET;
	} else if (len > 2 && item[0] == '[' && item[len - 1] == ']') {
		host = xstrndup(item + 1, len - 2);
	} else {
		host = xstrdup(item);
	}
	snprintf(port, sizeof(port), "%d", spec->port);
	err = getaddrinfo(host, port, &hints, &res);
	if (err != 0) {
		xfree(host);
		if (wildcard6)
			return 0;	/* no IPv6 on this host: "::" is skipped, as Dovecot does */
		return set_error(error_r, "listen(%s, %d) failed: %s", item, spec->port, gai_strerror(err));
	}
	for (ai = res; ai != NULL && ret == 0; ai = ai->ai_next) {
		ret = bind_one(spec, ai, item, ls, nls, error_r);
		if (ret < 0 && wildcard6 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
			ret = 0;
	}
	freeaddrinfo(res);
	xfree(host);
	return ret;
}

/* open_inet - one descriptor per address of the listener's list */
static int open_inet(const struct dv_listen_spec *spec, struct dv_listener **ls, int *nls,
		     const char **error_r)
{
	struct argv *items;
	int ret = 0;

	if (spec->port == 0)
		return 0;	/* disabled */
	items = argv_split(spec->addresses != NULL ? spec->addresses : "*, ::", ", \t");
	for (size_t i = 0; i < items->n && ret == 0; i++)
		ret = open_address(spec, items->v[i], ls, nls, error_r);
	argv_destroy(&items);
	return ret;
}

int dvlisten_open(const struct dv_listen_spec *spec, struct dv_listener **ls, int *nls,
		  const char **error_r)
{
	int first = *nls, ret;

	switch (spec->kind) {
	case DV_LISTEN_UNIX:
		ret = open_unix(spec, ls, nls, error_r);
		break;
	case DV_LISTEN_FIFO:
		ret = open_fifo(spec, ls, nls, error_r);
		break;
	default:
		ret = open_inet(spec, ls, nls, error_r);
		break;
	}
	if (ret < 0) {
		/* leave *ls as it was before this spec */
		for (int i = first; i < *nls; i++)
			close((*ls)[i].fd);
		dvlisten_listeners_free(*ls + first, *nls - first, 0);
		*nls = first;
	}
	return ret;
}

char *dvlisten_describe(const struct dv_listener *l)
{
	switch (l->kind) {
	case DV_LISTEN_UNIX:
		return xasprintf("unix %s", l->path);
	case DV_LISTEN_FIFO:
		return xasprintf("fifo %s", l->path);
	default:
		return xasprintf("inet %s %s %d%s%s", l->path, l->address != NULL ? l->address : "*",
				 l->port, l->ssl ? " ssl" : "", l->haproxy ? " haproxy" : "");
	}
}

/* parse_inet - "<name> <address> <port> [ssl] [haproxy]" */
static int parse_inet(const char *rest, struct dv_listener *l)
{
	struct argv *w = argv_split(rest, " ");
	char *end;
	long port;
	int ok = w->n >= 3;

	if (ok) {
		port = strtol(w->v[2], &end, 10);
		ok = *end == '\0' && port >= 0 && port <= 65535;
		l->port = (int)port;
	}
	for (size_t i = 3; ok && i < w->n; i++) {
		if (strcmp(w->v[i], "ssl") == 0)
			l->ssl = 1;
		else if (strcmp(w->v[i], "haproxy") == 0)
			l->haproxy = 1;
		else
			ok = 0;
	}
	if (ok) {
		l->path = xstrdup(w->v[0]);
		l->address = xstrdup(w->v[1]);
	}
	argv_destroy(&w);
	return ok ? 0 : -1;
}

int dvlisten_parse(const char *line, struct dv_listener *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (strncmp(line, "unix /", 6) == 0 || strncmp(line, "fifo /", 6) == 0) {
		l->kind = line[0] == 'u' ? DV_LISTEN_UNIX : DV_LISTEN_FIFO;
		l->path = xstrdup(line + 5);
		return 0;
	}
	if (strncmp(line, "inet ", 5) == 0) {
		l->kind = DV_LISTEN_INET;
		return parse_inet(line + 5, l);
	}
	return -1;
}

void dvlisten_listeners_free(struct dv_listener *ls, int n, int free_array)
{
	for (int i = 0; i < n; i++) {
		xfree(ls[i].path);
		xfree(ls[i].address);
		ls[i].path = ls[i].address = NULL;
	}
	if (free_array)
		xfree(ls);
}
