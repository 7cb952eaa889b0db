#!/bin/sh
# probe_dconf_types.sh - record the value type of every Dovecot 2.3 setting by
# feeding the real doveconf an invalid value and classifying its error.
# Usage: scripts/probe_dconf_types.sh SECTIONS-S.txt > tests/data/doveconf/types.txt
# Output lines: "<context> <key> <type>" with context global|service|unix_listener|
# fifo_listener|inet_listener|passdb|userdb|namespace|mailbox and type one of
# str bool size time uint enum.  Needs /usr/bin/doveconf (Dovecot 2.3).
set -u
S=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
classify() {
	out=$(doveconf -n -c "$tmp/p.conf" 2>&1 >/dev/null </dev/null)
	case $out in
	*"Invalid boolean"*) echo bool ;;
	*"Invalid size"*) echo size ;;
	*"Invalid time interval"*) echo time ;;
	*"Invalid number"*) echo uint ;;
	*"Invalid value"*) echo enum ;;
	*"Invalid port number"*) echo port ;;
	"") echo str ;;
	*) echo str ;;
	esac
}
wrap() {
	# $1 context, $2 key
	case $1 in
	global) printf '%s = zzz\n' "$2" ;;
	service) printf 'service x {\n executable = x\n %s = zzz\n}\n' "$2" ;;
	unix_listener|fifo_listener|inet_listener)
		printf 'service x {\n executable = x\n %s l {\n  %s = zzz\n }\n}\n' "$1" "$2" ;;
	passdb) printf 'passdb {\n driver = pam\n %s = zzz\n}\n' "$2" ;;
	userdb) printf 'userdb {\n driver = passwd\n %s = zzz\n}\n' "$2" ;;
	namespace) printf 'namespace x {\n %s = zzz\n}\n' "$2" ;;
	mailbox) printf 'namespace x {\n mailbox y {\n  %s = zzz\n }\n}\n' "$2" ;;
	esac
}
probe() {
	wrap "$1" "$2" > "$tmp/p.conf"
	echo "$1 $2 $(classify)"
}
grep -v '/' "$S" | sed 's/=.*//' | while read -r k; do
	grep -q "^$k/" "$S" && continue
	probe global "$k"
done
for t in service/x passdb/0 userdb/0 namespace/x namespace/x/mailbox/y \
	service/x/unix_listener/a service/x/fifo_listener/c service/x/inet_listener/b; do
	ctx=${t##*/}
	case $t in
	service/x) ctx=service ;; passdb/0) ctx=passdb ;; userdb/0) ctx=userdb ;;
	namespace/x) ctx=namespace ;; */mailbox/y) ctx=mailbox ;;
	*/unix_listener/a) ctx=unix_listener ;; */fifo_listener/c) ctx=fifo_listener ;;
	*/inet_listener/b) ctx=inet_listener ;;
	esac
	grep "^$t/[^/]*=" "$S" | sed "s|^$t/||; s/=.*//" | while read -r k; do
		grep -q "^$t/$k/" "$S" && continue
		probe "$ctx" "$k"
	done
done
