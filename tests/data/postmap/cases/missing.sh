$POSTMAP nonexist; echo "build rc=$?"
$POSTMAP -q key nonexist; echo "query rc=$?"
$POSTMAP -q key regexp:nonexist; echo "regexp rc=$?"
$POSTMAP -q key bogustype:x; echo "type rc=$?"
