-- At ~99% depth of a 200,000-row table, the cursor drives an Index Cond on the composite index
-- (sort, id) and there is no Sort node: the page costs the same at any depth.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create table events (id bigint primary key, at timestamptz not null, kind text not null, score int);
insert into events select g, timestamptz '2024-01-01 00:00:00+00' + (g / 3) * interval '1 second', 'k' || (g % 7),
  case when g % 10 = 0 then null else g % 1000 end
from generate_series(1, 200000) g;
create index events_at_id on events (at, id);
create index events_score_id on events (score, id);
analyze events;
set local timezone = 'UTC';

-- Walking newest first, the row with id 1980 is at 99% depth.
select cursor_encode('at', 'desc', (select at from events where id = 1980), 1980) as deep \gset
select plan from keyset_explain('events', 'at', 'desc', :'deep', 20);
-- Oldest first, 99% depth is near id 198000.
select plan from keyset_explain('events', 'at', 'asc', cursor_encode('at', 'asc', (select at from events where id = 198000), 198000), 20);

-- keyset_page always runs its query's generic plan (one plan per shape, never re-planned per
-- call), and keyset_explain shows exactly that plan: the same as PREPARE + EXPLAIN EXECUTE under
-- force_generic_plan.
select sql as page_sql from keyset_explain('events', 'at', 'desc', :'deep', 20) \gset
prepare page(timestamptz, bigint) as :page_sql;
set local plan_cache_mode = force_generic_plan;
explain (costs off) execute page('2024-01-01 00:11:00+00', 1980);
deallocate page;
reset plan_cache_mode;

-- A nullable sort column: each branch is an index range (no OR, no filter that grows with depth).
select plan from keyset_explain('events', 'score', 'asc', cursor_encode('score', 'asc', 990, 199990), 20);
select plan from keyset_explain('events', 'score', 'desc', cursor_encode('score', 'desc', null::int, 100000), 20);

create function pg_temp.explain_text(q text) returns setof text language plpgsql as
  $$ begin return query execute 'explain (costs off) ' || q; end $$;
-- keyset_explain shows the plan keyset_page runs: page queries are prepared through SPI, which
-- never plans them parallel, so EXPLAIN must not show a Gather that keyset_page never gets
-- (keyset_explain carries SET max_parallel_workers_per_gather = 0). A plain EXPLAIN of the same
-- text under the same settings does go parallel.
set local parallel_setup_cost = 0;
set local parallel_tuple_cost = 0;
set local min_parallel_table_scan_size = 0;
set local max_parallel_workers_per_gather = 4;
select plan ~ 'Gather' as keyset_explain_gathers from keyset_explain('events', 'kind', 'asc', null, 20);
select sql as kind_sql from keyset_explain('events', 'kind', 'asc', null, 20) \gset
select count(*) > 0 as plain_explain_gathers from (select pg_catalog.regexp_matches(l, 'Gather') from (
  select * from pg_temp.explain_text(:'kind_sql')) x(l)) y;
-- A keyset_explain that fails between PREPARE and DEALLOCATE leaves its statement behind only
-- until the next keyset_explain call of the backend drops it: never more than one batch.
create table boom_t (id int primary key);
insert into boom_t values (1);
create view boom as select id, 1 / (id - id) as z from boom_t;
do $$ begin
  for i in 1..50 loop
    begin perform keyset_explain('boom', with_analyze => true);
    exception when division_by_zero then null; end;
  end loop;
end $$;
select count(*) as left_behind from pg_prepared_statements where name like 'pg\_keyset\_explain\_%';
select plan is not null as explained from keyset_explain('boom_t');
select count(*) as left_behind from pg_prepared_statements where name like 'pg\_keyset\_explain\_%';
rollback;
