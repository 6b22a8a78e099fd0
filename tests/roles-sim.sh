#!/bin/sh
# roles-sim.sh: roles and four eyes (issue 17) against 3 simulated engines
# (no lab).  Three groups made for the test are the inventory's viewer,
# operator and approver roles; commands run as other uids through setpriv.
# A viewer's deploy is refused by the backend, naming the user, the role and
# its group, and no engine saw a create; an operator's deploy to one node
# runs.  Under four_eyes nodes: 2, an operator's deploy to all 3 nodes
# waits: its own user (an approver too) approving it is refused, an
# operator who is no approver is refused, a second approver's approval lets
# it run to completion.  The request and the approval are in the audit
# trail under their users.  Approving a quarantine proposal waits the same way.  The approver's cockpit shows its role in the
# header, and approves a held rollback of every node (H, A, y).  Nothing is
# timed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
S=roles$$
command -v setpriv >/dev/null || skip "setpriv is missing (Debian package 'util-linux')"
command -v groupadd >/dev/null || skip "groupadd is missing (Debian package 'passwd')"
[ "$(id -u)" = 0 ] || skip "needs root: other uids are taken with setpriv, groups made with groupadd"
command -v curl >/dev/null || skip "no curl"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

sim_start 23 --nodes 3 --containers 1 --events-per-sec 0

# The groups, unique to this run, removed at exit.
GV=pdv$$ GO=pdo$$ GA=pda$$
for g in $GV $GO $GA; do
	groupadd "$g" || fail "groupadd $g"
	t_on_exit "groupdel $g 2>/dev/null"
done
gid() { getent group "$1" | cut -d: -f3; }
V=$(gid $GV) O=$(gid $GO) A=$(gid $GA)

# Everything the other uids read or write: the tree, the inventory, the
# stack file and the database (made here, then opened to all).
chmod 755 "$T_TMP"
INV=$T_TMP/inventory.yaml
{ cat "$PLANTDECK_INVENTORY"; printf 'roles:\n  viewer: %s\n  operator: %s\n  approver: %s\n' \
	$GV $GO $GA; printf 'four_eyes:\n  nodes: 2\n'; } >"$INV"
stack() {
	cat >"$T_TMP/stack.yaml" <<EOF
name: $S
services:
  plc:
    image: 127.0.0.1:5000/plant/plc-sim:$1
    network_mode: none
x-plantdeck:
  stack: $S
  rollout: { canary: 0, parallelism: 0, grow: false, monitor: 0s }
EOF
}
stack 1
mkdir -m 777 "$T_TMP/db"
export PLANTDECK_DB=$T_TMP/db/plantdeck.db
"$PLANTDECK" --inventory "$INV" rollout list >/dev/null || fail "root: rollout list"
chmod 666 "$PLANTDECK_DB"
chmod -R a+r "$T_TMP"

# as UID GROUPS CMD...: plantdeck as another user
as() {
	u=$1 g=$2
	shift 2
	gopt=--clear-groups
	[ -z "$g" ] || gopt=--groups=$g
	setpriv --reuid="$u" --regid="$u" $gopt env PLANTDECK_DB="$PLANTDECK_DB" \
		"$PLANTDECK" --inventory "$INV" "$@"
}
VIEWER=61701 OPER=61702 APPR=61703 OPER2=61704

# A viewer cannot deploy: refused by the backend, nothing sent to any engine.
t0=$(date +%s)
if as $VIEWER $V deploy --yes --nodes sim-0001 "$T_TMP/stack.yaml" >"$T_TMP/v.out" 2>"$T_TMP/v.err"; then
	fail "a viewer's deploy ran"
fi
assert_contains "$(cat "$T_TMP/v.err")" "deploy $S: refused: user uid $VIEWER is a viewer; this needs the operator role (group $GO, roles at $INV:"
t1=$(($(date +%s) + 1))
for ep in $(awk '$1 == "endpoint:" {print $2}' "$PLANTDECK_INVENTORY"); do
	curl -sf "http://${ep#tcp://}/events?since=$t0&until=$t1" >>"$T_TMP/events" || fail "events of $ep"
done
! grep -q '"Action":"create"' "$T_TMP/events" || fail "an engine saw a create after a viewer's deploy"
ok "a viewer's deploy is refused, no engine saw a create"

# In no role's group: not even a look.
as 61705 "" status >/dev/null 2>"$T_TMP/n.err" && fail "a user without a role saw the fleet"
assert_contains "$(cat "$T_TMP/n.err")" "user uid 61705 has no role; this needs the viewer role (group $GV"
ok "a user without a role is refused"

# An operator can deploy (1 node: under the four-eyes threshold).
as $OPER $O deploy --yes --nodes sim-0001 "$T_TMP/stack.yaml" >"$T_TMP/o.out" 2>&1 ||
	{ cat "$T_TMP/o.out" >&2; fail "an operator's deploy failed"; }
