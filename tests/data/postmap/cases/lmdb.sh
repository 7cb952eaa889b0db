printf 'b 2\na 1\nc 3\n' > t
$POSTMAP lmdb:t; echo "build rc=$?"
$POSTMAP -q a lmdb:t; echo "rc=$?"
$POSTMAP -s lmdb:t
ls t.lmdb >/dev/null && echo "t.lmdb exists"
