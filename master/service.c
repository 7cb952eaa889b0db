/*
 * service - the master's services: listeners, on-demand process creation,
 * status from children, throttling of crash loops, wakeup triggers.
 *
 * Process accounting (per service generation): a child counts as "avail"
 * from its birth until it reports MASTER_STAT_TAKEN, and again after
 * MASTER_STAT_AVAIL.  The master watches a service's listeners only while
 * no child is available and the process limit allows another one: then a
 * readable listener means "a client waits and nobody will take it", and
 * one more process is created.  The master never accepts a connection.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/buf.h"
#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sig.h"
#include "daemon/dvdaemon.h"
#include "daemon/master_proto.h"
#include "master.h"

struct master_child {
	struct master_child *next;
	pid_t pid;
	struct master_service *service;	/* NULL once the service was retired */
	char *path;			/* for exit log lines */
	char *name;			/* service name (dovecot role's log lines) */
	unsigned gen;
	int avail;
	int served;			/* reported TAKEN at least once */
	uint64_t idle_since;		/* no clients since (ms), 0 = busy */
};

static char errbuf[1024];

/* ---- listeners ---- */

/* set_flags - non-blocking, close-on-exec */
static void set_flags(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* add_fd - remember one more listener */
static void add_fd(struct master_service *s, int fd)
{
	set_flags(fd);
	s->listen_fds = xreallocarray(s->listen_fds, (size_t)s->nlisten + 1, sizeof(int));
	s->listen_fds[s->nlisten++] = fd;
}

/* split_host_port - "[::1]:25", "127.0.0.1:smtp", "smtp" */
static void split_host_port(const char *spec, char **host_r, char **port_r)
{
	const char *colon = strrchr(spec, ':');

	*host_r = NULL;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close != NULL && close[1] == ':') {
			*host_r = xstrndup(spec + 1, (size_t)(close - spec - 1));
			*port_r = xstrdup(close + 2);
			return;
		}
	}
	if (colon != NULL && strchr(spec, ':') == colon) {
		*host_r = xstrndup(spec, (size_t)(colon - spec));
		*port_r = xstrdup(colon + 1);
		return;
	}
	*port_r = xstrdup(spec);
}

/* bind_inet - one TCP listener for host (NULL = wildcard) and family */
static int bind_inet(struct master_service *s, const char *host, const char *port, int family,
		     const char **error_r)
{
	struct addrinfo hints, *res, *ai;
	int err, on = 1, count = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	err = getaddrinfo(host, port, &hints, &res);
	if (err != 0) {
		snprintf(errbuf, sizeof(errbuf), "%s: host/service %s/%s not found: %s", s->name,
			 host ? host : "*", port, gai_strerror(err));
		*error_r = errbuf;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		char addr[INET6_ADDRSTRLEN] = "*";
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			if (errno == EAFNOSUPPORT)
				continue;
			snprintf(errbuf, sizeof(errbuf), "socket: %s", strerror(errno));
			goto fail;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 100) < 0) {
			getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
			snprintf(errbuf, sizeof(errbuf), "bind %s port %s: %s", addr, port, strerror(errno));
			close(fd);
			goto fail;
		}
		add_fd(s, fd);
		count++;
	}
	freeaddrinfo(res);
	return count;
fail:
	freeaddrinfo(res);
	*error_r = errbuf;
	return -1;
}

