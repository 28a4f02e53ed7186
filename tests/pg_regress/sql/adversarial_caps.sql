-- Resource caps pushed to their limits by an unprivileged role. The limits that protect the
-- server are settings only an administrator can change (per role or database); a row's content
-- can never make a page unreachable.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local client_min_messages = warning;
create role mallory;
create table big (id int primary key, label text not null);
insert into big select g, 'b' || g from generate_series(1, 12000) g;
grant select on big to mallory;

-- M5: pg_keyset.max_page_size is SUSET with a ceiling of 10000.
set local role mallory;
-- A value set before the library is loaded in the session is dropped when it loads.
set pg_keyset.max_page_size = 100000;
select json_array_length(rows) from keyset_page('big', null, 'asc', null, 1);
select name, context, min_val, max_val, boot_val from pg_settings where name like 'pg_keyset.%' order by name;
set pg_keyset.max_page_size = 100000;
set pg_keyset.max_page_size = 2000;
set pg_keyset.plan_cache_kb = 1048576;
set pg_keyset.require_index = off;
select json_array_length(rows) from keyset_page('big', null, 'asc', null, 1001);
select json_array_length(rows) from keyset_page('big', null, 'asc', null, 2147483647);
select json_array_length(rows) from keyset_page('big', null, 'asc', null, -1);
reset role;
-- An administrator raises it for a role; the ceiling still holds.
alter role mallory set pg_keyset.max_page_size = 5000;
select setconfig from pg_db_role_setting where setrole = 'mallory'::regrole;
alter role mallory set pg_keyset.max_page_size = 10001;
set local pg_keyset.max_page_size = 5000;
set local role mallory;
select json_array_length(rows) from keyset_page('big', null, 'asc', null, 5000);
select json_array_length(rows) from keyset_page('big', null, 'asc', null, 5001);
reset role;

-- Item 8: pg_keyset.require_index. Off, a listing no index serves gets a NOTICE; on (set by an
-- administrator), it is an ERROR whose HINT is the index to create, on every call.
set local client_min_messages = notice;
set local role mallory;
select has_more from keyset_page('big', 'label', 'asc', null, 5);
reset role;
set local pg_keyset.require_index = on;
set local role mallory;
select has_more from keyset_page('big', 'label desc', 'asc', null, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select has_more from keyset_page('big', 'label desc', 'asc', null, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select count(*) from keyset_rows(null::big, 'label desc', 'asc', null, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Served listings are unaffected.
select has_more from keyset_page('big', 'id desc', 'asc', null, 5);
reset role;
create index on big (label, id);
set local role mallory;
select has_more from keyset_page('big', 'label desc', 'asc', null, 5);
reset role;
set local client_min_messages = warning;
set local pg_keyset.require_index = off;

-- M2: a row whose sort value cannot travel in a reference-format cursor (1024 bytes: 300 "<",
-- escaped to 6 bytes each; 200 emoji; 300 CJK characters) still ends a page: its cursor is an
-- extension cursor (it carries the listing's digest and may be up to 64 KiB), and the next page
-- follows it. Only values far beyond what an index can hold (here 12,000 "<") cannot.
create table notes (id int primary key, body text not null);
insert into notes values (1, 'a'), (2, repeat('<', 300)), (3, repeat('😀', 200)), (4, repeat('漢', 300)),
  (5, repeat('<', 2000)), (6, 'z'), (7, repeat('<', 12000));
grant select on notes to mallory;
set local role mallory;
create function pg_temp.walk_bodies(size int) returns table (page int, ids text, cursor_bytes int, extension boolean, state text)
language plpgsql as $$
declare c text; r record; n int := 0;
begin
  loop
    begin
      select * into r from keyset_page('notes', 'body', 'asc', c, size);
    exception when others then
      page := n + 1; ids := null; cursor_bytes := null; extension := null; state := sqlstate || ' ' || sqlerrm;
      return next; return;
    end;
    n := n + 1; page := n; state := 'ok';
    ids := (select string_agg(e->>'id', ',') from json_array_elements(r.rows) e);
    cursor_bytes := length(r.next_cursor);
    extension := (select digest is not null from cursor_decode(r.next_cursor));
    return next;
    exit when not r.has_more;
    c := r.next_cursor;
  end loop;
end $$;
-- In body order: 300 "<", 2000 "<", 12000 "<", a, z, 漢..., 😀... With one row a page, the
-- 12,000 "<" row cannot end a page: the walk stops there (22023).
select * from pg_temp.walk_bodies(1);
-- With two rows a page, a page that would end at that row ends one row earlier, and the next
-- page starts with it (its prev_cursor is NULL: no cursor can hold it).
select * from pg_temp.walk_bodies(2);
-- Backwards from past the end, with prev_cursor: the same pages in reverse, the row too large
-- for any cursor again inside a page, never at its far end.
create function pg_temp.walk_back(size int) returns table (page int, ids text, prev_cursor_bytes int, state text)
language plpgsql as $$
declare c text := cursor_encode('body', 'asc', chr(1114111), 99); r record; n int := 0;
begin
  loop
    begin
      select * into r from keyset_page('notes', 'body', 'asc', before => c, page_size => size);
    exception when others then
      page := n + 1; ids := null; prev_cursor_bytes := null; state := sqlstate || ' ' || sqlerrm;
      return next; return;
    end;
    n := n + 1; page := n; state := 'ok';
    ids := (select string_agg(e->>'id', ',') from json_array_elements(r.rows) e);
    prev_cursor_bytes := length(r.prev_cursor);
    return next;
    exit when not r.has_previous;
    c := r.prev_cursor;
  end loop;
end $$;
select * from pg_temp.walk_back(2);
select * from pg_temp.walk_back(3);
-- Several such rows in a row: the page ends at the last row that can carry a cursor. Timestamps
-- past the year 9999 cannot travel in a cursor at all.
create temp table late (id int primary key, at timestamp not null);
insert into late select g, timestamp '2020-01-01' + g * interval '1 day' from generate_series(1, 10) g;
insert into late values (11, '10000-01-01'), (12, '10001-01-01'), (13, '10002-01-01');
select json_array_length(p1.rows) as page_1, p1.has_more, json_array_length(p2.rows) as page_2, p2.has_more as more_after_2
from keyset_page('late', 'at', 'asc', null, 12) p1, keyset_page('late', 'at', 'asc', p1.next_cursor, 12) p2;
-- A page of nothing but such rows cannot end (22023).
select * from keyset_page('late', 'at', 'asc', (select next_cursor from keyset_page('late', 'at', 'asc', null, 10)), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- The reference codec itself keeps the reference caps (cursor_encode mints cross-runtime cursors).
select cursor_encode('body', 'asc', repeat('<', 300), 2);
reset role;
rollback;
