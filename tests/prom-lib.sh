# tests/prom-lib.sh: a real Prometheus server for the serve tests
# (serve-prometheus.sh on simulated engines, serve-prometheus-lab.sh on the
# lab), sourced after tests/lib.sh.

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Start Prometheus scraping TARGET ($1, host:port) and evaluating the shipped
# rules every second, PlantdeckNodeDown's for: cut from 1m to 2s in a test
# copy; stopped at exit.  Sets PROM (its pid) and PORT (its HTTP API) and
# returns once it is ready.
prom_start() {
	local t0
	sed '/alert: PlantdeckNodeDown/,/for:/ s/for: 1m/for: 2s/' \
		"$top_srcdir/doc/prometheus/plantdeck-rules.yml" >"$T_TMP/rules.yml"
	grep -A2 'alert: PlantdeckNodeDown' "$T_TMP/rules.yml" | grep -q 'for: 2s' ||
		fail "could not shorten PlantdeckNodeDown's for:"
	cat >"$T_TMP/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $T_TMP/rules.yml
scrape_configs:
  - job_name: plantdeck
    static_configs:
      - targets: ['$1']
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
}

# Poll (at most $2 s) until the instant query $1 returns a series; fail at
# once if Prometheus or serve ($SERVE, when set) has died.
wait_query() {
	local t0
	t0=$(now_s)
	until curl -sf "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode "query=$1" \
		>"$T_TMP/q.json" 2>/dev/null && jq -e '.data.result | length > 0' "$T_TMP/q.json" >/dev/null; do
		kill -0 $PROM 2>/dev/null || fail "prometheus died: $(tail -n 5 "$T_TMP/prom.log")"
		[ -z "${SERVE:-}" ] || kill -0 $SERVE 2>/dev/null || fail "serve died: $(cat "$T_TMP/serve.err")"
		[ "$(ms_between "$t0" "$(now_s)")" -lt $(($2 * 1000)) ] ||
			fail "no result for $1 within $2 s: $(cat "$T_TMP/q.json" 2>/dev/null)"
		sleep 0.2
	done
}

# Fail unless ALERTS has no firing PlantdeckNodeDown for a node other than $1.
no_other_node_down() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/query" \
		--data-urlencode "query=ALERTS{alertname=\"PlantdeckNodeDown\",node!=\"$1\"}" >"$T_TMP/q.json" ||
		fail "query ALERTS"
	jq -e '.data.result | length == 0' "$T_TMP/q.json" >/dev/null ||
		fail "PlantdeckNodeDown for another node: $(cat "$T_TMP/q.json")"
}
