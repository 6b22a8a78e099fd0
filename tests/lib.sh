# lib.sh: helpers shared by the shell tests.  Source it; it sets -eu.
#
# Environment (set by `make check`): PLANTDECK (the binary), top_srcdir,
# top_builddir.  Lab tests also need PLANTDECK_LAB (see lab/plantdeck-lab env).

set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PLANTDECK:=$top_builddir/plantdeck}"

T_NAME=$(basename "$0" .sh)
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pd-$T_NAME.XXXXXX")
T_TMUX="pd$$"
T_CLEANUP=""

# Run at exit: registered cleanups, then the temp dir.
t_exit() {
	local rc=$?
	eval "$T_CLEANUP" || true
	# How long this test held the lab (scripts/test lists the longest).
	[ -z "${T_LAB_T0:-}" ] || echo "lab-time: $(awk -v a="$T_LAB_T0" -v b="$(date +%s.%N)" \
		'BEGIN { printf "%.1f", b - a }') s"
	tmux -L "$T_TMUX" kill-server 2>/dev/null || true
	rm -rf "$T_TMP"
	exit "$rc"
}
trap t_exit EXIT

# Add shell code to run at exit.
t_on_exit() { T_CLEANUP="$1; $T_CLEANUP"; }

# jq 1.6 (Debian 12) exits 0 under -e when it was given no input at all, so
# `cmd | jq -e FILTER || fail` would pass when cmd printed nothing.  Under -e,
# no output is a failure (status 4, as later jq versions have it).
jq() {
	case " $* " in
	*" -e "*)
		_jq_out=$(command jq "$@")
		_jq_rc=$?
		[ -z "$_jq_out" ] || printf '%s\n' "$_jq_out"
		[ "$_jq_rc" = 0 ] || return "$_jq_rc"
		[ -n "$_jq_out" ] || return 4
		;;
	*) command jq "$@" ;;
	esac
}

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok: $*"; }

# Assert that $1 contains $2.
assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "expected to find '$2' in: $1" ;;
	esac
}

# Skip unless the lab is up; load its environment.  A $PLANTDECK_LAB that
# holds no lab is a failure, not a skip: the suite said there is one.
need_lab() {
	local lab_env
	[ "$(id -u)" = 0 ] || skip "the lab needs root"
	[ -n "${PLANTDECK_LAB:-}" ] || skip "no lab: run lab/plantdeck-lab up and export its env"
	lab_env=$("$top_srcdir/lab/plantdeck-lab" env --dir "$PLANTDECK_LAB") ||
		fail "no lab at PLANTDECK_LAB=$PLANTDECK_LAB"
	eval "$lab_env"
	lab_lock
}

# Take the lab for this test alone (released at exit): lab tests compare
# whole container lists and take nodes away, so they must not overlap.
lab_lock() {
	exec 9>"$PLANTDECK_LAB/.test-lock"
	flock 9
	T_LAB_T0=$(date +%s.%N)
}

# Start simulated engines (lab/plantdeck-lab sim up OPTIONS...) in $DIR
# (default $T_TMP/lab), stopped at exit, and load their environment.  The
# simulator needs a free 127.B.0.0/16 (another one may be up): B is tried
# from this pid plus SALT ($1), then a few others.  Sets SIM_NET to B.
sim_start() {
	local salt=$1 tries=0
	shift
	LAB=${LAB:-$top_srcdir/lab/plantdeck-lab}
	DIR=${DIR:-$T_TMP/lab}
	if [ -x "$top_builddir/lab/sim/pd-enginesim" ]; then
		PLANTDECK_ENGINESIM=$top_builddir/lab/sim/pd-enginesim
		export PLANTDECK_ENGINESIM
	fi
	SIM_NET=$((100 + ($$ + salt) % 100))
	until "$LAB" sim up --dir "$DIR" "$@" --net $SIM_NET >"$T_TMP/sim-up.out" 2>&1; do
		tries=$((tries + 1))
		[ $tries -lt 5 ] || fail "sim up: $(cat "$T_TMP/sim-up.out")"
		SIM_NET=$((100 + (SIM_NET + 37) % 150))
	done
	t_on_exit "'$LAB' sim down --dir '$DIR' >/dev/null 2>&1"
	eval "$("$LAB" sim env --dir "$DIR")"
}

