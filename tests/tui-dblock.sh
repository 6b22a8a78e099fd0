#!/bin/sh
# tui-dblock.sh: the cockpit without the lab, while another process holds
# the database locked: the deploys and heal proposals are read by a backend
# thread (backend/reader.c), so the first frame comes, keys keep being
# answered, and the deploys screen says the database is locked; once the
# lock goes, the deploys are read.  (The UI thread used to read them
# itself: opening the database waited out its 5 s busy timeout, twice, on
# every reading, and the screen froze.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (Debian package 'sqlite3')"
printf 'site: dblock\nnodes:\n  - name: press-01\n    endpoint: tcp://127.0.0.1:9\n    tls: true\n' >"$T_TMP/inv.yaml"
printf 'services:\n  plc:\n    image: alpine:3.19\n' >"$T_TMP/dblock.yml"
PD="$PLANTDECK --inventory $T_TMP/inv.yaml --db $T_TMP/pd.db"

# A deploy in the database: the node refuses, so it pauses at once.
set +e
out=$($PD deploy --yes "$T_TMP/dblock.yml" 2>&1)
set -e
assert_contains "$out" "deploy #1 paused"

# Another process holds the database: an exclusive lock that readers wait
# on too (WAL mode lets readers past a plain BEGIN EXCLUSIVE, so the lock
# is taken before the cockpit opens the database).
mkfifo "$T_TMP/lockin"
sqlite3 "$T_TMP/pd.db" <"$T_TMP/lockin" >"$T_TMP/lock.out" 2>&1 &
lockpid=$!
exec 3>"$T_TMP/lockin"
t_on_exit "exec 3>&-; kill $lockpid 2>/dev/null || true"
# .timeout: the locker waits out the probes of locked() below, which open
# the database too (without it, a probe at the wrong moment made BEGIN fail).
printf '.timeout 10000\nPRAGMA locking_mode=EXCLUSIVE;\nBEGIN EXCLUSIVE;\nCREATE TABLE dblock_test(x);\n' >&3
locked() { ! sqlite3 "$T_TMP/pd.db" 'PRAGMA data_version' >/dev/null 2>&1; }
i=0
until locked; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "the database never got locked: $(cat "$T_TMP/lock.out")"
	sleep 0.05
done

tmux_start 100 30 "env TERM=xterm-256color LANG=C.UTF-8 $PD --log $T_TMP/log"
tmux_wait_for "press-01"
ok "locked: the first frame comes (it waited on the database before)"

tmux_keys D
tmux_wait_for "Deploys"
# The reader gives up on the lock after the store's busy timeout (5 s).
tmux_wait_for "The database is locked by another process" 15
ok "locked: the deploys screen says so"

# Keys are answered while the lock is held: screens open and close.
for round in 1 2 3; do
	tmux_keys e
	tmux_wait_for "Events"
	tmux_keys Escape
	tmux_wait_for "The database is locked by another process"
	tmux_keys H
	tmux_wait_for "Heal"
	tmux_keys D
	tmux_wait_for "The database is locked by another process"
done
locked || fail "the lock went away during the test: $(cat "$T_TMP/lock.out")"
ok "locked: keys are still answered (events, heal queue and deploys opened three times)"

printf 'ROLLBACK;\n.quit\n' >&3
exec 3>&-
wait "$lockpid" || true
tmux_wait_for "paused" 15
case "$(tmux_screen)" in *"The database is locked"*) fail "still says locked" ;; esac
ok "the lock gone: the deploys are read, the locked line goes"

tmux_keys q
tmux_wait_dead "q did not quit"
ok "q quits"
