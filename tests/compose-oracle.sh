#!/bin/sh
# compose-oracle.sh: docker-compose 1.29 as the oracle of what a stack file
# means.  For each tests/data/compose/oracle-*.yaml, on one lab node:
# `docker-compose -p PROJECT up -d`, inspect its containers, networks and
# volumes, `down -v`; then `plantdeck deploy` of the same file on that node
# alone (stack STACK), inspect, remove.  tests/compose-oracle.py compares
# the two field by field (env, command, healthcheck, user, ports, mounts,
# tmpfs, capabilities, ulimits, sysctls, restart policy, logging, networks
# and aliases, the networks' and volumes' settings...) apart from names and
# the tools' own labels; every difference not in its allow-list fails, one
# readable line each.  One after the other, not side by side: both publish
# the same host ports, and the lab's engines share the host's network.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"

dc=$(command -v docker-compose) || skip "docker-compose is not installed (Debian package 'docker-compose')"
# Over the lab's mutual TLS, docker-compose (python requests) would take REQUESTS_CA_BUNDLE or
# CURL_CA_BUNDLE, where set, over the lab's CA from DOCKER_CERT_PATH, and refuse the engines.
! lab_tls || unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE
# The python docker-compose runs on (Debian's is a python3 script).
py=$(sed -n '1s/^#! *\([^ ]*python3[^ ]*\).*/\1/p' "$dc")
[ -n "$py" ] && [ -x "$py" ] || py=$(command -v python3) || skip "no python3 for the comparison"

# One node; not lab-01 when there are others (the busiest: swarm manager).
I=1
[ "$N" -lt 2 ] || I=2
NODE=$(lab_name "$I")
P=orcdc$$
REG=${PLANTDECK_REGISTRY:-$REG}
FROM_HOST="from the test's environment"
ORACLE_TMP=$T_TMP
# A subnet outside every node's address pool (10.51.0.0/16...) for the
# network whose file gives one; host ports of this run (PORT1..PORT3).
ORACLE_NET=10.250.$I
ORACLE_PORT=$((4000 + $$ % 2000))
export REG FROM_HOST ORACLE_TMP ORACLE_NET ORACLE_PORT
mkdir -p "$T_TMP/gw"
pools=$(ldocker "$I" info --format '{{range .DefaultAddressPools}}--pool {{.Base}} {{end}}')

# Inspect documents of the containers, networks and volumes with label $2
# into $T_TMP/cmp/$1-*.json.
gather() {
	local side=$1 label=$2 ids nets vols
	ids=$(ldocker "$I" ps -aq --filter "label=$label")
	if [ -n "$ids" ]; then
		ldocker "$I" inspect $ids >"$T_TMP/cmp/$side-containers.json"
	else
		echo '[]' >"$T_TMP/cmp/$side-containers.json"
	fi
	# The networks and volumes labelled so, and the ones its containers use.
	nets=$({ ldocker "$I" network ls --filter "label=$label" --format '{{.Name}}'
		jq -r '.[].NetworkSettings.Networks | keys[]' "$T_TMP/cmp/$side-containers.json"; } |
		grep -vx 'bridge\|host\|none' | sort -u)
	vols=$({ ldocker "$I" volume ls -q --filter "label=$label"
		jq -r '.[].Mounts[] | select(.Type == "volume") | .Name' \
			"$T_TMP/cmp/$side-containers.json"; } | sort -u)
	if [ -n "$nets" ]; then
		ldocker "$I" network inspect $nets >"$T_TMP/cmp/$side-networks.json"
	else
		echo '[]' >"$T_TMP/cmp/$side-networks.json"
	fi
	if [ -n "$vols" ]; then
		ldocker "$I" volume inspect $vols >"$T_TMP/cmp/$side-volumes.json"
	else
		echo '[]' >"$T_TMP/cmp/$side-volumes.json"
	fi
}

