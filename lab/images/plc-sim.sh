#!/bin/sh
# plc-sim — a pretend PLC for the plantdeck lab (runs under busybox sh, PID 1 of its container).
#
#   plc-sim          run the scan loop: bump /var/lib/plc/counter every PLC_CYCLE seconds and
#                    print a log line every PLC_LOG_EVERY cycles, until SIGTERM/SIGINT
#   plc-sim health   the HEALTHCHECK: healthy while the counter was written in the last 5 s
#
# Environment (baked in by plc-sim.Dockerfile, overridable with `docker run -e`):
#   PLC_VERSION    firmware version shown in the log lines (1, 2 or bad)
#   PLC_FAIL       1 = fail the self-test at once: message on stderr, exit status 1
#   PLC_CYCLE      seconds per scan cycle (default 1)
#   PLC_LOG_EVERY  cycles between log lines (default 5)

state=/var/lib/plc
counter=$state/counter

if [ "${1:-}" = health ]; then
	# Healthy while the scan loop is alive: the counter file is younger than 5 s.
	now=$(date +%s)
	written=$(stat -c %Y "$counter" 2>/dev/null) || exit 1
	[ $((now - written)) -lt 5 ]
	exit
fi

version=${PLC_VERSION:-1}
cycle=${PLC_CYCLE:-1}
log_every=${PLC_LOG_EVERY:-5}

if [ "${PLC_FAIL:-0}" = 1 ]; then
	echo "plc-sim $version: self-test failed: no I/O module on the backplane" >&2
	exit 1
fi

n=0
# As PID 1 the shell ignores SIGTERM unless it traps it; with the trap `docker stop` is quick.
trap 'echo "plc-sim $version: stopping after $n cycles"; exit 0' TERM INT
mkdir -p "$state"
echo "plc-sim $version: starting, scan cycle ${cycle}s"

while :; do
	n=$((n + 1))
	echo "$n" >"$counter"
	if [ $((n % log_every)) -eq 0 ]; then
		case $version in
		1) echo "plc-sim 1: cycle $n, counter=$n" ;;
		*) echo "plc-sim $version: scan=$n counter=$n mode=RUN uptime=$((n * cycle))s" ;;
		esac
	fi
	# sleep in the background and wait, so a SIGTERM interrupts the wait at once
	sleep "$cycle" &
	wait $!
done
