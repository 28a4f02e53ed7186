#!/usr/bin/env bash
# The test command (`make test`): every tier, non-zero exit on any failure, one summary line.
#   (lint) cargo fmt --check and cargo clippy --all-targets -D warnings for both crates
#   (a) pure-Rust unit, known-answer and property tests of keyset_core (cargo test, release)
#   (b) #[pg_test] tests inside a real server (cargo pgrx test pg15 --runas postgres)
#   (c) golden SQL tests in tests/pg_regress through pg_regress, on a cluster of our own
#   (d) script tests on the same cluster: concurrent walks, a non-UTF8 database, the upgrade path,
#       clients, scale-out components
#   (package) make package; the .deb installed in place of the build; the golden tests against it
# Every tier with a server runs a crash canary (scripts/canary.sh): an idle control connection
# that must still answer at the end, restart_after_crash = off, and a scan of the server log.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Rust backtraces would land in error DETAILs and break golden files (docs/testing.md, Toolchain).
unset RUST_BACKTRACE

work=$(mktemp -d /tmp/pg_keyset-test.XXXXXX)
chmod 755 "$work"
export CANARY_DIR="$work/canary"
mkdir -p "$CANARY_DIR"
source scripts/canary.sh
PGBIN=/usr/lib/postgresql/15/bin
cluster_data="$work/cluster/data"
package_data="$work/package/data"
cleanup() {
  for data in "$cluster_data" "$package_data"; do
    if [ -f "$data/postmaster.pid" ]; then
      runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

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

echo "== tier lint: cargo fmt --check and cargo clippy -D warnings, both crates"
status=0; p=0; f=0
for check in "cargo fmt --all -- --check" \
             "cargo clippy --all-targets -p keyset_core -- -D warnings" \
             "cargo clippy --all-targets -p pg_keyset --features pg15,pg_test -- -D warnings"; do
  if $check >"$work/lint.log" 2>&1; then
    echo "ok $check"; p=$((p + 1))
  else
    echo "not ok $check"; sed 's/^/    /' "$work/lint.log" | tail -n 40; f=$((f + 1))
  fi
done
tier_report lint "$status" "$p" "$f"

echo "== tier a: keyset_core (cargo test --release -p keyset_core)"
cargo test --release -p keyset_core 2>&1 | tee "$work/a.log"
status=${PIPESTATUS[0]}
read -r p f < <(cargo_counts "$work/a.log")
tier_report a "$status" "$p" "$f"

echo "== tier b: #[pg_test] (cargo pgrx test pg15 --runas postgres)"
install -d -o postgres -g postgres "$work/pgdata"
# The canary connects once pgrx's test server is up (on a port pgrx picks: read it from
# postmaster.pid, whose fourth line is the port).
(
  port=""
  for _ in $(seq 1 3000); do
    [ -f "$work/b.done" ] && break
    pidfile=$(find "$work/pgdata" -name postmaster.pid 2>/dev/null | head -n 1)
    port=$([ -n "$pidfile" ] && sed -n 4p "$pidfile" 2>/dev/null)
    [ -n "$port" ] && "$PGBIN/pg_isready" -q -h localhost -p "$port" && break
    sleep 0.2
  done
  [ -n "$port" ] && canary_open pgrx localhost "$port" >"$work/b-canary-open.log" 2>&1
  # Hold the FIFO open until the tier ends, then report how the connection ended.
  while [ ! -f "$work/b.done" ]; do sleep 0.5; done
  if [ -n "${CANARY_FD[pgrx]:-}" ]; then canary_shutdown_clean pgrx >"$work/b-canary.log" 2>&1; echo $? >"$work/b-canary.rc"; fi
) &
watcher=$!
# RUST_TEST_NOCAPTURE: the server log lines pgrx echoes come from a thread of the first test,
# whose output libtest would otherwise swallow.
RUST_TEST_NOCAPTURE=1 cargo pgrx test pg15 --runas postgres --pgdata "$work/pgdata" 2>&1 | tee "$work/b.log"
status=${PIPESTATUS[0]}
touch "$work/b.done"
wait "$watcher"
read -r p f < <(cargo_counts "$work/b.log")
# pgrx echoes every server log line (log_line_prefix carries its marker, see src/lib.rs).
if ! canary_scan_log "$work/b.log"; then f=$((f + 1)); fi
if [ ! -f "$work/b-canary.rc" ]; then
  echo "crash canary (tier b): the control connection never connected"; cat "$work/b-canary-open.log" 2>/dev/null
  f=$((f + 1))
elif [ "$(cat "$work/b-canary.rc")" != 0 ]; then
  cat "$work/b-canary.log"; f=$((f + 1))
fi
tier_report b "$status" "$p" "$f"

echo "== tier c: golden SQL tests (pg_regress, on a cluster with a crash canary)"
# `cargo pgrx test` installed its test build; install the plain build the users get.
status=0
cargo pgrx install --pg-config "$PGBIN/pg_config" 2>&1 | tail -n 3 || status=1
# A cluster of its own under $work/NAME with a crash canary, and the golden tests on it (the
# installed build: tier c's, or the package's in tier package). Leaves it running; sets PGHOST etc.
# and returns pg_regress's status; its output goes to $work/NAME.log.
golden() {
  local name=$1 dir="$work/$1" status=0
  install -d -o postgres -g postgres "$dir" "$dir/data" "$dir/sock"
  runuser -u postgres -- env -u RUST_BACKTRACE "$PGBIN/initdb" -D "$dir/data" -U postgres \
    --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null || status=1
  # RUST_BACKTRACE=1 on purpose: pg_keyset must keep Rust backtraces out of error messages even so
  # (src/lib.rs, _PG_init); a backtrace in any DETAIL would break the golden files.
  runuser -u postgres -- env RUST_BACKTRACE=1 "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
    -o "-p 5432 -k $dir/sock -c listen_addresses='' -c restart_after_crash=off -c max_connections=40" \
    -w start >/dev/null || status=1
  export PGHOST="$dir/sock" PGPORT=5432 PGUSER=postgres
  canary_open "$name" "$PGHOST" "$PGPORT" || status=1
  # pg_regress must run as postgres and read/write its directories: work on a copy.
  install -d -o postgres -g postgres "$dir/regress"
  cp -r tests/pg_regress/sql tests/pg_regress/expected "$dir/regress/"
  chown -R postgres:postgres "$dir/regress"
  local tests
  tests=$(cd tests/pg_regress/sql && ls *.sql | sed 's/\.sql$//' | sort | tr '\n' ' ')
  # With --use-existing pg_regress creates no database: make it, with the extension.
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "create database pg_keyset_regress" || status=1
  psql -X -q -v ON_ERROR_STOP=1 -d pg_keyset_regress -c "create extension pg_keyset" || status=1
  [ "$status" -eq 0 ] || return "$status"
  runuser -u postgres -- "$PGBIN/../lib/pgxs/src/test/regress/pg_regress" \
    --bindir="$PGBIN" --use-existing --host="$PGHOST" --port="$PGPORT" \
    --inputdir="$dir/regress" --outputdir="$dir/regress" --dbname=pg_keyset_regress \
    $tests 2>&1 | tee "$work/$name.log"
  status=${PIPESTATUS[0]}
  if [ -s "$dir/regress/regression.diffs" ]; then
    cp "$dir/regress/regression.diffs" "$repo/tests/pg_regress/regression.diffs"
    echo "-- differences (also in tests/pg_regress/regression.diffs):"
    cat "$dir/regress/regression.diffs"
  fi
  # Fresh output files, for bootstrapping a new golden file: tests/pg_regress/results/
  rm -rf "$repo/tests/pg_regress/results"
  cp -r "$dir/regress/results" "$repo/tests/pg_regress/results" 2>/dev/null
  return "$status"
}
golden_counts() { # passed and failed golden tests in $work/NAME.log
  local p f
  p=$(grep -cE '^test .* \.\.\. ok|^ok ' "$work/$1.log" 2>/dev/null) || true
  f=$(grep -cE '^test .* \.\.\. FAILED|^not ok ' "$work/$1.log" 2>/dev/null) || true
  echo "${p:-0} ${f:-0}"
}
if [ "$status" -eq 0 ]; then golden cluster; status=$?; fi
read -r p f < <(golden_counts cluster)
tier_report c "$status" "$p" "$f"

echo "== tier d: script tests (tests/scripts, same cluster)"
p=0; f=0; status=0
for t in tests/scripts/*.sh; do
  name=$(basename "$t" .sh)
  if bash "$t" >"$work/d-$name.log" 2>&1; then
    echo "ok $name"; p=$((p + 1))
  else
    echo "not ok $name"; sed 's/^/    /' "$work/d-$name.log"; f=$((f + 1))
  fi
done
# The canary: the idle connection answers, the log shows no crash.
if ! canary_alive cluster; then f=$((f + 1)); fi
canary_close cluster
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$cluster_data" -m fast -w stop >/dev/null || status=1
if ! canary_scan_log "$work/cluster/server.log"; then f=$((f + 1)); fi
tier_report d "$status" "$p" "$f"

echo "== tier package: make package, the .deb installed in place of the build, golden tests on it"
p=0; f=0; status=0
libdir=$("$PGBIN/pg_config" --pkglibdir)
extdir=$("$PGBIN/pg_config" --sharedir)/extension
if bash scripts/package.sh >"$work/package-build.log" 2>&1; then
  deb=$(ls target/debian/postgresql-15-pg-keyset_*_amd64.deb | head -n 1)
  # What a machine without Rust has: nothing of pg_keyset but the package's files.
  rm -f "$libdir/pg_keyset.so" "$extdir/pg_keyset.control" "$extdir"/pg_keyset--*.sql
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >"$work/package-install.log" 2>&1 \
     && dpkg -s postgresql-15-pg-keyset >/dev/null && [ -f "$libdir/pg_keyset.so" ]; then
    echo "ok installed $deb with apt-get"; p=$((p + 1))
    golden package || status=$?
    read -r gp gf < <(golden_counts package)
    p=$((p + gp)); f=$((f + gf))
    if ! canary_alive package; then f=$((f + 1)); fi
    canary_close package
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$package_data" -m fast -w stop >/dev/null || status=1
    if ! canary_scan_log "$work/package/server.log"; then f=$((f + 1)); fi
  else
    echo "not ok apt-get install ./$deb"; cat "$work/package-install.log"; f=$((f + 1))
  fi
  # Leave the machine as a build leaves it: the package removed, the build installed again.
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq postgresql-15-pg-keyset >/dev/null 2>&1 || true
  cargo pgrx install --pg-config "$PGBIN/pg_config" >/dev/null 2>&1 || status=1
else
  echo "not ok make package"; tail -n 30 "$work/package-build.log"; f=$((f + 1))
fi
tier_report package "$status" "$p" "$f"

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
