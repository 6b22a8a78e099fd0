#!/bin/sh
# tui-cockpit.sh: the cockpit against the lab, driven as a person would in
# tmux: the fleet table and tiles, node, container, events and help screens
# at 80x24 and 200x50 in UTF-8 and in ASCII; the fleet's sort and its
# indicator; stack and uptime at 200 columns; keys and mouse; a resize storm;
# log lines full of escape sequences that never reach the terminal raw.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

P=pdt-tui-$$
t_on_exit "lab_rm_prefix $P"
# A container whose log lines try to retitle the terminal, clear it, and
# ring the bell; and whose health output does the same.
ldocker 1 run -d --name "$P-evil" --label "com.docker.compose.project=tui$$" --health-cmd 'printf "\033]0;pwned-health\007ok"' \
	--health-interval 2s "$REG/plant/plc-sim:1" \
	sh -c 'while :; do printf "line \033]0;pwned-title\007 \033[2J \033[31mred\n"; sleep 1; done' >/dev/null

start() {  # start W H LANG [ARGS...]
	local w=$1 h=$2 lang=$3
	shift 3
	tmux -L "$T_TMUX" kill-server 2>/dev/null || true
	tmux_start "$w" "$h" "env TERM=xterm-256color LANG=$lang LC_ALL=$lang $PLANTDECK --log $T_TMP/log $*"
	tmux -L "$T_TMUX" pipe-pane -o "cat >> $T_TMP/raw"
	tmux_wait_for "$(lab_name 1)" 10
}

# --- UTF-8, 80x24: fleet table, tiles, node, container, events, help.
: >"$T_TMP/raw"
start 80 24 C.UTF-8
# The table shows the groups that fit: lines A and B (nodes 1-3, 4-6, then
# every third); the tiles show all 27 nodes at 80x24.
fit=$((PLANTDECK_LAB_NODES < 6 ? PLANTDECK_LAB_NODES : 6))
for i in $(seq 1 "$fit"); do tmux_wait_for "$(lab_name "$i")"; done
screen=$(tmux_screen)
assert_contains "$screen" "NODE"
assert_contains "$screen" "line A"
assert_contains "$screen" "─"
assert_contains "$screen" "F1 Help"
ok "fleet table at 80x24, UTF-8, grouped by line, the first $fit nodes listed"

tmux_keys t
tmux_wait_for "$(lab_name 2)       $(lab_name 3)"
for i in $(seq 1 "$PLANTDECK_LAB_NODES"); do tmux_wait_for "$(lab_name "$i")"; done
ok "tile view: all $PLANTDECK_LAB_NODES nodes at 80x24"
tmux_keys t

# s sorts the fleet table; the sorted column's header says how; r reverses.
tmux_keys s
tmux_wait_for " NODE▲ "
tmux_keys s
tmux_wait_for " STATE▼ "
tmux_keys r
tmux_wait_for " STATE▲ "
tmux_keys r s s s s   # back to inventory order, no indicator
i=0
until tmux_screen | sed -n 3p | grep -q "^ NODE           STATE  SEEN " &&
	! tmux_screen | sed -n 3p | grep -q -e "▲" -e "▼"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "still sorted: $(tmux_screen | sed -n 3p)"
	sleep 0.05
done
ok "fleet sort: NODE▲, STATE▼, reversed STATE▲, back to inventory order"

tmux_keys Enter
tmux_wait_for "Fleet > $(lab_name 1)"
tmux_wait_for "$P-evil"
tmux_wait_for "engine 20."
ok "node view: containers and engine facts"

# Select the evil container (filter to it) and open it.
tmux_keys / ; tmux_keys -l "$P-evil"; tmux_keys Enter
tmux_wait_for "[filter: $P-evil]"
tmux_keys Enter
tmux_wait_for "Last log lines"
tmux_wait_for 'line \e]0;pwned-title\x07 \e[2J \e[31mred' 10
tmux_wait_for 'exit 0  \e]0;pwned-health\x07ok' 15
ok "container view: escapes in log lines and health output shown as text"

tmux_keys e
tmux_wait_for "TIME     NODE"
# Newest first: the 27 nodes' "up" lines can fill the screen above the
# container's own events, so filter to it (and Esc clears the filter).
tmux_keys / ; tmux_keys -l "container:$P-evil"; tmux_keys Enter
tmux_wait_for "[filter: container:"   # cut at 80 columns
i=0
until tmux_screen | grep -Eq "^ [0-9:]+ +lab-01 +$P-evil "; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { tmux_screen >&2; fail "no event line of $P-evil under the filter"; }
	sleep 0.1
done
tmux_keys Escape
tmux_wait_for "TIME     NODE"
ok "events view"
tmux_keys F1
tmux_wait_for "Keys on this screen"
tmux_keys x
# Events, container, node; there the first Esc clears the kept filter.
tmux_keys Escape Escape Escape
tmux_wait_for "Fleet > $(lab_name 1)"
tmux_keys Escape
tmux_wait_for "F1 Help  Enter Open  / Filter  t Tiles"
ok "help overlay, back to the fleet with Esc (the node's filter cleared on the way)"

