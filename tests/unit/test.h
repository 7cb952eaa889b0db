/*
 * test.h - the tiny unit-test harness every tests/unit program uses.
 *
 * A test program is a list of cases:
 *
 *     static void test_append(void) { ... T_ASSERT(x == 1); T_STREQ(a, b); ... }
 *     int main(void) {
 *         static const struct test_case cases[] = {
 *             TEST(test_append), ...
 *         };
 *         return test_run(cases, TEST_COUNT(cases));
 *     }
 *
 * Output is TAP-like, one line per case: "ok N - name" or "not ok N - name",
 * preceded by "# file:line: message" for every failed check.  tests/run.py
 * counts these lines.  For table-driven cases, T_ASSERT_MSG() names the
 * failing row.  Each case runs in a forked child so a crash (or msg_fatal's
 * exit) fails only that case; T_EXPECT_EXIT() runs a block that must exit
 * with a given status (for fatal paths).
 */
#ifndef PC_TEST_H
#define PC_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(fn) { #fn, fn }
#define TEST_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int test_failures_in_case;

#define T_FAIL(...) do { \
		fprintf(stdout, "# %s:%d: ", __FILE__, __LINE__); \
		fprintf(stdout, __VA_ARGS__); \
		fputc('\n', stdout); \
		fflush(stdout); \
		test_failures_in_case++; \
	} while (0)
#define T_ASSERT(expr) do { if (!(expr)) T_FAIL("assertion failed: %s", #expr); } while (0)
#define T_ASSERT_MSG(expr, ...) do { if (!(expr)) T_FAIL(__VA_ARGS__); } while (0)
#define T_STREQ(a, b) do { \
		const char *t_a_ = (a), *t_b_ = (b); \
		if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) \
			T_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, \
			       t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
	} while (0)
#define T_INTEQ(a, b) do { \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
		if (t_a_ != t_b_) T_FAIL("%s == %s: %lld != %lld", #a, #b, t_a_, t_b_); \
	} while (0)

/* T_EXPECT_EXIT - run block in a child; it must exit with status st */
#define T_EXPECT_EXIT(st, block) do { \
		pid_t t_pid_; int t_status_; \
		fflush(NULL); \
		t_pid_ = fork(); \
		if (t_pid_ == 0) { \
			int t_null_ = open("/dev/null", O_WRONLY); \
			if (t_null_ >= 0) dup2(t_null_, 2); \
			block; \
			_exit(254); \
		} \
		waitpid(t_pid_, &t_status_, 0); \
		if (!WIFEXITED(t_status_) || WEXITSTATUS(t_status_) != (st)) \
			T_FAIL("expected exit %d from %s", (st), #block); \
	} while (0)

static inline int test_run(const struct test_case *cases, size_t n)
{
	size_t i;
	int failed = 0;

	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		pid_t pid;
		int status;

		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			exit(2);
		}
		if (pid == 0) {
			test_failures_in_case = 0;
			cases[i].fn();
			fflush(NULL);
			_exit(test_failures_in_case ? 1 : 0);
		}
		if (waitpid(pid, &status, 0) < 0) {
			perror("waitpid");
			exit(2);
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			printf("ok %zu - %s\n", i + 1, cases[i].name);
		} else {
			if (WIFSIGNALED(status))
				printf("# killed by signal %d\n", WTERMSIG(status));
			else if (WEXITSTATUS(status) != 1)
				printf("# exited with status %d\n", WEXITSTATUS(status));
			printf("not ok %zu - %s\n", i + 1, cases[i].name);
			failed++;
		}
	}
	fflush(stdout);
	return failed ? 1 : 0;
}

#endif
