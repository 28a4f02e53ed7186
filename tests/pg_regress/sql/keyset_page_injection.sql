-- Hostile input never reaches SQL: sort names are parsed and looked up in the catalog, then
-- quoted; relations are regclass; cursor values are bound parameters.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create table victim (id int primary key, name text not null);
insert into victim select g, 'v' || g from generate_series(1, 5) g;
create table "we""ird; table" (id int primary key, "col; drop table victim; --" text not null);
insert into "we""ird; table" values (1, 'a'), (2, 'b'), (3, 'c');

-- Hostile sort names.
select * from keyset_page('victim', 'name; drop table victim; --');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('victim', 'name) > (0); drop table victim; --');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('victim', '"name; drop table victim"');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('victim', 'pg_sleep(10)');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('victim', E'name\n--');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Hostile table names: regclass resolves them or fails before keyset_page runs.
select * from keyset_page('victim; drop table victim');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('pg_catalog.pg_authid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Names that need quoting work, quoted exactly.
select rows, has_more from keyset_page('"we""ird; table"', '"col; drop table victim; --"', 'desc', null, 2);
select rows from keyset_page('"we""ird; table"', '"col; drop table victim; --"', 'desc',
  (select next_cursor from keyset_page('"we""ird; table"', '"col; drop table victim; --"', 'desc', null, 2)), 2);
-- Hostile cursor values are only ever compared, as bound parameters.
select rows from keyset_page('victim', 'name', 'asc', cursor_encode('name', 'asc', $$v1' or 1=1; drop table victim; --$$, 1), 10);
select rows from keyset_page('victim', 'id', 'asc', cursor_encode('id', 'asc', '1; drop table victim', '1; drop table victim'), 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A JSON \u0000 (a NUL character, which text cannot hold) is refused, not truncated.
select rows from keyset_page('victim', 'name', 'asc',
  translate(rtrim(encode(convert_to('{"s":"name","o":"asc","v":"v3\u0000x","id":"1"}', 'UTF8'), 'base64'), '='), '+/', '-_'), 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select count(*) as victim_rows from victim;

rollback;
