#!/bin/sh
# deploy-private-registry.sh: a stack whose image lives only in the lab's login registry
# (127.0.0.1:5001, htpasswd). Without credentials (an empty DOCKER_CONFIG) the deploy fails at
# pre-pull, naming the registry and where credentials were looked for, and nothing is switched
# (no container, no service); with a wrong password it says the registry refused the
# credentials from that config.json; with the login in a temporary config.json it deploys to
# three engines, and through Swarm (the service created with the login, which Swarm keeps for
# its own pulls: a node that lost the image pulls it again for its new task; that image is made
# for the run and pushed to 5001 only, since dockerd 20.10 takes a pull by digest as done,
# without asking the registry, when it holds the same manifest under another name, as every
# node does for plc-sim:1 from 5000). The password, and
# its encodings, are found nowhere in the database, the command output and diagnostics, a
# cockpit's --log file and terminal output (a deploy made from it), status --json, the journal
# or the audit trail. Images pulled from 5001 are untagged on every
# node at the start and at exit (so that the next run's check without credentials really asks
# the registry), containers, services and placement labels removed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 5 ] || skip "needs a lab of 5 nodes or more (has $N)"
[ -n "${PLANTDECK_AUTH_REGISTRY:-}" ] && [ -r "${PLANTDECK_AUTH_DIR:-}/password" ] ||
	skip "the lab has no login registry (run lab/plantdeck-lab up from this tree)"

lab=$top_srcdir/lab/plantdeck-lab
AREG=$PLANTDECK_AUTH_REGISTRY
USER_=$(cat "$PLANTDECK_AUTH_DIR/user")
PASS=$(cat "$PLANTDECK_AUTH_DIR/password")
[ -n "$USER_" ] && [ -n "$PASS" ] || fail "empty login in $PLANTDECK_AUTH_DIR"
S=dpr$$
SW=dps$$
SVC=${SW}_plc
IMG=$AREG/plant/plc-sim:1
sel='lab-0[1-3]'

# untag_5001: every reference to an image of the login registry on every node goes (the
# image itself stays when the lab registry's tag shares it)
untag_5001() {
	for i in $(seq 1 "$N"); do
		lab_curl -fsS --max-time 10 "$(lab_url "$i")/images/json?digests=1" 2>/dev/null |
			jq -r --arg r "$AREG/" '.[] | (.RepoTags // []) + (.RepoDigests // []) | .[] |
				select(startswith($r))' |
			while read -r ref; do
				lab_curl -sS --max-time 30 -X DELETE "$(lab_url "$i")/images/$ref?force=1" \
					>/dev/null 2>&1 || true
			done
	done
}
# has_5001 I: whether node I holds a reference to an image of the login registry
has_5001() {
	lab_curl -fsS --max-time 10 "$(lab_url "$1")/images/json?digests=1" |
		jq -e --arg r "$AREG/" '[.[] | (.RepoTags // []) + (.RepoDigests // []) | .[] |
			select(startswith($r))] | length > 0' >/dev/null 2>&1
}

# Cleanups run newest first: the images last, once nothing uses them.
t_on_exit "untag_5001"
untag_5001
for i in $(seq 1 "$N"); do ! has_5001 "$i" || fail "$(lab_name "$i") still has an image of $AREG"; done
# Containers first (cleanups run newest first): a network in use stays.
t_on_exit "lab_rm_networks $S"
t_on_exit "lab_rm_prefix $S-"

# A stack file for stack $1 on image $3 (default IMG), target $2 (engines or swarm).
pr_stack() {
	cat >"$T_TMP/$1.yaml" <<YAML
x-plantdeck:
  stack: $1
  target: $2
  rollout:
    monitor: 1s
    progress_deadline: 60s
services:
  plc:
    image: ${3:-$IMG}
    restart: always
    # The lab's nodes share one network namespace: a swarm stack's overlay
    # network reaches one node only (doc/lab.md); the host network works on
    # every node, and on engines it makes no network to clean up.
    network_mode: host
    # Once a second (five nodes at most): each switch waits for the first
    # check; as patient as every 4 s with 10 retries.
    healthcheck:
      test: ["CMD", "/bin/plc-sim", "health"]
      interval: 1s
      timeout: 10s
      retries: 40
      start_period: 1s
YAML
	echo "$T_TMP/$1.yaml"
}
f=$(pr_stack "$S" engines)

