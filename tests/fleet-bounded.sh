#!/bin/sh
# fleet-bounded.sh: the live model stays bounded whatever a node sends, and a node never delays
# another, with no lab: simulated engines (lab/plantdeck-lab sim) with injected faults.
# - A node listing more containers than a node keeps (sim fault many: 5,102; PD_MAX_CONTAINERS
#   is 5000) and one sending a list over its 64 MiB cap (sim fault huge): `plantdeck status
#   --json` completes, keeps the first 5000, and marks both nodes with a warning that says why;
#   the text table shows the warnings too.
# - The issue's bound: with one node hung and one listing 50,002 containers, the other nodes'
#   changes (a container's die) still reach the cockpit's screen within 1 s of the change's own
#   time (the engine's timeNano, read back from the node's /events?since=&until=), three times.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
command -v curl >/dev/null || skip "no curl"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB

# Eight simulated nodes of 2 containers on a free 127.B (another simulator may be up).
sim_start 25 --nodes 8 --containers 2 --events-per-sec 0
fault() { "$LAB" sim fault "$@" --dir "$DIR"; }

fault sim-0002 many 5100
fault sim-0003 huge

# The node whose list is over its cap: refused with the reason, the node up, and its first
# snapshot complete all the same (it does not wait for a list that will never fit).
"$PLANTDECK" status --json --nodes sim-0003 --timeout 60 >"$T_TMP/h.json" 2>/dev/null ||
	fail "status exited $? for the node over its cap"
jq -e '.complete' "$T_TMP/h.json" >/dev/null || fail "the snapshot is not complete"
jq -e '.nodes[] | select(.name == "sim-0003") | .reach == "up" and .containers_total == 0 and
	(.warning | test("sim-0003: GET /containers/json\\?all=1: response larger than 67108864 bytes"))' \
	"$T_TMP/h.json" >/dev/null ||
	fail "sim-0003: $(jq -c '.nodes[] | select(.name == "sim-0003") | del(.containers)' "$T_TMP/h.json")"
ok "a list over its cap is refused with the reason, the node still up"

# Both: the 5102-container node keeps the first 5000 (its 5000 inspects take a few seconds
# against a simulated engine, about a minute in a sanitizer build at load 16: the snapshot
# waits for them, so the bound is generous).
"$PLANTDECK" status --json --nodes sim-0002,sim-0003 --timeout 300 >"$T_TMP/s.json" 2>/dev/null ||
	fail "status exited $? for the two nodes"
jq -e '.nodes[] | select(.name == "sim-0002") | .reach == "up" and .containers_total == 5000 and
	.containers_listed == 5102 and (.containers | length) == 5000 and
	.warning == "list truncated: 5102 containers, 5000 shown"' "$T_TMP/s.json" >/dev/null ||
	fail "sim-0002: $(jq -c '.nodes[] | select(.name == "sim-0002") | del(.containers)' "$T_TMP/s.json")"
# The first ones, in the engine's order (newest first), are the ones kept.
jq -e '.nodes[] | select(.name == "sim-0002") | .containers[0].name == "sim-0002-many-5101" and
	.containers[4999].name == "sim-0002-many-102" and
	(any(.containers[]; .name == "sim-0002-1") | not)' "$T_TMP/s.json" >/dev/null ||
	fail "sim-0002: not the first 5000 kept: $(jq -c '[.nodes[] | select(.name == "sim-0002") | .containers[0,4999].name]' "$T_TMP/s.json")"
jq -e '.nodes[] | select(.name == "sim-0003") | .warning != null' "$T_TMP/s.json" >/dev/null ||
	fail "sim-0003: no warning next to the other node"
ok "a list of 5102 keeps 5000 and says so"

"$PLANTDECK" status --nodes sim-0002,sim-0003 --timeout 300 >"$T_TMP/s.txt" 2>/dev/null || true
assert_contains "$(cat "$T_TMP/s.txt")" "! list truncated: 5102 containers, 5000 shown"
assert_contains "$(cat "$T_TMP/s.txt")" "response larger than 67108864 bytes"
ok "the text table shows both warnings"

# --- a node that hangs and one with 50,002 containers do not delay the others' changes
fault sim-0003 ok
fault sim-0004 hang
fault sim-0005 many 50000
tmux_start 200 50 "env TZ=UTC TERM=xterm-256color LANG=C LC_ALL=C $PLANTDECK --log $T_TMP/tui.log"
tmux_wait_for "7/8 nodes up" 20    # sim-0004 hung
tmux_keys e
tmux_wait_for "Fleet > Events" 5
# (the hung node's error is written by its timeout; the 50,002-container node is listed and its
# 5000 kept containers inspected two at a time all through the rounds below)
for node in sim-0001 sim-0006 sim-0007; do
	t0=$(date +%s.%N)
	fault "$node" event die
	t1=$(date +%s.%N)
	while :; do
		if tmux_screen | grep -q " $node  *$node-1  *die "; then
			seen=$(date +%s.%N)
			break
		fi
		[ "$(ms_between "$t1" "$(date +%s.%N)")" -lt 5000 ] || {
			tmux_screen >&2
			fail "$node's die never reached the screen"
		}
		sleep 0.02
	done
	# the change's own time: its die event in the node's own record
	i=$(echo "${node#sim-}" | sed "s/^0*//")
	ev=$(curl -sf --max-time 5 "http://127.$SIM_NET.$((i / 250)).$((i % 250 + 1)):2375/v1.41/events?since=$t0&until=$t1" |
		jq -r 'select(.Action == "die") | .timeNano' | head -n 1)
	[ -n "$ev" ] || fail "$node: no die event between $t0 and $t1 in its record"
	ms=$(awk -v a="$ev" -v b="$seen" 'BEGIN { printf "%d", b * 1000 - a / 1e6 }')
	[ "$ms" -le 1000 ] || fail "$node's die reached the screen $ms ms after it happened (bound: 1000)"
	ok "$node's die on the screen $ms ms after it happened (sim-0004 hung, sim-0005 listing 50,002)"
done
# and the two faulty nodes were really in play
curl -sf --max-time 5 "$PLANTDECK_SIM_CONTROL/nodes" >"$T_TMP/ctl.txt" || fail "no control listener"
grep -q '^sim-0004 .* hang' "$T_TMP/ctl.txt" || fail "sim-0004 was not hung: $(cat "$T_TMP/ctl.txt")"
grep -q '^sim-0005 [0-9.]* 50002$' "$T_TMP/ctl.txt" || fail "sim-0005 has not 50,002: $(cat "$T_TMP/ctl.txt")"
ok "a hung node and a 50,002-container node left the others' changes within 1 s"
