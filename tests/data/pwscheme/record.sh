#!/bin/sh
# record.sh - regenerate hashes.txt with the real Dovecot 2.3 doveadm
# (Debian's dovecot-core: /usr/bin/doveadm).  Each line of hashes.txt is
#   scheme TAB user TAB password TAB stored-hash
# user "-" means none.  Passwords contain no tab or newline.
# Run: sh tests/data/pwscheme/record.sh > tests/data/pwscheme/hashes.txt
set -eu
DOVEADM=${DOVEADM:-/usr/bin/doveadm}
gen() {	# scheme user password [rounds]
	if [ "$2" = "-" ]; then u=""; else u="-u $2"; fi
	if [ -n "${4:-}" ]; then r="-r $4"; else r=""; fi
	# shellcheck disable=SC2086
	h=$("$DOVEADM" pw -s "$1" $u $r -p "$3")
	printf '%s\t%s\t%s\t%s\n' "$1${4:+/r$4}" "$2" "$3" "$h"
}
for pw in secret "" "pass word" "pässwörd€" "0123456789012345678901234567890123456789012345678901234567890123456789"; do
	for s in CRYPT DES-CRYPT MD5-CRYPT MD5 SHA256-CRYPT SHA512-CRYPT BLF-CRYPT \
		PLAIN CLEAR CLEARTEXT PLAIN-TRUNC SHA SHA1 SSHA SHA256 SSHA256 SHA512 SSHA512 \
		SMD5 PLAIN-MD5 LDAP-MD5 PLAIN-MD4 CRAM-MD5 HMAC-MD5 SCRAM-SHA-1 SCRAM-SHA-256 \
		PBKDF2 ARGON2I ARGON2ID OTP \
		SHA.HEX SSHA.HEX SHA256.HEX SSHA512.HEX PLAIN-MD5.B64 LDAP-MD5.HEX CRAM-MD5.B64 \
		SMD5.HEX SHA.BASE64 PLAIN.HEX PLAIN.B64 SCRAM-SHA-1.B64 PBKDF2.HEX; do
		gen "$s" - "$pw"
	done
	gen DIGEST-MD5 bob "$pw"
	gen DIGEST-MD5 bob@example.com "$pw"
	gen DIGEST-MD5.B64 jane.roe@example.com "$pw"
done
gen SHA256-CRYPT - secret 1000
gen SHA512-CRYPT - secret 12345
gen BLF-CRYPT - secret 4
gen BLF-CRYPT - secret 6
gen CRYPT - secret 7
gen PBKDF2 - secret 1
gen PBKDF2 - secret 1000
gen ARGON2I - secret 3
gen ARGON2ID - secret 3
