#!/bin/sh
# deploy-secrets-swarm.sh: secrets and configs of a stack of x-plantdeck target swarm, on a
# lab swarm of 2 nodes (lab-01 the manager: the lab's own swarm when it has one, else one
# brought up as tests/deploy-swarm.sh does, and left at exit): real
# Swarm secrets and configs with versioned names (STACK_KEY_<8 hex of the sha256>, labelled
# io.plantdeck.stack) in the service's ContainerSpec, each readable in every task's container
# at its path with its mode and owner; the secrets' text nowhere in the database or the
# outputs; an update whose secret file changed makes a new secret, the service update rotates
# it in, and the old one is removed while the unchanged ones are reused.  The service, secrets
# and configs of the test are removed at exit, also on failure.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 2 ] || skip "needs a lab of 2 nodes or more (has $N)"

lab=$top_srcdir/lab/plantdeck-lab
n=2
S=dss$$
SVC=${S}_plc
sel=lab-01,lab-02

if [ "$(ldocker 1 info --format '{{.Swarm.ControlAvailable}}')" = true ] &&
	[ "$(ldocker 2 info --format '{{.Swarm.LocalNodeState}}')" = active ]; then
	# A lab brought up with --swarm: used as it is, and left so.
	ok "the lab's swarm (lab-01 a manager) used as it is"
else
	# Whatever fails, the swarm is left (fd 9, the lab lock, is not passed on) ...
	t_on_exit "\"$lab\" swarm-leave --dir \"$PLANTDECK_LAB\" >/dev/null 2>&1 9>&-"
	out=$("$lab" up --swarm --managers 1 --swarm-nodes "$n" 2>&1 9>&-) || fail "up --swarm failed: $out"
fi
# ... after the service, its secrets and configs are removed (cleanups run newest first).
t_on_exit "ldocker 1 config rm \$(ldocker 1 config ls -q --filter label=io.plantdeck.stack=$S) >/dev/null 2>&1 || true"
t_on_exit "ldocker 1 secret rm \$(ldocker 1 secret ls -q --filter label=io.plantdeck.stack=$S) >/dev/null 2>&1 || true"
t_on_exit "for i in 1 2; do ldocker 1 node update --label-rm io.plantdeck.placement.$S \$(ldocker \$i info --format '{{.Swarm.NodeID}}') >/dev/null 2>&1 || true; done"
t_on_exit "ldocker 1 service rm $SVC >/dev/null 2>&1 || true"
eval "$("$lab" env --dir "$PLANTDECK_LAB")"    # the inventory now marks the manager

FILE_SECRET="swarm-file-secret-$$-Kp2"
ENV_SECRET="swarm-env-secret-$$-Lm5"
NEW_SECRET="swarm-rotated-$$-Tz8"
mkdir -p "$T_TMP/site"
printf '%s\n' "$FILE_SECRET" >"$T_TMP/site/db_pw.txt"
export PD_TEST_API_KEY="$ENV_SECRET"

