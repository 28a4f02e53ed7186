-- Attacks that once crashed the server, run as an unprivileged role (default privileges only:
-- TEMP tables and EXECUTE). Each must end in a correct page or a clean error; the crash canary
-- of `make test` fails the run if any backend dies.
\set VERBOSITY terse
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local client_min_messages = warning;
create role mallory;
set local role mallory;

-- C1: columns named like every alias the page query could pick. The old alias loop appended
-- "_" until no column matched: with keyset_row, keyset_row_, ... (54 columns) the alias reached
-- 64 bytes, Postgres truncated it to a column's name, and keyset_rows read an int as a row.
select format('create temp table aliased (id int primary key, %s, %s, payload text not null)',
              string_agg(format('%I int', 'keyset_row' || repeat('_', n)), ', '),
              (select string_agg(format('%I int', 'keyset_row_' || n), ', ') from generate_series(1, 40) n))
from generate_series(0, 53) n \gexec
insert into aliased (id, payload) select g, 'p' || g from generate_series(1, 5) g;
select count(*) as columns from pg_attribute where attrelid = 'aliased'::regclass and attnum > 0;
select id, payload from keyset_rows(null::aliased, 'id', 'asc', null, 3);
select array(select e->>'payload' from json_array_elements(rows) e) as payloads, has_more
from keyset_page('aliased', 'payload', 'desc', null, 2);
select (select count(*) from keyset_rows(null::aliased, 'payload', 'asc', p.next_cursor, 10)) as rest
from keyset_page('aliased', 'payload', 'asc', null, 2) p;
-- Columns named like the query's other aliases (q, u, t, k1, probe) change nothing either.
create temp table shadows (q int primary key, u int not null, t int not null, k1 int not null, probe bool not null, p int);
insert into shadows select g, -g, g * 10, g * 100, g % 2 = 0, null from generate_series(1, 4) g;
select rows, has_more from keyset_page('shadows', 't, k1', 'desc', null, 2);
select * from keyset_rows(null::shadows, 'probe, u', 'asc', null, 3);

-- C2: nested calls. A policy whose function calls keyset_page with a new shape for every row
-- it checks, while the outer page query runs; with no plan memory budget at all, each nested
-- call's plan is freed right after it, the outer one (pinned, still executing) never is.
reset role;
set local pg_keyset.plan_cache_kb = 0;
set local role mallory;
create temp table inner_t (id int primary key, v int not null);
insert into inner_t select g, g % 7 from generate_series(1, 60) g;
create function pg_temp.nested_ok(n int) returns boolean language sql stable as
  $$ select json_array_length(rows) = least(n % 13 + 1, 60)
     from keyset_page('inner_t', case n % 3 when 0 then 'v' when 1 then 'v desc' else 'id' end, 'asc', null, n % 13 + 1) $$;
create temp table outer_t (id int primary key, label text not null);
insert into outer_t select g, 'row ' || g from generate_series(1, 40) g;
alter table outer_t enable row level security;
alter table outer_t force row level security;
create policy nested on outer_t using (pg_temp.nested_ok(id));
select json_array_length(rows) as n, rows->0->>'label' as first, rows->29->>'label' as last, has_more
from keyset_page('outer_t', 'label', 'asc', null, 30);
select count(*) as typed_rows from keyset_rows(null::outer_t, 'id', 'desc', null, 40);
-- The same from inside a function that pages while its caller pages.
create function pg_temp.page_of(n int) returns int language sql stable as
  $$ select json_array_length(rows) from keyset_page('inner_t', 'v, id desc', 'asc', null, n) $$;
select sum(pg_temp.page_of(id % 9 + 1)) as nested_rows from keyset_rows(null::inner_t, 'id', 'asc', null, 60);
-- An error inside a nested call unwinds cleanly and the next calls work.
create function pg_temp.fails(n int) returns int language sql stable as
  $$ select json_array_length(rows) from keyset_page('inner_t', 'no_such_column', 'asc', null, n) $$;
select pg_temp.fails(id) from inner_t;
select json_array_length(rows) as after_error from keyset_page('inner_t', 'v', 'asc', null, 5);
reset role;

-- Unbounded recursion: a policy whose function pages the same table. It ends at Postgres' stack
-- depth limit (54001) with a short message: no Rust backtraces piled up in the DETAIL, one per
-- level (27 MB), although this cluster runs with RUST_BACKTRACE=1 (scripts/test.sh).
set local role mallory;
create temp table selfref (id int primary key, v text not null);
insert into selfref select g, 'v' || g from generate_series(1, 5) g;
create function pg_temp.pages_itself() returns boolean language plpgsql as
  $$ begin perform * from keyset_page('selfref', null, 'asc', null, 2); return true; end $$;
alter table selfref enable row level security;
alter table selfref force row level security;
create policy again on selfref using (pg_temp.pages_itself());
\set VERBOSITY default
select has_more from keyset_page('selfref');
\set VERBOSITY terse
reset role;

-- H2: a uuid with an extra "-" in place of a digit once panicked (XX000 with a backtrace);
-- with two it was read as another uuid. Both are invalid cursors now.
create temp table by_uuid (id uuid primary key);
grant select on by_uuid to mallory;
insert into by_uuid values ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), ('b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
set local role mallory;
select * from keyset_page('by_uuid', null, 'asc', cursor_encode('id', 'asc', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1-', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1-'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('by_uuid', null, 'asc', cursor_encode('id', 'asc', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd38--11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd38--11'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('by_uuid', null, 'asc', cursor_encode('id', 'asc', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select rows from keyset_page('by_uuid', null, 'asc', cursor_encode('id', 'asc', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid));
reset role;

-- A timestamp near Postgres' upper limit once overflowed the Unix conversion.
select * from cursor_decode(cursor_encode('at', 'asc', '294276-12-31 23:59:59.999999'::timestamp, 1));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
rollback;
