#!/usr/bin/env bash
# Runs every fuzz target for a short while (FUZZ_SECONDS each, 20 by default) from its seed
# corpus in fuzz/corpus/<target>, as CI does after the tests. Fails when any target finds a
# crash, a panic, a memory error (AddressSanitizer), a leak or an input slower than 10 s; the
# input that did it is saved under fuzz/artifacts/<target>/ and reproduces with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
# New inputs found go to a temporary directory, so the committed corpora stay as they are.
# Usage: fuzz/run.sh [target...]   (all targets without arguments)
set -uo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
target_dir="${CARGO_TARGET_DIR:-/var/tmp/auroraodbc-ci-target}/fuzz"
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=(connstr sqltext decode_value out_buffers fake_server)
fi

mkdir -p "$target_dir"
if ! cargo +nightly fuzz build --target-dir "$target_dir" >/dev/null 2>"$target_dir.build.log"; then
  cat "$target_dir.build.log" >&2
  echo "fuzz: build failed"
  exit 1
fi

status=0
for t in "${targets[@]}"; do
  work="$(mktemp -d)"
  log="$(mktemp)"
  dict=()
  if [ -f "fuzz/dict/$t.dict" ]; then dict=(-dict="fuzz/dict/$t.dict"); fi
  if cargo +nightly fuzz run --target-dir "$target_dir" "$t" "$work" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
    runs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
    echo "fuzz $t: ok, ${runs:-?} executions in ${seconds} s"
  else
    status=1
    tail -n 60 "$log"
    echo "fuzz $t: FAILED (input saved under fuzz/artifacts/$t/)"
  fi
  rm -rf "$work" "$log"
done
exit "$status"
