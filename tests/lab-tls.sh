#!/bin/sh
# lab-tls.sh: the lab's real engines over mutual TLS (lab/plantdeck-lab up --tls; issue 17).
#
# Every node answers `status` over TLS with its containers, none marked insecure, and the
# docker CLI works with the lab's env (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH).  An inventory
# that trusts another CA refuses lab-01 (its certificate is not from that CA); plantdeck
# showing a client certificate from another CA is refused by lab-02's dockerd; both say so in
# status and the other nodes complete.  A plaintext request to a TLS engine gets its HTTP 400;
# a plaintext endpoint without insecure: true is refused before anything starts.
# Needs the lab up with --tls (skips on a plaintext lab, saying so); a few seconds.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

need_lab
lab_tls || skip "the lab runs plaintext: this test needs lab/plantdeck-lab up --tls"
C=$PLANTDECK_LAB/tls
n=$PLANTDECK_LAB_NODES

# --- status over TLS: every node up, none insecure; the docker CLI too
"$PLANTDECK" status --json --timeout 60 >"$T_TMP/all.json" || fail "status over TLS exited $?"
jq -e --argjson n "$n" '.complete and (.nodes | length) == $n and
	all(.nodes[]; .reach == "up" and (.endpoint | endswith(":2376")) and (.insecure | not))' \
	"$T_TMP/all.json" >/dev/null ||
	fail "not every node up over TLS: $(jq -c '[.nodes[] | {name, reach, insecure, error}]' "$T_TMP/all.json")"
ldocker 1 version --format '{{.Server.Version}}' >/dev/null || fail "docker -H $(lab_host 1) over TLS"
ok "status over mutual TLS: $n nodes up on :2376, none insecure; the docker CLI too"

# --- the wrong CA, the wrong client
cat >"$T_TMP/inv.yaml" <<INV
site: lab-tls
defaults:
  tls: {ca: $C/ca/ca.pem, cert: $C/client/cert.pem, key: $C/client/key.pem}
nodes:
  - name: lab-01
    endpoint: $(lab_host 1)
    tls: {ca: $C/other/ca/ca.pem, cert: $C/client/cert.pem, key: $C/client/key.pem}
  - name: lab-02
    endpoint: $(lab_host 2)
    tls: {ca: $C/ca/ca.pem, cert: $C/other/client/cert.pem, key: $C/other/client/key.pem}
  - name: lab-03
    endpoint: $(lab_host 3)
INV
set +e
"$PLANTDECK" -i "$T_TMP/inv.yaml" status --json --timeout 60 >"$T_TMP/s.json" 2>/dev/null
rc=$?
set -e
[ $rc = 1 ] || fail "status with two refused nodes: exit $rc, want 1"
node() { jq -c --arg n "$1" '.nodes[] | select(.name == $n)' "$T_TMP/s.json"; }
jq -e .complete "$T_TMP/s.json" >/dev/null || fail "status is not complete"
node lab-01 | jq -e '.reach == "down" and .tls_refused and
	(.error | test("TLS refused: the engine.s certificate is not signed by the CA plantdeck trusts"))' \
	>/dev/null || fail "lab-01 (another CA trusted): $(node lab-01)"
ok "lab-01 with another CA trusted: '$(node lab-01 | jq -r .error | cut -c1-100)...'"
node lab-02 | jq -e '.reach == "down" and .tls_refused and (.error | test("TLS refused: .*client certificate"))' \
	>/dev/null || fail "lab-02 (a client certificate from another CA): $(node lab-02)"
ok "lab-02 refused our certificate from another CA: '$(node lab-02 | jq -r .error | cut -c1-100)...'"
node lab-03 | jq -e '.reach == "up" and (.insecure | not)' >/dev/null || fail "lab-03: $(node lab-03)"
ok "lab-03 beside them: up"

# --- plaintext against a TLS engine, and without insecure: true
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.11:2376/_ping") || true
[ "$code" = 400 ] || fail "plaintext to lab-01's :2376: HTTP $code, want 400"
printf 'nodes:\n  - name: lab-01\n    endpoint: tcp://127.0.0.11:2376\n' >"$T_TMP/plain.yaml"
set +e
err=$("$PLANTDECK" -i "$T_TMP/plain.yaml" status --timeout 10 2>&1 >/dev/null)
rc=$?
set -e
[ $rc = 2 ] || fail "a plaintext endpoint: exit $rc, want 2"
assert_contains "$err" "plain.yaml:3:15: node 'lab-01': plaintext tcp:// is refused"
printf '    insecure: true\n' >>"$T_TMP/plain.yaml"
set +e
"$PLANTDECK" -i "$T_TMP/plain.yaml" status --json --timeout 10 >"$T_TMP/p.json" 2>/dev/null
set -e
jq -e '.nodes[0] | .reach == "down" and .insecure and (.error | test("HTTP 400"))' "$T_TMP/p.json" \
	>/dev/null || fail "plaintext to TLS with insecure: true: $(jq -c '.nodes[0]' "$T_TMP/p.json")"
ok "plaintext: the engine answers 400; refused without insecure: true, with it marked and failing"
