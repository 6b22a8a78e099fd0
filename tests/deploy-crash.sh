#!/bin/sh
# deploy-crash.sh: a node's dockerd killed mid-deploy fails that node, the
# others go on (failure_action continue) and the journal records it; a
# plantdeck SIGKILLed mid-deploy leaves a deploy that shows as interrupted,
# which resume completes — and, killed again, rollback returns.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 5 ] || skip "needs a lab of at least 5 nodes (has $N)"

S=dcra$$
# Five nodes at most, switched one at a time: the check once a second.
STACK_HC_INTERVAL=1
t_on_exit "lab_rm_prefix $S-"
# lab-05's engine is started again as soon as the test is done with it; at exit
# only when it does not answer (the test failed before that): an up of the whole
# lab takes long.
t_on_exit "lab_curl -fsS --max-time 10 '$(lab_url 5)/_ping' >/dev/null 2>&1 ||
	'$top_srcdir/lab/plantdeck-lab' up --nodes $N >/dev/null 2>&1"

# --- a node's engine dies mid-deploy
POLICY="    canary: 0
    parallelism: 1
    grow: false
    delay: 2s
    monitor: 1s
    max_failure_ratio: 0.5
    failure_action: continue"
f=$(stack_file "$S" 1 "$POLICY")
"$PLANTDECK" deploy "$f" --nodes 'lab-0[1-5]' --yes >"$T_TMP/out1" 2>&1 &
dpid=$!
t_on_exit "kill -KILL $dpid 2>/dev/null"
i=0
until deploy_status 2>/dev/null | jq -e '.done >= 1' >/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || fail "no node done after 60 s"
	sleep 0.1
done
kill -KILL "$(cat "$PLANTDECK_LAB/node05/pid")"
rc=0
wait "$dpid" || rc=$?
[ "$rc" = 1 ] || { cat "$T_TMP/out1" >&2; fail "exit $rc, want 1 (completed with a failure)"; }
id=$(deploy_status | jq .id)
deploy_status "$id" | jq -e '.state == "failed" and .done == 4 and .failed == 1 and
	(.nodes[] | select(.node == "lab-05") | .phase == "failed" and (.error | test("lab-05")))' \
	>/dev/null || fail "after the engine died: $(deploy_status "$id")"
"$PLANTDECK" rollout journal "$id" | grep 'lab-05 ' | grep -q ' fail ' ||
	fail "the journal has no failed step on lab-05"
ok "lab-05's engine killed: it failed, the 4 others completed; journaled"
"$top_srcdir/lab/plantdeck-lab" up --nodes "$N" >/dev/null 2>&1
lab_rm_prefix "$S-"

# --- plantdeck killed mid-deploy, then resumed
POLICY="    canary: 0
    parallelism: 1
    grow: false
    delay: 1s
    monitor: 1s"
f=$(stack_file "$S" 1 "$POLICY")
kill_mid_deploy() {
	local last
	last=$(deploy_status 2>/dev/null | jq '.id // 0' || echo 0)
	"$PLANTDECK" deploy "$1" --nodes 'lab-0[1-4]' --yes >"$T_TMP/outk" 2>&1 &
	dpid=$!
	i=0
	# Kill it once the new deploy has a node done, and before it ends.
	until deploy_status 2>/dev/null | jq -e --argjson l "${last:-0}" '.id > $l and .done >= 1' >/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 600 ] || fail "no node done after 60 s"
		sleep 0.1
	done
	kill -KILL "$dpid"
	wait "$dpid" 2>/dev/null || true
}
kill_mid_deploy "$f"
id=$(deploy_status | jq .id)
# Its heartbeat stops; the pid is gone at once, so it shows interrupted.
deploy_status "$id" | jq -e '.state == "interrupted"' >/dev/null ||
	fail "after SIGKILL: $(deploy_status "$id")"
"$PLANTDECK" rollout status "$id" | grep -q 'interrupted: plantdeck rollout resume' ||
	fail "status does not offer resume"
ok "SIGKILLed mid-deploy: shown as interrupted, with each node's last step"
"$PLANTDECK" rollout resume "$id" >"$T_TMP/out2" 2>&1 || { cat "$T_TMP/out2" >&2; fail "resume failed"; }
deploy_status "$id" | jq -e '.state == "completed" and .done == 4' >/dev/null ||
	fail "after resume: $(deploy_status "$id")"
for i in 1 2 3 4; do
	[ "$(ldocker "$i" ps -a --filter "label=io.plantdeck.stack=$S" --format '{{.Names}} {{.Image}}')" = \
		"$S-plc $REG/plant/plc-sim:1" ] || fail "$(lab_name "$i"): $(ldocker "$i" ps -a --filter "label=io.plantdeck.stack=$S")"
done
ok "resume completed it: one container per node, on :1"

# --- killed again during an update, then rolled back
f=$(stack_file "$S" 2 "$POLICY")
prev=$(deploy_status "$id" | jq .revision)
kill_mid_deploy "$f"
id=$(deploy_status | jq .id)
deploy_status "$id" | jq -e --argjson p "$prev" '.state == "interrupted" and .from_revision == $p' >/dev/null ||
	fail "second SIGKILL: $(deploy_status "$id")"
"$PLANTDECK" rollout rollback "$id" >"$T_TMP/out3" 2>&1 || { cat "$T_TMP/out3" >&2; fail "rollback failed"; }
deploy_status "$id" | jq -e '.state == "rolled_back"' >/dev/null || fail "after rollback: $(deploy_status "$id")"
for i in 1 2 3 4; do
	[ "$(ldocker "$i" ps -a --filter "label=io.plantdeck.stack=$S" --format '{{.Names}} {{.Image}} {{.State}}')" = \
		"$S-plc $REG/plant/plc-sim:1 running" ] || fail "$(lab_name "$i") after rollback: $(ldocker "$i" ps -a --filter "label=io.plantdeck.stack=$S")"
done
ok "rollback of the interrupted update: every node back on :1, nothing left over"
