#!/bin/sh
# probe_dconf_auth.sh - list the global settings the real doveconf refuses
# inside local/remote blocks ("Auth settings not supported inside
# local/remote blocks: KEY"): the auth process's settings.
# Usage: scripts/probe_dconf_auth.sh SECTIONS-S.txt > tests/data/doveconf/auth-settings.txt
set -u
S=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '/' "$S" | while IFS= read -r line; do
	k=${line%%=*}
	v=${line#*=}
	grep -q "^$k/" "$S" && continue
	printf 'remote 1.2.3.4 {\n  %s = "%s"\n}\n' "$k" "$v" > "$tmp/p.conf"
	if doveconf -n -c "$tmp/p.conf" </dev/null 2>&1 | grep -q 'Auth settings not supported'; then
		echo "$k"
	fi
done
