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
	tmux -L "$T_TMUX" kill-server 2>/dev/null || true
	rm -rf "$T_TMP"
	exit "$rc"
}
trap t_exit EXIT

# Add shell code to run at exit.
t_on_exit() { T_CLEANUP="$1; $T_CLEANUP"; }

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

# Skip unless the lab is up; load its environment.
need_lab() {
	[ "$(id -u)" = 0 ] || skip "the lab needs root"
	[ -n "${PLANTDECK_LAB:-}" ] || skip "no lab: run lab/plantdeck-lab up and export its env"
	eval "$("$top_srcdir/lab/plantdeck-lab" env --dir "$PLANTDECK_LAB")"
}

# Start COMMAND... in a private tmux server of WIDTHxHEIGHT ($1 $2).
tmux_start() {
	local w=$1 h=$2
	shift 2
	command -v tmux >/dev/null || skip "tmux is not installed (Debian package 'tmux')"
	tmux -L "$T_TMUX" -f /dev/null new-session -d -x "$w" -y "$h" "$@"
	tmux -L "$T_TMUX" set-option -g remain-on-exit on >/dev/null
}

tmux_keys() { tmux -L "$T_TMUX" send-keys "$@"; }
tmux_screen() { tmux -L "$T_TMUX" capture-pane -p; }
tmux_resize() { tmux -L "$T_TMUX" resize-window -x "$1" -y "$2"; }
tmux_dead() { [ "$(tmux -L "$T_TMUX" display-message -p '#{pane_dead}')" = 1 ]; }

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
