#!/bin/sh
# tui-actions.sh: container actions from the cockpit, against the lab.  On a
# container of lab-01, a (and F9) opens the action menu; restart, stop, start
# and remove each ask y/n naming node and container, then show in the
# engine's own event log (GET /events) and in `plantdeck audit` with who did
# it; n cancels with no engine change.  A kiosk (every key) and a --read-only
# cockpit change nothing on the engine, and say read-only; an audit trail
# that cannot be written stops the action.  The CLI twin pauses and unpauses.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

P=pa-$$
C=$P-plc
K=$P-kept
N1=$(lab_name 1)
t_on_exit "lab_rm_prefix $P"
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
ME=$(id -un)

# A short stop timeout: plc-sim ignores SIGTERM, a stop kills it after 2 s.
ldocker 1 run -d --name "$C" --stop-timeout 2 "$REG/plant/plc-sim:1" >/dev/null
ldocker 1 run -d --name "$K" --stop-timeout 2 "$REG/plant/plc-sim:1" >/dev/null

# The actions lab node 1's engine logged for container $1 from $2 to now
# (epoch seconds, with nanoseconds: an action of the second before must not
# count), space-separated; not its health check's exec_* and health_status.
engine_actions() {
	local until=$(( $(date +%s) + 1 ))
	lab_curl -s --max-time 10 "$(lab_url 1)/events?since=$2&until=$until" |
		jq -r --arg n "$1" 'select(.Type == "container" and .Actor.Attributes.name == $n and
			(.Action | test("^(exec_|health_status)") | not)) | .Action' | tr '\n' ' '
}

# Wait up to $3 s until the engine logged action $2 for container $1 since $4.
wait_engine() {
	local i=0
	while :; do
		case " $(engine_actions "$1" "$4") " in *" $2 "*) return 0 ;; esac
		i=$((i + 1))
		[ "$i" -lt "$3" ] || fail "the engine logged no '$2' for $1 since $4: $(engine_actions "$1" "$4")"
	done
}

# Select container $1 on the node screen: the filter leaves only it.
select_container() {
	tmux_keys / ; tmux_keys -l "$1"; tmux_keys Enter
	tmux_wait_for "[filter: $1]"
	tmux_wait_for " $1 " 10
}

# --- the cockpit on lab-01: restart, stop, start, cancel, remove.
tmux_start 160 40 "env TERM=xterm-256color LANG=C.UTF-8 $PLANTDECK --nodes $N1 --log $T_TMP/log"
tmux_wait_for "$N1" 10
tmux_keys Enter
tmux_wait_for "Fleet > $N1"
tmux_wait_for "a Act"
select_container "$C"

T0=$(date +%s.%N)
tmux_keys a
tmux_wait_for "restart (r)  stop (s)  start (t)  pause (p)  unpause (u)  remove (x)  Esc"
tmux_keys r
tmux_wait_for "Restart $N1/$C? [y/N]"
tmux_keys y
tmux_wait_for "$N1/$C: restart by $ME@" 40
screen=$(tmux_screen)
assert_contains "$screen" ": done"
wait_engine "$C" restart 30 "$T0"
ok "a r y: restart shown done, and the engine logged 'restart' ($(engine_actions "$C" "$T0"))"

a=$("$PLANTDECK" audit --json) || fail "audit --json failed"
echo "$a" | jq -e --arg t "node $N1 container $C" --arg me "$ME@" \
	'[.[] | select(.action == "container-restart" and .target == $t and
		(.actor | startswith($me)))] | length == 1' >/dev/null ||
	fail "the audit lacks the restart by $ME: $(echo "$a" | jq -c '[.[] | {actor, action, target}]')"
ok "audit: container-restart of $N1/$C by $ME"

T0=$(date +%s.%N)
tmux_keys F9
tmux_wait_for "remove (x)  Esc"
tmux_keys s
tmux_wait_for "Stop $N1/$C? [y/N]"
tmux_keys y
tmux_wait_for "stop by $ME@" 40
wait_engine "$C" stop 30 "$T0"
tmux_wait_for " exited " 15
[ "$(ldocker 1 inspect -f '{{.State.Status}}' "$C")" = exited ] || fail "$C is not exited after stop"
ok "F9 s y: stopped (the engine logged 'stop', the node screen shows it exited)"

T0=$(date +%s.%N)
tmux_keys a; tmux_wait_for "remove (x)  Esc"
tmux_keys t
tmux_wait_for "Start $N1/$C? [y/N]"
tmux_keys y
tmux_wait_for "start by $ME@" 40
wait_engine "$C" start 30 "$T0"
[ "$(ldocker 1 inspect -f '{{.State.Status}}' "$C")" = running ] || fail "$C is not running after start"
ok "a t y: started (the engine logged 'start')"

# n to the question, and Esc in the menu: nothing happens.
T0=$(date +%s.%N)
tmux_keys a; tmux_wait_for "remove (x)  Esc"
tmux_keys r
tmux_wait_for "Restart $N1/$C? [y/N]"
tmux_keys n
tmux_wait_for "Cancelled."
tmux_keys a; tmux_wait_for "remove (x)  Esc"
tmux_keys Escape
tmux_wait_for "Cancelled."
tmux_wait_for "Fleet > $N1"

