#!/bin/sh
# sanitize-hostile.sh: an engine whose names, states, error texts, logs and
# answers carry ESC and OSC sequences, C1 controls, a RIGHT-TO-LEFT
# OVERRIDE, a tag character, bytes that are not UTF-8 and numbers no
# integer holds (tests/data/hostile-engine.py: a stand-in, because a real
# engine cannot be made to send these). No raw byte of it reaches stdout,
# stderr, a JSON document, the cockpit's terminal or its log file: the
# attack shows as visible escapes. No lab.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

A=127.4.$(($$ % 200 + 1)).1 B=127.4.$(($$ % 200 + 1)).2 PORT=2375
python3 "$top_srcdir/tests/data/hostile-engine.py" "$A" "$PORT" serve >"$T_TMP/a.out" 2>&1 &
pa=$!
python3 "$top_srcdir/tests/data/hostile-engine.py" "$B" "$PORT" deny >"$T_TMP/b.out" 2>&1 &
pb=$!
t_on_exit "kill $pa $pb 2>/dev/null"
i=0
until grep -q ready "$T_TMP/a.out" && grep -q ready "$T_TMP/b.out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the stand-in engines did not start: $(cat "$T_TMP/a.out" "$T_TMP/b.out")"
	sleep 0.1
done
printf 'defaults: {insecure: true}\nnodes:\n  - name: evil\n    endpoint: tcp://%s:%s\n  - name: deny\n    endpoint: tcp://%s:%s\n' \
	"$A" "$PORT" "$B" "$PORT" >"$T_TMP/inv.yaml"
export PLANTDECK_DB="$T_TMP/pd.db"

# clean FILE WHAT: FILE is valid UTF-8 with no control character but
# newline and tab, no C1 control and no format character (bidi and the
# like); else fail naming the first offending byte.
clean() {
	python3 - "$1" "$2" <<'PY' || exit 1
import sys, unicodedata
data = open(sys.argv[1], "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("FAIL: %s: not UTF-8 at byte %d: %r" % (sys.argv[2], e.start, data[max(0, e.start - 20):e.start + 4]))
for i, ch in enumerate(text):
    cp = ord(ch)
    if (cp < 0x20 and ch not in "\n\t") or 0x7f <= cp <= 0x9f or \
       unicodedata.category(ch) in ("Cf", "Zl", "Zp"):
        sys.exit("FAIL: %s: raw U+%04X at character %d: %r" % (sys.argv[2], cp, i, text[max(0, i - 20):i + 4]))
PY
}

# status: the table and the JSON document.
"$PLANTDECK" --inventory "$T_TMP/inv.yaml" status --timeout 10 >"$T_TMP/st.out" 2>"$T_TMP/st.err" || true
clean "$T_TMP/st.out" "status stdout"
clean "$T_TMP/st.err" "status stderr"
assert_contains "$(cat "$T_TMP/st.out")" 'img\e]0;pwned\x07\e[2J\e[31m\u0~'
assert_contains "$(cat "$T_TMP/st.out" "$T_TMP/st.err")" 'denied \e]0;pwned'
ok "status: the attack is shown escaped, on stdout and stderr"

"$PLANTDECK" --inventory "$T_TMP/inv.yaml" status --json --timeout 10 >"$T_TMP/st.json" 2>"$T_TMP/stj.err" || true
clean "$T_TMP/st.json" "status --json"
clean "$T_TMP/stj.err" "status --json stderr"
python3 - "$T_TMP/st.json" <<'PY' || fail "status --json is not the document it should be"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
evil = [n for n in doc["nodes"] if n["name"] == "evil"][0]
c = evil["containers"][0]
# The same string, with what JSON escapes (\u009b, \u202e) decoded back;
# what was not UTF-8 became '?'.
assert c["image"] == "img\x1b]0;pwned\x07\x1b[2J\x1b[31m\u009b1m\u202etxt.exe\u2066\U000e0001??\x7f", c["image"]
assert c["restart_count"] == 0 and c["exit_code"] == 0, c
PY
ok "status --json: valid JSON and UTF-8, C1 and bidi as \\u escapes, numbers range-checked"

# logs and a refused action: the engine's own text on stdout and stderr.
"$PLANTDECK" --inventory "$T_TMP/inv.yaml" logs evil/evil >"$T_TMP/logs.out" 2>"$T_TMP/logs.err" || true
clean "$T_TMP/logs.out" "logs stdout"
clean "$T_TMP/logs.err" "logs stderr"
assert_contains "$(cat "$T_TMP/logs.out")" 'log \e]0;pwned'
"$PLANTDECK" --inventory "$T_TMP/inv.yaml" container restart evil/evil >"$T_TMP/act.out" \
	2>"$T_TMP/act.err" && fail "the restart the engine refused succeeded"
clean "$T_TMP/act.out" "container stdout"
clean "$T_TMP/act.err" "container stderr"
assert_contains "$(cat "$T_TMP/act.err")" 'cannot: \e]0;pwned'
ok "logs and an engine's error text: escaped"

# The cockpit: the terminal's title is never set to the node's "pwned", the
# names show escaped, and the log file is clean.
tmux_start 160 40 "$PLANTDECK" --inventory "$T_TMP/inv.yaml" --log "$T_TMP/cockpit.log"
tmux_wait_for 'deny' 10
tmux_keys End
tmux_wait_for 'pwned' 10
tmux_keys q
tmux_wait_dead "the cockpit did not quit"
title=$(tmux -L "$T_TMUX" display-message -p '#{pane_title}')
case "$title" in *pwned*) fail "the engine set the terminal's title: '$title'" ;; esac
[ -s "$T_TMP/cockpit.log" ] || fail "the cockpit logged nothing (the denying node should be there)"
clean "$T_TMP/cockpit.log" "cockpit log"
assert_contains "$(cat "$T_TMP/cockpit.log")" 'denied \e]0;pwned'
ok "cockpit: title untouched, log file clean"
