/*
 * fuzz_authdb - libFuzzer target: a passwd-file (auth/db_passwdfile.c)
 * read from the input by the passdb and the userdb, then looked up with a
 * few names (extra fields and their %-variables expanded), iterated, and
 * the first line used as a static template.  The worker protocol's
 * splitting/unescaping gets the input too.
 */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "db.h"
#include "worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cb(const struct db_reply *r, void *ctx)
{
	(void)r;
	(void)ctx;
}

static void emit(const char *user, void *ctx)
{
	(void)user;
	(void)ctx;
}

static void done(int ok, void *ctx)
{
	(void)ok;
	(void)ctx;
}

/* first_word - the input up to the first ':' or newline, as a user name */
static char *first_word(const char *text)
{
	return xstrndup(text, strcspn(text, ":\n"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char *text = xmemdup(data, size), *w[64], *line, *name;
	const char *names[] = { "alice", "user@example.com", "", NULL };
	const char *error;
	struct passdb p;
	struct userdb u;
	struct db_request req;
	int fd;
	size_t i;

	log_open("fuzz", NULL, 0);
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz_authdb.%ld", (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, data, size) != (ssize_t)size) { /* short write: fuzz what is there */ }
		close(fd);
	}
	name = first_word(text);
	names[3] = name;
	memset(&p, 0, sizeof(p));
	memset(&u, 0, sizeof(u));
	p.driver = passdb_driver_find("passwd-file");
	u.driver = userdb_driver_find("passwd-file");
	if (p.driver->init(&p, path, &error) == 0 && u.driver->init(&u, path, &error) == 0) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			memset(&req, 0, sizeof(req));
			req.user = names[i];
			req.orig_user = names[i];
			req.service = "imap";
			p.driver->verify_plain(&p, &req, "pw", cb, NULL);
			u.driver->lookup(&u, &req, cb, NULL);
		}
		u.driver->iterate(&u, emit, done, NULL);
		p.driver->deinit(&p);
		u.driver->deinit(&u);
	}
	/* the first line as a static userdb template */
	line = xstrndup(text, strcspn(text, "\n"));
	memset(&u, 0, sizeof(u));
	u.driver = userdb_driver_find("static");
	if (u.driver->init(&u, line, &error) == 0) {
		memset(&req, 0, sizeof(req));
		req.user = "bob@example.com";
		u.driver->lookup(&u, &req, cb, NULL);
		u.driver->deinit(&u);
	}
	(void)worker_split(line, w, 64);
	xfree(line);
	xfree(name);
	xfree(text);
	return 0;
}
