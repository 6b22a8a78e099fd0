#!/bin/sh
# audit-lab.sh: a small stack deployed to lab-01, updated, and rolled back —
# `plantdeck audit --json` then holds the deploy and rollback entries of the
# stack (started and ended, by this user), and the chain verifies.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"

S=daud$$
# One node: the check once a second.
STACK_HC_INTERVAL=1
t_on_exit "lab_rm_prefix $S-"
POLICY="    monitor: 1s
    progress_deadline: 60s"

f=$(stack_file "$S" 1 "$POLICY")
"$PLANTDECK" --nodes lab-01 deploy "$f" --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy :1 failed"; }
f=$(stack_file "$S" 2 "$POLICY")
"$PLANTDECK" --nodes lab-01 deploy "$f" --yes >"$T_TMP/out2" 2>&1 ||
	{ cat "$T_TMP/out2" >&2; fail "deploy :2 failed"; }
"$PLANTDECK" --nodes lab-01 rollout rollback >"$T_TMP/out3" 2>&1 ||
	{ cat "$T_TMP/out3" >&2; fail "rollback failed"; }
ok "deployed :1 and :2 to lab-01, rolled back"

"$PLANTDECK" audit --json >"$T_TMP/audit" || fail "audit --json failed"
jq -e --arg s "stack $S revision" '
	[.[] | select(.target | startswith($s))] as $e |
	([$e[] | select(.action == "deploy-start")] | length) == 2 and
	([$e[] | select(.action == "deploy-end" and (.detail | test("completed")))] | length) == 2 and
	([$e[] | select(.action == "rollback-start" and (.detail | test("requested")))] | length) == 1 and
	([$e[] | select(.action == "rollback-end" and (.detail | test("completed.*rolled_back")))] | length) == 1 and
	([$e[] | select(.action == "deploy-start" and (.detail | test("lab-01")))] | length) == 2 and
	all($e[]; .actor != "")' "$T_TMP/audit" >/dev/null ||
	fail "audit: $(jq -c --arg s "$S" '.[] | select(.target | contains($s))' "$T_TMP/audit")"
ok "deploys and the rollback are in the audit trail: $(jq -r --arg s "$S" \
	'[.[] | select(.target | contains($s)) | .action] | join(" ")' "$T_TMP/audit")"

"$PLANTDECK" audit verify >"$T_TMP/verify" || fail "verify: $(cat "$T_TMP/verify")"
ok "$(cat "$T_TMP/verify")"
