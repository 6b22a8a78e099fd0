#!/bin/sh
# tui-logs.sh: the log viewer, against the lab.  A container of lab-01 prints
# a line a second on stdout, every fourth one on stderr too, and an escape
# sequence once.  From the container screen, L opens the viewer: new lines
# arrive while it follows, stderr lines carry the E mark, the escape shows
# as text; / finds a word (the match line selected with >, the word
# highlighted), n moves on, a word nowhere says so; s 3 starts from the
# last 3 lines, t hides the times; after a restart it streams on; Esc goes
# back and the stream's thread is gone.  Then the CLI twin, plantdeck logs.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab

P=pl-$$
C=$P-talk
N1=$(lab_name 1)
t_on_exit "lab_rm_prefix $P"

# No health check: the script replaces plc-sim's loop, which the check watches.
ldocker 1 run -d --name "$C" --no-healthcheck "$REG/plant/plc-sim:1" sh -c '
	printf "evil \033[31mred\033]0;pwn\007 end\n"
	i=0
	while :; do
		i=$((i + 1))
		echo "tick $i"
		[ $((i % 4)) = 2 ] && echo "oops-$i went wrong" >&2
		sleep 1
	done' >/dev/null

# The highest tick on the screen.
last_tick() { tmux_screen | sed -n 's/.* tick \([0-9][0-9]*\)$/\1/p' | sort -n | tail -1; }
# The threads of the cockpit's process.
threads() { awk '/^Threads:/ { print $2 }' "/proc/$PID/status"; }

tmux_start 120 30 "env TERM=xterm-256color LANG=C.UTF-8 $PLANTDECK --nodes $N1 --log $T_TMP/log"
tmux_wait_for "$N1" 10
PID=$(tmux -L "$T_TMUX" display-message -p '#{pane_pid}')
tmux_keys Enter
tmux_wait_for "Fleet > $N1"
tmux_keys / ; tmux_keys -l "$C"; tmux_keys Enter
tmux_wait_for "[filter: $C]"
tmux_wait_for " $C " 10
tmux_keys Enter
tmux_wait_for "L Logs"
T_BEFORE=$(threads)

# --- L: following, new lines arrive.
tmux_keys L
tmux_wait_for "$C on $N1   "
tmux_wait_for "   FOLLOWING   "
tmux_wait_for " tick 2" 10
n=$(last_tick)
tmux_wait_for " tick $((n + 2))" 10
ok "L opens the viewer, following: tick $n, then tick $((n + 2)) arrived"
tmux_wait_for " oops-2 went wrong" 10
tmux_screen | grep -Eq '^ E [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} oops-2 went wrong' ||
	fail "the stderr line is not marked E with its time: $(tmux_screen | grep oops-)"
tmux_screen | grep -Eq '^   [0-9:.]{12} tick 1$' || fail "a stdout line is marked: $(tmux_screen | grep 'tick 1$')"
assert_contains "$(tmux_screen)" 'evil \e[31mred\e]0;pwn\x07 end'
ok "stderr lines marked E, stdout lines not; the escape sequence shown as text"

# --- / finds a word, n moves on, nothing matches.
tmux_wait_for " oops-6 went wrong" 10
tmux_keys / ; tmux_keys -l oops; tmux_keys Enter
tmux_wait_for "paused (f follows)"
sel=$(tmux_screen | grep -E '^>E ' || true)
case "$sel" in *oops-*" went wrong"*) ;; *) fail "no match line selected: $(tmux_screen)" ;; esac
tmux -L "$T_TMUX" capture-pane -pe | grep "went wrong" | grep -q "$(printf '\033')\[[0-9;]*moops" ||
	fail "the match is not highlighted"
tmux_keys n
i=0
while sel2=$(tmux_screen | grep -E '^>E ' || true); [ "$sel2" = "$sel" ]; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "n did not move to the next match: $sel2"
	sleep 0.1
done
case "$sel2" in *oops-*" went wrong"*) ;; *) fail "n selected no match: $(tmux_screen)" ;; esac
ok "/oops selects and highlights a match ($(echo "$sel" | sed 's/^>E //')), n the next ($(echo "$sel2" | sed 's/^>E //'))"
tmux_keys / ; tmux_keys -l "zz-$P"; tmux_keys Enter
tmux_wait_for "Nothing matches \"zz-$P\"."
ok "a word nowhere: Nothing matches"

# --- s 3: the last 3 lines, following again; t hides the times.
tmux_keys Escape s
tmux_wait_for "From (10m, 2h, 1d back; 500 last lines; all):"
tmux_keys -l 3; tmux_keys Enter
tmux_wait_for "FOLLOWING   "
tmux_wait_for "lines   last 3"
case "$(tmux_screen)" in *"evil "*) fail "s 3 still shows the first line" ;; esac
tmux_keys t
tmux_wait_for "   tick "
tmux_screen | grep -Eq '^   tick [0-9]+$' || fail "t did not hide the times: $(tmux_screen | grep tick | head -2)"
ok "s 3 streams from the last 3 lines, t hides the times"

# --- a restart ends the engine's stream; the viewer resumes when it runs.
ldocker 1 restart -t 0 "$C" >/dev/null
tmux_wait_for "   evil \\e[31mred" 15
tmux_wait_for "FOLLOWING   "
ok "after a restart the viewer streams on: the new first line arrived"

# --- Esc: back, and the stream's thread ended.
tmux_keys Escape
tmux_wait_for "L Logs"
i=0
while [ "$(threads)" != "$T_BEFORE" ]; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "threads before the viewer $T_BEFORE, after it $(threads)"
	sleep 0.1
done
ok "Esc goes back; the stream's thread is gone ($T_BEFORE threads)"
tmux_keys q

# --- the CLI twin.
out=$("$PLANTDECK" --read-only --nodes "$N1" logs "$N1/$C" --tail 2 2>&1) || fail "plantdeck logs: $out"
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "--tail 2 printed: $out"
out=$("$PLANTDECK" --nodes "$N1" logs "$N1/$C" --tail all --timestamps 2>/dev/null | head -1)
case "$out" in 20*Z" evil \\e[31mred\\e]0;pwn\\x07 end") ;; *) fail "first line: $out" ;; esac
"$PLANTDECK" --nodes "$N1" logs "$N1/$P-nosuch" 2>"$T_TMP/err" && fail "no such container succeeded"
assert_contains "$(cat "$T_TMP/err")" "$N1: logs of $P-nosuch"
ok "plantdeck logs: --tail (under --read-only), --timestamps sanitised, no such container"