# --- without credentials: pre-pull fails naming the registry, nothing switched
mkdir -p "$T_TMP/empty"
rc=0
DOCKER_CONFIG=$T_TMP/empty "$PLANTDECK" deploy "$f" --nodes "$sel" --yes >"$T_TMP/out-none" 2>&1 || rc=$?
[ "$rc" = 3 ] || { cat "$T_TMP/out-none" >&2; fail "exit $rc, want 3 (paused: failure_action pause)"; }
deploy_status >"$T_TMP/st-none"
jq -e --arg want "no credentials for $AREG in $T_TMP/empty/config.json" '
	.state == "paused" and (.message | test("pre-pull failed on 3 of 3 nodes: nothing was switched")) and
	all(.nodes[]; .phase == "failed" and (.error | contains($want)))' "$T_TMP/st-none" >/dev/null ||
	fail "status: $(cat "$T_TMP/st-none")"
[ -z "$(stack_ps "$S")" ] || fail "containers of $S were made: $(stack_ps "$S")"
"$PLANTDECK" rollout abort >/dev/null || fail "abort of the paused deploy refused"
ok "no credentials: pre-pull failed on 3 of 3 nodes, 'no credentials for $AREG in $T_TMP/empty/config.json'; no container made"

# --- a wrong password: the registry refused the credentials of that file
mkdir -p "$T_TMP/wrong" "$T_TMP/good"
printf '{"auths": {"https://%s": {"auth": "%s"}}}\n' "$AREG" \
	"$(printf '%s:%s' "$USER_" "not-$PASS" | base64 -w0)" >"$T_TMP/wrong/config.json"
rc=0
DOCKER_CONFIG=$T_TMP/wrong "$PLANTDECK" deploy "$f" --nodes "$sel" --yes >"$T_TMP/out-wrong" 2>&1 || rc=$?
[ "$rc" = 3 ] || { cat "$T_TMP/out-wrong" >&2; fail "exit $rc, want 3"; }
deploy_status >"$T_TMP/st-wrong"
jq -e --arg want "$AREG refused the credentials from $T_TMP/wrong/config.json (auths)" '
	.state == "paused" and all(.nodes[]; .phase == "failed" and (.error | contains($want)))' \
	"$T_TMP/st-wrong" >/dev/null || fail "status: $(cat "$T_TMP/st-wrong")"
[ -z "$(stack_ps "$S")" ] || fail "containers of $S were made: $(stack_ps "$S")"
"$PLANTDECK" rollout abort >/dev/null || fail "abort of the paused deploy refused"
ok "wrong password: '$AREG refused the credentials from .../wrong/config.json (auths)'; no container made"

# --- the login in a config.json: three engines
AUTH64=$(printf '%s:%s' "$USER_" "$PASS" | base64 -w0)
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$AREG" "$AUTH64" >"$T_TMP/good/config.json"
export DOCKER_CONFIG="$T_TMP/good"
"$PLANTDECK" deploy "$f" --nodes "$sel" --yes >"$T_TMP/out-good" 2>&1 ||
	{ cat "$T_TMP/out-good" >&2; fail "deploy with the login failed"; }
out=$(stack_ps "$S")
[ "$(echo "$out" | awk -v img="$IMG" -v name="$S-plc" '$2 == name && $3 == img && $4 == "running"' |
	grep -c .)" = 3 ] || fail "not 3 containers of $S on $IMG running: $out"
"$PLANTDECK" rollout journal >"$T_TMP/journal"
grep -q "credentials from $T_TMP/good/config.json (auths)" "$T_TMP/journal" ||
	fail "the journal does not say where the credentials came from: $(cat "$T_TMP/journal")"
ok "with the login in a config.json: $S runs $IMG on 3 engines; the journal names the file"

