#!/bin/sh
# tui-deploy.sh: deploys from the cockpit, driven in tmux against the lab as
# a person would: the deploy screen, a bad stack file (its FILE:LINE:COL on
# the screen), a new deploy's plan, Enter and y to start it, the per-node
# rows up to done while q asks first; the CLI agrees that it completed and
# the containers run.  A deploy whose process died is announced at startup
# and resumed from the deploy screen.  A read-only cockpit shows the
# backend's refusal; a kiosk starts nothing.  The plan is a diff against
# the running revision (the CLI's dry run too), v sets a variable for the
# plan alone; a deploy of :bad that the breaker rolls back keeps its
# failed count and node.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
t_on_exit "lab_rm_prefix tuidep-"
lab_rm_prefix tuidep-

cat >"$T_TMP/stack.yaml" <<EOF
x-plantdeck:
  stack: tuidep
  rollout: {monitor: 2s, canary: 1}
services:
  plc:
    image: $REG/plant/plc-sim:\${PLC_TAG:-1}
    restart: always
    network_mode: none
    environment: {LINE_TAG: "\${PLC_TAG:-1}"}
EOF
# Line 4, column 14: the bad duration.
cat >"$T_TMP/bad.yaml" <<EOF
x-plantdeck:
  stack: tuidep
  rollout:
    monitor: soon
services:
  plc:
    image: $REG/plant/plc-sim:1
EOF

start() {  # start [ARGS...]
	tmux_start 100 30 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $PLANTDECK --log $T_TMP/log $*"
	tmux_wait_for "$(lab_name 1)" 20
}

# Wait up to $2 s until the deploy screen's row of node $1 is in phase $3.
wait_row() {
	local node=$1 limit=$2 phase=$3 i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		tmux_screen | grep -Eq "^ $node +[0-9]+ $phase " && return 0
		sleep 0.1
		i=$((i + 1))
	done
	tmux_screen >&2
	fail "the row of $node never reached $phase within ${limit}s"
}

# Type path $1 and selector $2 into the new-deploy prompts.
new_deploy() {
	tmux_keys n
	tmux_wait_for "Stack file: "
	tmux_keys C-u
	tmux_keys -l "$1"
	tmux_keys Enter
	tmux_wait_for "Nodes (selector, empty: all): "
	tmux_keys C-u
	[ -z "$2" ] || tmux_keys -l "$2"
	tmux_keys Enter
}

# --- the deploy screen, a bad file, then a deploy to lab-01 and lab-02.
start
tmux_keys D
tmux_wait_for "Fleet > Deploys"
tmux_wait_for "No deploys yet"
ok "D opens the deploy list"

new_deploy "$T_TMP/bad.yaml" ""
tmux_wait_for "This file cannot be deployed"
tmux_wait_for "bad.yaml:4:14: 'monitor': bad duration 'soon'"
ok "a bad stack file: its FILE:LINE:COL error on the plan screen"

new_deploy "$T_TMP/stack.yaml" "lab-0[12]"
tmux_wait_for "Stack tuidep: revision 0 -> 1"
tmux_wait_for "service plc"
tmux_wait_for "wave 0 (canary): lab-01"
tmux_wait_for "wave 1: lab-02"
tmux_wait_for "2 nodes in 2 waves"
ok "plan: services, policy, waves"

tmux_keys Enter
tmux_wait_for "Start deploy of stack tuidep revision 1 to 2 nodes? [y/N]"
tmux_keys n
tmux_wait_for "Cancelled."
[ "$("$PLANTDECK" rollout list --json | jq length)" = 0 ] || fail "n started a deploy"
tmux_keys Enter
tmux_wait_for "[y/N]"
tmux_keys y
tmux_wait_for "Fleet > Deploys > Deploy #1"
tmux_wait_for "1 deploying" 30
ok "Enter, y: deploy #1 runs; the header counts it"

tmux_keys q
tmux_wait_for "quitting pauses it"
tmux_keys n
tmux_dead && fail "n to the quit question quit"
ok "q while a deploy runs here asks first, saying that quitting pauses it"

