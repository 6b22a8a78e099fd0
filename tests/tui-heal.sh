#!/bin/sh
# tui-heal.sh: self-heal from the cockpit, driven in tmux against the lab as
# a person would.  Two containers crash-loop (plc-sim:bad under restart
# always); the cockpit runs the detectors itself, and its heal screen shows
# a restart proposal for each, the header counts them.  Enter shows the
# evidence; a, y approves one and its state moves on; x, a reason, y
# rejects the other; `plantdeck heal list --json` agrees.  The result
# reaches the events screen.  With no stack to roll back, nothing follows
# the failed restart: the finding says why, on the queue and in --json.  A read-only cockpit shows the proposals and
# the backend's refusal.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
t_on_exit "lab_rm_prefix tuiheal-"
lab_rm_prefix tuiheal-
C1=tuiheal-$$-a
C2=tuiheal-$$-b
ldocker 1 run -d --name "$C1" --restart always --network none "$REG/plant/plc-sim:bad" >/dev/null
ldocker 2 run -d --name "$C2" --restart always --network none "$REG/plant/plc-sim:bad" >/dev/null

start() {  # start [ARGS...]
	tmux_start 120 30 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $PLANTDECK --log $T_TMP/log $*"
	tmux_wait_for "$(lab_name 1)" 30
}

# The queue as JSON (every finding and proposal).
heal_json() { "$PLANTDECK" heal list --all --json; }

# Wait up to $2 s until the jq filter $1 is true on heal_json; print the JSON.
heal_wait() {
	local filter=$1 limit=$2 t0 out
	t0=$(date +%s)
	while :; do
		out=$(heal_json 2>/dev/null || true)
		if [ -n "$out" ] && echo "$out" | jq -e "$filter" >/dev/null 2>&1; then
			echo "$out"
			return 0
		fi
		if [ $(( $(date +%s) - t0 )) -gt "$limit" ]; then
			"$PLANTDECK" heal list --all >&2 || true
			tmux_screen >&2 || true
			fail "not true within ${limit}s: $filter"
		fi
		sleep 1
	done
}

# Wait up to $2 s until a line of the screen matches the extended regex $1.
wait_line() {
	local re=$1 limit=$2 i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		tmux_screen | grep -Eq "$re" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	tmux_screen >&2
	fail "no line matched '$re' within ${limit}s"
}

# --- the heal screen: both proposals, the header's count.
start
tmux_keys H
tmux_wait_for "Fleet > Heal"
tmux_wait_for "Detectors and executor: " 10
# Failing checks may come first (an unhealthy finding and its restart proposal,
# superseded as soon as the crash loop is found): wait for the crash loops'.
j=$(heal_wait "[.proposals[] | select(.state == \"pending\" and .action == \"restart\" and
	.kind == \"crash_loop\" and (.container == \"$C1\" or .container == \"$C2\"))] | length == 2" 180)
P1=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C1\" and .kind == \"crash_loop\" and
	.state == \"pending\") | .id")
P2=$(echo "$j" | jq -r ".proposals[] | select(.container == \"$C2\" and .kind == \"crash_loop\" and
	.state == \"pending\") | .id")
wait_line "^ +$P1 pending +1 restart +lab-01/$C1 +- " 10
wait_line "^ +$P2 pending +1 restart +lab-02/$C2 +- " 10
wait_line "[0-9]+ heal" 5
ok "H: the heal queue shows restart proposals #$P1 and #$P2; the header counts them"

# --- Enter: the proposal and its finding's evidence.
pick() {  # select proposal $1 through the filter
	tmux_keys /
	tmux_wait_for "Filter: "
	tmux_keys C-u
	tmux_keys -l "#$1"
	tmux_keys Enter
	tmux_wait_for "[filter: #$1]"
	wait_line "^ +$1 " 10
}
pick "$P1"
tmux_keys Enter
tmux_wait_for "Fleet > Heal > Proposal #$P1"
tmux_wait_for "crash_loop  stage 1: restart lab-01/$C1"
tmux_wait_for "PENDING"
tmux_wait_for " evidence  "
tmux_wait_for "exits in the last"
tmux_wait_for "Finding #"
tmux_wait_for " expected  $C1 runs"
ok "Enter: action, target, reason, evidence, expected outcome, the finding"

