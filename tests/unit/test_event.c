/* test_event - lib/core/event and lib/core/sig */
#include "config.h"

#include <fcntl.h>
#include <signal.h>

#include "core/event.h"
#include "core/sig.h"
#include "test.h"

static int hits;
static int order[8];
static int norder;

static void on_read(int fd, unsigned ready, void *ctx)
{
	char buf[16];

	if (ready & EVENT_READ) {
		if (read(fd, buf, sizeof(buf)) > 0)
			hits++;
	}
}

static void test_io_callbacks(void)
{
	struct event_loop *loop = event_loop_create();
	int p[2];

	if (pipe(p) < 0)
		abort();
	event_io_set(loop, p[0], EVENT_READ, on_read, NULL);
	event_loop_run_once(loop, 0);
	T_INTEQ(hits, 0);
	if (write(p[1], "x", 1) != 1)
		abort();
	event_loop_run_once(loop, 1000);
	T_INTEQ(hits, 1);
	event_io_remove(loop, p[0]);
	if (write(p[1], "x", 1) != 1)
		abort();
	event_loop_run_once(loop, 50);
	T_INTEQ(hits, 1);	/* removed: no callback */
	event_loop_destroy(&loop);
	T_ASSERT(loop == NULL);
}

static void record(void *ctx)
{
	order[norder++] = (int)(long)ctx;
}

static void test_timers_in_order(void)
{
	struct event_loop *loop = event_loop_create();
	struct event_timer *cancelled;
	uint64_t t0 = event_now_ms();

	event_timer_add(loop, 60, record, (void *)3);
	event_timer_add(loop, 20, record, (void *)1);
	cancelled = event_timer_add(loop, 30, record, (void *)9);
	event_timer_add(loop, 40, record, (void *)2);
	event_timer_remove(loop, &cancelled);
	T_ASSERT(cancelled == NULL);
	while (norder < 3 && event_now_ms() - t0 < 2000)
		event_loop_run_once(loop, -1);
	T_INTEQ(norder, 3);
	T_INTEQ(order[0], 1);
	T_INTEQ(order[1], 2);
	T_INTEQ(order[2], 3);
	T_ASSERT(event_now_ms() - t0 >= 55);
	event_loop_destroy(&loop);
}

static struct event_loop *stop_loop;

static void stopper(void *ctx)
{
	event_loop_stop(stop_loop);
}

static void self_remove(int fd, unsigned ready, void *ctx)
{
	event_io_remove(stop_loop, fd);
	hits++;
}

static void test_remove_inside_callback_and_stop(void)
{
	int p[2];

	stop_loop = event_loop_create();
	if (pipe(p) < 0)
		abort();
	if (write(p[1], "x", 1) != 1)
		abort();
	event_io_set(stop_loop, p[0], EVENT_READ, self_remove, NULL);
	event_timer_add(stop_loop, 50, stopper, NULL);
	event_loop_run(stop_loop);
	T_INTEQ(hits, 1);
	event_loop_destroy(&stop_loop);
}

static int got_signal;

static void on_sig(int signo, void *ctx)
{
	got_signal = signo;
	event_loop_stop(ctx);
}

static void test_signal_through_loop(void)
{
	struct event_loop *loop = event_loop_create();

	sig_watch(loop, SIGUSR1, on_sig, loop);
	kill(getpid(), SIGUSR1);
	event_timer_add(loop, 2000, stopper, NULL);
	stop_loop = loop;
	event_loop_run(loop);
	T_INTEQ(got_signal, SIGUSR1);
	event_loop_destroy(&loop);
}

static void test_hangup_reported(void)
{
	struct event_loop *loop = event_loop_create();
	int p[2];

	if (pipe(p) < 0)
		abort();
	close(p[1]);
	event_io_set(loop, p[0], EVENT_READ, on_read, NULL);
	hits = 0;
	event_loop_run_once(loop, 1000);	/* EOF: callback runs, read returns 0 */
	T_INTEQ(hits, 0);
	event_loop_destroy(&loop);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_io_callbacks),
		TEST(test_timers_in_order),
		TEST(test_remove_inside_callback_and_stop),
		TEST(test_signal_through_loop),
		TEST(test_hangup_reported),
	};
	return test_run(cases, TEST_COUNT(cases));
}
