#!/bin/sh
# capture-signal.sh: a lab container's process killed with SIGKILL from the
# host is an anomaly naming the container (id and name), the signal and the
# sender, within 1 s; from another container it is a critical one; from
# inside its own container, or from its engine (docker kill), it is none.
# Last, the fallback programs of older kernels (PLANTDECK_CAPTURE_FALLBACK=1)
# map a surviving target through /proc.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
need_capture
need_lab

P=pdt-cap-sig-$$
t_on_exit "rm_prefix_on $P 1"
# Allow sh, so that the docker execs below are not exec anomalies.
ldocker 1 run -d --name "$P-a" --label org.plantdeck.exec-allow=sh "$REG/plant/plc-sim:1" >/dev/null
ldocker 1 run -d --name "$P-b" --label org.plantdeck.exec-allow=sh "$REG/plant/plc-sim:1" >/dev/null
ldocker 1 run -d --name "$P-peer" --pid host --label org.plantdeck.exec-allow=sh,kill \
	"$REG/plant/plc-sim:1" >/dev/null
ID_A=$(cid "$P-a")
ID_B=$(cid "$P-b")
ID_PEER=$(cid "$P-peer")

agent_start --nodes lab-01 agent --no-drift
assert_contains "$(lines 'select(.type == "capture") | .status')" "running"

# 1. From inside the same container: sh kills its own child.
ldocker 1 exec "$P-a" sh -c 'sleep 30 & kill -KILL $!; wait' || true
# 2. From the engine: docker kill is runc's kill(2).
ldocker 1 kill -s KILL "$P-b" >/dev/null
# 3. From the host: this shell ($$) kills the container's main process.
PID_A=$(cpid "$P-a")
t0=$(now_s)
kill -KILL "$PID_A"
line=$(wait_line "select(.type == \"anomaly\" and .rule == \"signal\" and .container.id == \"$ID_A\")" 5)
ms=$(ms_between "$t0" "$(now_s)")
echo "$line" | jq -e --arg name "$P-a" --argjson pid "$PID_A" --argjson me $$ '
	.severity == "warning" and .container.name == $name and .node == "lab-01" and
	.signal.name == "SIGKILL" and .signal.number == 9 and .signal.code == "SI_USER" and
	.target.pid == $pid and .target.container.name == $name and
	.actor.tgid == $me and .actor.container == null and .mapped_in_kernel' >/dev/null ||
	fail "anomaly does not name container, signal and sender: $line"
q=$(queued_ms "$line" "$t0")
[ "$q" -le 1000 ] || fail "anomaly queued ${q} ms after the kill (want <= 1000)"
[ "$ms" -le 1000 ] || fail "anomaly seen ${ms} ms after the kill (want <= 1000)"
delay=$(echo "$line" | jq .delay_ms)
ok "host SIGKILL -> anomaly naming $P-a (id, name), SIGKILL and sender pid $$: queued ${q} ms after kill (kernel to queue ${delay} ms), seen by this test after ${ms} ms"

# 4. From another container (host pid namespace): critical.
PID_B2=$(ldocker 1 start "$P-b" >/dev/null && cpid "$P-b")
ldocker 1 exec "$P-peer" kill -TERM "$PID_B2"
line=$(wait_line "select(.type == \"anomaly\" and .rule == \"signal\" and .container.id == \"$ID_B\")" 5)
echo "$line" | jq -e --arg peer "$ID_PEER" '
	.severity == "critical" and .signal.name == "SIGTERM" and
	.actor.container.id == $peer' >/dev/null ||
	fail "signal from another container not reported as critical: $line"
ok "SIGTERM from container $P-peer -> critical anomaly"

# Nothing was reported for 1 (same container) or 2 (the engine).
sleep 0.3
n=$(lines "select(.type == \"anomaly\" and .rule == \"signal\" and .target.comm == \"sleep\")" | wc -l)
[ "$n" = 0 ] || fail "a signal within one container was reported: $(lines 'select(.type == "anomaly")')"
n=$(lines "select(.type == \"anomaly\" and .rule == \"signal\" and .actor.comm == \"runc\")" | wc -l)
[ "$n" = 0 ] || fail "docker kill (the engine) was reported"
n=$(lines "select(.type == \"anomaly\" and .rule == \"signal\")" | wc -l)
[ "$n" = 2 ] || fail "want exactly 2 signal anomalies, got $n: $(lines 'select(.rule == "signal")')"
ok "no anomaly for a signal inside one container, nor for docker kill"

agent_stop_clean
lines 'select(.type == "stats" and .final)' | jq -e '.lost == 0' >/dev/null ||
	fail "events were lost: $(lines 'select(.type == "stats")')"
ok "agent stopped cleanly on SIGTERM, no events lost"

# The fallback: kill(2) on entry, the target mapped through /proc (the
# container's PID 1 ignores an unhandled SIGUSR1, so it is still there).
: >"$AGENT_OUT"
PLANTDECK_CAPTURE_FALLBACK=1 agent_start --nodes lab-01 agent --no-drift
assert_contains "$(lines 'select(.type == "capture") | .status')" "target mapped through /proc"
ldocker 1 start "$P-a" >/dev/null
PID_A=$(cpid "$P-a")
kill -USR1 "$PID_A"
line=$(wait_line "select(.type == \"anomaly\" and .rule == \"signal\" and .container.id == \"$ID_A\")" 5)
echo "$line" | jq -e --arg name "$P-a" '.container.name == $name and .signal.name == "SIGUSR1" and
	(.mapped_in_kernel | not)' >/dev/null || fail "fallback anomaly: $line"
ok "fallback programs: SIGUSR1 mapped to $P-a through /proc"
agent_stop_clean
