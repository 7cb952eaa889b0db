/* test_log - lib/core/log: file, stderr, sanitising, hooks, fatal */
#include "config.h"

#include <fcntl.h>
#include <regex.h>
#include <stdio.h>

#include "core/log.h"
#include "core/mem.h"
#include "test.h"

/* slurp - whole file */
static char *slurp(const char *path)
{
	static char text[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;

	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

static char *tmpfile_path(void)
{
	char tmpl[] = "/tmp/test_log.XXXXXX";
	char *dir = mkdtemp(tmpl);

	return xasprintf("%s/maillog", dir);
}

static void test_file_format(void)
{
	char *path = tmpfile_path();
	regex_t re;
	char pat[256];

	log_set_file(path);
	log_open("smtpd", "postfix/submission", LOG_TARGET_FILE);
	msg_info("connect from %s", "x[1.2.3.4]");
	msg_warn("something odd");
	snprintf(pat, sizeof(pat),
		 "^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [^ ]+ postfix/submission/smtpd\\[%ld\\]: "
		 "connect from x\\[1\\.2\\.3\\.4\\]\n"
		 "[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [^ ]+ postfix/submission/smtpd\\[%ld\\]: warning: something odd\n$",
		 (long)getpid(), (long)getpid());
	T_INTEQ(regcomp(&re, pat, REG_EXTENDED), 0);
	T_ASSERT_MSG(regexec(&re, slurp(path), 0, NULL, 0) == 0, "got: %s", slurp(path));
	regfree(&re);
	T_STREQ(log_tag(), "postfix/submission/smtpd");
}

static void test_sanitise_and_cap(void)
{
	char *path = tmpfile_path();
	char big[LOG_LINE_MAX * 2];
	const char *text;

	log_set_file(path);
	log_open("smtpd", "postfix", LOG_TARGET_FILE);
	msg_info("peer said: %s", "evil\nNov 22 fake line\r\x1b[0m");
	text = slurp(path);
	T_ASSERT_MSG(strstr(text, "peer said: evil?Nov 22 fake line??[0m\n") != NULL, "got: %s", text);
	T_INTEQ(strchr(text, '\n') - text + 1, (long)strlen(text));	/* one line */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	msg_info("%s", big);
	text = slurp(path);
	T_ASSERT(strlen(text) < 2 * LOG_LINE_MAX);
	T_INTEQ(text[strlen(text) - 1], '\n');
}

static void test_file_reopened_after_rotation(void)
{
	char *path = tmpfile_path();
	char *rotated = xasprintf("%s.1", path);

	log_set_file(path);
	log_open("qmgr", "postfix", LOG_TARGET_FILE);
	msg_info("before");
	T_INTEQ(rename(path, rotated), 0);
	sleep(1);	/* the check runs at most once per second */
	msg_info("after");
	T_ASSERT(strstr(slurp(rotated), "before") != NULL);
	T_ASSERT(strstr(slurp(path), "after") != NULL);
	T_ASSERT(strstr(slurp(path), "before") == NULL);
}

static int hook_level = -1;
static char hook_text[256];

static void hook(enum log_level level, const char *text, void *ctx)
{
	hook_level = (int)level;
	snprintf(hook_text, sizeof(hook_text), "%s", text);
}

static void test_hook_and_stderr(void)
{
	int p[2];
	char out[256];
	ssize_t n;

	if (pipe(p) < 0)
		abort();
	dup2(p[1], 2);
	log_open("postconf", NULL, LOG_TARGET_STDERR);
	log_set_hook(hook, NULL);
	msg_warn("%s: unknown parameter", "foo");
	n = read(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	T_STREQ(out, "postconf: warning: foo: unknown parameter\n");
	T_INTEQ(hook_level, LOG_LEVEL_WARN);
	T_STREQ(hook_text, "foo: unknown parameter");
	log_set_hook(NULL, NULL);
}

static int fatal_hook_ran;

static void on_fatal(void)
{
	fatal_hook_ran = 1;
	_exit(7);
}

static void test_fatal_exits(void)
{
	log_open("t", NULL, LOG_TARGET_STDERR);
	T_EXPECT_EXIT(1, msg_fatal("bad config"));
	T_EXPECT_EXIT(64, msg_fatal_status(64, "usage"));
	T_EXPECT_EXIT(7, (log_set_fatal_hook(on_fatal), msg_fatal("x")));
}

static void test_facility(void)
{
	T_INTEQ(log_set_facility("mail"), 0);
	T_INTEQ(log_set_facility("LOCAL3"), 0);
	T_INTEQ(log_set_facility("nonsense"), -1);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_file_format),
		TEST(test_sanitise_and_cap),
		TEST(test_file_reopened_after_rotation),
		TEST(test_hook_and_stderr),
		TEST(test_fatal_exits),
		TEST(test_facility),
	};
	return test_run(cases, TEST_COUNT(cases));
}
