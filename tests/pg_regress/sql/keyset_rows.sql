-- Typed rows: keyset_rows(NULL::table, ...) returns the same page as the table's own row type,
-- and keyset_page_info(...) its next cursor and has_more, from the keys alone.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice).
set local client_min_messages = warning;

create table assets (id bigint primary key, created_at timestamptz not null, name text not null, size bigint);
insert into assets select g, timestamptz '2024-01-01 00:00:00+00' + (g / 2) * interval '1 day', 'a' || g, g * 10
from generate_series(1, 7) g;
set local timezone = 'UTC';

select * from keyset_rows(NULL::assets, 'created_at', 'desc', null, 3);
select * from keyset_page_info('assets', 'created_at', 'desc', null, 3);
-- One statement, one snapshot: rows with their page's cursor.
select a.id, a.created_at, i.next_cursor is not null as has_cursor, i.has_more
from keyset_rows(NULL::assets, 'created_at', 'desc', null, 3) a,
     keyset_page_info('assets', 'created_at', 'desc', null, 3) i;

-- The typed page equals keyset_page's JSON page, on every page of a walk, byte for byte: each row
-- as row_to_json renders it (the table's column order), in page order, joined by commas.
with recursive w(page, after, has_more) as (
  select 1, null::text, true
  union all
  select w.page + 1, i.next_cursor, i.has_more
  from w, keyset_page_info('assets', 'created_at', 'desc', w.after, 3) i where w.has_more
)
select w.page,
       (select '[' || coalesce(string_agg(row_to_json(r)::text, ','), '') || ']'
          from keyset_rows(NULL::assets, 'created_at', 'desc', w.after, 3) r)
         = (select rows::text from keyset_page('assets', 'created_at', 'desc', w.after, 3))
         as same_page,
       (select next_cursor from keyset_page_info('assets', 'created_at', 'desc', w.after, 3))
         is not distinct from (select next_cursor from keyset_page('assets', 'created_at', 'desc', w.after, 3))
         as same_cursor
from w order by page;

-- An exactly full last page: no spurious cursor.
select * from keyset_page_info('assets', 'id', 'asc',
  (select next_cursor from keyset_page_info('assets', 'id', 'asc', null, 4)), 3);
select count(*) from keyset_rows(NULL::assets, 'id', 'asc',
  (select next_cursor from keyset_page_info('assets', 'id', 'asc', null, 4)), 3);

-- Backward: the typed rows before a cursor, in display order, equal keyset_page's page, and
-- keyset_page_info gives the same cursors and flags.
select id, name from keyset_rows(NULL::assets, 'created_at', 'desc', page_size => 3,
  before => (select next_cursor from keyset_page('assets', 'created_at', 'desc', null, 6)));
select array_agg(r.id) = (select array_agg((e->>'id')::bigint) from keyset_page('assets', 'created_at', 'desc', page_size => 3,
         before => (select next_cursor from keyset_page('assets', 'created_at', 'desc', null, 6))) k, json_array_elements(k.rows) e) same_rows
from keyset_rows(NULL::assets, 'created_at', 'desc', page_size => 3,
  before => (select next_cursor from keyset_page('assets', 'created_at', 'desc', null, 6))) r;
select (i.next_cursor, i.has_more, i.prev_cursor, i.has_previous) = (p.next_cursor, p.has_more, p.prev_cursor, p.has_previous) same_envelope,
       i.has_more, i.has_previous
from keyset_page_info('assets', 'created_at', 'desc', page_size => 3,
       before => (select next_cursor from keyset_page('assets', 'created_at', 'desc', null, 6))) i,
     keyset_page('assets', 'created_at', 'desc', page_size => 3,
       before => (select next_cursor from keyset_page('assets', 'created_at', 'desc', null, 6))) p;

-- Only a table's row type will do.
select * from keyset_rows(NULL::int, 'id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
create view assets_v as select * from assets;
select * from keyset_rows(NULL::assets_v, 'id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_rows(NULL::assets, 'nope');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Typed rows with their cursors in one statement: keyset_page_info drives, so an empty page
-- (here: a filter no row matches) still returns its flags (a cross join would return nothing).
select i.has_more, i.has_previous, a.id
from keyset_page_info('assets', 'id', 'asc', null, 3, filter => '{"id": {">": 1000000}}') i
left join lateral keyset_rows(null::assets, 'id', 'asc', null, 3, filter => '{"id": {">": 1000000}}') a on true;
select i.has_more, a.id
from keyset_page_info('assets', 'id', 'asc', null, 3) i
left join lateral keyset_rows(null::assets, 'id', 'asc', null, 3) a on true;

-- Every calling context of the three set-returning functions (their rows are handed to the
-- executor in one materialized result): FROM, the select list, WITH ORDINALITY, LATERAL per
-- outer row; on a table with a dropped column and a column added with a default afterwards.
create table ctx (id int primary key, gone text not null);
insert into ctx select g, 'g' || g from generate_series(1, 5) g;
alter table ctx add column extra int default 7;
alter table ctx drop column gone;
select keyset_page('ctx', page_size => 2);
select keyset_page_info('ctx', page_size => 2);
select keyset_rows(null::ctx, page_size => 2);
select (keyset_rows(null::ctx, page_size => 2)).*;
select * from keyset_rows(null::ctx, page_size => 2) with ordinality;
select g, count(r.id) from generate_series(1, 3) g, lateral keyset_rows(null::ctx, 'id', 'asc', null, g) r group by g order by g;
select * from keyset_rows(null::ctx) as r(a int, b int);
-- The row type changing while the statement runs (a function of the same statement adds a
-- column after the result was set up): a clean 42804, never an internal error.
create function pg_temp.add_column() returns text language plpgsql as
  $$ begin alter table ctx add column late int; return 'id'; end $$;
select * from keyset_rows(null::ctx, pg_temp.add_column());
\echo SQLSTATE :LAST_ERROR_SQLSTATE
rollback;
