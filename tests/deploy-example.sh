#!/bin/sh
# deploy-example.sh: the README's example stack (examples/line-stack.yaml),
# as it is but for its name, on up to five lab nodes: a PLC, a gateway that
# reads it by service name and an HMI that waits for the gateway to be
# healthy, on the stack's own networks, with a named volume, a secret from
# the environment and a config.  On every node: the three start in
# depends_on order, the gateway reaches its own node's plc by name, the
# secret and the config are in the gateway at their paths, the service of
# the debug profile is not there; :1 -> :2 -> rollback keeps the volume's
# data; the secret is nowhere in the database or the log; plantdeck down
# --volumes leaves nothing behind.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"

S=dex$$
[ "$N" -le 5 ] || N=5
SEL="lab-0[1-$N]"
# What down would remove, for a test that failed before it got there (curl
# on every node at once: a docker client a call took a second or more).
ex_rm() {
	local i pids=""
	lab_rm_networks "${S}_"
	for i in $(seq 1 "$N"); do
		lab_curl -sS --max-time 30 -X DELETE "$(lab_url "$i")/volumes/${S}_plc-data" >/dev/null 2>&1 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086  # the pids
	wait $pids || true
}
t_on_exit "ex_rm"
t_on_exit "lab_rm_prefix $S-"

# The example, renamed: every other line is the README's.
mkdir -p "$T_TMP/ex"
sed "s/^name: line-a\$/name: $S/" "$top_srcdir/examples/line-stack.yaml" >"$T_TMP/ex/line-stack.yaml"
grep -q "^name: $S\$" "$T_TMP/ex/line-stack.yaml" || fail "the example has no 'name: line-a' line"
F=$T_TMP/ex/line-stack.yaml
SECRET=opcua-$$-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
export OPCUA_PASSWORD="$SECRET"
LOG=$T_TMP/plantdeck.log

# --- the plan
"$PLANTDECK" deploy "$F" --nodes "$SEL" --dry-run >"$T_TMP/plan" 2>&1 || fail "plan: $(cat "$T_TMP/plan")"
for want in "networks: ${S}_field (bridge), ${S}_plant (bridge)" "volumes: ${S}_plc-data (local)" \
    "start order: plc, gateway (after plc healthy), hmi (after gateway healthy)" \
    "secrets and configs: opcua_password (secret, \$OPCUA_PASSWORD, sha256 " \
    "service 'probe' is not deployed: its profiles (debug) are not enabled"; do
	grep -qF -- "$want" "$T_TMP/plan" || fail "plan lacks '$want': $(cat "$T_TMP/plan")"
done
ok "plan: two networks, the volume, the secret by name, the start order; probe left out"

# Every node runs plc, gateway and hmi on tag $1, healthy (plc, gateway) and
# running; no probe.
expect_stack() {
	local i out
	for i in $(seq 1 "$N"); do
		out=$(ldocker "$i" ps -a --filter "label=io.plantdeck.stack=$S" \
			--format '{{.Names}} {{.Image}} {{.State}} {{.Status}}' | sort)
		echo "$out" | grep -q "^$S-plc $REG/plant/plc-sim:$1 running .*(healthy)" ||
			fail "$(lab_name "$i"): plc: $out"
		echo "$out" | grep -q "^$S-gateway $REG/plant/plc-sim:$1 running .*(healthy)" ||
			fail "$(lab_name "$i"): gateway: $out"
		echo "$out" | grep -q "^$S-hmi $REG/plant/plc-sim:$1 running" ||
			fail "$(lab_name "$i"): hmi: $out"
		! echo "$out" | grep -q "^$S-probe" || fail "$(lab_name "$i"): the debug profile's probe runs"
	done
}

# The gateway reaches its own node's plc by name: plc serves its hostname
# (its container id), which must be this node's plc.
expect_by_name() {
	local i got want
	for i in $(seq 1 "$N"); do
		want=$(ldocker "$i" inspect -f '{{.Config.Hostname}}' "$S-plc")
		got=$(ldocker "$i" exec "$S-gateway" sh -c \
			"{ echo GET /id HTTP/1.0; echo; } | nc -w 5 plc 8080 | tail -n 1")
		[ "$got" = "$want" ] || fail "$(lab_name "$i"): gateway read '$got' from plc, not '$want'"
	done
}

