-- Each predicate form on 100,000 rows at ~1% and ~99% depth, with EXPLAIN ANALYZE through
-- keyset_explain (the generic plan keyset_page runs): the cursor drives an Index Cond in every
-- branch and probe, nothing is scanned sequentially, rows removed by filter do not grow with
-- depth, and neither do the rows all plan nodes produce (rows_all_nodes: the work done).
-- Backward pages add a Sort of the at most 21 fetched rows back into display order.
--   row value: one direction, NOT NULL   -> (created_at, id) > ($1, $2)
--   mixed directions                     -> category = $1 AND (created_at, id) > ($2, $3), then category < $1
--   nullable column                      -> (priority, created_at, id) < (...), then the NULL block
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local pg_keyset.max_page_size = 10000;

create table ev (id bigint primary key, priority int, created_at timestamptz not null, category text not null);
insert into ev
select g, case when g % 7 = 0 then null else g % 10 end,
       '2024-01-01 00:00:00+00'::timestamptz + (g / 3) * interval '1 minute', 'c' || (g % 5)
from generate_series(1, 100000) g;
create index ev_row_value on ev (created_at, id);
create index ev_mixed on ev (category desc, created_at, id);
create index ev_nullable on ev (priority desc nulls last, created_at, id);
analyze ev;

-- The cursor of the row at `depth`, walking there in pages of at most 10,000 (the ceiling of
-- pg_keyset.max_page_size).
create function pg_temp.cursor_at(spec text, depth int) returns text language plpgsql as $$
declare c text; left_ int := depth;
begin
  while left_ > 0 loop
    select next_cursor into c from keyset_page('ev', spec, after => c, page_size => least(left_, 10000));
    left_ := left_ - 10000;
  end loop;
  return c;
end $$;
create function pg_temp.plan(spec text, depth int, backward boolean default false) returns text language sql as $$
  select plan from keyset_explain('ev', spec, page_size => 20, with_analyze => true,
    after => case when not backward then pg_temp.cursor_at(spec, depth) end,
    before => case when backward then pg_temp.cursor_at(spec, depth) end)
$$;

create temp table forms as
select spec, depth, backward, pg_temp.plan(spec, depth, backward) plan
from (values ('created_at'), ('category desc, created_at'), ('priority desc nulls last, created_at')) s(spec),
     (values (1000), (99000)) d(depth), (values (false), (true)) b(backward);

select spec, depth, backward,
       plan ~ 'Index Cond: .*ROW\(created_at, id\)' as cursor_in_index_cond,
       plan !~ 'Seq Scan' as no_seq_scan,
       coalesce((select sum(m[1]::int) from regexp_matches(plan, 'Rows Removed by Filter: (\d+)', 'g') m), 0) as rows_removed,
       (select sum(m[1]::int) from regexp_matches(plan, '\(actual rows=(\d+) loops=1\)', 'g') m) as rows_all_nodes
from forms order by spec, backward, depth;

-- The plans at 99% depth, forwards.
select spec, plan from forms where depth = 99000 and not backward order by spec;

-- For contrast, the usual single-scan form for mixed directions (an OR under a redundant
-- leading bound): only the bound is an Index Cond, and the rows of the cursor's category that
-- precede the cursor are all read and filtered away, more the deeper the cursor sits in it.
create function pg_temp.or_form(depth int) returns table (plan_line text) language plpgsql as $$
declare c record;
begin
  select value, x, id into c from (
    select convert_from(decode(translate(next_cursor, '-_', '+/') || repeat('=', (4 - length(next_cursor) % 4) % 4), 'base64'), 'UTF8')::jsonb j
    from (select pg_temp.cursor_at('category desc, created_at', depth) as next_cursor) p) q,
    lateral (select j->>'v' value, j->'x'->>0 x, j->>'id' id) v;
  return query execute format($q$explain (analyze, costs off, timing off, summary off)
    select * from ev where category <= %L and (category < %L or (category = %L and (created_at, id) > (to_timestamp(%s / 1e6), %s)))
    order by category desc, created_at, id limit 21$q$, c.value, c.value, c.value, c.x, c.id);
end $$;
select plan_line from pg_temp.or_form(99000) where plan_line ~ 'Index|Removed';
select plan_line from pg_temp.or_form(81000) where plan_line ~ 'Removed';

rollback;
