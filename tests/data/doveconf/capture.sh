#!/bin/sh
# capture.sh - record the real doveconf's behaviour (Debian 12, Dovecot
# 2.3.19.1) as test data for tests/integration/test_doveconf.py.
#
# Run by hand where /usr/bin/doveconf is installed:
#     tests/data/doveconf/capture.sh
# Each case writes its config files into /tmp/dcref, runs the real doveconf
# there and stores, in cases/NAME/: files/ (the config), args (one argument
# per line), stdout, stderr and status.  /tmp/dcref in outputs becomes @DIR@.
# The "stock" config is Debian's (../shared/compat/debian-dovecot-2.3) with
# the protocols.d include pointed at a private copy of Debian's three
# *.protocol files, so the result does not depend on installed packages;
# stock cases store only files/STOCK and the test rebuilds the same tree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
stock=$(cd "$here/../../../../shared/compat/debian-dovecot-2.3" && pwd)
real=/usr/bin/doveconf
dir=/tmp/dcref
rm -rf "$here/cases"
mkdir -p "$here/cases"

# stock_setup - Debian's config in $dir
stock_setup() {
	cp -r "$stock/." "$dir/"
	rm -f "$dir/doveconf-d.txt" "$dir/doveconf-n.txt"
	mkdir -p "$dir/protocols.d"
	for p in imap lmtp pop3; do
		echo "protocols = \$protocols $p" > "$dir/protocols.d/${p}d.protocol"
	done
	sed -i "s|/usr/share/dovecot/protocols.d|$dir/protocols.d|" "$dir/dovecot.conf"
}

# case NAME CONFIG-TEXT|@stock args... : dovecot.conf is CONFIG-TEXT (printf format)
run_case() {
	name=$1; conf=$2; shift 2
	rm -rf "$dir"; mkdir -p "$dir"
	if [ "$conf" = "@stock" ]; then
		stock_setup
	else
		printf "$conf" > "$dir/dovecot.conf"
	fi
	out="$here/cases/$name"
	mkdir -p "$out"
	if [ "$conf" = "@stock" ]; then
		# rebuilt from shared/compat by the test (see stock_setup)
		mkdir -p "$out/files"; : > "$out/files/STOCK"
	else
		cp -r "$dir" "$out/files"
	fi
	: > "$out/args"
	for a in "$@"; do printf '%s\n' "$a" >> "$out/args"; done
	set +e
	(cd "$dir" && "$real" "$@" > "$out/stdout" 2> "$out/stderr" < /dev/null)
	echo $? > "$out/status"
	set -e
	sed -i "s|$dir|@DIR@|g" "$out/stdout" "$out/stderr"
	find "$out/files" -type f -size +0 | xargs -r sed -i "s|$dir|@DIR@|g"
}

C="-c $dir/dovecot.conf"
for m in -n -a -N -S "-n -S" "-n -P"; do
	n=$(printf '%s' "$m" | tr -d ' -')
	# shellcheck disable=SC2086
	run_case "stock-$n" @stock $C $m
done
run_case stock-names @stock $C ssl service/auth passdb namespace/inbox plugin mail_location \
	nosuch ssl_key service/imap-login/inet_listener/imaps/port plugin/nosuch
run_case stock-h @stock $C -h ssl_cert ssl_key protocols
run_case stock-dict @stock $C dict

SECT='passdb {\n  driver = pam\n}\nuserdb {\n  driver = passwd\n}\nnamespace foo {\n  mailbox "A b" {\n  }\n}\nservice foo {\n  unix_listener bar {\n  }\n  inet_listener baz {\n  }\n  fifo_listener qux {\n  }\n}\nplugin {\n  zz = 1\n  aa = 2\n}\ndict {\n  x = y\n}\n'
for m in -n -a -N "-n -S"; do
	n=$(printf '%s' "$m" | tr -d ' -')
	run_case "sections-$n" "$SECT" $C $m
done
run_case sections-names "$SECT" $C passdb passdb/0 plugin plugin/aa namespace/foo service/foo

SERV='service auth {\n  unix_listener /var/spool/postfix/private/auth {\n    mode = 0660\n    user = postfix\n    group = postfix\n  }\n  unix_listener auth-userdb {\n    mode = 600\n  }\n}\nservice imap-login {\n  inet_listener imap {\n    port = 143\n  }\n  inet_listener imaps {\n    port = 0\n  }\n  process_min_avail = 2\n}\nservice lmtp {\n  unix_listener /var/spool/postfix/private/dovecot-lmtp {\n    mode = 0600\n  }\n}\npassdb {\n  driver = passwd-file\n  args = scheme=CRYPT username_format=%%u /etc/dovecot/users\n}\npassdb {\n  driver = pam\n  skip = authenticated\n}\nuserdb {\n  driver = static\n  args = uid=vmail gid=vmail home=/var/vmail/%%d/%%n\n}\nnamespace {\n  separator = /\n}\n'
for m in -n -a -N -S; do
	n=$(printf '%s' "$m" | tr -d ' -')
	run_case "services-$n" "$SERV" $C $m
done

