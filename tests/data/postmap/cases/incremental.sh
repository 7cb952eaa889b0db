printf 'a 1\nb 2\n' > t
$POSTMAP t; echo "build rc=$?"
printf 'c 3\na 9\n' | $POSTMAP -i t; echo "incremental rc=$?"
for k in a b c; do printf '%s -> ' "$k"; $POSTMAP -q "$k" t; echo "rc=$?"; done
printf 'd 4\na 9\n' | $POSTMAP -i -r t; echo "incremental -r rc=$?"
printf '%s -> ' a; $POSTMAP -q a t; echo "rc=$?"
$POSTMAP -d b t; echo "delete b rc=$?"
$POSTMAP -d b t; echo "delete b again rc=$?"
printf 'c\nzz\n' | $POSTMAP -d - t; echo "delete stdin rc=$?"
$POSTMAP -s t | sort
