#!/bin/sh
# deploy-plan.sh: `plantdeck deploy --dry-run` on stack files, with no engine
# to talk to: the plan (revisions, services, policy, waves) of valid files,
# warnings for keys plantdeck ignores, FILE:LINE:COLUMN for bad ones — and
# nothing recorded in the database for any of them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
# A plant of nine nodes on two lines that nobody answers for (TEST-NET).
{
	echo "defaults: {insecure: true}"   # plaintext :2375 (never reached)
	echo "nodes:"
	for i in 1 2 3 4 5 6; do
		printf '  - {name: a-%02d, endpoint: "tcp://192.0.2.%d:2375", labels: {line: A}}\n' "$i" "$i"
	done
	for i in 1 2 3; do
		printf '  - {name: b-%02d, endpoint: "tcp://192.0.2.%d:2375", labels: {line: B}}\n' "$i" "$((10 + i))"
	done
} >"$T_TMP/inv.yaml"
plan() { "$PLANTDECK" -i "$T_TMP/inv.yaml" deploy "$@" --dry-run 2>&1; }

# --- the defaults: a canary, then waves doubling up to all.
cat >"$T_TMP/plain.yaml" <<'YAML'
services:
  hmi:
    image: reg.plant.local/hmi:4.2
  plc:
    image: 127.0.0.1:5000/plant/plc-sim:1
YAML
out=$(plan "$T_TMP/plain.yaml") || fail "plain: $out"
want="stack pd-deploy-plan: revision 0 -> 1, from $T_TMP/plain.yaml
  service hmi: reg.plant.local/hmi:4.2
  service plc: 127.0.0.1:5000/plant/plc-sim:1
  networks: STACKNAME_default (bridge)
  policy: canary 1, then waves doubling up to all; monitor 10s, deadline 2m; max failure 5% -> pause; stop-first; pulls <= 8 per registry
  9 nodes in 4 waves:
    wave 0: a-01
    wave 1: a-02 a-03
    wave 2: a-04 a-05 a-06 b-01
    wave 3: b-02 b-03
dry run: nothing changed"
# The stack is named after the file's directory (the temp dir, lowercased,
# without its random suffix's dot).
stack=$(echo "$out" | sed -n '1s/^stack \([^:]*\):.*/\1/p')
want=$(echo "$want" | sed "s/pd-deploy-plan/$stack/; s/STACKNAME/$stack/")
[ "$out" = "$want" ] || fail "plain plan:
$out
--- want:
$want"
ok "defaults: 9 nodes in waves of 1, 2, 4, 2"

# --- placement, a policy, --nodes narrowing it, and interpolation.
cat >"$T_TMP/line-a.yaml" <<'YAML'
x-plantdeck:
  stack: press
  placement: {line: A}
  rollout:
    canary: 2
    parallelism: 3
    grow: false
    monitor: 30s
    progress_deadline: 5m
    max_failure_ratio: 0.25
    failure_action: rollback
    order: start-first
    max_pulls: 2
services:
  press:
    image: "127.0.0.1:5000/plant/plc-sim:${TAG:-1}"
    build: .
YAML
out=$(TAG=2 plan "$T_TMP/line-a.yaml") || fail "line-a: $out"
echo "$out" | grep -qx "  service press: 127.0.0.1:5000/plant/plc-sim:2" || fail "interpolation: $out"
echo "$out" | grep -qx "  policy: canary 2, then waves of 3; monitor 30s, deadline 5m; max failure 25% -> rollback; start-first; pulls <= 2 per registry" ||
	fail "policy: $out"
