#!/bin/sh
# fleet-events.sh: the model follows each engine's /events stream: a
# container started, stopped or killed shows its new state within 1 s (the
# reconcile timer is set to 10 minutes, so only events can explain it); a
# healthcheck goes starting -> healthy; an OOM kill is reported.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"

P=pdt-events-$$
t_on_exit "lab_rm_prefix $P"
OUT=$T_TMP/watch.ndjson

"$PLANTDECK" status --watch --json --reconcile-interval 600 --stats-interval 600 >"$OUT" &
watch_pid=$!
t_on_exit "kill $watch_pid 2>/dev/null; wait $watch_pid 2>/dev/null"
wait_json "$OUT" '.complete' 15 >/dev/null

# The state of container $1 in the newest document.
sel() { echo "[.nodes[].containers[] | select(.name == \"$1\")][0]"; }

# Run "$@" and check that jq filter $1 holds within 1 s of the command's
# return (the engine has made the change by then); prints the ms.
within_1s() {
	local filter=$1 t0 ms
	shift
	"$@" >/dev/null
	t0=$(now_s)
	wait_json "$OUT" "$filter" 5 >/dev/null
	ms=$(ms_between "$t0" "$(now_s)")
	[ "$ms" -le 1000 ] || fail "took ${ms} ms (want <= 1000): $filter"
	echo "$ms"
}

ms=$(within_1s "$(sel "$P-a") | .state == \"running\"" \
	ldocker 1 run -d --name "$P-a" "$REG/plant/plc-sim:1")
ok "run -> running in ${ms} ms"
ms=$(within_1s "$(sel "$P-a") | .state == \"exited\"" ldocker 1 stop -t 1 "$P-a")
ok "stop -> exited in ${ms} ms"
ms=$(within_1s "$(sel "$P-a") | .state == \"running\"" ldocker 1 start "$P-a")
ok "start -> running in ${ms} ms"
ms=$(within_1s "$(sel "$P-a") | .state == \"exited\" and .exit_code == 137" \
	ldocker 1 kill "$P-a")
ok "kill -> exited 137 in ${ms} ms"
ms=$(within_1s "[.nodes[].containers[] | select(.name == \"$P-a\")] | length == 0" \
	ldocker 1 rm "$P-a")
ok "rm -> gone in ${ms} ms"

# Health: plc-sim's healthcheck runs every 2 s.
ldocker 2 run -d --name "$P-h" "$REG/plant/plc-sim:1" >/dev/null
wait_json "$OUT" "$(sel "$P-h") | .health == \"starting\" or .health == \"healthy\"" 5 >/dev/null
wait_json "$OUT" "$(sel "$P-h") | .health == \"healthy\"" 20 >/dev/null
grep -q "\"name\":\"$P-h\"[^}]*\"health\":\"starting\"" "$OUT" ||
	fail "never saw $P-h in health 'starting'"
ok "healthcheck: starting -> healthy"

# OOM: plant/leaky grows until its 32 MiB limit kills it.
ldocker 3 run -d --name "$P-oom" --memory 32m --memory-swap 32m "$REG/plant/leaky:1" >/dev/null
wait_json "$OUT" "$(sel "$P-oom") | .oom_killed and .state == \"exited\"" 60 >/dev/null
tail -n 1 "$OUT" | jq -e --arg c "$P-oom" \
	'[.events[] | select(.container == $c and .action == "oom")] | length >= 1' >/dev/null ||
	fail "no oom event recorded for $P-oom"
ok "OOM kill reported (state, flag and event)"

# Bounded history: the events array never exceeds 64 per node.
tail -n 1 "$OUT" | jq -e "(.events | length) <= 64 * (.nodes | length)" >/dev/null ||
	fail "event history is not bounded"
ok "event history bounded"
