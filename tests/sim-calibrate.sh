#!/usr/bin/env bash
# sim-calibrate.sh — keeps the simulated engines (lab/sim/enginesim.c) true to a real one: the
# same operations against the last lab node and a simulated node — ping, version, info; create
# a container from plc-sim:1, start, inspect, list, one-shot stats, stop, inspect, remove, with
# an /events stream open — and the replies compared field by field: the set of JSON key paths
# (recursively, arrays as []) and each value's JSON type must be equal, and so must the
# sequence of container events (actions and their attribute keys).  A difference fails unless
# the ALLOW list below names it, with its reason.  A few seconds; curl and python3 only.
# Exit 0 pass, 1 fail, 77 skip (no lab). SIMCAL_KEEP=DIR keeps both sets of replies in DIR.
. "$(dirname "$0")/lib.sh"
need_lab
command -v python3 >/dev/null || skip "no python3"
set -o pipefail

n=${PLANTDECK_LAB_NODES:-1}
real=$(lab_url "$n")   # http://127.0.0.X:2375, or https://...:2376 (up --tls)
name=simcal-$$
image=127.0.0.1:5000/plant/plc-sim:1
DIR=$T_TMP/lab
LAB=$top_srcdir/lab/plantdeck-lab
[ -x "$top_builddir/lab/sim/pd-enginesim" ] && export PLANTDECK_ENGINESIM=$top_builddir/lab/sim/pd-enginesim

# A simulated engine of one node, on a free 127.B (another simulator may be up on 127.1).
net=$((100 + $$ % 100)) tries=0
until "$LAB" sim up --dir "$DIR" --nodes 1 --containers 2 --events-per-sec 0 --net $net \
	>"$T_TMP/up.out" 2>&1; do
	tries=$((tries + 1))
	[ $tries -lt 5 ] || fail "sim up: $(cat "$T_TMP/up.out")"
	net=$((100 + (net + 37) % 150))
done
t_on_exit "'$LAB' sim down --dir '$DIR' >/dev/null 2>&1"
sim=http://127.$net.0.2:2375
t_on_exit "lab_curl -s -X DELETE '$real/v1.41/containers/$name?force=1' >/dev/null 2>&1"

# capture URL OUT: the operations against the engine at URL, each reply in OUT/NAME.json
capture() {
	local h=$1/v1.41 out=$2 id code epid i
	mkdir -p "$out"
	lab_curl -sfi "$1/_ping" | tr -d '\r' | grep -i '^api-version:' >"$out/ping" ||
		fail "$1: /_ping has no Api-Version"
	lab_curl -sf "$h/version" >"$out/version.json" || fail "$1: /version"
	lab_curl -sf "$h/info" >"$out/info.json" || fail "$1: /info"
	lab_curl -sN "$h/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D" >"$out/events" 9>&- &   # 9: the lab lock, not for it to keep
	epid=$!
	# the stream is open once the engine counts a listener (the sim: at once)
	sleep 0.3
	lab_curl -sf -X POST -H 'Content-Type: application/json' \
		-d '{"Image":"'"$image"'","Labels":{"simcal":"1"},"HostConfig":{"RestartPolicy":{"Name":"no"}}}' \
		"$h/containers/create?name=$name" >"$out/create.json" || fail "$1: create"
	id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Id"])' "$out/create.json")
	code=$(lab_curl -s -o /dev/null -w '%{http_code}' -X POST "$h/containers/$id/start")
	[ "$code" = 204 ] || fail "$1: start: HTTP $code"
	# healthy (plc-sim's check: about 2 s), so that State.Health has its log
	for ((i = 0; i < 100; i++)); do
		lab_curl -sf "$h/containers/$id/json" >"$out/inspect.json" || fail "$1: inspect"
		grep -q '"Status":"healthy"' "$out/inspect.json" && break
		sleep 0.1
	done
	grep -q '"Status":"healthy"' "$out/inspect.json" || fail "$1: never healthy"
	lab_curl -sf "$h/containers/json?all=1&filters=%7B%22label%22%3A%5B%22simcal%3D1%22%5D%7D" \
		>"$out/list.json" || fail "$1: list"
	lab_curl -sf "$h/containers/$id/stats?stream=false&one-shot=true" >"$out/stats.json" ||
		fail "$1: stats"
	code=$(lab_curl -s -o /dev/null -w '%{http_code}' -X POST "$h/containers/$id/stop?t=1")
	[ "$code" = 204 ] || fail "$1: stop: HTTP $code"
	lab_curl -sf "$h/containers/$id/json" >"$out/inspect-stopped.json" || fail "$1: inspect stopped"
	lab_curl -sf "$h/containers/$id/stats?stream=false&one-shot=true" >"$out/stats-stopped.json" ||
		fail "$1: stats stopped"
	code=$(lab_curl -s -o /dev/null -w '%{http_code}' -X DELETE "$h/containers/$id?force=1")
	[ "$code" = 204 ] || fail "$1: remove: HTTP $code"
	for ((i = 0; i < 100; i++)); do
		grep -q '"Action":"destroy".*}$' "$out/events" && break
		sleep 0.05
	done
	kill "$epid" 2>/dev/null || true
	wait "$epid" 2>/dev/null || true
	grep -q '"Action":"destroy"' "$out/events" || fail "$1: no destroy event"
}

