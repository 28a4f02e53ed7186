-- Hostile sort specifications and filters, as an unprivileged role: long, Unicode, quoted and
-- NUL-bearing names, names colliding with the page query's aliases, filters with thousands of
-- conditions or values, every operator spelling, wrong types. Each is a clean error or a
-- correct page.
\set VERBOSITY terse
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local client_min_messages = warning;
create role mallory;
create table "Ünïcode tàble" (id int primary key, "GRÖSSE" int not null, größe int not null, "q" int, "k1" text,
  "probe" boolean, "t" int, "u" int, "keyset_row" int, "a""b" int, "😀" int);
insert into "Ünïcode tàble" select g, g % 3, g % 4, g % 5, 'k' || g, g % 2 = 0, -g, g * 2, g, g % 6, g % 7 from generate_series(1, 9) g;
grant select on "Ünïcode tàble" to mallory;
create table secret (id int primary key, hidden text not null);
set local role mallory;

create function pg_temp.attempt(sort text, filter jsonb default null) returns text language plpgsql as $$
declare r json;
begin
  select rows into r from keyset_page('"Ünïcode tàble"', sort, 'asc', null, 4, filter => filter);
  return 'ids ' || coalesce((select string_agg(e->>'id', ',') from json_array_elements(r) e), '(none)');
exception when others then
  return sqlstate || ' ' || sqlerrm;
end $$;

-- Names: Postgres folds unquoted ASCII letters only, so GRÖSSE is "grÖsse" (no such column)
-- and "GRÖSSE" must be quoted; größe and 😀 need no quotes.
select left(s, 40) as s, pg_temp.attempt(s) from (values
  ('GRÖSSE'), ('"GRÖSSE"'), ('größe'), ('GRÖßE'), ('😀'), ('"😀" desc'), ('"a""b"'), ('q, k1'), ('probe desc, t'),
  ('u nulls first, keyset_row'), ('"Q"'), ('id, no_such_column'), ('id desc, t'), (repeat('n', 63)), (repeat('n', 64)),
  ('"' || repeat('é', 32) || '"'), (repeat('a,', 17) || 'a'), (repeat(' ', 5000)), ('q; drop table secret'),
  ('q desc nulls'), ('"unterminated'), ('""'), ('q collate "C"'), ('pg_sleep(1)'), ('(q)'), ('q::text'), ('q -> 1')
) x(s);
-- A spec of 1 MB is refused before anything is parsed.
select left(pg_temp.attempt(repeat('q, ', 350000)), 60) as one_megabyte_spec;

-- Filters: every spelling of every operator, caps, wrong types, injection in values.
select f::text, pg_temp.attempt('id', f) from (values
  ('{"q": 1}'::jsonb), ('{"q": {"=": 1}}'), ('{"q": {"!=": 1, "<": 4}}'), ('{"q": {"<>": 1, "<": 4}}'),
  ('{"q": {"!=": 1, "<>": 2}}'), ('{"q": {"IN": [1, 2]}}'), ('{"q": {"in": [1, 2]}}'), ('{"q": {"In": [1]}}'),
  ('{"q": {"IS": null}}'), ('{"q": {"is not": null}}'), ('{"q": {"IS NOT": null}}'), ('{"q": {"like": "1"}}'),
  ('{"q": {"in": "1,2"}}'), ('{"q": {"in": [[1]]}}'), ('{"q": {"<": null}}'), ('{"q": {"@>": [1]}}'),
  ('{"q": "1; drop table secret"}'), ('{"k1": "k1'' or ''1''=''1"}'), ('{"k1": {"in": ["k1", "k2", null]}}'),
  ('{"q": 99999999999999999999}'), ('{"q": 1.5}'), ('{"q": true}'), ('{"probe": "yes"}'), ('{"probe": true}'),
  ('{"nope": 1}'), ('{"hidden": 1}'), ('{"": 1}'), ('[1]'), ('"q"'), ('{"q": {}}'), ('{"q": [1]}'),
  ('{"😀": {">=": 3}}'), ('{"GRÖSSE": 1}'), ('{"a\"b": {"<": 3}}')
) x(f);
-- Caps: 32 conditions and 1000 list values are fine, one more is 54000.
select pg_temp.attempt('id', (select jsonb_object_agg('q', jsonb_build_object('in', (select jsonb_agg(g) from generate_series(1, 1000) g)))));
select pg_temp.attempt('id', (select jsonb_object_agg('q', jsonb_build_object('in', (select jsonb_agg(g) from generate_series(1, 1001) g)))));
select pg_temp.attempt('id', (select jsonb_object_agg('c' || g, 1) from generate_series(1, 33) g));
select pg_temp.attempt('id', (select jsonb_object_agg(c, jsonb_build_object('>', 0, '<', 100, '>=', 0, '<=', 100, '<>', -1))
                             from unnest(array['q', 't', 'u', 'keyset_row', 'id', '😀', 'größe']) c));
select pg_temp.attempt('id', (select jsonb_object_agg(c, jsonb_build_object('>', 0, '<', 100, '>=', 0, '<=', 100))
                             from unnest(array['q', 't', 'u', 'keyset_row', 'id', '😀', 'größe', 'GRÖSSE']) c));
-- 10,000 conditions: refused by the cap, not by memory.
select left(pg_temp.attempt('id', (select jsonb_object_agg('c' || g, 1) from generate_series(1, 10000) g)), 60) as ten_thousand;
-- The largest sort with a large filter passes the parser and the catalog but not the query
-- size cap (54000), rather than preparing a multi-megabyte plan.
reset role;
select format('create temp table wide (id int primary key, %s)', string_agg(format('%I int', 'c' || g || repeat('x', 60)), ', '))
from generate_series(1, 40) g \gexec
grant select on wide to mallory;
insert into wide select g, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1,
  g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1,
  g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1,
  g % 8 + 1, g % 8 + 1, g % 8 + 1, g % 8 + 1 from generate_series(1, 6) g;
set local role mallory;
select string_agg(format('%I %s nulls first', 'c' || g || repeat('x', 60), case when g % 2 = 0 then 'desc' else 'asc' end), ', ') as wide_sort
from generate_series(1, 16) g \gset
select jsonb_object_agg('c' || g || repeat('x', 60), jsonb_build_object('>', 0, '<', 9)) as wide_filter
from generate_series(17, 32) g \gset
-- The first page has no cursor (one small range); the second would need 32 ranges × 32 conditions.
select json_array_length(rows) as first_page from keyset_page('wide', :'wide_sort', 'asc', null, 2, filter => :'wide_filter');
select p2.has_more from keyset_page('wide', :'wide_sort', 'asc', null, 2, filter => :'wide_filter') p1,
  keyset_page('wide', :'wide_sort', 'asc', p1.next_cursor, 2, filter => :'wide_filter') p2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Without the filter the same listing fits.
select p2.has_more from keyset_page('wide', :'wide_sort', 'asc', null, 2) p1,
  keyset_page('wide', :'wide_sort', 'asc', p1.next_cursor, 2) p2;
-- Without SELECT on a table, nothing about it is revealed: not its columns, not its key.
select * from keyset_page('secret', 'guess_a_column');
select * from keyset_page('secret', 'hidden');
select * from keyset_page('secret', null, 'asc', null, 5, filter => '{"hidden": "x"}');
select * from keyset_explain('secret', 'guess_a_column');
reset role;
rollback;