/* open_inet - listeners per inet_interfaces and inet_protocols */
static int open_inet(struct master *m, struct master_service *s, const char **error_r)
{
	char *host, *port;
	const char *protos = pfconf_get(m->cfg, "inet_protocols");
	int v4 = strstr(protos, "ipv4") != NULL || strstr(protos, "all") != NULL;
	int v6 = strstr(protos, "ipv6") != NULL || strstr(protos, "all") != NULL;
	struct argv *ifaces;
	int ret = 0;
	size_t i;

	split_host_port(s->name, &host, &port);
	s->endpoint = xstrdup(port);
	ifaces = argv_create();
	if (host != NULL)
		argv_add(ifaces, host);
	else
		pfconf_list_split(pfconf_get(m->cfg, "inet_interfaces"), ifaces);
	for (i = 0; i < ifaces->n && ret >= 0; i++) {
		const char *h = ifaces->v[i];

		if (strcmp(h, "all") == 0) {
			if (v4 && bind_inet(s, "0.0.0.0", port, AF_INET, error_r) < 0)
				ret = -1;
			if (ret == 0 && v6 && bind_inet(s, "::", port, AF_INET6, error_r) < 0)
				ret = -1;
		} else if (strcmp(h, "loopback-only") == 0 || strcmp(h, "localhost") == 0) {
			if (v4 && bind_inet(s, "127.0.0.1", port, AF_INET, error_r) < 0)
				ret = -1;
			if (ret == 0 && v6 && bind_inet(s, "::1", port, AF_INET6, error_r) < 0)
				ret = -1;
		} else {
			int fam = v4 && !v6 ? AF_INET : v6 && !v4 ? AF_INET6 : AF_UNSPEC;

			if (bind_inet(s, h, port, fam, error_r) < 0)
				ret = -1;
		}
	}
	if (ret == 0 && s->nlisten == 0) {
		snprintf(errbuf, sizeof(errbuf), "%s: no usable address for inet_interfaces \"%s\"",
			 s->name, pfconf_get(m->cfg, "inet_interfaces"));
		*error_r = errbuf;
		ret = -1;
	}
	argv_destroy(&ifaces);
	xfree(host);
	xfree(port);
	return ret;
}

