/*
 * test_db_common.h - helpers for the auth driver unit tests: run a driver
 * call synchronously and keep a copy of the reply, capture log lines.
 */
#ifndef PC_TEST_DB_COMMON_H
#define PC_TEST_DB_COMMON_H

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "db.h"

struct got {
	int called;
	enum db_result result;
	char *user, *password, *scheme, *error, *reason;
	struct db_fields fields;
};

static struct got got;
static struct buf logged;

static inline char *t_dup(const char *s) { return s != NULL ? xstrdup(s) : NULL; }

static inline void got_reset(void)
{
	xfree(got.user); xfree(got.password); xfree(got.scheme); xfree(got.error); xfree(got.reason);
	if (got.called)
		db_fields_deinit(&got.fields);
	memset(&got, 0, sizeof(got));
}

static inline void got_cb(const struct db_reply *r, void *ctx)
{
	size_t i;

	(void)ctx;
	got_reset();
	got.called = 1;
	got.result = r->result;
	got.user = t_dup(r->user);
	got.password = t_dup(r->password);
	got.scheme = t_dup(r->scheme);
	got.error = t_dup(r->error);
	got.reason = t_dup(r->log_reason);
	db_fields_init(&got.fields);
	for (i = 0; i < r->fields.n; i++)
		db_fields_set(&got.fields, r->fields.keys[i], r->fields.values[i]);
}

static inline void log_hook(enum log_level level, const char *text, void *ctx)
{
	(void)level;
	(void)ctx;
	if (logged.data == NULL)
		buf_init(&logged, 0);
	buf_append_str(&logged, text);
	buf_append_c(&logged, '\n');
}

static inline int logged_has(const char *s)
{
	return logged.data != NULL && strstr(buf_cstr(&logged), s) != NULL;
}

static inline void req_init(struct db_request *req, const char *user)
{
	memset(req, 0, sizeof(*req));
	req->user = user;
	req->orig_user = user;
	req->service = "imap";
	req->rip = "192.0.2.1";
	req->lip = "192.0.2.2";
}

static inline void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

#endif
