#!/bin/sh
# build.sh [--sanitizers] - configure and build postcote out of tree, and
# install it into a private prefix inside the build tree.
#   build/       normal build (-Werror), installed into build/inst
#   build-asan/  --enable-sanitizers build, installed into build-asan/inst
# Prints the build directory on the last line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

build=build
extra=""
if [ "${1:-}" = "--sanitizers" ]; then
	build=build-asan
	extra="--enable-sanitizers"
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || \
   [ -n "$(find . -name Makefile.am -newer configure 2>/dev/null | head -1)" ] || \
   [ -n "$(find . -name '*.am' -newer configure -not -path './build*' 2>/dev/null | head -1)" ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi

mkdir -p "$build"
cd "$build"
inst="$top/$build/inst"
if [ ! -f Makefile ] || [ ../configure -nt Makefile ] || ! grep -q -- "$inst" config.log 2>/dev/null; then
	# shellcheck disable=SC2086
	../configure -q --enable-werror $extra --prefix="$inst" \
		--sysconfdir="$inst/etc" --localstatedir="$inst/var"
fi
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" >/dev/null
make -s -j"$jobs" check TESTS= >/dev/null
make -s install >/dev/null
echo "$top/$build"
