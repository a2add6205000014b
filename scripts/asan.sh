#!/usr/bin/env bash
# Runs every C test program (tests/c/*.c, through the cargo tests that build and run them)
# against the driver built with AddressSanitizer: a nightly build of the library with
# -Zsanitizer=address, loaded by the C programs, unixODBC and isql with GCC's ASan runtime
# preloaded (a shared library instrumented by rustc does not carry the runtime itself).
# Any ASan report ends the program that hit it with status 86, which fails its test.
#
# Usage: scripts/asan.sh            (CARGO_TARGET_DIR is honoured; the ASan build goes to
#                                    $CARGO_TARGET_DIR-asan, or target/asan)
# Needs: the nightly toolchain (rustup toolchain install nightly), gcc's libasan.
set -euo pipefail
cd "$(dirname "$0")/.."

base_target="${CARGO_TARGET_DIR:-target}"
asan_target="${ASAN_TARGET_DIR:-${base_target%/}-asan}"
triple=x86_64-unknown-linux-gnu
jobs="${ASAN_JOBS:-2}"

if ! rustup toolchain list | grep '^nightly' >/dev/null; then
  rustup toolchain install nightly --profile minimal
fi

started=$(date +%s)
# --target keeps build scripts and proc macros uninstrumented (they run on the host).
RUSTFLAGS="-Zsanitizer=address" CARGO_TARGET_DIR="$asan_target" \
  cargo +nightly build --lib --target "$triple" -j "$jobs"
so="$(cd "$asan_target/$triple/debug" && pwd)/libauroraodbc.so"
nm -D "$so" | grep " U __asan_report_load8" >/dev/null || { echo "asan.sh: $so is not instrumented" >&2; exit 1; }
built=$(date +%s)

runtime="$(gcc -print-file-name=libasan.so)"
[ -f "$runtime" ] || { echo "asan.sh: gcc's libasan.so not found" >&2; exit 1; }

# The tests that run tests/c/*.c (failover.c: its end-to-end test only).
tests=(core_c direct_c misuse runtime batches bi_replay buffers scroll server_messages sql_text
  transactions psqlodbc_conversions psqlodbc_metadata psqlodbc_values updatable_cursors
  large_objects)
args=()
for t in "${tests[@]}"; do args+=(--test "$t"); done

export AURORAODBC_TEST_DRIVER="$so"
# Leak checking is valgrind's part (tests/sanitizers.rs): at exit the runtime's threads and
# the test harness still hold memory that LeakSanitizer would report.
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:exitcode=86:detect_stack_use_after_return=0"
status=0
# The runtime goes into the ODBC clients the tests start (C programs, isql, python), not into
# the PostgreSQL servers they start too (tests/common: OdbcConfig::apply).
export AURORAODBC_TEST_PRELOAD="$runtime"
cargo test -j "$jobs" --no-fail-fast "${args[@]}" || status=$?
cargo test -j "$jobs" --test failover end_to_end_through_the_driver_manager || status=$?
# stream.c checks its peak memory: a small quarantine keeps ASan's own share of it bounded.
ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16:thread_local_quarantine_size_kb=256" \
  cargo test -j "$jobs" --test streaming || status=$?
finished=$(date +%s)
echo "asan.sh: ASan build $((built - started)) s, C tests $((finished - built)) s, status $status"
exit "$status"
