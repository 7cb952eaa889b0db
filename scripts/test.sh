#!/bin/sh
# test.sh [--sanitizers] - install missing packages, build, and run every
# test (unit tests in C, integration tests in Python over loopback).
# The last line printed is "N passed, N failed"; the exit status is 0 only
# when nothing failed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/users.sh"
builddir=$("$top/scripts/build.sh" "$@")
exec python3 "$top/tests/run.py" --build "$builddir" --prefix "$builddir/inst"
