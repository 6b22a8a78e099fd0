#!/bin/sh
# compose-spec.sh: the fixtures written from the Compose Specification's
# chapters (tests/data/compose/spec-*.yaml) through `plantdeck deploy
# --dry-run`, no engine needed.  The first line of each says the verdict
# docker-compose 1.29 gives (`docker-compose -f FILE config -q`) and
# plantdeck's; they must agree, except for a build-only service (plantdeck
# builds no image) and a key newer than docker-compose 1.29 (a "# newer:"
# line says which).  "# warns:", "# error:" and "# says:" lines are text plantdeck
# must print.  When docker-compose is installed, its verdict is checked
# too.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
unset COMPOSE_PROFILES
echo 'nodes: [{name: a-01, endpoint: "tcp://192.0.2.1:2375", insecure: true}]' >"$T_TMP/inv.yaml"
dc=$(command -v docker-compose || true)
[ -n "$dc" ] || echo "note: no docker-compose: its recorded verdicts are not re-checked"

n=0
for f in "$top_srcdir"/tests/data/compose/spec-*.yaml; do
	name=$(basename "$f")
	head=$(sed -n 1p "$f")
	want_dc=$(echo "$head" | sed -n 's/^# docker-compose: \([a-z]*\); plantdeck: \([a-z]*\)$/\1/p')
	want_pd=$(echo "$head" | sed -n 's/^# docker-compose: \([a-z]*\); plantdeck: \([a-z]*\)$/\2/p')
	[ -n "$want_dc" ] && [ -n "$want_pd" ] || fail "$name: no verdict line"
	out=$("$PLANTDECK" -i "$T_TMP/inv.yaml" deploy "$f" --dry-run 2>&1) && got=accepted ||
		got=rejected
	[ "$got" = "$want_pd" ] || fail "$name: plantdeck $got, recorded $want_pd: $out"
	case $got in
	accepted) echo "$out" | grep -q '^dry run: nothing changed$' ||
		fail "$name: no plan: $out" ;;
	esac
	if [ "$want_dc" != "$want_pd" ]; then
		if grep -q "^# newer: " "$f"; then
			:
		elif echo "$out" | grep -q "has 'build' and no 'image'"; then
			:
		else
			fail "$name: docker-compose $want_dc but plantdeck $want_pd, and no reason"
		fi
	fi
	sed -n 's/^# \(warns\|error\|says\): //p' "$f" | while IFS= read -r text; do
		echo "$out" | grep -qF -- "$text" || fail "$name: lacks '$text': $out"
	done || exit 1
	if [ -n "$dc" ]; then
		(cd "$(dirname "$f")" && "$dc" -f "$name" config -q >/dev/null 2>&1) &&
			got_dc=accepted || got_dc=rejected
		[ "$got_dc" = "$want_dc" ] || fail "$name: docker-compose $got_dc, recorded $want_dc"
	fi
	n=$((n + 1))
done
[ "$n" -ge 15 ] || fail "only $n fixtures"
ok "$n fixtures agree"

# Warnings are printed even when the file has errors.
out=$("$PLANTDECK" -i "$T_TMP/inv.yaml" deploy "$top_srcdir/tests/data/compose/spec-build-only.yaml" \
	--dry-run 2>&1) && fail "build-only accepted"
assert_contains "$out" "warning: $top_srcdir/tests/data/compose/spec-build-only.yaml:8:5: unsupported key 'build' ignored"
# --image gives the image of a service the file builds; --profile enables one.
out=$("$PLANTDECK" -i "$T_TMP/inv.yaml" deploy "$top_srcdir/tests/data/compose/spec-build-only.yaml" \
	--image hmi=reg.plant.local/hmi:5 --dry-run 2>&1) || fail "--image: $out"
assert_contains "$out" "service hmi: reg.plant.local/hmi:5"
out=$("$PLANTDECK" -i "$T_TMP/inv.yaml" deploy "$top_srcdir/tests/data/compose/spec-profiles.yaml" \
	--profile tools --dry-run 2>&1) || fail "--profile: $out"
assert_contains "$out" "service debug: busybox"
out=$(COMPOSE_PROFILES=debug "$PLANTDECK" -i "$T_TMP/inv.yaml" deploy \
	"$top_srcdir/tests/data/compose/spec-profiles.yaml" --dry-run 2>&1) || fail "COMPOSE_PROFILES: $out"
assert_contains "$out" "service debug: busybox"
out=$("$PLANTDECK" -i "$T_TMP/inv.yaml" deploy "$top_srcdir/tests/data/compose/spec-profiles.yaml" \
	--image nope=x --dry-run 2>&1) && fail "--image of no service accepted"
assert_contains "$out" "an image is given for service 'nope', which the file does not have"
# A stack in a directory whose name has a dot gets a name Swarm takes.
mkdir -p "$T_TMP/site.v2"
printf 'services:\n  plc:\n    image: busybox\n' >"$T_TMP/site.v2/stack.yml"
out=$("$PLANTDECK" -i "$T_TMP/inv.yaml" deploy "$T_TMP/site.v2/stack.yml" --dry-run 2>&1) ||
	fail "site.v2: $out"
assert_contains "$out" "stack sitev2: revision 0 -> 1"
ok "warnings with errors, --image, --profile, COMPOSE_PROFILES, a dotted directory"
