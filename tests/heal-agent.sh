#!/bin/sh
# heal-agent.sh: findings from a node's agent container (lab/agent-image on
# lab-03), and the proposals they get.
#  - An exec into a container from the host (a program not on its allow list)
#    is an anomaly finding with the agent's evidence, and a quarantine
#    proposal; approved, the container is paused (still there, memory kept)
#    and its files are committed to a snapshot image on its node.  It is not
#    restarted, and the finding does not expire while nobody decides.
#  - A memory limit rewritten in the cgroup file behind the engine's back is a
#    drift finding and a reapply proposal; approved, the agent re-applies it
#    and the cgroup file reads the engine's limit again.
# Both decisions are in the audit trail, by the approver's name.  A container
# labelled as the agent that plantdeck did not start prints anomaly lines all
# along: no finding, and status shows it as agent_untrusted.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
need_capture
need_lab
[ -d /sys/fs/cgroup/memory ] || skip "this machine has no cgroup v1 memory hierarchy"
. "$top_srcdir/tests/deploy-lib.sh"
. "$top_srcdir/tests/heal-lib.sh"

S=hag$$
IMG=$top_srcdir/lab/agent-image
SEC=$S-sec
MEMC=$S-mem
t_on_exit "lab_rm_prefix $S-"
t_on_exit "ldocker 3 rmi -f \$(ldocker 3 images -q 'plantdeck-quarantine/$SEC') >/dev/null 2>&1"
t_on_exit "'$IMG' stop --nodes lab-03 >/dev/null 2>&1"
# The cockpit trusts only the agent started from the image pinned here.
PIN=$("$IMG" pin --binary "$PLANTDECK" 2>"$T_TMP/pin.err") || fail "lab/agent-image pin: $(cat "$T_TMP/pin.err")"
heal_inventory "heal:
  verify_window: 4s
  clear_after: 5s
agent:
  image: $PIN"

"$IMG" run --nodes lab-03 --binary "$PLANTDECK" -- --drift-interval 1 >"$T_TMP/img.out" 2>&1 ||
	fail "lab/agent-image run: $(cat "$T_TMP/img.out")"
i=0
until ldocker 3 logs plantdeck-agent 2>/dev/null | grep -q '"type":"capture".*"available":true'; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || fail "the agent on lab-03 never captured: $(ldocker 3 logs plantdeck-agent 2>&1 | cut -c1-300)"
	sleep 0.1
done
ldocker 3 run -d --name "$SEC" "$REG/plant/plc-sim:1" >/dev/null
ldocker 3 run -d --name "$MEMC" --memory 64m "$REG/plant/plc-sim:1" >/dev/null
MEMID=$(ldocker 3 inspect -f '{{.Id}}' "$MEMC")
MEMFILE=/sys/fs/cgroup/memory/docker/$MEMID/memory.limit_in_bytes
[ -f "$MEMFILE" ] || skip "the lab does not use the cgroupfs driver ($MEMFILE)"
# An impostor: labelled as the agent, not the one plantdeck started from the
# pinned image; it prints an anomaly about $MEMC (issue 17: no finding).
ldocker 3 run -d --name "$S-impostor" --label io.plantdeck.agent=1 --entrypoint /bin/sh \
	"$REG/plant/plc-sim:1" -c "while :; do echo '{\"type\":\"anomaly\",\"rule\":\"exec\",\"severity\":\"critical\",\"container\":{\"id\":\"$MEMID\",\"name\":\"$MEMC\"},\"text\":\"forged by an impostor\"}'; sleep 1; done" >/dev/null
heal_watch_start
# The watcher follows the agent's logs from its start: wait until it runs.
heal_wait '.runner != null' 20 >/dev/null

# --- anomaly -> quarantine
# The agent has no engine: it knows $SEC once the watcher's manifest of lab-03's
# containers has reached it (pushed when the watcher adopts the agent), and drops
# events of containers it does not know.  So exec (each one is an anomaly) every
# 3 s until the finding is there, rather than guess how long the push takes.
i=0
until heal_json 2>/dev/null | jq -e "any(.findings[]; .container == \"$SEC\" and .kind == \"anomaly\")" \
	>/dev/null 2>&1; do
	[ $((i % 3)) != 0 ] || ldocker 3 exec "$SEC" cat /etc/hostname >/dev/null
	i=$((i + 1))
	[ "$i" -lt 90 ] || fail "no anomaly finding for $SEC after $i s of execs: $(tail -n 20 "$T_TMP/watch")"
	sleep 1
done
echo 32M >"$MEMFILE"
j=$(heal_wait ".proposals | any(.container == \"$SEC\" and .kind == \"anomaly\" and
	.action == \"quarantine\" and .state == \"pending\")" 60)
