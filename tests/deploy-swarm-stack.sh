#!/bin/sh
# deploy-swarm-stack.sh: a stack of x-plantdeck target swarm with its networks, deployed
# from a directory whose name has a dot (site.v2-PID/stack.yml: stack sitev2-PID, as
# Compose normalises a project name).  A PLC service (plc-sim serving its task's hostname
# over HTTP) and a gateway with a Swarm secret whose healthcheck reaches it by service name over the stack's
# overlay networks.  The plan lists the overlay networks; the deploy makes them through the
# manager before the services (named from the normalised stack name, scope swarm, labelled
# as docker stack deploy labels them, with the file's settings); the gateway becomes healthy
# only by reaching plc by name, and it reads the hostname of plc's task; each service is
# attached with its name and aliases; an update to :2 keeps the same networks and
# attachments; network_mode host puts a service's task on the host network; a same-named
# network that is not the stack's or has other settings, and an external network that
# does not exist, stop a deploy in its plan, before anything changes.
#
# On the lab the stack runs on lab-01 only: the lab's dockerds share the host's network
# namespace, so a second node's task on the same overlay network is rejected ("error
# creating vxlan interface: file exists", doc/lab.md), and the kernel has no IPVS, so a
# service's virtual IP does not forward: plc uses deploy.endpoint_mode dnsrr (its name
# resolves to its tasks' addresses).  The lab's swarm is used as it is; when there is
# none, the test makes one and leaves it at exit.  Services, networks and the placement
# label are removed at exit, also on failure.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 1 ] || skip "needs a lab node"

lab=$top_srcdir/lab/plantdeck-lab
S=sitev2-$$
DIR=$T_TMP/site.v2-$$
mkdir -p "$DIR"
T_START=$(now_s)

if [ "$(ldocker 1 info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" != true ]; then
	# No swarm to use: make one, left at exit (fd 9, the lab lock, is not passed on).
	[ "$N" -ge 5 ] || skip "needs a lab of 5 nodes or more to make a swarm (has $N)"
	t_on_exit "\"$lab\" swarm-leave --dir \"$PLANTDECK_LAB\" >/dev/null 2>&1 9>&-"
	out=$("$lab" up --swarm --swarm-nodes 5 2>&1 9>&-) || fail "up --swarm failed: $out"
	eval "$("$lab" env --dir "$PLANTDECK_LAB")"    # the inventory now marks the manager
	ok "made a swarm of 5 nodes (none was there)"
fi
node1=$(ldocker 1 info --format '{{.Swarm.NodeID}}')

# Cleanups run newest first: services, then the networks (once their tasks are gone),
# then the placement label.
swarm_clean() {
	local t
	ldocker 1 service rm "${S}_plc" "${S}_gateway" "${S}_probe" >/dev/null 2>&1 || true
	for t in $(seq 1 60); do
		ldocker 1 network rm "${S}_default" "${S}_field" >/dev/null 2>&1 || true
		[ -z "$(ldocker 1 network ls -q --filter "label=io.plantdeck.stack=$S")" ] && break
		sleep 0.5
	done
	for t in $(ldocker 1 secret ls -q --filter "label=io.plantdeck.stack=$S"); do
		ldocker 1 secret rm "$t" >/dev/null 2>&1 || true
	done
	ldocker 1 node update --label-rm "io.plantdeck.placement.$S" "$node1" >/dev/null 2>&1 || true
}
t_on_exit swarm_clean

# The gateway's Swarm secret.
GW_TOKEN=gw-$$-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
export GW_TOKEN

