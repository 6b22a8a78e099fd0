#!/bin/sh
# bench-scale.sh: bench/scale --smoke runs against the lab's first node and
# prints its result lines for a 1-node real fleet, every figure measured, and
# leaves no container of its own behind.  Benchmarks are not tests: nothing
# here reads a time.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
for c in jq tmux curl less cc pkg-config; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done

# need_lab holds the lab's lock; the bench would otherwise wait for it
BENCH_SCALE_LOCKED=1 "$top_srcdir/bench/scale" --smoke >"$T_TMP/out" 2>"$T_TMP/err" ||
	fail "bench/scale --smoke exited $?: $(tail -n 5 "$T_TMP/err")"
for what in "first complete snapshot" "cockpit idle" "key answer" "event -> screen"; do
	grep -q "^$what \[1 nodes x [0-9.]* containers, real\]: " "$T_TMP/out" ||
		fail "no '$what' line for a 1-node real fleet in: $(cat "$T_TMP/out")"
done
if grep -q "not measured" "$T_TMP/out"; then
	fail "a figure was not measured: $(cat "$T_TMP/out")"
fi
left=$(ldocker 1 ps -aq --filter "name=^pdscale")
[ -z "$left" ] || fail "bench/scale left containers on $(lab_name 1): $left"
ok "bench/scale --smoke prints every figure for a 1-node fleet and cleans up"
