#!/bin/sh
# capture-overrun.sh: events the ring buffer cannot hold are counted and
# reported, never lost silently.  The agent is stopped (SIGSTOP, our own
# process) while this shell sends N signals to a container's process, so
# the ring buffer fills; after SIGCONT every signal is either an anomaly
# line or counted as lost, and an "overrun" line says so.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
need_capture
need_lab

N=5000
P=pdt-cap-ovr-$$
t_on_exit "rm_prefix_on $P 1"
t_on_exit "kill -CONT \$AGENT_PID 2>/dev/null"
ldocker 1 run -d --name "$P" "$REG/plant/plc-sim:1" >/dev/null
ID=$(cid "$P")
PID=$(cpid "$P")
agent_start --nodes lab-01 agent --no-drift --all-signals

# SIGUSR1 to the container's PID 1, unhandled: ignored there, reported here.
kill -STOP "$AGENT_PID"
i=0
while [ "$i" -lt "$N" ]; do
	kill -USR1 "$PID"
	i=$((i + 1))
done
kill -CONT "$AGENT_PID"
line=$(wait_line 'select(.type == "overrun")' 10)
lost=$(echo "$line" | jq .lost_total)
[ "$lost" -gt 0 ] || fail "overrun line without losses: $line"
agent_stop_clean
seen=$(lines "select(.type == \"anomaly\" and .container.id == \"$ID\" and .signal.name == \"SIGUSR1\")" | wc -l)
final=$(lines 'select(.type == "stats" and .final)')
echo "$final" | jq -e --argjson lost "$lost" '.lost == $lost and .lines_dropped == 0' >/dev/null ||
	fail "final stats disagree: $final (overrun said $lost)"
[ $((seen + lost)) = "$N" ] ||
	fail "$N signals sent, $seen reported and $lost counted lost: $((N - seen - lost)) unaccounted"
ok "$N signals while the agent was stopped: $seen reported, $lost lost and reported as lost, none silent"
