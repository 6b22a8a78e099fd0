#!/bin/sh
# deploy-swarm.sh: a stack of x-plantdeck target swarm on a 5-node lab swarm (3 managers):
# the plan says Swarm and changes nothing; a read-only deploy is refused and the managers'
# /events show no change; plc-sim:1 then :2 converge through Swarm (every node's phases done,
# the tasks running :2 pinned to its digest, the service and container labels, the placement
# label on every target, a journal with the pre-pull, the per-node steps and Swarm's
# UpdateStatus); :bad with failure_action rollback ends rolled_back, back on :2, saying Swarm
# rolled it back; `rollout rollback --to 1` brings revision 1 back through Swarm. The swarm is
# left at exit, also on failure.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 5 ] || skip "needs a lab of 5 nodes or more (has $N)"

lab=$top_srcdir/lab/plantdeck-lab
n=5
m=3
S=dsw$$
SVC=${S}_plc
sel=$(seq -s, -f 'lab-%02g' 1 "$n")
T_START=$(now_s)

# Whatever fails, the swarm is left (fd 9, the lab lock, is not passed on) ...
t_on_exit "\"$lab\" swarm-leave --dir \"$PLANTDECK_LAB\" >/dev/null 2>&1 9>&-"
t0=$(now_s)
out=$("$lab" up --swarm --managers "$m" --swarm-nodes "$n" 2>&1 9>&-) || fail "up --swarm failed: $out"
ok "swarm of $n nodes ($m managers) up in $(ms_between "$t0" "$(now_s)") ms"
# ... after the stack's service is removed (cleanups run newest first).
t_on_exit "ldocker 1 service rm $SVC >/dev/null 2>&1 || true"
eval "$("$lab" env --dir "$PLANTDECK_LAB")"    # the inventory now marks the managers

# swarm_stack TAG POLICY: the stack file for plc-sim:TAG, rollout policy lines POLICY.
swarm_stack() {
	cat >"$T_TMP/$S-$1.yaml" <<YAML
x-plantdeck:
  stack: $S
  target: swarm
  rollout:
$2
services:
  plc:
    image: $REG/plant/plc-sim:$1
    restart: always
    # The lab's nodes share one network namespace: an overlay network reaches
    # one node only (doc/lab.md); the host network works on every node.
    network_mode: host
    labels:
      plant.role: plc
    healthcheck:
      test: ["CMD", "/bin/plc-sim", "health"]
      interval: 2s
      timeout: 10s
      retries: 10
      start_period: 1s
YAML
	echo "$T_TMP/$S-$1.yaml"
}
POLICY="    parallelism: 0
    monitor: 2s
    progress_deadline: 60s
    failure_action: rollback"
svc_json() { ldocker 1 service inspect "$SVC" 2>/dev/null | jq '.[0]'; }
# "NODE IMAGE STATE" of every task of the service that is meant to run
tasks_running() {
	ldocker 1 service ps --no-trunc --filter desired-state=running \
		--format '{{.Node}} {{.Image}} {{.CurrentState}}' "$SVC"
}
# expect_tasks TAG: one task per node of the swarm, running plc-sim:TAG
expect_tasks() {
	local out
	out=$(tasks_running)
	[ "$(echo "$out" | grep -c "plc-sim:$1@sha256:.* Running")" = "$n" ] ||
		fail "not $n tasks running plc-sim:$1 (pinned): $out"
}

# --- the plan
f1=$(swarm_stack 1 "$POLICY")
"$PLANTDECK" deploy "$f1" --nodes "$sel" --dry-run >"$T_TMP/plan" 2>&1 || fail "dry run: $(cat "$T_TMP/plan")"
grep -q "policy: Swarm rolling update: all at once" "$T_TMP/plan" ||
	fail "plan policy: $(cat "$T_TMP/plan")"
grep -q "target swarm: one service per compose service, on the $n nodes" "$T_TMP/plan" ||
	fail "plan: $(cat "$T_TMP/plan")"
