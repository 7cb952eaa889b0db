#!/bin/sh
# capture.sh - record the real Postfix postconf's behaviour as test data.
#
# Run by hand on Debian 12 with the postfix package installed (Postfix 3.7.11):
#     tests/data/postconf/capture.sh
# Each case runs /usr/sbin/postconf on a fresh copy of the stock Debian
# main.cf/master.cf (../shared/compat/debian-postfix-3.7) in /tmp/pcref and
# stores, in cases/NAME/: args (one argument per line), stdout, stderr,
# status, and after editing commands main.cf / master.cf.  The directory
# path in outputs is replaced by @DIR@.  test_postconf.py replays every
# case against postcote's postconf and compares.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
stock=$(cd "$here/../../../../shared/compat/debian-postfix-3.7" && pwd)
real=/usr/sbin/postconf
dir=/tmp/pcref
rm -rf "$here/cases"
mkdir -p "$here/cases"

# case NAME [setup-command] -- args...
run_case() {
	name=$1; shift
	setup=$1; shift
	rm -rf "$dir"; mkdir -p "$dir"
	cp "$stock/main.cf" "$stock/master.cf" "$dir/"
	[ -n "$setup" ] && (cd "$dir" && sh -c "$setup")
	out="$here/cases/$name"
	mkdir -p "$out"
	[ -n "$setup" ] && printf '%s\n' "$setup" > "$out/setup"
	: > "$out/args"
	for a in "$@"; do printf '%s\n' "$a" >> "$out/args"; done
	set +e
	"$real" -c "$dir" "$@" > "$out/stdout" 2> "$out/stderr"
	echo $? > "$out/status"
	set -e
	for f in main.cf master.cf; do
		if ! cmp -s "$dir/$f" "$stock/$f"; then cp "$dir/$f" "$out/$f"; fi
	done
	sed -i "s|$dir|@DIR@|g" "$out/stdout" "$out/stderr"
	for f in main.cf master.cf; do [ -f "$out/$f" ] && sed -i "s|$dir|@DIR@|g" "$out/$f"; done
	true
}

run_case n "" -n
run_case M "" -M
run_case Mf "" -Mf
run_case M-smtp "" -M smtp
run_case M-relay-unix "" -M relay/unix
run_case M-none "" -M nosuch/unix
run_case F "" -F
run_case F-field "" -F relay/unix/command smtp/inet/chroot
run_case P "" -P
run_case h "" -h myhostname relayhost
run_case names "" myhostname compatibility_level mynetworks_style
run_case x "" -x mynetworks_style relay_domains smtpd_banner
run_case H "" -H smtpd_banner biff
run_case unknown "" nosuch_parameter myhostname
run_case e "" -e myhostname=mx.example.com "relayhost=[smtp.example.com]:587" newparam=1
run_case e-implied "" biff=yes
run_case e-empty "" -e relayhost=
run_case X "" -X mailbox_size_limit biff
run_case hash "" -# biff recipient_delimiter
run_case Me "" -Me "submission/inet=submission inet n - y - - smtpd -o syslog_name=postfix/submission"
run_case Me-replace "" -Me "pickup/unix=pickup unix n - y 30 1 pickup"
run_case MX "" -MX relay/unix
run_case Mhash "" -M# tlsmgr/unix
run_case Fe "" -F smtp/inet/chroot=n
run_case Fe-command "" -F "pickup/unix/command=pickup -v"
run_case Pe "" -P relay/unix/smtp_helo_timeout=5
run_case Pe-replace "" -P relay/unix/syslog_name=postfix/relayed
run_case PX "" -PX relay/unix/syslog_name
run_case unused "echo 'foo = bar' >> main.cf" -n
run_case undefined "echo 'x = \$nosuchvar' >> main.cf" -x x
run_case override "echo 'biff = yes' >> main.cf" -n
run_case bad-main "printf 'bogus line here\n' >> main.cf" -n
run_case bad-master-type "echo 'foo tcp n - n - - smtpd' >> master.cf" -M
run_case bad-master-short "echo 'foo unix n - n' >> master.cf" -M
run_case bad-master-yn "echo 'foo unix x - n - - smtpd' >> master.cf" -M
run_case leading-ws "printf '  leading = ws\n' > main.cf.new; cat main.cf >> main.cf.new; mv main.cf.new main.cf" -n
run_case expr "printf 'a = A\nempty =\nn = 10\nt1 = \${a?{yes}:{no}}\nt2 = \${empty?{yes}:{no}}\nt3 = \${a:fallback}\nt4 = \${empty:fallback}\nt5 = \${{\$n} > {9} ? {gt} : {le}}\nt6 = \${{3.10} >level {3.9} ? {newer} : {older}}\nt7 = \$\$a \$(a)\nsmtpd_banner = \$t1|\$t2|\$t3|\$t4|\$t5|\$t6|\$t7\n' >> main.cf" -x smtpd_banner
run_case expr-raw "printf 'a = A\nt1 = \${a?{yes}:{no}}\nsmtpd_banner = \$t1 x\n' >> main.cf" -n
run_case o "" -o myhostname=override.example -x myhostname smtpd_banner
run_case d-mynetworks-style "" -d mynetworks_style relay_domains
run_case continued "printf 'relayhost = first\n# comment\n    second\n' >> main.cf" relayhost
run_case X-continued "printf 'cont = first\n# comment\n    second\nafter = 1\n' >> main.cf" -X cont
run_case e-continued "printf 'cont = first\n    second\nafter = 1\n' >> main.cf" -e cont=new
run_case e-duplicate "printf 'biff = yes\n' >> main.cf" -e biff=maybe
run_case A "" -A
run_case a "" -a
run_case l "" -l
echo "captured $(ls "$here/cases" | wc -l) cases with $($real -d mail_version)"
