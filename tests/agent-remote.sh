#!/bin/sh
# agent-remote.sh: the agent as a container on lab nodes (lab/agent-image),
# read by the cockpit's backend through the Engine API.  With the agent
# container on lab-01 and lab-02, `plantdeck status --watch --json` finds
# both by their label and follows their logs; a SIGKILL from the host to a
# container's process on each node is an "agent" event of that node naming
# that container, and each node's agent reports only its own node's
# containers (all lab nodes share this kernel).  A kill inside one container
# is no event.  Last, a tune request reaches lab-01's agent through exec.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
need_capture
need_lab

P=pdt-agent-rem-$$
IMG=$top_srcdir/lab/agent-image
STATUS=$T_TMP/status.ndjson
STATUS_PID=
t_on_exit "rm_prefix_on $P 1; rm_prefix_on $P 2"
t_on_exit "'$IMG' stop --nodes lab-01,lab-02 >/dev/null 2>&1"
t_on_exit '[ -z "$STATUS_PID" ] || { kill -TERM "$STATUS_PID" 2>/dev/null; wait "$STATUS_PID" 2>/dev/null; }'

# The agent image from the binary under test, pinned in the inventory; its
# containers on two nodes.
PIN=$("$IMG" pin --binary "$PLANTDECK" 2>"$T_TMP/pin.err") || fail "lab/agent-image pin: $(cat "$T_TMP/pin.err")"
{ cat "$PLANTDECK_INVENTORY"; printf 'agent:\n  image: %s\n' "$PIN"; } >"$T_TMP/inventory.yaml"
PLANTDECK_INVENTORY=$T_TMP/inventory.yaml
export PLANTDECK_INVENTORY
"$IMG" run --nodes lab-01,lab-02 --binary "$PLANTDECK" -- --no-drift >"$T_TMP/img.out" 2>&1 ||
	fail "lab/agent-image run: $(cat "$T_TMP/img.out")"
for n in 1 2; do
	[ "$(ldocker $n ps -q --filter label=io.plantdeck.agent=1 | wc -l)" = 1 ] ||
		fail "no running agent container on $(lab_name $n): $(cat "$T_TMP/img.out")"
done
AGENT1=$(ldocker 1 ps -q --no-trunc --filter label=io.plantdeck.agent=1)
AGENT2=$(ldocker 2 ps -q --no-trunc --filter label=io.plantdeck.agent=1)
ok "agent containers on lab-01 (${AGENT1%"${AGENT1#????????????}"}) and lab-02 (${AGENT2%"${AGENT2#????????????}"})"
# Least privilege (doc/agent.md): not privileged, every capability dropped but
# what capture needs, no-new-privileges, a read-only root, the key file gone.
h=$(ldocker 1 inspect -f '{{.HostConfig.Privileged}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}}' "$AGENT1")
# (the engine adds label=disable to a container in the host's pid namespace)
case $h in "false true [ALL] [no-new-privileges"*) ;; *) fail "agent container: $h" ;; esac
# CapAdd exactly what doc/agent.md says for this engine's API version.
api=$(ldocker 1 version -f '{{.Server.APIVersion}}')
want="[CAP_SYS_ADMIN]"
[ "${api%%.*}" -gt 1 ] || [ "${api#*.}" -ge 42 ] && want="[CAP_BPF CAP_PERFMON]"
caps=$(ldocker 1 inspect -f '{{.HostConfig.CapAdd}}' "$AGENT1")
[ "$caps" = "$want" ] || fail "capabilities on API $api: $caps, want $want"
# No engine socket: nothing bound in names a socket, docker or containerd.
binds=$(ldocker 1 inspect -f '{{json .HostConfig.Binds}} {{json .Mounts}} {{json .HostConfig.Mounts}}' "$AGENT1")
case $binds in *.sock* | *docker* | *containerd*) fail "the agent container has an engine socket: $binds" ;; esac
ldocker 1 inspect -f '{{json .Config.Env}} {{json .Config.Labels}}' "$AGENT1" | grep -qi key &&
	fail "a key in the agent's environment or labels"
ldocker 1 cp "$AGENT1:/run/plantdeck/agent.key" - >/dev/null 2>&1 &&
	fail "the key file is still in the agent container"
ok "agent containers: not privileged, read-only root, no-new-privileges, capabilities $caps only (API $api), no engine socket"

# A container on each node; sh is allowed, so that the exec below is quiet.
ldocker 1 run -d --name "$P-a" --label org.plantdeck.exec-allow=sh "$REG/plant/plc-sim:1" >/dev/null
ldocker 2 run -d --name "$P-b" --label org.plantdeck.exec-allow=sh "$REG/plant/plc-sim:1" >/dev/null

# Wait until each agent says its capture runs (its logs, as the cockpit reads them).
for n in 1 2; do
	i=0
	until ldocker $n logs plantdeck-agent 2>/dev/null | grep -q '"type":"capture".*"available":true'; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || fail "agent on $(lab_name $n): capture never ran: $(ldocker $n logs plantdeck-agent 2>&1 | cut -c1-300)"
		sleep 0.1
	done
