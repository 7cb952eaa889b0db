/* sig - signals delivered through the event loop (see sig.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/event.h"
#include "core/log.h"
#include "core/sig.h"

#define SIG_MAX 65

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t pending[SIG_MAX];
static sig_fn *handlers[SIG_MAX];
static void *contexts[SIG_MAX];

/* on_signal - async-signal-safe: note it and wake the loop */
static void on_signal(int signo)
{
	int saved = errno;
	char c = (char)signo;

	pending[signo] = 1;
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* pipe full: a wake-up is already queued */
	}
	errno = saved;
}

/* drain - loop callback: run handlers for pending signals */
static void drain(int fd, unsigned ready, void *ctx)
{
	char buf[64];
	int signo;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (signo = 1; signo < SIG_MAX; signo++) {
		if (!pending[signo])
			continue;
		pending[signo] = 0;
		if (handlers[signo] != NULL)
			handlers[signo](signo, contexts[signo]);
	}
}

void sig_watch(struct event_loop *loop, int signo, sig_fn *fn, void *ctx)
{
	struct sigaction sa;

	if (signo <= 0 || signo >= SIG_MAX)
		msg_panic("sig_watch: bad signal %d", signo);
	if (sig_pipe[0] < 0) {
		if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
			msg_fatal("pipe: %m");
		event_io_set(loop, sig_pipe[0], EVENT_READ, drain, NULL);
	}
	handlers[signo] = fn;
	contexts[signo] = ctx;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
	if (sigaction(signo, &sa, NULL) < 0)
		msg_fatal("sigaction %d: %m", signo);
}

void sig_ignore_pipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

void sig_reset_for_exec(void)
{
	sigset_t none;
	int signo;

	for (signo = 1; signo < SIG_MAX; signo++)
		if (signo != SIGKILL && signo != SIGSTOP)
			signal(signo, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
