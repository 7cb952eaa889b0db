/* test_qdir - lib/queue/qdir: hash depth, listing, finding, moving, defer logs */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/argv.h"
#include "core/mem.h"
#include "queue/qdir.h"
#include "queue/qfile.h"
#include "test.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/test_qdir.XXXXXX";

	return xstrdup(mkdtemp(tmpl));
}

/* touch - an empty file at root/rel (directories made as needed) */
static void touch(const char *root, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	const char *error;
	FILE *fp;

	T_ASSERT(qdir_make_parent(path, &error) == 0);
	fp = fopen(path, "w");
	T_ASSERT(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	xfree(path);
}

static void test_depth(void)
{
	struct pfconf *cfg = pfconf_create_empty("/nonexistent");

	T_INTEQ(qdir_depth(cfg, "deferred"), 1);
	T_INTEQ(qdir_depth(cfg, "defer"), 1);
	T_INTEQ(qdir_depth(cfg, "hold"), 0);
	pfconf_set(cfg, "hash_queue_names", "deferred, hold, incoming");
	pfconf_set(cfg, "hash_queue_depth", "2");
	T_INTEQ(qdir_depth(cfg, "hold"), 2);
	T_INTEQ(qdir_depth(cfg, "incoming"), 0);	/* always flat */
	T_INTEQ(qdir_is_queue("hold"), 1);
	T_INTEQ(qdir_is_queue("defer"), 0);
	pfconf_free(&cfg);
}

static void test_list_find_move(void)
{
	struct pfconf *cfg = pfconf_create_empty("/nonexistent");
	char *root = tmpdir(), *path;
	const char *queue, *error;
	struct argv ids;

	touch(root, "deferred/A/A1B2C3D4E5", "");
	touch(root, "deferred/B/B0000001", "");
	touch(root, "deferred/B/.tmp.1.2", "");		/* not an ID */
	touch(root, "hold/C0FFEE1234", "");
	argv_init(&ids);
	T_INTEQ(qdir_list(root, "deferred", 1, &ids, &error), 0);
	T_INTEQ(ids.n, 2);
	T_INTEQ(qdir_list(root, "active", 0, &ids, &error), 0);	/* missing: empty */
	T_INTEQ(ids.n, 2);
	argv_deinit(&ids);
	T_INTEQ(qdir_find(cfg, root, "C0FFEE1234", &queue, &path), 1);
	T_STREQ(queue, "hold");
	xfree(path);
	T_INTEQ(qdir_find(cfg, root, "NOSUCH", &queue, &path), 0);
	T_INTEQ(qdir_find(cfg, root, "../hold/C0FFEE1234", &queue, &path), 0);
	/* hold -> deferred makes deferred/C */
	T_INTEQ(qdir_move(cfg, root, "C0FFEE1234", "hold", "deferred", &error), 0);
	T_INTEQ(qdir_find(cfg, root, "C0FFEE1234", &queue, &path), 1);
	T_STREQ(queue, "deferred");
	xfree(path);
	T_INTEQ(qdir_move(cfg, root, "C0FFEE1234", "hold", "deferred", &error), -1);
	pfconf_free(&cfg);
	xfree(root);
}

static void test_defer_log(void)
{
	struct pfconf *cfg = pfconf_create_empty("/nonexistent");
	char *root = tmpdir();
	struct qdir_reason *r;
	const char *error;
	size_t n;

	T_INTEQ(qdir_defer_read(cfg, root, "A1B2C3", &r, &n, &error), 0);	/* none */
	T_INTEQ(n, 0);
	touch(root, "defer/A/A1B2C3", "warned=1796590517\n"
	      "120\t4.4.1\tbob@example.org\tconnect to x: refused\n"
	      "bad line\n"
	      "150\t4.3.0\ttab\\there@example.org\ttwo\\nlines \\\\ x\n");
	T_INTEQ(qdir_defer_read(cfg, root, "A1B2C3", &r, &n, &error), 0);
	T_INTEQ(n, 2);
	T_STREQ(qdir_defer_lookup(r, n, 120, NULL), "connect to x: refused");
	T_STREQ(qdir_defer_lookup(r, n, 999, "tab\there@example.org"), "two\nlines \\ x");
	T_ASSERT(qdir_defer_lookup(r, n, 999, "other@example.org") == NULL);
	qdir_defer_free(&r, n);
	T_ASSERT(r == NULL);
	pfconf_free(&cfg);
	xfree(root);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_depth),
		TEST(test_list_find_move),
		TEST(test_defer_log),
	};

	return test_run(cases, TEST_COUNT(cases));
}