done
ok "both agents capture"

"$PLANTDECK" -i "$PLANTDECK_INVENTORY" --nodes lab-01,lab-02 status --watch --json \
	--stats-interval 3600 >"$STATUS" 2>"$T_TMP/status.err" &
STATUS_PID=$!
ms=$(wait_json "$STATUS" '[.nodes[] | select(.agent != null and .agent_connected)] | length == 2' 15)
tail -n 1 "$STATUS" | jq -e --arg a1 "$AGENT1" --arg a2 "$AGENT2" '
	(.nodes[] | select(.name == "lab-01") | .agent) == $a1 and
	(.nodes[] | select(.name == "lab-02") | .agent) == $a2 and
	all(.nodes[]; .agent_verified)' >/dev/null ||
	fail "status names the wrong agent containers: $(tail -n 1 "$STATUS" | jq -c '[.nodes[] | {name, agent}]')"
ok "status found both agent containers by label and follows their logs (${ms} ms)"

# The agents have no engine: the backend hands each its node's containers
# (a sealed manifest in its volume); wait until each has its container.
for n in 1 2; do
	c=$P-a
	[ $n = 2 ] && c=$P-b
	i=0
	until ldocker $n cp plantdeck-agent:/run/plantdeck/manifest.json - 2>/dev/null | grep -qa "\"/$c\""; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || fail "$(lab_name $n): the agent's manifest never named $c"
		sleep 0.1
	done
done
ok "each agent was handed a manifest naming its node's container"

# A kill inside one container, then a host SIGKILL on each node.
ldocker 1 exec "$P-a" sh -c 'sleep 30 & kill -KILL $!; wait' || true
PID_A=$(cpid "$P-a" 1)
PID_B=$(cpid "$P-b" 2)
t0=$(now_s)
kill -KILL "$PID_A" "$PID_B"
ms=$(wait_json "$STATUS" "[.events[] | select(.kind == \"agent\" and .action == \"signal\")] |
	(map(.node + \"/\" + .container) | sort) == [\"lab-01/$P-a\", \"lab-02/$P-b\"]" 10)
ok "host SIGKILL on each node -> one agent event per node naming its container, ${ms} ms after the kill"
tail -n 1 "$STATUS" | jq -e '[.events[] | select(.kind == "agent" and .action == "signal")] |
	all(.severity == "warning" and (.text | test("SIGKILL to plc-sim")) and .time != null)' >/dev/null ||
	fail "agent events lack severity or text: $(tail -n 1 "$STATUS" | jq -c '[.events[] | select(.kind == "agent")]')"
ok "agent events carry severity and text"

# Nothing for the kill inside $P-a (its target was sleep), and no node
# reported the other node's container.
sleep 1
n=$(tail -n 1 "$STATUS" | jq '[.events[] | select(.kind == "agent" and (.action == "signal") and
	(.text | test("sleep")))] | length')
[ "$n" = 0 ] || fail "a kill inside one container was reported"
for n in 1 2; do
	log=$(ldocker $n logs plantdeck-agent 2>/dev/null | jq -c 'select(.type == "anomaly")')
	[ -z "$(echo "$log" | jq -r --arg me "$(lab_name $n)" 'select(.node != $me)' 2>/dev/null)" ] ||
		fail "agent on $(lab_name $n) reported another node's container: $log"
done
[ "$(ldocker 1 logs plantdeck-agent | jq -c 'select(.type == "anomaly" and .rule == "signal")' | wc -l)" = 1 ] ||
	fail "agent on lab-01: want exactly one signal anomaly: $(ldocker 1 logs plantdeck-agent | jq -c 'select(.type == "anomaly")')"
ok "no event for a kill inside a container; each agent reports only its own node"

# A request through exec: tune $P-a on lab-01 by its agent container (the
# engine's part from here, the cgroup files' part in the container).
ldocker 1 start "$P-a" >/dev/null
out=$("$PLANTDECK" -i "$PLANTDECK_INVENTORY" agent --node lab-01 --request "tune $P-a memory=64M") ||
	fail "tune through the agent container failed: $out"
echo "$out" | jq -e --arg name "$P-a" '.type == "tune" and .ok and .node == "lab-01" and
	.container.name == $name and .local and (.items[0] | .key == "memory" and .engine == "64M" and
	.cgroup == "64M")' >/dev/null || fail "tune answer: $out"
[ "$(ldocker 1 inspect -f '{{.HostConfig.Memory}}' "$P-a")" = 67108864 ] ||
	fail "the engine did not record memory=64M"
out=$("$PLANTDECK" -r -i "$PLANTDECK_INVENTORY" agent --node lab-01 --request "tune $P-a memory=32M" 2>&1) &&
	fail "a request went through under --read-only: $out"
assert_contains "$out" "refused: read-only"
ok "tune through exec in lab-01's agent container: engine and cgroup read 64M; refused under --read-only"
