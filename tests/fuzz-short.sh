#!/bin/bash
# fuzz-short.sh: every libFuzzer harness of tests/fuzz/ for a few seconds
# (FUZZ_SHORT_SECONDS, default 5) over its seed corpus, in a build of its
# own made with CC=clang --enable-fuzzing under $top_builddir/tests/fuzz-build
# (kept, so that only the first run compiles everything).  A crash, leak,
# undefined behaviour or broken property fails the test, naming the harness
# and its reproducer.  Skips only when clang cannot link libFuzzer.  No lab.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

CLANG=${FUZZ_CC:-clang}
command -v "$CLANG" >/dev/null ||
	skip "$CLANG is not installed (Debian packages clang and libclang-rt-14-dev)"
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	>"$T_TMP/probe.c"
"$CLANG" -fsanitize=fuzzer,address,undefined "$T_TMP/probe.c" -o "$T_TMP/probe" 2>"$T_TMP/probe.err" ||
	skip "$CLANG cannot link libFuzzer (Debian package libclang-rt-14-dev): $(head -1 "$T_TMP/probe.err")"

src=$(cd "$top_srcdir" && pwd)
build=$(cd "$top_builddir" && pwd)/tests/fuzz-build
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$(cat .configure-args 2>/dev/null)" != "$CLANG" ]; then
	"$src/configure" -q CC="$CLANG" CFLAGS="-O1 -g" --disable-bpf --enable-fuzzing \
		>"$T_TMP/configure.log" 2>&1 || { cat "$T_TMP/configure.log" >&2; fail "configure"; }
	echo "$CLANG" >.configure-args
fi
progs=$(sed -n 's/^FUZZ_NAMES = //p' Makefile)
[ -n "$progs" ] || fail "no FUZZ_NAMES in the fuzzing build's Makefile"
targets=""
for n in $progs; do targets="$targets tests/fuzz/fuzz-$n"; done
# shellcheck disable=SC2086
make -s -j2 $targets >"$T_TMP/make.log" 2>&1 || { tail -30 "$T_TMP/make.log" >&2; fail "make the harnesses"; }
ok "built: $progs"

# Each harness over the seed corpus only (a fresh work dir), so that a run
# tests what the tree holds.
rm -rf tests/fuzz/work
# shellcheck disable=SC2086
if top_srcdir="$src" FUZZ_LOG_DIR="$T_TMP/log" \
	"$src/tests/fuzz/run" "${FUZZ_SHORT_SECONDS:-5}" $progs; then
	ok "every harness ran ${FUZZ_SHORT_SECONDS:-5} s without a finding"
else
	for f in "$T_TMP"/log/*.log; do
		grep -q -E 'ERROR: |runtime error|property broken' "$f" && tail -40 "$f" >&2
	done
	fail "a harness found something (reproducers above, under $build/tests/fuzz/)"
fi
