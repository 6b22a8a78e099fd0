#!/bin/sh
# tui-fleet-groups.sh: the fleet screen of a 270-node plant in tmux, no lab.
#
# 270 nodes that never answer (tcp://127.0.0.1:9), 10 lines of 3 cells of 9,
# at 200x50 under LANG=C: the table starts with every line folded to its
# summary row; Enter opens a line and folds it again, h folds the line of a
# node, + opens all and - folds all; b groups by cell (folded too); ! goes
# to the first alarm's node and, back on the fleet, its line is open with
# that node selected (Enter opens it); a filter opens the groups of its
# matches and says how many matched.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
{
	echo "site: plant270"
	echo "defaults: {tls: true}"   # TLS, as a plant's nodes (plaintext would be refused)
	echo "nodes:"
	for l in 01 02 03 04 05 06 07 08 09 10; do
		for c in 1 2 3; do
			for m in 1 2 3 4 5 6 7 8 9; do
				printf '  - name: L%s-%s-m0%s\n    endpoint: tcp://127.0.0.1:9\n' "$l" "$c" "$m"
				printf '    labels: {line: L%s, cell: "%s"}\n' "$l" "$c"
			done
		done
	done
} >"$T_TMP/inv.yaml"

# Wait up to 5 s until the screen no longer contains $1.
wait_gone() {
	local i=0
	while tmux_screen | grep -qF -- "$1"; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || { tmux_screen >&2; fail "the screen still shows '$1'"; }
		sleep 0.05
	done
}

# A node's row in the table (its name at column 1), as a pattern.
row() { printf ' %s      down ' "$1"; }

tmux_start 200 50 "env TZ=UTC TERM=xterm-256color LANG=C LC_ALL=C $PLANTDECK --inventory $T_TMP/inv.yaml --log $T_TMP/log"
tmux_wait_for "+ line L10" 10
tmux_wait_for "0/27 nodes up  0/0 containers running  27 alarms" 10
case "$(tmux_screen)" in *"$(row L01-1-m01)"*) fail "a node row under folded lines" ;; esac
[ "$(tmux_screen | grep -c '^+ line L')" = 10 ] || fail "not 10 folded lines: $(tmux_screen)"
ok "270 nodes at 200x50: the table starts with its 10 lines folded, worst state and counts on each"

# Enter on the first summary row opens line L01; Enter again folds it.
tmux_keys Enter
tmux_wait_for "$(row L01-3-m09)"
tmux_wait_for "- line L01"
tmux_keys Enter
wait_gone "$(row L01-1-m01)"
tmux_wait_for "+ line L01"
ok "Enter on a line's summary row opens it (27 node rows), Enter again folds it"

# Open it, go down to a node, h folds its line (the selection on the summary).
tmux_keys Enter j j h
wait_gone "$(row L01-1-m01)"
tmux_keys l
tmux_wait_for "$(row L01-1-m01)"
ok "h on a node folds its line, l opens it again"

# + opens every line (End shows the last node), - folds them all.
tmux_keys + G
tmux_wait_for "$(row L10-3-m09)"
tmux_keys -
wait_gone "$(row L10-3-m09)"
tmux_keys g
tmux_wait_for "+ line L01"
[ "$(tmux_screen | grep -c '^+ line L')" = 10 ] || fail "- did not fold all 10 lines"
ok "+ opens every line, - folds them all"

# b groups by cell: 3 groups of 90, folded as well.
tmux_keys b
tmux_wait_for "+ cell 3"
tmux_wait_for "0/90 nodes up  0/0 containers running  90 alarms"
tmux_keys b b
tmux_wait_for "+ line L01"
ok "b: by cell, three folded groups of 90; b b back to lines"

# ! goes to the first alarm's node (L01-1-m01 DOWN, the first by name);
# again to the second; back on the fleet, L01 is open with it selected.
tmux_keys !
tmux_wait_for "Fleet > L01-1-m01"
tmux_keys !
tmux_wait_for "Fleet > L01-1-m02"
tmux_keys h
tmux_wait_for "$(row L01-1-m02)"
tmux_wait_for "+ line L02"
tmux_keys Enter
tmux_wait_for "Fleet > L01-1-m02"
tmux_keys h
ok "! into a folded line: back on the fleet the line is open, the culprit selected"

# A filter opens the groups of its matches and says what matched; Enter
# opens the first match.
tmux_keys /
tmux_keys -l "L07-3"
tmux_keys Enter
tmux_wait_for "9 nodes match"
tmux_wait_for "$(row L07-3-m01)"
tmux_keys Enter
tmux_wait_for "Fleet > L07-3-m01"
tmux_keys h Escape
tmux_wait_for "+ line L07"
ok "a filter: its line open, '9 nodes match', Enter opens the first match"
tmux_keys q
