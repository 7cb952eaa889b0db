#!/bin/sh
# capture.sh - record the real Postfix postmap's answers as test data.
#
# Run by hand on Debian 12 with postfix, postfix-pcre and postfix-lmdb
# installed (Postfix 3.7.11):   tests/data/postmap/capture.sh
# Every cases/NAME.sh is run in a fresh temp directory (holding the stock
# Debian main.cf) with $POSTMAP set to "/usr/sbin/postmap -c DIR" (and
# $POSTALIAS to "/usr/sbin/postalias -c DIR"); its stdout
# and stderr are stored as cases/NAME.stdout and cases/NAME.stderr with the
# directory replaced by @DIR@.  test_postmap.py runs the same scripts with
# postcote's postmap and compares.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
stock=$(cd "$here/../../../../shared/compat/debian-postfix-3.7" && pwd)
for script in "$here"/cases/*.sh; do
	name=$(basename "$script" .sh)
	dir=$(mktemp -d /tmp/pmref.XXXXXX)
	cp "$stock/main.cf" "$dir/"
	(cd "$dir" && POSTMAP="/usr/sbin/postmap -c $dir" POSTALIAS="/usr/sbin/postalias -c $dir" sh "$script" \
		> "$here/cases/$name.stdout" 2> "$here/cases/$name.stderr") || true
	sed -i "s|$dir|@DIR@|g" "$here/cases/$name.stdout" "$here/cases/$name.stderr"
	rm -rf "$dir"
done
echo "captured $(ls "$here"/cases/*.sh | wc -l) cases"