P1=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$SEC\" and .action == \"quarantine\") | .id")
echo "$j" | jq -e ".findings[] | select(.container == \"$SEC\" and .kind == \"anomaly\") |
	.node == \"lab-03\" and (.evidence | test(\"caught by the agent on lab-03\")) and
	(.evidence | test(\"cat\"))" >/dev/null ||
	fail "anomaly finding: $(echo "$j" | jq -c ".findings[] | select(.container == \"$SEC\")")"
echo "$j" | jq -e ".proposals[] | select(.id == $P1) |
	.snapshot == \"plantdeck-quarantine/$SEC:finding-\\(.finding)\" and
	(.expected | test(\"paused\"))" >/dev/null ||
	fail "quarantine proposal: $(echo "$j" | jq -c ".proposals[] | select(.id == $P1)")"
ok "exec from the host into $SEC: anomaly finding with evidence, quarantine proposed (#$P1)"

# Nobody decides for a while: a security finding does not expire by itself.
sleep 7
heal_json | jq -e ".proposals[] | select(.id == $P1) | .state == \"pending\"" >/dev/null ||
	fail "the quarantine proposal did not stay pending: $(heal_json | jq -c ".proposals[] | select(.id == $P1)")"
[ "$(ldocker 3 inspect -f '{{.State.Status}}' "$SEC")" = running ] || fail "$SEC was touched before approval"
ok "still pending after the clear_after window; $SEC untouched"

"$PLANTDECK" heal approve "$P1" >"$T_TMP/a1" || fail "approve #$P1: $(cat "$T_TMP/a1")"
j=$(heal_wait ".proposals | any(.id == $P1 and .state == \"succeeded\")" 60)
SNAP=$(echo "$j" | jq -r ".proposals[] | select(.id == $P1) | .snapshot")
[ "$(ldocker 3 inspect -f '{{.State.Status}} {{.RestartCount}}' "$SEC")" = "paused 0" ] ||
	fail "$SEC is $(ldocker 3 inspect -f '{{.State.Status}} restarts {{.RestartCount}}' "$SEC"), want paused, never restarted"
ldocker 3 image inspect -f '{{.Comment}}' "$SNAP" | grep -q "quarantine of $SEC on lab-03" ||
	fail "no snapshot image $SNAP on lab-03"
echo "$j" | jq -e ".proposals[] | select(.id == $P1) | .result | test(\"verified\")" >/dev/null ||
	fail "result: $(echo "$j" | jq -c ".proposals[] | select(.id == $P1) | .result")"
ok "approved: $SEC paused (not restarted), its files are image $SNAP on lab-03, verified"

# --- drift -> reapply
j=$(heal_wait ".proposals | any(.container == \"$MEMC\" and .kind == \"drift\" and
	.action == \"reapply\" and .state == \"pending\")" 60)
P2=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$MEMC\" and .action == \"reapply\") | .id")
echo "$j" | jq -e ".findings[] | select(.container == \"$MEMC\" and .kind == \"drift\") |
	.evidence | test(\"memory is 32M, want 64M\")" >/dev/null ||
	fail "drift finding: $(echo "$j" | jq -c ".findings[] | select(.container == \"$MEMC\")")"
ok "memory.limit_in_bytes rewritten to 32M: drift finding, reapply proposed (#$P2)"
"$PLANTDECK" heal approve "$P2" >/dev/null || fail "approve #$P2"
j=$(heal_wait ".proposals | any(.id == $P2 and .state == \"succeeded\")" 60)
[ "$(cat "$MEMFILE")" = $((64 << 20)) ] || fail "$MEMFILE reads $(cat "$MEMFILE") after the reapply"
echo "$j" | jq -e ".proposals[] | select(.id == $P2) | .result | test(\"re-applied 1 drifted limit of\")" >/dev/null ||
	fail "result: $(echo "$j" | jq -c ".proposals[] | select(.id == $P2) | .result")"
ok "approved: the agent re-applied it, the cgroup file reads 64M again, verified"

a=$("$PLANTDECK" audit --json) || fail "audit --json failed"
for p in "$P1" "$P2"; do
	echo "$a" | jq -e --arg t "proposal #$p: " --arg u "$(id -un)" '
		any(.[]; .action == "approve" and (.target | startswith($t)) and (.actor | startswith($u))) and
		any(.[]; .action == "heal" and (.target | startswith($t)) and (.detail | startswith("succeeded: ")))' \
		>/dev/null || fail "the audit lacks #$p: $(echo "$a" | jq -c '[.[] | {action, target}]')"
done
ok "audit: both approvals by $(id -un) and both outcomes"

# The impostor printed all along: no finding from it, and status shows it untrusted.
heal_json | jq -e "[.findings[] | select(.container == \"$MEMC\" and .kind == \"anomaly\")] | length == 0" \
	>/dev/null || fail "a finding from the impostor: $(heal_json | jq -c ".findings[] | select(.container == \"$MEMC\")")"
IMPID=$(ldocker 3 inspect -f '{{.Id}}' "$S-impostor")
"$PLANTDECK" --nodes lab-03 status --json | jq -e --arg imp "$IMPID" '.nodes[0] |
	.agent_verified and .agent_untrusted == $imp' >/dev/null ||
	fail "status: $("$PLANTDECK" --nodes lab-03 status --json | jq -c '.nodes[0] | {agent, agent_verified, agent_untrusted}')"
ok "an impostor labelled io.plantdeck.agent=1 printing anomalies: no finding, shown as agent_untrusted"
