-- cursor_encode: byte-identical to the reference wire format; the value's SQL type picks its encoding.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

-- The reference cursor: created_at desc at 2024-02-01T09:00:00Z, id 42 (Unix microseconds).
select cursor_encode('created_at', 'desc', '2024-02-01 09:00:00+00'::timestamptz, 42);
-- Same bytes whatever the session's TimeZone and DateStyle.
set local timezone = 'Pacific/Auckland';
set local datestyle = 'SQL, DMY';
select cursor_encode('created_at', 'desc', '2024-02-01 09:00:00+00'::timestamptz, 42)
     = 'eyJzIjoiY3JlYXRlZF9hdCIsIm8iOiJkZXNjIiwidiI6IjE3MDY3NzgwMDAwMDAwMDAiLCJpZCI6IjQyIn0' as same_bytes;

-- Go's escaping: <>& and U+2028/U+2029 escaped, other non-ASCII raw.
select convert_from(decode(translate(c, '-_', '+/') || repeat('=', (4 - length(c) % 4) % 4), 'base64'), 'UTF8') as json
from (values
  (cursor_encode('name', 'asc', '<b>Tom & Jerry</b>', '7')),
  (cursor_encode('name', 'desc', 'café 😀', 9)),
  (cursor_encode('name', 'asc', E'line\u2028para\u2029end', 8)),
  (cursor_encode('name', 'asc', E'tab\there "quoted" back\\slash', 10)),
  (cursor_encode('name', 'asc', '', 13))
) t(c);

-- Straight from a row: each supported type, without casts by the caller.
create temp table every_type (
  id int primary key, s smallint, i int, b bigint, n numeric, r real, d double precision,
  t text, vc varchar(20), u uuid, dt date, ts timestamp, tz timestamptz, bo boolean);
insert into every_type values (1, -7, 2147483647, -9223372036854775808, 12.50, 0.1, 1e300,
  'Zoë', 'varchar', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '2024-02-29',
  '2000-01-01 00:00:00.000001', '1970-01-01 00:00:00+00', true);
select k.col, d.value
from every_type e,
  lateral (values ('s', cursor_encode('s', 'asc', e.s, e.id)), ('i', cursor_encode('i', 'asc', e.i, e.id)),
                  ('b', cursor_encode('b', 'asc', e.b, e.id)), ('n', cursor_encode('n', 'asc', e.n, e.id)),
                  ('r', cursor_encode('r', 'asc', e.r, e.id)), ('d', cursor_encode('d', 'asc', e.d, e.id)),
                  ('t', cursor_encode('t', 'asc', e.t, e.id)), ('vc', cursor_encode('vc', 'asc', e.vc, e.id)),
                  ('u', cursor_encode('u', 'asc', e.u, e.id)), ('dt', cursor_encode('dt', 'asc', e.dt, e.id)),
                  ('ts', cursor_encode('ts', 'asc', e.ts, e.id)), ('tz', cursor_encode('tz', 'asc', e.tz, e.id)),
                  ('bo', cursor_encode('bo', 'asc', e.bo, e.id))) k(col, c),
  lateral cursor_decode(k.c) d;

-- Ids of integer, uuid and text types.
select id from cursor_decode(cursor_encode('name', 'asc', 'x', 123::bigint));
select id from cursor_decode(cursor_encode('name', 'asc', 'x', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid));
select id from cursor_decode(cursor_encode('name', 'asc', 'x', 'sku-42'::text));

-- A NULL sort value is encoded as JSON null (the reference services cannot express it).
select cursor_encode('priority', 'asc', null::int, 16);
-- Directions are case-insensitive as arguments; the wire always says asc/desc.
select direction from cursor_decode(cursor_encode('name', 'DESC', 'x', 1));

-- Marked immutable and parallel safe, with \df+ descriptions.
select p.oid::regprocedure as function, provolatile, proparallel, prosecdef,
       obj_description(p.oid, 'pg_proc') is not null as has_comment
from pg_proc p where proname in ('cursor_encode', 'cursor_decode') order by p.oid::regprocedure::text;

rollback;
