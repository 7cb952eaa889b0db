/* test_qfile - lib/queue/qfile: records, commit, done marks, corruption, IDs */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/mem.h"
#include "queue/qfile.h"
#include "test.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/test_qfile.XXXXXX";

	return xstrdup(mkdtemp(tmpl));
}

/* count_entries - files in dir */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || strncmp(e->d_name, ".tmp", 4) == 0)
			n++;
	closedir(d);
	return n;
}

/* write_sample - a committed queue file with two recipients and a long line */
static const char *write_sample(const char *dir, char *big, size_t big_len)
{
	struct qfile *qf;
	const char *error, *id;

	if (qfile_create(dir, &qf, &error) < 0)
		T_FAIL("create: %s", error);
	qfile_putf(qf, QREC_TIME, &error, "%ld.%06ld", 1795370000L, 123456L);
	qfile_put(qf, QREC_FROM, "sender@example.com", 18, &error);
	qfile_put(qf, QREC_RCPT, "a@example.org", 13, &error);
	qfile_put(qf, QREC_RCPT, "b@example.org", 13, &error);
	qfile_put(qf, QREC_MESG, "", 0, &error);
	qfile_put(qf, QREC_NORM, "Subject: test", 13, &error);
	qfile_put(qf, QREC_NORM, "", 0, &error);
	T_INTEQ(qfile_put(qf, QREC_NORM, big, big_len, &error), 0);
	qfile_put(qf, QREC_XTRA, "", 0, &error);
	T_INTEQ(qfile_commit(qf, &id, &error), 0);
	T_ASSERT(qfile_valid_id(id));
	{
		static char saved[32];

		snprintf(saved, sizeof(saved), "%s", id);
		qfile_close(&qf);
		return saved;
	}
}

static void test_roundtrip_and_done_marks(void)
{
	char *dir = tmpdir(), *path, big[200000];
	const char *id, *error;
	struct qfile *qf;
	struct buf data;
	int type, r, nrcpt = 0, n = 0;
	off_t off, rcpt_off[2];

	memset(big, 'x', sizeof(big));
	id = write_sample(dir, big, sizeof(big));
	T_INTEQ(count_entries(dir), 1);	/* no temporary file left */
	path = xasprintf("%s/%s", dir, id);
	T_INTEQ(qfile_open(path, &qf, &error), 0);
	buf_init(&data, 0);
	while ((r = qfile_get(qf, &type, &data, &off, &error)) == 1) {
		n++;
		if (type == QREC_RCPT)
			rcpt_off[nrcpt++] = off;
		if (type == QREC_NORM && buf_len(&data) == sizeof(big))
			T_ASSERT(memcmp(data.data, big, sizeof(big)) == 0);
	}
	T_INTEQ(r, 0);
	T_INTEQ(n, 10);		/* 9 records + END */
	T_INTEQ(nrcpt, 2);
	T_INTEQ(qfile_mark_done(qfile_fd(qf), rcpt_off[0], &error), 0);
	T_INTEQ(qfile_mark_done(qfile_fd(qf), 0, &error), -1);	/* not a recipient */
	qfile_close(&qf);
	T_INTEQ(qfile_open(path, &qf, &error), 0);
	nrcpt = 0;
	while ((r = qfile_get(qf, &type, &data, &off, &error)) == 1)
		if (type == QREC_RCPT)
			nrcpt++;
		else if (type == QREC_DONE)
			T_STREQ(buf_cstr(&data), "a@example.org");
	T_INTEQ(nrcpt, 1);
	qfile_close(&qf);
	buf_deinit(&data);
}

static void test_truncation_is_corruption(void)
{
	char *dir = tmpdir(), *path, big[100];
	const char *id, *error = NULL;
	struct qfile *qf;
	struct buf data;
	struct stat st;
	int type, r;

	memset(big, 'y', sizeof(big));
	id = write_sample(dir, big, sizeof(big));
	path = xasprintf("%s/%s", dir, id);
	T_INTEQ(stat(path, &st), 0);
	buf_init(&data, 0);
	/* every shorter prefix of a complete file must be reported, never accepted */
	for (off_t len = st.st_size - 1; len >= 0; len -= 7) {
		T_INTEQ(truncate(path, len), 0);
		T_INTEQ(qfile_open(path, &qf, &error), 0);
		while ((r = qfile_get(qf, &type, &data, NULL, &error)) == 1)
			;
		T_ASSERT_MSG(r == -1 && strstr(error, "corrupt queue file") != NULL, "length %lld: %d",
			     (long long)len, r);
		qfile_close(&qf);
	}
	buf_deinit(&data);
}

static void test_garbage_is_corruption(void)
{
	char *dir = tmpdir(), *path = xasprintf("%s/ABCDEF123", dir);
	const char *error = NULL;
	struct qfile *qf;
	struct buf data;
	int type, fd = open(path, O_WRONLY | O_CREAT, 0600);

	/* a huge length, then an unknown type */
	if (write(fd, "S\xff\xff\xff\xff\x7f", 6) != 6)
		abort();
	close(fd);
	buf_init(&data, 0);
	T_INTEQ(qfile_open(path, &qf, &error), 0);
	T_INTEQ(qfile_get(qf, &type, &data, NULL, &error), -1);
	T_ASSERT(strstr(error, "too large") != NULL);
	qfile_close(&qf);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (write(fd, "?\x00", 2) != 2)
		abort();
	close(fd);
	T_INTEQ(qfile_open(path, &qf, &error), 0);
	T_INTEQ(qfile_get(qf, &type, &data, NULL, &error), -1);
	T_ASSERT(strstr(error, "unknown record type") != NULL);
	qfile_close(&qf);
	buf_deinit(&data);
}

static void test_abandon_leaves_nothing(void)
{
	char *dir = tmpdir();
	struct qfile *qf;
	const char *error;

	T_INTEQ(qfile_create(dir, &qf, &error), 0);
	qfile_put(qf, QREC_FROM, "x", 1, &error);
	T_INTEQ(count_entries(dir), 1);
	qfile_abandon(&qf);
	T_ASSERT(qf == NULL);
	T_INTEQ(count_entries(dir), 0);
}

static void test_ids_and_paths(void)
{
	char id[32], *p;

	qfile_make_id(id, sizeof(id), 0x12345, 0xABCDEFULL);
	T_STREQ(id, "12345ABCDEF");
	qfile_make_id(id, sizeof(id), 7, 0x1ULL);
	T_STREQ(id, "000071");
	T_ASSERT(qfile_valid_id("4F2A31C2B5"));
	T_ASSERT(!qfile_valid_id("4f2a31c2b5"));
	T_ASSERT(!qfile_valid_id("../etc/passwd"));
	T_ASSERT(!qfile_valid_id("ABC"));
	p = qfile_path("/var/spool/postfix", "deferred", "4F2A31C2B5", 1);
	T_STREQ(p, "/var/spool/postfix/deferred/4/4F2A31C2B5");
	xfree(p);
	p = qfile_path("/q", "incoming", "4F2A31C2B5", 0);
	T_STREQ(p, "/q/incoming/4F2A31C2B5");
	xfree(p);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(test_roundtrip_and_done_marks),
		TEST(test_truncation_is_corruption),
		TEST(test_garbage_is_corruption),
		TEST(test_abandon_leaves_nothing),
		TEST(test_ids_and_paths),
	};
	return test_run(cases, TEST_COUNT(cases));
}
