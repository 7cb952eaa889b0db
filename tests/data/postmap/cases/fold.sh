printf 'MixedCase Value1\nlower value2\n' > t
$POSTMAP -f t; echo "build rc=$?"
for k in MixedCase mixedcase lower LOWER; do printf '%s -> ' "$k"; $POSTMAP -f -q "$k" t; echo "rc=$?"; done
$POSTMAP t; echo "rebuild rc=$?"
for k in MixedCase mixedcase; do printf '%s -> ' "$k"; $POSTMAP -q "$k" t; echo "rc=$?"; done
