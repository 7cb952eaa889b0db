/*
 * event - epoll event loop with timers.
 *
 * One loop per process.  File descriptors are registered with a callback
 * and interest mask (EVENT_READ / EVENT_WRITE); callbacks get the ready
 * mask (EVENT_ERROR is added on EPOLLERR/EPOLLHUP so a reader sees EOF).
 * Timers are one-shot; re-arm from the callback for periodic work.  Fds and
 * timers may be added or removed from inside any callback, including the
 * one running.  Time is CLOCK_MONOTONIC in milliseconds.
 *
 * Errors in epoll_ctl on a valid fd are our bugs: msg_panic.
 */
#ifndef PC_CORE_EVENT_H
#define PC_CORE_EVENT_H

#include <stdint.h>

#define EVENT_READ	(1u << 0)
#define EVENT_WRITE	(1u << 1)
#define EVENT_ERROR	(1u << 2)

struct event_loop;
struct event_timer;

typedef void event_io_fn(int fd, unsigned ready, void *ctx);
typedef void event_timer_fn(void *ctx);

struct event_loop *event_loop_create(void);
/* event_loop_destroy - close the epoll fd; registered fds are not closed */
void event_loop_destroy(struct event_loop **loopp);

/* event_io_set - register fd or change its interest/callback (mask 0 = keep, but paused) */
void event_io_set(struct event_loop *loop, int fd, unsigned mask, event_io_fn *fn, void *ctx);
/* event_io_remove - forget fd (call before closing it); unknown fds are fine */
void event_io_remove(struct event_loop *loop, int fd);

/* event_timer_add - call fn(ctx) once after ms milliseconds */
struct event_timer *event_timer_add(struct event_loop *loop, uint64_t ms, event_timer_fn *fn, void *ctx);
/* event_timer_remove - cancel; *tp is set to NULL; NULL is fine */
void event_timer_remove(struct event_loop *loop, struct event_timer **tp);

/* event_loop_run_once - wait up to max_ms (-1 = until something happens), dispatch */
void event_loop_run_once(struct event_loop *loop, int max_ms);
/* event_loop_run - dispatch until event_loop_stop() */
void event_loop_run(struct event_loop *loop);
void event_loop_stop(struct event_loop *loop);
/* event_now_ms - monotonic clock */
uint64_t event_now_ms(void);

#endif
