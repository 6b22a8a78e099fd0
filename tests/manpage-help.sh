#!/bin/sh
# manpage-help.sh: doc/plantdeck.1 and the --help texts agree, no lab.  Every
# command `plantdeck --help` lists has its own entry under COMMANDS (an
# entry: a .TP whose tag starts with the command's name; a command may have
# several, such as `audit` and `audit verify`); every long option its
# `plantdeck CMD --help` prints is in that command's entries, and every long
# option those entries name is in its --help, or is a global option (the
# entries say where --read-only and --kiosk refuse).  The same for the
# global options: `plantdeck --help` against the OPTIONS section.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

MAN=$top_srcdir/doc/plantdeck.1
[ -r "$MAN" ] || fail "no $MAN"

# Long options of stdin, one a line, sorted: --word, not --help.
longopts() {
	grep -oE -- '--[a-z][a-z0-9-]*' | grep -vx -- '--help' | sort -u || true
}

# The text of man page section $1 (.SH NAME) with font escapes removed and
# \- made -.
man_section() {
	awk -v sec="$1" '
		/^\.SH / { on = ($0 == ".SH " sec); next }
		on' "$MAN" | sed -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\-/-/g'
}

"$PLANTDECK" --help >"$T_TMP/help" || fail "plantdeck --help failed"
cmds=$(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' "$T_TMP/help")
[ -n "$cmds" ] || fail "plantdeck --help lists no commands"

# The COMMANDS section cut into entries: each line prefixed with the command
# whose entry it is in.
man_section COMMANDS | awk -v cmds=" $(echo $cmds) " '
	/^\.TP/ { tp = 1; next }
	tp { tp = 0
		w = $0; sub(/^\.B[IR]* +/, "", w); split(w, a, /[ \t]/)
		if (index(cmds, " " a[1] " ")) cur = a[1]
	}
	cur != "" { print cur "\t" $0 }' >"$T_TMP/entries"

sed '/^Commands:/,$d' "$T_TMP/help" | longopts >"$T_TMP/global-help"
man_section OPTIONS | longopts >"$T_TMP/global-man"
bad=0
if ! cmp -s "$T_TMP/global-help" "$T_TMP/global-man"; then
	echo "global options: plantdeck --help (<) and OPTIONS in plantdeck.1 (>) differ:" >&2
	diff "$T_TMP/global-help" "$T_TMP/global-man" >&2 || true
	bad=1
fi

for c in $cmds; do
	"$PLANTDECK" "$c" --help >"$T_TMP/h-$c" 2>&1 || { echo "$c: --help failed" >&2; bad=1; }
done
for c in $cmds; do
	grep -q "^$c	" "$T_TMP/entries" || { echo "$c: no entry under COMMANDS" >&2; bad=1; continue; }
	longopts <"$T_TMP/h-$c" >"$T_TMP/o-help"
	# Commands that share one --help (approvals, approve, reject) share
	# their entries too.
	group=$(for d in $cmds; do if cmp -s "$T_TMP/h-$c" "$T_TMP/h-$d"; then echo "$d"; fi; done)
	for d in $group; do grep "^$d	" "$T_TMP/entries"; done | cut -f2- | longopts >"$T_TMP/o-man"
	missing=$(comm -23 "$T_TMP/o-help" "$T_TMP/o-man")
	extra=$(comm -13 "$T_TMP/o-help" "$T_TMP/o-man" | comm -23 - "$T_TMP/global-help")
	if [ -n "$missing" ]; then
		echo "$c: in --help, not in its plantdeck.1 entry:" $missing >&2
		bad=1
	fi
	if [ -n "$extra" ]; then
		echo "$c: in its plantdeck.1 entry, not in --help:" $extra >&2
		bad=1
	fi
done
[ "$bad" = 0 ] || fail "plantdeck.1 and --help disagree (above)"
ok "plantdeck.1 and --help agree on the options of $(echo $cmds | wc -w) commands and the global ones"
