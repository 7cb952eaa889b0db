printf 'info@example.com user22@example.net\nAlice@Example.COM  alice\n"with space" quoted\nnovalue\nalice@example.com dup\nbob@example.com bob\n  continued here\n# comment\n\n@example.org catchall\n' > virtual
$POSTMAP virtual; echo "build rc=$?"
for k in info@example.com ALICE@example.com alice@example.com '"with space"' 'with space' bob@example.com @example.org x@example.org novalue; do
	printf '%s -> ' "$k"; $POSTMAP -q "$k" virtual; echo "rc=$?"
done
printf 'bob@example.com\nnone\nINFO@example.com\n' | $POSTMAP -q - virtual; echo "stdin rc=$?"
printf 'none\n' | $POSTMAP -q - virtual; echo "stdin none rc=$?"
$POSTMAP -s virtual | sort; echo "dump done"