# The stack on plc-sim:$1.
cat_stack() {
	cat >"$T_TMP/site/stack.yaml" <<YAML
x-plantdeck:
  stack: $S
  target: swarm
  rollout:
    parallelism: 0
    monitor: 1s
    progress_deadline: 60s
secrets:
  db_pw:
    file: ./db_pw.txt
  api_key:
    environment: PD_TEST_API_KEY
configs:
  plc_conf:
    content: |
      stack=$S
services:
  plc:
    image: $REG/plant/plc-sim:$1
    # The lab's nodes share one network namespace: an overlay network reaches
    # one node only (doc/lab.md); the host network works on every node.
    network_mode: host
    secrets:
      - db_pw
      - source: api_key
        target: api.key
        uid: "1000"
        gid: "1001"
        mode: 0400
    configs:
      - source: plc_conf
        target: /etc/plc/plc.conf
        mode: 0440
YAML
	echo "$T_TMP/site/stack.yaml"
}
# The versioned name of secret or config $1 with content file $2.
vname() { echo "${S}_$1_$(sha256sum "$2" | cut -c1-8)"; }
spec_names() {
	ldocker 1 service inspect "$SVC" | jq -c '[.[0].Spec.TaskTemplate.ContainerSpec |
		(.Secrets[] | [.SecretName, .File.Name, .File.UID, .File.GID, .File.Mode]),
		(.Configs[] | [.ConfigName, .File.Name, .File.UID, .File.GID, .File.Mode])]'
}
# On every node, the running task's container has the files; db_pw holds $1.
expect_files() {
	local i c got
	for i in $(seq 1 "$n"); do
		c=$(ldocker "$i" ps -q --filter "label=com.docker.swarm.service.name=$SVC" | head -n 1)
		[ -n "$c" ] || fail "$(lab_name "$i"): no task container of $SVC"
		got=$(ldocker "$i" exec "$c" stat -c '%n %a %u %g' /run/secrets/db_pw /run/secrets/api.key \
			/etc/plc/plc.conf 2>&1) || fail "$(lab_name "$i"): stat: $got"
		[ "$got" = "/run/secrets/db_pw 444 0 0
/run/secrets/api.key 400 1000 1001
/etc/plc/plc.conf 440 0 0" ] || fail "$(lab_name "$i"): modes and owners: $got"
		[ "$(ldocker "$i" exec "$c" cat /run/secrets/db_pw)" = "$1" ] ||
			fail "$(lab_name "$i"): /run/secrets/db_pw is not the file's content"
		[ "$(ldocker "$i" exec "$c" cat /run/secrets/api.key)" = "$ENV_SECRET" ] ||
			fail "$(lab_name "$i"): api.key is not the variable's value"
		[ "$(ldocker "$i" exec "$c" cat /etc/plc/plc.conf)" = "stack=$S" ] ||
			fail "$(lab_name "$i"): plc.conf"
	done
}

# --- revision 1
printf '%s' "$ENV_SECRET" >"$T_TMP/env.txt"
printf 'stack=%s\n' "$S" >"$T_TMP/conf.txt"
f=$(cat_stack 1)
"$PLANTDECK" deploy "$f" --nodes "$sel" --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy 1 failed"; }
pw1=$(vname db_pw "$T_TMP/site/db_pw.txt")
want="[[\"$pw1\",\"db_pw\",\"0\",\"0\",292],[\"$(vname api_key "$T_TMP/env.txt")\",\"api.key\",\"1000\",\"1001\",256],[\"$(vname plc_conf "$T_TMP/conf.txt")\",\"/etc/plc/plc.conf\",\"0\",\"0\",288]]"
[ "$(spec_names)" = "$want" ] || fail "service spec: $(spec_names), want $want"
[ "$(ldocker 1 secret inspect -f '{{index .Spec.Labels "io.plantdeck.stack"}}' "$pw1")" = "$S" ] ||
	fail "secret $pw1 is not labelled with the stack"
expect_files "$FILE_SECRET"
ok "revision 1: Swarm secrets and a config with versioned names, in every task at its path and mode"

# --- the text is in no record
id1=$(deploy_status | jq .id)
"$PLANTDECK" rollout journal "$id1" >"$T_TMP/journal1"
grep -q " secret db_pw  *ok  *created $pw1 " "$T_TMP/journal1" || fail "journal: $(cat "$T_TMP/journal1")"
deploy_status >"$T_TMP/status.json"
"$PLANTDECK" status --json >"$T_TMP/fleet.json" 2>&1 || true
for t in "$FILE_SECRET" "$ENV_SECRET"; do
	for g in "$PLANTDECK_DB"* "$T_TMP/out1" "$T_TMP/journal1" "$T_TMP/status.json" "$T_TMP/fleet.json"; do
		[ -e "$g" ] || continue
		! grep -a -q -- "$t" "$g" || fail "the secret's text is in $g"
	done
done
ok "the secrets' text is in neither the database, the journal, status nor the deploy's output"

# --- the file changes: a new secret, rotated in; the unchanged ones reused; the old one gone
printf '%s\n' "$NEW_SECRET" >"$T_TMP/site/db_pw.txt"
"$PLANTDECK" deploy "$f" --nodes "$sel" --yes >"$T_TMP/out2" 2>&1 ||
	{ cat "$T_TMP/out2" >&2; fail "deploy 2 failed"; }
pw2=$(vname db_pw "$T_TMP/site/db_pw.txt")
[ "$pw2" != "$pw1" ] || fail "the same versioned name for another content"
spec_names | jq -e --arg n "$pw2" '.[0][0] == $n' >/dev/null || fail "not rotated: $(spec_names)"
expect_files "$NEW_SECRET"
id2=$(deploy_status | jq .id)
"$PLANTDECK" rollout journal "$id2" >"$T_TMP/journal2"
grep -q " secret api_key  *ok  *reused " "$T_TMP/journal2" || fail "api_key not reused: $(cat "$T_TMP/journal2")"
! ldocker 1 secret inspect "$pw1" >/dev/null 2>&1 || fail "the old secret $pw1 is still in the swarm"
! grep -a -q -- "$NEW_SECRET" "$PLANTDECK_DB"* || fail "the new secret's text is in the database"
ok "a changed file: secret $pw2 made and rotated into every task, the others reused, $pw1 removed"