assert_contains "$(cat "$T_TMP/o.out")" "completed: 1 node on revision 1"
ok "an operator deploys"

# Four eyes: a deploy to 3 nodes waits for a second approver.  The
# requester is an approver too, so that its refusal is about the person.
[ "$(cat /proc/self/loginuid 2>/dev/null || echo 4294967295)" = 4294967295 ] ||
	skip "this session has a login uid: every test user shares it, so all are one person to four eyes (run from a session without one, as CI does)"
stack 2
as $OPER "$O,$A" deploy --yes "$T_TMP/stack.yaml" >"$T_TMP/d.out" 2>&1 &
dpid=$!
t_on_exit "kill $dpid 2>/dev/null"
n=0
until as $APPR $A approvals --json >"$T_TMP/a.json" 2>&1 &&
	jq -e 'length == 1 and .[0].state == "pending"' "$T_TMP/a.json" >/dev/null; do
	n=$((n + 1))
	kill -0 $dpid 2>/dev/null || { cat "$T_TMP/d.out" >&2; fail "the deploy did not wait"; }
	[ $n -lt 600 ] || fail "no pending request: $(cat "$T_TMP/a.json")"
	sleep 0.05
done
req=$(jq -r '.[0].id' "$T_TMP/a.json")
case "$(jq -r '.[0].target' "$T_TMP/a.json")" in
"stack $S revision 2 to 3 nodes") ;;
*) cat "$T_TMP/d.out" "$T_TMP/a.json" >&2; as $OPER $O history >&2; fail "the request names another target" ;;
esac
as $OPER "$O,$A" approve "$req" >/dev/null 2>"$T_TMP/s.err" && fail "the requester approved its own request"
assert_contains "$(cat "$T_TMP/s.err")" "four eyes needs a second, different person"
as $OPER2 $O approve "$req" >/dev/null 2>"$T_TMP/o2.err" && fail "an operator approved"
assert_contains "$(cat "$T_TMP/o2.err")" "this needs the approver role (group $GA"
kill -0 $dpid 2>/dev/null || fail "the deploy did not wait for the approval"
ok "a deploy to 3 nodes waits; its own user and a mere operator cannot approve it"

as $APPR $A approve "$req" >"$T_TMP/ap.out" 2>&1 || { cat "$T_TMP/ap.out" >&2; fail "approve"; }
wait $dpid || { cat "$T_TMP/d.out" >&2; fail "the approved deploy failed"; }
assert_contains "$(cat "$T_TMP/d.out")" "completed: 3 nodes on revision 2"
as $APPR $A approvals --all --json >"$T_TMP/all.json"
jq -e --arg r "uid $OPER" --arg a "uid $APPR" '.[0].state == "done" and
	(.[0].requester | startswith($r)) and (.[0].decider | startswith($a))' "$T_TMP/all.json" \
	>/dev/null || fail "request not done: $(cat "$T_TMP/all.json")"
ok "a second approver's approval lets it run"

# All audited, under the users the OS says.
"$PLANTDECK" --inventory "$INV" audit >"$T_TMP/audit"
grep -q "uid $OPER .*four-eyes-request *request #$req: deploy stack $S revision 2 to 3 nodes" \
	"$T_TMP/audit" || { cat "$T_TMP/audit" >&2; fail "no audited request"; }
grep -q "uid $APPR .*four-eyes-approve *request #$req" "$T_TMP/audit" ||
	{ cat "$T_TMP/audit" >&2; fail "no audited approval"; }
grep -q "uid $OPER .*deploy-start *stack $S revision 2" "$T_TMP/audit" ||
	{ cat "$T_TMP/audit" >&2; fail "no audited start"; }
"$PLANTDECK" --inventory "$INV" audit verify >/dev/null || fail "audit verify"
ok "request, approval and start audited"

# A rejected request runs nothing: the deploy that asked ends with the
# rejection, and no engine saw a create.
stack 3
t0=$(date +%s)
as $OPER $O deploy --yes "$T_TMP/stack.yaml" >"$T_TMP/r.out" 2>&1 &
xpid=$!
t_on_exit "kill $xpid 2>/dev/null"
n=0
until as $APPR $A approvals --json >"$T_TMP/x.json" 2>&1 &&
	jq -e 'length >= 1 and .[0].state == "pending" and .[0].kind == "deploy"' \
	"$T_TMP/x.json" >/dev/null; do
	n=$((n + 1))
	kill -0 $xpid 2>/dev/null || { cat "$T_TMP/r.out" >&2; fail "the deploy of :3 did not wait"; }
	[ $n -lt 600 ] || fail "no pending request: $(cat "$T_TMP/x.json")"
	sleep 0.05
