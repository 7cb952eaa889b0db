#!/bin/sh
# record.sh - regenerate real-hashes.tsv with real Dovecot's doveadm pw
# (run from this directory; the output is random-salted, so it changes).
set -eu
D=/usr/bin/doveadm
{
echo "# Hashes made by real Dovecot 2.3 (/usr/bin/doveadm pw); recorded by tests/data/pwscheme/record.sh."
echo "# Format: password<TAB>user<TAB>hash ('-' = no user).  Every line must verify."
for pw in secret 'p4ss wörd!' ''; do
	for s in CRYPT DES-CRYPT MD5-CRYPT MD5 SHA256-CRYPT SHA512-CRYPT BLF-CRYPT PLAIN CLEAR \
		CLEARTEXT SHA SHA1 SSHA SHA256 SSHA256 SHA512 SSHA512 SMD5 PLAIN-MD5 LDAP-MD5 \
		PLAIN-MD4 CRAM-MD5 HMAC-MD5 SCRAM-SHA-1 SCRAM-SHA-256 PBKDF2 OTP ARGON2I ARGON2ID \
		SHA.HEX SSHA.HEX SHA256.HEX SSHA512.HEX PLAIN-MD5.B64 CRAM-MD5.B64 PLAIN.B64 \
		PLAIN.HEX SMD5.HEX SCRAM-SHA-1.B64; do
		h=$($D pw -s $s -p "$pw" 2>/dev/null) && printf '%s\t-\t%s\n' "$pw" "$h"
	done
	for u in user user@example.com; do
		h=$($D pw -s DIGEST-MD5 -u $u -p "$pw") && printf '%s\t%s\t%s\n' "$pw" "$u" "$h"
	done
done
for r in 1000 6000; do
	for s in SHA256-CRYPT SHA512-CRYPT PBKDF2; do
		printf 'secret\t-\t%s\n' "$($D pw -s $s -r $r -p secret)"
	done
done
printf 'secret\t-\t%s\n' "$($D pw -s BLF-CRYPT -r 4 -p secret)"
printf 'secret\t-\t%s\n' "$($D pw -s BLF-CRYPT -r 6 -p secret)"
} > real-hashes.tsv
