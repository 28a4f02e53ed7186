-- First page mints a cursor; an exactly full final page has none; deleted rows do not disturb
-- the next page; rows inserted behind the cursor are not returned twice.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice).
set local client_min_messages = warning;

create table assets (id bigint primary key, created_at timestamptz not null, name text not null);
insert into assets select g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', 'a' || g
from generate_series(1, 6) g;
create index on assets (created_at, id);

-- The first page already mints next_cursor (the reference format, created_at as Unix µs).
select rows, next_cursor, has_more from keyset_page('assets', 'created_at', 'desc', null, 3);
select * from cursor_decode((select next_cursor from keyset_page('assets', 'created_at', 'desc', null, 3)));

-- 6 rows in pages of 3: the second page is exactly full and carries no cursor.
select json_array_length(rows) as n, next_cursor, has_more
from keyset_page('assets', 'created_at', 'desc',
                 (select next_cursor from keyset_page('assets', 'created_at', 'desc', null, 3)), 3);

-- An empty table: one row, an empty array, no cursor.
create table empty_t (id int primary key);
select * from keyset_page('empty_t');

-- Deleting rows already returned does not disturb the next page: the cursor finds it by value.
select next_cursor as c1 from keyset_page('assets', 'created_at', 'asc', null, 2) \gset
delete from assets where id in (1, 2);
select rows from keyset_page('assets', 'created_at', 'asc', :'c1', 2);
-- Even the boundary row itself may go.
select next_cursor as c2 from keyset_page('assets', 'created_at', 'asc', :'c1', 2) \gset
delete from assets where id = 4;
select rows from keyset_page('assets', 'created_at', 'asc', :'c2', 2);

-- A row inserted behind the cursor is not returned; one inserted ahead of it is.
insert into assets values (100, '2024-01-01 00:30:00+00', 'behind'), (101, '2024-01-01 05:30:00+00', 'ahead');
select array(select e->>'name' from json_array_elements(rows) e) as names, has_more
from keyset_page('assets', 'created_at', 'asc', :'c2', 5);

-- Ties on the sort value are broken by the primary key: no row is skipped or repeated.
create table ties (id int primary key, v int not null);
insert into ties select g, 1 from generate_series(1, 7) g;
select p1.rows->-1->>'id' as last_of_page_1, p2.rows->0->>'id' as first_of_page_2
from keyset_page('ties', 'v', 'asc', null, 3) p1,
     keyset_page('ties', 'v', 'asc', p1.next_cursor, 3) p2;

-- Inherent to keyset paging: a row whose sort value changes mid-walk moves across the cursor.
-- Moved from behind the cursor to ahead of it, it is returned twice; moved the other way, never.
create temp table moving (id int primary key, rank int not null);
insert into moving select g, g * 10 from generate_series(1, 6) g;
select next_cursor as c, array(select (e->>'id')::int from json_array_elements(rows) e) as page_1
from keyset_page('moving', 'rank', 'asc', null, 3) \gset
\echo page 1: :page_1
update moving set rank = 55 where id = 1;   -- id 1 jumps ahead of the cursor
update moving set rank = 5 where id = 5;    -- id 5 jumps behind it
select array(select (e->>'id')::int from json_array_elements(rows) e) as page_2
from keyset_page('moving', 'rank', 'asc', :'c', 3);


-- Works in a READ ONLY transaction (the function is STABLE).
set transaction read only;
select json_array_length(rows) from keyset_page('assets', 'created_at');
select provolatile, proparallel, prosecdef from pg_proc where proname = 'keyset_page';

rollback;
