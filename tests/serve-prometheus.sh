#!/bin/sh
# serve-prometheus.sh: a real Prometheus server (Debian package 'prometheus')
# scrapes `plantdeck serve` on 2 simulated engines every second, with the
# shipped rules (PlantdeckNodeDown's for: cut from 1m to 2s, evaluated every
# second).  Its HTTP API says up is 1 and plantdeck_node_up is 1 for each
# node; a node that hangs goes to 0 there and PlantdeckNodeDown fires for it
# in ALERTS, for it alone.  No lab.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/prom-lib.sh"

command -v prometheus >/dev/null || skip "prometheus is not installed (Debian package 'prometheus')"
command -v curl >/dev/null || skip "curl is not installed (Debian package 'curl')"
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
command -v python3 >/dev/null || skip "python3 is not installed"
LAB=$top_srcdir/lab/plantdeck-lab
DIR=$T_TMP/lab
sim_start 53 --nodes 2 --containers 2 --events-per-sec 0
unset PLANTDECK_INVENTORY
PLANTDECK_DB=$T_TMP/plantdeck.db
export PLANTDECK_DB

"$PLANTDECK" -i "$PLANTDECK_SIM/inventory.yaml" serve --metrics-listen 127.0.0.1:0 \
	>"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVE=$!
t_on_exit "kill $SERVE 2>/dev/null"
t0=$(now_s)
until ADDR=$(grep -o 'serve started: metrics on http://127\.0\.0\.1:[0-9]*' "$T_TMP/serve.out" |
	grep -o '127\.0\.0\.1:[0-9]*'); do
	kill -0 $SERVE 2>/dev/null || fail "serve died: $(cat "$T_TMP/serve.err")"
	[ "$(ms_between "$t0" "$(now_s)")" -lt 10000 ] || fail "no start line: $(cat "$T_TMP/serve.out")"
	sleep 0.05
done

prom_start "$ADDR"
wait_query 'up{job="plantdeck"} == 1' 15
ok "Prometheus scrapes serve at $ADDR: up is 1"
wait_query 'count(plantdeck_node_up == 1) == 2' 10
ok "plantdeck_node_up is 1 for both nodes in Prometheus"

"$LAB" sim fault sim-0002 hang --dir "$T_TMP/lab" >/dev/null
t0=$(now_s)
wait_query 'plantdeck_node_up{node="sim-0002"} == 0' 20
ok "sim-0002 hangs: plantdeck_node_up 0 in Prometheus after $(ms_between "$t0" "$(now_s)") ms"
wait_query 'ALERTS{alertname="PlantdeckNodeDown",alertstate="firing",node="sim-0002"}' 15
ok "PlantdeckNodeDown fires for sim-0002 after $(ms_between "$t0" "$(now_s)") ms"
no_other_node_down sim-0002
ok "and for no other node"
