#!/bin/sh
# audit-cli.sh: `plantdeck audit` and `plantdeck audit verify` on a database
# whose entries tests/audit-fill wrote through audit_append (no lab
# needed); then one row edited with the sqlite3 tool makes verify fail and
# name it, and the hash of doc/audit.md recomputes with sqlite3 + sha256sum.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (Debian package 'sqlite3')"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
FILL=$top_builddir/tests/audit-fill
[ -x "$FILL" ] || fail "$FILL is not built (make check builds it)"
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
# The backend wants an inventory; no engine is contacted.
unset PLANTDECK_INVENTORY
DOCKER_HOST=unix:///nonexistent
export DOCKER_HOST

"$PLANTDECK" audit verify >"$T_TMP/v0" || fail "verify on no entries: $(cat "$T_TMP/v0")"
assert_contains "$(cat "$T_TMP/v0")" "audit chain intact: 0 entries"
ok "an empty trail verifies"
mode=$(stat -c %a "$PLANTDECK_DB")
[ "$mode" = 600 ] || fail "a new database is mode $mode, want 600 (the trail is not for every local user)"
ok "a new database is its owner's alone (mode 600)"

"$FILL" "$PLANTDECK_DB" 5 || fail "audit-fill failed"
"$PLANTDECK" audit >"$T_TMP/list" || fail "audit failed"
[ "$(grep -c 'deploy-start *stack fill revision' "$T_TMP/list")" = 5 ] ||
	fail "audit lists: $(cat "$T_TMP/list")"
"$PLANTDECK" audit --json >"$T_TMP/json" || fail "audit --json failed"
jq -e 'length == 5 and .[0].id == 1 and
	.[0].prev_hash == "0000000000000000000000000000000000000000000000000000000000000000" and
	(. as $a | all(range(1; 5); $a[.].prev_hash == $a[. - 1].hash)) and
	all(.[]; .actor != "" and (.hash | test("^[0-9a-f]{64}$")))' "$T_TMP/json" >/dev/null ||
	fail "audit --json: $(cat "$T_TMP/json")"
ok "audit and audit --json list 5 chained entries"

[ "$("$PLANTDECK" audit --json --since 1h | jq length)" = 5 ] || fail "--since 1h"
[ "$("$PLANTDECK" audit --json --since 2099-01-01 | jq length)" = 0 ] || fail "--since 2099-01-01"
[ "$("$PLANTDECK" audit --json --since 2000-01-01T00:00:00Z | jq length)" = 5 ] ||
	fail "--since 2000-01-01T00:00:00Z"
# A time without a zone is UTC, as the entries are shown, whatever TZ says;
# an offset counts (UTC+14 here: an hour ahead of UTC is 13 hours ago).
ahead=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M)
[ "$(TZ=PLT-14 "$PLANTDECK" audit --json --since "$ahead" | jq length)" = 0 ] ||
	fail "--since $ahead (no zone) was not read as UTC"
[ "$(TZ=PLT-14 "$PLANTDECK" audit --json --since "$ahead+14:00" | jq length)" = 5 ] ||
	fail "--since $ahead+14:00: the offset was not counted"
rc=0; "$PLANTDECK" audit --since yesterday 2>"$T_TMP/err" || rc=$?
[ "$rc" = 2 ] || fail "--since yesterday: exit $rc, want 2"
ok "--since takes durations and ISO 8601 times, refuses the rest"

"$PLANTDECK" audit verify >"$T_TMP/v1" || fail "verify: $(cat "$T_TMP/v1")"
assert_contains "$(cat "$T_TMP/v1")" "audit chain intact: 5 entries"
ok "verify: intact"

