printf 'key1 value one\nKey2 two\n' > th
for k in key1 KEY2 none; do printf 'texthash %s -> ' "$k"; $POSTMAP -q "$k" texthash:th; echo "rc=$?"; done
for k in anything; do printf 'static -> '; $POSTMAP -q "$k" static:fixed; echo "rc=$?"; done
printf 'static braces -> '; $POSTMAP -q x 'static:{ text with spaces }'; echo "rc=$?"
for k in k1 K2 k3 none; do printf 'inline %s -> ' "$k"; $POSTMAP -q "$k" 'inline:{ k1=v1, K2=v2, { k3 = value with spaces } }'; echo "rc=$?"; done
printf 'unix root -> '; $POSTMAP -q root unix:passwd.byname; echo "rc=$?"
printf 'unix nosuch -> '; $POSTMAP -q nosuchuser unix:passwd.byname; echo "rc=$?"
printf 'group root -> '; $POSTMAP -q root unix:group.byname; echo "rc=$?"
printf 'environ -> '; PCTEST_VAR=hello $POSTMAP -q PCTEST_VAR environ:; echo "rc=$?"
printf 'fail -> '; $POSTMAP -q x fail:whatever; echo "rc=$?"
