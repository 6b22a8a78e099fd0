#!/bin/sh
# sim-basic.sh: the simulated engines (lab/plantdeck-lab sim, lab/sim/enginesim.c) without a
# lab.  200 simulated nodes: `plantdeck status --json` sees every node up and every container;
# with one node hung and one refusing, those two are reported down (timed out, refused) while
# the 198 others are complete; events reach an open /events stream, and /events?since=&until=
# replays them from the node's record and ends; the other faults: slow replies (late, then
# answered), dropped event streams (closed by the engine), a list of 50,000 containers and a
# list of 65 MiB, and ok undoes them; `sim down` stops the simulator.  The simulator's fidelity
# to a real engine is tests/sim-calibrate.sh's job (the swarm's: sim-calibrate-swarm.sh).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
NODES=200 K=5
command -v curl >/dev/null || skip "no curl"

sim_start 0 --nodes $NODES --containers $K --events-per-sec 0
[ "$PLANTDECK_SIM_NODES" = $NODES ] || fail "sim env: PLANTDECK_SIM_NODES=$PLANTDECK_SIM_NODES"
[ "$(grep -c '^  - name: sim-' "$PLANTDECK_INVENTORY")" = $NODES ] || fail "inventory: not $NODES nodes"
ok "sim up: $NODES nodes on 127.$SIM_NET.x.y, inventory $PLANTDECK_INVENTORY"

# The node's API as plantdeck negotiates it.
hdr=$(curl -sfi "${DOCKER_HOST#tcp://}/_ping" | tr -d '\r')
assert_contains "$hdr" "Api-Version: 1.41"
ok "/_ping with Api-Version"

"$PLANTDECK" status --json --timeout 20 >"$T_TMP/all.json" || fail "status exit $?"
jq -e --argjson n $NODES --argjson k $K '.complete and (.nodes | length) == $n and
	all(.nodes[]; .reach == "up" and .containers_total == $k and (.containers | length) == $k
	and .engine_version == "20.10.24+dfsg1" and .api_version == "1.41")' \
	"$T_TMP/all.json" >/dev/null || fail "not every node up with $K containers"
ok "status: $NODES nodes up, $((NODES * K)) containers listed"

# Faults: sim-0007 hangs (accepts, never answers), sim-0009 refuses connections.
"$LAB" sim fault sim-0007 hang --dir "$DIR"
"$LAB" sim fault 9 refuse --dir "$DIR"
set +e
"$PLANTDECK" status --json --timeout 5 >"$T_TMP/faults.json" 2>"$T_TMP/faults.err"
rc=$?
set -e
[ $rc = 1 ] || fail "status with two faulty nodes: exit $rc, want 1"
jq -e '[.nodes[] | select(.reach != "up") | .name] == ["sim-0007", "sim-0009"]' \
	"$T_TMP/faults.json" >/dev/null || fail "down nodes: $(jq -c '[.nodes[] | select(.reach != "up") | .name]' "$T_TMP/faults.json")"
jq -e '.nodes[] | select(.name == "sim-0007") | .error | test("timed out")' \
	"$T_TMP/faults.json" >/dev/null || fail "the hung node is not reported as timed out"
jq -e '.nodes[] | select(.name == "sim-0009") | .error | test("connect")' \
	"$T_TMP/faults.json" >/dev/null || fail "the refusing node is not reported as refused"
jq -e --argjson k $K '[.nodes[] | select(.reach == "up" and (.containers | length) == $k)] |
	length == 198' "$T_TMP/faults.json" >/dev/null || fail "the other nodes are not all complete"
ok "hung and refusing nodes reported down, the 198 others complete"

