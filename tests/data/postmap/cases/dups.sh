printf 'k first\nk second\n' > t
$POSTMAP -w t; echo "build -w rc=$?"; $POSTMAP -q k t
$POSTMAP -r t; echo "build -r rc=$?"; $POSTMAP -q k t
$POSTMAP t; echo "build rc=$?"; $POSTMAP -q k t
