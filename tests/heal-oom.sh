#!/bin/sh
# heal-oom.sh: a container the kernel kills for memory (plant/leaky under
# a 32 MiB limit) is an OOM finding with evidence; with no heal.memory_headroom
# in the inventory, the proposal raises its limit by the default 50% (below
# half the node's memory), and once approved the engine reads the new limit
# back and the container runs again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
. "$top_srcdir/tests/heal-lib.sh"

S=hoom$$
C=$S-leaky
t_on_exit "lab_rm_prefix $S-"
heal_inventory "heal:
  verify_window: 5s"
heal_watch_start
# The fleet must be up and the detectors running to see the oom event.
heal_watch_ready
# Killed at about 16 MiB held; it would stop growing at 20 MiB.
ldocker 3 run -d --name "$C" --network none --memory 32m --memory-swap 32m \
	-e LEAKY_MAX_MB=20 "$REG/plant/leaky:1" >"$T_TMP/run" 2>&1 || fail "cannot start $C on lab-03"

j=$(heal_wait ".proposals | any(.container == \"$C\" and .kind == \"oom\" and
	.action == \"memory\" and .state == \"pending\")" 90)
P=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C\") | .id")
echo "$j" | jq -e ".findings[] | select(.container == \"$C\") | .kind == \"oom\" and
	(.evidence | test(\"oom event\"))" >/dev/null ||
	fail "finding: $(echo "$j" | jq -c ".findings[] | select(.container == \"$C\")")"
echo "$j" | jq -e ".proposals[] | select(.id == $P) | .memory_from == 33554432 and
	.memory_to == 50331648 and (.reason | contains(\"50% more (the default)\"))" >/dev/null ||
	fail "proposal: $(echo "$j" | jq -c ".proposals[] | select(.id == $P)")"
ok "OOM found with evidence; no headroom configured: memory 32M -> 48M proposed by default (#$P)"

"$PLANTDECK" heal approve "$P" >/dev/null || fail "approve #$P"
heal_wait ".proposals | any(.id == $P and .state == \"succeeded\")" 90 >/dev/null
[ "$(ldocker 3 inspect -f '{{.HostConfig.Memory}}' "$C")" = 50331648 ] ||
	fail "HostConfig.Memory: $(ldocker 3 inspect -f '{{.HostConfig.Memory}}' "$C")"
ldocker 3 inspect -f '{{.State.Running}}' "$C" | grep -q true || fail "$C is not running"
ok "approved: the engine reads back 48M, $C runs again and stayed up"
