-- Every bad cursor is ERROR 22023 "invalid cursor" with a DETAIL naming the reason; every cursor
-- the encoder cannot mint is 22023 "cannot encode cursor". Never XX000.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

-- Empty and whitespace.
select * from cursor_decode('');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(E'  \t ');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Not base64url: padding, the standard alphabet, foreign characters, bad length, stray bits.
select * from cursor_decode('eyJzIjoibmFtZSIsIm8iOiJhc2MiLCJ2IjoiYSIsImlkIjoiMTAifQ==');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode('eyJzIjoibmFtZSIsIm8iOiJhc2MiLCJ2IjoiPj4+Pz8/IiwiaWQiOiIxIn0');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode('eyJzIjoibmFtZSIsIm8iOiJhc2MiLCJ2IjoiPj4-Pz8_IiwiaWQiOiIxIn0!');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode('A');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode('QR');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Not UTF-8 (bytes 7B FF FE), not JSON, not an object.
select * from cursor_decode('e__-');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(translate(rtrim(encode(convert_to('hello', 'UTF8'), 'base64'), '='), '+/', '-_'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(translate(rtrim(encode(convert_to('[1,2]', 'UTF8'), 'base64'), '='), '+/', '-_'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Missing, unknown and duplicate keys.
create temp table forged(label text, json text);
insert into forged values
  ('missing o',  '{"s":"name","v":"a","id":"1"}'),
  ('missing id', '{"s":"name","o":"asc","v":"a"}'),
  ('unknown key','{"s":"name","o":"asc","v":"a","id":"1","admin":true}'),
  ('duplicate',  '{"s":"name","o":"asc","o":"desc","v":"a","id":"1"}'),
  ('number id',  '{"s":"name","o":"asc","v":"a","id":1}'),
  ('object v',   '{"s":"name","o":"asc","v":{"x":1},"id":"1"}'),
  ('bad o',      '{"s":"name","o":"ascending","v":"a","id":"1"}'),
  ('empty id',   '{"s":"name","o":"asc","v":"a","id":""}'),
  ('empty s',    '{"s":"","o":"asc","v":"a","id":"1"}'),
  ('sql in v',   '{"s":"name","o":"asc","v":"x'');drop table forged;--","id":"1"}'),
  ('sql in s',   '{"s":"name\" desc; drop table forged --","o":"asc","v":"a","id":"1"}');
create function pg_temp.b64url(t text) returns text language sql immutable
  as $$ select translate(rtrim(replace(encode(convert_to(t, 'UTF8'), 'base64'), E'\n', ''), '='), '+/', '-_') $$;
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'missing o')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'missing id')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'unknown key')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'duplicate')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Non-string values and a bad direction.
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'number id')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'object v')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'bad o')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Empty id, empty sort.
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'empty id')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.b64url((select json from forged where label = 'empty s')));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Hostile content is only ever data: it decodes, and the table is still there.
select sort, value from cursor_decode(pg_temp.b64url((select json from forged where label = 'sql in v')));
select sort, value from cursor_decode(pg_temp.b64url((select json from forged where label = 'sql in s')));
select count(*) as forged_rows from forged;
-- Caps: over 1024 bytes, value over 512 characters, id over 128 characters.
select * from cursor_decode(repeat('A', 1025));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.b64url('{"s":"name","o":"asc","v":"' || repeat('x', 513) || '","id":"1"}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from cursor_decode(pg_temp.b64url('{"s":"name","o":"asc","v":"a","id":"' || repeat('9', 129) || '"}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- The encoder refuses what the decoder would reject.
select cursor_encode('name', 'asc', repeat('x', 513), 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- 512 characters, but 2 bytes each: the final cursor would be 1418 bytes.
select cursor_encode('name', 'asc', repeat('é', 512), 15);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Escaping inflates: 300 characters of "<" become 1800 bytes of JSON.
select cursor_encode('name', 'asc', repeat('<', 300), 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Exactly on the 1024-byte limit is fine.
select length(cursor_encode('name', 'asc', repeat('é', 218) || repeat('x', 294), 1));
select cursor_encode('name', 'asc', 'x', repeat('9', 129));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select cursor_encode('name', 'asc', 'x', '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select cursor_encode('name', 'up', 'x', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select cursor_encode('name', 'asc', 'x', null::int);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select cursor_encode(null, 'asc', 'x', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select cursor_encode('', 'asc', 'x', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select cursor_encode('period', 'asc', '1 day'::interval, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select cursor_encode('doc', 'asc', 'x', '{"a":1}'::jsonb);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

rollback;