# Start COMMAND... in a private tmux server of WIDTHxHEIGHT ($1 $2).
tmux_start() {
	local w=$1 h=$2
	shift 2
	command -v tmux >/dev/null || skip "tmux is not installed (Debian package 'tmux')"
	# Each start gets a server of its own: a new one on the socket of one
	# that is still shutting down can die with it.
	tmux -L "$T_TMUX" kill-server 2>/dev/null || true
	T_STARTS=$(( ${T_STARTS:-0} + 1 ))
	T_TMUX="pd$$-$T_STARTS"
	# remain-on-exit from the start: a program that exits at once stays readable.
	echo "set -g remain-on-exit on" >"$T_TMP/tmux.conf"
	tmux -L "$T_TMUX" -f "$T_TMP/tmux.conf" new-session -d -x "$w" -y "$h" "$@"
}

tmux_keys() { tmux -L "$T_TMUX" send-keys "$@"; }
tmux_screen() { tmux -L "$T_TMUX" capture-pane -p; }
tmux_resize() { tmux -L "$T_TMUX" resize-window -x "$1" -y "$2"; }
tmux_dead() { [ "$(tmux -L "$T_TMUX" display-message -p '#{pane_dead}')" = 1 ]; }
# Wait up to 5 s until the program in the pane has ended; else fail with $1.
tmux_wait_dead() {
	local i=0
	until tmux_dead; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "$1"
		sleep 0.05
	done
}

# Wait up to $2 seconds (default 5) until the screen contains $1.
tmux_wait_for() {
	local want=$1 limit=${2:-5} i=0
	while [ "$i" -lt $((limit * 20)) ]; do
		case "$(tmux_screen)" in *"$want"*) return 0 ;; esac
		sleep 0.05
		i=$((i + 1))
	done
	echo "--- screen ---" >&2
	tmux_screen >&2
	fail "screen never showed '$want' within ${limit}s"
}

# --- the lab's engines -------------------------------------------------------

# The lab's engines answer on plaintext :2375, or on mutual TLS :2376 when the lab runs
# `up --tls` (its env then sets PLANTDECK_LAB_TLS=1, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH,
# which the docker CLI follows too).
lab_tls() { [ "${PLANTDECK_LAB_TLS:-0}" = 1 ]; }
lab_port() { if lab_tls; then echo 2376; else echo 2375; fi; }
# The TCP endpoint of lab node $1 (1-based).
lab_host() { echo "tcp://127.0.0.$((10 + $1)):$(lab_port)"; }
# The Engine API's URL on lab node $1, for lab_curl.
lab_url() { if lab_tls; then echo "https://127.0.0.$((10 + $1)):2376"; else echo "http://127.0.0.$((10 + $1)):2375"; fi; }
# The defaults: block of an inventory of lab nodes: the lab's TLS files, or insecure: true.
lab_defaults() {
	if lab_tls; then
		printf 'defaults:\n  tls: {ca: %s/ca.pem, cert: %s/cert.pem, key: %s/key.pem}\n' \
			"$DOCKER_CERT_PATH" "$DOCKER_CERT_PATH" "$DOCKER_CERT_PATH"
	else
		printf 'defaults:\n  insecure: true\n'
	fi
}
# curl ARGS... with the lab client's certificate when the lab talks TLS (an http:// URL,
# the registry's or a simulated engine's, is not affected by it).
lab_curl() {
	if lab_tls; then
		curl --cacert "$DOCKER_CERT_PATH/ca.pem" --cert "$DOCKER_CERT_PATH/cert.pem" \
			--key "$DOCKER_CERT_PATH/key.pem" "$@"
	else
		curl "$@"
	fi
}
# The lab node name of node $1.
lab_name() { printf 'lab-%02d' "$1"; }
# docker CLI against lab node $1.
ldocker() {
	local n=$1
	shift
	docker -H "$(lab_host "$n")" "$@"
}
REG=127.0.0.1:5000

