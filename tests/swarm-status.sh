#!/bin/sh
# swarm-status.sh: on a lab swarm of 5 nodes (3 managers), `plantdeck status --json` shows the
# swarm's nodes, services and tasks as `docker node ls`, `docker service ls` and
# `docker service ps` do, merged with the inventory nodes (5 nodes, not 10); unmarked managers
# are found by their /info (an inventory without marks, and DOCKER_HOST); a service event is
# shown without waiting for the next read; the text output
# sanitises what the swarm says; the cockpit marks managers [M] and workers [W]; and when the
# manager in use is frozen (SIGSTOP) mid-watch, plantdeck fails over to the next one within a
# bounded time (a follower: 15 s at most; the leader: 45 s at most, Swarm must elect another
# first), while neither the watch, a one-shot status nor the cockpit hangs. The swarm is left
# at exit, also on failure. About 40 s on the 27-node lab, a third of it joining and leaving.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
[ "${PLANTDECK_LAB_NODES:-0}" -ge 3 ] || skip "needs a lab of 3 nodes or more (3 managers)"

lab=$top_srcdir/lab/plantdeck-lab
n=5
[ "$PLANTDECK_LAB_NODES" -ge "$n" ] || n=$PLANTDECK_LAB_NODES
m=3
svc=pdt-swarm-$$
sel=$(seq -s, -f 'lab-%02g' 1 "$n")
esc=$(printf '\033')
T_START=$(now_s)

# Whatever fails, the swarm is left (fd 9, the lab lock, is not passed on) ...
t_on_exit "\"$lab\" swarm-leave --dir \"$PLANTDECK_LAB\" >/dev/null 2>&1 9>&-"
t0=$(now_s)
out=$("$lab" up --swarm --managers "$m" --swarm-nodes "$n" 2>&1 9>&-) || fail "up --swarm failed: $out"
ok "swarm of $n nodes ($m managers) up in $(ms_between "$t0" "$(now_s)") ms"
# ... after its service is removed (cleanups run newest first).
t_on_exit "ldocker 1 service rm $svc >/dev/null 2>&1 || true"

# A service of 5 replicas; its stack label carries an escape sequence, which the text output
# must make visible (the image's 2 s health check is left out: see lab-swarm.sh).
ldocker 1 service create --detach --name "$svc" --replicas 5 --no-healthcheck \
	--label "com.docker.stack.namespace=pdt${esc}[2J" "$REG/plant/plc-sim:1" >/dev/null ||
	fail "service create failed"
t0=$(now_s)
until [ "$(ldocker 1 service ls --filter "name=$svc" --format '{{.Replicas}}')" = 5/5 ]; do
	[ "$(ms_between "$t0" "$(now_s)")" -lt 40000 ] || {
		ldocker 1 service ps --no-trunc "$svc" >&2
		fail "service $svc did not converge in 40 s"
	}
	sleep 0.5
done
ok "service $svc: 5/5 in $(ms_between "$t0" "$(now_s)") ms"

# --- one status: nodes, services, tasks as the docker CLI lists them
J=$T_TMP/status.json
"$PLANTDECK" status --json --nodes "$sel" >"$J" || fail "status exited $? with every node up"
jq -e --argjson n "$n" '.complete and (.nodes | length) == $n and .swarm.manager == "lab-01" and
	(.swarm.stale | not) and .swarm.error == null and .swarm.events_connected and
	([.swarm.managers[] | .node] == ["lab-01", "lab-02", "lab-03"]) and
	all(.swarm.managers[]; .marked) and (.swarm.nodes | length) == $n' "$J" >/dev/null ||
	fail "swarm summary wrong: $(jq -c '.swarm | del(.nodes, .tasks, .services)' "$J")"
ok "status: manager lab-01 of lab-01..03 (marked), $n swarm nodes, fresh"

# Merged: each inventory node carries its swarm node ID (from its /info), and the swarm node
# with that ID names it; no swarm node is left without its inventory node.
for i in $(seq 1 "$n"); do
	name=$(lab_name "$i")
	id=$(ldocker "$i" info --format '{{.Swarm.NodeID}}')
	role=worker
	[ "$i" -gt "$m" ] || role=manager
	jq -e --arg n "$name" --arg id "$id" --arg r "$role" '
		(.nodes[] | select(.name == $n) | .swarm | .node_id == $id and .role == $r and
			.state == "ready" and .availability == "active" and .manager == ($r == "manager")) and
		([.swarm.nodes[] | select(.id == $id and .inventory == $n)] | length == 1)' "$J" >/dev/null ||
		fail "$name ($id) is not merged with its swarm node: $(jq -c --arg n "$name" '.nodes[] | select(.name == $n) | .swarm' "$J")"
