#!/bin/sh
# fleet-status.sh: `plantdeck status --json` lists exactly the containers
# `docker ps -a` lists on every lab node, with the same states; the text
# table (a header over the container lines too) and the exit status agree;
# --nodes selects; down of a stack nobody knows warns.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

P=pdt-status-$$
t_on_exit "lab_rm_prefix $P"

# A spread of states: running, created, exited non-zero, stopped, paused.
ldocker 1 run -d --name "$P-run" "$REG/plant/plc-sim:1" >/dev/null
ldocker 1 create --name "$P-created" "$REG/plant/plc-sim:1" >/dev/null
ldocker 2 run --name "$P-bad" "$REG/plant/plc-sim:bad" >/dev/null 2>&1 || true
ldocker 2 run -d --name "$P-stopped" "$REG/plant/plc-sim:1" >/dev/null
ldocker 2 stop -t 1 "$P-stopped" >/dev/null
ldocker 3 run -d --name "$P-paused" "$REG/plant/plc-sim:1" >/dev/null
ldocker 3 pause "$P-paused" >/dev/null

"$PLANTDECK" status --json >"$T_TMP/status.json" || fail "status exited $? with every node up"
jq -e '.schema == "plantdeck.status/1" and .complete' "$T_TMP/status.json" >/dev/null ||
	fail "schema or completeness wrong"

n=$(jq '.nodes | length' "$T_TMP/status.json")
[ "$n" = "$PLANTDECK_LAB_NODES" ] || fail "status lists $n nodes, the lab has $PLANTDECK_LAB_NODES"

for i in $(seq 1 "$PLANTDECK_LAB_NODES"); do
	name=$(lab_name "$i")
	ldocker "$i" ps -a --format '{{.ID}} {{.Names}} {{.State}}' | sort >"$T_TMP/want"
	jq -r --arg n "$name" '.nodes[] | select(.name == $n) | .containers[] |
		"\(.id[0:12]) \(.name) \(.state)"' "$T_TMP/status.json" | sort >"$T_TMP/got"
	if ! cmp -s "$T_TMP/want" "$T_TMP/got"; then
		echo "--- docker ps -a on $name vs plantdeck status:" >&2
		diff "$T_TMP/want" "$T_TMP/got" >&2 || true
		fail "$name: containers differ"
	fi
	jq -e --arg n "$name" '.nodes[] | select(.name == $n) |
		.reach == "up" and (.api_version | test("^1\\.[0-9]+$")) and .ncpu > 0 and
		.engine_version != "" and (.events_connected | not)' "$T_TMP/status.json" >/dev/null ||
		fail "$name: node facts missing"
done
ok "containers and states match docker ps -a on $PLANTDECK_LAB_NODES nodes"

jq -e --arg p "$P" '[.nodes[].containers[] | select(.name == ($p + "-bad"))][0] |
	.state == "exited" and .exit_code == 1' "$T_TMP/status.json" >/dev/null ||
	fail "exit code of $P-bad not 1"
jq -e --arg p "$P" '[.nodes[].containers[] | select(.name == ($p + "-paused"))][0] |
	.state == "paused"' "$T_TMP/status.json" >/dev/null || fail "$P-paused not paused"
ok "exit codes and paused state"

out=$("$PLANTDECK" status --nodes 'line=A' --json)
names=$(echo "$out" | jq -r '[.nodes[].name] | join(",")')
want=$(awk '/- name:/ {n=$3} /line:/ {if ($2 == "A") print n}' "$PLANTDECK_INVENTORY" | paste -sd, -)
[ "$names" = "$want" ] || fail "--nodes line=A gave '$names', inventory says '$want'"
out=$("$PLANTDECK" status --nodes 'lab-0[12]' --nodes-only)
echo "$out" | grep -q '^lab-01 ' || fail "text table lacks lab-01"
echo "$out" | grep -q '^lab-03 ' && fail "--nodes lab-0[12] printed lab-03"
assert_contains "$out" "NODE"
echo "$out" | grep -q '^  CONTAINER ' && fail "--nodes-only printed the container header"
ok "--nodes selects, text table"

