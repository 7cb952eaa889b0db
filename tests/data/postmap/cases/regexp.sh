cat > re <<'RULES'
/^(.*)@example\.com$/ local:$1
!/\.net$/ not-net
if /^admin/
/@corp\./ admin-corp ${1}x$$
endif
/[/ broken
/^Subject:(.*)/ REPLACE Subject: [spam]$1
RULES
for k in bob@example.com BOB@EXAMPLE.COM x@y.net admin@corp.org admin@corp.net 'Subject: hi' a@b.net; do
	printf '%s -> ' "$k"; $POSTMAP -q "$k" regexp:re; echo "rc=$?"
done
cat > re2 <<'RULES'
/CaSe/i sensitive
/case/ insensitive
#a|b# alt
RULES
for k in CaSe case CASE a '#a'; do printf '%s -> ' "$k"; $POSTMAP -q "$k" regexp:re2; echo "rc=$?"; done
