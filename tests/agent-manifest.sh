#!/bin/sh
# agent-manifest.sh: the agent with no engine (--manifest, as in its
# container; issue 17).  No lab, no root: a cgroup v2 tree in a directory, a
# key file, and manifests sealed here with openssl (apart from plantdeck's
# code).  A manifest sealed with another key, claiming a 16M limit, is not
# taken (no drift against it); the right one, with the engine's record of
# 64M, is: the 32M in the file is a drift of the named container against
# the engine's record.  A "cgroup" request with that record and "fix"
# re-writes the file (what agent --node --request fix sends into the
# container), and the running agent reports the drift resolved.  Nothing
# is timed: every wait is for a line.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/capture-lib.sh"
command -v openssl >/dev/null || skip "no openssl (Debian package 'openssl')"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

unset PLANTDECK_INVENTORY
export DOCKER_HOST=unix://$T_TMP/no-such.sock
CG=$T_TMP/cg
X=$(printf 'c%063d' 1)
mkdir -p "$CG/docker/$X"
: >"$CG/cgroup.controllers"
echo 33554432 >"$CG/docker/$X/memory.max"
export PLANTDECK_CGROUP_ROOT=$CG

KEY=$(openssl rand -hex 32) OTHER=$(openssl rand -hex 32) CID=$(printf '%064d' 5)
REC="{\"Id\":\"$X\",\"Name\":\"/plc-press-3\",\"Path\":\"/usr/bin/plc\",\"State\":{\"Running\":true,\"Pid\":0},\"HostConfig\":{\"Memory\":67108864}}"
# BODY sealed in the manifest domain with hex key $2 and counter $3.
seal() {
	mac=$(printf 'plantdeck-agent-manifest-v1\000%s\000%s\000%s' "$CID" "$3" "$1" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$2" -r | cut -c1-64)
	printf '%s,"seq":%s,"mac":"%s"}\n' "${1%\}}" "$3" "$mac"
}
M=$T_TMP/manifest.json
seal "{\"type\":\"manifest\",\"node\":\"n1\",\"containers\":[${REC%%67108864*}16777216}}]}" "$OTHER" 10 >"$M"

echo "$KEY $CID" >"$T_TMP/agent.key"
: >"$AGENT_OUT"
"$PLANTDECK" agent --no-capture --drift-interval 0.2 --stats-interval 0.2 \
	--key-file "$T_TMP/agent.key" --manifest "$M" --own-containers >"$AGENT_OUT" 2>"$AGENT_ERR" &
AGENT_PID=$!
t_on_exit "agent_kill"
line=$(wait_line 'select(.type == "agent")' 10)
echo "$line" | jq -e '.engines == [] and (.warning | test("no verified manifest")) and .cgroup == "v2"' \
	>/dev/null || fail "first line: $line"
# Two drift rounds after a stats line: nothing was taken from the forged one.
n0=$(lines 'select(.type == "stats")' | wc -l)
i=0
until [ "$(lines 'select(.type == "stats")' | wc -l)" -ge $((n0 + 3)) ]; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "no stats lines: $(cat "$AGENT_ERR")"; sleep 0.05
done
[ -z "$(lines 'select(.type == "drift")')" ] || fail "a drift from a forged manifest: $(lines 'select(.type == "drift")')"
ok "a manifest sealed with another key is not taken"

# The one sealed with the agent's key: the file's 32M drifts from the record's 64M.
seal "{\"type\":\"manifest\",\"node\":\"n1\",\"containers\":[$REC]}" "$KEY" 20 >"$M.tmp"
mv "$M.tmp" "$M"
line=$(wait_line 'select(.type == "drift")' 10)
echo "$line" | jq -e --arg x "$X" '.node == "n1" and .container.id == $x and
	.container.name == "plc-press-3" and .key == "memory" and .desired == "64M" and
	.actual == "32M" and .source == "engine" and .seq > 0 and (.mac | length == 64)' >/dev/null ||
	fail "drift line: $line"
ok "the agent's manifest is taken: a drift of plc-press-3 against the engine's record, sealed"

# An older manifest (counter 15) with another record is not taken either.
seal "{\"type\":\"manifest\",\"node\":\"n1\",\"containers\":[]}" "$KEY" 15 >"$M.tmp"
mv "$M.tmp" "$M"

# The cgroup side of "fix", as agent --node --request sends it into the container.
out=$("$PLANTDECK" agent --request "cgroup {\"node\":\"n1\",\"container\":$REC,\"fix\":true}") ||
	fail "cgroup fix: $out"
echo "$out" | jq -e '.type == "check" and .ok and .fixed == 1 and .drifted == 0 and .local and
	.node == "n1" and .container.name == "plc-press-3"' >/dev/null || fail "cgroup fix answer: $out"
[ "$(cat "$CG/docker/$X/memory.max")" = 67108864 ] || fail "memory.max reads $(cat "$CG/docker/$X/memory.max")"
wait_line 'select(.type == "drift_resolved")' 10 >/dev/null
ok "cgroup fix with the record re-wrote memory.max to 64M; the agent reports it resolved (the older manifest not taken)"
out=$("$PLANTDECK" -r agent --request "cgroup {\"node\":\"n1\",\"container\":$REC,\"fix\":true}" 2>&1) &&
	fail "cgroup fix under --read-only: $out"
assert_contains "$out" "refused: read-only"
ok "refused under --read-only"
agent_stop_clean