# Remove, on every lab node, the objects of kind $1 (containers, networks)
# whose names start with $2 (DELETE, force=1 as rm -f).  One curl asks every
# node at once, one jq picks the names, one curl deletes: a docker client per
# node in turn took about a second a node on a loaded machine (30 s for 27).
lab_rm_all() {
	local i list=$1 dir urls="" line lines f
	[ "$1" != containers ] || list=containers/json
	dir=$(mktemp -d "${T_TMP:-/tmp}/rm.XXXXXX")
	urls=$(for i in $(seq 1 "${PLANTDECK_LAB_NODES:-5}"); do
		printf ' -o %s/%s %s/%s?all=1' "$dir" "$i" "$(lab_url "$i")" "$list"; done)
	set -f  # the URLs hold '?'
	# shellcheck disable=SC2086  # the options and URLs
	lab_curl -fsS --max-time 30 --parallel --parallel-max 64 $urls 2>/dev/null || true
	set +f
	# "NODE/ID" a line; a node's list cut short stops jq: then one node at a time
	for f in "$dir"/*; do [ -e "$f" ] || rm -rf "$dir"; done
	[ -d "$dir" ] || return 0
	lines=$(lab_rm_pick "$2" "$dir"/*) ||
		lines=$(for f in "$dir"/*; do lab_rm_pick "$2" "$f" || true; done)
	rm -rf "$dir"
	urls=""
	for line in $lines; do
		urls="$urls $(lab_url "${line%%/*}")/$1/${line#*/}?force=1"
	done
	[ -n "$urls" ] || return 0
	set -f
	# shellcheck disable=SC2086  # the URLs
	lab_curl -sS --max-time 60 --parallel -X DELETE $urls >/dev/null 2>&1 || true
	set +f
}

# "NODE/ID" of each object whose name starts with $1 in the lists (files
# named by their node) $2...
lab_rm_pick() {
	local p=$1
	shift
	command jq -r --arg p "$p" 'input_filename as $f | .[] |
	    select([.Names[]? // .Name | ltrimstr("/") | startswith($p)] | any) |
	    "\($f | sub(".*/"; ""))/\(.Id)"' "$@" 2>/dev/null
}

# Remove, on every lab node, the containers whose names start with $1.
lab_rm_prefix() { lab_rm_all containers "$1"; }

# Remove, on every lab node, the networks whose names start with $1 (a
# stack's networks: remove its containers first, a network in use stays).
lab_rm_networks() { lab_rm_all networks "$1"; }

# Seconds since the epoch, with fractions.
now_s() { date +%s.%N; }
# $1 - $2 in milliseconds, as an integer.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# Poll until the jq filter $2 is true on the newest document of NDJSON file
# $1, for at most $3 seconds; prints the milliseconds waited.  Fails after.
wait_json() {
	local file=$1 filter=$2 limit=$3 t0 t
	t0=$(now_s)
	while :; do
		if [ -s "$file" ] && tail -n 1 "$file" | jq -e "$filter" >/dev/null 2>&1; then
			ms_between "$t0" "$(now_s)"
			return 0
		fi
		t=$(ms_between "$t0" "$(now_s)")
		if [ "$t" -gt $((limit * 1000)) ]; then
			echo "--- last document:" >&2
			tail -n 1 "$file" | jq -c '[.nodes[] | {name, reach, error}]' >&2 || true
			fail "not true within ${limit}s: $filter"
		fi
		sleep 0.02
	done
}
