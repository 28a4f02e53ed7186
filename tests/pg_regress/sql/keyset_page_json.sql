-- keyset_page writes each row's json itself, from the row's columns (not with row_to_json, whose
-- per-row lookups cost more than the rest of the page). It must be row_to_json's text, byte for
-- byte: for every kind of column, under every setting that changes a type's output, with
-- dropped columns, after a cast to json appears, and in the whole-row forms it falls back to.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local client_min_messages = warning;
create role keyset_json_reader;

create type mood as enum ('sad', 'ok', 'hap"py');
create type pair as (a int, b text);
create domain posint as int check (value > 0);
create domain tags as text[];
create domain doc as jsonb;
create table every_kind (
  id int primary key,
  b bool, i2 int2, i4 int4, i8 int8, f4 real, f8 float8, n numeric,
  d date, ts timestamp, tz timestamptz, tm time, tt timetz, iv interval,
  j json, jb jsonb, tx text, vc varchar(10), ch char(5), nm name, by bytea, u uuid,
  ip inet, m money, ar int[], ar2 text[], p pair, e mood, dom posint, dt tags, dj doc,
  pt point, rg int4range, bits bit(3), o oid, rc regclass,
  "we""ird" text, "c2" int, "k1" int, "probe" int, "t" int
);
insert into every_kind values
  (1, true, -32768, 2147483647, -9223372036854775808, 1.5, 0.1, 123456789.000000001,
   '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.5+00', '13:14:15', '13:14:15+05:30',
   '1 year 2 mons 3 days 04:05:06.7',
   '{"b": 1,  "a" : [1, 2]}', '{"b": 1, "a": [1, 2], "aa": null}',
   E'quote " back \\ nl \n tab \t cr \r bs \b ff \f bell \u0007 unit \u001f <&> é 😀',
   'varchar', 'ab', 'a name', '\x00ff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   '10.1.2.3/8', 12.34, '{1,NULL,3}', '{"a b","c\"d",NULL}', row(1, 'x"y'), 'hap"py', 7,
   '{x,y}', '{"z": [true]}', '(1.5,2)', '[1,5)', '101', 4294967295, 'every_kind',
   'w', 2, 3, 4, 5),
  (2, false, 0, 0, 0, 'NaN', 'Infinity', 'NaN',
   'infinity', '-infinity', 'infinity', '00:00', '00:00+00', '-1 day',
   'null', 'null', '', '', '', '', '', '00000000-0000-0000-0000-000000000000',
   '::1', -0.01, '{}', '{}', row(null, null), 'sad', 1,
   '{}', '[]', '(0,0)', 'empty', '000', 0, 'pg_class',
   '', 0, 0, 0, 0),
  (3, null, null, null, null, '-Infinity', '-0', 'Infinity',
   '0001-01-01 BC', '0001-01-01 00:00 BC', '1999-12-31 23:59:59.999999-08', null, null, null,
   null, null, null, null, null, null, null, null,
   null, null, null, null, null, null, null,
   null, null, null, null, null, null, null,
   null, null, null, null, null),
  (4, null, null, null, null, 1e30, 1e-7, -0.5,
   null, null, null, null, null, null,
   '"a json string"', '"a jsonb string"', null, null, null, null, null, null,
   null, null, '{{1,2},{3,4}}', null, null, null, null,
   null, null, null, null, null, null, null,
   null, null, null, null, null);
grant select on every_kind to keyset_json_reader;
set local role keyset_json_reader;

-- What a user sees (UTC).
set local timezone = 'UTC';
select json_array_length(rows) as n, rows -> 0 ->> 'tx' as tx, rows -> 1 -> 'f4' as nan,
       rows -> 1 -> 'tz' as infinity, rows -> 0 -> 'p' as pair, rows -> 0 -> 'dj' as domain_jsonb
from keyset_page('every_kind', 'id', 'asc', null, 10);
select rows from keyset_page('every_kind', 'id', 'asc', null, 1);

-- The same text as row_to_json, rows joined by commas, under each setting.
create temp view expected as
  select '[' || string_agg(row_to_json(x)::text, ',' order by id) || ']' as rows from every_kind x;
create temp view same as
  select (select rows::text from keyset_page('every_kind', 'id', 'asc', null, 10))
       = (select rows from expected) as same,
         (select rows::text from keyset_page('every_kind', 'id', 'desc', null, 10))
       = (select '[' || string_agg(row_to_json(x)::text, ',' order by id desc) || ']' from every_kind x) as same_desc;
