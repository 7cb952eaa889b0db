# seed 001: a hash table whose key is literally /.*/
printf '# local user names\n/.*/        mail@mydomain.local\n\n# user1       mail@mydomain.local\n' > sender_canonical
$POSTMAP sender_canonical; echo "build rc=$?"
for k in '/.*/' user1 root@localhost; do printf '%s -> ' "$k"; $POSTMAP -q "$k" sender_canonical; echo "rc=$?"; done
$POSTMAP -q '/.*/' hash:sender_canonical; echo "rc=$?"
