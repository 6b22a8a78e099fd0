#!/bin/sh
# tui-serve.sh: the cockpit's header shows SERVE while a `plantdeck serve`
# runs on the same database (its heartbeat, backend/store/store-serve.c,
# read by the store reader thread), on simulated engines, no lab.  The heal
# screen names the serve (host and pid).  SIGTERM ends serve with its
# goodbye: the mark goes.  A serve killed with SIGKILL says no goodbye: the
# mark becomes "serve stale" (its pid is gone on this host).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
sim_start 71 --nodes 2 --containers 1 --events-per-sec 0
unset PLANTDECK_INVENTORY
cp "$PLANTDECK_SIM/inventory.yaml" "$T_TMP/inv.yaml"
PD="$PLANTDECK --inventory $T_TMP/inv.yaml --db $T_TMP/pd.db"

# The header is line 1 of the screen.
header() { tmux_screen | head -n 1; }
# Wait up to $2 s until the header no longer contains $1.
wait_header_without() {
	local i=0
	while header | grep -qF "$1"; do
		i=$((i + 1))
		[ "$i" -lt $(($2 * 20)) ] || fail "the header still shows '$1' after $2 s: $(header)"
		sleep 0.05
	done
}
# Start serve in the background; its pid in $SERVE.
start_serve() {
	$PD --log "$T_TMP/serve.log" serve >"$T_TMP/serve.out" 2>&1 &
	SERVE=$!
	t_on_exit "kill -9 $SERVE 2>/dev/null || true"
}

tmux_start 160 30 "env TERM=xterm-256color LANG=C.UTF-8 $PD --log $T_TMP/log"
tmux_wait_for "sim-0002" 15
! header | grep -q SERVE || fail "SERVE before any serve runs: $(header)"
ok "no serve: no mark ($(header))"

start_serve
tmux_wait_for " SERVE " 20
ok "serve pid $SERVE runs: $(header)"
tmux_keys H
tmux_wait_for "serve: $(hostname) pid $SERVE since" 10
ok "the heal screen names it: $(tmux_screen | grep -o "serve: [^,;]*" | head -n 1)"

kill -TERM $SERVE
wait $SERVE || fail "serve ended with status $?: $(cat "$T_TMP/serve.out")"
wait_header_without "SERVE" 10
! tmux_screen | grep -q "serve: $(hostname)" || fail "the heal screen still names serve"
ok "SIGTERM: serve said goodbye, the mark went ($(header))"

start_serve
tmux_wait_for " SERVE " 20
kill -9 $SERVE
wait $SERVE 2>/dev/null || true
tmux_wait_for "serve stale" 15
tmux_wait_for "serve: $(hostname) pid $SERVE silent since" 5
ok "SIGKILL: no goodbye, the mark says so: $(header)"

tmux_keys q
tmux_wait_dead "the cockpit did not quit"
