#!/bin/sh
# agent-cli.sh: `plantdeck agent` as a process: without root, capture says
# "unavailable: REASON" once and the agent goes on; as root it runs the
# probes; SIGTERM and SIGINT stop it cleanly (exit 0, a final stats line,
# the probes unloaded); bad options exit 2.  No lab needed: the engine is a
# socket that does not exist.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root, to run the agent both as root and as nobody"
command -v openssl >/dev/null || skip "no openssl (Debian package 'openssl')"
command -v setpriv >/dev/null || skip "setpriv is not installed (Debian package 'util-linux')"

unset PLANTDECK_INVENTORY
export DOCKER_HOST=unix://$T_TMP/no-such.sock

# Bad usage.
for args in "--bogus" "--drift-interval 0" "--drift-interval x" "extra"; do
	rc=0
	"$PLANTDECK" agent $args >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "agent $args: exit $rc, want 2"
done
ok "bad options exit 2"

# --key-file: the key file is read and removed; every line is sealed with a
# counter from 1, and the MAC verifies (computed here with openssl).
KEY=$(openssl rand -hex 32) CID=$(printf '%064d' 5)
echo "$KEY $CID" >"$T_TMP/agent.key"
: >"$AGENT_OUT"
"$PLANTDECK" agent --no-capture --no-drift --stats-interval 0.3 --key-file "$T_TMP/agent.key" \
	>"$AGENT_OUT" 2>"$AGENT_ERR" &
AGENT_PID=$!
t_on_exit "agent_kill"
wait_line 'select(.type == "stats" and (.final | not))' 10 >/dev/null
[ ! -e "$T_TMP/agent.key" ] || fail "the key file is still there"
agent_stop_clean
lines '.seq' | awk '$1 != NR { exit 1 }' || fail "counters: $(lines '.seq' | tr '\n' ' ')"
first=$(head -n 1 "$AGENT_OUT")
body=$(echo "$first" | sed 's/,"seq":1,"mac":"[0-9a-f]*"}$/}/')
want=$(printf 'plantdeck-agent-line-v1\000%s\000%s\000%s' "$CID" 1 "$body" |
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" -r | cut -c1-64)
[ "$(echo "$first" | jq -r .mac)" = "$want" ] || fail "the first line's MAC does not verify: $first"
echo short >"$T_TMP/agent.key"
rc=0
"$PLANTDECK" agent --key-file "$T_TMP/agent.key" >/dev/null 2>"$AGENT_ERR" || rc=$?
[ "$rc" = 2 ] && grep -q "not a key" "$AGENT_ERR" || fail "a bad key file: exit $rc, $(cat "$AGENT_ERR")"
ok "--key-file: the file removed, $(lines .seq | wc -l) lines sealed with counters from 1, the MAC verifies"

# As nobody: unavailable, once, with the reason; the rest runs.
chmod 755 "$T_TMP"
: >"$AGENT_OUT"
chmod 666 "$AGENT_OUT"
setpriv --reuid=65534 --regid=65534 --clear-groups "$PLANTDECK" agent --stats-interval 0.3 \
	>"$AGENT_OUT" 2>"$AGENT_ERR" &
AGENT_PID=$!
t_on_exit "agent_kill"
line=$(wait_line 'select(.type == "capture")' 10)
if built_with_bpf; then want="unavailable: needs root"; else want="unavailable: built with --disable-bpf"; fi
echo "$line" | jq -e --arg want "$want" '.available == false and (.status | startswith($want))' \
	>/dev/null || fail "capture line: $line"
wait_line 'select(.type == "stats" and (.final | not))' 5 >/dev/null
n=$(lines 'select(.type == "capture")' | wc -l)
[ "$n" = 1 ] || fail "'unavailable' said $n times"
ok "as nobody: $(echo "$line" | jq -r .status), once; stats lines go on"
agent_stop_clean
lines 'select(.type == "stats" and .final)' | grep -q . || fail "no final stats line"
ok "SIGTERM: exit 0 with a final stats line"

# As root: the probes run, and are gone after SIGINT.
if ! built_with_bpf; then
	: >"$AGENT_OUT"
	agent_start agent
	assert_contains "$(lines 'select(.type == "capture") | .status')" \
		"unavailable: built with --disable-bpf"
	agent_stop_clean
	ok "--disable-bpf build: unavailable: built with --disable-bpf; SIGTERM: exit 0"
	exit 0
fi
[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF: capture cannot run"
: >"$AGENT_OUT"
"$PLANTDECK" agent >"$AGENT_OUT" 2>"$AGENT_ERR" &
AGENT_PID=$!
line=$(wait_line 'select(.type == "capture")' 20)
echo "$line" | jq -e '.available' >/dev/null || fail "capture did not start: $line"
if command -v bpftool >/dev/null || [ -x /usr/sbin/bpftool ]; then
	BPFTOOL=$(command -v bpftool || echo /usr/sbin/bpftool)
	n=$("$BPFTOOL" prog show 2>/dev/null | grep -c 'name pd_' || true)
	[ "$n" -ge 4 ] || fail "bpftool shows $n pd_ programs, want 4 or more"
fi
apid=$AGENT_PID
t0=$(now_s)
kill -INT "$AGENT_PID"
wait "$AGENT_PID" || fail "exit status $? after SIGINT"
ms=$(ms_between "$t0" "$(now_s)")
AGENT_PID=
if [ -n "${BPFTOOL:-}" ]; then
	# Other agents (other tests) may run at the same time: look for ours
	# by the pid that held them.
	if "$BPFTOOL" prog show 2>/dev/null | grep -q "plantdeck($apid)"; then
		fail "programs still loaded after exit"
	fi
fi
lines 'select(.type == "stats" and .final)' | grep -q . || fail "no final stats line"
ok "as root: probes loaded ($n programs); SIGINT: exit 0 in ${ms} ms, final stats line"
