#!/bin/sh
# deploy-volumes.sh: a stack with a named volume on three lab nodes.  The
# volume is made as STACK_data with its labels; a marker written into it on
# :1 is still there after the update to :2 and after the rollback to :1
# (the same volume is mounted again); a missing external volume fails the
# node before anything is switched, and a volume of that name with other
# settings is an error naming it and the node.  Then plantdeck down: the
# dry run lists and changes nothing, --read-only refuses, down removes the
# containers and the stack's network but keeps the volume (and the
# revisions), an unreachable node is named with exit status 1 while the
# others are done, and down --volumes removes the volume.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"

S=dvol$$
[ "$N" -le 3 ] || N=3
SEL="lab-0[1-$N]"
vol_rm() {
	local i
	for i in $(seq 1 "$N"); do
		ldocker "$i" network rm "${S}_default" "${S}x_default" "${S}m_default" >/dev/null 2>&1 || true
		ldocker "$i" volume rm "${S}_data" "${S}m_data" "${S}-ext" >/dev/null 2>&1 || true
	done
}
# Containers first: a volume or network in use cannot go.
t_on_exit "vol_rm"
t_on_exit "lab_rm_prefix $S"

# Stack file $T_TMP/$1.yaml: stack $1, plc on tag $2 with the named volume
# data at /var/lib/plc (plc-sim writes its counter there); $3: the
# top-level volume's settings (YAML, indented by 4).
vol_stack() {
	cat >"$T_TMP/$1.yaml" <<YAML
x-plantdeck:
  stack: $1
  rollout:
    monitor: 1s
    grow: false
    progress_deadline: 60s
volumes:
  data:
${3:-    labels: {plant.site: north}}
services:
  plc:
    image: $REG/plant/plc-sim:$2
    volumes: ["data:/var/lib/plc"]
    # Once a second (three nodes): each switch waits for the first check; as
    # patient as every 3 s with 10 retries.
    healthcheck:
      test: ["CMD", "/bin/plc-sim", "health"]
      interval: 1s
      timeout: 10s
      retries: 30
      start_period: 1s
YAML
	echo "$T_TMP/$1.yaml"
}

# Fail unless every node's $S-plc runs tag $1 and reads the marker.
expect_marker() {
	local i img m
	for i in $(seq 1 "$N"); do
		img=$(ldocker "$i" inspect -f '{{.Config.Image}}' "$S-plc") || fail "$(lab_name "$i"): no $S-plc"
		[ "$img" = "$REG/plant/plc-sim:$1" ] || fail "$(lab_name "$i"): $S-plc on $img, not :$1"
		m=$(ldocker "$i" exec "$S-plc" cat /var/lib/plc/marker 2>&1) ||
			fail "$(lab_name "$i"): no marker in the volume on :$1: $m"
		[ "$m" = "marker $(lab_name "$i")" ] || fail "$(lab_name "$i"): marker is '$m'"
		ldocker "$i" inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}' \
			"$S-plc" | grep -qx "volume ${S}_data /var/lib/plc" ||
			fail "$(lab_name "$i"): $S-plc does not mount ${S}_data"
	done
}

# --- the plan names the volume; nothing is made by a dry run.
f=$(vol_stack "$S" 1)
"$PLANTDECK" deploy "$f" --nodes "$SEL" --dry-run >"$T_TMP/plan" || fail "dry run: $(cat "$T_TMP/plan")"
grep -q "^  volumes: ${S}_data (local)$" "$T_TMP/plan" || fail "plan: $(cat "$T_TMP/plan")"
ldocker 1 volume inspect "${S}_data" >/dev/null 2>&1 && fail "the dry run made the volume"
ok "plan: volumes: ${S}_data (local); nothing made"

# --- :1, a marker written into the volume on every node.
"$PLANTDECK" deploy "$f" --nodes "$SEL" --yes >"$T_TMP/out1" 2>&1 || { cat "$T_TMP/out1" >&2; fail "deploy :1 failed"; }
for i in $(seq 1 "$N"); do
	ldocker "$i" volume inspect "${S}_data" | jq -e --arg s "$S" '.[0] | .Driver == "local" and
		.Labels["io.plantdeck.stack"] == $s and .Labels["com.docker.compose.volume"] == "data" and
		.Labels["plant.site"] == "north"' >/dev/null ||
		fail "$(lab_name "$i"): volume: $(ldocker "$i" volume inspect "${S}_data")"
	ldocker "$i" exec "$S-plc" sh -c "echo 'marker $(lab_name "$i")' >/var/lib/plc/marker" ||
		fail "$(lab_name "$i"): cannot write the marker"
done
"$PLANTDECK" rollout journal | grep -q " volume ${S}_data *ok *created" || fail "no volume step in the journal"
ok "revision 1: ${S}_data made on $N nodes with the stack's labels, marker written"

# --- :2 and the rollback to :1 mount the same volume: the marker stays.
f=$(vol_stack "$S" 2)
"$PLANTDECK" deploy "$f" --nodes "$SEL" --yes >"$T_TMP/out2" 2>&1 || { cat "$T_TMP/out2" >&2; fail "deploy :2 failed"; }
expect_marker 2
ok "update to :2: the marker is still in the volume on every node"
"$PLANTDECK" rollout rollback >"$T_TMP/out3" 2>&1 || { cat "$T_TMP/out3" >&2; fail "rollback failed"; }
expect_marker 1
ok "rollback to :1: the marker is still in the volume on every node"

