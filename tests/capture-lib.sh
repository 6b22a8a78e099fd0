# capture-lib.sh: helpers of the node-local tests (capture-*, tune-*,
# agent-*).  Source it after tests/lib.sh.
#
# The agent runs in the background with its JSON lines in $AGENT_OUT; the
# helpers wait for a line matching a jq filter, and measure how long it took.

command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

AGENT_OUT=$T_TMP/agent.ndjson
AGENT_ERR=$T_TMP/agent.err
AGENT_PID=

# Whether this build has eBPF capture (not configured with --disable-bpf).
built_with_bpf() { grep -q '^#define HAVE_BPF 1' "$top_builddir/config.h" 2>/dev/null; }

# Skip unless capture can run here (root, BTF, a bpf build).
need_capture() {
	built_with_bpf || skip "built with --disable-bpf: no eBPF capture to test"
	[ "$(id -u)" = 0 ] || skip "eBPF capture needs root"
	[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
}

# Start `plantdeck [GLOBAL...] agent ARGS...`: "$@" is passed as is, stdin
# is $AGENT_IN (default /dev/null); waits for the first "capture" line (or
# "agent" with --no-capture).
agent_start() {
	: >"$AGENT_OUT"
	"$PLANTDECK" "$@" <"${AGENT_IN:-/dev/null}" >"$AGENT_OUT" 2>"$AGENT_ERR" &
	AGENT_PID=$!
	t_on_exit "agent_kill"
	case " $* " in
	*" --no-capture "*) wait_line 'select(.type == "agent")' 10 >/dev/null ;;
	*) wait_line 'select(.type == "capture")' 20 >/dev/null ;;
	esac
}

# Stop the agent (at exit).
agent_kill() {
	[ -n "$AGENT_PID" ] || return 0
	kill -TERM "$AGENT_PID" 2>/dev/null || true
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
}

# Stop the agent with SIGTERM and check that it exits 0 within 5 s.
agent_stop_clean() {
	local i=0
	kill -TERM "$AGENT_PID"
	while kill -0 "$AGENT_PID" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "the agent did not exit within 5 s of SIGTERM"
		sleep 0.05
	done
	wait "$AGENT_PID" || fail "the agent exited with status $? after SIGTERM"
	AGENT_PID=
}

# Lines of $AGENT_OUT that the jq filter $1 selects, compact.
lines() { jq -c "$1" "$AGENT_OUT" 2>/dev/null || true; }

# Wait up to $2 seconds for a line that the jq filter $1 selects; prints the
# first such line.  jq runs only when the file grew.  Fails after, showing
# the agent's output.
wait_line() {
	local filter=$1 limit=$2 t0 got size last=-1
	t0=$(now_s)
	while :; do
		size=$(stat -c %s "$AGENT_OUT" 2>/dev/null || echo 0)
		if [ "$size" != "$last" ]; then
			last=$size
			got=$(lines "$filter" | head -n 1)
			if [ -n "$got" ]; then
				echo "$got"
				return 0
			fi
		fi
		if [ "$(ms_between "$t0" "$(now_s)")" -gt $((limit * 1000)) ]; then
			echo "--- agent output:" >&2
			cut -c1-400 "$AGENT_OUT" >&2 || true
			echo "--- agent stderr:" >&2
			cat "$AGENT_ERR" >&2 || true
			fail "no line within ${limit}s: $filter"
		fi
		sleep 0.005
	done
}

# Milliseconds from $2 (seconds since the epoch, with fractions) to when
# line $1 was queued by the agent: its time (when the kernel saw the event)
# plus its delay_ms (kernel to queue).
queued_ms() {
	echo "$1" | jq --argjson t0 "$2" '
		((.time | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) +
		 ((.time | capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber) / 1000) +
		 .delay_ms / 1000 - $t0) * 1000 | floor'
}

# Remove containers named $1* on lab node $2 (default 1).
rm_prefix_on() {
	local ids
	ids=$(ldocker "${2:-1}" ps -aq --filter "name=^$1" 2>/dev/null || true)
	[ -z "$ids" ] || ldocker "${2:-1}" rm -f $ids >/dev/null 2>&1 || true
}

# The full id and the host pid of container $1 on lab node $2 (default 1).
cid() { ldocker "${2:-1}" inspect -f '{{.Id}}' "$1"; }
cpid() { ldocker "${2:-1}" inspect -f '{{.State.Pid}}' "$1"; }

# Wait up to $2 seconds until container $1 on node 1 is healthy.
wait_healthy() {
	local i=0
	while [ "$(ldocker 1 inspect -f '{{.State.Health.Status}}' "$1")" != healthy ]; do
		i=$((i + 1))
		[ "$i" -lt $(($2 * 10)) ] || fail "$1 never became healthy"
		sleep 0.1
	done
}
