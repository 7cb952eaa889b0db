/*
 * command - delivery to "|command" (aliases, .forward, :include:) and to
 * mailbox_command, run in the child that became the command's user.
 *
 * The command runs as "/bin/sh -c COMMAND" (or local_command_shell plus
 * the command), in its own process group, with a clean environment as
 * local(8) sets it (HOME LOGNAME USER SHELL SENDER RECIPIENT LOCAL
 * EXTENSION DOMAIN ORIGINAL_RECIPIENT PATH, plus export_environment),
 * the message on standard input after a "From sender  date" line and the
 * Return-Path:/X-Original-To:/Delivered-To: lines, and standard output and
 * error collected (bounded) for the reason text.  Exit status 0 is
 * success, the sysexits(3) codes map as Postfix maps them (EX_TEMPFAIL,
 * EX_OSERR, EX_OSFILE: deferred), anything else bounces with the output.
 * command_time_limit kills the process group and defers.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "core/mem.h"
#include "local.h"

#define OUTPUT_MAX 1024		/* command output kept for the reason */

static const struct {
	int code;
	int status;
	const char *dsn;
	const char *text;
} sysexits[] = {
	{ 64, DS_BOUNCED, "5.3.0", "command line usage error" },
	{ 65, DS_BOUNCED, "5.6.0", "data format error" },
	{ 66, DS_BOUNCED, "5.3.0", "cannot open input" },
	{ 67, DS_BOUNCED, "5.1.1", "user unknown" },
	{ 68, DS_BOUNCED, "5.1.2", "host name unknown" },
	{ 69, DS_BOUNCED, "5.3.0", "service unavailable" },
	{ 70, DS_BOUNCED, "5.3.0", "internal software error" },
	{ 71, DS_DEFERRED, "4.3.0", "system resource problem" },
	{ 72, DS_DEFERRED, "4.3.0", "critical OS file missing" },
	{ 73, DS_BOUNCED, "5.2.0", "can't create user output file" },
	{ 74, DS_BOUNCED, "5.3.0", "input/output error" },
	{ 75, DS_DEFERRED, "4.3.0", "temporary failure" },
	{ 76, DS_BOUNCED, "5.5.0", "remote error in protocol" },
	{ 77, DS_BOUNCED, "5.7.0", "permission denied" },
	{ 78, DS_BOUNCED, "5.3.5", "local configuration error" },
};

/* env_add - "NAME=value" */
static void env_add(struct argv *env, const char *name, const char *value)
{
	argv_add_printf(env, "%s=%s", name, value != NULL ? value : "");
}

/* build_env - the command's environment */
static void build_env(const struct cmd_job *j, struct argv *env)
{
	struct argv *keep = pfconf_get_list(agent.cfg, "export_environment");
	size_t i;

	for (i = 0; i < keep->n; i++) {
		const char *eq = strchr(keep->v[i], '=');
		const char *v;

		if (eq != NULL)	/* NAME=value items set a value */
			argv_add(env, keep->v[i]);
		else if ((v = getenv(keep->v[i])) != NULL)
			env_add(env, keep->v[i], v);
	}
	argv_destroy(&keep);
	env_add(env, "HOME", j->home);
	env_add(env, "LOGNAME", j->user);
	env_add(env, "USER", j->user);
	env_add(env, "SHELL", j->shell);
	env_add(env, "SENDER", j->sender);
	env_add(env, "RECIPIENT", j->recipient);
	env_add(env, "LOCAL", j->local);
	env_add(env, "EXTENSION", j->extension);
	env_add(env, "DOMAIN", j->domain);
	env_add(env, "ORIGINAL_RECIPIENT", j->orig);
	env_add(env, "PATH", "/usr/bin:/bin");
	for (i = 0; i < agent.msg->client_env.n; i++)
		argv_add(env, agent.msg->client_env.v[i]);
	if (*agent.msg->req->dsn_envid)
		env_add(env, "ENVID", agent.msg->req->dsn_envid);
}

/* exec_command - in the grandchild: stdin/stdout/stderr, cwd, exec */
static void exec_command(const struct cmd_job *j, int in, int out)
{
	struct argv env, args;
	const char *shell = pfconf_get(agent.cfg, "local_command_shell");

	argv_init(&env);
	argv_init(&args);
	build_env(j, &env);
	if (*shell != '\0') {
		argv_split_append(&args, shell, " \t");
	} else {
		argv_add(&args, "/bin/sh");
		argv_add(&args, "-c");
	}
	argv_add(&args, j->command);
	setsid();
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(71);
	if (*j->cwd == '\0' || chdir(j->cwd) < 0)
		if (j->home == NULL || chdir(j->home) < 0)
			if (chdir("/") < 0)
				_exit(71);
	signal(SIGPIPE, SIG_DFL);
	execve(args.v[0], args.v, env.v);
	fprintf(stderr, "execute %s: %s\n", args.v[0], strerror(errno));
	_exit(126);
}

