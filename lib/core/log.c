/*
 * log - Postfix-shaped log lines to stderr, syslog, a file and journald
 * (see log.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "core/log.h"

static char prog_name[256] = "postcote";
static char tag[128] = "postcote";	/* syslog_name/prog */
static unsigned log_targets = LOG_TARGET_STDERR;
static int syslog_facility = LOG_MAIL;
static int syslog_opened;
static char file_path[1024];
static int file_fd = -1;
static dev_t file_dev;
static ino_t file_ino;
static time_t file_checked;
static log_hook_fn *hook_fn;
static void *hook_ctx;
static void (*fatal_hook)(void);
static int in_log;
static int postlog_fd = -1;
static int log_style = LOG_STYLE_POSTFIX;
static char dv_prefix[256];
static char dv_timestamp[64] = "%b %d %H:%M:%S ";
static int info_fd = -1;

static int file_ready(void);

static const char *const level_prefix[] = { "", "warning: ", "error: ", "fatal: ", "panic: ", "" };
static const char *const dv_level_prefix[] = { "Info: ", "Warning: ", "Error: ", "Fatal: ", "Panic: ", "Debug: " };
static const int level_priority[] = { LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT, LOG_CRIT, LOG_DEBUG };

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

void log_open(const char *prog, const char *syslog_name, unsigned targets)
{
	snprintf(prog_name, sizeof(prog_name), "%s", prog);
	if (syslog_name != NULL && *syslog_name != '\0')
		snprintf(tag, sizeof(tag), "%s/%s", syslog_name, prog);
	else
		snprintf(tag, sizeof(tag), "%s", prog);
	log_targets = targets;
	if (syslog_opened) {
		closelog();
		syslog_opened = 0;
	}
	if (targets & LOG_TARGET_SYSLOG) {
		openlog(tag, LOG_PID | LOG_NDELAY, syslog_facility);
		syslog_opened = 1;
	}
}

void log_set_file(const char *path)
{
	if (file_fd >= 0) {
		close(file_fd);
		file_fd = -1;
	}
	snprintf(file_path, sizeof(file_path), "%s", path != NULL ? path : "");
	if (file_path[0] != '\0')
		(void)file_ready();	/* open now: privileges may be dropped later */
}

void log_set_postlog(const char *socket_path)
{
	struct sockaddr_un sun;

	if (postlog_fd >= 0)
		close(postlog_fd);
	postlog_fd = -1;
	if (socket_path == NULL || strlen(socket_path) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, socket_path, strlen(socket_path) + 1);
	postlog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (postlog_fd >= 0 && connect(postlog_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(postlog_fd);
		postlog_fd = -1;
	}
}

int log_set_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0) {
			syslog_facility = facilities[i].facility;
			if (syslog_opened) {
				closelog();
				openlog(tag, LOG_PID | LOG_NDELAY, syslog_facility);
			}
			return 0;
		}
	return -1;
}

int log_under_systemd(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%lu:%lu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long)st.st_dev == dev && (unsigned long)st.st_ino == ino;
}

const char *log_prog(void)
{
	return prog_name;
}

const char *log_tag(void)
{
	return tag;
}

void log_set_hook(log_hook_fn *hook, void *ctx)
{
	hook_fn = hook;
	hook_ctx = ctx;
}

void log_set_fatal_hook(void (*fn)(void))
{
	fatal_hook = fn;
}

void log_set_style(int style)
{
	log_style = style;
}

void log_set_prefix(const char *prefix)
{
	snprintf(dv_prefix, sizeof(dv_prefix), "%s", prefix != NULL ? prefix : "");
}

const char *log_get_prefix(void)
{
	return dv_prefix;
}

void log_set_timestamp(const char *fmt)
{
	snprintf(dv_timestamp, sizeof(dv_timestamp), "%s", fmt != NULL ? fmt : "");
}

