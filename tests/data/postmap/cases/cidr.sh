cat > c <<'RULES'
192.168.0.0/16 lan
10.0.0.1 one
[2001:db8::]/32 v6doc
!127.0.0.0/8 notloop
192.168.1.1/16 badbits
300.1.1.1/8 badaddr
RULES
for k in 192.168.5.5 10.0.0.1 10.0.0.2 2001:db8::1 127.0.0.1 8.8.8.8 notanip '[10.0.0.1]'; do
	printf '%s -> ' "$k"; $POSTMAP -q "$k" cidr:c; echo "rc=$?"
done
