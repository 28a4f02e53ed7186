#!/usr/bin/env bash
# The fuzz command (`make fuzz`, not part of `make test`): every cargo-fuzz target of keyset_core
# (core/fuzz) for FUZZ_RUNS executions each (default 2,000,000; six targets), on the nightly
# toolchain the machine has. Installs cargo-fuzz if missing. Any crash input is copied to
# core/fuzz/regressions/<target>/ (replayed by `make test` from then on) and fails the command.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
RUNS=${FUZZ_RUNS:-2000000}
TARGETS=${FUZZ_TARGETS:-"cursor_decode cursor_json typed_value sort_spec filter page_start"}

rustup toolchain list | grep -q '^nightly' || { echo "make fuzz needs the nightly toolchain (rustup toolchain list)"; exit 1; }
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

work=$(mktemp -d /tmp/pg_keyset-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
total=0
failed=0
cd core
for t in $TARGETS; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  echo "== fuzz $t: $RUNS runs"
  set +e
  cargo +nightly fuzz run "$t" "$work/corpus/$t" "fuzz/seeds/$t" -- \
    -runs="$RUNS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$t/" 2>&1 | tee "$work/$t.log" | grep -E '^(#[0-9]+ +DONE|==[0-9]+== ERROR|SUMMARY|stat::number_of_executed_units)' 
  status=${PIPESTATUS[0]}
  set -e
  runs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$work/$t.log" | tail -n 1)
  total=$((total + ${runs:-0}))
  if [ "$status" -ne 0 ] || ls "$work/artifacts/$t"/* >/dev/null 2>&1; then
    echo "!! $t failed (exit $status); inputs kept in core/fuzz/regressions/$t/:"
    mkdir -p "fuzz/regressions/$t"
    cp "$work/artifacts/$t"/* "fuzz/regressions/$t/" 2>/dev/null || true
    ls "fuzz/regressions/$t"
    tail -n 40 "$work/$t.log"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $total executions in all, $failed target(s) failed"
[ "$failed" -eq 0 ]