FILT='mail_plugins = quota\nprotocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}\nprotocol lmtp {\n  mail_plugins = c\n}\nprotocol !imap {\n  auth_debug = yes\n}\nremote 10.0.0.0/8 {\n  ssl = no\n  protocol pop3 {\n    mail_plugins = b\n  }\n}\nlocal 10.1.0.0/16 {\n  remote 10.2.0.0/16 {\n    login_trusted_networks = 10.2.0.0/16\n  }\n}\nlocal 127.0.0.1 {\n  mail_debug = yes\n}\nlocal_name foo.com {\n  ssl_cert = <x\n}\nprotocol imap {\n  mail_plugins = x\n}\n'
run_case filters-n "$FILT" $C -n
FF='mail_plugins = quota\nprotocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}\nremote 10.0.0.0/8 {\n  ssl = no\n}\nlocal_name mail.example.com {\n  ssl_cert = <c.pem\n}\n'
run_case fopt-n "$FF" $C -n -f protocol=imap
run_case fopt-names "$FF" $C -f service=imap -f remote=10.1.1.1 mail_plugins ssl ssl_cert
run_case fopt-lname "$FF" $C -f lname=mail.example.com ssl_cert
run_case fopt-bad "$FF" $C -f bogus=1 ssl
run_case filters-warn 'protocol imap {\n  ssl = no\n}\nssl = required\n' $C -n

SECRET='ssl_key = <x\nplugin {\n  a_password = s\n}\nnamespace {\n}\nnamespace y {\n}\ndoveadm_password = secret\nauth_policy_hash_nonce = n\nssl_dh = <dh\n'
run_case secrets-n "$SECRET" $C -n
run_case secrets-P "$SECRET" $C -n -P
run_case secrets-names "$SECRET" $C ssl_key doveadm_password plugin namespace/y/prefix namespace/y

VALS='default_vsz_limit = 1024k\nauth_failure_delay = 60s\nauth_cache_ttl = 3600s\nfirst_valid_uid = 012\nauth_debug = Y\nmail_max_userip_connections = 0\nmbox_lock_timeout = 70d\nconfig_cache_size = 1536k\nlogin_greeting = "  hi # there "\nmail_plugins = a#x\nauth_realms = a \\\n   b \\\nc\nmail_home = "a\\\\b\\"c"\nrecipient_delimiter =\nauth_username_chars = "abc"\nprotocols = $protocols imap\nprotocols = $protocols pop3\nmail_log_prefix = "%%s: "\nservice x {\n  executable = x\n  unix_listener a {\n    mode = 600\n  }\n  unix_listener b {\n    mode = 0\n  }\n  vsz_limit = 1G\n  idle_kill = 90s\n}\n'
run_case values-n "$VALS" $C -n
run_case values-h "$VALS" $C -h default_vsz_limit auth_failure_delay mail_plugins service/x/unix_listener/a/mode

# errors: status 89 and doveconf's messages
i=0
while IFS= read -r text; do
	i=$((i + 1))
	run_case "$(printf 'error-%02d' $i)" "$text" $C -n
done <<'ERRORS'
foo = 1\n
foo {\n}\n
service x {\n  foo = 1\n}\n
}\n
service x {\n
service x {a\n}\n
service x\n
ssl = maybe\n
auth_debug = maybe\n
default_vsz_limit = 10 X\n
auth_failure_delay = 10 x\n
auth_failure_delay = 10\n
auth_failure_delay = 10ms\n
!include nosuch.conf\n
!foo x\n
protocol imap pop3 {\n}\n
protocol imap {\n  protocol pop3 {\n  }\n}\n
protocol imap {\n  local 1.2.3.4 {\n  }\n}\n
local 1.2.3.4 {\n local 1.2.3.5 {\n }\n}\n
local 1.2.3.4/40 {\n}\n
service {\n}\n
mailbox x {\n}\n
first_valid_uid = abc\n
first_valid_uid = -1\n
first_valid_uid = 4294967296\n
ssl = "yes\n
protocols = foo\n
passdb {\n}\n
passdb foo {\n driver = pam\n}\npassdb foo {\n args = x\n}\n
plugin {\n  x {\n }\n}\n
 = x\n
namespace inbox {\n separator = ab\n}\n
doveadm_port = 70000\n
!include dovecot.conf\n
remote 1.2.3.0/24 {\n local 1.2.3.4 {\n }\n}\n
remote 1.2.3.4 {\n  auth_verbose = yes\n}\n
local 1.2.3.0/24 {\n  protocol imap {\n    first_valid_uid = 5\n  }\n}\n
protocol imap {\n ssl = no\n}\nlocal 1.2.3.4 {\n ssl = no\n}\n
ERRORS
run_case error-nofile 'ssl = no\n' -c "$dir/nosuch.conf" -n
run_case usage-badopt 'ssl = no\n' $C -Z
run_case usage-noarg 'ssl = no\n' -c
run_case include-try '!include_try nosuch/*.conf\n!include_try local.conf\nssl = no\n' $C -n
run_case include-glob '!include conf.d/*.conf\n' $C -n
mkdir -p "$here/cases/include-glob/files/conf.d"
printf 'protocols = $protocols imap\n' > "$here/cases/include-glob/files/conf.d/10-a.conf"
printf 'protocols = $protocols pop3\nmail_plugins = x\n' > "$here/cases/include-glob/files/conf.d/20-b.conf"
# re-run include-glob with its conf.d in place
rm -rf "$dir"; cp -r "$here/cases/include-glob/files" "$dir"
(cd "$dir" && "$real" $C -n > "$here/cases/include-glob/stdout" 2> "$here/cases/include-glob/stderr" < /dev/null; echo $? > "$here/cases/include-glob/status")
sed -i "s|$dir|@DIR@|g" "$here/cases/include-glob/stdout" "$here/cases/include-glob/stderr"
rm -rf "$dir"
