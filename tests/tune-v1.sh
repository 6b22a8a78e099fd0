#!/bin/sh
# tune-v1.sh: `plantdeck tune` on this machine's cgroup v1: the memory limit
# and the CPU quota of a lab container are set through the engine and read
# back from the engine (inspect) and from the cgroup files; rewriting a file
# behind plantdeck's back is drift that `tune --check` reports and
# `tune --check --fix` re-applies; --read-only and --kiosk refuse, and the
# engine's event log proves nothing was changed; bad values are refused
# before anything is sent.  (v2: tests/unit/test-cgroup.c, on a temporary
# directory laid out like cgroupfs v2.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
need_lab
[ -d /sys/fs/cgroup/memory ] || skip "this machine has no cgroup v1 memory hierarchy"

P=pdt-tune-$$
t_on_exit "rm_prefix_on $P 1"
ldocker 1 run -d --name "$P" "$REG/plant/plc-sim:1" >/dev/null
ID=$(cid "$P")
MEM=/sys/fs/cgroup/memory/docker/$ID
CPU=/sys/fs/cgroup/cpu/docker/$ID
[ -d "$MEM" ] && [ -d "$CPU" ] || skip "the lab does not use the cgroupfs driver ($MEM)"
PD() { "$PLANTDECK" --nodes lab-01 "$@"; }
OUT=$T_TMP/out.json

# Set, and read back through the engine and the files.
PD tune --json "$P" memory=64M cpus=0.5 >"$OUT" || fail "tune failed: $(cat "$OUT")"
jq -e --arg id "$ID" '.ok and .container.id == $id and .local and .cgroup_version == 1 and
	(.items | length == 2) and all(.items[]; .ok and .via == "engine") and
	.items[0].key == "memory" and .items[0].engine == "64M" and .items[0].cgroup == "64M" and
	.items[1].key == "cpus" and .items[1].engine == "0.5" and .items[1].cgroup == "50000 100000"' \
	"$OUT" >/dev/null || fail "tune result: $(cat "$OUT")"
[ "$(ldocker 1 inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' "$P")" = \
	"67108864 500000000" ] || fail "the engine does not say 64M and 0.5 CPUs"
[ "$(cat "$MEM/memory.limit_in_bytes")" = 67108864 ] || fail "memory.limit_in_bytes is not 64M"
[ "$(cat "$CPU/cpu.cfs_quota_us") $(cat "$CPU/cpu.cfs_period_us")" = "50000 100000" ] ||
	fail "cfs quota/period is not 50000/100000"
ok "memory=64M cpus=0.5: engine and cgroup files read back as asked"

# The text form says what changed.
PD tune "$P" memory=96M >"$T_TMP/out.txt" || fail "tune memory=96M failed"
assert_contains "$(cat "$T_TMP/out.txt")" "memory      asked 96M"
assert_contains "$(cat "$T_TMP/out.txt")" "memory.limit_in_bytes"
[ "$(cat "$MEM/memory.limit_in_bytes")" = 100663296 ] || fail "memory.limit_in_bytes is not 96M"
PD tune "$P" memory=64M >/dev/null

# No drift yet.
PD tune --check --json "$P" >"$OUT" || fail "drift where there is none: $(cat "$OUT")"
jq -e '.drifted == 0 and (.items | length == 2)' "$OUT" >/dev/null || fail "check: $(cat "$OUT")"

# Behind plantdeck's back.
echo 48M >"$MEM/memory.limit_in_bytes"
echo 20000 >"$CPU/cpu.cfs_quota_us"
if PD tune --check --json "$P" >"$OUT"; then fail "drift not reported: $(cat "$OUT")"; fi
jq -e '.drifted == 2 and
	(.items[] | select(.key == "memory") | .ok == false and .want == "64M" and .cgroup == "48M") and
	(.items[] | select(.key == "cpu.max") | .ok == false and .cgroup == "20000 100000")' \
	"$OUT" >/dev/null || fail "check: $(cat "$OUT")"
ok "drift detected after the files were rewritten (memory 48M, quota 20000)"

# Read-only: refused in the backend, --fix included; a plain check is fine.
sleep 1.1   # the event log counts whole seconds: start after the last update
T0=$(date +%s)
for flag in --read-only --kiosk; do
	if "$PLANTDECK" $flag --nodes lab-01 tune "$P" memory=128M 2>"$T_TMP/err"; then
		fail "$flag tune was not refused"
	fi
	assert_contains "$(cat "$T_TMP/err")" "refused: read-only mode"
	if "$PLANTDECK" $flag --nodes lab-01 tune --check --fix "$P" 2>"$T_TMP/err" >/dev/null; then
		fail "$flag tune --check --fix was not refused"
	fi
	assert_contains "$(cat "$T_TMP/err")" "refused: read-only mode"