# --- :1
PLC_TAG=1 "$PLANTDECK" --log "$LOG" deploy "$F" --nodes "$SEL" --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy :1 failed"; }
expect_stack 1
expect_by_name
ok "revision 1 on $N nodes: plc, gateway, hmi; the gateway reaches its node's plc by name"

for i in $(seq 1 "$N"); do
	# Started in depends_on order (StartedAt is RFC 3339 in UTC: text order is time order).
	order=$(for svc in plc gateway hmi; do
		echo "$(ldocker "$i" inspect -f '{{.State.StartedAt}}' "$S-$svc") $svc"; done |
		sort | awk '{ printf "%s ", $2 }')
	[ "$order" = "plc gateway hmi " ] || fail "$(lab_name "$i"): started in the order $order"
	got=$(ldocker "$i" exec "$S-gateway" cat /run/secrets/opcua_password)
	[ "$got" = "$SECRET" ] || fail "$(lab_name "$i"): the secret reads '$got'"
	ldocker "$i" exec "$S-gateway" cat /etc/gateway.conf | grep -qx 'plc=plc:8080' ||
		fail "$(lab_name "$i"): /etc/gateway.conf: $(ldocker "$i" exec "$S-gateway" cat /etc/gateway.conf)"
	ldocker "$i" exec "$S-plc" sh -c "echo $S > /var/lib/plc/marker" || fail "$(lab_name "$i"): marker"
done
ok "started plc, gateway, hmi in that order; the secret and the config in the gateway"

# --- :2, then the rollback: the volume keeps its data
expect_marker() {
	local i
	for i in $(seq 1 "$N"); do
		[ "$(ldocker "$i" exec "$S-plc" cat /var/lib/plc/marker 2>&1)" = "$S" ] ||
			fail "$(lab_name "$i"): the marker is gone $1"
	done
}
PLC_TAG=2 "$PLANTDECK" --log "$LOG" deploy "$F" --nodes "$SEL" --yes >"$T_TMP/out2" 2>&1 ||
	{ cat "$T_TMP/out2" >&2; fail "deploy :2 failed"; }
expect_stack 2
expect_by_name
expect_marker "after the update to :2"
ok "revision 2: the same stack on :2, the volume's data kept"

"$PLANTDECK" --log "$LOG" rollout rollback >"$T_TMP/out3" 2>&1 || { cat "$T_TMP/out3" >&2; fail "rollback failed"; }
expect_stack 1
expect_by_name
expect_marker "after the rollback to :1"
ok "rollback to :1: the stack on :1, the volume's data kept"

# --- the secret in clear nowhere plantdeck writes
for f in "$PLANTDECK_DB" "$PLANTDECK_DB-wal" "$LOG"; do
	[ -e "$f" ] || continue
	! grep -aqF -- "$SECRET" "$f" || fail "the secret is in $f"
done
for cmd in "history $S" "rollout list" "rollout status --json" "audit" "status --json"; do
	# shellcheck disable=SC2086  # the command's words
	"$PLANTDECK" $cmd >"$T_TMP/cmd" 2>&1 || true
	! grep -qF -- "$SECRET" "$T_TMP/cmd" || fail "the secret is in 'plantdeck $cmd'"
done
! grep -qF -- "$SECRET" "$T_TMP/out1" "$T_TMP/out2" "$T_TMP/out3" "$T_TMP/plan" ||
	fail "the secret is in the deploy output"
ok "the secret is in no database file, log, output, history, journal, audit or status"

# --- down --volumes: nothing left
"$PLANTDECK" down "$S" --volumes >"$T_TMP/down" 2>&1 || { cat "$T_TMP/down" >&2; fail "down failed"; }
for i in $(seq 1 "$N"); do
	left=$(ldocker "$i" ps -aq --filter "label=io.plantdeck.stack=$S")
	[ -z "$left" ] || fail "$(lab_name "$i"): containers left: $left"
	left=$(ldocker "$i" network ls -q --filter "label=io.plantdeck.stack=$S")
	[ -z "$left" ] || fail "$(lab_name "$i"): networks left: $left"
	left=$(ldocker "$i" volume ls -q --filter "label=io.plantdeck.stack=$S")
	[ -z "$left" ] || fail "$(lab_name "$i"): volumes left: $left"
done
ok "down --volumes: no container, network or volume of the stack is left"
