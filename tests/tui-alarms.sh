#!/bin/sh
# tui-alarms.sh: a crash loop (plc-sim:bad under --restart always) on lab-01
# and an OOM kill (plant/leaky under --memory 32m) on lab-02 are alarms:
# the cockpit's alarm line names both within 10 s, the worst (the OOM)
# first, and counts what does not fit at 80 columns; ! opens the node
# screen of each in turn with the culprit selected (Enter then opens that
# very container); a selected culprit keeps its alarm colour; the kiosk's
# alarm page lists both, worst first.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab

P=pdt-alarm-$$
CR=$P-crashy
LK=$P-leaky
t_on_exit "lab_rm_prefix $P"
# The cockpit and the kiosk watch these two nodes only: alarms elsewhere in
# the lab cannot crowd the line.
NODES="$(lab_name 1),$(lab_name 2)"

# Wait up to $2 seconds until line 2 (the alarm line) matches the extended
# regular expression $1; prints the milliseconds waited.
wait_alarm() {
	local re=$1 limit=$2 t0
	t0=$(now_s)
	until tmux_screen | sed -n 2p | grep -Eq -- "$re"; do
		if [ "$(ms_between "$t0" "$(now_s)")" -gt $((limit * 1000)) ]; then
			echo "--- screen ---" >&2
			tmux_screen >&2
			fail "the alarm line never matched '$re' within ${limit}s"
		fi
		sleep 0.05
	done
	ms_between "$t0" "$(now_s)"
}

tmux_start 200 50 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $PLANTDECK --nodes $NODES --log $T_TMP/log"
tmux_wait_for "$(lab_name 2)" 10
tmux_wait_for "2/2 nodes up" 10
if tmux_screen | sed -n 2p | grep -q "ALARM"; then
	fail "alarms before the test started: $(tmux_screen | sed -n 2p)"
fi
ok "cockpit on $NODES, no alarm"

ldocker 1 run -d --name "$CR" --network none --restart always "$REG/plant/plc-sim:bad" \
	>"$T_TMP/run" 2>&1 || fail "cannot start $CR on lab-01: $(cat "$T_TMP/run")"
# Killed at about 8 MiB held, within a second or two.
ldocker 2 run -d --name "$LK" --network none --memory 32m --memory-swap 32m \
	-e LEAKY_STEP_MB=2 -e LEAKY_INTERVAL=0.1 -e LEAKY_MAX_MB=24 "$REG/plant/leaky:1" \
	>"$T_TMP/run" 2>&1 || fail "cannot start $LK on lab-02: $(cat "$T_TMP/run")"

ms=$(wait_alarm "$(lab_name 1)/$CR restarting ×[0-9]+" 10)
ok "the crash loop is named in the alarm line after ${ms} ms"
ms=$(wait_alarm "$(lab_name 2)/$LK OOM" 10)
ok "the OOM kill is named in the alarm line after ${ms} ms more"
line=$(tmux_screen | sed -n 2p)
echo "$line" | grep -Eq "^ ALARM $(lab_name 2)/$LK OOM · $(lab_name 1)/$CR restarting ×[0-9]+ " ||
	fail "not worst first (the OOM, then the crash loop): $line"
ldocker 2 inspect -f '{{.State.OOMKilled}}' "$LK" | grep -q true ||
	fail "the engine does not say $LK was OOM-killed"
ok "worst first: $(echo "$line" | sed 's/  *Fleet$//')"

# At 80 columns the worst is named and the other counted.
tmux_resize 80 24
wait_alarm "^ ALARM $(lab_name 2)/$LK OOM · \+1 more" 5 >/dev/null
ok "at 80x24: $(tmux_screen | sed -n 2p | sed 's/  *Fleet$//')"
tmux_resize 200 50
# Back at 200 columns once the line names both again.
wait_alarm "$LK OOM · $(lab_name 1)/$CR restarting" 5 >/dev/null

