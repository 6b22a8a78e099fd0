#!/bin/sh
# deploy-scale.sh: a deploy's threads do not grow with its nodes.  One wave
# of 9 lab nodes, the pool held to 3 workers (PLANTDECK_DEPLOY_WORKERS):
# the deploy process never has more than a few threads besides those 3
# (counted in /proc while it runs), yet more than 3 nodes are in flight at
# once (their switch-to-monitor spans overlap in the journal), and every
# node ends on the new revision.  A thread per node would show 12 threads.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"
[ "$N" -ge 9 ] || skip "needs a lab of at least 9 nodes (has $N)"

S=dscl$$
P=3
# main, the executor, the caller thread (the switches' last starts), at
# most P workers (the pre-pull is one multi on the executor), and curl's
# resolver threads that come and go.
MAXT=$((P + 5))
t_on_exit "lab_rm_prefix $S-"
POLICY="    canary: 0
    parallelism: 0
    grow: false
    monitor: 3s
    progress_deadline: 90s"
f=$(stack_file "$S" 1 "$POLICY")

PLANTDECK_DEPLOY_WORKERS=$P "$PLANTDECK" deploy "$f" --nodes 'lab-0[1-9]' --yes >"$T_TMP/out" 2>&1 &
dpid=$!
t_on_exit "kill $dpid 2>/dev/null"
most=0
while [ -d "/proc/$dpid/task" ]; do
	n=$(ls "/proc/$dpid/task" 2>/dev/null | wc -l)
	[ "$n" -le "$most" ] || most=$n
	sleep 0.05
done
rc=0
wait "$dpid" || rc=$?
[ "$rc" = 0 ] || { cat "$T_TMP/out" >&2; fail "deploy exited $rc"; }
out=$(stack_ps "$S")
[ "$(echo "$out" | grep -c "$S-plc $REG/plant/plc-sim:1 running .*healthy")" = 9 ] ||
	{ echo "$out" >&2; fail "not 9 nodes on :1, running and healthy"; }
ok "9 nodes on :1 in one wave with $P workers"
[ "$most" -gt 1 ] || fail "saw no thread of the deploy (most $most)"
[ "$most" -le "$MAXT" ] || fail "the deploy had $most threads, want at most $MAXT for 9 nodes"
ok "at most $most threads for 9 nodes (bound $MAXT)"

# Nodes in flight at once: overlapping [switch begin, monitor ok] spans.
"$PLANTDECK" rollout journal >"$T_TMP/journal" || fail "no journal"
inflight=$(awk '
	function sec(t) { sub(/^.*T/, "", t); sub(/Z$/, "", t); split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
	$3 == "switch" && $4 == "begin" { ev[++n] = sec($1) " 1" }
	$3 == "monitor" && $4 == "ok" { ev[++n] = sec($1) " -1" }
	END { for (i = 1; i <= n; i++) print ev[i] }' "$T_TMP/journal" |
	sort -n -k1,1 -k2,2n | awk '{ c += $2; if (c > m) m = c } END { print m + 0 }')
[ "$inflight" -gt "$P" ] || { cat "$T_TMP/journal" >&2; fail "at most $inflight nodes in flight at once, want more than $P"; }
ok "$inflight nodes in flight at once on $P workers"
