#!/bin/sh
# heal-stranded.sh: a node that hangs (SIGSTOP of its dockerd) past
# heal.node_grace is a node_down finding, and each stack container on it a
# "stranded" finding with a reschedule proposal onto another node of the
# stack's placement.  Approved, the stack runs there; the node's own copy is
# left while it does not answer, and removed as soon as it answers again
# (only containers older than the move), which the audit trail records.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
[ "$PLANTDECK_LAB_NODES" -ge 6 ] || skip "needs a lab of at least 6 nodes (has $PLANTDECK_LAB_NODES)"
. "$top_srcdir/tests/deploy-lib.sh"
. "$top_srcdir/tests/heal-lib.sh"

S=hst$$
# One node at a time: the check once a second.
STACK_HC_INTERVAL=1
C=$S-plc
HUNG=$(cat "$PLANTDECK_LAB/node05/pid")
t_on_exit "lab_rm_prefix $S-"
t_on_exit "kill -CONT $HUNG 2>/dev/null"
heal_inventory "heal:
  node_grace: 5s
  verify_window: 5s"

f=$(stack_file "$S" 1 "    monitor: 1s
    progress_deadline: 60s" lab-05,lab-06)
"$PLANTDECK" --nodes lab-05 deploy "$f" --yes >"$T_TMP/d1" 2>&1 ||
	{ cat "$T_TMP/d1" >&2; fail "deploy to lab-05 failed"; }
heal_watch_start
heal_watch_ready
kill -STOP "$HUNG"
t0=$(now_s)
j=$(heal_wait ".proposals | any(.container == \"$C\" and .kind == \"stranded\" and
	.action == \"reschedule\" and .state == \"pending\")" 60)
ms=$(ms_between "$t0" "$(now_s)")
P=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C\" and .kind == \"stranded\") | .id")
echo "$j" | jq -e ".proposals[] | select(.id == $P) | .node == \"lab-05\" and .to_node == \"lab-06\" and
	(.reason | test(\"unreachable\"))" >/dev/null ||
	fail "stranded proposal: $(echo "$j" | jq -c ".proposals[] | select(.id == $P)")"
echo "$j" | jq -e '.findings | any(.kind == "node_down" and .node == "lab-05" and .container == "")' \
	>/dev/null || fail "no node_down finding: $(echo "$j" | jq -c .findings)"
echo "$j" | jq -e '[.proposals[] | select(.kind == "node_down")] | length == 0' >/dev/null ||
	fail "a node_down finding got a proposal of its own"
ok "lab-05 hung: node_down and stranded findings, reschedule of $S to lab-06 proposed (#$P) after ${ms} ms"

"$PLANTDECK" heal approve "$P" >/dev/null || fail "approve #$P"
j=$(heal_wait ".proposals | any(.id == $P and .state == \"succeeded\")" 120)
echo "$j" | jq -e ".proposals[] | select(.id == $P) | .result | test(\"removed when that node answers again\")" \
	>/dev/null || fail "result: $(echo "$j" | jq -c ".proposals[] | select(.id == $P) | .result")"
ldocker 6 ps --filter "name=^$C\$" --format '{{.Image}} {{.State}}' | grep -q "plc-sim:1 running" ||
	fail "$C does not run on lab-06"
ok "approved: $S runs on lab-06; lab-05's copy waits for lab-05"

kill -CONT "$HUNG"
i=0
until [ -z "$(ldocker 5 ps -aq --filter "label=io.plantdeck.stack=$S" 2>/dev/null)" ]; do
	i=$((i + 1))
	[ "$i" -lt 60 ] || fail "lab-05 still has $S a minute after it answers again: $(ldocker 5 ps -a --filter "label=io.plantdeck.stack=$S")"
	sleep 1
done
ldocker 6 ps --filter "name=^$C\$" --format '{{.State}}' | grep -q running || fail "$C on lab-06 was removed too"
"$PLANTDECK" audit --json | jq -e --arg t "proposal #$P: cleanup node lab-05" \
	'any(.[]; .action == "heal" and (.target | startswith($t)) and (.detail | test("removed 1 container")))' \
	>/dev/null || fail "no cleanup in the audit: $("$PLANTDECK" audit --json | jq -c '[.[] | select(.action == "heal")]')"
ok "lab-05 answers again: its old copy of $S removed (audited), lab-06's kept"
