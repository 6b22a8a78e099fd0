#!/bin/sh
# cli-times.sh: every time the CLI prints for people is UTC with its 'Z',
# whatever TZ says, and --json times are ISO 8601 UTC strings: history,
# rollout status, rollout journal, audit.  No lab: one deploy, its revision
# and a journal line are written into a fresh database with the sqlite3
# tool, at known instants; TZ is UTC+14, so local time would show.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (Debian package 'sqlite3')"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
PLANTDECK_DB=$T_TMP/plantdeck.db
TZ=PLT-14
export PLANTDECK_DB TZ
# The backend wants an inventory; no engine is contacted.
unset PLANTDECK_INVENTORY
DOCKER_HOST=unix:///nonexistent
export DOCKER_HOST

"$PLANTDECK" history >/dev/null || fail "history on a new database exited $?"   # the schema
# 1764806400 is 2025-12-04T00:00:00Z; 1764806401.25 a second and a quarter later.
sqlite3 "$PLANTDECK_DB" "
INSERT INTO stacks (name, current_revision, last_revision) VALUES ('clock', 1, 1);
INSERT INTO deploys (id, stack, kind, revision, from_revision, state, failure_action,
	max_failure_ratio, user, started, updated)
	VALUES (1, 'clock', 'deploy', 1, 0, 'completed', 'pause', 0.2, 'tester', 1764806400, 1764806460);
INSERT INTO revisions (stack, revision, created, deploy, file, spec)
	VALUES ('clock', 1, 1764806400, 1, 'clock.yaml', '{}');
INSERT INTO journal (deploy, node, step, status, detail, time)
	VALUES (1, 'lab-01', 'switch', 'ok', 'tick', 1764806401.25);" ||
	fail "sqlite3 could not write the deploy"

out=$("$PLANTDECK" history clock) || fail "history clock exited $?"
echo "$out" | grep -q '^\* clock  *1  *1  2025-12-04T00:00:00Z ' || fail "history: $out"
out=$("$PLANTDECK" rollout status 1) || fail "rollout status exited $?"
assert_contains "$out" "started 2025-12-04T00:00:00Z by tester"
out=$("$PLANTDECK" rollout journal 1) || fail "rollout journal exited $?"
echo "$out" | grep -q '^2025-12-04T00:00:01\.250Z lab-01  *switch  *ok  *tick$' ||
	fail "rollout journal: $out"
ok "history, rollout status and rollout journal print UTC with a Z under TZ=UTC+14"

"$PLANTDECK" history clock --json | jq -e '.[0].created == "2025-12-04T00:00:00Z"' >/dev/null ||
	fail "history --json: $("$PLANTDECK" history clock --json)"
"$PLANTDECK" rollout status 1 --json |
	jq -e '.started == "2025-12-04T00:00:00Z" and .updated == "2025-12-04T00:01:00Z"' >/dev/null ||
	fail "rollout status --json: $("$PLANTDECK" rollout status 1 --json)"
"$PLANTDECK" rollout list --json | jq -e '.[0].started == "2025-12-04T00:00:00Z"' >/dev/null ||
	fail "rollout list --json: $("$PLANTDECK" rollout list --json)"
ok "--json: created, started and updated as ISO 8601 UTC strings"
