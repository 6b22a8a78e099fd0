#!/bin/sh
# serve-metrics.sh: `plantdeck serve --metrics-listen` on 3 simulated engines,
# no lab.  GET /metrics answers in the Prometheus text format (promtool check
# metrics is clean when promtool is installed), also with more than
# FD_SETSIZE descriptors open; plantdeck_node_up is 1 for each node and
# plantdeck's requests to each are counted; an OOM kill is counted and
# alarmed on its node and stack; a node that hangs goes to 0 (its failed
# requests counted) while the others stay 1; SIGHUP re-reads the inventory
# (a node taken out of it disappears; a bad inventory is reported and the
# fleet kept); SIGTERM ends serve with status 0; other paths answer 404.
# --log-format json writes one JSON object a line.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v curl >/dev/null || skip "curl is not installed (Debian package 'curl')"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
command -v python3 >/dev/null || skip "python3 is not installed"
LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
sim_start 29 --nodes 3 --containers 2 --events-per-sec 0
unset PLANTDECK_INVENTORY
cp "$PLANTDECK_SIM/inventory.yaml" "$T_TMP/inv.yaml"
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB

# A wrong address is refused on the command line's terms.
rc=0
"$PLANTDECK" -i "$T_TMP/inv.yaml" serve --metrics-listen nowhere >"$T_TMP/bad.out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "serve --metrics-listen nowhere: status $rc, want 1: $(cat "$T_TMP/bad.out")"
assert_contains "$(cat "$T_TMP/bad.out")" "--metrics-listen 'nowhere': want HOST:PORT"
ok "a bad --metrics-listen is refused: $(tail -n 1 "$T_TMP/bad.out")"

# serve starts with 1100 descriptors open, as a big fleet's connections
# hold them: a scrape's connection then gets a descriptor past FD_SETSIZE
# (1024), which an HTTP server on select() refuses.
cat >"$T_TMP/fds.py" <<'EOP'
import os, resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < 1200 and (hard == resource.RLIM_INFINITY or hard >= 1200):
    resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
if resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= 1200:
    for _ in range(1100):
        os.set_inheritable(os.open("/dev/null", os.O_RDONLY), True)
os.execvp(sys.argv[1], sys.argv[1:])
EOP
python3 "$T_TMP/fds.py" "$PLANTDECK" -i "$T_TMP/inv.yaml" serve --metrics-listen 127.0.0.1:0 \
	--log-format json >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVE=$!
t_on_exit "kill $SERVE 2>/dev/null"

# Poll (at most $2 s) until GET /metrics has a line matching the regex $1.
metrics() { curl -sf "http://$ADDR/metrics"; }
wait_metric() {
	local t0
	t0=$(now_s)
	until metrics >"$T_TMP/m.txt" 2>/dev/null && grep -Eq "$1" "$T_TMP/m.txt"; do
		[ "$(ms_between "$t0" "$(now_s)")" -lt $(($2 * 1000)) ] ||
			fail "no line /$1/ within $2 s; last scrape: $(grep node_up "$T_TMP/m.txt" || true)"
		kill -0 $SERVE 2>/dev/null || fail "serve died: $(cat "$T_TMP/serve.err")"
		sleep 0.1
	done
}
t0=$(now_s)
until ADDR=$(jq -r 'select(.msg | startswith("serve started")) | .msg' "$T_TMP/serve.out" \
	2>/dev/null | grep -o '127\.0\.0\.1:[0-9]*'); do
	kill -0 $SERVE 2>/dev/null || fail "serve died: $(cat "$T_TMP/serve.err")"
	[ "$(ms_between "$t0" "$(now_s)")" -lt 10000 ] || fail "no start line: $(cat "$T_TMP/serve.out")"
	sleep 0.05
done
ok "serve listens on $ADDR"

for n in 1 2 3; do
	wait_metric "^plantdeck_node_up\{node=\"sim-000$n\"\} 1$" 10
done
ok "plantdeck_node_up is 1 for sim-0001..3"
assert_contains "$(cat "$T_TMP/m.txt")" 'plantdeck_node_engine_info{node="sim-0001",engine_version="'
assert_contains "$(cat "$T_TMP/m.txt")" 'plantdeck_heal_runner 1'
grep -Eq '^plantdeck_request_duration_seconds_count\{node="sim-0001"\} [1-9]' "$T_TMP/m.txt" ||
	fail "no requests counted for sim-0001: $(grep 'duration_seconds_count' "$T_TMP/m.txt")"
assert_contains "$(cat "$T_TMP/m.txt")" 'plantdeck_audit_chain_ok 1'
grep -q '^plantdeck_containers{node="sim-0001",stack="[^"]*",state="running"} [1-9]' "$T_TMP/m.txt" ||
	fail "no running containers counted on sim-0001: $(grep '^plantdeck_containers' "$T_TMP/m.txt")"
