-- keyset_page runs as the caller: row-level security and column privileges apply exactly as to
-- the caller's own SELECT. Hidden rows never appear and never make has_more true.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice).
set local client_min_messages = warning;

create role keyset_reader;
create table docs (id int primary key, owner text not null, title text not null, secret text);
insert into docs select g, case when g % 3 = 0 then 'keyset_reader' else 'someone_else' end, 't' || g, 's' || g
from generate_series(1, 14) g;  -- rows 13 and 14 are hidden and come last
alter table docs enable row level security;
create policy own_docs on docs for select using (owner = current_user);
grant select (id, owner, title) on docs to keyset_reader;

create table public_docs (id int primary key, title text not null);
insert into public_docs select g, 't' || g from generate_series(1, 5) g;
grant select (id) on public_docs to keyset_reader;

select prosecdef from pg_proc where proname = 'keyset_page';

set local role keyset_reader;
-- No privilege on the whole row (secret): the same error as SELECT * would give.
select * from keyset_page('docs', 'title', 'asc', null, 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from docs limit 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Without SELECT on the sort column (or on any column: pages are whole rows), 42501.
select * from keyset_page('public_docs', 'title');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
reset role;

-- With SELECT on every column, the policy decides which rows exist.
grant select on docs to keyset_reader;
set local role keyset_reader;
select rows, has_more, next_cursor is not null as has_cursor from keyset_page('docs', 'id', 'asc', null, 2);
select p2.rows, p2.has_more, p2.next_cursor
from keyset_page('docs', 'id', 'asc', null, 2) p1, keyset_page('docs', 'id', 'asc', p1.next_cursor, 2) p2;
-- A cursor pointing at a row the caller cannot see still only yields visible rows.
select array(select (e->>'id')::int from json_array_elements(rows) e) as ids, has_more
from keyset_page('docs', 'id', 'asc', cursor_encode('id', 'asc', 1, 1), 10);
reset role;

rollback;