a=$("$PLANTDECK" audit --json) || fail "audit --json failed"
for act in restart stop start; do
	echo "$a" | jq -e --arg t "node $N1 container $C" --arg k "container-$act" --arg me "$ME@" \
		'[.[] | select(.action == $k and .target == $t and (.actor | startswith($me)))] |
			length == 1' >/dev/null || fail "the audit has not exactly one $act: $(echo "$a" | jq -c \
			'[.[] | {actor, action, target}]')"
done
[ -z "$(engine_actions "$C" "$T0")" ] || fail "n and Esc changed $C: $(engine_actions "$C" "$T0")"
ok "n and Esc cancel: no engine event, no audit entry"

T0=$(date +%s.%N)
tmux_keys a; tmux_wait_for "remove (x)  Esc"
tmux_keys x
tmux_wait_for "Remove $N1/$C? It is running: it is killed first (forced), then removed. [y/N]"
tmux_keys y
tmux_wait_for "remove by $ME@" 40
wait_engine "$C" destroy 30 "$T0"
ldocker 1 inspect "$C" >/dev/null 2>&1 && fail "$C is still there after remove"
tmux_wait_for "nothing matches '$C'" 15
"$PLANTDECK" audit --json | jq -e --arg t "node $N1 container $C" \
	'[.[] | select(.action == "container-remove" and .target == $t and
		(.detail | test("forced")))] | length == 1' >/dev/null ||
	fail "the audit lacks the forced remove"
ok "a x y: the question says forced; removed (the engine logged 'destroy'); audited as forced"

# --- a read-only cockpit: the key asks nothing, the backend refuses.
tmux -L "$T_TMUX" kill-server
T0=$(date +%s.%N)
tmux_start 160 40 "env TERM=xterm-256color LANG=C.UTF-8 $PLANTDECK --read-only --nodes $N1 --log $T_TMP/log"
tmux_wait_for "$N1" 10
tmux_keys Enter
tmux_wait_for "Fleet > $N1"
select_container "$K"
tmux_keys a
tmux_wait_for "$N1/$K: container actions are refused: read-only"
screen=$(tmux_screen)
case "$screen" in *"[y/N]"*|*"remove (x)"*) fail "read-only asked or offered: $screen" ;; esac
# The menu's and the question's keys act as on any screen (r reverses the
# sort); F9 says it again.
tmux_keys r; tmux_keys y; tmux_keys x; tmux_keys y; tmux_keys F9
tmux_wait_for "$N1/$K: container actions are refused: read-only"
tmux_wait_for "READ-ONLY"

# --- a kiosk: every key feeds the exit chord; it says read-only.
tmux -L "$T_TMUX" kill-server
tmux_start 80 24 "env TERM=xterm-256color LANG=C.UTF-8 $PLANTDECK --kiosk --nodes $N1 --log $T_TMP/log"
tmux_wait_for "KIOSK" 10
tmux_wait_for "$N1" 10
for k in Enter a r y F9 s y x y t y p y Enter a x y; do tmux_keys "$k"; done
tmux_wait_for "read-only"
tmux_dead && fail "a key ended the kiosk"
[ -z "$(engine_actions "$K" "$T0")" ] || fail "read-only or kiosk changed $K: $(engine_actions "$K" "$T0")"
[ "$(ldocker 1 inspect -f '{{.State.Status}}' "$K")" = running ] || fail "$K is not running"
"$PLANTDECK" audit --json | jq -e --arg t "node $N1 container $K" \
	'[.[] | select(.target == $t)] | length == 0' >/dev/null || fail "a refused action was audited"
ok "--read-only refuses without asking, kiosk keys do nothing: 0 engine events for $K, no audit entry"

# --- the audit trail is the gate: no entry, no action.
T0=$(date +%s.%N)
out=$(PLANTDECK_DB=/proc/1/no/plantdeck.db "$PLANTDECK" --nodes "$N1" container restart "$N1/$K" 2>&1) &&
	fail "an action without an audit trail succeeded: $out"
assert_contains "$out" "not done: the audit trail cannot be written"
[ -z "$(engine_actions "$K" "$T0")" ] || fail "an unaudited action changed $K: $(engine_actions "$K" "$T0")"
ok "no audit trail, no action: $(echo "$out" | head -1)"

# --- the CLI twin.
T0=$(date +%s.%N)
out=$("$PLANTDECK" --nodes "$N1" container pause "$N1/$K") || fail "container pause: $out"
assert_contains "$out" "$N1/$K: pause by $ME"
assert_contains "$out" ": done"
wait_engine "$K" pause 30 "$T0"
out=$("$PLANTDECK" --nodes "$N1" container unpause "$N1/$K") || fail "container unpause: $out"
assert_contains "$out" "unpause by $ME"
wait_engine "$K" unpause 30 "$T0"
out=$("$PLANTDECK" --nodes "$N1" container start "$N1/$K") || fail "start of a running one: $out"
assert_contains "$out" "nothing to change"
"$PLANTDECK" --nodes "$N1" container restart "$N1/$P-nosuch" 2>"$T_TMP/err" && fail "no such container succeeded"
assert_contains "$(cat "$T_TMP/err")" "no container $P-nosuch"
"$PLANTDECK" --read-only container stop "$N1/$K" 2>"$T_TMP/err" && fail "--read-only stop succeeded"
assert_contains "$(cat "$T_TMP/err")" "refused: read-only"
ok "plantdeck container: pause, unpause, start of a running one (nothing to change), no such container, read-only"