# --- a: asked first; n cancels, y approves; the state moves on.
tmux_keys a
tmux_wait_for "Approve proposal #$P1: restart lab-01/$C1? [y/N]"
tmux_keys n
tmux_wait_for "Cancelled."
[ "$(heal_json | jq -r ".proposals[] | select(.id == $P1) | .state")" = pending ] ||
	fail "n to the question approved #$P1"
tmux_keys a
tmux_wait_for "[y/N]"
tmux_keys y
tmux_wait_for "Proposal #$P1 approved" 10
wait_line "^ (APPROVED|EXECUTING|VERIFYING|SUCCEEDED|FAILED)" 60
j=$(heal_wait ".proposals[] | select(.id == $P1) | .state != \"pending\" and
	(.decided_by | test(\"^$(id -un)\"))" 30)
ok "a, y: #$P1 approved; heal list --json agrees ($(echo "$j" | jq -r ".proposals[] | select(.id == $P1) | .state"))"

# --- x: a reason on the bottom line, then y/n; the other is rejected.
tmux_keys Escape
tmux_wait_for "Fleet > Heal"
tmux_keys o
tmux_wait_for "Open proposals, newest first"
pick "$P2"
tmux_keys x
tmux_wait_for "Reject: reason (optional"
tmux_keys -l "not now"
tmux_keys Enter
tmux_wait_for "Reject proposal #$P2 (restart lab-02/$C2), with that reason? [y/N]"
tmux_keys y
tmux_wait_for "Proposal #$P2 rejected." 10
heal_wait ".proposals[] | select(.id == $P2) | .state == \"rejected\" and
	.reject_reason == \"not now\"" 30 >/dev/null
ok "x, a reason, y: #$P2 rejected with its reason; heal list --json agrees"

# --- the result of #P1 reaches the events screen (restart cannot fix :bad).
heal_wait ".proposals[] | select(.id == $P1) | .state == \"failed\"" 180 >/dev/null
tmux_keys e
tmux_wait_for "TIME     NODE"
wait_line "lab-01 +$C1 +heal +#$P1 restart failed: " 20
ok "the result of #$P1 is an events line (kind heal)"

# --- nothing further for C1 (no stack): its finding says why, and what to do,
# in heal list --json and on the queue; C2's says it was rejected.
F1=$(heal_json | jq -r ".proposals[] | select(.id == $P1) | .finding")
F2=$(heal_json | jq -r ".proposals[] | select(.id == $P2) | .finding")
j=$(heal_wait "(.findings[] | select(.id == $F1) | .open and (.reason | startswith(
	\"ladder exhausted: restart did not help; no stack to roll back (container not deployed\")) and
	(.reason | contains(\"deploy it as a stack\"))) and
	(.findings[] | select(.id == $F2) | .reason | startswith(\"proposal #$P2 (restart) was rejected\"))" 60)
[ "$(echo "$j" | jq "[.proposals[] | select(.finding == $F1)] | length")" = 1 ] ||
	fail "more proposals for finding #$F1: $(echo "$j" | jq -c "[.proposals[] | select(.finding == $F1)]")"
tmux_keys H
tmux_wait_for "Fleet > Heal"
tmux_keys /
tmux_wait_for "Filter: "
tmux_keys C-u
tmux_keys -l "$C1"
tmux_keys Enter
wait_line "FINDINGS WITHOUT A PROPOSAL" 10
wait_line "#$F1 crash_loop lab-01/$C1: ladder exhausted: restart did not help; no stack to roll back" 10
ok "after the failed restart, finding #$F1 says why nothing follows (no stack) in --json and on the queue"
tmux_keys q

# --- read-only: the proposals are there, the backend refuses.
start --read-only
tmux_keys H
tmux_wait_for "Fleet > Heal"
wait_line "^ +$P2 rejected " 20
tmux_keys g a
tmux_wait_for "refused: read-only" 10
tmux_keys Enter
tmux_wait_for "Read-only: this cockpit cannot approve or reject" 10
tmux_keys x
tmux_wait_for "refused: read-only" 10
case "$(tmux_screen)" in *"[y/N]"*|*"Reject: reason"*) fail "read-only asked a question" ;; esac
ok "read-only: proposals shown; approve and reject refused with the backend's words"
tmux_keys q
