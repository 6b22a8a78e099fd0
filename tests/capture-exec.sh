#!/bin/sh
# capture-exec.sh: `docker exec` of a program not on the container's allow
# list is an exec anomaly naming the container and the program; the
# container's own start and its healthcheck's execs are not, nor programs
# allowed by --allow or by the container's org.plantdeck.exec-allow label;
# a ptrace attach from the host into the container is a critical anomaly.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
need_capture
need_lab

P=pdt-cap-exec-$$
t_on_exit "rm_prefix_on $P 1"
agent_start --nodes lab-01 agent --no-drift --allow /bin/date

ldocker 1 run -d --name "$P-a" --label org.plantdeck.exec-allow=/bin/uname \
	"$REG/plant/plc-sim:1" >/dev/null
ID=$(cid "$P-a")
# plc-sim's healthcheck (/bin/plc-sim health) runs every 2 s: let it run
# twice (the engine's health log has an entry per run), so that its execs
# are among what the agent saw.
wait_healthy "$P-a" 20
i=0
until [ "$(ldocker 1 inspect -f '{{len .State.Health.Log}}' "$P-a")" -ge 2 ]; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || fail "$P-a's healthcheck did not run twice in 20 s"
	sleep 0.1
done

t0=$(now_s)
ldocker 1 exec "$P-a" cat /etc/hostname >/dev/null
line=$(wait_line "select(.type == \"anomaly\" and .rule == \"exec\" and .container.id == \"$ID\")" 5)
ms=$(ms_between "$t0" "$(now_s)")
echo "$line" | jq -e --arg name "$P-a" '
	.container.name == $name and .exec.filename == "/bin/cat" and
	.actor.comm == "cat" and .actor.container.name == $name and
	.target.container == null and .severity == "warning"' >/dev/null ||
	fail "exec anomaly does not name the container and the program: $line"
ok "docker exec cat -> exec anomaly for $P-a, /bin/cat: queued $(queued_ms "$line" "$t0") ms after docker exec started (kernel to queue $(echo "$line" | jq .delay_ms) ms)"

ldocker 1 exec "$P-a" date >/dev/null
ldocker 1 exec "$P-a" uname >/dev/null
ldocker 1 exec "$P-a" hostname >/dev/null
wait_line "select(.type == \"anomaly\" and .exec.filename == \"/bin/hostname\")" 5 >/dev/null
n=$(lines "select(.type == \"anomaly\" and .rule == \"exec\" and .container.id == \"$ID\")" | wc -l)
[ "$n" = 2 ] || fail "want 2 exec anomalies (cat, hostname), got $n: $(lines 'select(.rule == "exec")')"
# Only this test's container counts: another container on the machine (a
# deploy's plc-sim and its health checks) is not this test's business.
n=$(lines "select(.type == \"anomaly\" and .container.id == \"$ID\" and (.exec.filename == \"/bin/plc-sim\" or .exec.filename == \"/bin/date\" or .exec.filename == \"/bin/uname\"))" | wc -l)
[ "$n" = 0 ] || fail "an allowed exec was reported: $(lines 'select(.rule == "exec")')"
ok "start, healthcheck, --allow and label-allowed execs are not anomalies"

# ptrace: attach to the container's main process from the host (python3's
# ctypes when there, else skip this part).
if command -v python3 >/dev/null; then
	PID=$(cpid "$P-a")
	python3 - "$PID" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = int(sys.argv[1])
PTRACE_ATTACH, PTRACE_DETACH = 16, 17
if libc.ptrace(PTRACE_ATTACH, pid, None, None) != 0:
    sys.exit("ptrace attach: %s" % os.strerror(ctypes.get_errno()))
os.waitpid(pid, 0)
libc.ptrace(PTRACE_DETACH, pid, None, None)
EOF
	line=$(wait_line "select(.type == \"anomaly\" and .rule == \"ptrace\" and .container.id == \"$ID\")" 5)
	echo "$line" | jq -e --argjson pid "$PID" '
		.severity == "critical" and .ptrace.request == "PTRACE_ATTACH" and
		.target.pid == $pid and .actor.comm == "python3" and .mapped_in_kernel' >/dev/null ||
		fail "ptrace anomaly is wrong: $line"
	ok "ptrace attach from the host -> critical anomaly"
else
	echo "note: python3 not installed; ptrace not exercised"
fi
agent_stop_clean
