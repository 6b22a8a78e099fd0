#!/bin/sh
# deploy-sim.sh: a deploy to 50 simulated engines (no lab), with work that
# takes time on every node (the simulator's /work: pulls, starts and health
# come late), so that the pre-pull's transfers and the switches' last starts
# (on the caller thread) are in flight at once.  The stack is installed (:1)
# then updated (:2); after each, the deploy is completed, its journal has
# every node's pull, switch, start, health wait, monitor and remove-old
# ending ok and every node done, and every node runs exactly one container of
# the stack, on the deployed image.  Nothing is timed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
NODES=50
S=dsim$$
command -v curl >/dev/null || skip "no curl"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

sim_start 61 --nodes $NODES --containers 2 --events-per-sec 0
curl -sf -X POST "$PLANTDECK_SIM_CONTROL/work?pull=300&start=200&health=400" >/dev/null ||
	fail "the simulator does not take /work"
export PLANTDECK_DB=$T_TMP/plantdeck.db

# stack TAG: the stack file on image :TAG
stack() {
	cat >"$T_TMP/stack.yaml" <<EOF
name: $S
services:
  plc:
    image: 127.0.0.1:5000/plant/plc-sim:$1
    network_mode: none
x-plantdeck:
  stack: $S
  rollout:
    canary: 0
    parallelism: 0
    grow: false
    monitor: 1s
    max_pulls: 1000
EOF
}

# check TAG: the newest deploy completed, its journal complete, every node on :TAG
check() {
	"$PLANTDECK" rollout status --json >"$T_TMP/status.json" || fail "rollout status"
	jq -e --argjson n $NODES '.state == "completed" and (.nodes | length) == $n and
		all(.nodes[]; .phase == "done")' "$T_TMP/status.json" >/dev/null ||
		{ cat "$T_TMP/status.json" >&2; fail "deploy of :$1 not completed on every node"; }
	"$PLANTDECK" rollout journal >"$T_TMP/journal" || fail "rollout journal"
	bad=$(awk -v n=$NODES '
		{ node = substr($0, 26, 16); sub(/ +$/, "", node); s = substr($0, 43, 29)
		  sub(/ +$/, "", s); split(s, w, " "); split(substr($0, 72), x, " ") }
		node != "-" && x[1] == "ok" { ok[node, w[1]] = 1; seen[node] = 1 }
		END { nn = 0; for (nd in seen) nn++; miss = n - nn
		  split("pull switch start health monitor remove", want, " ")
		  for (nd in seen) for (i in want) if (!ok[nd, want[i]]) { print nd " " want[i]; miss++ }
		  print "missing " miss }' "$T_TMP/journal")
	[ "$(echo "$bad" | tail -n 1)" = "missing 0" ] ||
		{ echo "$bad" >&2; fail "the journal of :$1 misses steps"; }
	filt=$(printf '{"label":["io.plantdeck.stack=%s"]}' "$S" | jq -sRr @uri)
	: >"$T_TMP/ps.json"
	for ep in $(awk '$1 == "endpoint:" {print $2}' "$PLANTDECK_INVENTORY"); do
		curl -sf "http://${ep#tcp://}/containers/json?all=1&filters=$filt" >>"$T_TMP/ps.json" ||
			fail "list on $ep"
	done
	# one list per node, each with exactly the stack's one running container on :TAG
	jq -e -s --argjson n $NODES --arg name "/$S-plc" \
		--arg img "127.0.0.1:5000/plant/plc-sim:$1" 'length == $n and all(.[];
		length == 1 and .[0].Names[0] == $name and .[0].Image == $img and
		.[0].State == "running")' "$T_TMP/ps.json" >/dev/null ||
		{ cat "$T_TMP/ps.json" >&2; fail "not every node runs one $S-plc on :$1"; }
}

stack 1
"$PLANTDECK" deploy "$T_TMP/stack.yaml" --yes >"$T_TMP/out" 2>&1 ||
	{ cat "$T_TMP/out" >&2; fail "deploy of :1 exited $?"; }
check 1
ok "installed on $NODES simulated nodes: journal complete, one running container each"

stack 2
"$PLANTDECK" deploy "$T_TMP/stack.yaml" --yes >"$T_TMP/out" 2>&1 ||
	{ cat "$T_TMP/out" >&2; fail "deploy of :2 exited $?"; }
check 2
ok "updated on $NODES simulated nodes: journal complete, the old containers removed"