void log_set_info_file(const char *path)
{
	if (info_fd >= 0) {
		close(info_fd);
		info_fd = -1;
	}
	if (path != NULL && *path != '\0')
		info_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
}

/* sanitize - replace control characters so peers cannot forge log lines */
static void sanitize(char *s, int keep_tabs)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && !(c == '\t' && keep_tabs)) || c == 0x7f)
			*s = '?';
	}
}

/* file_open - (re)open maillog_file when needed; notices rotation */
static int file_ready(void)
{
	struct stat st;
	time_t now = time(NULL);

	int fd;

	if (file_fd >= 0 && now != file_checked) {
		file_checked = now;
		if (stat(file_path, &st) == 0 && st.st_dev == file_dev && st.st_ino == file_ino)
			return 0;
		/* rotated or removed: reopen; after a privilege drop or chroot this may
		 * fail, and then the old descriptor is kept */
	} else if (file_fd >= 0) {
		return 0;
	}
	fd = open(file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return file_fd >= 0 ? 0 : -1;
	if (file_fd >= 0)
		close(file_fd);
	file_fd = fd;
	if (fstat(file_fd, &st) == 0) {
		file_dev = st.st_dev;
		file_ino = st.st_ino;
	}
	file_checked = now;
	return 0;
}

/* append_line - "Mmm dd hh:mm:ss host " + record + newline, one write() */
static void append_line(const char *record, size_t len)
{
	char line[LOG_LINE_MAX + 512], stamp[32], host[256], *dot;
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (file_ready() < 0)
		return;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if ((dot = strchr(host, '.')) != NULL)
		*dot = '\0';
	if (len > LOG_LINE_MAX + 256)
		len = LOG_LINE_MAX + 256;
	n = snprintf(line, sizeof(line), "%s %s %.*s\n", stamp, host, (int)len, record);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(file_fd, line, (size_t)n) < 0) {
		/* nowhere left to report this */
	}
}

void log_write_record(const char *record, size_t len)
{
	char copy[LOG_LINE_MAX + 256];

	if (len >= sizeof(copy))
		len = sizeof(copy) - 1;
	memcpy(copy, record, len);
	copy[len] = '\0';
	sanitize(copy, 0);
	append_line(copy, len);
}

/* write_dv_file - Dovecot's log_path line: timestamp, prefix, level, text */
static void write_dv_file(enum log_level level, const char *text)
{
	char line[LOG_LINE_MAX + 512], stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	int n, fd;

	if ((level == LOG_LEVEL_INFO || level == LOG_LEVEL_DEBUG) && info_fd >= 0) {
		fd = info_fd;
	} else {
		if (file_ready() < 0)
			return;
		fd = file_fd;
	}
	localtime_r(&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* log_timestamp is the administrator's strftime format */
	if (strftime(stamp, sizeof(stamp), dv_timestamp, &tm) == 0)
		stamp[0] = '\0';
#pragma GCC diagnostic pop
	n = snprintf(line, sizeof(line), "%s%s%s%s\n", stamp, dv_prefix, dv_level_prefix[level], text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(fd, line, (size_t)n) < 0) {
		/* nowhere left to report this */
	}
}

/* write_file - one maillog_file line: "Mmm dd hh:mm:ss host tag[pid]: text" */
static void write_file(enum log_level level, const char *text)
{
	char record[LOG_LINE_MAX + 256];
	int n = snprintf(record, sizeof(record), "%s[%ld]: %s%s", tag, (long)getpid(),
			 level_prefix[level], text);

	if (n < 0)
		return;
	if (postlog_fd >= 0 && send(postlog_fd, record, strlen(record), MSG_DONTWAIT) >= 0)
		return;
	if (file_path[0] != '\0')
		append_line(record, strlen(record));
}

/* write_stderr - "prog: warning: text" */
static void write_stderr(enum log_level level, const char *text)
{
	char line[LOG_LINE_MAX + 128];
	int n = log_style == LOG_STYLE_DOVECOT
		? snprintf(line, sizeof(line), "%s: %s%s\n", prog_name, dv_level_prefix[level], text)
		: snprintf(line, sizeof(line), "%s: %s%s\n", prog_name, level_prefix[level], text);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report this */
	}
}

