#!/usr/bin/env bash
# The benchmark command (`make bench`): release build, a throwaway cluster, N rows (default
# 1,000,000; BENCH_ROWS=10000000 for 10M) with composite indexes, then pgbench cases run by
# scripts/bench.py. Writes bench/results.json, bench/latency_vs_depth.png and prints the table.
# Options (environment): BENCH_ROWS, BENCH_SECONDS (per run, default 3), BENCH_REPS (default 3),
# BENCH_OUT (output directory, default bench).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${BENCH_ROWS:-1000000}

bash scripts/setup.sh
# gnuplot draws the latency plot; pgbench comes with postgresql-client.
if ! command -v gnuplot >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
fi
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
unset RUST_BACKTRACE

echo "== building and installing the release build"
cargo pgrx install --release --pg-config /usr/lib/postgresql/15/bin/pg_config 2>&1 | tail -n 1
echo "== pure-Rust codec benchmark"
cargo run --quiet --release -p keyset_core --example codec_bench | tee /tmp/pg_keyset-codec-bench.txt

source scripts/cluster.sh
# Settings: enough shared_buffers to hold the table and indexes (so every case is measured warm),
# JIT off (it only adds compile time to millisecond queries), timezone fixed for the cursors.
# pg_stat_statements (track=top) gives each case's server-side execution time next to pgbench's
# client-side latency.
cluster_start bench shared_buffers=2GB work_mem=64MB jit=off timezone=UTC max_wal_size=4GB \
  synchronous_commit=off shared_preload_libraries=pg_stat_statements pg_stat_statements.track=top
echo "== throwaway cluster in $CLUSTER_DIR; loading $ROWS rows"

cluster_psql -q <<SQL
create extension pg_keyset;
create extension pg_stat_statements;
create table assets (
  id         bigint primary key,
  created_at timestamptz not null,
  name       text not null,
  size       bigint not null,
  priority   int,             -- nullable: every 10th row is NULL
  category   text not null    -- 8 values, for multi-column sorts and filters
);
insert into assets
select g,
       timestamptz '2024-01-01 00:00:00+00' + (g / 3) * interval '1 second' + (g % 3) * interval '1 microsecond',
       'asset-' || lpad(to_hex(g::bigint * 2654435761 % 4294967296), 8, '0'),
       (g::bigint * 7919) % 1000000,
       case when g % 10 = 0 then null else (g::bigint * 31) % 1000 end,
       'cat-' || (g::bigint * 40503 % 8)
from generate_series(1, $ROWS) g;
create index assets_created_at_id on assets (created_at, id);
create index assets_name_id on assets (name, id);
create index assets_priority_id on assets (priority, id);
create index assets_category_created_at_id on assets (category, created_at, id);
create index assets_category_desc_created_at_id on assets (category desc, created_at, id);
create index assets_priority_desc_created_at_id on assets (priority desc nulls last, created_at, id);
vacuum analyze assets;
-- Other relation kinds (issue 11): a partitioned table of 13 monthly partitions whose primary key
-- includes the partition key, a composite-key (multi-tenant) table, a simple view.
create table events_p (id bigint not null, created_at timestamptz not null, kind text not null,
                       payload text, primary key (id, created_at)) partition by range (created_at);
select format('create table events_p_%s partition of events_p for values from (%L) to (%L)', m,
              timestamptz '2024-01-01 00:00:00+00' + (m - 1) * interval '1 month',
              timestamptz '2024-01-01 00:00:00+00' + m * interval '1 month')
from generate_series(1, 13) m \gexec
insert into events_p
select g, timestamptz '2024-01-01 00:00:00+00' + g * interval '30 seconds', 'k' || g % 7, md5(g::text)
from generate_series(1, $ROWS) g;
create index events_p_created_at_id on events_p (created_at, id);
create table tenant_rows (tenant_id int not null, id bigint not null, name text not null, size bigint not null,
                          primary key (tenant_id, id));
insert into tenant_rows select g % 1000, g, 'row-' || g, (g::bigint * 7919) % 1000000 from generate_series(1, $ROWS) g;
create view assets_api as select id, created_at, name, size, priority, category from assets;
vacuum analyze events_p, tenant_rows;
SQL

python3 scripts/bench.py --rows "$ROWS" --seconds "${BENCH_SECONDS:-3}" --reps "${BENCH_REPS:-3}" \
  --codec-bench /tmp/pg_keyset-codec-bench.txt --out "${BENCH_OUT:-bench}"

# Scale-out cases (Citus, postgres_fdw) on servers of their own, after this cluster is stopped.
cluster_stop
bash scripts/bench_scale_out.sh
