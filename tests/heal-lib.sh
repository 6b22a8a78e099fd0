# heal-lib.sh: helpers shared by the heal tests (source after lib.sh,
# need_lab and deploy-lib.sh).  Each test has an inventory (the lab's, with
# a heal: section of its own), a database in $T_TMP and a `heal watch` in
# the background that runs the detectors and the executor.

# Write $T_TMP/inventory.yaml: the lab's nodes and the heal section $1.
heal_inventory() {
	{ grep -v '^heal:' "$PLANTDECK_INVENTORY"; printf '%s\n' "$1"; } >"$T_TMP/inventory.yaml"
	PLANTDECK_INVENTORY=$T_TMP/inventory.yaml
	export PLANTDECK_INVENTORY
}

# Start `plantdeck heal watch` in the background, its lines in $T_TMP/watch.
heal_watch_start() {
	"$PLANTDECK" --log "$T_TMP/log" heal watch >"$T_TMP/watch" 2>&1 &
	HEAL_WATCH=$!
	t_on_exit "kill $HEAL_WATCH 2>/dev/null; wait $HEAL_WATCH 2>/dev/null"
}

# Wait up to $1 seconds (default 60) until heal watch holds the lease (it
# runs the detectors) and says it sees the whole fleet and every answering
# node's event stream: before that, a change made to provoke a finding
# could come before the watcher looks.
heal_watch_ready() {
	local limit=${1:-60} i=0
	until grep -q ' watching [0-9]* node' "$T_TMP/watch" 2>/dev/null &&
		heal_json | jq -e '.runner != null' >/dev/null 2>&1; do
		kill -0 "$HEAL_WATCH" 2>/dev/null || fail "heal watch ended: $(cat "$T_TMP/watch")"
		i=$((i + 1))
		[ "$i" -le $((limit * 5)) ] || fail "heal watch never saw the fleet whole: $(cat "$T_TMP/watch")"
		sleep 0.2
	done
}

# The queue as JSON (every finding and proposal).
heal_json() { "$PLANTDECK" heal list --all --json; }

# Wait up to $2 seconds until the jq filter $1 is true on heal_json; print
# the JSON it was true on.
heal_wait() {
	local filter=$1 limit=$2 t0 out
	t0=$(date +%s)
	while :; do
		out=$(heal_json 2>/dev/null || true)
		if [ -n "$out" ] && echo "$out" | jq -e "$filter" >/dev/null 2>&1; then
			echo "$out"
			return 0
		fi
		if [ $(( $(date +%s) - t0 )) -gt "$limit" ]; then
			echo "--- heal list:" >&2
			"$PLANTDECK" heal list --all >&2 || true
			echo "--- heal watch:" >&2
			cat "$T_TMP/watch" >&2 || true
			fail "not true within ${limit}s: $filter"
		fi
		sleep 1
	done
}

# The lab index (1-based) of node name $1 (lab-07 -> 7).
lab_index() { echo "$1" | sed 's/^lab-0*//'; }