done
jq -e 'all(.swarm.nodes[]; .inventory != null)' "$J" >/dev/null || fail "a swarm node has no inventory node"
ok "$n inventory nodes and $n swarm nodes are $n nodes, linked by swarm node ID"

# docker node ls, as lab-01 sees it
ldocker 1 node ls --format '{{.ID}} {{.Status}} {{.Availability}} {{.ManagerStatus}} {{.EngineVersion}}' |
	tr '[:upper:]' '[:lower:]' | sort >"$T_TMP/want"
jq -r '.swarm.nodes[] | "\(.id) \(.state) \(.availability) \(if .leader then "leader" else (.reachability // "") end) \(.engine_version)"' \
	"$J" | sort >"$T_TMP/got"
cmp -s "$T_TMP/want" "$T_TMP/got" || { diff "$T_TMP/want" "$T_TMP/got" >&2; fail "nodes differ from docker node ls"; }
ok "nodes as docker node ls: $(wc -l <"$T_TMP/got") lines the same"

# docker service ls and inspect
ldocker 1 service ls --format '{{.ID}} {{.Name}} {{.Mode}} {{.Replicas}}' | sort >"$T_TMP/want"
jq -r '.swarm.services[] | "\(.id[0:12]) \(.name) \(.mode) \(.replicas_running)/\(.replicas_desired)"' \
	"$J" | sort >"$T_TMP/got"
