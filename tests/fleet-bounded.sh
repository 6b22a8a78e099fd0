#!/bin/sh
# fleet-bounded.sh: the live model stays bounded whatever a node sends, with
# no lab: two fake engines on loopback (tests/data/fake-engine.py), one
# listing more containers than a node keeps (PD_MAX_CONTAINERS, 5000), one
# sending a list over its 64 MiB cap.  `plantdeck status --json` completes,
# keeps the first 5000, and marks both nodes with a warning that says why;
# the text table shows the warnings too.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
command -v python3 >/dev/null || skip "python3 is not installed"

# Addresses of their own (127.3.x: not the lab's, not the simulator's).
A=127.3.$(($$ % 200 + 1)).1 B=127.3.$(($$ % 200 + 1)).2 PORT=2375
python3 "$top_srcdir/tests/data/fake-engine.py" "$A" "$PORT" many:5100 >"$T_TMP/a.out" 2>&1 &
pa=$!
python3 "$top_srcdir/tests/data/fake-engine.py" "$B" "$PORT" huge >"$T_TMP/b.out" 2>&1 &
pb=$!
t_on_exit "kill $pa $pb 2>/dev/null"
i=0
until grep -q ready "$T_TMP/a.out" && grep -q ready "$T_TMP/b.out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the fake engines did not start: $(cat "$T_TMP/a.out" "$T_TMP/b.out")"
	sleep 0.1
done
printf 'nodes:\n  - name: many\n    endpoint: tcp://%s:%s\n  - name: huge\n    endpoint: tcp://%s:%s\n' \
	"$A" "$PORT" "$B" "$PORT" >"$T_TMP/inv.yaml"

# The node whose list is over its cap: refused with the reason, the node up,
# and its first snapshot complete all the same (it does not wait for a list
# that will never fit).
printf 'nodes:\n  - name: huge\n    endpoint: tcp://%s:%s\n' "$B" "$PORT" >"$T_TMP/huge.yaml"
"$PLANTDECK" --inventory "$T_TMP/huge.yaml" status --json --timeout 60 >"$T_TMP/h.json" 2>/dev/null ||
	fail "status exited $? for the node over its cap"
jq -e '.complete' "$T_TMP/h.json" >/dev/null || fail "the snapshot is not complete"
jq -e '.nodes[] | select(.name == "huge") | .reach == "up" and .containers_total == 0 and
	(.warning | test("huge: GET /containers/json\\?all=1: response larger than 67108864 bytes"))' \
	"$T_TMP/h.json" >/dev/null ||
	fail "huge: $(jq -c '.nodes[] | select(.name == "huge") | del(.containers)' "$T_TMP/h.json")"
ok "a list over its cap is refused with the reason, the node still up"

# Both: the 5100-container node keeps the first 5000 (its 5000 inspects at
# two at a time make its first snapshot slow, so this one does not wait for
# completeness: the list is what is checked).
"$PLANTDECK" --inventory "$T_TMP/inv.yaml" status --json --timeout 3 >"$T_TMP/s.json" \
	2>/dev/null || true
jq -e '.nodes[] | select(.name == "many") | .reach == "up" and .containers_total == 5000 and
	.containers_listed == 5100 and (.containers | length) == 5000 and
	.warning == "list truncated: 5100 containers, 5000 shown"' "$T_TMP/s.json" >/dev/null ||
	fail "many: $(jq -c '.nodes[] | select(.name == "many") | del(.containers)' "$T_TMP/s.json")"
# The first ones, in the engine's order, are the ones kept.
jq -e '.nodes[] | select(.name == "many") | .containers[0].name == "c-0" and
	.containers[4999].name == "c-4999" and (any(.containers[]; .name == "c-5000") | not)' "$T_TMP/s.json" >/dev/null ||
	fail "many: not the first 5000 kept: $(jq -c "[.nodes[0].containers[0,1,4999].name, .nodes[1].name]" "$T_TMP/s.json")"
jq -e '.nodes[] | select(.name == "huge") | .warning != null' "$T_TMP/s.json" >/dev/null ||
	fail "huge: no warning next to the other node"
ok "a list of 5100 keeps 5000 and says so"

"$PLANTDECK" --inventory "$T_TMP/inv.yaml" status --timeout 3 >"$T_TMP/s.txt" 2>/dev/null || true
assert_contains "$(cat "$T_TMP/s.txt")" "! list truncated: 5100 containers, 5000 shown"
assert_contains "$(cat "$T_TMP/s.txt")" "response larger than 67108864 bytes"
ok "the text table shows both warnings"
