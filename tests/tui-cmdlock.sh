#!/bin/sh
# tui-cmdlock.sh: a cockpit command while another process holds the
# database locked, without the lab (one simulated engine).  A container
# action is written to the audit trail before it is sent; the cockpit hands
# it to the backend's command thread (backend/commands.c), so while the
# entry waits for the lock the screen says the action is under way and goes
# on answering keys; once the lock goes, the entry is written, the action
# sent and its result shown.  (The UI thread used to write the entry
# itself: the screen froze for the store's busy timeout, 5 s, and the
# action failed.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (Debian package 'sqlite3')"
command -v curl >/dev/null || skip "no curl"
LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab

sim_start 0 --nodes 1 --containers 2 --events-per-sec 0
C=sim-0001-1
ME=$(id -un)
PD="$PLANTDECK --db $T_TMP/pd.db"
$PD audit >/dev/null               # the database exists, with its tables
ok "one simulated engine on 127.$SIM_NET.x.y"

# Another process holds the database: an exclusive lock (as tui-dblock.sh).
mkfifo "$T_TMP/lockin"
sqlite3 "$T_TMP/pd.db" <"$T_TMP/lockin" >"$T_TMP/lock.out" 2>&1 &
lockpid=$!
exec 3>"$T_TMP/lockin"
t_on_exit "exec 3>&-; kill $lockpid 2>/dev/null || true"
printf '.timeout 10000\nPRAGMA locking_mode=EXCLUSIVE;\nBEGIN EXCLUSIVE;\nCREATE TABLE cmdlock_test(x);\n' >&3
locked() { ! sqlite3 "$T_TMP/pd.db" 'PRAGMA data_version' >/dev/null 2>&1; }
i=0
until locked; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "the database never got locked: $(cat "$T_TMP/lock.out")"
	sleep 0.05
done

tmux_start 160 40 "env TERM=xterm-256color LANG=C.UTF-8 $PD --log $T_TMP/log"
tmux_wait_for "sim-0001" 10
tmux_keys Enter
tmux_wait_for "Fleet > sim-0001"
tmux_keys / ; tmux_keys -l "$C"; tmux_keys Enter
tmux_wait_for "[filter: $C]"
tmux_wait_for " $C " 10
tmux_keys a
tmux_wait_for "remove (x)  Esc"
tmux_keys r
tmux_wait_for "Restart sim-0001/$C? [y/N]"
tmux_keys y
tmux_wait_for "Restart sim-0001/$C: writing the audit trail..."
ok "locked: y is answered at once; the action waits for the audit trail"

# Keys are answered while the command waits: screens open and close, and
# the action is still under way (nothing was sent: no entry, no action).
for round in 1 2; do
	tmux_keys e
	tmux_wait_for "Events"
	tmux_keys Escape
	tmux_wait_for "Fleet > sim-0001"
	tmux_wait_for "Restart sim-0001/$C: writing the audit trail..."
done
case "$(tmux_screen)" in *"restart by $ME@"*) fail "the action ran before its entry was written" ;; esac
locked || fail "the lock went away during the test: $(cat "$T_TMP/lock.out")"
ok "locked: keys are still answered (events opened twice); the action still waits"

printf 'ROLLBACK;\n.quit\n' >&3
exec 3>&-
wait "$lockpid" || true
tmux_wait_for "sim-0001/$C: restart by $ME@" 30
ok "the lock gone: the entry is written, the action sent, its result shown"
out=$($PD audit 2>&1)
assert_contains "$out" "container-restart"
assert_contains "$out" "node sim-0001 container $C"
ok "the audit trail has the restart"

tmux_keys q
tmux_wait_dead "q did not quit"
ok "q quits"
