#!/bin/sh
# audit-sign.sh: the signed audit trail (doc/audit.md), no lab.  A signer
# (`plantdeck audit-signer`) holds an Ed25519 key that the writer's uid
# (nobody, through setpriv, when run as root) cannot read; entries written
# before it are reported unsigned, not tampered.  A script that rewrites one
# entry's actor and detail and re-chains the hashes (what the unkeyed chain
# could not see) makes `audit verify` fail and name the entry; so does
# removing its signature; the signer will not sign the rewritten entry; a
# tail deleted after the last checkpoint is found.  With audit.require, a
# deploy (to one simulated engine) whose entry cannot be written because the
# signer is down is refused and sends nothing.  A database in a setgid
# directory (the plant-wide /var/lib/plantdeck) is made for its group.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v openssl >/dev/null || skip "openssl is not installed (Debian package 'openssl')"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (Debian package 'sqlite3')"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
FILL=$top_builddir/tests/audit-fill
[ -x "$FILL" ] || fail "$FILL is not built (make check builds it)"
unset PLANTDECK_INVENTORY
DOCKER_HOST=unix:///nonexistent
export DOCKER_HOST

# The writer: another uid than the signer's when we are root.
chmod 755 "$T_TMP"
W=$T_TMP/w
mkdir "$W"
WRITER=""
GROUPOPT=""
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null || skip "setpriv is missing (Debian package 'util-linux')"
	ngroup=$(id -gn nobody)
	chown nobody:"$ngroup" "$W"
	WRITER="setpriv --reuid=nobody --regid=$ngroup --clear-groups"
	GROUPOPT="--group $ngroup"
fi

KEY=$T_TMP/audit.key PUB=$T_TMP/audit.pub CP=$T_TMP/checkpoints SOCK=$T_TMP/signer.sock
(umask 077 && openssl genpkey -algorithm ed25519 -out "$KEY" 2>/dev/null) || fail "openssl genpkey"
openssl pkey -in "$KEY" -pubout -out "$PUB" 2>/dev/null || fail "openssl pkey -pubout"
cat >"$T_TMP/inv.yaml" <<EOF
audit:
  signer: $SOCK
  public_key: audit.pub
  checkpoints: $CP
nodes:
  - name: none
    endpoint: unix:///nonexistent
EOF
chmod 644 "$T_TMP/inv.yaml" "$PUB"
PLANTDECK_DB=$W/plantdeck.db
export PLANTDECK_DB
PD() { "$PLANTDECK" -i "$T_TMP/inv.yaml" "$@"; }

# start_signer: run it in the background and wait for it to listen.
start_signer() {
	# shellcheck disable=SC2086
	"$PLANTDECK" audit-signer --key "$KEY" --socket "$SOCK" --checkpoints "$CP" --no-syslog \
		$GROUPOPT 2>"$T_TMP/signer.err" &
	SIGNER=$!
	t_on_exit "kill $SIGNER 2>/dev/null"
	until grep -q listening "$T_TMP/signer.err"; do
		kill -0 $SIGNER 2>/dev/null || fail "the signer exited: $(cat "$T_TMP/signer.err")"
		sleep 0.05
	done
}
chmod 644 "$KEY"
"$PLANTDECK" audit-signer --key "$KEY" --socket "$SOCK" --checkpoints "$CP" --no-syslog \
	2>"$T_TMP/signer.err" && fail "the signer started with a world-readable key"
assert_contains "$(cat "$T_TMP/signer.err")" "other users can read or write it (mode 0644)"
chmod 600 "$KEY"
start_signer

if [ -n "$WRITER" ]; then
	$WRITER cat "$KEY" >/dev/null 2>&1 && fail "the writer (nobody) can read the key"
	$WRITER test -r "$PUB" || fail "the writer cannot read the public key"
	ok "the writer's uid (nobody) cannot read the signing key; it can reach the signer"
fi

