#!/bin/sh
# tui-prompts.sh: the cockpit's prompts, keys and mouse, typed in tmux as a
# person would, on a plant whose nodes never answer (no lab needed): a kept
# path or filter is replaced by what is typed, not appended to; Tab
# completes a stack file's path; Esc clears a kept filter before it goes
# back; a filter that hides everything says so; h goes back where l opens;
# a SGR mouse click selects a row under TERM=tmux-256color (whose terminfo
# names the X10 protocol); the help overlay lists a screen's own keys only.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
cat >"$T_TMP/inv.yaml" <<'INV'
site: prompts
defaults: {tls: true}   # TLS, as a plant's nodes (plaintext would be refused)
nodes:
  - name: press-01
    endpoint: tcp://127.0.0.1:9
    labels: {line: A}
  - name: press-02
    endpoint: tcp://127.0.0.1:9
    labels: {line: A}
  - name: weld-01
    endpoint: tcp://127.0.0.1:9
    labels: {line: B}
INV
# Stack files to complete: one unique name, two that share a prefix, a directory.
D=$T_TMP/st
mkdir -p "$D/sub$$"
: >"$D/plc-uniq$$.yaml"
: >"$D/cell$$-a.yaml"
: >"$D/cell$$-b.yaml"

# Wait up to $2 seconds (default 5) until the screen no longer contains $1.
wait_gone() {
	local gone=$1 limit=${2:-5} i=0
	while [ "$i" -lt $((limit * 20)) ]; do
		case "$(tmux_screen)" in *"$gone"*) ;; *) return 0 ;; esac
		sleep 0.05
		i=$((i + 1))
	done
	tmux_screen >&2
	fail "the screen still shows '$gone' after ${limit}s"
}

# Fail when the screen shows $1 (the help overlay, $2 says which).
refute_screen() {
	case "$(tmux_screen)" in *"$1"*) tmux_screen >&2; fail "$2 shows '$1'" ;; esac
}

tmux_start 200 40 "env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $PLANTDECK --inventory $T_TMP/inv.yaml --log $T_TMP/log"
tmux_wait_for "weld-01" 10

# --- help: the fleet's own keys; at the root no "back".
tmux_keys F1
tmux_wait_for "Keys on this screen"
tmux_wait_for "t                table / tiles"
tmux_wait_for "/, F3            filter"
tmux_wait_for "Enter, l, Right  open"
refute_screen "Esc, h, Left" "the fleet's help"
tmux_keys x
wait_gone "Keys on this screen"
ok "fleet help: its keys, filter and open, no back at the root"

# --- a SGR click (ESC [ < 0 ; x ; y M) on weld-01's row selects it.
row=$(tmux_screen | grep -n '^ weld-01 ' | cut -d: -f1)
[ -n "$row" ] || fail "no weld-01 row"
tmux_keys -l "$(printf '\033[<0;5;%dM\033[<0;5;%dm' "$row" "$row")"
tmux_keys Enter
tmux_wait_for "Fleet > weld-01"
ok "TERM=tmux-256color: a SGR click selected weld-01 (row $row), Enter opened it"

# --- h goes back where l opens.
tmux_keys h
wait_gone "Fleet > weld-01"
tmux_wait_for "t Tiles"
tmux_keys l
tmux_wait_for "Fleet > weld-01"
tmux_keys h
wait_gone "Fleet > weld-01"
ok "h back to the fleet, l opens weld-01 again, h back"

# --- Events: a kept filter is replaced, not appended to; nothing matches.
tmux_keys e
tmux_wait_for "TIME     NODE"
tmux_wait_for " down "
tmux_keys /
tmux_wait_for "Enter keep  Esc clear  ^U clear"
tmux_keys -l "node:press"
tmux_keys Enter
tmux_wait_for "[filter: node:press]"
tmux_keys /
tmux_wait_for "Filter: node:press"
tmux_keys -l "zz$$"
tmux_keys Enter
tmux_wait_for "nothing matches 'zz$$'"
tmux_wait_for "Esc clears"
refute_screen "No events yet." "a filtered empty events list"
ok "events: / then typing replaced the kept filter; 'nothing matches' when it hides all"

# Help here: the events' filter words; nothing opens, so no Enter.
tmux_keys F1
tmux_wait_for "filter words     node:NAME"
refute_screen "Enter, l, Right" "the events' help"
tmux_keys x
wait_gone "Keys on this screen"

# Esc clears the kept filter first, the next one goes back.
tmux_keys Escape
wait_gone "[filter:"
tmux_wait_for " down "
tmux_wait_for "Fleet > Events"
tmux_keys Escape
wait_gone "Fleet > Events"
ok "events help without Enter; Esc cleared the filter, a second Esc went back"

# --- the stack-file prompt: Tab completes, a kept path is replaced.
tmux_keys D
tmux_wait_for "Fleet > Deploys"
tmux_keys n
tmux_wait_for "Enter ok  Tab complete  Esc cancel  ^U clear"
tmux_keys -l "$D/plc-u"
tmux_keys Tab
tmux_wait_for "Stack file: $D/plc-uniq$$.yaml_"
tmux_keys C-u
tmux_keys -l "$D/ce"
tmux_keys Tab
tmux_wait_for "Stack file: $D/cell$$-_"
tmux_keys Tab
tmux_wait_for "cell$$-a.yaml  cell$$-b.yaml"
tmux_keys C-u
tmux_keys -l "$D/su"
tmux_keys Tab
tmux_wait_for "Stack file: $D/sub$$/_"
ok "Tab: a unique name completed, a shared prefix, then a list, a directory with '/'"

tmux_keys C-u
tmux_keys -l "$D/plc-uniq$$.yaml"
tmux_keys Enter
tmux_wait_for "Nodes (selector, empty: all): "
tmux_keys Enter
tmux_wait_for "Stack file $D/plc-uniq$$.yaml "
tmux_wait_for "Fleet > Deploys > New deploy"
# Help on the plan: it has no filter.
tmux_keys F1
tmux_wait_for "Keys on this screen"
refute_screen "/, F3" "the plan's help"
tmux_keys x
wait_gone "Keys on this screen"
# n again: the last path is there, selected; typing replaces it.
tmux_keys n
tmux_wait_for "Stack file: $D/plc-uniq$$.yaml"
tmux_keys -l "$D/cell$$-a.yaml"
tmux_keys Enter
tmux_wait_for "Nodes (selector, empty: all): "
tmux_keys Enter
tmux_wait_for "Stack file $D/cell$$-a.yaml "
refute_screen "plc-uniq$$.yaml$D" "the plan after a second path"
ok "the deploy prompt: the kept path was replaced by the typed one; the plan's help has no filter"

tmux_keys q
tmux_wait_dead "q did not quit"
ok "q quits"
