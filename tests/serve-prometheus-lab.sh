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
. "$top_srcdir/tests/prom-lib.sh"

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
ADDR=127.0.0.1:$(free_port)
prom_start "$ADDR"

need_lab
[ "$PLANTDECK_LAB_NODES" -ge 5 ] || skip "needs a lab of 5 nodes"
N=$PLANTDECK_LAB_NODES
# Whatever happens, the lab is made whole again (fleet-outage.sh's way): at
# exit only when lab-05 does not answer (an up of the whole lab takes long).
t_on_exit "lab_curl -fsS --max-time 10 '$(lab_url 5)/_ping' >/dev/null 2>&1 ||
	'$top_srcdir/lab/plantdeck-lab' up --nodes $N >/dev/null 2>&1"

"$PLANTDECK" serve --metrics-listen "$ADDR" >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVE=$!
t_on_exit "kill $SERVE 2>/dev/null"
t0=$(now_s)
until grep -q 'serve started: metrics on' "$T_TMP/serve.out"; do
	kill -0 $SERVE 2>/dev/null || fail "serve died: $(cat "$T_TMP/serve.out" "$T_TMP/serve.err")"
	[ "$(ms_between "$t0" "$(now_s)")" -lt 10000 ] || fail "no start line: $(cat "$T_TMP/serve.out")"
	sleep 0.05
done

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
no_other_node_down lab-05
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
