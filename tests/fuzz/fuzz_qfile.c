/*
 * fuzz_qfile - libFuzzer target: the queue file record reader must reject
 * any damaged file cleanly (truncated, huge lengths, unknown types).
 */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "queue/qfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct qfile *qf;
	struct buf rec;
	const char *error;
	int fd, type, n = 0;

	log_open("fuzz", NULL, 0);
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz_qfile.%ld", (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (qfile_open(path, &qf, &error) < 0)
		return 0;
	buf_init(&rec, 0);
	while (qfile_get(qf, &type, &rec, NULL, &error) == 1 && n++ < 100000)
		;
	buf_deinit(&rec);
	qfile_close(&qf);
	return 0;
}
