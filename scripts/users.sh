#!/bin/sh
# users.sh - as the Debian postfix and dovecot-core packages do: create the
# "postfix" user (mail_owner), the "postdrop" group (setgid_group), and
# Dovecot's "dovecot" (default_internal_user) and "dovenull"
# (default_login_user) users when running as root and they are missing.  Without root, nothing is done (tests then run the
# instance as the invoking user).
set -eu
[ "$(id -u)" -eq 0 ] || exit 0
getent group postdrop >/dev/null || groupadd --system postdrop
getent group postfix >/dev/null || groupadd --system postfix
getent passwd postfix >/dev/null || useradd --system --gid postfix \
	--home-dir /var/spool/postfix --no-create-home --shell /usr/sbin/nologin postfix
getent group dovecot >/dev/null || groupadd --system dovecot
getent passwd dovecot >/dev/null || useradd --system --gid dovecot \
	--home-dir /usr/lib/dovecot --no-create-home --shell /usr/sbin/nologin dovecot
getent group dovenull >/dev/null || groupadd --system dovenull
getent passwd dovenull >/dev/null || useradd --system --gid dovenull \
	--home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin dovenull
exit 0