# stack TAG [EXTRA]: the stack file $DIR/stack.yml on plc-sim:TAG; EXTRA (YAML lines)
# is added under the gateway's networks.
stack() {
	cat >"$DIR/stack.yml" <<YAML
x-plantdeck:
  target: swarm
  rollout:
    monitor: 2s
    progress_deadline: 90s
    failure_action: pause
networks:
  field:
    attachable: true
    labels: {site: north}
${2:+  outside:
    external: true
    name: nope-$$
}secrets:
  gw_token:
    environment: GW_TOKEN
services:
  plc:
    image: $REG/plant/plc-sim:$1
    # The hostname of its task (its container id, 12 digits) over HTTP on 8080.
    command: ["sh", "-c", "mkdir -p /www && hostname >/www/id && httpd -p 8080 -h /www && exec /bin/plc-sim"]
    networks:
      default:
      field: {aliases: [plc-main]}
    deploy:
      endpoint_mode: dnsrr
    # Checks once a second (one node): each start waits for the first one;
    # the retries keep them as patient as every 3 s.
    healthcheck:
      test: ["CMD", "/bin/plc-sim", "health"]
      interval: 1s
      timeout: 10s
      retries: 45
      start_period: 1s
  gateway:
    image: $REG/plant/plc-sim:$1
    networks:
      - field
${2:+      - outside
}    depends_on: [plc]
    secrets: [gw_token]
    deploy:
      endpoint_mode: dnsrr
    # Healthy once it reads plc by name over the field network (busybox's wget
    # crashes in these static images; nc does not).
    healthcheck:
      test: ["CMD-SHELL", "{ echo GET /id HTTP/1.0; echo; } | nc -w 2 plc 8080 | grep -q ' 200 '"]
      interval: 1s
      timeout: 10s
      retries: 60
      start_period: 1s
  probe:
    image: $REG/plant/plc-sim:$1
    network_mode: host
YAML
	echo "$DIR/stack.yml"
}

# The running container of service $1 on lab-01.
task_of() {
	ldocker 1 ps -q --filter "label=com.docker.swarm.service.name=${S}_$1" --filter status=running |
		head -n 1
}

# Fail unless the gateway is healthy and reads the hostname of plc's task by name.
expect_by_name() {
	local gw plc got
	gw=$(task_of gateway)
	plc=$(task_of plc)
	[ -n "$gw" ] && [ -n "$plc" ] || fail "no running task of gateway ($gw) or plc ($plc)"
	[ "$(ldocker 1 inspect -f '{{.State.Health.Status}}' "$gw")" = healthy ] ||
		fail "the gateway is not healthy: $(ldocker 1 inspect -f '{{json .State.Health}}' "$gw")"
	got=$(ldocker 1 exec "$gw" sh -c \
		'{ echo GET /id HTTP/1.0; echo; } | nc -w 5 plc 8080 | tail -n 1' 2>&1) ||
		fail "the gateway cannot reach plc by name: $got"
	[ "$got" = "$(ldocker 1 inspect -f '{{.Config.Hostname}}' "$plc")" ] ||
		fail "the gateway reached '$got', plc's task is $plc"
	got=$(ldocker 1 exec "$gw" sh -c \
		'{ echo GET /id HTTP/1.0; echo; } | nc -w 5 plc-main 8080 | tail -n 1' 2>&1) ||
		fail "the gateway cannot reach plc by its alias plc-main: $got"
	got=$(ldocker 1 exec "$gw" cat /run/secrets/gw_token 2>&1)
	[ "$got" = "$GW_TOKEN" ] || fail "the gateway's Swarm secret reads '$got'"
}

# "NAME ID" of the stack's networks, and each service's attachments (network ids and aliases).
net_state() {
	ldocker 1 network ls --filter "label=io.plantdeck.stack=$S" --format '{{.Name}} {{.ID}}' | sort
	for svc in plc gateway; do
		ldocker 1 service inspect "${S}_$svc" |
			jq -c --arg s "$svc" '[$s, .[0].Spec.TaskTemplate.Networks]'
	done
}

# --- the plan: the overlay networks, named from the normalised stack name
f=$(stack 1)
"$PLANTDECK" deploy "$f" --nodes lab-01 --dry-run >"$T_TMP/plan" 2>&1 || fail "dry run: $(cat "$T_TMP/plan")"
grep -q "^stack $S: revision 0 -> 1" "$T_TMP/plan" || fail "plan: not stack $S: $(cat "$T_TMP/plan")"
grep -qx "  networks: ${S}_field (overlay, new), ${S}_default (overlay, new), host (probe)" "$T_TMP/plan" ||
	fail "plan: $(cat "$T_TMP/plan")"