done
"$PLANTDECK" --read-only --nodes lab-01 tune --check "$P" >/dev/null && fail "check lost the drift"
sleep 1
T1=$(date +%s)
n=$(lab_curl -s "$(lab_url 1)/events?since=$T0&until=$T1&filters=%7B%22container%22%3A%5B%22$ID%22%5D%7D" |
	jq -s '[.[] | select(.Action == "update")] | length')
[ "$n" = 0 ] || fail "the engine logged $n update(s) under --read-only"
[ "$(cat "$MEM/memory.limit_in_bytes")" = 50331648 ] || fail "a read-only command changed the file"
ok "--read-only and --kiosk refuse tune and --fix (exit 1), the engine logged no update"

# Re-apply.
PD tune --check --fix --json "$P" >"$OUT" || fail "fix failed: $(cat "$OUT")"
jq -e '.drifted == 0 and .fixed == 2' "$OUT" >/dev/null || fail "fix: $(cat "$OUT")"
[ "$(cat "$MEM/memory.limit_in_bytes")" = 67108864 ] || fail "memory limit not re-applied"
[ "$(cat "$CPU/cpu.cfs_quota_us")" = 50000 ] || fail "CPU quota not re-applied"
PD tune --check "$P" >/dev/null || fail "drift left after --fix"
ok "--fix re-applied both ($(jq -r '.items[0].note' "$OUT"))"

# cpu.max, the soft limit and the weight; a container limited by
# --cpu-quota keeps its quota form.
PD tune --json "$P" cpu.max=25000 memory.low=32M cpu.weight=50 >"$OUT" || fail "tune: $(cat "$OUT")"
[ "$(cat "$CPU/cpu.cfs_quota_us") $(cat "$CPU/cpu.cfs_period_us")" = "25000 100000" ] ||
	fail "cpu.max=25000 not in the files"
[ "$(cat "$MEM/memory.soft_limit_in_bytes")" = 33554432 ] || fail "soft limit not 32M"
shares=$(cat "$CPU/cpu.shares")
[ "$(ldocker 1 inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.MemoryReservation}} {{.HostConfig.CpuShares}}' "$P")" = \
	"250000000 33554432 $shares" ] || fail "the engine does not record 0.25 CPUs, 32M and $shares shares"
ok "cpu.max=25000 (as NanoCpus), memory.low=32M, cpu.weight=50 (cpu.shares $shares)"
if PD tune "$P" cpu.max=25000/50000 2>"$T_TMP/err"; then fail "a period the engine cannot express was accepted"; fi
assert_contains "$(cat "$T_TMP/err")" "set cpus= instead"
ldocker 1 run -d --name "$P-q" --cpu-quota 50000 --cpu-period 50000 "$REG/plant/plc-sim:1" >/dev/null
PD tune --json "$P-q" cpus=0.5 >"$OUT" || fail "tune quota container: $(cat "$OUT")"
[ "$(ldocker 1 inspect -f '{{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.HostConfig.NanoCpus}}' "$P-q")" = \
	"25000 50000 0" ] || fail "cpus=0.5 on a --cpu-quota container did not keep the quota form"
ok "cpus=0.5 on a --cpu-quota container: CpuQuota 25000 per 50000"
if PD tune "$P" memory.high=200M 2>"$T_TMP/err"; then fail "memory.high accepted on cgroup v1"; fi
assert_contains "$(cat "$T_TMP/err")" "memory.high needs cgroup v2"
ok "memory.high on v1: $(cat "$T_TMP/err")"

# Bad input is refused before anything is sent (exit 2).
for kv in memory=12X memory=99999999999999999999G cpus=0 cpu.weight=0 bogus=1 memory=-5M; do
	rc=0
	PD tune "$P" "$kv" 2>"$T_TMP/err" || rc=$?
	[ "$rc" = 2 ] || fail "$kv: exit $rc, want 2"
done
rc=0
PD tune no-such-container-$$ memory=64M 2>"$T_TMP/err" || rc=$?
[ "$rc" = 1 ] || fail "unknown container: exit $rc"
assert_contains "$(cat "$T_TMP/err")" "no container 'no-such-container-$$'"
ok "bad values exit 2, an unknown container exits 1"
