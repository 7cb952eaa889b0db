#!/bin/sh
# record-real.sh - record real Postfix 3.7 sendmail/postdrop diagnostics (run as root).
# Uses a throw-away instance in /tmp/rpf-rec (never started: maildrop only).
set -u
out=$(cd "$(dirname "$0")" && pwd)
r=/tmp/rpf-rec
rm -rf $r; mkdir -p $r/etc $r/spool $r/data
cat > $r/etc/main.cf <<EOT
compatibility_level = 3.6
queue_directory = $r/spool
data_directory = $r/data
myhostname = test.example
message_size_limit = 2000
EOT
cp /etc/postfix/master.cf $r/etc/
postfix -c $r/etc check >/dev/null 2>&1
S="/usr/sbin/sendmail -C $r/etc"
rec() { name=$1; shift; "$@" 2>"$out/real-$name.err" >/dev/null; echo $? >"$out/real-$name.rc"; }
rec invalid-option $S -Q root </dev/null
rec missing-argument $S -N </dev/null
rec no-recipients $S </dev/null
python3 -c "print('Subject: big\n\n' + ('x'*70+'\n')*100)" >$r/big
rec too-big sh -c "$S root <$r/big"
printf 'Subject: x\n\nhi\n' >$r/nohdr
rec t-no-headers sh -c "$S -t <$r/nohdr"
rec postdrop-usage /usr/sbin/postdrop -x
rec postdrop-garbage sh -c "echo garbage | /usr/sbin/postdrop -c $r/etc"
echo "authorized_submit_users =" >>$r/etc/main.cf
rec not-authorized sh -c "echo hi | $S root"
rm -rf $r
