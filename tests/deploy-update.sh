#!/bin/sh
# deploy-update.sh: a stack deployed to every lab node on plc-sim:1, then
# updated to :2 — every node ends on :2, healthy, the old containers gone
# after monitor; the journal and the revisions say so.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"

S=dupd$$
# Nine nodes (the canary and a wave of eight): what an update leaves behind
# shows on nine as on the whole lab, and 26 switches at once only load the
# machine (deploy-breaker.sh deploys to every node of the lab).
[ "$N" -le 9 ] || N=9
SEL="lab-0[1-$N]"
t_on_exit "lab_rm_prefix $S-"
# The canary, then every other node at once: waves are deploy-breaker's and
# deploy-pause's business; this one is about what an update leaves behind.
POLICY="    monitor: 2s
    grow: false
    progress_deadline: 60s"

f=$(stack_file "$S" 1 "$POLICY")
"$PLANTDECK" deploy "$f" --nodes "$SEL" --dry-run >"$T_TMP/plan" || fail "dry run failed"
grep -q "revision 0 -> 1" "$T_TMP/plan" || fail "plan: $(cat "$T_TMP/plan")"
grep -q "wave 0: lab-01$" "$T_TMP/plan" || fail "the canary wave is not lab-01 alone: $(cat "$T_TMP/plan")"
[ -z "$(stack_ps "$S")" ] || fail "--dry-run created containers"
ok "dry run: the plan has a canary wave, nothing changed"

"$PLANTDECK" deploy "$f" --nodes "$SEL" --yes >"$T_TMP/out1" 2>&1 || { cat "$T_TMP/out1" >&2; fail "deploy :1 failed"; }
expect_all_on "$S" 1
ok "revision 1: $N nodes on plc-sim:1, healthy"

f=$(stack_file "$S" 2 "$POLICY")
t0=$(now_s)
"$PLANTDECK" deploy "$f" --nodes "$SEL" --yes >"$T_TMP/out2" 2>&1 || { cat "$T_TMP/out2" >&2; fail "deploy :2 failed"; }
ok "update to :2 took $(ms_between "$t0" "$(now_s)") ms"
expect_all_on "$S" 2
stack_ps "$S" | grep -q '\.r1 ' && fail "old containers left: $(stack_ps "$S" | grep '\.r1')"
ok "revision 2: $N nodes on plc-sim:2, healthy; no old container left"

deploy_status | jq -e --argjson n "$N" '.state == "completed" and .revision == 2 and
	.from_revision == 1 and .done == $n and .failed == 0 and
	all(.nodes[]; .phase == "done")' >/dev/null || fail "status: $(deploy_status)"
# Every node's switch was journaled before and after, in that order.
"$PLANTDECK" rollout journal >"$T_TMP/journal"
for i in $(seq 1 "$N"); do
	grep "^[0-9TZ:.-]* $(lab_name "$i") " "$T_TMP/journal" | cut -c43-76 | tr -s ' ' |
		tr '\n' ' ' | grep -q 'switch begin .*switch ok .*health wait ok .*monitor ok .*remove old ok' ||
		fail "$(lab_name "$i")'s journal is not switch, health, monitor, remove: $(grep "$(lab_name "$i")" "$T_TMP/journal")"
done
ok "the journal has every node's steps, begin and end"
"$PLANTDECK" history "$S" --json | jq -e 'length == 2 and .[0].revision == 2 and .[0].current and
	(.[0].images | test("plc-sim:2")) and (.[1].images | test("plc-sim:1"))' >/dev/null ||
	fail "history: $("$PLANTDECK" history "$S")"
ok "history keeps both revisions, 2 current"
