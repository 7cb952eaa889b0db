/*
 * sig - signals delivered through the event loop (self-pipe).
 *
 * sig_watch() installs a handler that only records the signal and writes a
 * byte to a non-blocking pipe watched by the loop; the callback then runs
 * as an ordinary event, outside signal context.  Several watched signals
 * may be coalesced into one callback run each.  sig_reset_for_exec()
 * restores default dispositions and an empty mask in a child before exec.
 */
#ifndef PC_CORE_SIG_H
#define PC_CORE_SIG_H

struct event_loop;

typedef void sig_fn(int signo, void *ctx);

/* sig_watch - run fn(signo, ctx) from the loop whenever signo arrives */
void sig_watch(struct event_loop *loop, int signo, sig_fn *fn, void *ctx);
/* sig_ignore_pipe - SIGPIPE ignored: write errors come back as EPIPE */
void sig_ignore_pipe(void);
/* sig_reset_for_exec - defaults for every signal, empty mask, self-pipe closed */
void sig_reset_for_exec(void);

#endif