# --- an external volume that is missing: the node fails before its switch.
cat >"$T_TMP/${S}x.yaml" <<YAML
x-plantdeck: {stack: ${S}x, rollout: {canary: 0, progress_deadline: 30s}}
volumes:
  hist: {external: true, name: ${S}-ext}
services:
  plc:
    image: $REG/plant/plc-sim:1
    volumes: ["hist:/var/lib/plc"]
YAML
"$PLANTDECK" deploy "$T_TMP/${S}x.yaml" --nodes lab-01 --yes >"$T_TMP/out4" 2>&1 &&
	fail "a deploy with a missing external volume succeeded"
grep -q "lab-01: external volume ${S}-ext does not exist" "$T_TMP/out4" || fail "external: $(cat "$T_TMP/out4")"
[ -z "$(ldocker 1 ps -aq --filter "label=io.plantdeck.stack=${S}x")" ] || fail "a container was made"
ok "a missing external volume fails lab-01 before anything is switched, naming it"

# --- a volume of the stack's name with other settings is not taken over.
ldocker 1 volume create --opt type=tmpfs --opt device=tmpfs "${S}m_data" >/dev/null
f=$(vol_stack "${S}m" 1)
"$PLANTDECK" deploy "$f" --nodes lab-01 --yes >"$T_TMP/out5" 2>&1 &&
	fail "a deploy onto a volume with other options succeeded"
grep -q "lab-01: volume ${S}m_data exists with other settings" "$T_TMP/out5" ||
	fail "mismatch: $(cat "$T_TMP/out5")"
ok "a volume with other driver options is an error naming it and the node"

# --- down: dry run, read-only, then the stack goes and its volume stays.
"$PLANTDECK" --nodes "$SEL" down "$S" --dry-run >"$T_TMP/dry" || fail "down --dry-run: $(cat "$T_TMP/dry")"
[ "$(grep -c "would remove container $S-plc$" "$T_TMP/dry")" = "$N" ] || fail "dry run: $(cat "$T_TMP/dry")"
[ "$(grep -c "would remove network ${S}_default$" "$T_TMP/dry")" = "$N" ] || fail "dry run: $(cat "$T_TMP/dry")"
grep -q "would remove volume" "$T_TMP/dry" && fail "the dry run would remove a volume without --volumes"
[ "$(stack_ps "$S" | grep -c "$S-plc ")" = "$N" ] || fail "the dry run removed containers"
rc=0
"$PLANTDECK" --read-only --nodes "$SEL" down "$S" >"$T_TMP/ro" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "refused: read-only" "$T_TMP/ro" || fail "read-only down: rc $rc: $(cat "$T_TMP/ro")"
ok "down --dry-run lists $N containers and networks, changes nothing; --read-only refuses"

"$PLANTDECK" --nodes "$SEL" down "$S" >"$T_TMP/down" 2>&1 || { cat "$T_TMP/down" >&2; fail "down failed"; }
[ -z "$(stack_ps "$S")" ] || fail "containers left: $(stack_ps "$S")"
for i in $(seq 1 "$N"); do
	ldocker "$i" network inspect "${S}_default" >/dev/null 2>&1 && fail "$(lab_name "$i"): network left"
	ldocker "$i" volume inspect "${S}_data" >/dev/null 2>&1 || fail "$(lab_name "$i"): the volume went"
done
deploy_status | jq -e --argjson n "$N" '.kind == "down" and .state == "completed" and
	.done == $n' >/dev/null || fail "status: $(deploy_status)"
"$PLANTDECK" rollout journal >"$T_TMP/journal"
grep -q "lab-01 *remove $S-plc *ok" "$T_TMP/journal" || fail "journal: $(cat "$T_TMP/journal")"
"$PLANTDECK" history "$S" --json | jq -e 'length == 2 and all(.[]; .current | not)' >/dev/null ||
	fail "history: $("$PLANTDECK" history "$S")"
"$PLANTDECK" audit --json | jq -e --arg s "$S" '[.[] | select(.target | startswith("stack " + $s + " "))
	| .action] | index("down-start") != null and index("down-end") != null' >/dev/null ||
	fail "audit: $("$PLANTDECK" audit | tail -5)"
ok "down: containers and networks gone on $N nodes, the volume kept; journaled, audited, revisions kept"

# --- the data is still there for the next deploy; an unreachable node is named.
f=$(vol_stack "$S" 2)
"$PLANTDECK" deploy "$f" --nodes "$SEL" --yes >"$T_TMP/out6" 2>&1 || { cat "$T_TMP/out6" >&2; fail "deploy after down failed"; }
expect_marker 2
{ cat "$PLANTDECK_INVENTORY"; printf '  - name: ghost\n    endpoint: tcp://127.0.0.1:9\n'; } >"$T_TMP/inv.yaml"
rc=0
"$PLANTDECK" --inventory "$T_TMP/inv.yaml" --nodes "$SEL,ghost" down "$S" --volumes >"$T_TMP/down2" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "down with an unreachable node: rc $rc: $(cat "$T_TMP/down2")"
grep -q "^ghost *unreachable: " "$T_TMP/down2" || fail "the unreachable node is not named: $(cat "$T_TMP/down2")"
[ -z "$(stack_ps "$S")" ] || fail "containers left: $(stack_ps "$S")"
for i in $(seq 1 "$N"); do
	ldocker "$i" volume inspect "${S}_data" >/dev/null 2>&1 && fail "$(lab_name "$i"): --volumes kept the volume"
done
ok "a redeploy finds the data; down --volumes removes it on $N nodes, names the unreachable node, exits 1"
