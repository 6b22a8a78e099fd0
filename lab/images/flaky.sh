#!/bin/sh
# flaky — a service whose health check fails and recovers in cycles, for the plantdeck lab.
#
#   flaky          loop forever: healthy for FLAKY_UP seconds (default 20), then unhealthy for
#                  FLAKY_DOWN seconds (default 20), and again; each change is logged
#   flaky health   the HEALTHCHECK: passes while the marker file exists
#
# With the image's HEALTHCHECK (--interval=2s --retries=2) the engine reports
# starting -> healthy -> unhealthy (about 4 s into a down phase) -> healthy (at the first check
# of the next up phase) -> ... A FLAKY_DOWN shorter than about 5 s may never show unhealthy.

marker=/tmp/flaky.healthy

if [ "${1:-}" = health ]; then
	[ -e "$marker" ]
	exit
fi

up=${FLAKY_UP:-20}
down=${FLAKY_DOWN:-20}
round=0
trap 'echo "flaky: stopping after $round rounds"; exit 0' TERM INT
echo "flaky: up ${up}s, down ${down}s, repeating"

while :; do
	round=$((round + 1))
	touch "$marker"
	echo "flaky: round $round: healthy for ${up}s"
	sleep "$up" &
	wait $!
	rm -f "$marker"
	echo "flaky: round $round: failing health checks for ${down}s"
	sleep "$down" &
	wait $!
done
