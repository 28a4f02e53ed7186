-- A full walk with keyset_page returns exactly ORDER BY sort, id: every row once, in order,
-- for both directions and several page sizes, across duplicate sort values.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice).
set local client_min_messages = warning;

create table items (id bigint primary key, score int not null, name text not null);
insert into items select g, (g * 37) % 10, 'item ' || g from generate_series(1, 53) g;
create index on items (score, id);

-- First page, as users see it.
select * from keyset_page('items', 'score', 'asc', null, 3);

-- Walk: follow next_cursor until has_more is false.
create function pg_temp.walk(rel regclass, srt text, dir text, size int)
returns table (page int, pos bigint, id bigint, has_more boolean, has_cursor boolean)
language sql as $$
  with recursive w(page, rows, next_cursor, has_more) as (
    select 1, p.rows, p.next_cursor, p.has_more from keyset_page(rel, srt, dir, null, size) p
    union all
    select w.page + 1, p.rows, p.next_cursor, p.has_more
    from w cross join lateral keyset_page(rel, srt, dir, w.next_cursor, size) p
    where w.has_more
  )
  select w.page, e.ord, (e.r->>'id')::bigint, w.has_more, w.next_cursor is not null
  from w left join lateral json_array_elements(w.rows) with ordinality e(r, ord) on true
$$;

select dir, size,
       (select array_agg(id order by page, pos) from pg_temp.walk('items', 'score', dir, size))
         = (select array_agg(id order by case when dir = 'asc' then score end, case when dir = 'asc' then id end,
                                         score desc, id desc) from items) as same_as_order_by,
       (select count(*) from pg_temp.walk('items', 'score', dir, size)) as rows_returned,
       (select count(distinct page) from pg_temp.walk('items', 'score', dir, size)) as pages
from (values ('asc'), ('desc')) d(dir), (values (1), (3), (7), (53), (100)) s(size)
order by dir, size;

-- has_more and next_cursor agree on every page; only the last page lacks them.
select page, bool_and(has_more) as has_more, bool_and(has_cursor) as has_cursor, count(*) as rows
from pg_temp.walk('items', 'score', 'desc', 10) group by page order by page;

-- Default sort is the primary key, default direction asc, default page size 20.
select json_array_length(rows) as n, rows->0->>'id' as first_id, has_more from keyset_page('items');
select array_agg(id order by page, pos) = (select array_agg(id order by id) from items) as pk_walk
from pg_temp.walk('items', null, 'asc', 4);

-- Named arguments, as PostgREST passes them.
select json_array_length(rows) from keyset_page(relation => 'items', sort => 'name', direction => 'desc', page_size => 5);

rollback;
