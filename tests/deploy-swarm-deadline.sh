#!/bin/sh
# deploy-swarm-deadline.sh: what plantdeck adds to Swarm's update on a 5-node lab swarm (3
# managers): a new task whose container never turns healthy (Swarm waits for it forever) is
# caught by the per-node progress deadline, and failure_action applies — rollback: Swarm is
# asked to roll back (rollback=previous), the deploy ends rolled_back naming the node; pause:
# the deploy pauses saying Swarm's update was left running, and `rollout rollback` returns the
# stack; and rollout_place() with no node (the self-healer's call) brings the whole stack to a
# kept revision through Swarm, on the same placement. The swarm is left at exit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 5 ] || skip "needs a lab of 5 nodes or more (has $N)"
PLACE=$top_builddir/tests/rollout-place
[ -x "$PLACE" ] || skip "tests/rollout-place is not built (make check builds it)"

lab=$top_srcdir/lab/plantdeck-lab
n=5
S=dsd$$
SVC=${S}_plc
sel=$(seq -s, -f 'lab-%02g' 1 "$n")
DEADLINE=12
T_START=$(now_s)

t_on_exit "\"$lab\" swarm-leave --dir \"$PLANTDECK_LAB\" >/dev/null 2>&1 9>&-"
out=$("$lab" up --swarm --managers 3 --swarm-nodes "$n" 2>&1 9>&-) || fail "up --swarm failed: $out"
t_on_exit "ldocker 1 service rm $SVC >/dev/null 2>&1 || true"
eval "$("$lab" env --dir "$PLANTDECK_LAB")"

# swarm_stack NAME TAG ACTION CHECK: plc-sim:TAG, failure_action ACTION, health check CHECK.
swarm_stack() {
	cat >"$T_TMP/$1.yaml" <<YAML
x-plantdeck:
  stack: $S
  target: swarm
  rollout:
    monitor: 2s
    progress_deadline: ${DEADLINE}s
    failure_action: $3
services:
  plc:
    image: $REG/plant/plc-sim:$2
    # The lab's nodes share one network namespace: an overlay network reaches
    # one node only (doc/lab.md); the host network works on every node.
    network_mode: host
    healthcheck:
      test: $4
      interval: 2s
      timeout: 90s
      retries: 10
YAML
	echo "$T_TMP/$1.yaml"
}
GOOD='["CMD", "/bin/plc-sim", "health"]'
NEVER='["CMD-SHELL", "sleep 80"]'     # the first check never ends in time: "starting" forever
tasks_on() { # tasks_on TAG: all $n running tasks on plc-sim:TAG
	[ "$(ldocker 1 service ps --no-trunc --filter desired-state=running --format '{{.Image}} {{.CurrentState}}' "$SVC" |
		grep -c "plc-sim:$1@sha256:.* Running")" = "$n" ]
}
wait_tasks_on() { # wait_tasks_on TAG: up to 30 s
	i=0
	until tasks_on "$1"; do
		i=$((i + 1))
		[ "$i" -lt 60 ] || fail "not $n tasks running :$1: $(ldocker 1 service ps "$SVC")"
		sleep 0.5
	done
}

"$PLANTDECK" deploy "$(swarm_stack s1 1 rollback "$GOOD")" --nodes "$sel" --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy :1 failed"; }
tasks_on 1 || fail "not on :1 after the first deploy: $(ldocker 1 service ps "$SVC"; cat "$T_TMP/out1")"
ok "revision 1 on $n nodes"

# --- never healthy, failure_action rollback
t0=$(now_s)
rc=0
"$PLANTDECK" deploy "$(swarm_stack s2 2 rollback "$NEVER")" --nodes "$sel" --yes >"$T_TMP/out2" 2>&1 || rc=$?
t=$(ms_between "$t0" "$(now_s)")
[ "$rc" = 1 ] || { cat "$T_TMP/out2" >&2; fail "the never-healthy deploy exited $rc, want 1"; }
d=$(deploy_status)
echo "$d" | jq -e --arg dl "not healthy ${DEADLINE}s" '.state == "rolled_back" and
	(.message | test("progress deadline passed on lab-0[1-5]")) and
	(.message | test("Swarm rolled it back to the previous spec")) and
	any(.nodes[]; .error | test($dl))' >/dev/null || fail "deadline rollback: $d"
[ "$t" -ge $((DEADLINE * 1000)) ] || fail "ended after $t ms, before the deadline"
"$PLANTDECK" rollout journal >"$T_TMP/j2"
grep -q " rollback $SVC  *ok" "$T_TMP/j2" && grep -q "UpdateStatus rollback_completed" "$T_TMP/j2" ||
	fail "journal: $(cat "$T_TMP/j2")"
wait_tasks_on 1
ok "never healthy, rollback: deadline after $t ms, Swarm asked to roll back, back on :1"

# --- never healthy, failure_action pause: Swarm is left waiting, plantdeck says so
rc=0
"$PLANTDECK" deploy "$(swarm_stack s3 2 pause "$NEVER")" --nodes "$sel" --yes >"$T_TMP/out3" 2>&1 || rc=$?
[ "$rc" = 3 ] || { cat "$T_TMP/out3" >&2; fail "the paused deploy exited $rc, want 3"; }
d=$(deploy_status)
id3=$(echo "$d" | jq .id)
echo "$d" | jq -e '.state == "paused" and (.message | test("Swarm.s update was left running"))' >/dev/null ||
	fail "deadline pause: $d"
[ "$(ldocker 1 service inspect --format '{{.UpdateStatus.State}}' "$SVC")" = updating ] ||
	fail "Swarm's update is not left running: $(ldocker 1 service inspect --format '{{json .UpdateStatus}}' "$SVC")"
"$PLANTDECK" rollout rollback "$id3" >"$T_TMP/out4" 2>&1 || { cat "$T_TMP/out4" >&2; fail "rollback failed"; }
tasks_on 1 || fail "not back on :1: $(ldocker 1 service ps "$SVC")"
ok "never healthy, pause: paused with Swarm's update left running; rollout rollback returned :1"

# --- rollout_place(NULL): the whole stack to a kept revision, same placement
out=$("$PLACE" "$PLANTDECK_INVENTORY" "$PLANTDECK_DB" "$S" 1 - 2>&1) || fail "rollout_place: $out"
assert_contains "$out" "completed nodes $n:"
id=$(echo "$out" | awk '{print $2}')
[ "$(ldocker 1 service inspect --format '{{index .Spec.Labels "io.plantdeck.deploy"}}' "$SVC")" = "$id" ] ||
	fail "the service does not carry deploy $id"
tasks_on 1 || fail "not on :1 after rollout_place"
out=$("$PLACE" "$PLANTDECK_INVENTORY" "$PLANTDECK_DB" "$S" 1 lab-01 2>&1) && fail "a node for a swarm stack was accepted"
assert_contains "$out" "runs on Swarm"
ok "rollout_place(NULL): deploy $id brought $n nodes to revision 1 through Swarm; a node is refused"
ok "all in $(ms_between "$T_START" "$(now_s)") ms"
