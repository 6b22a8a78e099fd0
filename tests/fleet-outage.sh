#!/bin/sh
# fleet-outage.sh: a node whose dockerd is killed shows down within 5 s with
# its last data kept as stale, and recovers by itself when the engine is
# back; a node whose dockerd hangs (SIGSTOP) never delays another node's
# updates, and is shown down too.  Runs last among the lab tests: it takes
# two nodes away for a while.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
command -v jq >/dev/null || skip "jq is not installed (Debian package 'jq')"
[ "$PLANTDECK_LAB_NODES" -ge 5 ] || skip "needs a lab of 5 nodes"

P=pdt-outage-$$
OUT=$T_TMP/watch.ndjson
t_on_exit "lab_rm_prefix $P"
# Whatever happens, the hung node is resumed and the lab made whole again: the
# killed lab-05 is started again as soon as the test is done with it; at exit
# only when it does not answer (an up of the whole lab takes long).
hung_pid=$(cat "$PLANTDECK_LAB/node04/pid")
t_on_exit "kill -CONT $hung_pid 2>/dev/null; lab_curl -fsS --max-time 10 '$(lab_url 5)/_ping' >/dev/null 2>&1 ||
	'$top_srcdir/lab/plantdeck-lab' up --nodes $PLANTDECK_LAB_NODES >/dev/null 2>&1"

ldocker 5 run -d --name "$P-victim" "$REG/plant/plc-sim:1" >/dev/null
"$PLANTDECK" status --watch --json --reconcile-interval 600 >"$OUT" &
watch_pid=$!
t_on_exit "kill $watch_pid 2>/dev/null; wait $watch_pid 2>/dev/null"
wait_json "$OUT" '.complete and all(.nodes[]; .reach == "up")' 15 >/dev/null

node() { echo "(.nodes[] | select(.name == \"$1\"))"; }

# --- refused: kill lab-05's dockerd outright.
kill -KILL "$(cat "$PLANTDECK_LAB/node05/pid")"
ms=$(wait_json "$OUT" "$(node lab-05) | .reach == \"down\"" 5)
ok "killed dockerd: lab-05 down after ${ms} ms"
tail -n 1 "$OUT" | jq -e --arg c "$P-victim" "$(node lab-05) |
	(.error | test(\"lab-05: \")) and
	([.containers[] | select(.name == \$c and .stale)] | length == 1)" >/dev/null ||
	fail "lab-05's error or stale data missing"
ok "its last data is kept and marked stale, the error names the node"

"$top_srcdir/lab/plantdeck-lab" up --nodes "$PLANTDECK_LAB_NODES" >/dev/null
ms=$(wait_json "$OUT" "$(node lab-05) | .reach == \"up\" and .events_connected" 40)
ok "lab-05 back: recovered by itself after ${ms} ms"

# --- hung: SIGSTOP lab-04's dockerd; lab-01 must stay live.
kill -STOP "$hung_pid"
ldocker 1 run -d --name "$P-live" "$REG/plant/plc-sim:1" >/dev/null
t0=$(now_s)
wait_json "$OUT" "[.nodes[].containers[] | select(.name == \"$P-live\" and .state == \"running\")] | length == 1" 5 >/dev/null
ms=$(ms_between "$t0" "$(now_s)")
[ "$ms" -le 1000 ] || fail "with lab-04 hung, lab-01's change took ${ms} ms"
ok "lab-04 hung: lab-01's container start shown after ${ms} ms"
ms=$(wait_json "$OUT" "$(node lab-04) | .reach == \"down\" or .reach == \"stale\"" 6)
ok "hung lab-04 shown $(tail -n 1 "$OUT" | jq -r "$(node lab-04) | .reach") after ${ms} ms"
ldocker 1 stop -t 1 "$P-live" >/dev/null
t0=$(now_s)
wait_json "$OUT" "[.nodes[].containers[] | select(.name == \"$P-live\" and .state == \"exited\")] | length == 1" 5 >/dev/null
ms=$(ms_between "$t0" "$(now_s)")
[ "$ms" -le 1000 ] || fail "with lab-04 hung, lab-01's stop took ${ms} ms"
ok "still live with lab-04 hung: stop shown after ${ms} ms"

kill -CONT "$hung_pid"
ms=$(wait_json "$OUT" "$(node lab-04) | .reach == \"up\"" 40)
ok "lab-04 resumed: up again after ${ms} ms"

# The exit status says whether every node answered.
kill -STOP "$hung_pid"
set +e
"$PLANTDECK" status --json --timeout 4 >"$T_TMP/one.json"; rc=$?
set -e
kill -CONT "$hung_pid"
[ "$rc" = 1 ] || fail "status with a hung node exited $rc, want 1"
ok "status exits 1 while a node does not answer"
