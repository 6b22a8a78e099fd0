#!/bin/sh
# deploy-registry.sh: with the registry down, pre-pull fails with a clear
# message naming the registry, and nothing is switched.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 3 ] || skip "needs a lab of at least 3 nodes (has $N)"

S=dreg$$
# Three nodes: the check once a second.
STACK_HC_INTERVAL=1
t_on_exit "lab_rm_prefix $S-"
# The registry is started again as soon as the test is done with it; at exit only
# when it does not answer (the test failed before that): an up of the whole lab
# takes long.
t_on_exit "curl -fsS --max-time 10 'http://$REG/v2/' >/dev/null 2>&1 ||
	'$top_srcdir/lab/plantdeck-lab' up --nodes $N >/dev/null 2>&1"
POLICY="    monitor: 1s"
"$PLANTDECK" deploy "$(stack_file "$S" 1 "$POLICY")" --nodes 'lab-0[1-3]' --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy :1 failed"; }
before=$(stack_ps "$S" | awk '{print $1, $2, $3, $4}' | sort)

kill -TERM "$(cat "$PLANTDECK_LAB/registry/pid")"
i=0
while curl -fsS -m 1 "http://$REG/v2/" >/dev/null 2>&1; do
	i=$((i + 1)); [ "$i" -lt 50 ] || fail "the registry does not stop"; sleep 0.1
done
rc=0
"$PLANTDECK" deploy "$(stack_file "$S" 2 "$POLICY")" --nodes 'lab-0[1-3]' --yes >"$T_TMP/out2" 2>&1 || rc=$?
[ "$rc" = 3 ] || { cat "$T_TMP/out2" >&2; fail "exit $rc, want 3 (paused: failure_action pause)"; }
deploy_status | jq -e '.state == "paused" and (.message | test("pre-pull failed on 3 of 3 nodes: nothing was switched")) and
	all(.nodes[]; .phase == "failed" and (.error | test("pull .*127.0.0.1:5000")))' >/dev/null ||
	fail "$(deploy_status)"
[ "$(stack_ps "$S" | awk '{print $1, $2, $3, $4}' | sort)" = "$before" ] || fail "containers changed: $(stack_ps "$S")"
ok "registry down: pre-pull failed on every node, naming the registry; nothing switched"

"$top_srcdir/lab/plantdeck-lab" up --nodes "$N" >/dev/null 2>&1
"$PLANTDECK" rollout abort >/dev/null || fail "abort of the paused deploy refused"
"$PLANTDECK" deploy "$T_TMP/$S.yaml" --nodes 'lab-0[1-3]' --yes >"$T_TMP/out3" 2>&1 ||
	{ cat "$T_TMP/out3" >&2; fail "deploy :2 with the registry back failed"; }
ok "registry back: the same deploy goes through"
