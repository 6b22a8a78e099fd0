#!/bin/sh
# tui-smoke.sh: the cockpit starts in a real terminal (tmux), shows the
# version, relayouts on resize, says when the terminal is too small, and
# quits on q; in kiosk mode q does not quit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

version=$("$PLANTDECK" --version | cut -d' ' -f2)

tmux_start 80 24 "env TERM=xterm-256color LANG=C.UTF-8 $PLANTDECK --log $T_TMP/log"
tmux_wait_for "plantdeck $version"
tmux_wait_for "Terminal 80x24"
ok "first frame at 80x24"

tmux_resize 120 40
tmux_wait_for "Terminal 120x40"
tmux_resize 30 8
tmux_wait_for "Terminal too small: 30x8"
for size in "100 30" "60 20" "132 43" "81 25"; do
	# shellcheck disable=SC2086
	tmux_resize $size
done
tmux_wait_for "Terminal 81x25"
ok "resize relayouts"

tmux_keys q
i=0
until tmux_dead; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "q did not quit"
	sleep 0.05
done
ok "q quits"

tmux -L "$T_TMUX" kill-server
tmux_start 80 24 "env TERM=vt100 LANG=C $PLANTDECK --kiosk"
tmux_wait_for "[KIOSK]"
tmux_keys q
sleep 0.3
tmux_dead && fail "q left kiosk mode"
tmux_wait_for "read-only"
ok "kiosk ignores q"
