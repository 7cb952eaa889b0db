# the virtual alias file of seed 004, angle brackets and all
printf '<info@example.com> <user22@example.net>\n<sales@example.com> <user11@example.org>\n' > virtual
printf 'info@example.com user22@example.net\nsales@example.com user11@example.org\n' > virtual2
$POSTMAP virtual; echo "build rc=$?"
$POSTMAP virtual2; echo "build2 rc=$?"
for k in '<info@example.com>' info@example.com INFO@Example.COM sales@example.com nobody@example.com; do
	printf '%s -> ' "$k"; $POSTMAP -q "$k" virtual virtual2; echo "rc=$?"
done