# Remove stack $1's containers, networks and the volumes its containers
# mounted that were not on the node before (list $2) from node $I.
pd_rm() {
	local s=$1 before=$2 ids vols nets
	ids=$(ldocker "$I" ps -aq --filter "label=io.plantdeck.stack=$s" 2>/dev/null || true)
	vols=$([ -z "$ids" ] || ldocker "$I" inspect $ids 2>/dev/null |
		jq -r '.[].Mounts[] | select(.Type == "volume") | .Name' | sort -u)
	[ -z "$ids" ] || ldocker "$I" rm -f $ids >/dev/null 2>&1 || true
	nets=$(ldocker "$I" network ls -q --filter "label=io.plantdeck.stack=$s" 2>/dev/null || true)
	[ -z "$nets" ] || ldocker "$I" network rm $nets >/dev/null 2>&1 || true
	for v in $vols; do
		grep -qx "$v" "$before" 2>/dev/null || ldocker "$I" volume rm "$v" >/dev/null 2>&1 || true
	done
}

k=0
for f in "$top_srcdir"/tests/data/compose/oracle-*.yaml; do
	k=$((k + 1))
	name=$(basename "$f" .yaml)
	ORACLE_STACK=orcpd$$x$k
	export ORACLE_STACK
	rm -rf "$T_TMP/cmp"
	mkdir -p "$T_TMP/cmp"

	# --- docker-compose.
	t_on_exit "'$dc' -H '$(lab_host "$I")' -p $P$k -f '$f' down -v >/dev/null 2>&1 || true"
	timeout 300 "$dc" -H "$(lab_host "$I")" -p "$P$k" -f "$f" up -d >"$T_TMP/dc.out" 2>&1 ||
		fail "$name: docker-compose up: $(cat "$T_TMP/dc.out")"
	gather compose "com.docker.compose.project=$P$k"
	timeout 300 "$dc" -H "$(lab_host "$I")" -p "$P$k" -f "$f" down -v >"$T_TMP/dc.out" 2>&1 ||
		fail "$name: docker-compose down: $(cat "$T_TMP/dc.out")"

	# --- plantdeck, the same file on the same node.
	ldocker "$I" volume ls -q >"$T_TMP/vols.$k"
	t_on_exit "pd_rm $ORACLE_STACK '$T_TMP/vols.$k'"
	"$PLANTDECK" deploy "$f" --nodes "$NODE" --yes >"$T_TMP/pd.out" 2>&1 ||
		fail "$name: plantdeck deploy: $(cat "$T_TMP/pd.out")"
	gather plantdeck "io.plantdeck.stack=$ORACLE_STACK"
	pd_rm "$ORACLE_STACK" "$T_TMP/vols.$k"

	# --- the comparison.
	"$py" "$top_srcdir/tests/compose-oracle.py" "$T_TMP/cmp" "$P$k" "$ORACLE_STACK" $pools \
		>"$T_TMP/cmp.out" 2>&1 || { cat "$T_TMP/cmp.out" >&2; fail "$name: plantdeck and docker-compose differ (above)"; }
	grep '^allowed' "$T_TMP/cmp.out" || true
	ok "$name: $(tail -n 1 "$T_TMP/cmp.out")"

	# The comparison can fail: one field changed on plantdeck's side is
	# a difference that names it.
	jq '(.[] | select(.Config.Labels["io.plantdeck.service"] != null) | .HostConfig.CapAdd) |= ((. // []) + ["SYS_TIME"])
		| (.[0].Config.Env) += ["ORACLE_EXTRA=1"]' \
		"$T_TMP/cmp/plantdeck-containers.json" >"$T_TMP/mut.json"
	mv "$T_TMP/mut.json" "$T_TMP/cmp/plantdeck-containers.json"
	"$py" "$top_srcdir/tests/compose-oracle.py" "$T_TMP/cmp" "$P$k" "$ORACLE_STACK" $pools \
		>"$T_TMP/cmp.out" 2>&1 && fail "$name: a changed CapAdd and Env went unnoticed"
	grep -q '^DIFF container [a-z]*: HostConfig.CapAdd: compose=.* plantdeck=.*SYS_TIME' "$T_TMP/cmp.out" &&
		grep -q '^DIFF container [a-z]*: Config.Env: ' "$T_TMP/cmp.out" ||
		fail "$name: the differences are not named: $(cat "$T_TMP/cmp.out")"
	ok "$name: a changed field is a difference that names it"
done
[ "$k" -gt 0 ] || fail "no tests/data/compose/oracle-*.yaml"