if grep -q "pwned" "$T_TMP/raw"; then
	# The word may appear, but only as visible text, never after ESC ].
	if grep -aq "$(printf '\033]0;pwned')" "$T_TMP/raw"; then
		fail "the raw terminal output contains ESC ]0;pwned: a node's escape reached the terminal"
	fi
fi
grep -aq "$(printf '\033]')" "$T_TMP/raw" && fail "an OSC sequence reached the terminal"
grep -aq "$(printf '\007')" "$T_TMP/raw" && fail "a BEL from a node reached the terminal"
ok "raw pty output: no OSC, no BEL from node data ($(wc -c <"$T_TMP/raw") bytes checked)"

# --- / on the fleet finds a node by a container's name, says so, and the
# node screen opened from that match selects the container: Enter opens it.
tmux_keys / ; tmux_keys -l "$P-evil"; tmux_keys Enter
tmux_wait_for "1 node: container $P-evil matches"
tmux_keys Enter
tmux_wait_for "Fleet > $(lab_name 1)"
tmux_keys Enter
tmux_wait_for "Fleet > $(lab_name 1) > Container"
tmux_wait_for "Last log lines"
tmux_screen | grep -q "$P-evil" || fail "Enter on the node opened another container than $P-evil"
tmux_keys Escape Escape Escape
tmux_wait_for "t Tiles"
i=0
while tmux_screen | grep -qF "[filter: $P-evil]"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "Esc did not clear the fleet's filter"
	sleep 0.05
done
ok "fleet filter by a container's name: '1 node: container $P-evil matches', the node opens on it"

# --- mouse: click a node row to select it, click again to open it.
tmux_keys -l "$(printf '\033[<0;5;6M\033[<0;5;6m')"
sleep 0.2
tmux_keys -l "$(printf '\033[<0;5;6M\033[<0;5;6m')"
tmux_wait_for "Fleet > $(lab_name 2)"
tmux_keys -l "$(printf '\033[<65;5;8M')"
tmux_keys Escape
tmux_wait_for "t Tiles"
ok "mouse: click selects, second click opens, wheel scrolls"

# --- resize storm, then the layout is right for the last size.
for s in "100 30" "60 10" "200 50" "81 25" "120 40" "79 23" "200 50"; do
	# shellcheck disable=SC2086
	tmux_resize $s
done
tmux_wait_for "LABELS"
[ "$(tmux_screen | wc -l)" -ge 50 ] || fail "screen did not grow to 50 lines"
tmux_dead && fail "the cockpit died in the resize storm"
tmux_resize 60 10
tmux_wait_for "Terminal too small: 60x10"
tmux_wait_for "need 80x24"
tmux_resize 200 50
tmux_wait_for "LABELS"
ok "resize storm: relayouts, says when too small"

# --- 200x50 node view in UTF-8 shows the image, stack and uptime columns too.
# g: the first line, line A's summary row; j: its first node.
tmux_keys g j Enter
tmux_wait_for "Fleet > $(lab_name 1)"
tmux_wait_for "IMAGE"
tmux_wait_for "UPTIME"
i=0
until tmux_screen | grep -Eq "^ $P-evil +[^ ]+ +tui$$ +running +[0-9]+[smhd] "; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "no stack and uptime on $P-evil's row: $(tmux_screen | grep "$P-evil")"
	sleep 0.05
done
tmux_keys q
tmux_wait_dead "q did not quit"
ok "200x50 node view: image, stack, uptime; q quits"

# --- ASCII: LANG=C and --ascii draw no byte above 0x7f.
for mode in "C" "C.UTF-8 --ascii"; do
	set -- $mode
	lang=$1
	shift
	: >"$T_TMP/raw"
	start 80 24 "$lang" "$@"
	tmux_keys Enter
	tmux_wait_for "Fleet > $(lab_name 1)"
	tmux_keys Escape t
	sleep 0.5
	if LC_ALL=C grep -aq "$(printf '[\200-\377]')" "$T_TMP/raw"; then
		fail "LANG=$lang $*: non-ASCII bytes in the output"
	fi
	assert_contains "$(tmux_screen)" "---"
	ok "LANG=$lang $*: ASCII only ($(wc -c <"$T_TMP/raw") bytes)"
done

# --- other terminals start and draw.
for term in xterm screen tmux-256color linux vt100; do
	tmux -L "$T_TMUX" kill-server 2>/dev/null || true
	tmux_start 80 24 "env TERM=$term LANG=C.UTF-8 $PLANTDECK --log $T_TMP/log"
	tmux_wait_for "$(lab_name 1)" 10
	tmux_keys q
done
ok "TERM xterm, screen, tmux-256color, linux, vt100"
