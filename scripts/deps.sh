#!/bin/sh
# deps.sh - install the Debian packages postcote needs to build and test.
# Installs only what is missing; needs root (or sudo) when something is.
set -eu

PKGS="build-essential autoconf automake libtool pkg-config \
libssl-dev libpam0g-dev libcrypt-dev liblmdb-dev libsystemd-dev libpcre2-dev \
python3 openssl swaks curl procps iproute2 netbase clang libclang-rt-14-dev \
bsd-mailx mutt libpam-wrapper postfix dovecot-core libsodium-dev"
# postfix and dovecot-core are the real peers the tests and benchmarks compare
# against (run in their own temp instances); bsd-mailx and mutt are real clients.

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