cmp -s "$T_TMP/want" "$T_TMP/got" || { diff "$T_TMP/want" "$T_TMP/got" >&2; fail "services differ from docker service ls"; }
image=$(ldocker 1 service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$svc")
version=$(ldocker 1 service inspect --format '{{.Version.Index}}' "$svc")
jq -e --arg s "$svc" --arg i "$image" --argjson v "$version" --arg st "pdt${esc}[2J" '
	.swarm.services[] | select(.name == $s) | .image == $i and .version == $v and .stack == $st' \
	"$J" >/dev/null || fail "service image, version or stack label wrong"
ok "services as docker service ls; image, spec version and stack label as inspect says"

# docker service ps: every task with its node, slot, desired and current state
ids=$(ldocker 1 service ps -q --no-trunc "$svc")
# shellcheck disable=SC2086  # one id per word
ldocker 1 inspect --format '{{.ID}} {{.Slot}} {{.NodeID}} {{.DesiredState}} {{.Status.State}}' $ids |
	sort >"$T_TMP/want"
jq -r --arg s "$svc" '.swarm.tasks[] | select(.service == $s) |
	"\(.id) \(.slot) \(.node_id) \(.desired_state) \(.state)"' "$J" | sort >"$T_TMP/got"
cmp -s "$T_TMP/want" "$T_TMP/got" || { diff "$T_TMP/want" "$T_TMP/got" >&2; fail "tasks differ from docker service ps"; }
jq -e --arg s "$svc" '[.swarm.tasks[] | select(.service == $s) | select(.node | test("^lab-[0-9]+$"))] |
	length == 5' "$J" >/dev/null || fail "tasks do not name their inventory nodes"
ok "tasks as docker service ps: 5 running, each on its inventory node"

# The text output: a swarm part, the escape made visible
"$PLANTDECK" status --nodes "$sel" >"$T_TMP/text" || fail "text status exited $?"
grep -q '^swarm: manager lab-01' "$T_TMP/text" || fail "no swarm line: $(cat "$T_TMP/text")"
grep -q "^[0-9a-z]\{12\} *$svc .* 5/5 " "$T_TMP/text" || fail "no service line: $(cat "$T_TMP/text")"
[ "$(grep -c " $svc\.[1-5] " "$T_TMP/text")" -ge 5 ] || fail "no task lines: $(cat "$T_TMP/text")"
! grep -q "$esc" "$T_TMP/text" || fail "a raw escape reached the text output"
grep -q 'pdt\\e\[2J' "$T_TMP/text" || fail "the stack label's escape is not shown as \\e"
ok "text: swarm, service and task lines; the escape in the stack label made visible"

# --- managers found by /info: an inventory without marks, and DOCKER_HOST alone
sed '/^    swarm: manager$/d' "$PLANTDECK_INVENTORY" >"$T_TMP/unmarked.yaml"
"$PLANTDECK" status --json -i "$T_TMP/unmarked.yaml" --nodes "$sel" >"$T_TMP/u.json" ||
	fail "status (unmarked) exited $?"
jq -e '[.swarm.managers[] | "\(.node) \(.marked) \(.detected)"] ==
	["lab-01 false true", "lab-02 false true", "lab-03 false true"] and .swarm.manager != null' \
	"$T_TMP/u.json" >/dev/null || fail "managers not detected: $(jq -c '.swarm.managers' "$T_TMP/u.json")"
env -u PLANTDECK_INVENTORY DOCKER_HOST="$(lab_host 2)" PLANTDECK_INSECURE=1 "$PLANTDECK" status --json >"$T_TMP/e.json" ||
	fail "status (DOCKER_HOST) exited $?"
jq -e --argjson n "$n" '(.nodes | length) == 1 and .swarm.manager == "127.0.0.12" and
	(.swarm.nodes | length) == $n and ([.swarm.nodes[] | select(.inventory == "127.0.0.12")] | length) == 1' \
	"$T_TMP/e.json" >/dev/null || fail "DOCKER_HOST manager: $(jq -c '.swarm | del(.tasks, .services)' "$T_TMP/e.json")"
ok "unmarked managers found by /info; DOCKER_HOST=lab-02 alone shows the whole swarm"

# --- the cockpit shows the roles: [M] on the managers, [W] on the workers
tmux_start 200 50 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $PLANTDECK --log $T_TMP/tui.log --nodes $sel"
# (ended before the swarm is left: a manager that leaves waits for the requests it serves)
t_on_exit "tmux -L $T_TMUX kill-server 2>/dev/null"
t0=$(now_s)
# (each node's role comes from its own /info: they show one after another)
until screen=$(tmux_screen) && [ "$(echo "$screen" | grep -c ' \[M\] line=')" = "$m" ] &&
	[ "$(echo "$screen" | grep -c ' \[W\] line=')" = "$((n - m))" ]; do
	[ "$(ms_between "$t0" "$(now_s)")" -lt 15000 ] ||
		fail "cockpit: not $m [M] and $((n - m)) [W] after 15 s: $screen"
	sleep 0.1
done
ok "cockpit: $m nodes [M], $((n - m)) nodes [W] on the fleet table after $(ms_between "$t0" "$(now_s)") ms"

# --- the manager's events bring the next read forward: with reads a minute apart, a scale
# shows within a couple of seconds
OUT=$T_TMP/watch0.ndjson
"$PLANTDECK" status --watch --json --nodes "$sel" --swarm-interval 60 >"$OUT" 9>&- &
watch0=$!
t_on_exit "kill $watch0 2>/dev/null; wait $watch0 2>/dev/null"
wait_json "$OUT" '.complete and .swarm.events_connected and (.swarm.stale | not)' 20 >/dev/null
ldocker 1 service scale --detach "$svc=6" >/dev/null 2>&1 || fail "service scale failed"
ms=$(wait_json "$OUT" "(.swarm.services[] | select(.name == \"$svc\") | .replicas_desired) == 6" 5)
ok "a service scaled to 6: shown after $ms ms (its service event, not the 60 s read)"
kill "$watch0"
wait "$watch0" 2>/dev/null || true

# --- failover, fast: a manager in use that is not the raft leader freezes. An inventory
# that marks lab-02 first makes it the one in use (lab-01 leads).
{
	lab_defaults
	echo "nodes:"
	for i in 2 1 3 $(seq 4 "$n"); do
		echo "  - name: $(lab_name "$i")"
		echo "    endpoint: $(lab_host "$i")"
		[ "$i" -gt "$m" ] || echo "    swarm: manager"
	done
} >"$T_TMP/lab02-first.yaml"
OUT=$T_TMP/watch2.ndjson
"$PLANTDECK" status --watch --json -i "$T_TMP/lab02-first.yaml" --swarm-interval 1 >"$OUT" 9>&- &
watch2=$!
t_on_exit "kill $watch2 2>/dev/null; wait $watch2 2>/dev/null"
wait_json "$OUT" '.complete and .swarm.manager == "lab-02" and (.swarm.stale | not)' 20 >/dev/null
pid2=$(cat "$PLANTDECK_LAB/node02/pid")
t_on_exit "kill -CONT $pid2 2>/dev/null"
stopped=$(date +%s)
kill -STOP "$pid2"
ms=$(wait_json "$OUT" "(.swarm.manager // \"lab-02\") != \"lab-02\" and (.swarm.stale | not) and
	(.swarm.updated | fromdateiso8601) > $stopped" 15)
took_fast=$ms
ok "lab-02 (in use, not the leader) frozen: fresh lists from $(tail -n 1 "$OUT" | jq -r .swarm.manager) after $ms ms"
# The blocking swarm_call() of deploy and heal workers goes past it too.
out=$("$top_builddir/tests/swarm-call" "$T_TMP/lab02-first.yaml" GET /nodes 9>&-) ||
	fail "swarm_call with lab-02 frozen: $out"
case $out in "manager lab-01 status 200 items $n ms "*) ;; *) fail "swarm_call: $out" ;; esac
[ "${out##* ms }" -lt 5000 ] || fail "swarm_call took too long: $out"
ok "swarm_call with lab-02 frozen: $out"
kill -CONT "$pid2"
wait_json "$OUT" '.nodes[] | select(.name == "lab-02") | .reach == "up"' 20 >/dev/null
kill "$watch2"
wait "$watch2" 2>/dev/null || true