# --- the inventory's registries entry naming a credential helper, DOCKER_CONFIG empty: the
# helper (a script here, as docker-credential-NAME) is run with "get" and the host on stdin
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/docker-credential-pdlab" <<SH
#!/bin/sh
read -r server || true
echo "\$*|\$server" >"$T_TMP/helper-called"
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "\$server" "\$(cat "$PLANTDECK_AUTH_DIR/user")" "\$(cat "$PLANTDECK_AUTH_DIR/password")"
SH
chmod 700 "$T_TMP/bin/docker-credential-pdlab"
{ cat "$PLANTDECK_INVENTORY"; printf 'registries:\n  %s: {helper: pdlab}\n' "$AREG"; } >"$T_TMP/inv.yaml"
t_on_exit "lab_rm_prefix ${S}h-"
fh=$(pr_stack "${S}h" engines)
DOCKER_CONFIG=$T_TMP/empty PATH="$T_TMP/bin:$PATH" "$PLANTDECK" --inventory "$T_TMP/inv.yaml" deploy "$fh" \
	--nodes 'lab-0[45]' --yes >"$T_TMP/out-helper" 2>&1 ||
	{ cat "$T_TMP/out-helper" >&2; fail "deploy with the inventory's helper failed"; }
[ "$(cat "$T_TMP/helper-called" 2>/dev/null)" = "get|$AREG" ] ||
	fail "the helper was not run as 'get' with $AREG on stdin: $(cat "$T_TMP/helper-called" 2>/dev/null)"
[ "$(stack_ps "${S}h" | awk -v img="$IMG" '$3 == img && $4 == "running"' | grep -c .)" = 2 ] ||
	fail "not 2 containers of ${S}h running: $(stack_ps "${S}h")"
"$PLANTDECK" rollout journal >>"$T_TMP/journal"
grep -q "credentials from docker-credential-pdlab (the inventory's registries entry)" "$T_TMP/journal" ||
	fail "the journal does not name the helper: $(tail -5 "$T_TMP/journal")"
ok "the inventory's registries entry: docker-credential-pdlab get ($AREG on stdin) gave the login; 2 engines"

# --- from the cockpit, with --log: every byte it wrote to the terminal and its log file are
# kept for the check at the end
if command -v tmux >/dev/null; then
	t_on_exit "lab_rm_prefix ${S}c-"
	fc=$(pr_stack "${S}c" engines)
	tmux_start 110 30 "env TERM=xterm-256color LANG=C.UTF-8 DOCKER_CONFIG=$T_TMP/good $PLANTDECK --log $T_TMP/cockpit.log"
	tmux -L "$T_TMUX" pipe-pane -o "cat >> $T_TMP/cockpit.raw"
	tmux_wait_for "$(lab_name 1)" 20
	tmux_keys D
	tmux_wait_for "Fleet > Deploys"
	tmux_keys n
	tmux_wait_for "Stack file: "
	tmux_keys C-u
	tmux_keys -l "$fc"
	tmux_keys Enter
	tmux_wait_for "Nodes (selector, empty: all): "
	tmux_keys C-u
	tmux_keys -l "lab-02"
	tmux_keys Enter
	tmux_wait_for "Stack ${S}c: revision 0 -> 1" 20
	tmux_keys Enter
	tmux_wait_for "[y/N]"
	tmux_keys y
	tmux_wait_for "COMPLETED" 90
	tmux_keys q
	tmux_wait_dead "q did not quit the cockpit"
	[ -s "$T_TMP/cockpit.raw" ] || fail "nothing captured from the cockpit"
	[ -n "$(ldocker 2 ps -q --filter "name=^${S}c-plc" --filter status=running)" ] ||
		fail "${S}c-plc does not run on lab-02 after the cockpit's deploy"
	ok "from the cockpit (--log): ${S}c deployed to lab-02 with the login from DOCKER_CONFIG"
fi