# The container lines have a header of their own, aligned as docker ps's: each
# column's title starts where the column does on this test's container lines.
"$PLANTDECK" status --nodes lab-01 >"$T_TMP/text" || fail "text status exited $?"
hdr=$(grep '^  CONTAINER ' "$T_TMP/text") || fail "no container header: $(cat "$T_TMP/text")"
[ "$(grep -c '^  CONTAINER ' "$T_TMP/text")" = 1 ] || fail "more than one container header"
line=$(grep "^  $P-run " "$T_TMP/text") || fail "no line for $P-run: $(cat "$T_TMP/text")"
col() { echo "$1" | awk -v w="$2" '{ print index($0, w) }'; }
last() { echo "$1" | awk '{ print length($0) - length($NF) + 1 }'; }
for pair in "IMAGE $REG/plant/plc-sim:1" "STATE running"; do
	title=${pair%% *} value=${pair#* }
	[ "$(col "$hdr" "$title")" = "$(col "$line" "$value")" ] ||
		fail "$title at column $(col "$hdr" "$title"), $value at $(col "$line" "$value"):
$hdr
$line"
done
[ "$(col "$hdr" MEM/LIMIT)" = "$(last "$line")" ] ||
	fail "MEM/LIMIT at column $(col "$hdr" MEM/LIMIT), the memory at $(last "$line"):
$hdr
$line"
ok "status: one header over the container lines, its columns aligned with them"

# down of a stack neither the nodes nor the database know: exit 0, as docker
# compose down, with a warning naming the database (a dry run: no record).
set +e
err=$("$PLANTDECK" --db "$T_TMP/none.db" down "$P-nostack" --dry-run 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 0 ] || fail "down of an unknown stack exited $rc, want 0"
assert_contains "$err" "plantdeck: down: warning: no stack '$P-nostack' in $T_TMP/none.db"
ok "down of an unknown stack: exit 0 with a warning"

# down takes --nodes after the command too, as deploy does.
set +e
err=$("$PLANTDECK" --db "$T_TMP/none.db" down "$P-nostack" --nodes 'line=Z' --dry-run 2>&1); rc=$?
set -e
[ "$rc" = 2 ] || fail "down --nodes line=Z exited $rc, want 2: $err"
assert_contains "$err" "plantdeck: down: --nodes 'line=Z': no node of"
out=$("$PLANTDECK" --db "$T_TMP/none.db" down "$P-nostack" --nodes "$(lab_name 1)" --dry-run 2>/dev/null) ||
	fail "down --nodes $(lab_name 1) --dry-run failed"
assert_contains "$out" "dry run: 0 things would be removed"
ok "down STACK --nodes SELECTOR: narrows as deploy's --nodes does"

set +e
err=$("$PLANTDECK" status --nodes 'line=Z' 2>&1); rc=$?
set -e
[ "$rc" = 2 ] || fail "a selector matching nothing exited $rc, want 2"
assert_contains "$err" "no node"
ok "empty selection is an error"

# DOCKER_HOST without an inventory: one node.
out=$(env -u PLANTDECK_INVENTORY DOCKER_HOST="$(lab_host 2)" PLANTDECK_INSECURE=1 "$PLANTDECK" status --json)
echo "$out" | jq -e '.nodes | length == 1 and .[0].reach == "up"' >/dev/null ||
	fail "DOCKER_HOST fallback"
# The node's unix socket works the same.
out=$(env -u PLANTDECK_INVENTORY DOCKER_HOST="unix://$PLANTDECK_LAB/node02/docker.sock" \
	"$PLANTDECK" status --json)
echo "$out" | jq -e --arg p "$P" '.nodes[0].reach == "up" and
	([.nodes[0].containers[].name] | index($p + "-stopped") != null)' >/dev/null ||
	fail "unix socket endpoint"
ok "DOCKER_HOST tcp:// and unix:// endpoints"
