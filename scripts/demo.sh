#!/usr/bin/env bash
# The demo command (`make demo`): release build, throwaway cluster, a 1,000,000-row table, and
# pg_keyset at work with real output and timings. The cluster is stopped and removed at the end,
# also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}

bash scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
unset RUST_BACKTRACE

echo "== building and installing the release build (about 2 minutes from clean)"
cargo pgrx install --release --pg-config /usr/lib/postgresql/15/bin/pg_config 2>&1 | tail -n 2

source scripts/cluster.sh
cluster_start demo shared_buffers=512MB work_mem=64MB
echo "== throwaway cluster in $CLUSTER_DIR"

cluster_psql -q <<SQL
\set QUIET on
create extension pg_keyset;
create table assets (
  id         bigint primary key,
  name       text not null,
  size       bigint not null,
  created_at timestamptz not null
);
insert into assets
select g, 'asset-' || lpad(to_hex(g::bigint * 2654435761 % 4294967296), 8, '0'), (g::bigint * 7919) % 1000000,
       timestamptz '2024-01-01 00:00:00+00' + (g / 3) * interval '1 second' + (g % 3) * interval '1 microsecond'
from generate_series(1, $ROWS) g;
-- The composite index a created_at sort needs: (sort column, primary key).
create index assets_created_at_id on assets (created_at, id);
vacuum analyze assets;
SQL

cluster_psql <<'SQL'
\pset footer off
\echo
\echo '== the table'
select count(*) as rows, min(created_at), max(created_at) from assets;

\echo '== first page: newest 5 assets, and the cursor for the last row (cursor_encode)'
select id, name, created_at,
       cursor_encode('created_at', 'desc', created_at, id) as cursor
from assets order by created_at desc, id desc limit 5;

\echo '== what the cursor carries (cursor_decode): sort, direction, Unix microseconds, id'
select * from cursor_decode(
  (select cursor_encode('created_at', 'desc', created_at, id) from assets order by created_at desc, id desc offset 4 limit 1));

\echo '== the cursor is URL-safe base64 of compact JSON, byte-identical to the reference services'
select convert_from(decode(translate(c, '-_', '+/') || repeat('=', (4 - length(c) % 4) % 4), 'base64'), 'UTF8') as wire_json
from (select cursor_encode('created_at', 'desc', created_at, id) as c
      from assets order by created_at desc, id desc offset 4 limit 1) t;

\echo '== a hostile cursor is a clean 22023 error, never a crash'
\set ON_ERROR_STOP 0
select * from cursor_decode('eyJzIjoiY3JlYXRlZF9hdCIsIm8iOiJkZXNjIn0');
\echo 'SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

-- Median of 15 runs of one statement, in milliseconds.
\set QUIET on
create function pg_temp.median_ms(q text, runs int default 15) returns numeric language plpgsql as $$
declare t0 timestamptz; ms numeric[] := '{}';
begin
  for i in 1..runs loop
    t0 := clock_timestamp();
    execute q;
    ms := ms || extract(epoch from clock_timestamp() - t0) * 1000;
  end loop;
  return (select round(percentile_cont(0.5) within group (order by m)::numeric, 3) from unnest(ms) m);
end $$;
\set QUIET off

\echo '== a page at 99% depth: driven by a cursor vs. by OFFSET (20 rows, median of 15 runs)'
select cursor_encode('created_at', 'desc', created_at, id) as deep_cursor
from assets order by created_at desc, id desc offset (select count(*) * 99 / 100 from assets) limit 1 \gset
with c as (select * from cursor_decode(:'deep_cursor'))
select
  pg_temp.median_ms(format(
    $q$select * from assets where (created_at, id) < (timestamptz 'epoch' + %s * interval '1 microsecond', %s)
       order by created_at desc, id desc limit 21$q$, c.value, c.id)) as cursor_page_ms,
  pg_temp.median_ms(format(
    'select * from assets order by created_at desc, id desc offset %s limit 21',
    (select count(*) * 99 / 100 + 1 from assets))) as offset_page_ms
from c;

\echo '== encoding a cursor for every one of the rows'
\timing on
select count(cursor_encode('created_at', 'desc', created_at, id)) from assets;
\timing off
SQL
echo "== done; stopping the cluster"
