#!/bin/sh
# deploy-breaker.sh: an update to plc-sim:bad with failure_action rollback —
# the breaker trips once the failure ratio passes 5 %, no further node is
# touched, and every touched node is back on :1 (switched back to its old
# container, without a pull).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 10 ] || skip "needs a lab of at least 10 nodes (has $N)"

S=dbrk$$
t_on_exit "lab_rm_prefix $S-"
POLICY="    canary: 1
    parallelism: 4
    grow: false
    monitor: 2s
    progress_deadline: 90s
    max_failure_ratio: 5%
    failure_action: rollback"

# Revision 1 goes out in one wave (the breaker's waves of 4 are for :bad;
# a canary here would only add a wave's health wait and monitor); its file
# is another revision of the same stack.
"$PLANTDECK" deploy "$(stack_file "$S" 1 "    canary: 0
    parallelism: 0
    monitor: 1s
    progress_deadline: 90s")" --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy :1 failed"; }
expect_all_on "$S" 1

rc=0
"$PLANTDECK" deploy "$(stack_file "$S" bad "$POLICY")" --yes >"$T_TMP/out2" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$T_TMP/out2" >&2; fail "deploy :bad exited $rc, want 1"; }
grep -q 'rolling back to revision 1' "$T_TMP/out2" || fail "no rollback announced: $(cat "$T_TMP/out2")"
st=$("$PLANTDECK" rollout list --json)
bad=$(echo "$st" | jq '[.[] | select(.kind == "deploy" and .revision == 2)][0]')
echo "$bad" | jq -e '.state == "rolled_back" and (.message | test("breaker"))' >/dev/null ||
	fail "the :bad deploy: $bad; the newest deploy: $("$PLANTDECK" rollout status)"
# Waves: the canary (1), then 4 at a time.  The canary fails (1/N is under
# 5 % for N >= 21, so it goes on), the next wave fails: 5/N trips it.
touched=$("$PLANTDECK" rollout status "$(echo "$bad" | jq .id)" --json |
	jq '[.nodes[] | select(.phase == "rolled_back")] | length')
skipped=$("$PLANTDECK" rollout status "$(echo "$bad" | jq .id)" --json |
	jq '[.nodes[] | select(.phase == "skipped")] | length')
limit=5
[ "$touched" -ge 1 ] && [ "$touched" -le "$limit" ] ||
	fail "$touched nodes touched, want 1..$limit"
[ $((touched + skipped)) = "$N" ] || fail "$touched touched + $skipped skipped != $N"
# The failed count is what the breaker counted, also once the rollback
# restored those nodes (it used to drop to 0).
failed=$(echo "$bad" | jq .failed)
[ "$failed" -ge 1 ] && [ "$failed" -le "$touched" ] ||
	fail "the rolled-back deploy says failed $failed (touched $touched)"
"$PLANTDECK" rollout status "$(echo "$bad" | jq .id)" --json |
	jq -e "[.nodes[] | select(.failed)] | length == $failed" >/dev/null ||
	fail "rollout status does not mark the $failed failed nodes"
ok "breaker tripped after $touched of $N nodes ($failed failed, kept after the rollback); $skipped never touched"
rb=$(echo "$st" | jq '[.[] | select(.kind == "rollback")][0].id')
deploy_status "$rb" | jq -e '.state == "completed" and .revision == 1' >/dev/null ||
	fail "the rollback deploy: $(deploy_status "$rb")"
expect_all_on "$S" 1
stack_ps "$S" | grep -q 'plc-sim:bad' && fail "a :bad container is left"
ok "every node is back on :1 and healthy, no :bad container left"
"$PLANTDECK" history "$S" --json | jq -e '.[] | select(.revision == 1) | .current' >/dev/null ||
	fail "revision 1 is not current after the rollback: $("$PLANTDECK" history "$S")"
# A rollback is never itself rolled back.
"$PLANTDECK" rollout rollback "$rb" >"$T_TMP/out3" 2>&1 && fail "a rollback was rolled back"
grep -q 'never itself rolled back' "$T_TMP/out3" || fail "$(cat "$T_TMP/out3")"
ok "revision 1 current again; a rollback refuses to be rolled back"
