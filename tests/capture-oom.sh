#!/bin/sh
# capture-oom.sh: plant/leaky under --memory 32m is OOM-killed; the agent
# reports an "oom" event mapped to its container (id and name, in the
# kernel: the victim is gone by the time anyone could read /proc).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
need_capture
need_lab

P=pdt-cap-oom-$$
t_on_exit "rm_prefix_on $P 1"
agent_start --nodes lab-01 agent --no-drift

ldocker 1 run -d --name "$P" --memory 32m --memory-swap 32m "$REG/plant/leaky:1" >/dev/null
ID=$(cid "$P")
line=$(wait_line "select(.type == \"oom\" and .container.id == \"$ID\")" 60)
echo "$line" | jq -e --arg name "$P" '
	.rule == "oom" and .severity == "warning" and .container.name == $name and
	.node == "lab-01" and .target.comm == "leaky" and .target.container.name == $name and
	.mapped_in_kernel' >/dev/null || fail "oom event not mapped to its container: $line"
ok "OOM kill of $P reported: $(echo "$line" | jq -r .text) (kernel to report $(echo "$line" | jq .delay_ms) ms)"

# The engine agrees.
i=0
while [ "$(ldocker 1 inspect -f '{{.State.OOMKilled}}' "$P")" != true ]; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "the engine never said OOMKilled"
	sleep 0.1
done
ok "the engine says OOMKilled too"
agent_stop_clean
