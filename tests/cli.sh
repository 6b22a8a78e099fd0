#!/bin/sh
# cli.sh: --help, --version, and bad command lines behave.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

out=$("$PLANTDECK" --help)
assert_contains "$out" "Usage: plantdeck"
assert_contains "$out" "--kiosk"
ok "--help"

out=$("$PLANTDECK" --version)
echo "$out" | grep -Eq '^plantdeck [0-9]+\.[0-9]+\.[0-9]+$' || fail "bad --version: $out"
ok "--version: $out"

set +e
err=$("$PLANTDECK" --frobnicate 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] || fail "unknown option exited $rc, want 2"
assert_contains "$err" "unknown option '--frobnicate'"
assert_contains "$err" "Try 'plantdeck --help'"
ok "unknown option: exit 2"

set +e
err=$("$PLANTDECK" --log 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] || fail "missing argument exited $rc, want 2"
assert_contains "$err" "needs an argument"
ok "missing option argument: exit 2"

set +e
err=$("$PLANTDECK" frobnicate 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] || fail "unknown command exited $rc, want 2"
assert_contains "$err" "unknown command 'frobnicate'"
ok "unknown command: exit 2"

set +e
err=$("$PLANTDECK" </dev/null 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 1 ] || fail "cockpit without a terminal exited $rc, want 1"
assert_contains "$err" "needs a terminal"
ok "cockpit without a terminal refuses clearly"

# A stack or deploy the database does not know: exit 1 and say so on stderr,
# naming the database (a typo, or another --db).
db=$T_TMP/empty.db
set +e
out=$("$PLANTDECK" --db "$db" history nosuchstack 2>"$T_TMP/err"); rc=$?
set -e
[ "$rc" = 1 ] || fail "history of an unknown stack exited $rc, want 1"
[ -z "$out" ] || fail "history of an unknown stack printed on stdout: $out"
assert_contains "$(cat "$T_TMP/err")" "plantdeck: history: no stack 'nosuchstack' in $db"
out=$("$PLANTDECK" --db "$db" history) || fail "history of every stack, none yet, exited $?"
assert_contains "$out" "no revisions"
for cmd in "status 42" "journal 42" "pause 42" "abort 42"; do
	set +e
	# shellcheck disable=SC2086
	err=$("$PLANTDECK" --db "$db" rollout $cmd 2>&1 >/dev/null); rc=$?
	set -e
	[ "$rc" = 1 ] || fail "rollout $cmd of an unknown deploy exited $rc, want 1"
	assert_contains "$err" "no deploy #42 in $db"
done
ok "history of an unknown stack and rollout of an unknown deploy: exit 1, said on stderr"