tmux_keys Escape Escape
tmux_wait_for "D Deploys"
tmux_wait_for "»lab-0" 30
ok "fleet: a node the deploy is changing is marked"
tmux_keys D Enter
tmux_wait_for "Fleet > Deploys > Deploy #1"

wait_row lab-01 90 done
wait_row lab-02 90 done
tmux_wait_for "COMPLETED" 30
tmux_wait_for "done 2/2"
ok "per-node rows reach done; COMPLETED"

"$PLANTDECK" rollout status 1 --json >"$T_TMP/st.json"
jq -e '.state == "completed" and ([.nodes[] | select(.phase == "done")] | length) == 2' \
	"$T_TMP/st.json" >/dev/null || { cat "$T_TMP/st.json" >&2; fail "rollout status disagrees"; }
for n in 1 2; do
	[ -n "$(ldocker "$n" ps -q --filter name=^tuidep-plc --filter status=running)" ] ||
		fail "tuidep-plc does not run on $(lab_name "$n")"
done
ok "plantdeck rollout status: completed; tuidep-plc runs on lab-01 and lab-02"

tmux_keys q
tmux_wait_dead "q did not quit once the deploy was over"
ok "q quits at once when no deploy runs here"

# --- a deploy whose process died: announced at startup, resumed here.  A
# monitor of 10 s: time enough to see the phase and kill the CLI in it (the
# loop below looks every 0.1 s), and the resumed deploy monitors again.
sed -e 's/monitor: 2s/monitor: 10s/' -e 's/canary: 1/canary: 1, failure_action: pause/' \
	"$T_TMP/stack.yaml" >"$T_TMP/slow.yaml"
"$PLANTDECK" deploy "$T_TMP/slow.yaml" --nodes lab-01 --yes >"$T_TMP/cli.out" 2>&1 &
cli=$!
i=0
until "$PLANTDECK" rollout status 2 --json 2>/dev/null | jq -e '.nodes[0].phase == "monitor"' >/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || { kill -9 "$cli"; cat "$T_TMP/cli.out" >&2; fail "deploy #2 never reached monitor"; }
	sleep 0.1
done
kill -9 "$cli"
wait "$cli" 2>/dev/null || true
start
tmux_wait_for "Deploy #2 of stack tuidep was interrupted" 30
tmux_wait_for "1 interrupted"
ok "startup: the interrupted deploy is announced, and counted in the header"
tmux_keys D
tmux_wait_for "interrupted"
tmux_keys Enter
tmux_wait_for "Fleet > Deploys > Deploy #2"
# The deploy itself, as the store reader hands it over (not only its title).
tmux_wait_for "#2  stack tuidep  revision 1 -> 2"
tmux_keys r
tmux_wait_for "Resume deploy #2 (tuidep) in this cockpit? [y/N]"
tmux_keys y
tmux_wait_for "RUNNING here" 20
wait_row lab-01 120 done
tmux_wait_for "COMPLETED" 30
"$PLANTDECK" rollout status 2 --json | jq -e '.state == "completed"' >/dev/null ||
	fail "deploy #2 is not completed after the resume"
ok "r, y on the deploy screen resumes it here, to completed"
tmux_keys q

# --- read-only: the backend refuses, the screen says so.
start --read-only
tmux_keys D
tmux_wait_for "completed"
tmux_keys p
tmux_wait_for "Deploy #2: refused: read-only"
new_deploy "$T_TMP/stack.yaml" "lab-0[12]"
tmux_wait_for "Read-only: this cockpit cannot start a deploy"
tmux_keys Enter
tmux_wait_for "Not started: refused: read-only"
ok "read-only: pause and start refused with the backend's words"
tmux_keys q

