#!/usr/bin/env bash
# lab-images.sh — checks that the lab's sample images behave as doc/lab.md says, on the last
# node of a running lab (about 20 s):
#   plc-sim:1, plc-sim:2   run, turn healthy, carry label org.plantdeck.version 1 / 2, the env
#                          PLC_VERSION and their own log lines
#   plc-sim:bad            exits 1 at once with a message on stderr
#   leaky:1                under a 32 MiB memory limit: OOMKilled=true and an `oom` event
#   flaky:1                (FLAKY_UP=4 FLAKY_DOWN=7) starting -> healthy -> unhealthy -> healthy
# Its containers are named labtest-images-PID-* and removed at the end.
# Exit 0 pass, 1 fail, 77 skip (not root, or $PLANTDECK_LAB unset). Uses curl only.
# shellcheck disable=SC2317  # functions called through check() and t_on_exit
. "$(dirname "$0")/lib.sh"
need_lab
# Every check runs and is counted (fail below does not exit): no -e, as before lib.sh.
set +e -o pipefail

n=${PLANTDECK_LAB_NODES:-1}
api=$(lab_url "$n")
reg=127.0.0.1:5000/plant
prefix=labtest-images-$$
failures=0

ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*"
	failures=$((failures + 1))
}
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
contains() { [[ $1 == *"$2"* ]]; }

# remove this test's containers (by name: run() works in a subshell)
cleanup() {
	local id
	for id in $(lab_curl -fs --max-time 10 -G "$api/containers/json" --data-urlencode all=1 \
		--data-urlencode "filters={\"name\":[\"^/$prefix-\"]}" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
		lab_curl -s -o /dev/null --max-time 20 -X DELETE "$api/containers/$id?force=1&v=1"
	done
}
t_on_exit cleanup

# pull REPO TAG: pull from the lab registry; fails on an error in the progress stream
pull() {
	local out
	out=$(lab_curl -fs --max-time 120 -X POST "$api/images/create?fromImage=$reg/$1&tag=$2") &&
		! contains "$out" '"error"'
}

# run NAME IMAGE [JSON-EXTRA]: create and start a container, print its id
run() {
	local body id
	body="{\"Image\":\"$2\"${3:+,$3}}"
	id=$(lab_curl -fs --max-time 20 -X POST -H 'Content-Type: application/json' -d "$body" \
		"$api/containers/create?name=$prefix-$1" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4) || return 1
	[[ -n $id ]] || return 1
	lab_curl -fs --max-time 20 -X POST "$api/containers/$id/start" || return 1
	echo "$id"
}

inspect() { lab_curl -fs --max-time 10 "$api/containers/$1/json"; }
health() { inspect "$1" | grep -o '"Health":{"Status":"[a-z]*"' | cut -d'"' -f6; }
# logs ID stdout|stderr: the container's log of that stream (with the 8-byte frame headers)
logs() { lab_curl -fs --max-time 10 "$api/containers/$1/logs?$2=1" | tr -d '\000'; }

# wait_health ID STATUS SECONDS
wait_health() {
	local deadline=$((SECONDS + $3))
	while ((SECONDS < deadline)); do
		[[ $(health "$1") == "$2" ]] && return 0
		sleep 0.5
	done
	return 1
}

t0=$(date +%s)
for img in plc-sim:1 plc-sim:2 plc-sim:bad leaky:1 flaky:1; do
	check "pull $reg/$img on node $n" pull "${img%:*}" "${img#*:}"
done

# flaky first: its cycle takes the longest; watch it at the end
flaky=$(run flaky "$reg/flaky:1" '"Env":["FLAKY_UP=4","FLAKY_DOWN=7"]') || flaky=
check "flaky:1 starts in health state 'starting'" test "$(health "$flaky")" = starting
p1=$(run plc1 "$reg/plc-sim:1") || p1=
p2=$(run plc2 "$reg/plc-sim:2") || p2=

# plc-sim:bad exits 1 at once, with its reason on stderr
bad=$(run bad "$reg/plc-sim:bad") || bad=
code=$(lab_curl -fs --max-time 20 -X POST "$api/containers/$bad/wait" | grep -o '"StatusCode":[0-9]*' | cut -d: -f2)
check "plc-sim:bad exits with status 1 (got ${code:-none})" test "${code:-}" = 1
check "plc-sim:bad says why on stderr" contains "$(logs "$bad" stderr)" "self-test failed"

# leaky:1 under 32 MiB: OOM-killed, and the engine says so
leaky=$(run leaky "$reg/leaky:1" '"HostConfig":{"Memory":33554432}') || leaky=
code=$(lab_curl -fs --max-time 60 -X POST "$api/containers/$leaky/wait" | grep -o '"StatusCode":[0-9]*' | cut -d: -f2)
check "leaky:1 is killed (status ${code:-none}, expect 137)" test "${code:-}" = 137
check "leaky:1 shows State.OOMKilled=true" contains "$(inspect "$leaky")" '"OOMKilled":true'
events=$(lab_curl -fs --max-time 10 -G "$api/events" --data-urlencode "since=$t0" \
	--data-urlencode "until=$(($(date +%s) + 1))" \
	--data-urlencode "filters={\"container\":[\"$leaky\"]}")
check "the engine emitted an oom event for leaky:1" contains "$events" '"Action":"oom"'

# plc-sim:1 and :2: healthy, labelled, their own log lines
for v in 1 2; do
	if [[ $v == 1 ]]; then id=$p1 line="plc-sim 1: cycle 5, counter=5"; else id=$p2 line="plc-sim 2: scan=5 counter=5"; fi
	check "plc-sim:$v turns healthy" wait_health "$id" healthy 15
	json=$(inspect "$id")
	check "plc-sim:$v has label org.plantdeck.version=$v" contains "$json" "\"org.plantdeck.version\":\"$v\""
	check "plc-sim:$v has env PLC_VERSION=$v" contains "$json" "\"PLC_VERSION=$v\""
	deadline=$((SECONDS + 10))
	until contains "$(logs "$id" stdout)" "$line" || ((SECONDS >= deadline)); do sleep 0.5; done
	check "plc-sim:$v logs '$line'" contains "$(logs "$id" stdout)" "$line"
done

# flaky:1: the engine's health_status events go healthy, unhealthy, healthy
seq=
deadline=$((SECONDS + 40))
while ((SECONDS < deadline)); do
	seq=$(lab_curl -fs --max-time 10 -G "$api/events" --data-urlencode "since=$t0" \
		--data-urlencode "until=$(date +%s)" \
		--data-urlencode "filters={\"container\":[\"$flaky\"],\"event\":[\"health_status\"]}" |
		grep -o '"status":"health_status: [a-z]*"' | cut -d' ' -f2 | tr -d '"' | tr '\n' ' ')
	[[ $seq == "healthy unhealthy healthy"* ]] && break
	sleep 1
done
check "flaky:1 goes starting -> healthy -> unhealthy -> healthy (events: ${seq:-none})" \
	contains "$seq" "healthy unhealthy healthy"

if ((failures)); then
	echo "FAIL: $failures check(s) failed"
	exit 1
fi
echo "PASS: sample images behave"
exit 0