grep -q "depends_on' ignored (x-plantdeck target swarm: Swarm starts the services in no order; docker stack deploy ignores it too)" \
	"$T_TMP/plan" || fail "no depends_on warning: $(cat "$T_TMP/plan")"
[ -z "$(ldocker 1 network ls -q --filter "label=io.plantdeck.stack=$S")" ] || fail "--dry-run made a network"
ok "dry run from site.v2-$$/: stack $S, networks ${S}_field and ${S}_default (overlay), host (probe), nothing made"

# --- a network of the same name that is not the stack's, or has other settings: refused
O=otherv2-$$
mkdir -p "$T_TMP/other.v2-$$"
cp "$f" "$T_TMP/other.v2-$$/stack.yml"
t_on_exit "ldocker 1 network rm ${O}_default ${O}_field >/dev/null 2>&1 || true"
ldocker 1 network create --driver overlay "${O}_default" >/dev/null || fail "cannot make a foreign network"
rc=0
"$PLANTDECK" deploy "$T_TMP/other.v2-$$/stack.yml" --nodes lab-01 --dry-run >"$T_TMP/foreign" 2>&1 || rc=$?
[ "$rc" != 0 ] && grep -q "network ${O}_default exists and is not stack $O's" "$T_TMP/foreign" ||
	fail "a foreign network: $(cat "$T_TMP/foreign")"
ldocker 1 network create --driver overlay --internal --label "io.plantdeck.stack=$O" "${O}_field" >/dev/null ||
	fail "cannot make a network"
ldocker 1 network rm "${O}_default" >/dev/null
rc=0
"$PLANTDECK" deploy "$T_TMP/other.v2-$$/stack.yml" --nodes lab-01 --dry-run >"$T_TMP/other" 2>&1 || rc=$?
[ "$rc" != 0 ] && grep -q "network ${O}_field exists with other settings (Internal is true)" "$T_TMP/other" ||
	fail "a network with other settings: $(cat "$T_TMP/other")"
ok "a same-named network without the stack's label, or with other settings: the plan refuses, naming it"

# --- an external network that does not exist: refused before anything changes
rc=0
"$PLANTDECK" deploy "$(stack 1 outside)" --nodes lab-01 --yes >"$T_TMP/ext" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a deploy with a missing external network succeeded: $(cat "$T_TMP/ext")"
grep -q "external network nope-$$ does not exist on the swarm's managers" "$T_TMP/ext" ||
	fail "the error does not name the external network: $(cat "$T_TMP/ext")"
[ -z "$(ldocker 1 service ls -q --filter "label=com.docker.stack.namespace=$S")" ] ||
	fail "a service was made although the external network is missing"
[ -z "$(ldocker 1 network ls -q --filter "label=io.plantdeck.stack=$S")" ] ||
	fail "a network was made although the external network is missing"
ok "a missing external network: refused naming it, no service or network made"

# --- :1 through Swarm, on lab-01
f=$(stack 1)
t0=$(now_s)
"$PLANTDECK" deploy "$f" --nodes lab-01 --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; "$PLANTDECK" rollout journal >&2 || true; fail "deploy :1 failed"; }
ok "revision 1 through Swarm in $(ms_between "$t0" "$(now_s)") ms"
deploy_status | jq -e '.state == "completed" and .target == "swarm" and all(.nodes[]; .phase == "done")' \
	>/dev/null || fail "status: $(deploy_status)"
for net in default field; do
	ldocker 1 network inspect "${S}_$net" | jq -e --arg s "$S" --arg k "$net" '.[0] |
		.Driver == "overlay" and .Scope == "swarm" and
		.Labels["com.docker.stack.namespace"] == $s and .Labels["io.plantdeck.stack"] == $s and
		(if $k == "field" then .Attachable == true and .Labels.site == "north" else true end)' \
		>/dev/null || fail "network ${S}_$net: $(ldocker 1 network inspect "${S}_$net" 2>&1)"
