#!/bin/sh
# cli-demo.sh: scripts/demo (the README's first command) without a lab: the
# real script runs in a copy of the tree whose scripts/setup, lab and
# build/plantdeck are stand-ins.  The cockpit gets a database of its own in
# the lab's directory (never the user's), the closing lines say the lab is
# still up, with the exact command that stops it (run here: it reaches the
# lab script as "down --dir DIR") and where the state is; the cockpit's exit
# status is the demo's.  The stand-in cockpit runs the real plantdeck with
# the demo's environment, which must put its database there.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tree=$T_TMP/tree
labdir="$T_TMP/lab dir"            # a space: the printed command must quote it
mkdir -p "$tree/scripts" "$tree/lab" "$tree/build" "$labdir" "$T_TMP/home"
cp "$top_srcdir/scripts/demo" "$tree/scripts/demo"
printf '#!/bin/sh\nexit 0\n' >"$tree/scripts/setup"
cat >"$tree/lab/plantdeck-lab" <<EOF
#!/bin/sh
echo "lab \$*" >>"$T_TMP/calls"
[ "\$1" != env ] || printf 'export PLANTDECK_LAB=%s\nexport PLANTDECK_LAB_NODES=5\n' "'$labdir'"
EOF
cat >"$tree/build/plantdeck" <<EOF
#!/bin/sh
echo "plantdeck \$* db=\$PLANTDECK_DB" >>"$T_TMP/calls"
"$PLANTDECK" audit >/dev/null || exit 9
exit \${DEMO_RC:-0}
EOF
chmod +x "$tree/scripts/setup" "$tree/lab/plantdeck-lab" "$tree/build/plantdeck" "$tree/scripts/demo"

out=$(env -u PLANTDECK_DB -u XDG_STATE_HOME HOME="$T_TMP/home" "$tree/scripts/demo" 2>&1) ||
	fail "demo exited $?: $out"
grep -qx "lab up --nodes 5" "$T_TMP/calls" || fail "no 'lab up --nodes 5': $(cat "$T_TMP/calls")"
grep -qx "plantdeck --log $labdir/demo/plantdeck.log db=$labdir/demo/plantdeck.db" "$T_TMP/calls" ||
	fail "the cockpit's log or database is not the demo's: $(cat "$T_TMP/calls")"
[ -s "$labdir/demo/plantdeck.db" ] || fail "no database at $labdir/demo/plantdeck.db"
[ -z "$(find "$T_TMP/home" -name '*.db')" ] || fail "the demo wrote a database under HOME"
ok "the demo's cockpit has its own database and log in the lab's directory"

assert_contains "$out" "demo: the lab is still up: 5 nodes"
assert_contains "$out" "its state is in $labdir; the demo's database and log in $labdir/demo/"
stop=$(echo "$out" | sed -n 's/^demo: stop it with:  \(.*\)    (add --purge.*/\1/p')
[ -n "$stop" ] || fail "no stop command in: $out"
: >"$T_TMP/calls"
eval "$stop"
grep -qx "lab down --dir $labdir" "$T_TMP/calls" || fail "'$stop' ran: $(cat "$T_TMP/calls")"
ok "closing lines: the lab is up, the exact stop command (it works), where the state is"

set +e
out=$(env DEMO_RC=3 HOME="$T_TMP/home" "$tree/scripts/demo" 2>&1); rc=$?
set -e
[ "$rc" = 3 ] || fail "the cockpit exited 3, the demo $rc"
assert_contains "$out" "demo: the lab is still up"
ok "the cockpit's exit status is the demo's, the closing lines still come"
