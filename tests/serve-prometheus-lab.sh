#!/bin/sh
# serve-prometheus-lab.sh: the issue's test on the real lab.  A real
# Prometheus server (Debian package 'prometheus') scrapes `plantdeck serve`
# running against the lab's engines every second, with the shipped rules
# (PlantdeckNodeDown's for: cut from 1m to 2s in a test copy, evaluated
# every second), as serve-prometheus.sh does on simulated engines.  Its
# HTTP API says up is 1 and plantdeck_node_up is 1 for each lab node;
# promtool check metrics is clean on a scrape; lab-05's dockerd is killed
# (as fleet-outage.sh does it, under the lab's lock, the lab made whole
# again at exit whatever happens): its plantdeck_node_up goes to 0 and
# PlantdeckNodeDown fires for it alone in ALERTS; the lab is restored
# (plantdeck-lab up) and lab-05 answers again, 1 in Prometheus.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v prometheus >/dev/null || skip "prometheus is not installed (Debian package 'prometheus')"
command -v promtool >/dev/null || skip "promtool is not installed (Debian package 'prometheus')"
command -v curl >/dev/null || skip "curl is not installed (Debian package 'curl')"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
command -v python3 >/dev/null || skip "python3 is not installed"
[ "$(id -u)" = 0 ] || skip "the lab needs root"
[ -n "${PLANTDECK_LAB:-}" ] || skip "no lab: run lab/plantdeck-lab up and export its env"
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB

# Prometheus is started before the lab is taken (its start is no lab time):
# it scrapes the port serve will listen on, with the shipped rules, node
# down after 2 s instead of 1 min.
sed '/alert: PlantdeckNodeDown/,/for:/ s/for: 1m/for: 2s/' \
	"$top_srcdir/doc/prometheus/plantdeck-rules.yml" >"$T_TMP/rules.yml"
grep -A2 'alert: PlantdeckNodeDown' "$T_TMP/rules.yml" | grep -q 'for: 2s' ||
	fail "could not shorten PlantdeckNodeDown's for:"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ADDR=127.0.0.1:$(free_port)
cat >"$T_TMP/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $T_TMP/rules.yml
scrape_configs:
  - job_name: plantdeck
    static_configs:
      - targets: ['$ADDR']
EOC
PORT=$(free_port)
prometheus --config.file="$T_TMP/prometheus.yml" --storage.tsdb.path="$T_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PORT" >"$T_TMP/prom.log" 2>&1 &
PROM=$!
t_on_exit "kill $PROM 2>/dev/null; wait $PROM 2>/dev/null"
t0=$(now_s)
until curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; do
	kill -0 $PROM 2>/dev/null || fail "prometheus died: $(tail -n 5 "$T_TMP/prom.log")"
	[ "$(ms_between "$t0" "$(now_s)")" -lt 60000 ] || fail "prometheus not ready after 60 s"
	sleep 0.1
done

need_lab
[ "$PLANTDECK_LAB_NODES" -ge 5 ] || skip "needs a lab of 5 nodes"
N=$PLANTDECK_LAB_NODES
# Whatever happens, the lab is made whole again (fleet-outage.sh's way).
t_on_exit "'$top_srcdir/lab/plantdeck-lab' up --nodes $N >/dev/null 2>&1"

"$PLANTDECK" serve --metrics-listen "$ADDR" >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVE=$!
t_on_exit "kill $SERVE 2>/dev/null"
t0=$(now_s)
until grep -q 'serve started: metrics on' "$T_TMP/serve.out"; do
	kill -0 $SERVE 2>/dev/null || fail "serve died: $(cat "$T_TMP/serve.out" "$T_TMP/serve.err")"
	[ "$(ms_between "$t0" "$(now_s)")" -lt 10000 ] || fail "no start line: $(cat "$T_TMP/serve.out")"
	sleep 0.05
done

# Poll (at most $2 s) until the instant query $1 returns a series.
wait_query() {
	local t0
	t0=$(now_s)
	until curl -sf "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode "query=$1" \
		>"$T_TMP/q.json" 2>/dev/null && jq -e '.data.result | length > 0' "$T_TMP/q.json" >/dev/null; do
		kill -0 $PROM 2>/dev/null || fail "prometheus died: $(tail -n 5 "$T_TMP/prom.log")"
		kill -0 $SERVE 2>/dev/null || fail "serve died: $(cat "$T_TMP/serve.err")"
		[ "$(ms_between "$t0" "$(now_s)")" -lt $(($2 * 1000)) ] ||
			fail "no result for $1 within $2 s: $(cat "$T_TMP/q.json" 2>/dev/null)"
		sleep 0.2
	done
}
wait_query 'up{job="plantdeck"} == 1' 15
ok "Prometheus scrapes serve at $ADDR: up is 1 ($(ms_between "$T_LAB_T0" "$(now_s)") ms after the lab was taken)"
wait_query "count(plantdeck_node_up == 1) == $N" 20
ok "plantdeck_node_up is 1 for each of the $N lab nodes in Prometheus"

curl -sf "http://$ADDR/metrics" >"$T_TMP/m.txt" || fail "GET /metrics"
promtool check metrics <"$T_TMP/m.txt" >"$T_TMP/check.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$T_TMP/check.out")"
[ ! -s "$T_TMP/check.out" ] || fail "promtool check metrics: $(cat "$T_TMP/check.out")"
ok "promtool check metrics: clean ($(wc -c <"$T_TMP/m.txt") bytes, $(grep -vc '^#' "$T_TMP/m.txt") samples)"

# lab-05's dockerd is killed: refused at once.
kill -KILL "$(cat "$PLANTDECK_LAB/node05/pid")"
t0=$(now_s)
wait_query 'plantdeck_node_up{node="lab-05"} == 0' 15
ok "lab-05's dockerd killed: plantdeck_node_up 0 in Prometheus after $(ms_between "$t0" "$(now_s)") ms"
wait_query 'ALERTS{alertname="PlantdeckNodeDown",alertstate="firing",node="lab-05"}' 15
ok "PlantdeckNodeDown fires for lab-05 after $(ms_between "$t0" "$(now_s)") ms (for: 2s)"
curl -sf "http://127.0.0.1:$PORT/api/v1/query" \
	--data-urlencode 'query=ALERTS{alertname="PlantdeckNodeDown",node!="lab-05"}' >"$T_TMP/q.json"
jq -e '.data.result | length == 0' "$T_TMP/q.json" >/dev/null ||
	fail "PlantdeckNodeDown for another node: $(cat "$T_TMP/q.json")"
ok "and for no other node"

# The lab made whole: lab-05 answers again (plantdeck reconnects after its
# backoff, which grew while the node was down).
t0=$(now_s)
"$top_srcdir/lab/plantdeck-lab" up --nodes "$N" >"$T_TMP/up.out" 2>&1 ||
	fail "plantdeck-lab up: $(tail -n 5 "$T_TMP/up.out")"
t1=$(now_s)
wait_query 'plantdeck_node_up{node="lab-05"} == 1' 40
ok "lab-05 restored: plantdeck-lab up took $(ms_between "$t0" "$t1") ms, plantdeck_node_up 1 again after $(ms_between "$t0" "$(now_s)") ms"
ok "lab time: $(ms_between "$T_LAB_T0" "$(now_s)") ms"
