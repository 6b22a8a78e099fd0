#!/bin/sh
# sim-swarm.sh: a simulated swarm at plant scale, no lab.  270 simulated nodes (sim up --swarm
# --managers 3) with a global service and one of 5 replicas created through the Engine API:
# `plantdeck status --json` shows the swarm as the three managers list it — sim-0001 in use,
# the three marked managers, 270 swarm nodes each linked to its inventory node, both services
# running every task, each task on its inventory node, the tasks' containers in the nodes'
# lists — and the cockpit's fleet screen at 200x50 marks the managers [M] and the workers [W]
# in an opened line.  The simulated swarm's fidelity is tests/sim-calibrate-swarm.sh's job.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
command -v curl >/dev/null || skip "no curl"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
NODES=270 K=3
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB

sim_start 50 --nodes $NODES --containers $K --events-per-sec 0 --swarm --managers 3
[ "$(grep -c '^    swarm: manager' "$PLANTDECK_INVENTORY")" = 3 ] || fail "inventory: not 3 managers marked"
ok "sim up --swarm: $NODES nodes, 3 managers marked in the inventory"

M=http://127.$SIM_NET.0.2:2375/v1.41
curl -sf -X POST -H 'Content-Type: application/json' "$M/services/create" -d '{"Name":"plant_plc",
	"Labels":{"com.docker.stack.namespace":"plant"},"TaskTemplate":{"ContainerSpec":{"Image":
	"127.0.0.1:5000/plant/plc-sim:1"}},"Mode":{"Global":{}}}' >/dev/null || fail "create plant_plc"
curl -sf -X POST -H 'Content-Type: application/json' "$M/services/create" -d '{"Name":"plant_gw",
	"Labels":{"com.docker.stack.namespace":"plant"},"TaskTemplate":{"ContainerSpec":{"Image":
	"127.0.0.1:5000/plant/plc-sim:2"}},"Mode":{"Replicated":{"Replicas":5}}}' >/dev/null ||
	fail "create plant_gw"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.$SIM_NET.0.9:2375/v1.41/services")
[ "$code" = 503 ] || fail "a worker answered /services with HTTP $code, want 503"
ok "a global service and one of 5 replicas; a worker refuses the lists"

J=$T_TMP/status.json
"$PLANTDECK" status --json --timeout 30 >"$J" || fail "status exited $?"
jq -e --argjson n $NODES '.complete and (.nodes | length) == $n and .swarm.manager == "sim-0001" and
	(.swarm.stale | not) and .swarm.error == null and
	([.swarm.managers[] | select(.marked) | .node] == ["sim-0001", "sim-0002", "sim-0003"]) and
	(.swarm.nodes | length) == $n and all(.swarm.nodes[]; .inventory != null)' "$J" >/dev/null ||
	fail "swarm summary wrong: $(jq -c '.swarm | del(.nodes, .tasks, .services)' "$J")"
jq -e '[.nodes[] | select(.swarm.role == "manager") | .name] == ["sim-0001", "sim-0002", "sim-0003"]
	and ([.nodes[] | select(.swarm.role == "worker")] | length) == 267' "$J" >/dev/null ||
	fail "roles wrong: $(jq -c '[.nodes[0:4][] | .swarm]' "$J")"
ok "status: manager sim-0001 of three marked, $NODES swarm nodes each linked to its inventory node"

jq -e --argjson n $NODES '[.swarm.services[] | "\(.name) \(.mode) \(.replicas_running)/\(.replicas_desired)"]
	== ["plant_gw replicated 5/5", "plant_plc global \($n)/\($n)"]' "$J" >/dev/null ||
	fail "services: $(jq -c '[.swarm.services[] | del(.spec)]' "$J")"
jq -e --argjson n $NODES '(.swarm.tasks | length) == $n + 5 and
	all(.swarm.tasks[]; .state == "running" and (.node | test("^sim-[0-9]{4}$")))' "$J" >/dev/null ||
	fail "tasks: $(jq -c '.swarm.tasks[0:3]' "$J")"
jq -e --argjson k $K '([.nodes[] | select(.containers_total == $k + 1)] | length) == 265 and
	([.nodes[] | select(.containers_total == $k + 2)] | length) == 5' "$J" >/dev/null ||
	fail "task containers: $(jq -c '[.nodes[] | .containers_total] | group_by(.) | map([.[0], length])' "$J")"
ok "services global $NODES/$NODES and 5/5, $((NODES + 5)) tasks on their nodes, their containers listed"

# The cockpit: the first line opened, its managers [M] and workers [W].
tmux_start 200 50 "env TZ=UTC TERM=xterm-256color LANG=C LC_ALL=C $PLANTDECK --log $T_TMP/tui.log"
tmux_wait_for "$NODES/$NODES nodes up" 20
tmux_wait_for "+ line A" 10
tmux_keys Enter
t0=$(now_s)
until screen=$(tmux_screen) && [ "$(echo "$screen" | grep -c ' \[M\] line=')" = 3 ] &&
	[ "$(echo "$screen" | grep -c ' \[W\] line=')" -ge 20 ]; do
	[ "$(ms_between "$t0" "$(now_s)")" -lt 15000 ] ||
		fail "cockpit: not 3 [M] and the workers [W] after 15 s: $screen"
	sleep 0.1
done
ok "cockpit at 200x50: line A opened, sim-0001..3 [M], the workers [W]"

# plantdeck's Swarm deploy path at 270 nodes: one global service through the managers.
tmux -L "$T_TMUX" kill-server 2>/dev/null || true
cat >"$T_TMP/stack.yaml" <<YAML
x-plantdeck:
  stack: simsw
  target: swarm
  rollout:
    parallelism: 0
    monitor: 1s
    progress_deadline: 60s
services:
  plc:
    image: 127.0.0.1:5000/plant/plc-sim:1
    network_mode: host
YAML
"$PLANTDECK" deploy "$T_TMP/stack.yaml" --yes >"$T_TMP/deploy.out" 2>&1 ||
	{ tail -n 20 "$T_TMP/deploy.out" >&2; fail "the swarm deploy failed"; }
"$PLANTDECK" rollout status --json | jq -e --argjson n $NODES '.state == "completed" and
	.target == "swarm" and .done == $n and all(.nodes[]; .phase == "done")' >/dev/null ||
	fail "deploy status: $("$PLANTDECK" rollout status --json | jq -c 'del(.nodes)')"
curl -sf "$M/services?status=true&filters=%7B%22name%22%3A%5B%22simsw_plc%22%5D%7D" |
	jq -e --argjson n $NODES '.[0].ServiceStatus == {"RunningTasks": $n, "DesiredTasks": $n,
	"CompletedTasks": 0} and (.[0].Spec.Labels["com.docker.stack.namespace"] == "simsw")' >/dev/null ||
	fail "simsw_plc: $(curl -sf "$M/services/simsw_plc" | head -c 600)"
ok "plantdeck deploy through the simulated swarm: simsw_plc on all $NODES nodes, the deploy completed"