done
as $APPR $A reject "$(jq -r '.[0].id' "$T_TMP/x.json")" --reason "not in this shift" >/dev/null ||
	fail "reject"
wait $xpid && fail "a rejected deploy ran"
assert_contains "$(cat "$T_TMP/r.out")" "rejected by uid $APPR"
assert_contains "$(cat "$T_TMP/r.out")" "not in this shift"
t1=$(($(date +%s) + 1))
: >"$T_TMP/events"
for ep in $(awk '$1 == "endpoint:" {print $2}' "$PLANTDECK_INVENTORY"); do
	curl -sf "http://${ep#tcp://}/events?since=$t0&until=$t1" >>"$T_TMP/events" || fail "events of $ep"
done
! grep -q '"Action":"create"' "$T_TMP/events" || fail "an engine saw a create after a rejection"
ok "a rejected deploy runs nothing"

# A quarantine needs four eyes too: an operator's approval of a quarantine
# proposal (written here as the detectors would) waits; an approver's
# approval lets it through, and only then is the proposal approved.
"$PLANTDECK" --inventory "$INV" heal list >/dev/null || fail "heal list"
now=$(date +%s)
sqlite3 "$PLANTDECK_DB" "INSERT INTO heal_findings (kind, node, container, first_seen,
	last_seen) VALUES ('anomaly', 'sim-0001', '$S-plc', $now, $now);
	INSERT INTO heal_proposals (finding, kind, stage, action, state, node, container, reason,
	created, updated) VALUES (last_insert_rowid(), 'anomaly', 1, 'quarantine', 'pending',
	'sim-0001', '$S-plc', 'test: ptrace of a PLC', $now, $now);" 2>"$T_TMP/sq.err" || fail "sqlite3: a proposal: $(cat "$T_TMP/sq.err")"
prop=$(sqlite3 "$PLANTDECK_DB" "SELECT max(id) FROM heal_proposals")
as $OPER $O heal approve "$prop" >"$T_TMP/q.out" 2>&1 &
qpid=$!
t_on_exit "kill $qpid 2>/dev/null"
n=0
until as $APPR $A approvals --json >"$T_TMP/q.json" 2>&1 &&
	jq -e 'length >= 1 and .[0].kind == "quarantine" and .[0].state == "pending"' \
	"$T_TMP/q.json" >/dev/null; do
	n=$((n + 1))
	kill -0 $qpid 2>/dev/null || { cat "$T_TMP/q.out" >&2; fail "the quarantine did not wait"; }
	[ $n -lt 600 ] || fail "no quarantine request: $(cat "$T_TMP/q.json")"
	sleep 0.05
done
[ "$(sqlite3 "$PLANTDECK_DB" "SELECT state FROM heal_proposals WHERE id = $prop")" = pending ] ||
	fail "the quarantine was approved by one person"
as $APPR $A approve "$(jq -r '.[0].id' "$T_TMP/q.json")" >/dev/null || fail "approve the quarantine"
wait $qpid || { cat "$T_TMP/q.out" >&2; fail "the quarantine's approval failed"; }
[ "$(sqlite3 "$PLANTDECK_DB" "SELECT state FROM heal_proposals WHERE id = $prop")" = approved ] ||
	fail "the quarantine is not approved after four eyes"
ok "a quarantine waits for a second person"

# The cockpit: the role in its header; a rollback of all 3 nodes waits for
# four eyes, and an approver's cockpit approves it (H, A, y).
tmux_start 120 30 "setpriv --reuid=$APPR --regid=$APPR --groups=$A env TERM=xterm-256color PLANTDECK_DB=$PLANTDECK_DB $PLANTDECK --inventory $INV"
tmux_wait_for "uid $APPR: approver" 20
as $OPER $O rollout rollback >"$T_TMP/rb.out" 2>&1 &
rpid=$!
t_on_exit "kill $rpid 2>/dev/null"
tmux_keys H
tmux_wait_for "1 four-eyes" 20
tmux_wait_for "rollback stack $S: deploy #" 5
tmux_keys A
tmux_wait_for "Approve request #" 5
tmux_keys y
wait $rpid || { cat "$T_TMP/rb.out" >&2; fail "the rollback approved in the cockpit failed"; }
assert_contains "$(cat "$T_TMP/rb.out")" "completed: 3 nodes on revision 1"
"$PLANTDECK" --inventory "$INV" audit >"$T_TMP/audit2"
grep -q "uid $APPR[@ ].*four-eyes-approve *request #[0-9]*: rollback stack $S" \
	"$T_TMP/audit2" || { cat "$T_TMP/audit2" >&2; fail "the cockpit's approval is not audited"; }
ok "the cockpit shows the role; a rollback of every node waits and is approved there"
