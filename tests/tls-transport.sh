#!/bin/sh
# tls-transport.sh: mutual TLS and its refusals, without the lab (issue 17, Transport).
#
# Certificates from `lab/plantdeck-lab certs` (the lab's CA, lab-01's server
# certificate for 127.0.0.11, a client's; one of each from another CA).  Two
# simulated engines (lab/plantdeck-lab sim); tests/data/tls-proxy.py puts a
# mutual-TLS front, as dockerd --tlsverify has, before sim-0001: one with
# lab-01's certificate, one (an impostor) with a certificate from the other
# CA.  Then: status over TLS works; an engine whose certificate is from
# another CA is refused with a clear error, and so is our client
# certificate from another CA (shown on the node's row and in status; the
# others complete); a plaintext node is refused unless insecure: true, and
# is then marked INSECURE in status and the cockpit; DOCKER_HOST plaintext
# is refused unless PLANTDECK_INSECURE=1, and DOCKER_TLS_VERIFY/
# DOCKER_CERT_PATH work.  The lab's own dockerd over --tls: lab-tls.sh.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
command -v openssl >/dev/null || skip "no openssl (Debian package 'openssl')"
command -v python3 >/dev/null || skip "no python3 (Debian package 'python3')"
[ -x "$top_builddir/lab/sim/pd-enginesim" ] && PLANTDECK_ENGINESIM=$top_builddir/lab/sim/pd-enginesim &&
	export PLANTDECK_ENGINESIM
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
unset PLANTDECK_INSECURE DOCKER_TLS_VERIFY DOCKER_CERT_PATH

"$LAB" certs --dir "$DIR" --nodes 1 >"$T_TMP/certs.out" 2>&1 || fail "certs: $(cat "$T_TMP/certs.out")"
C=$DIR/tls
openssl verify -CAfile "$C/ca/ca.pem" "$C/lab-01/cert.pem" "$C/client/cert.pem" >/dev/null ||
	fail "the lab's certificates do not verify against its CA"
openssl x509 -in "$C/lab-01/cert.pem" -noout -text | grep -q 'IP Address:127.0.0.11' ||
	fail "lab-01's certificate is not for 127.0.0.11"
! openssl verify -CAfile "$C/ca/ca.pem" "$C/other/lab-01/cert.pem" >/dev/null 2>&1 ||
	fail "the other CA's certificate verifies against the lab's CA"
ok "certs: the lab's CA, lab-01 (SAN 127.0.0.11), a client; another CA's"

# A free 127.B.0.0/16 (another simulator may be up): try a few from this pid.
net=$((100 + $$ % 100)) tries=0
until "$LAB" sim up --dir "$DIR" --nodes 2 --containers 3 --events-per-sec 0 \
	--net $net >"$T_TMP/up.out" 2>&1; do
	tries=$((tries + 1))
	[ $tries -lt 5 ] || fail "sim up: $(cat "$T_TMP/up.out")"
	net=$((100 + (net + 37) % 150))
done
t_on_exit "'$LAB' sim down --dir '$DIR' >/dev/null 2>&1"
S1=127.$net.0.2 S2=127.$net.0.3

