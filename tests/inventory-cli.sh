#!/bin/sh
# inventory-cli.sh: a bad inventory stops `plantdeck status` before anything
# starts: exit 2 and one line naming FILE:LINE:COLUMN.  (The parser's full set
# of messages is unit-tested in tests/unit/test-inventory.c.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

D=$top_srcdir/tests/data/inventory

# Run status on fixture $1; expect exit 2 and stderr equal to $2.
bad() {
	local file=$D/$1 want=$2 err rc
	set +e
	err=$("$PLANTDECK" status --inventory "$file" --timeout 1 2>&1 >/dev/null)
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "$1: exit $rc, want 2 (stderr: $err)"
	[ "$(echo "$err" | wc -l)" = 1 ] || fail "$1: more than one line: $err"
	[ "$err" = "plantdeck: $file:$want" ] || fail "$1: got '$err', want 'plantdeck: $file:$want'"
	ok "$1 -> $want"
}

bad err-syntax.yaml "4:9: did not find expected ',' or ']' (while parsing a flow sequence at 3:15)"
bad err-unknown-key.yaml "4:5: unknown key 'adress'"
bad err-dup-name.yaml "6:11: duplicate node name 'press-01' (first defined at line 2)"
bad err-endpoint-ssh.yaml "3:15: bad endpoint 'ssh://admin@10.0.1.11': unsupported scheme 'ssh' (use unix:// or tcp://)"
# Transport: plaintext tcp:// and verify: false are refused unless the node says insecure: true.
bad err-plaintext.yaml "5:15: node 'press-02': plaintext tcp:// is refused: anyone on the network who reaches the engine is root on it; give it 'tls' (ca, cert, key: mutual TLS, port 2376), or 'insecure: true' to accept the risk"
bad err-tls-noverify.yaml "4:13: node 'press-01': tls 'verify: false' is refused: any server, a man in the middle too, would be believed; give the plant CA as 'ca' instead, or 'insecure: true' to accept the risk"

set +e
err=$("$PLANTDECK" status --inventory "$T_TMP/nope.yaml" 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] || fail "missing file: exit $rc"
[ "$err" = "plantdeck: $T_TMP/nope.yaml: cannot open: No such file or directory" ] ||
	fail "missing file: $err"
ok "missing file"

# Nothing starts: with an unroutable node in a bad file, status returns at once.
printf 'nodes:\n  - name: a\n    endpoint: tcp://127.0.0.1:9\n    colour: red\n' >"$T_TMP/late.yaml"
set +e
err=$("$PLANTDECK" status --inventory "$T_TMP/late.yaml" 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] || fail "unknown key after a node: exit $rc"
assert_contains "$err" "late.yaml:4:5: unknown key 'colour'"
ok "unknown key after a valid node: nothing started"

# A good inventory whose node refuses: exit 1, the error names node and call;
# its plaintext, allowed by insecure: true, is marked INSECURE.
printf 'site: t\nnodes:\n  - name: press-03\n    endpoint: tcp://127.0.0.1:9\n    insecure: true\n' \
	>"$T_TMP/refuse.yaml"
set +e
out=$("$PLANTDECK" status --inventory "$T_TMP/refuse.yaml" --timeout 5 2>"$T_TMP/err"); rc=$?
set -e
[ "$rc" = 1 ] || fail "refusing node: exit $rc, want 1"
assert_contains "$out" "press-03: GET /_ping: "
assert_contains "$(cat "$T_TMP/err")" "press-03: GET /_ping: "
assert_contains "$out" "site t: 1 nodes, 0 up; 0 of 0 containers running; 1 INSECURE (reached without authenticated TLS)"
assert_contains "$out" "  ! INSECURE: plaintext tcp://, allowed by the inventory (insecure: true)"
ok "refusing node: exit 1, '$(grep -o 'press-03: GET /_ping: [^(]*' "$T_TMP/err" | head -1)'"
