/*
 * log - minimal bootstrap implementation: stderr only.
 * TODO(core): syslog, file, journald targets as described in log.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static const char *prog_name = "postcote";
static log_hook_fn *hook_fn;
static void *hook_ctx;
static void (*fatal_hook)(void);

void log_open(const char *prog, const char *syslog_name, unsigned targets)
{
	(void)syslog_name;
	(void)targets;
	prog_name = prog;
}

void log_set_file(const char *path) { (void)path; }
int log_set_facility(const char *name) { (void)name; return 0; }
int log_under_systemd(void) { return 0; }
const char *log_prog(void) { return prog_name; }

void log_set_hook(log_hook_fn *hook, void *ctx)
{
	hook_fn = hook;
	hook_ctx = ctx;
}

void log_set_fatal_hook(void (*fn)(void)) { fatal_hook = fn; }

static const char *const level_prefix[] = { "", "warning: ", "error: ", "fatal: ", "panic: " };

void msg_vlog(enum log_level level, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (hook_fn != NULL)
		hook_fn(level, text, hook_ctx);
	fprintf(stderr, "%s: %s%s\n", prog_name, level_prefix[level], text);
}

#define MSG_FN(name, level) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		msg_vlog(level, fmt, ap); \
		va_end(ap); \
	}
MSG_FN(msg_info, LOG_LEVEL_INFO)
MSG_FN(msg_warn, LOG_LEVEL_WARN)
MSG_FN(msg_error, LOG_LEVEL_ERROR)

void msg_fatal_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(LOG_LEVEL_FATAL, fmt, ap);
	va_end(ap);
	if (fatal_hook != NULL)
		fatal_hook();
	exit(status);
}

void msg_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(LOG_LEVEL_FATAL, fmt, ap);
	va_end(ap);
	if (fatal_hook != NULL)
		fatal_hook();
	exit(1);
}

void msg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(LOG_LEVEL_PANIC, fmt, ap);
	va_end(ap);
	abort();
}
