/*
 * log - Postfix-shaped (and later Dovecot-shaped) log lines.
 *
 * Levels (STYLE.md practice 9):
 *   msg_info   - normal events ("daemon started -- version ...")
 *   msg_warn   - "warning: ..." bad input, recoverable trouble
 *   msg_error  - "error: ..." like warning, but counted: too many end the process
 *   msg_fatal  - "fatal: ..." bad environment or configuration; exit(1)
 *   msg_panic  - "panic: ..." our own bug; abort() for a core dump
 *
 * Shapes:
 *   syslog   openlog("<syslog_name>/<prog>", LOG_PID, facility mail);
 *            text "warning: ..." etc.
 *   stderr   "<prog>: warning: ..." (what command-line tools print)
 *   file     "Mmm dd hh:mm:ss <host> <syslog_name>/<prog>[pid]: warning: ..."
 *            appended to maillog_file (O_APPEND, one write per line)
 *   journal  the same text as syslog, via sd_journal_send() with
 *            SYSLOG_IDENTIFIER, SYSLOG_FACILITY=2 and PRIORITY, used when the
 *            process runs under systemd (JOURNAL_STREAM / INVOCATION_ID set)
 *            and log_targets asks for it.
 * Several targets may be active at once.  Text is sanitised: control
 * characters in the formatted message become '?', so a peer cannot forge
 * log lines.  Lines are capped at LOG_LINE_MAX bytes.
 *
 * The library is process-global and not thread-safe (postcote daemons are
 * single-threaded).  Until log_open() is called, messages go to stderr with
 * the program name "postcote".
 */
#ifndef PC_CORE_LOG_H
#define PC_CORE_LOG_H

#include <stdarg.h>

#define LOG_LINE_MAX 4096

enum log_level {
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_FATAL,
	LOG_LEVEL_PANIC,
	LOG_LEVEL_DEBUG,	/* Dovecot's "Debug: " (auth_debug, mail_debug); Postfix style: like info */
};

/* log targets, OR-ed */
#define LOG_TARGET_STDERR	(1u << 0)
#define LOG_TARGET_SYSLOG	(1u << 1)
#define LOG_TARGET_FILE		(1u << 2)
#define LOG_TARGET_JOURNAL	(1u << 3)
#define LOG_TARGET_POSTLOG	(1u << 4)	/* datagrams to the postlog service */

/*
 * log_open - set the program name and targets.
 * prog: "master", "postconf", ...; syslog_name: "postfix", "postfix/submission"
 * (the syslog tag becomes "<syslog_name>/<prog>"; NULL syslog_name = tag prog).
 * May be called again (e.g. after main.cf is read, or on reload).
 */
void log_open(const char *prog, const char *syslog_name, unsigned targets);
/* log_set_file - path for LOG_TARGET_FILE ("maillog_file"); "/dev/stdout" works */
void log_set_file(const char *path);
/*
 * log_set_postlog - socket of the postlog service for LOG_TARGET_POSTLOG.
 * Records are "<tag>[<pid>]: <level prefix><text>" datagrams; when the
 * service cannot be reached the line goes to the file target instead (if
 * one is open).  The socket is connected at once (before a chroot).
 */
void log_set_postlog(const char *socket_path);
/* log_write_record - postlogd: append "<stamp> <host> " + record + "\n" to the file */
void log_write_record(const char *record, size_t len);
/* log_set_facility - syslog facility by name ("mail", "local0", ...); -1 if unknown */
int log_set_facility(const char *name);
/* log_under_systemd - true when stderr/stdout is connected to the journal */
int log_under_systemd(void);
/* log_prog - current program name */
const char *log_prog(void);
/* log_tag - current syslog tag ("postfix/master") */
const char *log_tag(void);

/*
 * log_set_hook - tests: every formatted line (level, text without prefix) is
 * also passed to hook.  NULL removes it.
 */
typedef void log_hook_fn(enum log_level level, const char *text, void *ctx);
void log_set_hook(log_hook_fn *hook, void *ctx);
/*
 * Dovecot style (the Dovecot half's programs).  After
 * log_set_style(LOG_STYLE_DOVECOT), lines carry Dovecot's shapes:
 *   file     "<log_timestamp><prefix><Level>: text", e.g.
 *            "Nov 22 11:46:58 auth: Info: passwd-file(bob,1.2.3.4): unknown user"
 *            (no host name, as Dovecot's log_path); info lines go to the
 *            info file when one is set (info_log_path)
 *   syslog   ident syslog_name ("dovecot"), text "<prefix><Level>: text"
 *            except that info lines have no "Info: " (as Dovecot)
 *   stderr   "<prog>: <Level>: text" ("doveconf: Fatal: ...")
 * prefix is "auth: ", "master: ", "imap(user)<pid><session>: " and may
 * change per request (log_set_prefix).  Levels are Info, Warning, Error,
 * Fatal, Panic.
 */
#define LOG_STYLE_POSTFIX	0
#define LOG_STYLE_DOVECOT	1
void log_set_style(int style);
/* log_set_prefix - Dovecot style: the text before "Level: " ("" for none) */
void log_set_prefix(const char *prefix);
const char *log_get_prefix(void);
/* log_set_timestamp - Dovecot style file timestamp format (log_timestamp, strftime) */
void log_set_timestamp(const char *fmt);
/* log_set_info_file - Dovecot style: separate file for info lines (info_log_path); NULL/"" = same file */
void log_set_info_file(const char *path);

/* log_set_fatal_hook - called before msg_fatal exits (e.g. to clean up a pid file) */
void log_set_fatal_hook(void (*fn)(void));

void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* msg_debug - a debug line (Dovecot style: "Debug: ", to info_log_path like info lines) */
void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_vlog(enum log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* msg_fatal_status - fatal with a specific exit status (e.g. EX_USAGE) */
void msg_fatal_status(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
