#!/bin/sh
# fuzz.sh [runs] - build the libFuzzer targets in tests/fuzz with clang
# (ASan + UBSan + libFuzzer) into build-fuzz/ and run each for a number of
# inputs (default 150000) with a fixed seed, on a seed corpus made from the
# stock configuration files and tests/fuzz/seeds (which keeps past crashes
# as regression inputs).  The fixed seed makes a run reproducible: CI fails
# only when the code changed, not by luck.  For longer exploratory runs use
# FUZZ_SEED=0 (random) and a large count.  Exit status is non-zero when a
# target crashes; the crashing input is left in build-fuzz/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-150000}
seed=${FUZZ_SEED:-1}
out="$top/build-fuzz"
mkdir -p "$out"
[ -f "$top/build/config.h" ] || "$top/scripts/build.sh" >/dev/null
CC=${CC:-clang}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$top/lib -I$top/build"
flags="$flags -DPC_CONFIG_DIR=\"/etc/postfix\" -DPC_QUEUE_DIR=\"/var/spool/postfix\" -DPC_DATA_DIR=\"/var/lib/postfix\""
flags="$flags -DPC_DAEMON_DIR=\"/usr/libexec/postcote\" -DPC_COMMAND_DIR=\"/usr/sbin\" -DPC_BIN_DIR=\"/usr/bin\""
flags="$flags -DPC_MAN_DIR=\"/usr/share/man\" -DPC_DOC_DIR=\"/usr/share/doc/postcote\""
flags="$flags -DPC_DOVECOT_CONFIG=\"/etc/dovecot/dovecot.conf\""
libs="$top/lib/core/mem.c $top/lib/core/buf.c $top/lib/core/argv.c $top/lib/core/log.c $top/lib/core/hash.c"
libs="$libs $top/lib/config/cfline.c $top/lib/config/pfconf.c $top/lib/config/pfparam.c $top/lib/config/pfparam_table.c $top/lib/config/mastercf.c"
libs="$libs $top/lib/core/safe_file.c"
dconflibs="$top/lib/config/dconf.c $top/lib/config/dconf_parse.c $top/lib/config/dconf_value.c $top/lib/config/dconf_dump.c $top/lib/config/dconf_table.c $top/lib/core/varexp.c"
maplibs="$top/lib/maps/map.c $top/lib/maps/map_lmdb.c $top/lib/maps/map_simple.c $top/lib/maps/map_source.c"
maplibs="$maplibs $top/lib/maps/map_alias.c $top/lib/maps/map_pattern.c $top/lib/maps/map_regexp.c $top/lib/maps/map_cidr.c"
stock="$top/../shared/compat/debian-postfix-3.7"
status=0
maplibs="$maplibs $top/lib/queue/qfile.c"
maplibs="$maplibs $top/lib/core/stream.c $top/lib/core/event.c $top/lib/ipc/attr.c $top/lib/ipc/delivery.c $top/lib/mail/addr.c"
authdb="$top/auth/db.c $top/auth/db_passwdfile.c $top/auth/db_static.c $top/auth/db_passwd.c"
authdb="$authdb $top/auth/db_shadow.c $top/auth/db_pam.c $top/auth/db_prefetch.c $top/auth/worker_client.c"
authdb="$authdb $top/auth/worker_server.c $top/auth/worker_proto.c $top/lib/core/varexp.c -lpam -lcrypt"
for target in maincf mastercf maps qfile ipc hdr_addr authdb dconf pwscheme authproto; do
	extra=""	# a program's own parser: its source and include directory
	case $target in hdr_addr) extra="-I$top/cleanup $top/cleanup/hdr_addr.c" ;; esac
	case $target in authdb) extra="-I$top/auth $authdb" ;; esac
	case $target in dconf) extra=$dconflibs ;; esac
	case $target in pwscheme) extra="$top/lib/auth/pwscheme*.c $top/lib/auth/pwenc.c -lcrypto -lcrypt" ;; esac
	case $target in authproto) extra="-I$top/auth $top/auth/proto.c $top/auth/b64.c $top/auth/cache.c" ;; esac
	# shellcheck disable=SC2086
	$CC $flags -o "$out/fuzz_$target" "$top/tests/fuzz/fuzz_$target.c" $extra $libs $maplibs \
		-llmdb -lpcre2-8 -lsystemd
	corpus="$out/corpus_$target"
	rm -rf "$corpus"
	mkdir -p "$corpus"
	cp "$top/tests/fuzz/seeds/$target"/* "$corpus/" 2>/dev/null || true
	[ -d "$stock" ] && cp "$stock/main.cf" "$corpus/stock-main.cf" && cp "$stock/master.cf" "$corpus/stock-master.cf"
	[ "$target" = dconf ] && cp "$top/../shared/compat/debian-dovecot-2.3/conf.d/"*.conf "$corpus/"
	n=$runs
	case $target in maps|qfile|ipc) n=$((runs / 5)) ;; esac	# each input writes a file or a socket: slower
	case $target in authdb) n=$((runs / 100)) ;; esac	# a file per input, NSS lookups of uid names: ~5 ms each
	case $target in dconf) n=$((runs / 30)) ;; esac	# each input builds the whole default tree
	case $target in authproto) n=$((runs / 10)) ;; esac	# every line of an input through four parsers and the cache
	echo "fuzz_$target: $n runs, seed $seed"
	if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=0 "./fuzz_$target" -runs="$n" -seed="$seed" \
		-max_len=4096 -timeout=5 -rss_limit_mb=2048 "$corpus" > "fuzz_$target.log" 2>&1); then
		echo "fuzz_$target FAILED; see $out/fuzz_$target.log"
		tail -30 "$out/fuzz_$target.log"
		status=1
	fi
done
exit $status
