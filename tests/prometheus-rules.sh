#!/bin/sh
# prometheus-rules.sh: the shipped alert rules (doc/prometheus/plantdeck-rules.yml)
# load (promtool check rules) and fire as their unit tests say (promtool test
# rules doc/prometheus/plantdeck-rules.test.yml): node down, crash loop, OOM,
# deploy paused, breaker tripped, anomaly, drift, audit chain broken, serve down.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v promtool >/dev/null || skip "promtool is not installed (Debian package 'prometheus')"
D=$top_srcdir/doc/prometheus
promtool check rules "$D/plantdeck-rules.yml" >"$T_TMP/check.out" 2>&1 ||
	fail "promtool check rules: $(cat "$T_TMP/check.out")"
ok "promtool check rules: $(grep -o '[0-9]* rules found' "$T_TMP/check.out")"
for a in PlantdeckNodeDown PlantdeckCrashLoop PlantdeckOOMKilled PlantdeckDeployPaused \
	PlantdeckBreakerTripped PlantdeckAnomaly PlantdeckDrift PlantdeckAuditChainBroken; do
	grep -q "alert: $a\$" "$D/plantdeck-rules.yml" || fail "no rule $a"
	grep -q "alertname: $a\$" "$D/plantdeck-rules.test.yml" || fail "no unit test of $a"
done
(cd "$D" && promtool test rules plantdeck-rules.test.yml) >"$T_TMP/test.out" 2>&1 ||
	fail "promtool test rules: $(cat "$T_TMP/test.out")"
ok "promtool test rules: every alert tested, $(grep -c 'alertname:' "$D/plantdeck-rules.test.yml") cases pass"
