#!/bin/sh
# leaky — leaks memory on purpose, for the plantdeck lab (busybox sh, PID 1 of its container).
#
# Grows a shell variable by LEAKY_STEP_MB MiB every LEAKY_INTERVAL seconds and logs how much it
# holds. Run it under a small memory limit, e.g. `docker run --memory 32m`: the kernel's OOM
# killer ends it, `docker inspect` shows State.OOMKilled=true and the engine emits an `oom`
# event. (The shell copies the string on each append, so it is killed at about half the limit.)
# Without a limit it stops growing at LEAKY_MAX_MB MiB (default 512) and just holds, so a
# forgotten container does not eat the host.

step=${LEAKY_STEP_MB:-1}
interval=${LEAKY_INTERVAL:-0.2}
max=${LEAKY_MAX_MB:-512}

# one chunk of $step MiB of 'x' characters
chunk=$(head -c $((step * 1048576)) /dev/zero | tr '\0' x)
data=
held=0
trap 'echo "leaky: stopping, holding $held MiB"; exit 0' TERM INT
echo "leaky: leaking ${step} MiB every ${interval}s (cap ${max} MiB)"

while [ "$held" -lt "$max" ]; do
	data="$data$chunk"
	held=$((held + step))
	echo "leaky: holding $held MiB"
	sleep "$interval"
done

echo "leaky: reached the ${max} MiB cap without being OOM-killed (no --memory limit?); holding" >&2
while :; do
	sleep 3600 &
	wait $!
done