# proxy NAME CERTDIR: a mutual-TLS front for sim-0001 on 127.0.0.11, its port in $T_TMP/NAME.port,
# its handshakes ("full" or "resumed") in $T_TMP/NAME.log
proxy() {
	python3 "$top_srcdir/tests/data/tls-proxy.py" 127.0.0.11 "$2/cert.pem" "$2/key.pem" \
		"$C/ca/ca.pem" "$S1" 2375 "$T_TMP/$1.log" >"$T_TMP/$1.port" 2>"$T_TMP/$1.err" &
	t_on_exit "kill $! 2>/dev/null"
}
proxy good "$C/lab-01"
proxy impostor "$C/other/lab-01"
i=0
until [ -s "$T_TMP/good.port" ] && [ -s "$T_TMP/impostor.port" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "the TLS fronts did not start: $(cat "$T_TMP/good.err" "$T_TMP/impostor.err")"
	sleep 0.1
done
GOOD=$(cat "$T_TMP/good.port") BAD=$(cat "$T_TMP/impostor.port")

cat >"$T_TMP/inv.yaml" <<INV
site: tls
defaults:
  tls: {ca: $C/ca/ca.pem, cert: $C/client/cert.pem, key: $C/client/key.pem}
nodes:
  - name: good
    endpoint: tcp://127.0.0.11:$GOOD
  - name: impostor
    endpoint: tcp://127.0.0.11:$BAD
  - name: stranger
    endpoint: tcp://127.0.0.11:$GOOD
    tls: {ca: $C/ca/ca.pem, cert: $C/other/client/cert.pem, key: $C/other/client/key.pem}
  - name: plain
    endpoint: tcp://$S2:2375
    tls: false
    insecure: true
INV

set +e
"$PLANTDECK" -i "$T_TMP/inv.yaml" status --json --timeout 20 >"$T_TMP/s.json" 2>"$T_TMP/s.err"
rc=$?
set -e
[ $rc = 1 ] || fail "status: exit $rc, want 1 (two nodes refused): $(cat "$T_TMP/s.err")"
jq -e '.complete' "$T_TMP/s.json" >/dev/null || fail "status is not complete"
node() { jq -c --arg n "$1" '.nodes[] | select(.name == $n)' "$T_TMP/s.json"; }
node good | jq -e '.reach == "up" and (.containers | length) == 3 and .api_version == "1.41" and
	(.insecure | not) and (.tls_refused | not)' >/dev/null || fail "good: $(node good)"
ok "status over mutual TLS: up, 3 containers, not insecure"
node impostor | jq -e '.reach == "down" and .tls_refused and (.error | test("^impostor: GET /_ping: TLS refused: the engine.s certificate is not signed by the CA plantdeck trusts"))' \
	>/dev/null || fail "impostor: $(node impostor)"
ok "an engine with a certificate from another CA: refused, '$(node impostor | jq -r .error | cut -c1-90)...'"
node stranger | jq -e '.reach == "down" and .tls_refused and (.error | test("TLS refused: .*refused our client certificate"))' \
	>/dev/null || fail "stranger: $(node stranger)"
ok "our client certificate from another CA: refused by the engine, said so"
node plain | jq -e '.reach == "up" and .insecure and (.tls_refused | not)' >/dev/null ||
	fail "plain: $(node plain)"
ok "plaintext with insecure: true: up and marked insecure"

"$PLANTDECK" -i "$T_TMP/inv.yaml" status --nodes-only --timeout 20 >"$T_TMP/s.txt" 2>/dev/null || true
grep -q '^site tls: 4 nodes, 2 up; [0-9]* of 6 containers running; 1 INSECURE (reached without authenticated TLS)$' \
	"$T_TMP/s.txt" || fail "status text's first line: $(head -n 1 "$T_TMP/s.txt")"
assert_contains "$(cat "$T_TMP/s.txt")" "  ! INSECURE: plaintext tcp://, allowed by the inventory (insecure: true)"
assert_contains "$(cat "$T_TMP/s.txt")" "  ! impostor: GET /_ping: TLS refused: "
ok "status text: the INSECURE count and line, the refusal"

# The same plaintext node without insecure: true: refused before anything starts.
sed '/insecure: true/d' "$T_TMP/inv.yaml" >"$T_TMP/plain.yaml"
set +e
err=$("$PLANTDECK" -i "$T_TMP/plain.yaml" status --timeout 20 2>&1 >/dev/null)
rc=$?
set -e
[ $rc = 2 ] || fail "plaintext without insecure: exit $rc, want 2"
[ "$err" = "plantdeck: $T_TMP/plain.yaml:13:15: node 'plain': plaintext tcp:// is refused: anyone on the network who reaches the engine is root on it; give it 'tls' (ca, cert, key: mutual TLS, port 2376), or 'insecure: true' to accept the risk" ] ||
	fail "plaintext without insecure: $err"
ok "plaintext without insecure: true: refused at FILE:LINE:COL"

# The cockpit: the header's count, INSECURE and TLS-REFUSED on the rows.
tmux_start 120 24 "env TZ=UTC TERM=xterm-256color LANG=C.UTF-8 $PLANTDECK -i $T_TMP/inv.yaml --log $T_TMP/tui.log"
tmux_wait_for "2/4 nodes up" 20
tmux_wait_for "1 INSECURE"
tmux_screen | grep -q '^ *plain .* INSECURE' || fail "no INSECURE on plain's row: $(tmux_screen)"
tmux_wait_for "TLS-REFUSED"
tmux_screen | grep -q '^ *impostor .*down.* TLS-REFUSED' || fail "impostor's row: $(tmux_screen)"
tmux_screen | grep -q '^ *stranger .*down.* TLS-REFUSED' || fail "stranger's row: $(tmux_screen)"
tmux_screen | grep -q '^ *good .*up' || fail "good's row: $(tmux_screen)"
# A node's connections after its first resume that one's TLS session (fleet.c shares
# sessions): a full handshake each was most of a TLS engine's cost in a first snapshot.
# The cockpit holds good's event stream open, so its pings and lists need another
# connection: at least two. (A one-shot status opens no stream and may need only one.)
i=0
until grep -q '^resumed$' "$T_TMP/good.log"; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "no TLS session resumed: $(sort "$T_TMP/good.log" | uniq -c | tr '\n' ' ')"
	sleep 0.1
done
ok "TLS sessions resumed: $(sort "$T_TMP/good.log" | uniq -c | tr '\n' ' ')"
tmux_keys q
tmux_wait_dead "the cockpit did not quit"
ok "cockpit: '1 INSECURE' in the header, INSECURE and TLS-REFUSED on the rows"

# DOCKER_HOST: plaintext refused unless PLANTDECK_INSECURE=1; TLS the docker CLI's way.
set +e
err=$(env -u PLANTDECK_INVENTORY DOCKER_HOST="tcp://$S2:2375" "$PLANTDECK" status --timeout 20 2>&1 >/dev/null)
rc=$?
set -e
[ $rc = 2 ] || fail "DOCKER_HOST plaintext: exit $rc, want 2"
assert_contains "$err" "DOCKER_HOST: plaintext tcp:// is refused"
env -u PLANTDECK_INVENTORY DOCKER_HOST="tcp://$S2:2375" PLANTDECK_INSECURE=1 "$PLANTDECK" status --json \
	--timeout 20 2>/dev/null | jq -e '.nodes[0].reach == "up" and .nodes[0].insecure' >/dev/null ||
	fail "DOCKER_HOST plaintext with PLANTDECK_INSECURE=1 is not up and insecure"
env -u PLANTDECK_INVENTORY DOCKER_HOST="tcp://127.0.0.11:$GOOD" DOCKER_TLS_VERIFY=1 \
	DOCKER_CERT_PATH="$C/client" "$PLANTDECK" status --json --timeout 20 2>/dev/null |
	jq -e '.nodes[0].reach == "up" and (.nodes[0].insecure | not)' >/dev/null ||
	fail "DOCKER_HOST over TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) is not up"
ok "DOCKER_HOST: plaintext refused, allowed by PLANTDECK_INSECURE=1; TLS by DOCKER_CERT_PATH"