# --- through Swarm, with a swarm of 5 nodes (made, and left at exit, when there is none)
state=$(ldocker 1 info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')
if [ "$state" != "active true" ]; then
	t_on_exit "\"$lab\" swarm-leave --dir \"$PLANTDECK_LAB\" >/dev/null 2>&1 9>&-"
	o=$("$lab" up --swarm --managers 3 --swarm-nodes 5 2>&1 9>&-) || fail "up --swarm failed: $o"
	eval "$("$lab" env --dir "$PLANTDECK_LAB")"
fi
nsw=$(ldocker 1 node ls -q | grep -c .)
[ "$nsw" -ge 5 ] || fail "the swarm has $nsw nodes, want 5"
swsel=$(seq -s, -f 'lab-%02g' 1 5)
t_on_exit "for i in 1 2 3 4 5; do ldocker 1 node update --label-rm io.plantdeck.placement.$SW \
	\$(ldocker \$i info --format '{{.Swarm.NodeID}}') >/dev/null 2>&1 || true; done"
t_on_exit "ldocker 1 service rm $SVC >/dev/null 2>&1 || true"
# The swarm's image: plc-sim:1 with a label of this run, committed on lab-01, pushed to 5001
# only (with the login) and removed from lab-01, so that no node holds its manifest.
IMG2=$AREG/plant/plc-sim:auth-$$
printf 'X-Registry-Auth: %s\n' "$(printf '{"username":"%s","password":"%s","serveraddress":"%s"}' \
	"$USER_" "$PASS" "$AREG" | base64 -w0 | tr '+/' '-_')" >"$T_TMP/hdr"
chmod 600 "$T_TMP/hdr"
printf 'user = "%s:%s"\n' "$USER_" "$PASS" >"$T_TMP/curlrc"
chmod 600 "$T_TMP/curlrc"
E1=$(lab_url 1)
cid=$(lab_curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"Image\":\"$REG/plant/plc-sim:1\"}" \
	"$E1/containers/create?name=$SW-src" | jq -r .Id) || fail "cannot create a container to commit"
lab_curl -fsS -X POST "$E1/commit?container=$cid&repo=$AREG/plant/plc-sim&tag=auth-$$&changes=LABEL%20io.plantdeck.test%3D$$" \
	>/dev/null || fail "commit failed"
lab_curl -fsS -X DELETE "$E1/containers/$cid?force=1" >/dev/null
# delete_pushed: the run's tag goes from 5001 (deletes are enabled there); registered before the
# push, run at exit
delete_pushed() {
	d=$(curl -fsS -K "$T_TMP/curlrc" -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$AREG/v2/plant/plc-sim/manifests/auth-$$" 2>/dev/null | tr -d '\r' |
		awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }') || d=
	[ -z "$d" ] || curl -fsS -K "$T_TMP/curlrc" -X DELETE "http://$AREG/v2/plant/plc-sim/manifests/$d" >/dev/null 2>&1 || true
}
t_on_exit "delete_pushed"
lab_curl -fsS -X POST -H @"$T_TMP/hdr" "$E1/images/$AREG/plant/plc-sim/push?tag=auth-$$" >"$T_TMP/push" ||
	fail "push failed: $(cat "$T_TMP/push")"
! grep -q '"error' "$T_TMP/push" || fail "push failed: $(cat "$T_TMP/push")"
lab_curl -fsS -X DELETE "$E1/images/$IMG2?force=1" >/dev/null || fail "cannot remove $IMG2 from lab-01"
for i in $(seq 1 "$N"); do
	! lab_curl -fs "$(lab_url "$i")/images/$IMG2/json" >/dev/null 2>&1 ||
		fail "$(lab_name "$i") has $IMG2 before the swarm deploy"
done
fs=$(pr_stack "$SW" swarm "$IMG2")

rc=0
DOCKER_CONFIG=$T_TMP/empty "$PLANTDECK" deploy "$fs" --nodes "$swsel" --yes >"$T_TMP/out-swnone" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a swarm deploy without credentials succeeded"
deploy_status >"$T_TMP/st-swnone"
jq -e --arg want "no credentials for $AREG in $T_TMP/empty/config.json" '
	(.message | test("pre-pull failed on 5 of 5 nodes: nothing was switched")) and
	all(.nodes[]; .phase == "failed" and (.error | contains($want)))' "$T_TMP/st-swnone" >/dev/null ||
	fail "status: $(cat "$T_TMP/st-swnone")"
[ -z "$(ldocker 1 service ls -q --filter "name=$SVC")" ] || fail "a service was created without credentials"
"$PLANTDECK" rollout abort >/dev/null 2>&1 || true
ok "swarm, no credentials: pre-pull failed on 5 of 5 nodes naming $AREG; no service created"

"$PLANTDECK" deploy "$fs" --nodes "$swsel" --yes >"$T_TMP/out-sw" 2>&1 ||
	{ cat "$T_TMP/out-sw" >&2; fail "swarm deploy with the login failed"; }
running=$(ldocker 1 service ps --no-trunc --filter desired-state=running \
	--format '{{.Node}} {{.Image}} {{.CurrentState}}' "$SVC")
[ "$(echo "$running" | grep -c "$IMG2@sha256:.* Running")" = 5 ] ||
	fail "not 5 tasks running $IMG2 (pinned): $running"
ok "swarm: $SVC runs $IMG2 (pinned) on 5 nodes, created with the login"

# Swarm's own pull: lab-05 leaves the placement, loses the image, and comes back; its new task
# can only start if the manager kept the login with the service (5001 refuses anyone else).
id5=$(ldocker 5 info --format '{{.Swarm.NodeID}}')
ldocker 1 node update --label-rm "io.plantdeck.placement.$SW" "$id5" >/dev/null
i=0
while [ -n "$(ldocker 5 ps -q --filter "label=com.docker.swarm.service.name=$SVC")" ]; do
	i=$((i + 1)); [ "$i" -lt 300 ] || fail "lab-05's task of $SVC did not stop"; sleep 0.1
done
ldocker 5 ps -aq --filter "label=com.docker.swarm.service.name=$SVC" | xargs -r docker -H "$(lab_host 5)" rm -f >/dev/null
for ref in $(lab_curl -fsS "$(lab_url 5)/images/json?digests=1" |
	jq -r --arg r "$AREG/" '.[] | (.RepoTags // []) + (.RepoDigests // []) | .[] | select(startswith($r))'); do
	# (untagging one reference can take the other with it: a 404 then is fine)
	lab_curl -sS -X DELETE "$(lab_url 5)/images/$ref?force=1" >/dev/null 2>&1 || true
done
! has_5001 5 || fail "lab-05 still has an image of $AREG"
ldocker 1 node update --label-add "io.plantdeck.placement.$SW=true" "$id5" >/dev/null
i=0
until [ -n "$(ldocker 5 ps -q --filter "label=com.docker.swarm.service.name=$SVC" --filter status=running)" ]; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || fail "no task of $SVC runs on lab-05 again: $(ldocker 1 service ps --no-trunc \
		--filter "node=$id5" --format '{{.CurrentState}} {{.Error}}' "$SVC" | head -3)"
	sleep 0.1
done
has_5001 5 || fail "lab-05 runs the task without having pulled from $AREG"
ok "swarm: lab-05 lost the image; its new task pulled it from $AREG with the login the service keeps"

# --- the password is nowhere
B64URL=$(printf '{"username":"%s","password":"%s","serveraddress":"%s"}' "$USER_" "$PASS" "$AREG" |
	base64 -w0 | tr '+/' '-_')
"$PLANTDECK" status --json >"$T_TMP/status.json" 2>&1 || true
"$PLANTDECK" status >"$T_TMP/status.txt" 2>&1 || true
"$PLANTDECK" audit >"$T_TMP/audit.txt" 2>&1 || true
"$PLANTDECK" audit --json >"$T_TMP/audit.json" 2>&1 || true
"$PLANTDECK" rollout status --json >"$T_TMP/rollout.json" 2>&1 || true
for id in $(jq -r '.id' "$T_TMP"/st-*); do "$PLANTDECK" rollout journal "$id" >>"$T_TMP/journal" 2>&1 || true; done
"$PLANTDECK" history "$S" >"$T_TMP/history" 2>&1 || true
sync
for secret in "$PASS" "$AUTH64" "$B64URL"; do
	for file in "$PLANTDECK_DB"* "$T_TMP"/out-* "$T_TMP"/st-* "$T_TMP"/status.* "$T_TMP/audit.txt" \
		"$T_TMP/audit.json" "$T_TMP/rollout.json" "$T_TMP/journal" "$T_TMP/history" \
		"$T_TMP/cockpit.log" "$T_TMP/cockpit.raw"; do
		[ -e "$file" ] || continue
		! grep -a -q -F -- "$secret" "$file" || fail "a credential is in $file"
	done
done
[ -s "$T_TMP/audit.txt" ] && [ -s "$T_TMP/status.json" ] || fail "audit or status printed nothing"
ok "the password and its encodings are in none of: the database, the deploys' output and diagnostics, the cockpit's --log file and terminal output, status (text and --json), audit, the journals, history"