/* pump - feed the message, collect output, enforce the time limit; -1 timeout */
static int pump(int in, int out, struct buf *msg, struct buf *output, long long limit)
{
	time_t deadline = time(NULL) + (time_t)(limit > 0 ? limit : 1000);
	size_t sent = 0;
	char chunk[4096];

	fcntl(in, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = { { out, POLLIN, 0 }, { in, POLLOUT, 0 } };
		int n = in >= 0 ? 2 : 1;
		time_t now = time(NULL);
		ssize_t r;

		if (now >= deadline)
			return -1;
		if (poll(p, (nfds_t)n, (int)(deadline - now) * 1000) < 0 && errno != EINTR)
			return -1;
		if (n == 2 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			r = write(in, msg->data + sent, msg->len - sent);
			if (r > 0)
				sent += (size_t)r;
			if ((r < 0 && errno != EAGAIN && errno != EINTR) || sent >= msg->len) {
				close(in);	/* done, or the command stopped reading */
				in = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			r = read(out, chunk, sizeof(chunk));
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				break;
			if (r > 0 && output->len < OUTPUT_MAX)
				buf_append(output, chunk, (size_t)r < OUTPUT_MAX - output->len ?
					   (size_t)r : OUTPUT_MAX - output->len);
		}
	}
	if (in >= 0)
		close(in);
	return 0;
}

/* clean_output - one printable line for the log and the bounce */
static void clean_output(struct buf *o)
{
	size_t i;

	buf_trim_right(o);
	for (i = 0; i < o->len; i++)
		if (o->data[i] == '\n' || o->data[i] == '\t')
			o->data[i] = ' ';
		else if (!isprint((unsigned char)o->data[i]))
			o->data[i] = '?';
}

/* map_exit - the status of the command as a result */
static void map_exit(const struct cmd_job *j, int status, struct buf *output, struct dres *res)
{
	const char *sep = output->len ? ". Command output: " : "";
	size_t i;

	clean_output(output);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		dres_set(res, DS_SENT, "2.0.0", "delivered to command: %s", j->command);
		return;
	}
	if (WIFSIGNALED(status)) {
		dres_set(res, DS_DEFERRED, "4.3.0", "Command died with signal %d: \"%s\"%s%s",
			 WTERMSIG(status), j->command, sep, output->data);
		return;
	}
	for (i = 0; i < sizeof(sysexits) / sizeof(sysexits[0]); i++)
		if (sysexits[i].code == WEXITSTATUS(status)) {
			dres_set(res, sysexits[i].status, sysexits[i].dsn, "%s%s%s", sysexits[i].text,
				 sep, output->data);
			return;
		}
	dres_set(res, DS_BOUNCED, "5.3.0", "Command died with status %d: \"%s\"%s%s",
		 WEXITSTATUS(status), j->command, sep, output->data);
}

void command_deliver(void *ctx, struct dres *res, struct buf *unused)
{
	struct cmd_job *j = ctx;
	struct copy_hdrs h = { j->sender, j->orig, j->recipient };
	struct buf output;
	struct out o;
	const char *error;
	int in[2], out[2], status = 0, timed_out;
	unsigned flags = COPY_FROM | COPY_RETURN | COPY_ORIG;
	pid_t pid;

	(void)unused;
	if (list_has(PFCONF_NAME("prepend_delivered_header"), "command"))
		flags |= COPY_DELIV;
	out_init(&o, -1, j->limit);
	if (msg_copy(j->qf, &o, flags, &h, &error) < 0) {
		dres_set(res, o.error == EFBIG ? DS_BOUNCED : DS_DEFERRED, o.error == EFBIG ? "5.2.2" : "4.3.0",
			 "cannot read message: %s", o.error ? strerror(o.error) : error);
		out_deinit(&o);
		return;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		dres_set(res, DS_DEFERRED, "4.3.0", "cannot create pipe: %s", strerror(errno));
		out_deinit(&o);
		return;
	}
	if ((pid = fork()) < 0) {
		dres_set(res, DS_DEFERRED, "4.3.0", "cannot fork: %s", strerror(errno));
		out_deinit(&o);
		return;
	}
	if (pid == 0)
		exec_command(j, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	buf_init(&output, 0);
	timed_out = pump(in[1], out[0], &o.b, &output, j->time_limit) < 0;
	close(out[0]);
	if (timed_out)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		dres_set(res, DS_DEFERRED, "4.3.0", "Command time limit exceeded: \"%s\"", j->command);
	else
		map_exit(j, status, &output, res);
	buf_deinit(&output);
	out_deinit(&o);
}
