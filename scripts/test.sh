#!/usr/bin/env bash
# The test command (`make test`): every tier, non-zero exit on any failure, one summary line.
#   (a) pure-Rust unit, known-answer and property tests of keyset_core (cargo test, release)
#   (b) #[pg_test] tests inside a real server (cargo pgrx test pg15 --runas postgres)
#   (c) golden SQL tests in tests/pg_regress through pg_regress with a temporary instance
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Rust backtraces would land in error DETAILs and break golden files (shared/TOOLCHAIN.md).
unset RUST_BACKTRACE

work=$(mktemp -d /tmp/pg_keyset-test.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
tier_report() { # name, exit status, passed, failed
  local name=$1 status=$2 p=$3 f=$4
  # A tier whose command failed without reporting a failing test still counts as one failure.
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  printf '== tier %s: %d passed, %d failed (exit %d)\n' "$name" "$p" "$f" "$status"
}
cargo_counts() { # sums "test result: ... N passed; M failed" lines of a cargo test log
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { printf "%d %d\n", p, f }' "$1"
}

echo "== tier a: keyset_core (cargo test --release -p keyset_core)"
cargo test --release -p keyset_core 2>&1 | tee "$work/a.log"
status=${PIPESTATUS[0]}
read -r p f < <(cargo_counts "$work/a.log")
tier_report a "$status" "$p" "$f"

echo "== tier b: #[pg_test] (cargo pgrx test pg15 --runas postgres)"
install -d -o postgres -g postgres "$work/pgdata"
cargo pgrx test pg15 --runas postgres --pgdata "$work/pgdata" 2>&1 | tee "$work/b.log"
status=${PIPESTATUS[0]}
read -r p f < <(cargo_counts "$work/b.log")
tier_report b "$status" "$p" "$f"

echo "== tier c: golden SQL tests (pg_regress)"
# `cargo pgrx test` installed its test build; install the plain build the users get.
status=0
cargo pgrx install --pg-config /usr/lib/postgresql/15/bin/pg_config 2>&1 | tail -n 3 || status=1
# pg_regress must run as postgres and read/write its directories: work on a copy.
install -d -o postgres -g postgres "$work/regress"
cp -r tests/pg_regress/sql tests/pg_regress/expected "$work/regress/"
chown -R postgres:postgres "$work/regress"
tests=$(cd tests/pg_regress/sql && ls *.sql | sed 's/\.sql$//' | sort | tr '\n' ' ')
if [ "$status" -eq 0 ]; then
  runuser -u postgres -- /usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress \
    --bindir=/usr/lib/postgresql/15/bin --temp-instance="$work/regress/tmp_instance" \
    --inputdir="$work/regress" --outputdir="$work/regress" --dbname=pg_keyset_regress \
    --load-extension=pg_keyset $tests 2>&1 | tee "$work/c.log"
  status=${PIPESTATUS[0]}
  if [ -s "$work/regress/regression.diffs" ]; then
    cp "$work/regress/regression.diffs" "$repo/tests/pg_regress/regression.diffs"
    echo "-- differences (also in tests/pg_regress/regression.diffs):"
    cat "$work/regress/regression.diffs"
  fi
  # Fresh output files, for bootstrapping a new golden file: tests/pg_regress/results/
  rm -rf "$repo/tests/pg_regress/results"
  cp -r "$work/regress/results" "$repo/tests/pg_regress/results" 2>/dev/null || true
fi
p=$(grep -cE '^test .* \.\.\. ok|^ok ' "$work/c.log" 2>/dev/null) || true
f=$(grep -cE '^test .* \.\.\. FAILED|^not ok ' "$work/c.log" 2>/dev/null) || true
tier_report c "$status" "${p:-0}" "${f:-0}"

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