[ -z "$(ldocker 1 service ls -q --filter "name=${S}_")" ] || fail "--dry-run created a service"
ok "dry run: Swarm's update in the plan, $n target nodes, nothing changed"

# --- read-only: refused, and the managers saw no change
t0=$(date +%s)
sleep 1
rc=0
"$PLANTDECK" --read-only deploy "$f1" --nodes "$sel" --yes >"$T_TMP/ro" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a read-only deploy succeeded"
grep -q "refused: read-only" "$T_TMP/ro" || fail "read-only: $(cat "$T_TMP/ro")"
sleep 1
t1=$(date +%s)
for i in $(seq 1 "$m"); do
	# Only what this stack could have caused: images, and objects that are not
	# another stack's (other tests may use the lab meanwhile).
	ev=$(lab_curl -sS --max-time 10 "$(lab_url "$i")/events?since=$t0&until=$t1" |
		jq -c --arg s "$S" '
		    .Actor.Attributes as $a
		    | select(($a["io.plantdeck.stack"] // $a["com.docker.compose.project"]
		        // $a["com.docker.stack.namespace"] // $s) == $s)
		    | select(.Type == "image" or (($a.name // $s) | startswith($s)))')
	[ -z "$ev" ] || fail "$(lab_name "$i") saw events during a read-only deploy: $ev"
done
[ -z "$(ldocker 1 service ls -q --filter "name=${S}_")" ] || fail "a read-only deploy created a service"
ok "read-only: refused; the $m managers' /events show nothing of it from $t0 to $t1"

# --- :1, then :2
t0=$(now_s)
"$PLANTDECK" deploy "$f1" --nodes "$sel" --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy :1 failed"; }
ok "revision 1 through Swarm in $(ms_between "$t0" "$(now_s)") ms"
expect_tasks 1
f2=$(swarm_stack 2 "$POLICY")
t0=$(now_s)
"$PLANTDECK" deploy "$f2" --nodes "$sel" --yes >"$T_TMP/out2" 2>&1 ||
	{ cat "$T_TMP/out2" >&2; fail "deploy :2 failed"; }
ok "update to :2 through Swarm in $(ms_between "$t0" "$(now_s)") ms"
expect_tasks 2
d2=$(deploy_status)
id2=$(echo "$d2" | jq .id)
echo "$d2" | jq -e --argjson n "$n" '.state == "completed" and .target == "swarm" and
	.revision == 2 and .done == $n and all(.nodes[]; .phase == "done")' >/dev/null ||
	fail "status: $d2"
svc_json | jq -e --arg s "$S" --arg id "$id2" '
	def ours: .["com.docker.stack.namespace"] == $s and .["io.plantdeck.stack"] == $s and
		.["io.plantdeck.service"] == "plc" and .["io.plantdeck.revision"] == "2" and
		.["io.plantdeck.deploy"] == $id;
	(.Spec.Labels | ours) and (.Spec.TaskTemplate.ContainerSpec.Labels | ours) and
	.Spec.TaskTemplate.ContainerSpec.Labels["plant.role"] == "plc" and
	.Spec.TaskTemplate.Placement.Constraints == ["node.labels.io.plantdeck.placement." + $s + "==true"] and
	(.Spec.Mode | has("Global")) and .Spec.UpdateConfig.FailureAction == "rollback" and
	.Spec.UpdateConfig.Monitor == 2000000000 and .Spec.RollbackConfig.FailureAction == "pause" and
	.UpdateStatus.State == "completed"' >/dev/null ||
	fail "service spec: $(svc_json | jq -c '{Labels: .Spec.Labels, C: .Spec.TaskTemplate.ContainerSpec.Labels, P: .Spec.TaskTemplate.Placement, U: .Spec.UpdateConfig, S: .UpdateStatus}')"
for i in $(seq 1 "$n"); do
	id=$(ldocker "$i" info --format '{{.Swarm.NodeID}}')
	[ "$(ldocker 1 node inspect --format "{{index .Spec.Labels \"io.plantdeck.placement.$S\"}}" "$id")" = true ] ||
		fail "$(lab_name "$i") does not carry the placement label"
done
ok "revision 2: $n tasks on :2 (pinned), labels on service and containers, $n nodes labelled"
"$PLANTDECK" rollout journal "$id2" >"$T_TMP/journal"
grep -q ' pre-pull  *ok' "$T_TMP/journal" || fail "no pre-pull in the journal: $(cat "$T_TMP/journal")"
grep -q " update $SVC  *ok" "$T_TMP/journal" || fail "no service update in the journal"
grep -q " swarm $SVC  *ok  *UpdateStatus completed" "$T_TMP/journal" ||
	fail "no UpdateStatus completed in the journal: $(cat "$T_TMP/journal")"
for i in $(seq 1 "$n"); do
	grep "^[0-9TZ:.-]* $(lab_name "$i") " "$T_TMP/journal" | cut -c43-76 | tr -s ' ' | tr '\n' ' ' |
		grep -q 'pull plc begin .*pull plc ok .*switch begin .*switch ok .*health wait ok .*monitor ok' ||
		fail "$(lab_name "$i")'s journal: $(grep "$(lab_name "$i")" "$T_TMP/journal")"
done
ok "journal: pre-pull, the service update, UpdateStatus, each node's pull, switch, health, monitor"

# --- :bad with failure_action rollback: Swarm rolls it back, plantdeck says so
t0=$(now_s)
rc=0
"$PLANTDECK" deploy "$(swarm_stack bad "$POLICY")" --nodes "$sel" --yes >"$T_TMP/out3" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$T_TMP/out3" >&2; fail "deploy :bad exited $rc, want 1"; }
ok ":bad ended in $(ms_between "$t0" "$(now_s)") ms"
d3=$(deploy_status)
id3=$(echo "$d3" | jq .id)
echo "$d3" | jq -e '.state == "rolled_back" and (.message | test("Swarm rolled it back")) and
	any(.nodes[]; .phase == "rolled_back")' >/dev/null || fail "the :bad deploy: $d3"
"$PLANTDECK" rollout journal "$id3" >"$T_TMP/journal3"
grep -q "swarm $SVC  *fail  *UpdateStatus rollback_started" "$T_TMP/journal3" &&
	grep -q "swarm $SVC  *fail  *UpdateStatus rollback_completed" "$T_TMP/journal3" ||
	fail "UpdateStatus not journaled: $(cat "$T_TMP/journal3")"
grep -q "task: non-zero exit" "$T_TMP/journal3" || fail "no task error in the journal: $(cat "$T_TMP/journal3")"
expect_tasks 2
"$PLANTDECK" history "$S" --json | jq -e '.[] | select(.revision == 2) | .current' >/dev/null ||
	fail "revision 2 is not current: $("$PLANTDECK" history "$S")"
ok ":bad rolled back by Swarm, journaled (rollback_started, rollback_completed, the task's error); back on :2"

# --- an older revision from plantdeck's history, beyond Swarm's one previous spec
"$PLANTDECK" rollout rollback "$id2" --to 1 >"$T_TMP/out4" 2>&1 ||
	{ cat "$T_TMP/out4" >&2; fail "rollback --to 1 failed"; }
expect_tasks 1
deploy_status | jq -e '.kind == "rollback" and .state == "completed" and .revision == 1' >/dev/null ||
	fail "the rollback: $(deploy_status)"
svc_json | jq -e '.Spec.Labels["io.plantdeck.revision"] == "1"' >/dev/null || fail "service not on revision 1"
"$PLANTDECK" history "$S" --json | jq -e '.[] | select(.revision == 1) | .current' >/dev/null ||
	fail "revision 1 is not current: $("$PLANTDECK" history "$S")"
ok "rollout rollback --to 1: the service back on revision 1 (:1), revision 1 current"
ok "all in $(ms_between "$T_START" "$(now_s)") ms"