# Events: an open /events stream sees a lifecycle change (die, then the restart policy's start).
ev=${DOCKER_HOST#tcp://}
curl -sN --max-time 20 "$ev/v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D" \
	>"$T_TMP/events" 2>/dev/null &
cpid=$!
t_on_exit "kill $cpid 2>/dev/null"
i=0
until grep -q '"Action":"die".*"timeNano":[0-9]*}$' "$T_TMP/events" 2>/dev/null; do
	"$LAB" sim fault sim-0001 event die --dir "$DIR"
	i=$((i + 1))
	[ $i -lt 100 ] || fail "no event on the stream"
	sleep 0.1
done
grep '"Action":"die".*"timeNano":[0-9]*}$' "$T_TMP/events" | head -n 1 |
	jq -e '.Actor.Attributes.exitCode == "1" and .Type == "container"' >/dev/null || fail "no die event with its exit code: $(head -c 500 "$T_TMP/events")"
kill $cpid 2>/dev/null || true
ok "events stream: die with exitCode"

# The record: since/until replays the die between two times (the restart policy's start comes
# 100 ms later, maybe after t1) and ends the stream by itself (curl returns without --max-time); a bad time is refused.
t0=$(date +%s.%N)
"$LAB" sim fault sim-0001 event die --dir "$DIR"
t1=$(date +%s.%N)
curl -sf --max-time 20 "$ev/v1.41/events?since=$t0&until=$t1" >"$T_TMP/replay" ||
	fail "events since/until: curl exit $?"
[ "$(jq -r .Action "$T_TMP/replay" | head -n 1)" = die ] ||
	fail "replay between t0 and t1: $(cat "$T_TMP/replay")"
jq -se --arg a "$t0" --arg b "$t1" 'all(.[]; .timeNano >= ($a | tonumber) * 1e9 - 1e3 and
	.timeNano <= ($b | tonumber) * 1e9 + 1e3)' "$T_TMP/replay" >/dev/null ||
	fail "replayed events outside since/until: $(cat "$T_TMP/replay")"
curl -sf --max-time 20 "$ev/v1.41/events?since=$t0&until=$t1&filters=%7B%22event%22%3A%5B%22kill%22%5D%7D" |
	jq -r .Action | grep -q . && fail "replay with an event filter: a kill that never was"
code=$(curl -s -o /dev/null -w '%{http_code}' "$ev/v1.41/events?since=yesterday")
[ "$code" = 400 ] || fail "since=yesterday: HTTP $code, want 400"
ok "events since/until: replayed from the node's record, filtered, the stream ended"

# Slow: every reply of sim-0003 500 ms late — a client that gives it 100 ms gives up, one that
# waits has the answer; ok undoes it.
s3=127.$SIM_NET.0.4:2375
"$LAB" sim fault sim-0003 slow 500 --dir "$DIR"
set +e
curl -sf --max-time 0.1 "$s3/_ping" >/dev/null
rc=$?
set -e
[ $rc = 28 ] || fail "slow node answered within 100 ms (curl exit $rc)"
[ "$(curl -sf --max-time 20 "$s3/_ping")" = OK ] || fail "slow node never answered"
"$LAB" sim fault sim-0003 ok --dir "$DIR"
ok "slow replies: late, then answered"

# Dropped event streams: the engine closes an open /events stream (curl ends by itself).
curl -sN --max-time 60 "$s3/v1.41/events" >/dev/null 2>&1 &
cpid=$!
t_on_exit "kill $cpid 2>/dev/null"
# (until curl has ended: the first drops may come before its stream is open)
i=0
while kill -0 $cpid 2>/dev/null; do
	"$LAB" sim fault sim-0003 drop-events --dir "$DIR"
	i=$((i + 1))
	[ $i -lt 50 ] || fail "the events stream was not dropped"
	sleep 0.1
done
ok "dropped event streams: the engine closes them"

# Lists: 50,000 more containers on sim-0005, a 65 MiB list on sim-0006.
"$LAB" sim fault sim-0005 many 50000 --dir "$DIR"
n5=$(curl -sf "127.$SIM_NET.0.6:2375/v1.41/containers/json?all=1" | jq length)
[ "$n5" = $((50000 + K)) ] || fail "sim-0005 lists $n5 containers, want $((50000 + K))"
"$LAB" sim fault sim-0006 huge --dir "$DIR"
bytes=$(curl -sf "127.$SIM_NET.0.7:2375/v1.41/containers/json?all=1" | wc -c)
[ "$bytes" -gt 67108864 ] || fail "sim-0006's huge list is $bytes bytes"
"$LAB" sim fault sim-0006 ok --dir "$DIR"
[ "$(curl -sf "127.$SIM_NET.0.7:2375/v1.41/containers/json?all=1" | jq length)" = $K ] ||
	fail "ok did not undo huge"
ok "lists of $((50000 + K)) containers and of $bytes bytes; ok undoes huge"

pid=$PLANTDECK_SIM_PID
"$LAB" sim down --dir "$DIR" >/dev/null
# gone, or a zombie that its new parent has not reaped yet
st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || true
[ -z "$st" ] || [ "$st" = Z ] || fail "sim down left pid $pid running (state $st)"
ok "sim down"