# --- failover, slow: the leader, in use, freezes mid-watch; no manager can answer until
# Swarm elects another leader (raft: 10 to 20 s here).
OUT=$T_TMP/watch.ndjson
"$PLANTDECK" status --watch --json --nodes "$sel" --swarm-interval 1 >"$OUT" 9>&- &
watch_pid=$!
t_on_exit "kill $watch_pid 2>/dev/null; wait $watch_pid 2>/dev/null"
wait_json "$OUT" '.complete and .swarm.manager == "lab-01" and (.swarm.stale | not)' 20 >/dev/null
pid1=$(cat "$PLANTDECK_LAB/node01/pid")
t_on_exit "kill -CONT $pid1 2>/dev/null"
stopped=$(date +%s)
kill -STOP "$pid1"
lines0=$(wc -l <"$OUT")
ms=$(wait_json "$OUT" "(.swarm.manager // \"lab-01\") != \"lab-01\" and (.swarm.stale | not) and
	(.swarm.updated | fromdateiso8601) > $stopped" 45)
took_failover=$ms
new=$(tail -n 1 "$OUT" | jq -r '.swarm.manager')
ok "lab-01 (in use, the leader) frozen: fresh lists from $new after $ms ms"
tail -n 1 "$OUT" | jq -e '.swarm.managers[0] | .node == "lab-01" and .error != null and .failed != null' \
	>/dev/null || fail "lab-01's failure is not recorded: $(tail -n 1 "$OUT" | jq -c '.swarm.managers')"
sed -n "$((lines0 + 1)),\$p" "$OUT" | jq -e -s 'any(.[]; .swarm.stale)' >/dev/null ||
	fail "the lists were never shown stale while no manager answered"
ok "meanwhile shown stale; lab-01's error and time kept"
out=$("$top_builddir/tests/swarm-call" "$PLANTDECK_INVENTORY" GET /nodes 9>&-) ||
	fail "swarm_call with lab-01 frozen: $out"
case $out in "manager lab-0"[23]" status 200 items $n ms "*) ;; *) fail "swarm_call: $out" ;; esac
[ "${out##* ms }" -lt 5000 ] || fail "swarm_call took too long: $out"
ok "swarm_call with lab-01 frozen, once Swarm has a leader again: $out"

# Neither a one-shot status nor the watch hangs while lab-01 is frozen.
t0=$(now_s)
set +e
timeout 30 "$PLANTDECK" status --json --nodes "$sel" --timeout 10 >"$T_TMP/frozen.json" 9>&-
rc=$?
set -e
took=$(ms_between "$t0" "$(now_s)")
[ "$rc" = 1 ] || fail "status with lab-01 frozen exited $rc (want 1: a node is down) after $took ms"
[ "$took" -lt 12000 ] || fail "status with lab-01 frozen took $took ms"
jq -e '(.nodes[] | select(.name == "lab-01") | .reach != "up")' "$T_TMP/frozen.json" >/dev/null ||
	fail "lab-01 is not shown down"
ok "one-shot status with lab-01 frozen: $took ms, exit 1, manager $(jq -r '.swarm.manager' "$T_TMP/frozen.json")"
l1=$(wc -l <"$OUT")
sleep 3
l2=$(wc -l <"$OUT")
[ "$l2" -gt "$l1" ] || fail "the watch printed nothing for 3 s with lab-01 frozen"
age=$(tail -n 1 "$OUT" | jq -r '(now - (.taken | fromdateiso8601)) | floor')
[ "$age" -le 2 ] || fail "the watch's last document is $age s old"
ok "the watch keeps printing ($((l2 - l1)) documents in 3 s)"

# ... nor the cockpit: F1 opens its help at once.
tmux_keys F1
tmux_wait_for "Keys on this screen" 3
tmux_keys Escape
ok "the cockpit answers keys with lab-01 frozen"

# When lab-01 is back, the manager that worked stays in use (no flapping back); lab-01 itself
# reconnects after the fleet's backoff (fleet-outage.sh tests that).
kill -CONT "$pid1"
sleep 2
now=$(tail -n 1 "$OUT" | jq -r '"\(.swarm.manager) \(.swarm.stale)"')
[ "$now" = "$new false" ] || fail "after lab-01 resumed, the swarm is on '$now', want '$new false'"
ok "lab-01 resumed: the swarm stays on $new, fresh"
echo "PASS: swarm status on $n nodes; failover in $took_fast ms (a follower), $took_failover ms (the leader); $(ms_between "$T_START" "$(now_s)") ms in all"