/* open_local - unix, unix-dgram, pass sockets and fifos under private/ or public/ */
static int open_local(struct master *m, struct master_service *s, int private_svc,
		      const char **error_r)
{
	struct sockaddr_un sun;
	const char *qdir = pfconf_get(m->cfg, "queue_directory");
	char *path;
	int fd;

	s->endpoint = xasprintf("%s/%s", private_svc ? "private" : "public", s->name);
	path = xasprintf("%s/%s", qdir, s->endpoint);
	unlink(path);
	if (s->type == MASTERCF_FIFO) {
		if (mkfifo(path, 0622) < 0 || chmod(path, 0622) < 0
		    || (fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
			snprintf(errbuf, sizeof(errbuf), "open fifo %s: %s", path, strerror(errno));
			goto fail;
		}
		add_fd(s, fd);
		xfree(path);
		return 0;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(errbuf, sizeof(errbuf), "unix-domain name too long: %s", path);
		goto fail;
	}
	fd = socket(AF_UNIX, (s->type == MASTERCF_UNIX_DGRAM ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(errbuf, sizeof(errbuf), "socket: %s", strerror(errno));
		goto fail;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, 0666) < 0
	    || (s->type != MASTERCF_UNIX_DGRAM && listen(fd, 100) < 0)) {
		snprintf(errbuf, sizeof(errbuf), "bind %s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	add_fd(s, fd);
	xfree(path);
	return 0;
fail:
	*error_r = errbuf;
	xfree(path);
	return -1;
}

/* close_listeners - close a service's listeners (and unregister them) */
static void close_listeners(struct master *m, struct master_service *s)
{
	for (int i = 0; i < s->nlisten; i++) {
		event_io_remove(m->loop, s->listen_fds[i]);
		close(s->listen_fds[i]);
	}
	s->nlisten = 0;
	s->listening = 0;
}

/* ---- services from master.cf ---- */

/* service_signature - the text reload compares */
static char *service_signature(struct master *m, const struct mastercf_entry *e)
{
	struct buf b;
	char *cmd = argv_join(&e->cmd, "\x1f");
	int i;

	buf_init(&b, 0);
	for (i = 0; i < MASTERCF_NFIELDS; i++)
		buf_printf(&b, "%s\x1f", e->field[i]);
	buf_printf(&b, "%s\x1e%s\x1e%s\x1e%s\x1e%s", cmd, pfconf_get(m->cfg, "daemon_directory"),
		   pfconf_get(m->cfg, "queue_directory"), pfconf_get(m->cfg, "inet_interfaces"),
		   pfconf_get(m->cfg, "inet_protocols"));
	xfree(cmd);
	{
		char *s = buf_steal(&b);

		buf_deinit(&b);
		return s;
	}
}

/* report_missing - warn once per service that its program does not exist */
static void report_missing(struct master *m, const struct mastercf_entry *e, const char *path)
{
	char *key = xasprintf("%s/%s/%s", e->service, mastercf_type_name(e->type), path);

	for (size_t i = 0; i < m->reported.n; i++)
		if (strcmp(m->reported.v[i], key) == 0) {
			xfree(key);
			return;
		}
	msg_warn("%s, line %d: service \"%s\" (%s): program %s is not available in postcote "
		 "(yet) -- service skipped", e->file, e->line, e->service, mastercf_type_name(e->type),
		 path);
	argv_add(&m->reported, key);
	xfree(key);
}

/* service_from_entry - a service structure (no listeners yet), or NULL if skipped */
static struct master_service *service_from_entry(struct master *m, const struct mastercf_entry *e)
{
	struct master_service *s;
	const char *ddir = pfconf_get(m->cfg, "daemon_directory");
	char *path = e->cmd.v[0][0] == '/' ? xstrdup(e->cmd.v[0]) : xasprintf("%s/%s", ddir, e->cmd.v[0]);
	size_t i;

	if (access(path, X_OK) < 0) {
		report_missing(m, e, path);
		xfree(path);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->key = xasprintf("%s/%s", e->service, mastercf_type_name(e->type));
	s->name = xstrdup(e->service);
	s->path = path;
	s->type = e->type;
	s->signature = service_signature(m, e);
	s->maxproc = e->maxproc >= 0 ? e->maxproc : (int)pfconf_get_int(m->cfg, "default_process_limit");
	s->wakeup = e->wakeup;
	s->wakeup_on_use = e->wakeup_on_use;
	s->private_svc = e->private_svc;
	s->status_fd[0] = s->status_fd[1] = s->watch_fd[0] = s->watch_fd[1] = -1;
	argv_init(&s->argv);
	argv_add(&s->argv, path);
	argv_add(&s->argv, "-n");
	argv_add(&s->argv, e->service);
	argv_add(&s->argv, "-t");
	argv_add(&s->argv, mastercf_type_name(e->type));
	if (e->unpriv)
		argv_add(&s->argv, "-u");
	if (e->chroot)
		argv_add(&s->argv, "-c");
	for (i = 1; i < e->cmd.n; i++)
		argv_add(&s->argv, e->cmd.v[i]);
	return s;
}

int master_services_create(struct master *m, struct master_service **list_r, const char **error_r)
{
	struct master_service *list = NULL, **tail = &list;
	size_t i;

	for (i = 0; i < m->mcf->n; i++) {
		struct master_service *s = service_from_entry(m, &m->mcf->entries[i]);

		if (s != NULL) {
			*tail = s;
			tail = &s->next;
		}
	}
	*list_r = list;
	return 0;
}

int master_service_open(struct master *m, struct master_service *s, const char **error_r)
{
	int ret = s->type == MASTERCF_INET ? open_inet(m, s, error_r)
		: open_local(m, s, s->private_svc, error_r);

	if (ret < 0)
		close_listeners(m, s);
	else if (s->nlisten > 1) {
		/* tell the child how many listeners it inherits: insert "-s N" after -t TYPE */
		struct argv a;

		argv_init(&a);
		for (size_t i = 0; i < s->argv.n; i++) {
			argv_add(&a, s->argv.v[i]);
			if (i == 4)
				argv_add_printf(&a, "-s%d", s->nlisten);
		}
		argv_deinit(&s->argv);
		s->argv = a;
	}
	return ret;
}

void master_service_free(struct master_service **sp)
{
	struct master_service *s = *sp;

	if (s == NULL)
		return;
	xfree(s->key);
	xfree(s->name);
	xfree(s->endpoint);
	xfree(s->path);
	xfree(s->signature);
	xfree(s->listen_fds);
	argv_deinit(&s->argv);
	argv_deinit(&s->env);
	xfree(s);
	*sp = NULL;
}

/* ---- process accounting and creation ---- */

static void update_listen(struct master *m, struct master_service *s);

/* spawn - fork and exec one process of service s */
static void spawn(struct master *m, struct master_service *s)
{
	struct master_child *c;
	pid_t pid;
	char gen[32];

	pid = fork();
	if (pid < 0) {
		msg_warn("fork: %m");
		return;
	}
	if (pid == 0) {
		int n = s->nlisten, i, high = MASTER_LISTEN_FD + n, st, wt, lt[256];

		log_set_fatal_hook(NULL);	/* the master's clean-up is not ours */

		/* move the sources above the target range, then into place */
		if (n > 256)
			_exit(1);
		st = fcntl(s->status_fd[1], F_DUPFD, high);
		wt = fcntl(s->watch_fd[0], F_DUPFD, high);
		for (i = 0; i < n; i++)
			lt[i] = fcntl(s->listen_fds[i], F_DUPFD, high);
		if (st < 0 || wt < 0 || dup2(st, MASTER_STATUS_FD) < 0 || dup2(wt, MASTER_WATCH_FD) < 0)
			_exit(1);
		for (i = 0; i < n; i++)
			if (lt[i] < 0 || dup2(lt[i], MASTER_LISTEN_FD + i) < 0)
				_exit(1);
		if (close_range((unsigned)high, ~0U, 0) < 0)
			for (i = high; i < 65536; i++)
				close(i);
		if (!m->foreground) {
			int null = open("/dev/null", O_RDWR);

			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
				if (null > 2)
					close(null);
			}
		}
		sig_reset_for_exec();
		snprintf(gen, sizeof(gen), "%s=%u", MASTER_GEN_ENV, s->gen);
		argv_add(&m->env, gen);
		for (size_t e = 0; e < s->env.n; e++)
			argv_add(&m->env, s->env.v[e]);
		if (s->vsz_limit > 0)
			dvdaemon_limit_vsz(s->vsz_limit);
		execve(s->path, s->argv.v, m->env.v);
		if (m->role == MASTER_ROLE_DOVECOT) {
			int err = errno;

			/* the log descriptors went with close_range(): open them again */
			dvdaemon_setup_logging(m->dcfg, "master", 0);
			errno = err;
			msg_fatal_status(84, "service(%s): execv(%s) failed: %m", s->name, s->path);	/* FATAL_EXEC */
		}
		msg_fatal("%s: exec %s: %m", s->name, s->path);
	}
	c = xcalloc(1, sizeof(*c));
	c->pid = pid;
	c->service = s;
	c->path = xstrdup(s->path);
	c->name = xstrdup(s->name);
	c->gen = s->gen;
	c->avail = 1;
	c->idle_since = event_now_ms();
	c->next = m->children;
	m->children = c;
	s->total++;
	s->avail++;
	s->used = 1;
	update_listen(m, s);
}

/* find_service_by_fd - the service owning listener fd */
static struct master_service *find_service_by_fd(struct master *m, int fd)
{
	struct master_service *s;

	for (s = m->services; s != NULL; s = s->next)
		for (int i = 0; i < s->nlisten; i++)
			if (s->listen_fds[i] == fd)
				return s;
	return NULL;
}

/* listener_ready - event callback */
static void listener_ready(int fd, unsigned ready, void *ctx)
{
	struct master *m = ctx;
	struct master_service *s = find_service_by_fd(m, fd);

	if (s == NULL) {
		event_io_remove(m->loop, fd);
		return;
	}
	if (s->avail == 0 && !s->throttled && (s->maxproc == 0 || s->total < s->maxproc))
		spawn(m, s);
	update_listen(m, s);
}

/* update_listen - watch listeners only when another process may be needed */
static void update_listen(struct master *m, struct master_service *s)
{
	int want = s->avail == 0 && !s->throttled && (s->maxproc == 0 || s->total < s->maxproc);

	if (want == s->listening)
		return;
	for (int i = 0; i < s->nlisten; i++) {
		if (want)
			event_io_set(m->loop, s->listen_fds[i], EVENT_READ, listener_ready, m);
		else
			event_io_remove(m->loop, s->listen_fds[i]);
	}
	s->listening = want;
}

/* find_child - by pid */
static struct master_child **find_child(struct master *m, pid_t pid)
{
	struct master_child **cp;

	for (cp = &m->children; *cp != NULL; cp = &(*cp)->next)
		if ((*cp)->pid == pid)
			return cp;
	return NULL;
}

/* limit_warning - Postfix's "reached its process limit" line (or Dovecot's) */
static void limit_warning(struct master *m, struct master_service *s)
{
	if (s->avail > 0 || s->maxproc <= 1 || s->total < s->maxproc || s->limit_warned)
		return;
	s->limit_warned = 1;
	if (m->role == MASTER_ROLE_DOVECOT) {
		dvrole_log_limit(s);
		return;
	}
	msg_warn("service \"%s\" (%s) has reached its process limit \"%d\": "
		 "new clients may experience noticeable delays", s->name, s->endpoint, s->maxproc);
}

/* ensure_min_avail - keep process_min_avail processes ready to accept */
static void ensure_min_avail(struct master *m, struct master_service *s)
{
	while (!m->stopping && !s->throttled && s->status_fd[0] >= 0 && s->avail < s->min_avail
	       && (s->maxproc == 0 || s->total < s->maxproc)) {
		int before = s->total;

		spawn(m, s);
		if (s->total == before)
			break;	/* fork failed */
	}
}

/* on_status - status records from the children of one service */
static void on_status(int fd, unsigned ready, void *ctx)
{
	struct master *m = ctx;
	struct master_status st;
	ssize_t n;

	while ((n = read(fd, &st, sizeof(st))) == (ssize_t)sizeof(st)) {
		struct master_child **cp = find_child(m, st.pid), *c;
		struct master_service *s;

		if (cp == NULL || (c = *cp)->service == NULL || c->gen != st.gen)
			continue;
		s = c->service;
		s->throttle_level = 0;	/* a process came up: the service works again */
		if (st.avail == MASTER_STAT_AVAIL && !c->avail) {
			c->avail = 1;
			s->avail++;
		} else if (st.avail == MASTER_STAT_TAKEN && c->avail) {
			c->avail = 0;
			c->served = 1;
			s->avail--;
			limit_warning(m, s);
		} else if (st.avail == MASTER_STAT_TAKEN || st.avail == MASTER_STAT_USED) {
			c->served = 1;
		}
		if (st.avail == MASTER_STAT_TAKEN || st.avail == MASTER_STAT_USED)
			c->idle_since = 0;
		else if (st.avail == MASTER_STAT_IDLE)
			c->idle_since = event_now_ms();
		ensure_min_avail(m, s);
		update_listen(m, s);
	}
}

struct throttle_ctx {
	struct master *m;
	struct master_service *s;
};

/* end_throttle - service_throttle_time is over */
static void end_throttle(void *ctx)
{
	struct throttle_ctx *t = ctx;

	t->s->throttle_timer = NULL;
	t->s->throttled = 0;
	ensure_min_avail(t->m, t->s);
	update_listen(t->m, t->s);
	xfree(t);
}

/* throttle - a process died before serving: stop creating processes for a while */
static void throttle(struct master *m, struct master_service *s)
{
	struct throttle_ctx *t;
	uint64_t ms = ((uint64_t)m->throttle_time * 1000) << s->throttle_level;

	if (s->throttled)
		return;
	if (m->role == MASTER_ROLE_DOVECOT) {
		/* Dovecot: 2 secs, doubling while the service keeps failing, at most 60 */
		if (ms > 60000)
			ms = 60000;
		dvrole_log_throttle(s, (unsigned)(ms / 1000));
	} else {
		msg_warn("%s: bad command startup -- throttling", s->path);
	}
	s->throttled = 1;
	t = xcalloc(1, sizeof(*t));
	t->m = m;
	t->s = s;
	/* service_throttle_time, doubling while the service keeps failing (at most 8x; dovecot 32x) */
	s->throttle_timer = event_timer_add(m->loop, ms, end_throttle, t);
	if (s->throttle_level < (m->role == MASTER_ROLE_DOVECOT ? 5 : 3))
		s->throttle_level++;
	update_listen(m, s);
}

void master_reap(struct master *m)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct master_child **cp = find_child(m, pid), *c;
		struct master_service *s;

		if (cp == NULL)
			continue;
		c = *cp;
		*cp = c->next;
		s = c->service;
		if (m->stopping)
			;	/* we killed it */
		else if (m->role == MASTER_ROLE_DOVECOT)
			dvrole_log_exit(c->name, pid, status);
		else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			msg_warn("process %s pid %ld exit status %d", c->path, (long)pid, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			msg_warn("process %s pid %ld killed by signal %d", c->path, (long)pid, WTERMSIG(status));
		if (s != NULL && c->gen == s->gen) {
			s->total--;
			if (c->avail)
				s->avail--;
			if (s->total < s->maxproc || s->maxproc == 0)
				s->limit_warned = 0;
			if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !c->served)
				throttle(m, s);
			ensure_min_avail(m, s);
			update_listen(m, s);
		}
		xfree(c->path);
		xfree(c->name);
		xfree(c);
	}
}

void master_kill_children(struct master *m, int signo)
{
	for (struct master_child *c = m->children; c != NULL; c = c->next)
		kill(c->pid, signo);
}

int master_children_count(const struct master *m)
{
	int n = 0;

	for (struct master_child *c = m->children; c != NULL; c = c->next)
		n++;
	return n;
}

/* ---- wakeups ---- */

struct wakeup_ctx {
	struct master *m;
	struct master_service *s;
};

/* send_wakeup - write 'W' to the service's own endpoint */
static void send_wakeup(struct master *m, struct master_service *s)
{
	const char *qdir = pfconf_get(m->cfg, "queue_directory");
	char *path = xasprintf("%s/%s", qdir, s->endpoint);
	char w = MASTER_TRIGGER_WAKEUP;
	struct sockaddr_un sun;
	int fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (s->type == MASTERCF_FIFO) {
		fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && write(fd, &w, 1) < 0 && errno != EAGAIN)
			msg_warn("wakeup %s: %m", path);
	} else if (s->type == MASTERCF_UNIX || s->type == MASTERCF_UNIX_DGRAM) {
		int dgram = s->type == MASTERCF_UNIX_DGRAM;

		fd = socket(AF_UNIX, (dgram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			if (write(fd, &w, 1) < 0 && errno != EAGAIN)
				msg_warn("wakeup %s: %m", path);
		} else if (fd >= 0 && errno != EAGAIN && errno != EINPROGRESS) {
			msg_warn("connect to %s: %m", path);
		}
	}
	if (fd >= 0)
		close(fd);
	xfree(path);
}

/* on_wakeup - periodic timer */
static void on_wakeup(void *ctx)
{
	struct wakeup_ctx *w = ctx;

	w->s->wakeup_timer = NULL;
	if (!w->s->wakeup_on_use || w->s->used)
		send_wakeup(w->m, w->s);
	w->s->wakeup_timer = event_timer_add(w->m->loop, (uint64_t)w->s->wakeup * 1000, on_wakeup, w);
}

/* ---- idle kill (dovecot role) ---- */

struct idle_ctx {
	struct master *m;
	struct master_service *s;
	struct event_timer *timer;
};

/* idle_check - SIGINT to processes idle for idle_kill, keeping process_min_avail */
static void idle_check(void *ctx)
{
	struct idle_ctx *t = ctx;
	struct master_service *s = t->s;
	uint64_t now = event_now_ms();
	int avail = s->avail;

	t->timer = NULL;
	for (struct master_child *c = t->m->children; c != NULL && avail > s->min_avail; c = c->next) {
		if (c->service != s || !c->avail || c->idle_since == 0 || now - c->idle_since < s->idle_kill_ms)
			continue;
		kill(c->pid, SIGINT);	/* it exits only if it still has no client */
		c->idle_since = 0;
		avail--;
	}
	t->timer = event_timer_add(t->m->loop, s->idle_kill_ms < 4000 ? 250 : 1000, idle_check, t);
}

/* idle_start / idle_stop - the periodic check of one service */
static void idle_start(struct master *m, struct master_service *s)
{
	struct idle_ctx *t;

	if (s->idle_kill_ms == 0 || s->idle_ctx != NULL)
		return;
	t = xcalloc(1, sizeof(*t));
	t->m = m;
	t->s = s;
	t->timer = event_timer_add(m->loop, 250, idle_check, t);
	s->idle_ctx = t;
}

static void idle_stop(struct master *m, struct master_service *s)
{
	struct idle_ctx *t = s->idle_ctx;

	if (t == NULL)
		return;
	event_timer_remove(m->loop, &t->timer);
	xfree(t);
	s->idle_ctx = NULL;
}

/* ---- service life cycle ---- */

/* new_generation - fresh status and watch pipes */
static void new_generation(struct master *m, struct master_service *s)
{
	s->gen = ++m->next_gen;
	if (pipe2(s->status_fd, O_CLOEXEC) < 0 || pipe2(s->watch_fd, O_CLOEXEC) < 0)
		msg_fatal("pipe: %m");
	fcntl(s->status_fd[0], F_SETFL, O_NONBLOCK);
	event_io_set(m->loop, s->status_fd[0], EVENT_READ, on_status, m);
	s->total = s->avail = 0;
	s->listening = 0;
}

/* end_generation - children of the current generation finish and exit */
static void end_generation(struct master *m, struct master_service *s)
{
	for (struct master_child *c = m->children; c != NULL; c = c->next)
		if (c->service == s)
			c->service = NULL;	/* no longer counted */
	if (s->status_fd[0] >= 0) {
		event_io_remove(m->loop, s->status_fd[0]);
		close(s->status_fd[0]);
		close(s->status_fd[1]);
	}
	if (s->watch_fd[1] >= 0) {
		close(s->watch_fd[0]);
		close(s->watch_fd[1]);	/* EOF for the children */
	}
	s->status_fd[0] = s->status_fd[1] = s->watch_fd[0] = s->watch_fd[1] = -1;
}

void master_service_start(struct master *m, struct master_service *s)
{
	new_generation(m, s);
	idle_start(m, s);
	ensure_min_avail(m, s);
	update_listen(m, s);
	if (s->wakeup > 0) {
		struct wakeup_ctx *w = xcalloc(1, sizeof(*w));

		w->m = m;
		w->s = s;
		/* the first wakeup right away (as Postfix's master: qmgr and pickup
		 * start with the mail system and find what was queued meanwhile) */
		s->wakeup_timer = event_timer_add(m->loop, 0, on_wakeup, w);
	}
}

void master_service_retire(struct master *m, struct master_service *s)
{
	close_listeners(m, s);
	idle_stop(m, s);
	end_generation(m, s);
	event_timer_remove(m->loop, &s->wakeup_timer);	/* its ctx is leaked: tiny, reload only */
	if (s->throttle_timer != NULL)
		event_timer_remove(m->loop, &s->throttle_timer);
	if (m->role == MASTER_ROLE_POSTFIX && s->type != MASTERCF_INET && s->endpoint != NULL) {
		char *path = xasprintf("%s/%s", pfconf_get(m->cfg, "queue_directory"), s->endpoint);

		unlink(path);
		xfree(path);
	}
}

void master_service_renew(struct master *m, struct master_service *old, struct master_service *s)
{
	/* unchanged service: keep the listeners (no connection is dropped), new generation */
	s->listen_fds = old->listen_fds;
	s->nlisten = old->nlisten;
	old->listen_fds = NULL;
	old->nlisten = 0;
	s->endpoint = old->endpoint;
	old->endpoint = NULL;
	argv_deinit(&s->argv);
	s->argv = old->argv;
	argv_init(&old->argv);
	argv_deinit(&s->env);
	s->env = old->env;
	argv_init(&old->env);
	for (int i = 0; i < s->nlisten; i++)
		event_io_remove(m->loop, s->listen_fds[i]);
	s->used = old->used;
	idle_stop(m, old);
	end_generation(m, old);
	event_timer_remove(m->loop, &old->wakeup_timer);
	if (old->throttle_timer != NULL)
		event_timer_remove(m->loop, &old->throttle_timer);
	master_service_start(m, s);
}

void master_build_env(struct master *m)
{
	static const char *const always[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	struct argv *names = argv_create();
	size_t i;

	argv_truncate(&m->env, 0);
	pfconf_list_split(pfconf_get(m->cfg, "import_environment"), names);
	for (i = 0; i < names->n; i++) {
		const char *eq = strchr(names->v[i], '='), *v;

		if (strcmp(names->v[i], "MAIL_CONFIG") == 0)
			continue;	/* set below */
		if (eq != NULL) {
			argv_add(&m->env, names->v[i]);
		} else if ((v = getenv(names->v[i])) != NULL) {
			argv_add_printf(&m->env, "%s=%s", names->v[i], v);
		}
	}
	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		const char *v = getenv(always[i]);

		if (v != NULL)
			argv_add_printf(&m->env, "%s=%s", always[i], v);
	}
	argv_add_printf(&m->env, "MAIL_CONFIG=%s", m->config_dir);
	argv_destroy(&names);
}
