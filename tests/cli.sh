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
