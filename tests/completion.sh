#!/bin/sh
# completion.sh: the bash completion (dist/bash-completion/plantdeck, made by
# make from its .in), no lab.  Sourced with bash-completion's helpers, its
# function is called with prepared COMP_WORDS/COMP_CWORD, and COMPREPLY is
# checked: a command, a command's options, a theme name, node names from a
# small inventory in $T_TMP (for --nodes, a selector's second term, --node
# and NODE/ of logs), a stack file, deploy ids and stack names from a
# database, and the subcommands of rollout and heal.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || skip "bash-completion is not installed (Debian package 'bash-completion')"
command -v bash >/dev/null || skip "bash is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (Debian package 'sqlite3')"
COMP=$top_builddir/dist/bash-completion/plantdeck
[ -r "$COMP" ] || fail "$COMP is not made (make all makes it)"

cat >"$T_TMP/inv.yaml" <<'EOF'
site: test
defaults:
  insecure: true
kiosk:
  exit_chord: "C-x C-q"
nodes:
  - name: press-a1          # a comment
    endpoint: tcp://127.0.0.1:1
  - endpoint: tcp://127.0.0.1:2
    name: "press-a2"
    labels: {line: A, name: not-a-node}
  - {name: vision-b1, endpoint: tcp://127.0.0.1:3}
heal:
  auto:
    - stack: other
      actions: [restart]
EOF
mkdir "$T_TMP/stacks"
: >"$T_TMP/stacks/plc-stack.yaml"
: >"$T_TMP/stacks/plc-other.yml"
: >"$T_TMP/stacks/plc-notes.txt"

# A database with two deploys of stack plc-line.
DB=$T_TMP/pd.db
"$PLANTDECK" --inventory "$T_TMP/inv.yaml" --db "$DB" rollout list >/dev/null ||
	fail "plantdeck rollout list could not make the database"
now=$(date +%s)
sqlite3 "$DB" "INSERT INTO stacks (name, current_revision, last_revision) VALUES ('plc-line', 2, 2);
	INSERT INTO revisions (stack, revision, created, deploy, spec) VALUES
		('plc-line', 1, $now, 1, '{}'), ('plc-line', 2, $now, 2, '{}');
	INSERT INTO deploys (stack, kind, revision, from_revision, state, failure_action,
		max_failure_ratio, started, updated) VALUES
		('plc-line', 'deploy', 1, 0, 'done', 'pause', 0, $now, $now),
		('plc-line', 'deploy', 2, 1, 'done', 'pause', 0, $now, $now);" ||
	fail "sqlite3 could not fill the database"

# Each case: the words on the line (the last one the word being completed),
# then, after ---, the expected COMPREPLY, sorted, one line.
cat >"$T_TMP/cases" <<EOF
plantdeck de --- deploy
plantdeck sta --- status
plantdeck --as --- --ascii
plantdeck status --nodes- --- --nodes-only
plantdeck logs --t --- --tail --timestamps
plantdeck deploy x.yaml --dr --- --dry-run
plantdeck serve --log-format j --- json
plantdeck --theme high --- high-contrast
plantdeck --theme mono --- monochrome
plantdeck --colors 2 --- 256
plantdeck -i $T_TMP/inv.yaml --nodes press --- press-a1 press-a2
plantdeck -i $T_TMP/inv.yaml --nodes  --- press-a1 press-a2 vision-b1
plantdeck -i $T_TMP/inv.yaml --nodes press-a1,v --- press-a1,vision-b1
plantdeck -i $T_TMP/inv.yaml tune --node v --- vision-b1
plantdeck -i $T_TMP/inv.yaml logs press-a --- press-a1/ press-a2/
plantdeck -i $T_TMP/inv.yaml container restart vis --- vision-b1/
plantdeck deploy $T_TMP/stacks/plc --- $T_TMP/stacks/plc-other.yml $T_TMP/stacks/plc-stack.yaml
plantdeck rollout ro --- rollback
plantdeck -i $T_TMP/inv.yaml --db $DB rollout status  --- 1 2
plantdeck -i $T_TMP/inv.yaml --db $DB history p --- plc-line
plantdeck heal a --- approve
plantdeck audit v --- verify
plantdeck container p --- pause
EOF

cat >"$T_TMP/run.bash" <<'EOF'
. "$1"
. "$2"
# compopt works only inside a real completion; what it sets is not checked here.
compopt() { :; }
fails=0
while IFS= read -r line; do
	words=${line% --- *}
	want=${line#* --- }
	read -ra COMP_WORDS <<<"$words"
	# A line ending in a space completes an empty word.
	[[ $words == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$words
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_plantdeck plantdeck "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ')
	got=${got% }
	if [[ $got == "$want" ]]; then
		echo "ok: [$words] -> $got"
	else
		echo "FAIL: [$words] -> '$got', want '$want'"
		fails=$((fails + 1))
	fi
done <"$3"
exit $((fails > 0))
EOF

PATH=$(dirname "$PLANTDECK"):$PATH
export PATH
unset PLANTDECK_INVENTORY PLANTDECK_THEMEDIR
bash "$T_TMP/run.bash" "$BC" "$COMP" "$T_TMP/cases" || fail "completion cases failed (above)"
ok "all completion cases"
