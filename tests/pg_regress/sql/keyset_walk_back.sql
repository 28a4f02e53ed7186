-- Duplicate-heavy data walked forward to the end with `after`, then back to the start with
-- `before`: every row exactly once each way, in the same display order, no gaps, no duplicates.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

-- 500 rows, 3 categories x 2 levels (a third of them NULL): at most 6 distinct sort prefixes.
create table dup (id int primary key, category int not null, level int);
insert into dup select g, g % 3, case when g % 3 = 1 then null else g % 2 end from generate_series(1, 500) g;
create index on dup (category desc, level nulls first, id);

create function pg_temp.walks(size int) returns table (pages_fwd int, pages_bwd int, rows_fwd int, distinct_fwd int,
    fwd_equals_truth boolean, bwd_equals_truth boolean, flags_ok boolean) language sql as $$
  with recursive
  fwd(page, rows, next_cursor, has_more, prev_cursor, has_previous) as (
    select 1, p.rows, p.next_cursor, p.has_more, p.prev_cursor, p.has_previous
    from keyset_page('dup', 'category desc, level nulls first', page_size => size) p
    union all
    select f.page + 1, p.rows, p.next_cursor, p.has_more, p.prev_cursor, p.has_previous
    from fwd f cross join lateral keyset_page('dup', 'category desc, level nulls first', after => f.next_cursor, page_size => size) p
    where f.has_more),
  last_page as (select * from fwd order by page desc limit 1),
  bwd(page, rows, next_cursor, has_more, prev_cursor, has_previous) as (
    select 0, rows, next_cursor, has_more, prev_cursor, has_previous from last_page
    union all
    select b.page - 1, p.rows, p.next_cursor, p.has_more, p.prev_cursor, p.has_previous
    from bwd b cross join lateral keyset_page('dup', 'category desc, level nulls first', before => b.prev_cursor, page_size => size) p
    where b.has_previous),
  truth as (select string_agg(id::text, ',' order by category desc, level nulls first, id) ids from dup),
  f_ids as (select string_agg(e.r->>'id', ',' order by f.page, e.n) ids, count(*) n, count(distinct e.r->>'id') d
            from fwd f cross join lateral json_array_elements(f.rows) with ordinality e(r, n)),
  b_ids as (select string_agg(e.r->>'id', ',' order by b.page, e.n) ids
            from bwd b cross join lateral json_array_elements(b.rows) with ordinality e(r, n))
  select (select count(*)::int from fwd), (select count(*)::int from bwd), f_ids.n::int, f_ids.d::int,
         f_ids.ids = truth.ids, b_ids.ids = truth.ids,
         (select bool_and(has_previous = (page > 1)) from fwd) and coalesce((select bool_and(has_more) from bwd where page < 0), true)
  from truth, f_ids, b_ids
$$;

select size, w.* from (values (1), (7), (20), (499), (500), (501)) s(size), pg_temp.walks(size) w;

-- Rows deleted and inserted between pages: the walk continues from the cursor's position.
create temp table pages as
  select 1 as page, * from keyset_page('dup', 'category desc, level nulls first', page_size => 4);
select (select string_agg(e->>'id', ',') from json_array_elements(rows) e) ids, has_more, has_previous from pages;
delete from dup where id in (select (e->>'id')::int from pages, json_array_elements(rows) e);  -- the whole page 1
insert into dup values (1000, 2, null);                                                       -- sorts before the cursor
select (select string_agg(e->>'id', ',') from json_array_elements(rows) e) ids, has_more, has_previous
from keyset_page('dup', 'category desc, level nulls first', after => (select next_cursor from pages), page_size => 4);
select (select string_agg(e->>'id', ',') from json_array_elements(rows) e) ids, has_more, has_previous
from keyset_page('dup', 'category desc, level nulls first', before => (select next_cursor from pages), page_size => 4);

rollback;