# Two entries before signing, then three signed ones, all by the writer.
$WRITER "$FILL" "$PLANTDECK_DB" 2 deploy-start || fail "audit-fill (unsigned)"
$WRITER "$FILL" "$PLANTDECK_DB" 3 tune "$T_TMP/inv.yaml" || fail "audit-fill (signed)"
PD audit verify >"$T_TMP/v1" || fail "verify: $(cat "$T_TMP/v1")"
assert_contains "$(cat "$T_TMP/v1")" "audit chain intact: 5 entries"
assert_contains "$(cat "$T_TMP/v1")" "signatures: 3 entries signed, all good"
assert_contains "$(cat "$T_TMP/v1")" "unsigned: entries 1-2 (written before signing was configured)"
assert_contains "$(cat "$T_TMP/v1")" "checkpoint: entry 5"
[ "$(grep -c '^plantdeck-audit-checkpoint v1 id=[345] ' "$CP")" = 3 ] ||
	fail "the checkpoint file: $(cat "$CP")"
PD audit --json | jq -e '.[0].sig == null and (.[2].sig | test("^[0-9a-f]{128}$"))' >/dev/null ||
	fail "audit --json does not carry the signatures"
ok "signed entries verify; the older ones are reported unsigned"

cp "$PLANTDECK_DB" "$T_TMP/clean.db"
# The attack of issue 17: rewrite entry 4's actor and detail, re-chain.
cat >"$T_TMP/rechain.py" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE audit SET actor = 'mallory', detail = 'nothing happened' WHERE id = 4")
prev = None
for row in db.execute("SELECT id, time, actor, action, target, detail, prev_hash FROM audit"
                      " ORDER BY id").fetchall():
    row = list(row)
    if prev is not None:
        row[6] = prev
    ser = b"".join(b"%d:%s," % (len(f), f) for f in (str(v).encode() for v in row))
    prev = hashlib.sha256(ser).hexdigest()
    db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (row[6], prev, row[0]))
if len(sys.argv) > 2:
    db.execute("UPDATE audit SET sig = NULL WHERE id >= 4")
db.commit()
EOF
python3 "$T_TMP/rechain.py" "$PLANTDECK_DB"
PD audit verify --public-key "" >"$T_TMP/v2" || fail "the re-chained trail should fool the bare chain"
rc=0; PD audit verify >"$T_TMP/v3" || rc=$?
[ "$rc" = 1 ] || fail "verify after a re-chained rewrite: exit $rc, want 1: $(cat "$T_TMP/v3")"
assert_contains "$(cat "$T_TMP/v3")" "audit chain broken: entry 4: altered (its signature does not match"
ok "a re-chained rewrite: $(cat "$T_TMP/v3")"

cp "$T_TMP/clean.db" "$PLANTDECK_DB"
rm -f "$PLANTDECK_DB-wal" "$PLANTDECK_DB-shm"
python3 "$T_TMP/rechain.py" "$PLANTDECK_DB" unsign
rc=0; PD audit verify >"$T_TMP/v4" || rc=$?
[ "$rc" = 1 ] || fail "verify after a rewrite without signatures: exit $rc: $(cat "$T_TMP/v4")"
assert_contains "$(cat "$T_TMP/v4")" "entry 4: unsigned, but"
ok "a rewrite with its signature removed: $(cat "$T_TMP/v4")"

