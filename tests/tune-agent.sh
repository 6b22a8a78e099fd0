#!/bin/sh
# tune-agent.sh: the agent's drift checker reports a limit rewritten behind
# plantdeck's back as a "drift" line, once; a "fix" request on stdin
# re-applies it and the drift is reported resolved; "tune" requests answer
# with "tune" lines, and are refused under --read-only.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
need_lab
[ -d /sys/fs/cgroup/memory ] || skip "this machine has no cgroup v1 memory hierarchy"

P=pdt-tune-ag-$$
t_on_exit "rm_prefix_on $P 1"
ldocker 1 run -d --name "$P" --memory 64m "$REG/plant/plc-sim:1" >/dev/null
ID=$(cid "$P")
MEM=/sys/fs/cgroup/memory/docker/$ID
[ -d "$MEM" ] || skip "the lab does not use the cgroupfs driver"

FIFO=$T_TMP/requests
mkfifo "$FIFO"
# Hold the fifo open for writing, so that the agent does not see EOF.
exec 3<>"$FIFO"
AGENT_IN=$FIFO
agent_start --nodes lab-01 agent --no-capture --drift-interval 0.5 --commands
sleep 1.2
n=$(lines "select(.type == \"drift\" and .container.id == \"$ID\")" | wc -l)
[ "$n" = 0 ] || fail "drift reported where there is none: $(lines 'select(.type == "drift")')"

t0=$(now_s)
echo 32M >"$MEM/memory.limit_in_bytes"
line=$(wait_line "select(.type == \"drift\" and .container.id == \"$ID\")" 5)
ms=$(ms_between "$t0" "$(now_s)")
echo "$line" | jq -e --arg name "$P" '.key == "memory" and .desired == "64M" and .actual == "32M" and
	.engine == "64M" and .source == "engine" and .container.name == $name and
	(.file | endswith("/memory.limit_in_bytes"))' >/dev/null || fail "drift line: $line"
ok "drift reported ${ms} ms after the file was rewritten (interval 0.5 s)"
sleep 1.5
n=$(lines "select(.type == \"drift\" and .container.id == \"$ID\")" | wc -l)
[ "$n" = 1 ] || fail "the same drift was reported $n times"
ok "reported once"

echo "fix $P" >&3
line=$(wait_line 'select(.type == "check")' 10)
echo "$line" | jq -e '.ok and .fixed == 1 and .drifted == 0' >/dev/null || fail "fix: $line"
[ "$(cat "$MEM/memory.limit_in_bytes")" = 67108864 ] || fail "not re-applied"
wait_line "select(.type == \"drift_resolved\" and .container.id == \"$ID\")" 5 >/dev/null
ok "fix request re-applied it; drift_resolved reported"

echo "tune $P memory=80M" >&3
line=$(wait_line 'select(.type == "tune")' 10)
echo "$line" | jq -e '.ok and .items[0].cgroup == "80M" and .items[0].engine == "80M"' >/dev/null ||
	fail "tune request: $line"
echo "tune $P memory=12X" >&3
echo "launch rockets" >&3
wait_line 'select(.type == "error")' 5 >/dev/null
lines 'select(.type == "tune" and (.ok | not))' | jq -e 'select(.error | contains("unknown unit"))' \
	>/dev/null || fail "a bad tune request was not answered with an error"
ok "tune requests on stdin answered with tune lines, bad ones with errors"
exec 3>&-
agent_stop_clean

# Read-only: requests that change anything are refused.
exec 3<>"$FIFO"
: >"$AGENT_OUT"
agent_start --read-only --nodes lab-01 agent --no-capture --no-drift --commands
echo "tune $P memory=96M" >&3
echo "fix $P" >&3
echo "check $P" >&3
wait_line 'select(.type == "check" and .ok)' 10 >/dev/null
n=$(lines 'select(.ok == false and (.error | tostring | contains("refused: read-only mode")))' | wc -l)
[ "$n" = 2 ] || fail "want 2 refusals under --read-only: $(cat "$AGENT_OUT")"
[ "$(cat "$MEM/memory.limit_in_bytes")" = 83886080 ] || fail "read-only agent changed the limit"
ok "--read-only agent refuses tune and fix, answers check"
exec 3>&-
agent_stop_clean
