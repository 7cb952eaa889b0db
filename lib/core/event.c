/*
 * event - epoll event loop with timers (see event.h).
 *
 * Fds are kept in an array indexed by fd.  Timers live in a sorted singly
 * linked list: daemons have a handful of timers, so O(n) insertion is
 * cheaper than a heap in practice and trivially safe to modify while
 * dispatching.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/event.h"
#include "core/log.h"
#include "core/mem.h"

struct event_fd {
	event_io_fn *fn;
	void *ctx;
	unsigned mask;
	int registered;
};

struct event_timer {
	uint64_t when;
	event_timer_fn *fn;
	void *ctx;
	struct event_timer *next;
};

struct event_loop {
	int epfd;
	struct event_fd *fds;
	int nfds;
	struct event_timer *timers;
	int stop;
};

uint64_t event_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct event_loop *event_loop_create(void)
{
	struct event_loop *loop = xcalloc(1, sizeof(*loop));

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		msg_fatal("epoll_create1: %m");
	return loop;
}

void event_loop_destroy(struct event_loop **loopp)
{
	struct event_loop *loop = *loopp;

	if (loop == NULL)
		return;
	while (loop->timers != NULL) {
		struct event_timer *t = loop->timers;

		loop->timers = t->next;
		xfree(t);
	}
	close(loop->epfd);
	xfree(loop->fds);
	xfree(loop);
	*loopp = NULL;
}

/* epoll_mask - our mask to epoll's */
static uint32_t epoll_mask(unsigned mask)
{
	return (mask & EVENT_READ ? EPOLLIN : 0) | (mask & EVENT_WRITE ? EPOLLOUT : 0);
}

void event_io_set(struct event_loop *loop, int fd, unsigned mask, event_io_fn *fn, void *ctx)
{
	struct epoll_event ev;
	struct event_fd *e;

	if (fd < 0)
		msg_panic("event_io_set: bad fd %d", fd);
	if (fd >= loop->nfds) {
		int n = loop->nfds ? loop->nfds : 64;

		while (n <= fd)
			n *= 2;
		loop->fds = xreallocarray(loop->fds, (size_t)n, sizeof(*loop->fds));
		memset(loop->fds + loop->nfds, 0, (size_t)(n - loop->nfds) * sizeof(*loop->fds));
		loop->nfds = n;
	}
	e = &loop->fds[fd];
	memset(&ev, 0, sizeof(ev));
	ev.events = epoll_mask(mask);
	ev.data.fd = fd;
	if (epoll_ctl(loop->epfd, e->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
		msg_panic("epoll_ctl fd %d: %m", fd);
	e->registered = 1;
	e->fn = fn;
	e->ctx = ctx;
	e->mask = mask;
}

void event_io_remove(struct event_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].registered)
		return;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF)
		msg_panic("epoll_ctl DEL fd %d: %m", fd);
	memset(&loop->fds[fd], 0, sizeof(loop->fds[fd]));
}

struct event_timer *event_timer_add(struct event_loop *loop, uint64_t ms, event_timer_fn *fn, void *ctx)
{
	struct event_timer *t = xcalloc(1, sizeof(*t)), **pp;

	t->when = event_now_ms() + ms;
	t->fn = fn;
	t->ctx = ctx;
	for (pp = &loop->timers; *pp != NULL && (*pp)->when <= t->when; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t;
}

void event_timer_remove(struct event_loop *loop, struct event_timer **tp)
{
	struct event_timer **pp;

	if (*tp == NULL)
		return;
	for (pp = &loop->timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == *tp) {
			*pp = (*tp)->next;
			xfree(*tp);
			break;
		}
	*tp = NULL;
}

/* run_timers - call every expired timer (each removed before its callback) */
static void run_timers(struct event_loop *loop)
{
	uint64_t now = event_now_ms();

	while (loop->timers != NULL && loop->timers->when <= now && !loop->stop) {
		struct event_timer *t = loop->timers;
		event_timer_fn *fn = t->fn;
		void *ctx = t->ctx;

		loop->timers = t->next;
		xfree(t);
		fn(ctx);
	}
}

void event_loop_run_once(struct event_loop *loop, int max_ms)
{
	struct epoll_event evs[64];
	int n, i, wait = max_ms;

	if (loop->timers != NULL) {
		uint64_t now = event_now_ms();
		int until = loop->timers->when <= now ? 0 : (int)(loop->timers->when - now);

		if (wait < 0 || until < wait)
			wait = until;
	}
	n = epoll_wait(loop->epfd, evs, 64, wait);
	if (n < 0 && errno != EINTR)
		msg_fatal("epoll_wait: %m");
	for (i = 0; i < n && !loop->stop; i++) {
		int fd = evs[i].data.fd;
		struct event_fd *e;
		unsigned ready = 0;

		if (fd >= loop->nfds || !loop->fds[fd].registered)
			continue;	/* removed by an earlier callback */
		e = &loop->fds[fd];
		if (evs[i].events & EPOLLIN)
			ready |= EVENT_READ;
		if (evs[i].events & EPOLLOUT)
			ready |= EVENT_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			ready |= EVENT_ERROR | (e->mask & EVENT_READ);
		if (ready != 0 && e->fn != NULL)
			e->fn(fd, ready, e->ctx);
	}
	run_timers(loop);
}

void event_loop_run(struct event_loop *loop)
{
	loop->stop = 0;
	while (!loop->stop)
		event_loop_run_once(loop, -1);
}

void event_loop_stop(struct event_loop *loop)
{
	loop->stop = 1;
}