void msg_vlog(enum log_level level, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];
	int saved_errno = errno;

	vsnprintf(text, sizeof(text), fmt, ap);
	/* Dovecot's debug lines show protocol lines with their TABs; everything else is sanitised */
	sanitize(text, level == LOG_LEVEL_DEBUG && log_style == LOG_STYLE_DOVECOT);
	if (in_log) {	/* e.g. out of memory while logging */
		write_stderr(level, text);
		errno = saved_errno;
		return;
	}
	in_log = 1;
	if (hook_fn != NULL)
		hook_fn(level, text, hook_ctx);
	if (log_targets & LOG_TARGET_STDERR)
		write_stderr(level, text);
	if (log_style == LOG_STYLE_DOVECOT) {
		const char *lp = level == LOG_LEVEL_INFO ? "" : dv_level_prefix[level];

		if (log_targets & LOG_TARGET_SYSLOG)
			syslog(syslog_facility | level_priority[level], "%s%s%s", dv_prefix, lp, text);
		if ((log_targets & LOG_TARGET_FILE) && (file_path[0] != '\0' || ((level == LOG_LEVEL_INFO || level == LOG_LEVEL_DEBUG) && info_fd >= 0)))
			write_dv_file(level, text);
		if (log_targets & LOG_TARGET_JOURNAL)
			sd_journal_send("MESSAGE=%s%s%s", dv_prefix, lp, text,
					"PRIORITY=%d", level_priority[level],
					"SYSLOG_FACILITY=%d", syslog_facility >> 3,
					"SYSLOG_IDENTIFIER=%s", tag,
					"SYSLOG_PID=%ld", (long)getpid(), NULL);
		in_log = 0;
		errno = saved_errno;
		return;
	}
	if (log_targets & LOG_TARGET_SYSLOG)
		syslog(syslog_facility | level_priority[level], "%s%s", level_prefix[level], text);
	if ((log_targets & (LOG_TARGET_FILE | LOG_TARGET_POSTLOG)) && (file_path[0] != '\0' || postlog_fd >= 0))
		write_file(level, text);
	if (log_targets & LOG_TARGET_JOURNAL)
		sd_journal_send("MESSAGE=%s%s", level_prefix[level], text,
				"PRIORITY=%d", level_priority[level],
				"SYSLOG_FACILITY=%d", syslog_facility >> 3,
				"SYSLOG_IDENTIFIER=%s", tag,
				"SYSLOG_PID=%ld", (long)getpid(), NULL);
	in_log = 0;
	errno = saved_errno;
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
MSG_FN(msg_debug, LOG_LEVEL_DEBUG)
MSG_FN(msg_warn, LOG_LEVEL_WARN)
MSG_FN(msg_error, LOG_LEVEL_ERROR)

/* run_fatal_hook - once only, even if the hook itself is fatal */
static void run_fatal_hook(void)
{
	void (*fn)(void) = fatal_hook;

	fatal_hook = NULL;
	if (fn != NULL)
		fn();
}

/* vfatal - log, run the fatal hook once, exit with status */
static void vfatal(int status, const char *fmt, va_list ap) __attribute__((noreturn, format(printf, 2, 0)));
static void vfatal(int status, const char *fmt, va_list ap)
{
	msg_vlog(LOG_LEVEL_FATAL, fmt, ap);
	run_fatal_hook();
	exit(status);
}

void msg_fatal_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal(status, fmt, ap);
}

void msg_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal(1, fmt, ap);
}

void msg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(LOG_LEVEL_PANIC, fmt, ap);
	va_end(ap);
	abort();
}
