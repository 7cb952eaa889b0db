#!/bin/sh
# Records the real Debian Postfix 3.7 queue-tool outputs kept in this
# directory (run as root on a host with postfix installed; no network:
# the relay is a closed loopback port).  Usage: record-real.sh OUTDIR
# Queue content: 1 in maildrop (pickup not running), 2 deferred
# (connection refused) with two recipients each, of which 1 is then held,
# and 1 deferred with the null sender.
set -e
OUT=${1:-.}
R=$(mktemp -d /tmp/realpf.XXXXXX); chmod 755 $R
mkdir -p $R/etc $R/spool $R/data; chown postfix $R/data
E="-c $R/etc"
cat > $R/etc/main.cf <<EOT
compatibility_level = 3.6
queue_directory = $R/spool
data_directory = $R/data
mail_owner = postfix
setgid_group = postdrop
myhostname = test.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
relayhost = [127.0.0.1]:1
maillog_file = $R/maillog
maillog_file_prefixes = /tmp
EOT
cat > $R/etc/master.cf <<EOT
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
flush     unix  n       -       n       1000?   0       flush
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
postlog   unix-dgram n  -       n       -       1       postlogd
EOT
postfix $E start >/dev/null 2>&1
sleep 1
postqueue $E -p > $OUT/real-empty.out
for s in one two; do
  printf 'Subject: test %s\n\nhello\n' $s | sendmail -C $R/etc -f alice@example.org bob@remote.example carol@remote.example
done
printf 'Subject: bounce\n\nbody\n' | sendmail -C $R/etc -f '<>' dave@remote.example
sleep 3
ID=$(postqueue $E -p | awk 'NR==2 {print $1}')
postsuper $E -h $ID 2> $OUT/real-postsuper-h.err
sed -i '/^pickup/d' $R/etc/master.cf
postfix $E reload >/dev/null 2>&1; sleep 1
printf 'Subject: md\n\nmaildrop\n' | sendmail -C $R/etc -f alice@example.org erin@remote.example
postqueue $E -p > $OUT/real-mailq.out
postqueue $E -j > $OUT/real-mailq.json
D=$(postqueue $E -j | grep '"deferred"' | head -1 | sed 's/.*"queue_id": "\([^"]*\)".*/\1/')
postcat $E -q $D > $OUT/real-postcat.out
postcat $E -o -q $D > $OUT/real-postcat-o.out
postsuper $E -d ALL 2> $OUT/real-postsuper-d-all.err
postqueue $E -p > $OUT/real-empty-after.out
postfix $E stop >/dev/null 2>&1
rm -rf $R
