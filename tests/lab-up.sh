#!/usr/bin/env bash
# lab-up.sh — checks a running plantdeck lab (lab/plantdeck-lab up): it has
# $PLANTDECK_LAB_NODES (>= 5) nodes, each answering GET /_ping over TCP and over its unix
# socket and holding 127.0.0.1:5000/plant/plc-sim:1 pulled from the lab registry; the registry
# has all five sample tags; the login registry (127.0.0.1:5001) refuses anonymous and wrong
# logins, serves the five tags with the login from its 0600 files, and `env` names it without
# the password; inventory.yaml lists the nodes.
# Exit 0 pass, 1 fail, 77 skip (not root, or $PLANTDECK_LAB unset: the test suite brings one
# lab up for the whole run and sets it; `lab/plantdeck-lab up` returns once every node answers,
# so nothing here waits). Uses curl only.
. "$(dirname "$0")/lib.sh"
need_lab
# Every check runs and is counted (fail below does not exit): no -e, as before lib.sh.
set +e -o pipefail

failures=0
ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*"
	failures=$((failures + 1))
}
contains() { [[ $1 == *"$2"* ]]; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

n=${PLANTDECK_LAB_NODES:-0}
registry=${PLANTDECK_REGISTRY:-127.0.0.1:5000}
image=127.0.0.1:5000/plant/plc-sim:1
check "the lab has $n nodes (at least 5)" test "$n" -ge 5

# --- every node: ping over TCP and unix socket, image present, pulled from the registry ------
ref_id=
for ((i = 1; i <= n; i++)); do
	name=$(printf 'lab-%02d' "$i")
	url=$(lab_url "$i")
	sock=$(printf '%s/node%02d/docker.sock' "$PLANTDECK_LAB" "$i")
	check "$name: /_ping over $url" test "$(lab_curl -s --max-time 5 "$url/_ping")" = OK
	check "$name: /_ping over unix://$sock" \
		test "$(curl -s --max-time 5 --unix-socket "$sock" http://lab/_ping)" = OK
	json=$(lab_curl -fs --max-time 5 "$url/images/$image/json") || json=
	if ! contains "$json" "\"$image\""; then
		fail "$name: has $image"
		continue
	fi
	ok "$name: has $image"
	# pulled (or pushed) through the lab registry: it has a repo digest there
	check "$name: $image has a registry digest" contains "$json" '"127.0.0.1:5000/plant/plc-sim@sha256:'
	id=$(grep -o '"Id":"sha256:[0-9a-f]*"' <<<"$json" | head -n 1)
	[[ -n $ref_id ]] || ref_id=$id
	check "$name: same image id as lab-01 ($id)" test "$id" = "$ref_id"
done

# --- the registry ----------------------------------------------------------------------------
catalog=$(curl -fs --max-time 5 "http://$registry/v2/_catalog") || catalog=
for repo in plant/plc-sim plant/leaky plant/flaky; do
	check "registry catalog lists $repo" grep -q "\"$repo\"" <<<"$catalog"
done
for tag in plant/plc-sim:1 plant/plc-sim:2 plant/plc-sim:bad plant/leaky:1 plant/flaky:1; do
	tags=$(curl -fs --max-time 5 "http://$registry/v2/${tag%:*}/tags/list") || tags=
	check "registry has $tag" grep -q "\"${tag##*:}\"" <<<"$tags"
done

# --- the login registry ----------------------------------------------------------------------
areg=${PLANTDECK_AUTH_REGISTRY:-127.0.0.1:5001}
adir=${PLANTDECK_AUTH_DIR:-$PLANTDECK_LAB/registry-auth}
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://$areg/v2/") || code=
check "login registry $areg asks for a login (GET /v2/: 401)" test "$code" = 401
check "its user and password files are mode 0600" test "$(stat -c %a "$adir/user" "$adir/password" 2>/dev/null | tr '\n' ' ')" = "600 600 "
login="user = \"$(cat "$adir/user" 2>/dev/null):$(cat "$adir/password" 2>/dev/null)\""
for tag in plant/plc-sim:1 plant/plc-sim:2 plant/plc-sim:bad plant/leaky:1 plant/flaky:1; do
	tags=$(curl -fs --max-time 5 -K - "http://$areg/v2/${tag%:*}/tags/list" <<<"$login") || tags=
	check "login registry has $tag (with the login)" grep -q "\"${tag##*:}\"" <<<"$tags"
done
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -u "plant:wrong" "http://$areg/v2/") || code=
check "login registry refuses a wrong password (401)" test "$code" = 401
envout=$("$top_srcdir/lab/plantdeck-lab" env --dir "$PLANTDECK_LAB")
check "env names the login registry" grep -qx "export PLANTDECK_AUTH_REGISTRY=$areg" <<<"$envout"
check "env does not print the password" bash -c '! grep -qF -- "$1" <<<"$2"' _ "$(cat "$adir/password" 2>/dev/null)" "$envout"

# --- the inventory ---------------------------------------------------------------------------
inv=${PLANTDECK_INVENTORY:-$PLANTDECK_LAB/inventory.yaml}
if [[ -r $inv ]]; then
	ok "inventory $inv exists"
	check "inventory has $n nodes" test "$(grep -c '^  - name: ' "$inv")" -eq "$n"
	check "inventory starts with site: lab" grep -qx 'site: lab' "$inv"
	for ((i = 1; i <= n; i++)); do
		name=$(printf 'lab-%02d' "$i")
		ep=$(lab_host "$i")
		if grep -A1 -x -- "  - name: $name" "$inv" | grep -qx -- "    endpoint: $ep"; then
			ok "inventory lists $name at $ep"
		else
			fail "inventory lists $name at $ep"
		fi
	done
else
	fail "inventory $inv exists"
fi

if ((failures)); then
	echo "FAIL: $failures check(s) failed"
	exit 1
fi
echo "PASS: lab with $n nodes"
exit 0
