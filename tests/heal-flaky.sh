#!/bin/sh
# heal-flaky.sh: a container whose healthcheck fails for a while and then
# passes again (plant/flaky) is an unhealthy finding with the check's last
# output, and a restart proposal that nobody approves: --read-only refuses
# the approval, and the proposal expires when the container is healthy again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
. "$top_srcdir/tests/heal-lib.sh"

S=hfl$$
C=$S-flaky
t_on_exit "lab_rm_prefix $S-"
heal_inventory "heal:
  verify_window: 5s"
heal_watch_start
# Healthy 10 s, then failing checks for 14 s (unhealthy after about 4 s).
ldocker 2 run -d --name "$C" --network none -e FLAKY_UP=10 -e FLAKY_DOWN=14 \
	"$REG/plant/flaky:1" >"$T_TMP/run" 2>&1 || fail "cannot start $C on lab-02"

j=$(heal_wait ".proposals | any(.container == \"$C\" and .node == \"lab-02\" and
	.kind == \"unhealthy\" and .action == \"restart\" and .state == \"pending\")" 90)
P=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C\") | .id")
echo "$j" | jq -e ".findings[] | select(.container == \"$C\") | .kind == \"unhealthy\" and
	(.evidence | test(\"last check\"))" >/dev/null ||
	fail "finding: $(echo "$j" | jq -c ".findings[] | select(.container == \"$C\")")"
ok "unhealthy found (with the check's output), restart proposed (#$P)"

T0=$(date +%s)
"$PLANTDECK" --read-only heal approve "$P" >"$T_TMP/ro" 2>&1 && fail "read-only approved #$P"
grep -q "read-only" "$T_TMP/ro" || fail "read-only refusal said: $(cat "$T_TMP/ro")"
heal_json | jq -e ".proposals[] | select(.id == $P) | .state == \"pending\" and .decided_by == \"\"" \
	>/dev/null || fail "a refused approval changed #$P"
sleep 3
T1=$(date +%s)
# What the engines were asked to change meanwhile, from their own event logs
# (health checks are exec_* events: the engine's own).
for i in $(seq 1 "$N"); do
	lab_curl -s --max-time 10 "$(lab_url "$i")/events?since=$T0&until=$T1" |
		jq -r 'select(.Type == "container" and (.Action | startswith("exec_") | not) and
			(.Action | startswith("health_status") | not)) | "\(.Action) \(.Actor.Attributes.name)"'
done >"$T_TMP/changes"
[ ! -s "$T_TMP/changes" ] || fail "engines changed during the refused approval: $(cat "$T_TMP/changes")"
ok "--read-only: approval refused, #$P still pending, no engine was asked to change anything"

j=$(heal_wait ".proposals | any(.id == $P and .state == \"expired\")" 60)
echo "$j" | jq -e ".proposals[] | select(.id == $P) | .result | test(\"healthy again\")" \
	>/dev/null || fail "expiry: $(echo "$j" | jq -c ".proposals[] | select(.id == $P)")"
[ "$(echo "$j" | jq "[.findings[] | select(.container == \"$C\")] | length")" = 1 ] ||
	fail "more than one finding for $C"
ldocker 2 inspect -f '{{.RestartCount}} {{.State.Running}}' "$C" | grep -q "^0 true" ||
	fail "$C was restarted or stopped"
ok "healthy again by itself: #$P expired, nothing was done, one finding"
