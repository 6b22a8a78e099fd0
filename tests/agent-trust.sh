#!/bin/sh
# agent-trust.sh: only the trusted agent's sealed lines become findings
# (issue 17; no lab: one simulated engine whose containers print scripted
# lines).  The inventory pins the agent image; a record names one labelled
# container as the agent plantdeck started, with its key (what agent --start
# writes).  Another container labelled io.plantdeck.agent=1 prints anomaly
# lines; the trusted one prints a forged unsealed anomaly, one sealed with
# another key, then one sealed with its own key (HMAC-SHA256 computed here
# with openssl, apart from plantdeck's code).  heal watch: the last one is a
# finding; none of the others is, the impostor is shown as agent_untrusted,
# and the rejected line is in the log; the cockpit marks the node
# AGENT-UNTRUSTED.  Nothing is timed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
command -v curl >/dev/null || skip "no curl"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
command -v openssl >/dev/null || skip "no openssl (Debian package 'openssl')"

sim_start 61 --nodes 1 --containers 2 --events-per-sec 0
E=http://${DOCKER_HOST#tcp://}
export PLANTDECK_DB=$T_TMP/plantdeck.db

PIN=127.0.0.1:5000/plantdeck/agent@sha256:$(printf '%064d' 7)
{ cat "$PLANTDECK_INVENTORY"; printf 'agent:\n  image: %s\n  records: %s/agents\n' "$PIN" "$T_TMP"; } \
	>"$T_TMP/inventory.yaml"
export PLANTDECK_INVENTORY=$T_TMP/inventory.yaml

# A container labelled as an agent, printing the lines of file $2.
labelled() {
	curl -fsS -XPOST -H 'Content-Type: application/json' "$E/containers/create?name=$1" \
		-d "{\"Image\":\"$PIN\",\"Labels\":{\"io.plantdeck.agent\":\"1\",\"org.plantdeck.sim.logfile\":\"$2\"}}" |
		jq -r .Id
}
anomaly() {
	printf '{"type":"anomaly","time":"%s","rule":"exec","severity":"critical","node":"sim-0001","container":{"id":"%s","name":"%s"},"text":"%s"}' \
		"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$(printf '%064d' 1)" "$1" "$2"
}
# LINE sealed for container ID with hex KEY and counter SEQ, as the agent does.
seal() {
	mac=$(printf 'plantdeck-agent-line-v1\000%s\000%s\000%s' "$2" "$4" "$1" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$3" -r | cut -c1-64)
	printf '%s,"seq":%s,"mac":"%s"}\n' "${1%\}}" "$4" "$mac"
}

KEY=$(openssl rand -hex 32)
OTHER=$(openssl rand -hex 32)
anomaly sim-0001-2 "forged by an impostor" >"$T_TMP/impostor.lines"
echo >>"$T_TMP/impostor.lines"
IMP=$(labelled impostor "$T_TMP/impostor.lines")
AG=$(labelled plantdeck-agent "$T_TMP/agent.lines")
[ ${#IMP} = 64 ] && [ ${#AG} = 64 ] || fail "create: '$IMP' '$AG'"
{
	anomaly sim-0001-2 "forged, not sealed"
	echo
	seal "$(anomaly sim-0001-2 'sealed with another key')" "$AG" "$OTHER" 1
	seal "$(anomaly sim-0001-1 'sealed by the agent')" "$AG" "$KEY" 2
} >"$T_TMP/agent.lines"
IID=$(curl -fsS "$E/containers/json?all=1" | jq -r ".[] | select(.Id == \"$AG\") | .ImageID")
mkdir -m 700 "$T_TMP/agents"
printf 'id %s\nimage %s\nkey %s\n' "$AG" "$IID" "$KEY" >"$T_TMP/agents/sim-0001.agent"
chmod 600 "$T_TMP/agents/sim-0001.agent"
curl -fsS -XPOST "$E/containers/$IMP/start" && curl -fsS -XPOST "$E/containers/$AG/start" ||
	fail "start"

"$PLANTDECK" heal watch >"$T_TMP/watch" 2>&1 &
W=$!
t_on_exit "kill $W 2>/dev/null; wait $W 2>/dev/null"
i=0
until "$PLANTDECK" heal list --all --json 2>/dev/null |
	jq -e 'any(.findings[]; .container == "sim-0001-1" and .kind == "anomaly")' >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "the verified anomaly never became a finding: $(cat "$T_TMP/watch") $(tail -5 "$T_TMP/log")"
	kill -0 $W 2>/dev/null || fail "heal watch ended: $(cat "$T_TMP/watch")"
	sleep 0.1
done
j=$("$PLANTDECK" heal list --all --json)
echo "$j" | jq -e '.findings[] | select(.container == "sim-0001-1") | .evidence | test("sealed by the agent")' \
	>/dev/null || fail "finding: $(echo "$j" | jq -c .findings)"
ok "a line sealed with the recorded key is an anomaly finding"
# The lines before it in the same stream were taken and dropped first.
echo "$j" | jq -e '[.findings[] | select(.container == "sim-0001-2")] | length == 0' >/dev/null ||
	fail "a finding from an unverified line: $(echo "$j" | jq -c .findings)"
s=$("$PLANTDECK" status --json)
echo "$s" | jq -e '.nodes[0].agent_rejected >= 0' >/dev/null || fail "status: no agent_rejected"
cat "$T_TMP/watch" "$T_TMP/log" 2>/dev/null | grep -q "did not verify (not sealed)" ||
	fail "the rejected line is not logged: $(cat "$T_TMP/watch" "$T_TMP/log" 2>/dev/null | tail -5)"
ok "unsealed and wrongly keyed lines, and the impostor's: no finding"

echo "$s" | jq -e --arg ag "$AG" --arg imp "$IMP" '.nodes[0] | .agent == $ag and .agent_verified and
	.agent_untrusted == $imp' >/dev/null ||
	fail "status: $(echo "$s" | jq -c '.nodes[0] | {agent, agent_verified, agent_untrusted, agent_rejected}')"
echo "$s" | jq -e --arg imp "${IMP%"${IMP#????????????}"}" \
	'any(.events[]; .action == "agent_untrusted" and (.text | contains($imp)))' >/dev/null ||
	fail "no agent_untrusted event: $(echo "$s" | jq -c '.events')"
ok "status: the recorded agent verified, the impostor ${IMP%"${IMP#????????????}"} shown as untrusted"

# The cockpit marks the node.
tmux_start 160 30 "env TERM=xterm-256color '$PLANTDECK' 2>'$T_TMP/cockpit.err'"
t_on_exit "tmux -L \"\$T_TMUX\" kill-server 2>/dev/null"
tmux_wait_for "AGENT-UNTRUSTED" 15
ok "cockpit: the node row says AGENT-UNTRUSTED"
