# deploy-lib.sh: helpers shared by the deploy tests (source after lib.sh and
# need_lab).  Each test has a stack of its own (its containers are
# STACK-SERVICE and STACK-SERVICE.rREV on the lab nodes) and a database of
# its own in $T_TMP.

command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB
N=$PLANTDECK_LAB_NODES

# The health check's interval in seconds, for stack_file.  4 s by default:
# right for a stack on the whole lab (see below).  A test that switches five
# nodes or fewer sets 1 before stack_file: every switch waits for the first
# check (the engine runs it one interval after the start), and a few checks a
# second do not load the machine.  The retries keep the check as patient
# (interval x retries = 40 s of failures before the container is unhealthy).
STACK_HC_INTERVAL=4

# Write the stack file $T_TMP/$1.yaml: stack $1, service plc on image tag
# $2, with rollout policy lines $3 (YAML, indented by 4) and the placement
# selector $4 (none: every node).
stack_file() {
	cat >"$T_TMP/$1.yaml" <<YAML
x-plantdeck:
  stack: $1
${4:+  placement: $4
}  rollout:
$3
services:
  plc:
    image: $REG/plant/plc-sim:$2
    restart: always
    network_mode: none
    # The image's own check runs every 2 s: on 27 containers that is 13 runc
    # execs a second, which saturates a 2-core test machine, and a loaded
    # machine delays plc-sim's scan loop past the check's 5 s.  The same
    # check, less often and with much more patience: these tests are about
    # the rollout, and a :bad container fails by exiting, not by its check.
    healthcheck:
      test: ["CMD", "/bin/plc-sim", "health"]
      interval: ${STACK_HC_INTERVAL}s
      timeout: 10s
      retries: $((40 / STACK_HC_INTERVAL))
      start_period: 1s
YAML
	echo "$T_TMP/$1.yaml"
}

# "NODE NAME IMAGE STATE" for every container of stack $1 on every node.
stack_ps() {
	local i
	for i in $(seq 1 "$N"); do
		ldocker "$i" ps -a --filter "label=io.plantdeck.stack=$1" \
			--format "$(lab_name "$i") {{.Names}} {{.Image}} {{.State}} {{.Status}}"
	done
}

# Fail unless every node has exactly one container of stack $1, named
# $1-plc, on tag $2, running (and healthy).
expect_all_on() {
	local out bad
	out=$(stack_ps "$1")
	bad=$(echo "$out" | awk -v want="$REG/plant/plc-sim:$2" -v name="$1-plc" \
		'$2 != name || $3 != want || $4 != "running" || $0 !~ /healthy/' | grep -v '^$' || true)
	[ -z "$bad" ] || { echo "$out" >&2; fail "not every node runs $1 on :$2 (see above)"; }
	[ "$(echo "$out" | grep -c .)" = "$N" ] || { echo "$out" >&2; fail "expected $N containers of $1"; }
}

# The deploy record $1 (0: the newest) as JSON.
deploy_status() { "$PLANTDECK" rollout status ${1:+$1} --json; }