# doc/audit.md's recipe: the netstrings of entry 3, hashed by sha256sum.
sqlite3 "$PLANTDECK_DB" "SELECT writefile('$T_TMP/e3', CAST(
	length(CAST(id AS BLOB)) || ':' || id || ',' ||
	length(CAST(time AS BLOB)) || ':' || time || ',' ||
	length(CAST(actor AS BLOB)) || ':' || actor || ',' ||
	length(CAST(action AS BLOB)) || ':' || action || ',' ||
	length(CAST(target AS BLOB)) || ':' || target || ',' ||
	length(CAST(detail AS BLOB)) || ':' || detail || ',' ||
	length(CAST(prev_hash AS BLOB)) || ':' || prev_hash || ',' AS BLOB))
	FROM audit WHERE id = 3" >/dev/null
want=$(sqlite3 "$PLANTDECK_DB" "SELECT hash FROM audit WHERE id = 3")
got=$(sha256sum "$T_TMP/e3" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "the documented hash of entry 3 is $got, stored $want"
ok "entry 3's hash recomputes with sqlite3 and sha256sum"

cp "$PLANTDECK_DB" "$T_TMP/clean.db"
sqlite3 "$PLANTDECK_DB" "UPDATE audit SET detail = 'x' WHERE id = 3"
rc=0; "$PLANTDECK" audit verify >"$T_TMP/v2" || rc=$?
[ "$rc" = 1 ] || fail "verify after an edit: exit $rc, want 1: $(cat "$T_TMP/v2")"
assert_contains "$(cat "$T_TMP/v2")" "entry 3: altered (its hash does not match its content)"
ok "an edited row: $(cat "$T_TMP/v2")"

cp "$T_TMP/clean.db" "$PLANTDECK_DB"
rm -f "$PLANTDECK_DB-wal" "$PLANTDECK_DB-shm"
sqlite3 "$PLANTDECK_DB" "DELETE FROM audit WHERE id = 2"
rc=0; "$PLANTDECK" audit verify >"$T_TMP/v3" || rc=$?
[ "$rc" = 1 ] || fail "verify after a delete: exit $rc, want 1"
assert_contains "$(cat "$T_TMP/v3")" "entry 2: removed"
ok "a removed row: $(cat "$T_TMP/v3")"

cp "$T_TMP/clean.db" "$PLANTDECK_DB"
rm -f "$PLANTDECK_DB-wal" "$PLANTDECK_DB-shm"
sqlite3 "$PLANTDECK_DB" "DELETE FROM audit WHERE id = 5"
rc=0; "$PLANTDECK" audit verify >"$T_TMP/v4" || rc=$?
[ "$rc" = 1 ] || fail "verify after removing the newest: exit $rc, want 1"
assert_contains "$(cat "$T_TMP/v4")" "entry 5: removed"
ok "the newest row removed: $(cat "$T_TMP/v4")"

# Appending goes on after a clean chain, from another process.
cp "$T_TMP/clean.db" "$PLANTDECK_DB"
rm -f "$PLANTDECK_DB-wal" "$PLANTDECK_DB-shm"
"$FILL" "$PLANTDECK_DB" 3 tune & p1=$!
"$FILL" "$PLANTDECK_DB" 3 heal & p2=$!
wait $p1 || fail "audit-fill 1"
wait $p2 || fail "audit-fill 2"
"$PLANTDECK" audit verify >"$T_TMP/v5" || fail "verify after concurrent appends: $(cat "$T_TMP/v5")"
assert_contains "$(cat "$T_TMP/v5")" "audit chain intact: 11 entries"
ok "two processes appending at once: one intact chain of 11"

# The actor comes from the OS, not from the environment the user sets.
SSH_CLIENT="203.0.113.9 40000 22" USER=mallory SUDO_USER=mallory LOGNAME=mallory \
	"$FILL" "$PLANTDECK_DB" 1 env || fail "audit-fill env"
actor=$("$PLANTDECK" audit --json | jq -r '.[-1].actor')
case "$actor" in
"$(id -un)"*) ;;
*) fail "the actor '$actor' does not start with the user $(id -un)" ;;
esac
case "$actor" in *203.0.113.9* | *mallory*) fail "the actor '$actor' came from the environment" ;; esac
ok "the actor is the OS's: $actor"
