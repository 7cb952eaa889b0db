#!/bin/sh
# probe_varexp.sh USER 'field=%template ...' - expand %-templates with the
# real Dovecot 2.3 auth daemon (userdb static args) and print the results
# as doveadm user shows them; expansion errors from the auth log follow.
# The cases in tests/unit/test_varexp.c were recorded this way.  Runs a
# private dovecot instance in a temp dir (as root), stops it at the end.
set -u
user=$1
args=$2
d=$(mktemp -d)
trap 'doveadm -c "$d/dv.conf" stop >/dev/null 2>&1; rm -rf "$d"' EXIT
mkdir -p "$d/run" "$d/state"
cat > "$d/dv.conf" <<CONF
auth_username_format =
base_dir = $d/run
state_dir = $d/state
protocols = none
listen = 127.0.0.1
log_path = $d/log
ssl = no
default_internal_user = root
default_internal_group = root
default_login_user = root
passdb {
  driver = static
  args = password=x
}
userdb {
  driver = static
  args = uid=1000 gid=1000 $args
}
CONF
dovecot -c "$d/dv.conf" || exit 1
sleep 1
doveadm -c "$d/dv.conf" user "$user" 2>&1
grep -h 'Failed to expand' "$d/log" 2>/dev/null | sed 's/.*Failed/Failed/'
