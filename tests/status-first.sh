#!/bin/sh
# status-first.sh: `plantdeck status --json`'s first snapshot against simulated engines, no lab
# (issue 16).  40 nodes x 3 containers: the snapshot is complete, every container listed AND
# inspected (started_at comes from the inspect only), every node's engine facts read (/info,
# sent beside the list); a node that answers slowly (1.5 s a reply, under the timeouts) is
# still complete; a node that hangs is reported down ("timed out") while the 39 others are
# complete, and status exits once every node answered or failed -- not at its --timeout.
# Without --watch, status opens no event stream and asks no /version (the simulator counts the
# requests each node answered); with --watch the streams are there.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
NODES=40 K=3
command -v jq >/dev/null || skip "no jq"

sim_start 61 --nodes $NODES --containers $K --events-per-sec 0
ok "sim up: $NODES nodes x $K on 127.$SIM_NET.x.y"

# complete: every node up with its facts, every container inspected
full='.complete and (.nodes | length) == $n and all(.nodes[]; .reach == "up" and .ncpu > 0
	and .os != null and (.containers | length) == $k and all(.containers[]; .started_at != null))'

curl -sf --max-time 5 "$PLANTDECK_SIM_CONTROL/requests?reset=1" >/dev/null || fail "no /requests"
"$PLANTDECK" status --json --timeout 60 >"$T_TMP/all.json" || fail "status exit $?"
curl -sf --max-time 5 "$PLANTDECK_SIM_CONTROL/requests" >"$T_TMP/requests.txt" || fail "no /requests"
jq -e --argjson n $NODES --argjson k $K "$full" "$T_TMP/all.json" >/dev/null ||
	fail "not complete: $(jq -c '[.nodes[] | select(.reach != "up" or (.containers | length) != 3 or any(.containers[]; .started_at == null)) | .name]' "$T_TMP/all.json")"
ok "status: $NODES nodes up with their facts, $((NODES * K)) containers inspected"

# A slow node (every reply 1.5 s late) is waited for, and complete.
"$LAB" sim fault sim-0003 slow 1500 --dir "$DIR"
"$PLANTDECK" status --json --timeout 60 >"$T_TMP/slow.json" || fail "status with a slow node: exit $?"
jq -e --argjson n $NODES --argjson k $K "$full" "$T_TMP/slow.json" >/dev/null ||
	fail "a slow node: not complete: $(jq -c '[.nodes[] | select(.reach != "up" or (.containers | length) != 3) | .name]' "$T_TMP/slow.json")"
"$LAB" sim fault sim-0003 ok --dir "$DIR"
ok "a slow node: complete, inspected"

# status without --watch reads one snapshot and ends: an event stream would cost each node a
# connection and a request that nothing reads, so none is opened, and the nodes say so
# (events_connected false, doc/status-json.md); nor is /version asked (/_ping and /info give
# what the snapshot shows).  Every node was pinged, listed and asked /info: the counts count.
# With --watch, as in the cockpit, the streams open at the first answer: a die after the first
# snapshot reaches the output as an event, which only the stream gives (no reconcile list for
# 60 s).  The die is sent again until seen, in case the first came before the stream was open.
for kind in events version; do
	! grep " $kind " "$T_TMP/requests.txt" >/dev/null ||
		fail "status without --watch asked $kind: $(grep " $kind " "$T_TMP/requests.txt" | head -3 | tr '\n' ' ')"
done
for kind in ping info list; do
	[ "$(grep -c " $kind " "$T_TMP/requests.txt")" = $NODES ] ||
		fail "status: not every node was asked $kind: $(grep -c " $kind " "$T_TMP/requests.txt")"
done
jq -e 'all(.nodes[]; .events_connected | not)' "$T_TMP/all.json" >/dev/null ||
	fail "status: a node says its event stream is open: $(jq -c '[.nodes[] | select(.events_connected) | .name]' "$T_TMP/all.json")"
"$PLANTDECK" status --json --watch --reconcile-interval 60 >"$T_TMP/watch.json" 2>"$T_TMP/watch.err" &
wpid=$!
t_on_exit "kill $wpid 2>/dev/null"
seen=0
for try in 1 2 3 4 5 6; do
	i=0
	until jq -e -s 'any(.[]; .complete)' "$T_TMP/watch.json" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "status --watch: no complete snapshot in 30 s"
		sleep 0.1
	done
	"$LAB" sim fault sim-0002 event die --dir "$DIR" >/dev/null
	i=0
	while [ $i -lt 20 ]; do
		if jq -e -s 'any(.[]; any(.events[]; .node == "sim-0002" and .action == "die"))' \
			"$T_TMP/watch.json" >/dev/null 2>&1; then
			seen=1
			break
		fi
		i=$((i + 1))
		sleep 0.1
	done
	[ $seen = 0 ] || break
done
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null || :
[ $seen = 1 ] || fail "status --watch: no die event of sim-0002 through the event stream"
ok "status: no event stream, no /version (events_connected false); --watch: a die as an event (try $try)"

# A hung node: down (timed out), the others complete; status stops when every node has
# answered or failed (a ping times out in 2 s), far before its --timeout of 600 s.
"$LAB" sim fault sim-0011 hang --dir "$DIR"
set +e
"$PLANTDECK" status --json --timeout 600 >"$T_TMP/hang.json" 2>"$T_TMP/hang.err" &
spid=$!
i=0
while kill -0 $spid 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 600 ] || { kill $spid; fail "status still waits 60 s after it started, with one hung node"; }
	sleep 0.1
done
wait $spid
rc=$?
set -e
[ $rc = 1 ] || fail "status with a hung node: exit $rc, want 1"
jq -e '.complete and [.nodes[] | select(.reach != "up") | .name] == ["sim-0011"]' \
	"$T_TMP/hang.json" >/dev/null || fail "down nodes: $(jq -c '[.nodes[] | select(.reach != "up") | .name]' "$T_TMP/hang.json")"
jq -e '.nodes[] | select(.name == "sim-0011") | .error | test("timed out")' \
	"$T_TMP/hang.json" >/dev/null || fail "the hung node is not reported as timed out"
jq -e --argjson k $K '[.nodes[] | select(.reach == "up" and (.containers | length) == $k and
	all(.containers[]; .started_at != null))] | length == 39' "$T_TMP/hang.json" >/dev/null ||
	fail "the other nodes are not all complete"
ok "a hung node: down (timed out), the 39 others complete, status did not wait for its --timeout"
