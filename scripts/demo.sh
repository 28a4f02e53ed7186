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
-- A schema of its own, and schema-qualified calls (README: Installing and calling).
create schema keyset;
create extension pg_keyset schema keyset;
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

\echo '== keyset_page: the newest 3 assets, the next cursor and has_more, in one call'
\echo '   (rows: a json array, each row in the table''s column order as row_to_json writes it)'
select rows, next_cursor, has_more
from keyset.keyset_page('assets', 'created_at', 'desc', null, 3) \gx

\echo '== the next page: pass next_cursor back as after'
select json_array_length(rows) as n, rows->0->>'id' as first_id, rows->-1->>'id' as last_id, has_more
from keyset.keyset_page('assets', 'created_at', 'desc',
  (select next_cursor from keyset.keyset_page('assets', 'created_at', 'desc', null, 3)), 3);

\echo '== what the cursor carries (cursor_decode): sort, direction, Unix microseconds, id'
select * from keyset.cursor_decode((select next_cursor from keyset.keyset_page('assets', 'created_at', 'desc', null, 3)));

\echo '== the same page as typed rows (keyset_rows) with its cursor (keyset_page_info)'
select a.id, a.name, a.created_at, i.has_more
from keyset.keyset_page_info('assets', 'created_at', 'desc', null, 3) i
left join lateral keyset.keyset_rows(NULL::assets, 'created_at', 'desc', null, 3) a on true;

\echo '== a hostile cursor is a clean 22023 error, never a crash'
\set ON_ERROR_STOP 0
select * from keyset.keyset_page('assets', 'created_at', 'desc', 'eyJzIjoiY3JlYXRlZF9hdCIsIm8iOiJkZXNjIn0');
\echo 'SQLSTATE' :LAST_ERROR_SQLSTATE
select * from keyset.keyset_page('assets', 'created_at', 'asc',
  (select next_cursor from keyset.keyset_page('assets', 'created_at', 'desc', null, 3)));
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

\echo '== walking the whole table with keyset_page, 1000 rows a page'
\timing on
create temp table walk_stats as
with recursive w(page, next_cursor, has_more, n) as (
  select 1, p.next_cursor, p.has_more, json_array_length(p.rows)
  from keyset.keyset_page('assets', 'created_at', 'desc', null, 1000) p
  union all
  select w.page + 1, p.next_cursor, p.has_more, json_array_length(p.rows)
  from w cross join lateral keyset.keyset_page('assets', 'created_at', 'desc', w.next_cursor, 1000) p
  where w.has_more
)
select count(*) as pages, sum(n) as rows, bool_or(next_cursor is not null and not has_more) as spurious_cursor from w;
\timing off
select * from walk_stats;

\echo '== a 20-row page at 99% depth: keyset_page vs. OFFSET (median of 15 runs each, same session)'
-- The cursor of the row just before 99% depth, as a previous page would have returned it.
select keyset.cursor_encode('created_at', 'desc', created_at, id) as deep_cursor
from assets order by created_at desc, id desc offset (select count(*) * 99 / 100 - 1 from assets) limit 1 \gset
select
  pg_temp.median_ms(format($q$select * from keyset.keyset_page('assets', 'created_at', 'desc', %L, 20)$q$, :'deep_cursor')) as keyset_page_ms,
  pg_temp.median_ms('select * from keyset.keyset_page(''assets'', ''created_at'', ''desc'', null, 20)') as first_page_ms,
  pg_temp.median_ms(format(
    'select jsonb_agg(t) from (select * from assets order by created_at desc, id desc offset %s limit 20) t',
    (select count(*) * 99 / 100 from assets))) as offset_page_ms;
select (keyset.keyset_page('assets', 'created_at', 'desc', :'deep_cursor', 20)).rows->0->>'id' as deep_first_id,
       (select id from assets order by created_at desc, id desc offset (select count(*) * 99 / 100 from assets) limit 1) as offset_first_id;

\echo '== several columns (size desc, then name), forwards then back, with a filter bound into the cursor'
create index assets_size_desc_name_id on assets (size desc, name, id);
select (select string_agg(format('%s/%s', r->>'size', r->>'name'), '  ') from json_array_elements(rows) r) as page_1, has_more
from keyset.keyset_page('assets', 'size desc, name', page_size => 3, filter => '{"size": {"<": 500000}}');
select next_cursor as c1 from keyset.keyset_page('assets', 'size desc, name', page_size => 3, filter => '{"size": {"<": 500000}}') \gset
select prev_cursor as p2,
       (select string_agg(format('%s/%s', r->>'size', r->>'name'), '  ') from json_array_elements(rows) r) as page_2, has_previous
from keyset.keyset_page('assets', 'size desc, name', after => :'c1', page_size => 3, filter => '{"size": {"<": 500000}}') \gset
select :'page_2' as page_2, :'has_previous' as has_previous;
select (select string_agg(format('%s/%s', r->>'size', r->>'name'), '  ') from json_array_elements(rows) r) as back_to_page_1, has_previous
from keyset.keyset_page('assets', 'size desc, name', before => :'p2', page_size => 3, filter => '{"size": {"<": 500000}}');
\echo '-- the same cursor with another filter is refused:'
\set ON_ERROR_STOP 0
select * from keyset.keyset_page('assets', 'size desc, name', after => :'c1', page_size => 3, filter => '{"size": {"<": 400000}}');
\set ON_ERROR_STOP 1

\echo '== encoding a cursor for every one of the rows'
\timing on
select count(keyset.cursor_encode('created_at', 'desc', created_at, id)) from assets;
\timing off
SQL
echo "== done; stopping the cluster"