# The signer does not sign the rewritten entry again (it is past it).
H3=$(sqlite3 "$PLANTDECK_DB" "SELECT hash FROM audit WHERE id = 3")
H4=$(sqlite3 "$PLANTDECK_DB" "SELECT hash FROM audit WHERE id = 4")
# (as the writer when its uid can run a python3: /usr/bin's, not a user's shim)
WPY="python3"
[ -n "$WRITER" ] && [ -x /usr/bin/python3 ] && WPY="$WRITER /usr/bin/python3"
ans=$($WPY -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(("sign 4 %s %s\n" % (sys.argv[2], sys.argv[3])).encode())
print(s.makefile().readline().strip())' "$SOCK" "$H3" "$H4")
assert_contains "$ans" "error the signer's head is entry 5"
ok "the signer refuses to sign a rewritten entry: $ans"

# A tail removed after the last checkpoint (sqlite_sequence with it).
cp "$T_TMP/clean.db" "$PLANTDECK_DB"
rm -f "$PLANTDECK_DB-wal" "$PLANTDECK_DB-shm"
sqlite3 "$PLANTDECK_DB" "DELETE FROM audit WHERE id = 5;
	UPDATE sqlite_sequence SET seq = 4 WHERE name = 'audit'"
PD audit verify --public-key "" >/dev/null || fail "the bare chain should not see this truncation"
rc=0; PD audit verify >"$T_TMP/v5" || rc=$?
[ "$rc" = 1 ] || fail "verify after a truncated tail: exit $rc: $(cat "$T_TMP/v5")"
assert_contains "$(cat "$T_TMP/v5")" "entry 5: removed (the chain ends at entry 4, but the last checkpoint"
ok "a truncated tail: $(cat "$T_TMP/v5")"

# audit.require: the signer down, a deploy to a simulated engine refused.
cp "$T_TMP/clean.db" "$PLANTDECK_DB"
rm -f "$PLANTDECK_DB-wal" "$PLANTDECK_DB-shm"
kill $SIGNER
wait $SIGNER 2>/dev/null || true
command -v curl >/dev/null || skip "no curl (the audit.require part needs it)"
LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
sim_start 17 --nodes 1 --containers 1 --events-per-sec 0
unset PLANTDECK_INVENTORY
{ cat "$PLANTDECK_SIM/inventory.yaml"; printf 'audit:\n  require: true\n  signer: %s\n' "$SOCK"; } \
	>"$T_TMP/req.yaml"
cat >"$T_TMP/stack.yaml" <<EOF
name: areq
services:
  plc:
    image: 127.0.0.1:5000/plant/plc-sim:1
    network_mode: none
x-plantdeck:
  stack: areq
EOF
rc=0; "$PLANTDECK" -i "$T_TMP/req.yaml" deploy --yes "$T_TMP/stack.yaml" >"$T_TMP/d.out" \
	2>"$T_TMP/d.err" || rc=$?
[ "$rc" != 0 ] || fail "a deploy went ahead without its audit entry under audit.require"
assert_contains "$(cat "$T_TMP/d.err")" "not done: the audit trail cannot be written and audit.require is set"
[ "$(curl -sf "http://${DOCKER_HOST#tcp://}/containers/json?all=1" | jq length)" = 1 ] ||
	fail "the refused deploy created a container"
ok "audit.require, the signer down: $(cat "$T_TMP/d.err")"
C=$(curl -sf "http://${DOCKER_HOST#tcp://}/containers/json?all=1" | jq -r '.[0].Names[0][1:]')
mem0=$(curl -sf "http://${DOCKER_HOST#tcp://}/containers/$C/json" | jq .HostConfig.Memory)
rc=0; "$PLANTDECK" -i "$T_TMP/req.yaml" tune "$C" memory=64M >"$T_TMP/t.out" 2>"$T_TMP/t.err" ||
	rc=$?
[ "$rc" != 0 ] || fail "a tune went ahead without its audit entry under audit.require"
assert_contains "$(cat "$T_TMP/t.err")" "tune-request node sim-0001 container $C: not done"
[ "$(curl -sf "http://${DOCKER_HOST#tcp://}/containers/$C/json" | jq .HostConfig.Memory)" = "$mem0" ] ||
	fail "the refused tune changed the memory limit"
ok "audit.require, the signer down: a tune refused, the limit unchanged"

# The plant-wide database: in a setgid directory, made for the group.
mkdir "$T_TMP/plant"
chmod 2770 "$T_TMP/plant"
"$FILL" "$T_TMP/plant/plantdeck.db" 1 || fail "audit-fill in a setgid directory"
mode=$(stat -c %a "$T_TMP/plant/plantdeck.db")
[ "$mode" = 660 ] || fail "a database in a setgid directory is mode $mode, want 660"
ok "a database in a setgid directory (the plant-wide one) is its group's: mode $mode"
