-- Hostile cursors, as an unprivileged role: random bytes, every truncation and every flipped
-- byte of valid cursors, wrong JSON types, NUL, 1 MB, deep nesting, oversized numbers and every
-- type's malformed text. Each is a clean error (SQLSTATE class 22, 42, 0A, 53 or 54) or a
-- correct page; never XX000, never a crash. Counts by SQLSTATE are pinned below.
\set VERBOSITY terse
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local client_min_messages = warning;
create role mallory;
create table typed (id bigint primary key, i2 smallint, i4 int, n numeric, r real, f float8, b boolean,
  t text, v varchar(10), c char(3), nm name, u uuid, d date, ts timestamp, tz timestamptz);
insert into typed select g, g, g, g / 7.0, g / 3.0, g / 9.0, g % 2 = 0, 't' || g, 'v' || g, 'c' || (g % 10), 'n' || g,
  ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, date '2024-01-01' + g,
  timestamp '2024-01-01' + g * interval '1 minute', timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
from generate_series(1, 30) g;
grant select on typed to mallory;
set local role mallory;

-- The outcome of one call: 'page' for a page (checked against ORDER BY where the cursor is
-- valid), else the SQLSTATE.
create function pg_temp.attempt(sort text, cur text) returns text language plpgsql as $$
begin
  perform * from keyset_page('typed', sort, 'asc', cur, 5);
  return 'page';
exception when others then
  return sqlstate;
end $$;
create function pg_temp.attempt_value(sort text, v text, id text) returns text language plpgsql as $$
begin
  perform * from keyset_page('typed', sort, 'asc', cursor_encode(sort, 'asc', v, id), 5);
  return 'page';
exception when others then
  return sqlstate;
end $$;
create function pg_temp.b64url(b bytea) returns text language sql immutable as
  $$ select translate(rtrim(replace(encode(b, 'base64'), E'\n', ''), '='), '+/', '-_') $$;
create function pg_temp.cursor_of(json text) returns text language sql immutable as
  $$ select pg_temp.b64url(convert_to(json, 'UTF8')) $$;
-- Deterministic pseudo-random bytes: md5 chains.
create function pg_temp.noise(seed int, len int) returns bytea language sql immutable as
  $$ select substring(string_agg(decode(md5(seed || ':' || k), 'hex'), ''::bytea) from 1 for len)
     from generate_series(0, len / 16) k $$;

-- 2,000 random byte strings, as raw text and behind valid base64url.
select pg_temp.attempt('t', s) as state, count(*) from (
  select translate(encode(pg_temp.noise(g, g % 200 + 1), 'escape'), E'\\', '/') as s from generate_series(1, 1000) g
  union all
  select pg_temp.b64url(pg_temp.noise(-g, g % 300 + 1)) from generate_series(1, 1000) g
) x group by 1 order by 1;

-- Every truncation and every single flipped character of valid cursors (single-column and
-- multi-column with a digest).
create temp table valid as
select 'i4' as sort, next_cursor as c from keyset_page('typed', 'i4', 'asc', null, 5)
union all select 'tz, u desc', next_cursor from keyset_page('typed', 'tz, u desc', 'asc', null, 5)
union all select 'nm nulls first', next_cursor from keyset_page('typed', 'nm nulls first', 'asc', null, 5);
select sort, length(c) from valid order by sort;
select v.sort, pg_temp.attempt(v.sort, left(v.c, n)) as state, count(*)
from valid v, generate_series(0, 200) n where n < length(v.c) group by 1, 2 order by 1, 2;
select v.sort, pg_temp.attempt(v.sort, overlay(v.c placing ch from n for 1)) as state, count(*)
from valid v, generate_series(1, 200) n, unnest(array['A', '_', '-', '0', '=', '+', '/', '.']) ch
where n <= length(v.c) and substr(v.c, n, 1) <> ch group by 1, 2 order by 1, 2;

