#!/bin/sh
# lab-swarm.sh: `lab/plantdeck-lab up --swarm --swarm-nodes K` joins the lab's first K nodes
# (5, or all of a smaller lab) into a Docker swarm (lab-01 inits it, lab-02..lab-0M join as
# managers, the rest as workers) and no other node; `docker node ls` shows the K nodes Ready and
# the managers; a service of 5 replicas of plc-sim:1 converges; `up --swarm` again joins nobody;
# `swarm-leave` returns every node to standalone and leaves no swarm sandbox mounted and no
# docker_gwbridge. The lab is returned to no swarm at exit, also on failure. A swarm of all 27
# nodes took about 2.5 min on a loaded machine (joining and leaving dominate): hence K.
. "$(dirname "$0")/lib.sh"
need_lab

lab=$top_srcdir/lab/plantdeck-lab
all=${PLANTDECK_LAB_NODES:-5}
n=5
[ "$all" -ge "$n" ] || n=$all
m=3
[ "$n" -ge "$m" ] || m=$n
svc=labtest-swarm-$$

# Always leave the swarm, whatever failed (fd 9, the lab lock, is not passed on).
t_on_exit "\"$lab\" swarm-leave --dir \"$PLANTDECK_LAB\" >/dev/null 2>&1 9>&-"

swarm_of() { # the swarm state of node $1 and whether it manages: "active true"
	ldocker "$1" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'
}
# This test judges a lab that starts with no swarm. One left by an earlier test (its exit's
# swarm-leave can fail on a loaded machine) is not this test's doing: leave it first, and say so.
if [ "$(swarm_of 1)" != "inactive false" ]; then
	echo "note: lab-01 was left in a swarm ($(swarm_of 1)) by an earlier test; leaving it first"
	"$lab" swarm-leave 9>&- || fail "swarm-leave of the swarm an earlier test left failed"
fi
[ "$(swarm_of 1)" = "inactive false" ] || fail "lab-01 is still in a swarm: $(swarm_of 1)"

t0=$(now_s)
out=$("$lab" up --swarm --managers "$m" --swarm-nodes "$n" 2>&1 9>&-) || fail "up --swarm failed: $out"
ok "up --swarm --managers $m --swarm-nodes $n: $n of $all nodes in $(ms_between "$t0" "$(now_s)") ms"
assert_contains "$out" "swarm: $n nodes Ready ($m manager(s)"

# docker node ls, as the leader sees it: N nodes Ready, M managers, one of them Leader
ls=$(ldocker 1 node ls --format '{{.Status}} {{.ManagerStatus}} {{.Self}}')
[ "$(echo "$ls" | grep -c '^Ready')" = "$n" ] || fail "not $n nodes Ready in node ls: $ls"
[ "$(echo "$ls" | grep -c -e ' Leader' -e ' Reachable')" = "$m" ] || fail "not $m managers: $ls"
[ "$(echo "$ls" | grep -c ' Leader true$')" = 1 ] || fail "lab-01 is not the leader: $ls"
ok "node ls: $n nodes Ready, $m managers, lab-01 leads"
for i in $(seq 1 "$n"); do
	want="active false"
	[ "$i" -gt "$m" ] || want="active true"
	[ "$(swarm_of "$i")" = "$want" ] || fail "$(lab_name "$i"): swarm '$(swarm_of "$i")', want '$want'"
done
if [ "$all" -gt "$n" ]; then
	[ "$(swarm_of "$((n + 1))")" = "inactive false" ] ||
		fail "$(lab_name "$((n + 1))") joined, but only $n nodes should: $(swarm_of "$((n + 1))")"
	[ "$(swarm_of "$all")" = "inactive false" ] || fail "$(lab_name "$all") joined: $(swarm_of "$all")"
fi
ok "lab-01..$(lab_name "$m") manage, the others of $(lab_name "$n") are workers, the rest are out"

# status and inventory show the roles
st=$("$lab" status 9>&-) || fail "status failed: $st"
[ "$(echo "$st" | grep -c ' manager$')" = "$m" ] || fail "status does not show $m managers: $st"
[ "$(echo "$st" | grep -c ' worker$')" = "$((n - m))" ] || fail "status does not show $((n - m)) workers: $st"
inv=$PLANTDECK_LAB/inventory.yaml
[ "$(grep -c '^      swarm: manager$' "$inv")" = "$m" ] || fail "inventory: not $m 'swarm: manager' labels"
[ "$(grep -c '^      swarm: worker$' "$inv")" = "$((n - m))" ] || fail "inventory: not $((n - m)) workers"
# managers also carry the node key that marks them for plantdeck
[ "$(grep -c '^    swarm: manager$' "$inv")" = "$m" ] || fail "inventory: not $m managers marked"
ok "status and inventory.yaml show the swarm roles"

# a service of 5 replicas converges (the image's 2 s health check is left out: on a loaded
# machine its execs time out and Swarm replaces the tasks)
ldocker 1 service create --detach --name "$svc" --replicas 5 --no-healthcheck \
	"$REG/plant/plc-sim:1" >/dev/null || fail "service create failed"
t0=$(now_s)
while :; do
	reps=$(ldocker 1 service ls --filter "name=$svc" --format '{{.Replicas}}')
	[ "$reps" != 5/5 ] || break
	[ "$(ms_between "$t0" "$(now_s)")" -lt 40000 ] || {
		ldocker 1 service ps --no-trunc "$svc" >&2
		fail "service $svc did not converge in 40 s: $reps"
	}
	sleep 0.5
done
running=$(ldocker 1 service ps --filter desired-state=running --format '{{.CurrentState}}' "$svc" | grep -c '^Running')
[ "$running" = 5 ] || fail "service ps: $running tasks Running, want 5"
ok "service of 5 replicas of plc-sim:1 converged in $(ms_between "$t0" "$(now_s)") ms"
ldocker 1 service rm "$svc" >/dev/null

# idempotent: nobody joins again
out=$("$lab" up --swarm --managers "$m" --swarm-nodes "$n" 2>&1 9>&-) || fail "second up --swarm failed: $out"
assert_contains "$out" "$m manager(s), $((n - m)) worker(s); 0 joined now"
ok "up --swarm again joins nobody"

# swarm-leave: every node standalone, no swarm sandbox mounted, no docker_gwbridge, no task left
out=$("$lab" swarm-leave 2>&1 9>&-) || fail "swarm-leave failed: $out"
for i in $(seq 1 "$n"); do
	[ "$(swarm_of "$i")" = "inactive false" ] || fail "$(lab_name "$i") still in a swarm: $(swarm_of "$i")"
	[ -z "$(ldocker "$i" ps -aq --filter "name=^$svc")" ] || fail "$(lab_name "$i") keeps a task of $svc"
done
mounts=$(awk -v d="$PLANTDECK_LAB/" 'index($5, d) == 1 && $5 ~ /\/exec\/netns\/(ingress_sbox|1-|lb_)/ {print $5}' /proc/self/mountinfo)
[ -z "$mounts" ] || fail "swarm sandboxes still mounted: $mounts"
! ip link show docker_gwbridge >/dev/null 2>&1 || fail "docker_gwbridge is still there"
! grep -q 'swarm:' "$inv" || fail "inventory still has swarm labels"
ok "swarm-leave: $n nodes standalone, no sandbox mount, no docker_gwbridge"
echo "PASS: lab swarm of $n of $all nodes"
