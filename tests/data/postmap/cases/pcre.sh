printf '/^From:.*$/ REPLACE From: mail@mydomain.local\n' > header_checks.pcre
$POSTMAP -q - pcre:header_checks.pcre < /dev/null; echo "syntax check rc=$?"
for k in 'From: someone@example.com' 'from: x' 'To: y'; do printf '%s -> ' "$k"; $POSTMAP -q "$k" pcre:header_checks.pcre; echo "rc=$?"; done
cat > p <<'RULES'
/^(\w+)@(\w+)\.com$/ user=$1 domain=$2
/a.b/ dotall
/x.y/s nodotall
/^Case$/i sensitive
/(unclosed/ broken
/z/Q badflag
/^ungreedy (.+)$/U u=$1
RULES
for k in joe@example.com 'a
b' 'x
y' Case case 'ungreedy abc'; do printf '[%s] -> ' "$k"; $POSTMAP -q "$k" pcre:p; echo "rc=$?"; done