select 'UTC' as setting, * from same;
set local timezone = 'Asia/Kolkata';
select 'TimeZone' as setting, * from same;
set local datestyle = 'SQL, DMY';
set local intervalstyle = 'sql_standard';
select 'DateStyle, IntervalStyle' as setting, * from same;
set local extra_float_digits = 0;
select 'extra_float_digits 0' as setting, * from same;
set local extra_float_digits = 3;
select 'extra_float_digits 3' as setting, * from same;
set local bytea_output = 'escape';
select 'bytea_output' as setting, * from same;
-- After a cursor (the page query's other form), and backwards.
select (select rows::text from keyset_page('every_kind', 'id', 'asc',
          (select next_cursor from keyset_page('every_kind', 'id', 'asc', null, 1)), 2))
     = (select '[' || string_agg(row_to_json(x)::text, ',' order by id) || ']' from every_kind x where id in (2, 3)) as after_cursor,
       (select rows::text from keyset_page('every_kind', 'id', 'asc', null, 2,
          before => (select next_cursor from keyset_page('every_kind', 'id', 'asc', null, 3))))
     = (select '[' || string_agg(row_to_json(x)::text, ',' order by id) || ']' from every_kind x where id in (1, 2)) as before_cursor;
reset role;

-- A cast to json created after the listing's shape was kept: row_to_json uses it, so must the page.
create function mood_json(mood) returns json language sql immutable
  as $$ select pg_catalog.json_build_object('mood', $1::text) $$;
create cast (mood as json) with function mood_json(mood);
set local role keyset_json_reader;
select rows -> 0 -> 'e' as e from keyset_page('every_kind', 'id', 'asc', null, 1);
select 'cast to json' as setting, * from same;
reset role;

-- Dropped columns leave a gap in the row: the members still follow the columns that remain.
alter table every_kind drop column i2, drop column "we""ird";
alter table every_kind add column added text default 'late';
set local role keyset_json_reader;
select 'dropped and added columns' as setting, * from same;
-- keyset_rows stores the same rows under the row type with its dropped slots.
select (select string_agg(row_to_json(r)::text, ',') from keyset_rows(NULL::every_kind, 'id', 'asc', null, 10) r)
     = (select string_agg(row_to_json(x)::text, ',' order by id) from every_kind x) as rows_same;
reset role;

-- 1,600 columns of 63-byte names, and a listing in three index ranges (two nullable sort
-- columns, a cursor with a NULL): as columns the query would pass its 256 kB cap, so it carries
-- the whole row; the page is the same either way.
do $$
begin
  execute 'create table wide (id int primary key, ' ||
    (select string_agg(format('%I int', lpad(g::text, 63, 'c')), ', ') from generate_series(1, 1597) g) ||
    ', s1 int, s2 int)';
end $$;
insert into wide (id, s1, s2) select g, case when g % 2 = 0 then g end, case when g % 3 = 0 then g end
from generate_series(1, 9) g;
grant select on wide to keyset_json_reader;
set local role keyset_json_reader;
select json_array_length(p.rows) as n,
       p.rows::text = (select '[' || string_agg(row_to_json(w)::text, ',' order by s1 nulls last, s2 nulls last, id) || ']'
                       from (select * from wide order by s1 nulls last, s2 nulls last, id limit 9) w) as same
from keyset_page('wide', 's1, s2', 'asc', null, 9) p;
-- The first page is one range: its columns fit.
select position('row_to_json' in sql) > 0 as whole_row from keyset_explain('wide', 's1, s2', 'asc', null, 9);
select (select p.rows::text from keyset_page('wide', 's1, s2', 'asc', c.next_cursor, 3) p)
     = (select '[' || string_agg(row_to_json(w)::text, ',' order by s1 nulls last, s2 nulls last, id) || ']'
        from (select * from wide order by s1 nulls last, s2 nulls last, id offset 5 limit 3) w) as same_after_null_cursor,
       (select position('row_to_json' in e.sql) > 0 from keyset_explain('wide', 's1, s2', 'asc', c.next_cursor, 3) e) as whole_row
from keyset_page('wide', 's1, s2', 'asc', null, 5) c;
-- keyset_rows the same way.
select (select string_agg(row_to_json(r)::text, ',') from keyset_rows(NULL::wide, 's1, s2', 'asc', c.next_cursor, 3) r)
     = (select string_agg(row_to_json(w)::text, ',' order by s1 nulls last, s2 nulls last, id)
        from (select * from wide order by s1 nulls last, s2 nulls last, id offset 5 limit 3) w) as typed_same
from keyset_page('wide', 's1, s2', 'asc', null, 5) c;
reset role;
-- A column dropped while the statement runs (a function of the same statement drops it after the
-- result's row type was fixed): a whole row still holds the dropped column's bytes, and storing it
-- under the statement's row type would return them (to a caller who may not read the column: an
-- attacker run found it). A clean 42804 instead, in the whole-row form as in the column form.
create function pg_temp.run(ddl text) returns int language plpgsql as $$ begin execute ddl; return 3; end $$;
select k.id from (select pg_temp.run(format('alter table wide drop column %I', lpad('1', 63, 'c')))) s(x),
  lateral keyset_rows(NULL::wide, 's1, s2', 'asc',
                      (select next_cursor from keyset_page('wide', 's1, s2', 'asc', null, 5)), s.x) k;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select k.id from (select pg_temp.run('alter table every_kind drop column tx')) s(x),
  lateral keyset_rows(NULL::every_kind, 'id', 'asc', null, s.x) k;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
rollback;
