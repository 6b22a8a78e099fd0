#!/bin/sh
# deploy-volumes-swarm.sh: a stack of target swarm with a named volume on
# two nodes of the lab's swarm.  The service's mount has the source
# STACK_data and the volume's driver and labels (VolumeOptions), so each
# node's engine makes STACK_data with them; plantdeck down removes the
# service and the nodes' placement labels and keeps the volume; down
# --volumes then removes the volume on both nodes.  Uses the lab's swarm
# when lab-01 manages one; else makes one of two nodes as deploy-swarm.sh
# does, and leaves it at exit, also on failure.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 2 ] || skip "needs a lab of 2 nodes or more (has $N)"
lab=$top_srcdir/lab/plantdeck-lab
if [ "$(ldocker 1 info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' \
	2>/dev/null)" != "active true" ]; then
	t_on_exit "\"$lab\" swarm-leave --dir \"$PLANTDECK_LAB\" >/dev/null 2>&1 9>&-"
	out=$("$lab" up --swarm --managers 1 --swarm-nodes 2 2>&1 9>&-) || fail "up --swarm failed: $out"
	eval "$("$lab" env --dir "$PLANTDECK_LAB")"    # the inventory now marks the manager
fi
grep -q "swarm: manager" "$PLANTDECK_INVENTORY" || fail "the inventory marks no swarm manager"

S=dvs$$
SVC=${S}_plc
SEL=lab-01,lab-02
sw_clean() {
	local i id
	ldocker 1 service rm "$SVC" >/dev/null 2>&1 || true
	for id in $(ldocker 1 node ls -q 2>/dev/null); do
		ldocker 1 node update --label-rm "io.plantdeck.placement.$S" "$id" >/dev/null 2>&1 || true
	done
	for i in 1 2; do
		# The tasks' containers go a little after the service.
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			ldocker "$i" volume rm "${S}_data" >/dev/null 2>&1 && break
			ldocker "$i" volume inspect "${S}_data" >/dev/null 2>&1 || break
			sleep 1
		done
	done
}
t_on_exit sw_clean

cat >"$T_TMP/$S.yaml" <<YAML
x-plantdeck:
  stack: $S
  target: swarm
  rollout: {parallelism: 0, monitor: 1s, progress_deadline: 60s}
volumes:
  data:
    labels: {plant.site: north}
services:
  plc:
    image: $REG/plant/plc-sim:1
    # The lab's nodes share one network namespace: an overlay network reaches
    # one node only (doc/lab.md); the host network works on every node.
    network_mode: host
    volumes: ["data:/var/lib/plc"]
    healthcheck:
      test: ["CMD", "/bin/plc-sim", "health"]
      interval: 2s
      timeout: 10s
      retries: 10
      start_period: 1s
YAML
"$PLANTDECK" deploy "$T_TMP/$S.yaml" --nodes "$SEL" --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy failed"; }
ldocker 1 service inspect "$SVC" | jq -e --arg s "$S" '.[0].Spec.TaskTemplate.ContainerSpec.Mounts[0] |
	.Type == "volume" and .Source == ($s + "_data") and .Target == "/var/lib/plc" and
	.VolumeOptions.DriverConfig.Name == "local" and
	.VolumeOptions.Labels["com.docker.stack.namespace"] == $s and
	.VolumeOptions.Labels["plant.site"] == "north"' >/dev/null ||
	fail "mount: $(ldocker 1 service inspect "$SVC" | jq -c '.[0].Spec.TaskTemplate.ContainerSpec.Mounts')"
for i in 1 2; do
	ldocker "$i" volume inspect "${S}_data" | jq -e --arg s "$S" '.[0].Labels |
		.["io.plantdeck.stack"] == $s and .["plant.site"] == "north"' >/dev/null ||
		fail "$(lab_name "$i"): volume: $(ldocker "$i" volume inspect "${S}_data" 2>&1)"
done
ok "the service mounts ${S}_data with its driver and labels; both nodes made it so"

"$PLANTDECK" --nodes "$SEL" down "$S" --dry-run >"$T_TMP/dry" || fail "dry run: $(cat "$T_TMP/dry")"
grep -q "would remove service $SVC$" "$T_TMP/dry" || fail "dry run: $(cat "$T_TMP/dry")"
ldocker 1 service inspect "$SVC" >/dev/null 2>&1 || fail "the dry run removed the service"
"$PLANTDECK" --nodes "$SEL" down "$S" >"$T_TMP/down" 2>&1 || { cat "$T_TMP/down" >&2; fail "down failed"; }
ldocker 1 service inspect "$SVC" >/dev/null 2>&1 && fail "the service is still there"
[ "$(grep -c "removed label io.plantdeck.placement.$S on" "$T_TMP/down")" = 2 ] ||
	fail "placement labels: $(cat "$T_TMP/down")"
ldocker 1 node ls -q | while read -r id; do
	ldocker 1 node inspect "$id" --format '{{json .Spec.Labels}}' | grep -q "placement.$S\"" &&
		fail "node $id keeps the placement label"
	true
done
for i in 1 2; do
	ldocker "$i" volume inspect "${S}_data" >/dev/null 2>&1 || fail "$(lab_name "$i"): the volume went"
done
deploy_status | jq -e '.kind == "down" and .state == "completed"' >/dev/null || fail "status: $(deploy_status)"
ok "down: the service and the placement labels gone, the volume kept"

"$PLANTDECK" --nodes "$SEL" down "$S" --volumes >"$T_TMP/down2" 2>&1 ||
	{ cat "$T_TMP/down2" >&2; fail "down --volumes failed"; }
for i in 1 2; do
	ldocker "$i" volume inspect "${S}_data" >/dev/null 2>&1 && fail "$(lab_name "$i"): the volume is left"
done
ok "down --volumes: the volume gone on both nodes once the tasks were"
