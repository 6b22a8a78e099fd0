#!/bin/sh
# deploy-pause.sh: `plantdeck rollout pause` stops a rollout between waves
# (the deploy process ends with status 3 and untouched nodes stay pending);
# `rollout resume` finishes it.  Abort ends one for good.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 4 ] || skip "needs a lab of at least 4 nodes (has $N)"

S=dpau$$
# Four nodes, switched one at a time: the check once a second.
STACK_HC_INTERVAL=1
t_on_exit "lab_rm_prefix $S-"
# One node a wave, 3 s apart: time enough to pause between waves.
POLICY="    canary: 0
    parallelism: 1
    grow: false
    delay: 3s
    monitor: 1s"
f=$(stack_file "$S" 1 "$POLICY")

"$PLANTDECK" deploy "$f" --nodes 'lab-0[1-4]' --yes >"$T_TMP/out1" 2>&1 &
dpid=$!
t_on_exit "kill $dpid 2>/dev/null"
# Pause as soon as the first node is done.
i=0
until deploy_status 2>/dev/null | jq -e '.done >= 1' >/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || fail "no node done after 60 s: $(deploy_status)"
	sleep 0.1
done
id=$(deploy_status | jq .id)
"$PLANTDECK" rollout pause "$id" >/dev/null || fail "pause refused"
rc=0
wait "$dpid" || rc=$?
[ "$rc" = 3 ] || { cat "$T_TMP/out1" >&2; fail "the paused deploy exited $rc, want 3"; }
deploy_status "$id" | jq -e '.state == "paused" and .done >= 1 and .done < 4 and
	([.nodes[] | select(.phase == "pending" or .phase == "pulled")] | length) >= 1' >/dev/null ||
	fail "after pause: $(deploy_status "$id")"
done_at_pause=$(deploy_status "$id" | jq .done)
ok "paused after $done_at_pause of 4 nodes; the rest untouched"

"$PLANTDECK" deploy "$f" --nodes 'lab-0[1-4]' --yes >"$T_TMP/out2" 2>&1 &&
	fail "a second deploy of a paused stack was accepted"
grep -q "has deploy #$id paused" "$T_TMP/out2" || fail "$(cat "$T_TMP/out2")"
ok "a new deploy of the stack is refused while it is paused"

"$PLANTDECK" rollout resume "$id" >"$T_TMP/out3" 2>&1 || { cat "$T_TMP/out3" >&2; fail "resume failed"; }
deploy_status "$id" | jq -e '.state == "completed" and .done == 4' >/dev/null ||
	fail "after resume: $(deploy_status "$id")"
for i in 1 2 3 4; do
	ldocker "$i" ps --filter "name=^$S-plc\$" --format '{{.Image}} {{.Status}}' |
		grep -q "plc-sim:1 .*healthy" || fail "$(lab_name "$i") does not run $S on :1"
done
ok "resume finished it: 4 nodes on :1"

# Abort: the deploy ends, touched nodes keep the new revision.
f=$(stack_file "$S" 2 "$POLICY")
"$PLANTDECK" deploy "$f" --nodes 'lab-0[1-4]' --yes >"$T_TMP/out4" 2>&1 &
dpid=$!
i=0
until deploy_status 2>/dev/null | jq -e '.revision == 2 and .done >= 1' >/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || fail "no node done after 60 s: $(deploy_status)"
	sleep 0.1
done
"$PLANTDECK" rollout abort >/dev/null || fail "abort refused"
rc=0
wait "$dpid" || rc=$?
[ "$rc" = 1 ] || fail "the aborted deploy exited $rc, want 1"
deploy_status | jq -e '.state == "aborted" and ([.nodes[] | select(.phase == "skipped")] | length) >= 1' \
	>/dev/null || fail "after abort: $(deploy_status)"
"$PLANTDECK" rollout resume >/dev/null 2>&1 && fail "an aborted deploy resumed"
ok "abort: the deploy ends, the untouched nodes are skipped, resume refused"
