printf 'postmaster: root\nMailer-Daemon:  postmaster\n"with space": x\nlist: a, b,\n  c\nprog: "|/usr/bin/foo arg"\nfile: /var/log/x\ninc: :include:/etc/list\nnocolon value\ndup: one\ndup: two\n# comment\nremote: user@example.com\na:   x    y  ,  z\nb:x\nc :  v\nd: "quoted  two"  ,  e\n E: upper\nF: Upper Value\n' > aliases
$POSTALIAS aliases; echo "build rc=$?"
$POSTALIAS -s aliases | grep -v '^YP_' | sort
$POSTALIAS -s aliases | grep -c '^YP_LAST_MODIFIED:	[0-9]*$'
for k in postmaster MAILER-DAEMON 'with space' '"with space"' list @ dup f F nosuch; do
	printf '%s -> ' "$k"; $POSTALIAS -q "$k" aliases; echo "rc=$?"
done
printf 'new: someone\nbad line\n' | $POSTALIAS -i aliases; echo "incremental rc=$?"
$POSTALIAS -q new aliases
$POSTMAP -q list hash:aliases; echo "postmap reads it rc=$?"