# ! opens the worst alarm's node with its culprit selected: Enter opens it.
tmux_keys -l '!'
tmux_wait_for "Fleet > $(lab_name 2)" 5
tmux_wait_for "Alarm 1 of 2: $(lab_name 2)/$LK OOM" 5
# The culprit's row is the selected one (it starts in the selection's
# colours, where a row that is not selected starts in the default ones), and
# its OOM keeps the alarm's colour: curses changes attributes just before it.
esc=$(printf '\033')
row=$(tmux -L "$T_TMUX" capture-pane -pe | grep -F "plant/leaky" | head -n 1)
printf '%s' "$row" | grep -q "^$esc\[[0-9;]*m" ||
	fail "the culprit's row is not selected: $(printf '%s' "$row" | cat -v)"
printf '%s' "$row" | sed 's/OOM.*//' | grep -q "$esc\[[0-9;]*m\$" ||
	fail "the selected culprit's OOM is drawn in the selection's colours: $(printf '%s' "$row" | cat -v)"
tmux_keys Enter
tmux_wait_for "Fleet > $(lab_name 2) > Container" 5
tmux_screen | sed -n 3p | grep -q "^ $LK on $(lab_name 2) " ||
	fail "Enter after ! opened another container: $(tmux_screen | sed -n 3p)"
ok "! lands on $(lab_name 2) with $LK selected (its OOM still marked); Enter opens it"

# Pressed again (from the container screen), the next alarm: the crash loop.
tmux_keys -l '!'
tmux_wait_for "Alarm 2 of 2: $(lab_name 1)/$CR restarting" 5
tmux_screen | sed -n 2p | grep -q "Fleet > $(lab_name 1) *\$" ||
	fail "! did not open the node screen of $(lab_name 1): $(tmux_screen | sed -n 2p)"
tmux_keys Enter
tmux_wait_for "Fleet > $(lab_name 1) > Container" 5
tmux_screen | sed -n 3p | grep -q "^ $CR on $(lab_name 1) " ||
	fail "Enter after the second ! opened another container: $(tmux_screen | sed -n 3p)"
ok "! again lands on $(lab_name 1) with $CR selected"
tmux_keys -l '!'
tmux_wait_for "Alarm 1 of 2: $(lab_name 2)/$LK OOM" 5
ok "and again, back to the first"
tmux_keys q

# The kiosk's alarm page lists both, worst first (it rotates with the tiles
# every second: look until a capture shows the page).
tmux_start 80 24 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $PLANTDECK --nodes $NODES --kiosk --rotate 1 --log $T_TMP/log"
t0=$(now_s)
until page=$(tmux_screen) && echo "$page" | sed -n 3p | grep -q "^ ALARMS  2, worst first" &&
	echo "$page" | sed -n 4p | grep -q "^ $(lab_name 2)/$LK  OOM" &&
	echo "$page" | sed -n 5p | grep -Eq "^ $(lab_name 1)/$CR  restarting ×[0-9]+"; do
	if [ "$(ms_between "$t0" "$(now_s)")" -gt 15000 ]; then
		echo "--- screen ---" >&2
		echo "$page" >&2
		fail "the kiosk's alarm page never listed the OOM, then the crash loop"
	fi
	sleep 0.05
done
ok "kiosk alarm page: $(echo "$page" | sed -n 4p | sed 's/ *$//') / $(echo "$page" | sed -n 5p | sed 's/ *$//')"

# And the line clears when the culprits are gone.
tmux_start 200 50 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $PLANTDECK --nodes $NODES --log $T_TMP/log"
wait_alarm "$(lab_name 2)/$LK OOM · $(lab_name 1)/$CR restarting" 10 >/dev/null
lab_rm_prefix "$P"
t0=$(now_s)
while tmux_screen | sed -n 2p | grep -q "ALARM"; do
	[ "$(ms_between "$t0" "$(now_s)")" -lt 10000 ] ||
		fail "still alarms 10 s after the culprits were removed: $(tmux_screen | sed -n 2p)"
	sleep 0.05
done
ok "culprits removed: the alarm line clears after $(ms_between "$t0" "$(now_s)") ms"
