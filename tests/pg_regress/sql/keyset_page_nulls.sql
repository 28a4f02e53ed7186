-- NULL sort values have Postgres' default place (ASC NULLS LAST, DESC NULLS FIRST). A walk over a
-- nullable column returns every row exactly once, crossing between non-NULL and NULL rows and
-- paging inside the NULL block by primary key. (The reference service gives up here.)
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create table tasks (id int primary key, priority int);
insert into tasks values (1, 10), (2, 20), (3, null), (4, 30), (5, 20), (6, null), (7, 10), (8, null);
create index on tasks (priority, id);

-- Page by page, ascending: 10 10 | 20 20 | 30 NULL | NULL NULL.
create function pg_temp.pages(dir text, size int)
returns table (page int, ids text, next_value text, has_more boolean) language sql as $$
  with recursive w(page, rows, next_cursor, has_more) as (
    select 1, p.rows, p.next_cursor, p.has_more from keyset_page('tasks', 'priority', dir, null, size) p
    union all
    select w.page + 1, p.rows, p.next_cursor, p.has_more
    from w cross join lateral keyset_page('tasks', 'priority', dir, w.next_cursor, size) p where w.has_more
  )
  select page,
         (select string_agg(format('%s:%s', r->>'id', coalesce(r->>'priority', 'NULL')), ' ') from json_array_elements(rows) r),
         case when next_cursor is null then null else coalesce((select value from cursor_decode(next_cursor)), 'NULL') end,
         has_more
  from w order by page
$$;
select * from pg_temp.pages('asc', 2);
select * from pg_temp.pages('desc', 2);
select * from pg_temp.pages('asc', 3);
select * from pg_temp.pages('desc', 3);

-- Every page size and direction agrees with ORDER BY.
select dir, size,
  (select string_agg(ids, ' ' order by page) from pg_temp.pages(dir, size)) =
  (select string_agg(format('%s:%s', id, coalesce(priority::text, 'NULL')), ' ' order by
     case when dir = 'asc' then priority end asc nulls last, case when dir = 'asc' then id end,
     priority desc nulls first, id desc) from tasks) as same_as_order_by
from (values ('asc'), ('desc')) d(dir), generate_series(1, 9) size
order by dir, size;

-- A cursor at a NULL boundary carries "v": null.
select convert_from(decode(translate(c, '-_', '+/') || repeat('=', (4 - length(c) % 4) % 4), 'base64'), 'UTF8')
from (select next_cursor as c from keyset_page('tasks', 'priority', 'asc', null, 6)) t;

-- A NULL boundary against a column that later became NOT NULL is an invalid cursor.
select next_cursor as null_cursor from keyset_page('tasks', 'priority', 'asc', null, 6) \gset
update tasks set priority = 0 where priority is null;
alter table tasks alter column priority set not null;
select * from keyset_page('tasks', 'priority', 'asc', :'null_cursor', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

rollback;