! grep -Eq '[0-9a-f]{64}' "$T_TMP/m.txt" || fail "a container id in the metrics"
hdr=$(curl -sf -o /dev/null -w '%{content_type}' "http://$ADDR/metrics")
assert_contains "$hdr" "text/plain; version=0.0.4"
ok "engine info, heal runner, audit chain, request histogram, containers per stack; no container ids; $hdr"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T_TMP/m.txt" >"$T_TMP/check.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$T_TMP/check.out")"
	[ ! -s "$T_TMP/check.out" ] || fail "promtool check metrics: $(cat "$T_TMP/check.out")"
	ok "promtool check metrics: clean ($(wc -c <"$T_TMP/m.txt") bytes)"
else
	echo "note: promtool is not installed (Debian package 'prometheus'): format not checked"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/other")
[ "$code" = 404 ] || fail "GET /other: $code, want 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$ADDR/metrics")
[ "$code" = 405 ] || fail "POST /metrics: $code, want 405"
ok "GET /other: 404, POST /metrics: 405"

# The kernel kills a container for memory: counted on its node and stack,
# and its OOM alarm raised (what PlantdeckOOMKilled alerts on).
"$LAB" sim fault sim-0001 event oom --dir "$T_TMP/lab" >/dev/null
wait_metric '^plantdeck_container_alarms\{node="sim-0001",stack="[^"]*",kind="oom"\} 1$' 15
grep -Eq '^plantdeck_container_oom_killed\{node="sim-0001",stack="[^"]*"\} 1$' "$T_TMP/m.txt" ||
	fail "no OOM kill counted: $(grep '^plantdeck_container_oom_killed' "$T_TMP/m.txt")"
ok "an OOM kill on sim-0001: $(grep 'kind="oom"} 1' "$T_TMP/m.txt")"

# A node that stops answering: its plantdeck_node_up goes to 0, the others stay 1.
"$LAB" sim fault sim-0002 hang --dir "$T_TMP/lab" >/dev/null
wait_metric '^plantdeck_node_up\{node="sim-0002"\} 0$' 20
grep -q '^plantdeck_node_up{node="sim-0001"} 1$' "$T_TMP/m.txt" || fail "sim-0001 not up"
grep -q '^plantdeck_node_state{node="sim-0002",state="down"} 1$' "$T_TMP/m.txt" ||
	grep -q '^plantdeck_node_state{node="sim-0002",state="stale"} 1$' "$T_TMP/m.txt" ||
	fail "sim-0002's state: $(grep 'node_state{node="sim-0002"' "$T_TMP/m.txt")"
t0=$(now_s)
until jq -e 'select(.node == "sim-0002" and (.msg | startswith("node ")) and .msg != "node up")' \
	"$T_TMP/serve.out" >/dev/null 2>&1; do
	[ "$(ms_between "$t0" "$(now_s)")" -lt 5000 ] ||
		fail "no JSON line for sim-0002: $(cat "$T_TMP/serve.out")"
	sleep 0.1
done
# The hung ping is counted as failed when its ping_timeout runs out, the same
# moment the node goes stale (its ping is sent ping_interval after its last
# answer of any kind): it may come a scrape after node_up 0.
wait_metric '^plantdeck_request_errors_total\{node="sim-0002"\} [1-9]' 15
ok "sim-0002 hangs: plantdeck_node_up 0, its JSON log line, sim-0001 still 1", its request errors counted

# SIGHUP: a bad inventory is reported and the fleet kept; a good one is read.
cp "$T_TMP/inv.yaml" "$T_TMP/good.yaml"
printf 'nodes: [\n' >"$T_TMP/inv.yaml"
kill -HUP $SERVE
t0=$(now_s)
until grep -q '"the inventory is not re-read' "$T_TMP/serve.out"; do
	[ "$(ms_between "$t0" "$(now_s)")" -lt 10000 ] || fail "no error for a bad inventory"
	sleep 0.05
done
grep 'not re-read' "$T_TMP/serve.out" | jq -e '.error | test("inv.yaml:[0-9]+:[0-9]+")' >/dev/null ||
	fail "the error does not name FILE:LINE:COL: $(grep 'not re-read' "$T_TMP/serve.out")"
metrics | grep -q '^plantdeck_node_up{node="sim-0001"} 1$' || fail "the fleet was not kept"
ok "SIGHUP with a bad inventory: $(grep 'not re-read' "$T_TMP/serve.out" | jq -r .error)"
awk '/name: sim-0003/ { skip = 1 } !skip' "$T_TMP/good.yaml" >"$T_TMP/inv.yaml"
kill -HUP $SERVE
wait_metric '^plantdeck_node_up\{node="sim-0001"\} 1$' 10
t0=$(now_s)
while metrics | grep -q 'node="sim-0003"'; do
	[ "$(ms_between "$t0" "$(now_s)")" -lt 10000 ] || fail "sim-0003 still in the metrics"
	sleep 0.1
done
ok "SIGHUP re-read the inventory: sim-0003 is gone, sim-0001 up"

kill -TERM $SERVE
rc=0
wait $SERVE || rc=$?
[ $rc = 0 ] || fail "serve ended with $rc after SIGTERM: $(cat "$T_TMP/serve.err")"
jq -e 'select(.msg == "serve stopped")' "$T_TMP/serve.out" >/dev/null || fail "no stop line"
! curl -sf "http://$ADDR/metrics" >/dev/null 2>&1 || fail "still serving after SIGTERM"
ok "SIGTERM: serve stopped, status 0"