capture "$real" "$T_TMP/real"
[ -z "${SIMCAL_KEEP:-}" ] || t_on_exit "cp -r '$T_TMP' '$SIMCAL_KEEP'"
capture "$sim" "$T_TMP/sim"
ok "the same operations on $real (real) and $sim (simulated)"

python3 - "$T_TMP/real" "$T_TMP/sim" <<'PY'
import fnmatch, json, sys

real, sim = sys.argv[1], sys.argv[2]

# Maps whose keys are data (labels, networks, per-port lists...): compared as one "{*}" level.
DATA_MAPS = ["*.Labels", "*.Attributes", "*.Networks", "*.Ports", "*.networks",
             "*.Runtimes", "*.IndexConfigs", "*.GraphDriver.Data", "*.PortBindings",
             "*.LogConfig.Config", "*.Plugins"]

# ALLOW: differences accepted, as "DOC:PATH" patterns (fnmatch), each with its reason.
# A path in only one engine's reply, or with another JSON type, fails unless listed here.
ALLOW = {
    # /info: set only where dockerd has --default-address-pool (the lab gives each node one).
    "info.json:.DefaultAddressPools*": "the lab's per-node address pools",
    # /info: an engine on plaintext TCP warns that its API is unencrypted; over TLS
    # (up --tls) it has nothing to warn about (null), and the simulator speaks plaintext.
    "info.json:.Warnings*": "a plaintext engine's warnings, none over TLS; not read",
    # stats: blkio lists are null or [] as the cgroup has I/O accounted; pids limit only
    # where the cgroup has one. plantdeck reads neither.
    "stats*.json:.blkio_stats.*": "null or [] with the cgroup's I/O accounting; not read",
    "stats*.json:.pids_stats.*": "limit only where the cgroup sets one; not read",
    # the lab's nodes run with --bridge=none (doc/lab.md): containers have no network
    "inspect*.json:.Config.NetworkDisabled": "the lab's --bridge=none; omitted where a bridge exists",
    "stats*.json:.networks": "no eth0 under the lab's --bridge=none; present with a bridge",
    "inspect*.json:.Config.StopSignal": "the image's STOPSIGNAL (omitted when it has none)",
}


def paths(doc, v, p, out):
    """Key paths and JSON types of v (arrays as [], data maps as {*})."""
    t = ("null" if v is None else "bool" if isinstance(v, bool) else
         "number" if isinstance(v, (int, float)) else "string" if isinstance(v, str) else
         "array" if isinstance(v, list) else "object")
    out[p] = t
    if isinstance(v, dict):
        if any(fnmatch.fnmatch(p, m) or fnmatch.fnmatch("x" + p, m) for m in DATA_MAPS):
            return
        for k, x in v.items():
            paths(doc, x, p + "." + k, out)
    elif isinstance(v, list):
        for x in v:
            paths(doc, x, p + "[]", out)


def allowed(doc, p):
    return any(fnmatch.fnmatch(doc + ":" + p, a) for a in ALLOW)


def load(d, f):
    with open(d + "/" + f) as fh:
        return json.load(fh)


bad = []
docs = ["version.json", "info.json", "create.json", "inspect.json", "list.json", "stats.json",
        "inspect-stopped.json", "stats-stopped.json"]
for doc in docs:
    r, s = {}, {}
    paths(doc, load(real, doc), "", r)
    paths(doc, load(sim, doc), "", s)
    for p in sorted(set(r) | set(s)):
        if p in r and p in s and r[p] == s[p]:
            continue
        if allowed(doc, p):
            continue
        what = ("only in the real engine's" if p not in s else
                "only in the simulator's" if p not in r else
                "type %s (real) vs %s (sim) in" % (r[p], s[p]))
        bad.append("%s %s reply: %s" % (what, doc, p or "."))


def events(d):
    out = []
    for line in open(d + "/events"):
        line = line.strip()
        if not line:
            continue
        e = json.loads(line)
        a = e.get("Action", "")
        if a.startswith("exec_") or a.startswith("health_status"):
            continue    # health checks run as execs on a real engine, on their own clock
        keys = {}
        paths("events", e, "", keys)
        out.append((a, keys))
    return out


re_, se = events(real), events(sim)
ra, sa = [a for a, _ in re_], [a for a, _ in se]
if ra != sa:
    bad.append("event sequence: real %s, sim %s" % (ra, sa))
else:
    for (a, rk), (_, sk) in zip(re_, se):
        for p in sorted(set(rk) ^ set(sk)):
            if not allowed("events", p):
                bad.append("event %s: %s only in the %s engine's" %
                           (a, p, "real" if p in rk else "simulated"))

for b in bad:
    print("DIFF: " + b)
print("compared %d replies and %d events: %d differences outside the allow-list" %
      (len(docs), len(ra), len(bad)))
sys.exit(1 if bad else 0)
PY
ok "replies and events match field by field (allow-list: in this file)"
