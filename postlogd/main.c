/*
 * postlogd - the postlog service: writes maillog_file for other processes.
 *
 * ROLE: the "postlog unix-dgram" service of master.cf.  Receives one log
 *	line per datagram on $queue_directory/public/postlog and appends it to
 *	maillog_file, so that chrooted and unprivileged daemons log to the file
 *	even after it was rotated (they cannot reopen it themselves).
 * PRIVILEGES: runs as mail_owner (unpriv = y) but opens maillog_file
 *	before dropping privileges; it reopens the file after rotation while
 *	it can, and otherwise keeps the descriptor it has.
 * INPUTS: datagrams of at most DAEMON_DGRAM_MAX bytes from any local
 *	process (the socket is in public/).  Each must be one line of the form
 *	"<tag>[<pid>]: <text>"; anything else is dropped with a warning, and
 *	control characters are replaced so a sender cannot forge lines.
 * PARAMETERS: maillog_file.
 * LOG: the lines it receives, with its own timestamp and host name.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/pfconf.h"
#include "core/log.h"
#include "daemon/daemon.h"

/* valid_record - "tag[pid]: text" with a printable tag */
static int valid_record(const char *buf, size_t len)
{
	const char *open = memchr(buf, '[', len), *p;

	if (open == NULL || open == buf)
		return 0;
	for (p = buf; p < open; p++)
		if (!isgraph((unsigned char)*p))
			return 0;
	for (p = open + 1; p < buf + len && isdigit((unsigned char)*p); p++)
		;
	return p > open + 1 && p + 2 <= buf + len && p[0] == ']' && p[1] == ':';
}

static void on_record(const char *buf, size_t len, struct daemon *d)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	if (!valid_record(buf, len)) {
		msg_warn("dropping malformed log record (%zu bytes)", len);
		return;
	}
	log_write_record(buf, len);
}

static void pre_jail(struct daemon *d)
{
	const char *file = pfconf_get(d->cfg, "maillog_file");

	if (*file == '\0')
		msg_warn("maillog_file is not set: postlog records have nowhere to go");
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { .pre_jail = pre_jail, .dgram = on_record };

	return daemon_main(argc, argv, "postlogd", DAEMON_DGRAM, &ops);
}
