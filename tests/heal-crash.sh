#!/bin/sh
# heal-crash.sh: a stack whose new revision crash-loops (plc-sim:bad under
# restart: always) is one crash-loop finding, and its proposals escalate as
# each approved stage fails to help: restart -> reschedule onto another node
# of its placement -> roll back to the previous revision, which works.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
. "$top_srcdir/tests/heal-lib.sh"

S=hcr$$
t_on_exit "lab_rm_prefix $S-"
heal_inventory "heal:
  verify_window: 6s"

# Placement: three nodes; the deploys go to lab-01 alone (--nodes).
stack() {
	cat >"$T_TMP/$S.yaml" <<YAML
x-plantdeck:
  stack: $S
  placement: lab-01,lab-02,lab-03
  rollout:
    monitor: 2s
    progress_deadline: 60s
    failure_action: continue
services:
  plc:
    image: $REG/plant/plc-sim:$1
    restart: always
    network_mode: none
    healthcheck:
      test: ["CMD", "/bin/plc-sim", "health"]
      interval: 2s
      timeout: 5s
      retries: 3
      start_period: 1s
YAML
	echo "$T_TMP/$S.yaml"
}

"$PLANTDECK" --nodes lab-01 deploy "$(stack 1)" --yes >"$T_TMP/d1" 2>&1 ||
	{ cat "$T_TMP/d1" >&2; fail "deploy :1 failed"; }
"$PLANTDECK" --nodes lab-01 deploy "$(stack bad)" --yes >"$T_TMP/d2" 2>&1 &&
	fail "deploy :bad succeeded: $(cat "$T_TMP/d2")"
ok "revision 1 (:1) then 2 (:bad) on lab-01, failure_action continue"

heal_watch_start
C=$S-plc
# Failing checks may come first (an unhealthy finding); the crash loop supersedes it.
j=$(heal_wait ".proposals | any(.container == \"$C\" and .kind == \"crash_loop\" and
	.action == \"restart\" and .state == \"pending\" and .stage == 1)" 120)
P1=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C\" and .kind == \"crash_loop\" and
	.action == \"restart\") | .id")
echo "$j" | jq -e ".findings | map(select(.container == \"$C\" and .kind == \"crash_loop\")) |
	length == 1 and (.[0].evidence | test(\"exits in the last\"))" >/dev/null ||
	fail "no crash-loop finding with evidence: $(echo "$j" | jq -c .findings)"
echo "$j" | jq -e "[.findings[] | select(.container == \"$C\" and .open)] | length == 1" >/dev/null ||
	fail "more than one open finding for $C: $(echo "$j" | jq -c .findings)"
ok "crash loop found, restart proposed (#$P1)"

"$PLANTDECK" heal approve "$P1" >"$T_TMP/a1" || fail "approve #$P1: $(cat "$T_TMP/a1")"
grep -q "approved; .* carries it out" "$T_TMP/a1" || fail "approve said: $(cat "$T_TMP/a1")"
"$PLANTDECK" heal approve "$P1" 2>"$T_TMP/a1b" && fail "a second approval of #$P1 was taken"
grep -q "not pending" "$T_TMP/a1b" || fail "second approval: $(cat "$T_TMP/a1b")"
j=$(heal_wait ".proposals | any(.id == $P1 and .state == \"failed\") and
	any(.container == \"$C\" and .action == \"reschedule\" and .state == \"pending\")" 120)
echo "$j" | jq -e ".proposals[] | select(.id == $P1) | .result | test(\"did not help\")" \
	>/dev/null || fail "restart result: $(echo "$j" | jq -c ".proposals[] | select(.id == $P1)")"
P2=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C\" and .action == \"reschedule\") | .id")
TO=$(echo "$j" | jq -r ".proposals[] | select(.id == $P2) | .to_node")
case "$TO" in lab-02|lab-03) ;; *) fail "reschedule to '$TO', not lab-02/03 (placement)" ;; esac
ok "restart did not help; reschedule to $TO proposed (#$P2)"

"$PLANTDECK" heal approve "$P2" >/dev/null || fail "approve #$P2"
j=$(heal_wait ".proposals | any(.id == $P2 and .state == \"failed\") and
	any(.container == \"$C\" and .action == \"rollback\" and .state == \"pending\")" 180)
ldocker "$(lab_index "$TO")" ps -a --filter "name=^$C\$" --format '{{.Image}}' |
	grep -q "plc-sim:bad" || fail "no $C on $TO after the reschedule"
[ -z "$(ldocker 1 ps -aq --filter "label=io.plantdeck.stack=$S")" ] ||
	fail "the stack's containers are still on lab-01"
P3=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C\" and .action == \"rollback\") | .id")
echo "$j" | jq -e ".proposals[] | select(.id == $P3) | .to_revision == 1 and .node == \"$TO\"" \
	>/dev/null || fail "rollback proposal: $(echo "$j" | jq -c ".proposals[] | select(.id == $P3)")"