done
ok "networks ${S}_default and ${S}_field: overlay, scope swarm, labelled (namespace, io.plantdeck.stack, the file's)"
"$PLANTDECK" rollout journal >"$T_TMP/journal"
grep -q "network ${S}_default  *ok  *created" "$T_TMP/journal" &&
	grep -q "network ${S}_field  *ok  *created" "$T_TMP/journal" ||
	fail "no network steps in the journal: $(cat "$T_TMP/journal")"
awk -v n="network ${S}_default" -v c="create ${S}_plc" 'index($0, n) { seen = 1 } index($0, c) { exit !seen }' \
	"$T_TMP/journal" || fail "a service was made before the networks: $(cat "$T_TMP/journal")"
ok "journal: the networks made before the services"

def=$(ldocker 1 network inspect -f '{{.Id}}' "${S}_default")
fld=$(ldocker 1 network inspect -f '{{.Id}}' "${S}_field")
ldocker 1 service inspect "${S}_plc" | jq -e --arg d "$def" --arg f "$fld" '.[0].Spec |
	.EndpointSpec.Mode == "dnsrr" and
	(.TaskTemplate.Networks | length == 2 and
	any(.[]; .Target == $d and .Aliases == ["plc"]) and
	any(.[]; .Target == $f and .Aliases == ["plc-main", "plc"]))' >/dev/null ||
	fail "plc's attachments: $(ldocker 1 service inspect "${S}_plc" | jq -c '.[0].Spec | [.TaskTemplate.Networks, .EndpointSpec]')"
ldocker 1 service inspect "${S}_gateway" | jq -e --arg f "$fld" \
	'.[0].Spec.TaskTemplate.Networks == [{"Target": $f, "Aliases": ["gateway"]}]' >/dev/null ||
	fail "gateway's attachments: $(ldocker 1 service inspect "${S}_gateway" | jq -c '.[0].Spec.TaskTemplate.Networks')"
ok "services attached as docker stack deploy attaches them: the file's aliases, then the service's name"
probe=$(task_of probe)
[ "$(ldocker 1 service inspect "${S}_probe" | jq '.[0].Spec.TaskTemplate.Networks | length')" = 1 ] &&
	[ -n "$probe" ] && [ "$(ldocker 1 inspect -f '{{.HostConfig.NetworkMode}}' "$probe")" = host ] ||
	fail "probe (network_mode host): $(ldocker 1 service inspect "${S}_probe" | jq -c '.[0].Spec.TaskTemplate.Networks')"
ok "network_mode host: the probe's task runs on the host network"

expect_by_name
ok "the gateway is healthy: it reaches plc by name (and plc-main) over the overlay network; its Swarm secret is there"
net_state >"$T_TMP/net1"
"$PLANTDECK" deploy "$(stack 2)" --nodes lab-01 --dry-run >"$T_TMP/plan2" 2>&1 || fail "dry run: $(cat "$T_TMP/plan2")"
grep -qx "  networks: ${S}_field (overlay), ${S}_default (overlay), host (probe)" "$T_TMP/plan2" ||
	fail "plan of :2: $(cat "$T_TMP/plan2")"
ok "the plan of :2: the networks exist (no 'new')"

# --- :2: the same networks and attachments
f=$(stack 2)
"$PLANTDECK" deploy "$f" --nodes lab-01 --yes >"$T_TMP/out2" 2>&1 ||
	{ cat "$T_TMP/out2" >&2; fail "deploy :2 failed"; }
ldocker 1 service inspect "${S}_gateway" | jq -e '.[0].Spec.TaskTemplate.ContainerSpec.Image | test("plc-sim:2")' \
	>/dev/null || fail "the gateway is not on :2"
net_state >"$T_TMP/net2"
cmp -s "$T_TMP/net1" "$T_TMP/net2" || fail "networks or attachments changed on :2: $(diff "$T_TMP/net1" "$T_TMP/net2")"
"$PLANTDECK" rollout journal >"$T_TMP/journal2"
grep -q "network ${S}_default" "$T_TMP/journal2" && fail "the update made a network again: $(cat "$T_TMP/journal2")"
expect_by_name
ok "revision 2: the same networks and attachments, plc still reached by name"
ok "all in $(ms_between "$T_START" "$(now_s)") ms"