echo "$out" | grep -qx "    wave 0: a-01 a-02" || fail "canary: $out"
echo "$out" | grep -qx "    wave 1: a-03 a-04 a-05" || fail "wave 1: $out"
echo "$out" | grep -qx "    wave 2: a-06" || fail "wave 2: $out"
echo "$out" | grep -q "b-0" && fail "placement line A planned a line B node: $out"
echo "$out" | grep -q "line-a.yaml:17:5: unsupported key 'build' ignored" || fail "no warning for build: $out"
ok "placement, rollout policy, \${TAG:-1}, and a warning naming the ignored key"
out=$(plan "$T_TMP/line-a.yaml" --nodes 'a-0[45]') || fail "--nodes: $out"
echo "$out" | grep -qx "  2 nodes in 1 wave:" || fail "--nodes narrowing: $out"
out=$(plan "$T_TMP/line-a.yaml" --nodes 'b-01' 2>&1) && fail "a selector outside the placement planned: $out"
echo "$out" | grep -q "no node of the inventory matches placement 'line=A' and --nodes" || fail "$out"
ok "--nodes narrows the placement; nothing left is an error"

# --- networks and start order: listed in the plan; a cycle is an error.
cat >"$T_TMP/cell.yaml" <<'YAML'
x-plantdeck: {stack: cell}
networks:
  field: {internal: true}
  plant: {external: true, name: plant-bus}
services:
  hmi:
    image: x
    networks: [plant, default]
    depends_on:
      gateway: {condition: service_healthy}
  gateway:
    image: x
    networks: [default, field]
    depends_on: [plc]
  plc:
    image: x
    networks: [field]
  sidecar:
    image: x
    network_mode: service:plc
YAML
out=$(plan "$T_TMP/cell.yaml") || fail "cell: $out"
echo "$out" | grep -qx "  networks: cell_field (bridge), plant-bus (external), cell_default (bridge)" ||
	fail "networks line: $out"
echo "$out" | grep -qx "  start order: gateway (after plc started), hmi (after gateway healthy), plc, sidecar" &&
	fail "start order ignores depends_on: $out"
echo "$out" | grep -qx "  start order: plc, gateway (after plc started), hmi (after gateway healthy), sidecar (after plc started)" ||
	fail "start order line: $out"
ok "networks (default, internal, external) and the start order in the plan"
printf 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on:\n      a: {condition: service_started}\n' >"$T_TMP/cycle.yaml"
rc=0
out=$(plan "$T_TMP/cycle.yaml") || rc=$?
[ "$rc" = 2 ] || fail "cycle: exit $rc, want 2: $out"
echo "$out" | grep -qx "plantdeck: $T_TMP/cycle.yaml:8:7: dependency cycle: a -> b -> a" ||
	fail "cycle: $out"
ok "a depends_on cycle: exit 2 at the entry that closes it"

# --- bad files: exit 2, FILE:LINE:COLUMN, nothing recorded.
printf 'services:\n  plc:\n    image: x\n    mem_limit: 12q\n' >"$T_TMP/bad-size.yaml"
printf 'services:\n  plc:\n    image: [x\n' >"$T_TMP/bad-syntax.yaml"
printf 'x-plantdeck:\n  rollout:\n    failure_action: retry\nservices:\n  plc: {image: x}\n' >"$T_TMP/bad-action.yaml"
for f in bad-size:4:16 bad-syntax:4:1 bad-action:3:21; do
	name=${f%%:*}
	pos=${f#*:}
	rc=0
	out=$(plan "$T_TMP/$name.yaml") || rc=$?
	[ "$rc" = 2 ] || fail "$name: exit $rc, want 2: $out"
	echo "$out" | grep -q "^plantdeck: $T_TMP/$name.yaml:$pos: " || fail "$name: want $pos in: $out"
done
ok "bad files: exit 2 with FILE:LINE:COLUMN"
[ ! -e "$PLANTDECK_DB" ] || [ "$("$PLANTDECK" -i "$T_TMP/inv.yaml" rollout list | wc -l)" = 1 ] ||
	fail "a dry run recorded a deploy: $("$PLANTDECK" -i "$T_TMP/inv.yaml" rollout list)"
ok "no deploy recorded by any dry run"
