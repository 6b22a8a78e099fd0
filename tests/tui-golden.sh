#!/bin/sh
# tui-golden.sh: golden screens of the cockpit, compared with capture-pane.
#
# A plant whose three nodes never answer (ports nothing listens on) makes
# every screen deterministic but the clock and event times, which are masked.
# Screens: fleet table, fleet tiles, node, events, help, the kiosk; at 80x24 and 200x50;
# in UTF-8 and in ASCII (LANG=C).  Then a plant of 270 nodes (10 lines of 3
# cells of 9) at 200x50: the table of folded lines, the compact tiles, the
# kiosk, a filter's table.  Regenerate after an intended change with
#   GENERATE=1 make check TESTS=tests/tui-golden.sh
# and read the diff of tests/golden/ before committing it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

G=$top_srcdir/tests/golden
# A database of its own: deploys elsewhere would show in the header.
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
cat >"$T_TMP/inv.yaml" <<'INV'
site: golden
defaults: {tls: true}   # TLS, as a plant's nodes (plaintext would be refused)
nodes:
  - name: press-01
    endpoint: tcp://127.0.0.1:9
    labels: {line: A, cell: "1"}
  - name: press-02
    endpoint: tcp://127.0.0.1:9
    labels: {line: A, cell: "2"}
  - name: weld-01
    endpoint: tcp://127.0.0.1:9
    labels: {line: B, cell: "1"}
INV

# Mask what changes from run to run: the clock and event times (TZ=UTC:
# the clock names its zone).
mask() { sed -e 's/[0-9][0-9]:[0-9][0-9]:[0-9][0-9]/HH:MM:SS/g' -e 's/ *$//'; }

# Compare the screen with golden file $1 (or write it under GENERATE=1).
golden() {
	local name=$1 want=$G/$1.txt i=0
	tmux_screen | mask >"$T_TMP/got"
	if [ -n "${GENERATE:-}" ]; then
		cp "$T_TMP/got" "$want"
		ok "generated $name"
		return
	fi
	[ -f "$want" ] || fail "no golden file $want (run with GENERATE=1)"
	# The screen may still be settling: retry for a moment before failing.
	while ! cmp -s "$T_TMP/got" "$want"; do
		i=$((i + 1))
		if [ "$i" -gt 40 ]; then
			diff -u "$want" "$T_TMP/got" >&2 || true
			fail "$name differs from its golden file"
		fi
		sleep 0.05
		tmux_screen | mask >"$T_TMP/got"
	done
	ok "$name"
}

for size in 80x24 200x50; do
	w=${size%x*}
	h=${size#*x}
	for enc in utf8 ascii; do
		lang=C.UTF-8
		[ "$enc" = utf8 ] || lang=C
		tmux_start "$w" "$h" "env TZ=UTC TERM=xterm-256color LANG=$lang LC_ALL=$lang $PLANTDECK --inventory $T_TMP/inv.yaml --log $T_TMP/log"
		tmux_wait_for "weld-01" 10
		tmux_wait_for "ALARM press-01 DOWN" 10
		golden "fleet-$size-$enc"
		tmux_keys t
		tmux_wait_for "DOWN"
		golden "tiles-$size-$enc"
		tmux_keys t Enter
		tmux_wait_for "STALE: last answer"
		golden "node-$size-$enc"
		tmux_keys BSpace e / ; tmux_keys -l "node:weld"; tmux_keys Enter
		tmux_wait_for "TIME     NODE"
		tmux_wait_for "[filter: node:weld]"
		golden "events-$size-$enc"
		tmux_keys BSpace BSpace F1
		tmux_wait_for "Keys on this screen"
		golden "help-$size-$enc"
		tmux_keys x q
		# The kiosk: tiles as large as the screen allows, no selection.
		tmux_start "$w" "$h" "env TZ=UTC TERM=xterm-256color LANG=$lang LC_ALL=$lang $PLANTDECK --kiosk --inventory $T_TMP/inv.yaml --log $T_TMP/log"
		tmux_wait_for "weld-01" 10
		tmux_wait_for "ALARM press-01 DOWN" 10
		tmux_wait_for "never answered" 10
		golden "kiosk-$size-$enc"
	done
done

# 270 nodes, grouped by line: the table starts folded (270 rows do not fit),
# the tiles are compact ones that all fit, and so are the kiosk's.
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
} >"$T_TMP/inv270.yaml"
for enc in utf8 ascii; do
	lang=C.UTF-8
	[ "$enc" = utf8 ] || lang=C
	tmux_start 200 50 "env TZ=UTC TERM=xterm-256color LANG=$lang LC_ALL=$lang $PLANTDECK --inventory $T_TMP/inv270.yaml --log $T_TMP/log"
	tmux_wait_for "line L10" 10
	tmux_wait_for "0/27 nodes up  0/0 containers running  27 alarms" 10
	golden "fleet270-200x50-$enc"
	tmux_keys t
	tmux_wait_for "L10-3-m09"
	golden "tiles270-200x50-$enc"
	tmux_keys t /
	tmux_keys -l "L05-2"
	tmux_keys Enter
	tmux_wait_for "9 nodes match"
	golden "filter270-200x50-$enc"
	tmux_keys x q
	tmux_start 200 50 "env TZ=UTC TERM=xterm-256color LANG=$lang LC_ALL=$lang $PLANTDECK --kiosk --inventory $T_TMP/inv270.yaml --log $T_TMP/log"
	tmux_wait_for "L10-3-m09" 10
	tmux_wait_for "0/27 nodes up  0/0 containers running  27 alarms" 10
	golden "kiosk270-200x50-$enc"
done
