#!/bin/sh
# tui-smoke.sh: the cockpit without the lab: it starts in a real terminal
# (tmux) on a one-node inventory whose node refuses, shows it down with the
# reason, relayouts on resize, says when the terminal is too small, takes
# themes by name (from the build tree, PLANTDECK_THEMEDIR unset), says where
# it looked for an unknown one, refuses a bad theme file with its line, and
# quits on q; in kiosk mode q does not quit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

version=$("$PLANTDECK" --version | cut -d' ' -f2)
printf 'site: smoke\nnodes:\n  - name: press-09\n    endpoint: tcp://127.0.0.1:9\n    tls: true\n    labels: {line: Z}\n' \
	>"$T_TMP/inv.yaml"
PD="$PLANTDECK --inventory $T_TMP/inv.yaml --log $T_TMP/log"

tmux_start 80 24 "env TERM=xterm-256color LANG=C.UTF-8 $PD"
tmux_wait_for "plantdeck $version"
tmux_wait_for "press-09"
tmux_wait_for "ALARM press-09 DOWN"
ok "first frame at 80x24: the refusing node is down, the alarm line names it"

tmux_resize 120 40
tmux_wait_for "LABELS"
tmux_resize 30 8
tmux_wait_for "Terminal too small: 30x8"
tmux_wait_for "need 80x24"
for size in "100 30" "60 20" "132 43" "81 25"; do
	# shellcheck disable=SC2086
	tmux_resize $size
done
tmux_wait_for "line=Z"
ok "resize relayouts"

tmux_keys Enter
tmux_wait_for "STALE: last answer"
tmux_wait_for "press-09: GET /_ping: "
ok "node view says why the node is stale"

tmux_keys q
tmux_wait_dead "q did not quit"
ok "q quits"

# By name from the build tree, nothing installed and PLANTDECK_THEMEDIR unset:
# the binary finds its source tree's themes/.
for theme in default light high-contrast monochrome colorblind; do
	tmux -L "$T_TMUX" kill-server
	tmux_start 80 24 "env -u PLANTDECK_THEMEDIR TERM=xterm-256color LANG=C.UTF-8 $PD --theme $theme"
	tmux_wait_for "press-09"
done
ok "every shipped theme starts by name from the build tree, PLANTDECK_THEMEDIR unset"

set +e
err=$(env -u PLANTDECK_THEMEDIR script -qec "$PD --theme nosuch" /dev/null </dev/null 2>&1)
set -e
assert_contains "$err" "theme 'nosuch' not found (looked in: $(cd "$top_srcdir/themes" && pwd -P), "
ok "an unknown theme: the error lists where it looked, the source tree's themes/ first"

printf 'name = broken\nok = green on\n' >"$T_TMP/bad.theme"
set +e
err=$(script -qec "$PD --theme $T_TMP/bad.theme" /dev/null </dev/null 2>&1); rc=$?
set -e
assert_contains "$err" "bad.theme:2: missing colour after 'on'"
ok "a bad theme file is refused with its line"

tmux -L "$T_TMUX" kill-server
tmux_start 80 24 "env TERM=vt100 LANG=C $PD --kiosk"
tmux_wait_for "KIOSK"
tmux_keys q C-c F10
sleep 0.3
tmux_dead && fail "q left kiosk mode"
tmux_wait_for "read-only"
ok "kiosk ignores q, ^C and F10"

# The inventory's kiosk exit chord ends the kiosk; nothing else does.
printf 'site: smoke\nkiosk:\n  exit_chord: "C-x C-q"\nnodes:\n  - name: press-09\n    endpoint: tcp://127.0.0.1:9\n    tls: true\n' \
	>"$T_TMP/chord.yaml"
tmux_start 80 24 "env TERM=xterm-256color LANG=C.UTF-8 $PLANTDECK --inventory $T_TMP/chord.yaml --kiosk --log $T_TMP/log"
tmux_wait_for "KIOSK"
tmux_keys C-x q C-q C-c
sleep 0.3
tmux_dead && fail "a wrong chord left the kiosk"
tmux_keys C-x C-q
tmux_wait_dead "the exit chord did not end the kiosk"
ok "kiosk: only the inventory's exit chord ends it"

printf 'kiosk:\n  exit_chord: "C-x Esc"\nnodes:\n  - name: a\n    endpoint: tcp://127.0.0.1:9\n' >"$T_TMP/badchord.yaml"
set +e
err=$("$PLANTDECK" status --inventory "$T_TMP/badchord.yaml" 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 2 ] || fail "bad chord: exit $rc"
assert_contains "$err" "badchord.yaml:2:15: exit_chord: bad key 'Esc'"
ok "a bad chord is an inventory error with its place"
