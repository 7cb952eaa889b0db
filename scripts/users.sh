#!/bin/sh
# users.sh - as the Debian postfix package does: create the "postfix" user
# (mail_owner) and the "postdrop" group (setgid_group) when running as root
# and they are missing.  Without root, nothing is done (tests then run the
# instance as the invoking user).
set -eu
[ "$(id -u)" -eq 0 ] || exit 0
getent group postdrop >/dev/null || groupadd --system postdrop
getent group postfix >/dev/null || groupadd --system postfix
getent passwd postfix >/dev/null || useradd --system --gid postfix \
	--home-dir /var/spool/postfix --no-create-home --shell /usr/sbin/nologin postfix
exit 0
