#!/bin/sh
# tui-idle.sh: the idle cockpit asks for what it shows and redraws what changed (issue 16),
# on simulated engines, no lab.
#
# 60 simulated nodes x 4 containers, no lifecycle events, the cockpit at 80x24: its fleet
# table starts with the lines folded (60 nodes are more than two screens), so no node's CPU
# and memory are shown and each running container has one background sample and no more.
# Then line A is opened: the running containers of the nodes on screen get their second
# sample at once (CPU % needs two; the background one was the first), while no container of
# a node off screen gets a stats call (lab/sim/enginesim.c counts them: GET /stats-calls).  Then, with nothing changing,
# what the cockpit writes to the terminal over three ticks of the clock is the clock alone:
# no column (SEEN, CPU, memory) moves with each ping or sample.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
NODES=60 K=4
command -v curl >/dev/null || skip "no curl"
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB

sim_start 53 --nodes $NODES --containers $K --events-per-sec 0
# The simulator's "NODE CONTAINER CALLS STATE" lines.
calls() { curl -sf "$PLANTDECK_SIM_CONTROL/stats-calls${1:-}" || fail "GET /stats-calls${1:-}"; }

# Wait up to $2 s until no line of /stats-calls matches awk pattern $1 (shown[NODE]: the
# node is on screen, from $T_TMP/shown).
wait_calls() {
	local i=0
	until calls | awk -v f="$T_TMP/shown" "BEGIN { while ((getline l <f) > 0) shown[l] = 1 }
	    $1 { bad++ } END { exit bad > 0 }"; do
		i=$((i + 1))
		[ "$i" -lt $(($2 * 10)) ] || { calls >&2; fail "stats calls: still some with $1"; }
		sleep 0.1
	done
}

tmux_start 80 24 "env TZ=UTC TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $PLANTDECK --log $T_TMP/log"
tmux -L "$T_TMUX" pipe-pane -o "cat >>$T_TMP/raw"
tmux_wait_for "$NODES/$NODES nodes up" 20
tmux_wait_for "line C" 5
if tmux_screen | grep -q "sim-0001"; then fail "the lines of $NODES nodes at 80x24 start open"; fi
# Folded: a background sample of each running container, one.
wait_calls '$4 == "running" && $3 < 1' 20
calls "?reset=1" >/dev/null
ok "folded: each running container sampled once"

# Open line A: the nodes on screen are sampled, those off screen are not.
tmux_keys Enter
tmux_wait_for "sim-0001" 5
tmux_screen | grep -o 'sim-[0-9]*' | sort -u >"$T_TMP/shown"
n=$(wc -l <"$T_TMP/shown")
[ "$n" -ge 5 ] && [ "$n" -lt 27 ] || fail "line A open: $n nodes on screen, want some of its 27"
wait_calls '($1 in shown) && $4 == "running" && $3 < 1' 20
calls | awk -v f="$T_TMP/shown" 'BEGIN { while ((getline l <f) > 0) shown[l] = 1 }
	!($1 in shown) && $3 > 0 { print "off screen, sampled:", $0; bad++ }
	END { exit bad > 0 }' || fail "containers of nodes off screen were sampled"
ok "line A open: the $n nodes on screen sampled a second time, none off screen"

# Idle: over three ticks of the clock the terminal gets the clock and next to nothing else.
clock() { tmux_screen | sed -n 1p | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'; }
c=$(clock)
while [ "$(clock)" = "$c" ]; do sleep 0.02; done
b0=$(stat -c %s "$T_TMP/raw")
for i in 1 2 3; do
	c=$(clock)
	while [ "$(clock)" = "$c" ]; do sleep 0.02; done
done
b1=$(stat -c %s "$T_TMP/raw")
[ $((b1 - b0)) -le 240 ] || fail "idle: $((b1 - b0)) bytes written over 3 clock ticks (the clock takes ~20 a tick)"
ok "idle: $((b1 - b0)) bytes written over 3 clock ticks"