-- Wrong JSON types and shapes, NUL, duplicates, unknown keys.
select j, pg_temp.attempt('i4', pg_temp.cursor_of(j)) as state from (values
  ('{"s":"i4","o":"asc","v":5,"id":"5"}'),
  ('{"s":"i4","o":"asc","v":"5","id":5}'),
  ('{"s":"i4","o":"asc","v":["5"],"id":"5"}'),
  ('{"s":"i4","o":"asc","v":{"a":1},"id":"5"}'),
  ('{"s":"i4","o":"asc","v":true,"id":"5"}'),
  ('{"s":"i4","o":"asc","v":"5","id":null}'),
  ('{"s":null,"o":"asc","v":"5","id":"5"}'),
  ('{"s":"i4","o":"ASC","v":"5","id":"5"}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5","id":"6"}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5","z":"1"}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5","x":"1"}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5","x":[1]}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5","h":""}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5","h":"AAAAAAAAAAA"}'),
  ('{"s":"i4","o":"asc","v":"5\u0000","id":"5"}'),
  ('{"s":"i4\u0000","o":"asc","v":"5","id":"5"}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5\u0000"}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5","x":["\u0000"],"h":"AAAAAAAAAAA"}'),
  ('{"s":"i4","o":"asc","v":"5","id":"5","h":"\u0000"}'),
  ('["i4","asc","5","5"]'),
  ('"i4"'),
  ('null'),
  ('{"s":"i4","o":"asc","v":"5","id":"5"} '),
  ('{"s":"i4","o":"asc","v":"5","id":"5"}{}'),
  ('{"s":"i4","o":"asc","v":"\ud800","id":"5"}'),
  ('{"s":"i4","o":"asc","v":"5","id":"99999999999999999999999999"}'),
  ('{"s":"i4","o":"asc","v":"1e999999","id":"5"}')
) t(j);
-- cursor_decode never returns text with NUL in it (M4): the cursor is refused instead.
select * from cursor_decode(pg_temp.cursor_of('{"s":"i4","o":"asc","v":"a\u0000b","id":"5"}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.cursor_of('{"s":"i4","o":"asc","v":"5","id":"5","x":["\u0000"],"h":"AAAAAAAAAAA"}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Size: 1 MB, just over each cap, and deep nesting within the cap.
select pg_temp.attempt('i4', repeat('A', 1048576)) as one_megabyte;
select pg_temp.attempt('i4', repeat('A', 65537)) as over_extension_cap;
select pg_temp.attempt('i4', pg_temp.cursor_of('{"s":"i4","o":"asc","v":"5","id":"5","pad":"' || repeat('x', 2000) || '"}')) as long_reference_form;
select pg_temp.attempt('i4', pg_temp.cursor_of('{"s":"i4","o":"asc","v":' || repeat('[', 20000) || repeat(']', 20000) || ',"id":"5"}')) as deep_nesting;
select pg_temp.attempt('i4', pg_temp.cursor_of(repeat('{"a":', 10000) || '1' || repeat('}', 10000))) as deep_objects;

-- Every type's malformed text, as the cursor's value for a column of that type. The valid
-- spellings (last rows of each group) give pages; everything else is 22023.
select sort, left(v, 40) as v, pg_temp.attempt_value(sort, v, '5') as state from (values
  ('i2', '32768'), ('i2', '-0'), ('i2', '007'), ('i2', '1.0'), ('i2', ' 5'), ('i2', '5'),
  ('i4', '2147483648'), ('i4', '+5'), ('i4', '٥'), ('i4', '0x10'), ('i4', '5'),
  ('n', '1e5'), ('n', '.5'), ('n', '5.'), ('n', '+1'), ('n', '-0'), ('n', 'nan'), ('n', '1' || repeat('0', 600)), ('n', '0.714285714285714286'),
  ('r', '0.10'), ('r', '1E5'), ('r', 'inf'), ('r', '0.1'), ('r', 'NaN'),
  ('f', '1e2'), ('f', '-0.0'), ('f', '1e400'), ('f', '0.1111111111111111'),
  ('b', 't'), ('b', 'TRUE'), ('b', '1'), ('b', 'true'),
  ('u', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1-'), ('u', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd38--11'),
  ('u', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'), ('u', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
  ('u', 'a0eebc999c0b4ef8bb6d6bb9bd380a11'), ('u', '00000000-0000-0000-0000-000000000005'),
  ('d', '2024-02-30'), ('d', '2024-1-05'), ('d', '02024-01-05'), ('d', '0000-01-01'), ('d', '2024-01-05 AD'), ('d', '5874898-01-01'), ('d', '2024-01-05'),
  ('ts', '1e15'), ('ts', '01704067500000000'), ('ts', '1000000000000000000'), ('ts', '-62135596800000001'), ('ts', '1704067500000000'),
  ('tz', '9223372036854775807'), ('tz', 'Infinity'), ('tz', '1704067500000000'),
  ('nm', repeat('n', 64)), ('nm', 'n5'),
  ('t', 't5'), ('c', 'c5 ')
) x(sort, v) order by sort, state, v;
-- The valid ones continue at the right row (checked against ORDER BY).
select (select array_agg((e->>'id')::bigint) from json_array_elements(p.rows) e)
     = (select array_agg(id) from (select id from typed where (tz, id) > ('2024-01-01 00:05:00+00', 5) order by tz, id limit 5) s) as tz_page_right
from keyset_page('typed', 'tz', 'asc', cursor_encode('tz', 'asc', '1704067500000000', '5'), 5) p;
reset role;
rollback;