# --- kiosk: no key opens the deploy screen or starts anything.
start --kiosk
tmux_wait_for "KIOSK"
for k in D F5 n; do tmux_keys "$k"; done
tmux_keys -l "$T_TMP/stack.yaml"
tmux_keys Enter Enter Enter y y
sleep 1
screen=$(tmux_screen)
case "$screen" in *"Deploys"*|*"Start deploy"*) fail "the kiosk opened the deploy screen" ;; esac
assert_contains "$screen" "KIOSK"
[ "$("$PLANTDECK" rollout list --json | jq length)" = 2 ] || fail "the kiosk started a deploy"
ok "kiosk: no deploy screen, no deploy"

# --- the plan as a diff; v sets a variable; the breaker's count survives
# the rollback.  Revision 2 (:1, pause) runs on lab-01.
sed 's/canary: 1/canary: 1, failure_action: rollback/' "$T_TMP/stack.yaml" >"$T_TMP/tag.yaml"
"$PLANTDECK" deploy "$T_TMP/tag.yaml" --nodes lab-01 --var PLC_TAG=bad --dry-run \
	>"$T_TMP/dry.out" 2>&1 || { cat "$T_TMP/dry.out" >&2; fail "the dry run failed"; }
grep -qx "    service plc: image $REG/plant/plc-sim:1 -> $REG/plant/plc-sim:bad" "$T_TMP/dry.out" &&
	grep -qx "    service plc: env LINE_TAG 1 -> bad" "$T_TMP/dry.out" &&
	grep -qx "  variables: PLC_TAG=bad" "$T_TMP/dry.out" ||
	{ cat "$T_TMP/dry.out" >&2; fail "the dry run does not show the changes"; }
ok "deploy --var --dry-run: image :1 -> :bad and the env change against revision 2"

start
tmux_keys D
tmux_wait_for "Fleet > Deploys"
new_deploy "$T_TMP/tag.yaml" "lab-01"
tmux_wait_for "Stack tuidep: revision 2 -> 3"
tmux_wait_for "Changes against revision 2:"
tmux_wait_for "rollout failure_action pause -> rollback"
case "$(tmux_screen)" in *plc-sim:bad*) fail "the plan shows :bad before PLC_TAG is set" ;; esac
tmux_keys v
tmux_wait_for "Variable NAME=VALUE"
tmux_keys -l "PLC_TAG=bad"
tmux_keys Enter
tmux_wait_for "Variables PLC_TAG=bad"
tmux_wait_for "service plc: image $REG/plant/plc-sim:1 -> $REG/plant/plc-sim:bad"
tmux_wait_for "service plc: env LINE_TAG 1 -> bad"
ok "plan screen: the diff against revision 2; v PLC_TAG=bad plans again with :bad"

tmux_keys Enter
tmux_wait_for "[y/N]"
tmux_keys y
tmux_wait_for "Fleet > Deploys > Deploy #3"
i=0
until "$PLANTDECK" rollout status 3 --json 2>/dev/null | jq -e '.state == "rolled_back"' >/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || fail "deploy #3 was not rolled back: $("$PLANTDECK" rollout status 3)"
	sleep 0.1
done
tmux_wait_for "failed 1 (100%)" 10
"$PLANTDECK" rollout status 3 --json >"$T_TMP/st3.json"
jq -e '.failed == 1 and .nodes[0].failed == true and .nodes[0].phase == "rolled_back"' \
	"$T_TMP/st3.json" >/dev/null || { cat "$T_TMP/st3.json" >&2; fail "the failed count did not survive"; }
"$PLANTDECK" rollout list --json | jq -e '.[] | select(.id == 3) | .failed == 1' >/dev/null ||
	{ "$PLANTDECK" rollout list >&2; fail "rollout list: FAIL of #3 is not 1"; }
"$PLANTDECK" rollout journal 3 | grep -q 'variables.*PLC_TAG=bad' ||
	{ "$PLANTDECK" rollout journal 3 >&2; fail "the journal does not name PLC_TAG=bad"; }
ok "rolled back: failed 1 (100%) on the screen and in rollout list, PLC_TAG=bad journaled"
tmux_keys q