ok "rescheduled to $TO (still failing: the image is bad); rollback to revision 1 proposed (#$P3)"

"$PLANTDECK" heal approve "$P3" >/dev/null || fail "approve #$P3"
heal_wait ".proposals | any(.id == $P3 and .state == \"succeeded\")" 180 >/dev/null
ldocker "$(lab_index "$TO")" ps --filter "name=^$C\$" --format '{{.Image}} {{.State}}' |
	grep -q "plc-sim:1 running" || fail "$C on $TO is not running :1"
j=$(heal_json)
echo "$j" | jq -e "[.findings[] | select(.container == \"$C\" and .kind == \"crash_loop\")] |
	length == 1" >/dev/null || fail "more than one crash-loop finding: $(echo "$j" | jq -c .findings)"
echo "$j" | jq -e "[.proposals[] | select(.container == \"$C\" and .kind == \"crash_loop\")] |
	map(.stage) | sort == [1, 2, 3]" \
	>/dev/null || fail "stages: $(echo "$j" | jq -c '[.proposals[] | {id, stage, action, state}]')"
echo "$j" | jq -e ".proposals[] | select(.id == $P1) | .decided_by | test(\"^$(id -un)\")" \
	>/dev/null || fail "who approved is not recorded"
# heal watch reads the queue once a second: give it that long to print.
i=0
until grep -q "proposal #$P3 \[succeeded\]" "$T_TMP/watch"; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "heal watch did not print the result"
	sleep 0.1
done
ok "rolled back: $C on $TO runs plc-sim:1; one finding, three stages, approvers recorded"

# The audit trail: each approval (by whom) and each executed action with its outcome.
a=$("$PLANTDECK" audit --json) || fail "audit --json failed"
for p in "$P1" "$P2" "$P3"; do
	echo "$a" | jq -e --arg t "proposal #$p: " --arg u "$(id -un)" '[.[] | select(.action == "approve" and
		(.target | startswith($t)) and (.actor | startswith($u)))] | length == 1' >/dev/null ||
		fail "no approval of #$p by $(id -un) in the audit: $(echo "$a" | jq -c '[.[] | {action, target}]')"
done
echo "$a" | jq -e --arg t1 "proposal #$P1: " --arg t3 "proposal #$P3: " '
	any(.[]; .action == "heal" and (.target | startswith($t1)) and (.detail | startswith("failed: "))) and
	any(.[]; .action == "heal" and (.target | startswith($t3)) and (.detail | startswith("succeeded: ")))' \
	>/dev/null || fail "the audit lacks the executed actions: $(echo "$a" | jq -c '[.[] | select(.action == "heal")]')"
"$PLANTDECK" audit verify >/dev/null || fail "audit verify failed"
ok "audit: three approvals by $(id -un), the failed restart and the successful rollback; the chain verifies"

# A deploy of a stack overtakes a pending proposal: a :bad revision paused on
# lab-04 crash-loops and gets a restart proposal; once the deploy's rollback
# has replaced the container with one that runs, the proposal expires as
# superseded, naming the deploy, and leaves the queue.
S2=$S-x
C2=$S2-plc
"$PLANTDECK" --nodes lab-04 deploy "$(stack_file "$S2" 1 "    monitor: 1s
    progress_deadline: 60s")" --yes >"$T_TMP/x1" 2>&1 ||
	{ cat "$T_TMP/x1" >&2; fail "deploy $S2 :1 failed"; }
"$PLANTDECK" --nodes lab-04 deploy "$(stack_file "$S2" bad "    monitor: 1s
    progress_deadline: 60s
    failure_action: pause")" --yes >"$T_TMP/x2" 2>&1 && fail "deploy $S2 :bad succeeded"
j=$(heal_wait ".proposals | any(.container == \"$C2\" and .kind == \"crash_loop\" and
	.action == \"restart\" and .state == \"pending\")" 90)
P4=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C2\" and .state == \"pending\") | .id")
D2=$("$PLANTDECK" rollout list --json | jq "[.[] | select(.stack == \"$S2\" and .revision == 2)][0].id")
"$PLANTDECK" rollout rollback "$D2" >"$T_TMP/x3" 2>&1 ||
	{ cat "$T_TMP/x3" >&2; fail "rollout rollback $D2 failed"; }
j=$(heal_wait ".proposals | any(.id == $P4 and .state == \"expired\" and
	(.result | test(\"^superseded: deploy #[0-9]+ \\\\(rollback of stack $S2 to revision 1, [a-z_]+\\\\) replaced the container\")))" 60)
"$PLANTDECK" heal list --json | jq -e "[.proposals[] | select(.id == $P4)] | length == 0" >/dev/null ||
	fail "#$P4 is still in the queue"
ldocker 4 inspect -f '{{.RestartCount}}' "$C2" | grep -qx 0 || fail "the rollback's $C2 was restarted"
ok "a rollback of $S2 fixed $C2: restart proposal #$P4 expired as superseded, off the queue"
