-- Attacks on the relation kinds and keys of issue 11, as roles with default privileges only:
-- a schema earlier in search_path whose operators would catch the pruning bounds and composite
-- row values of partitioned tables, composite keys and views; hostile `key` arguments; forged
-- cursors of composite-key listings; a view whose key column is named like pg_keyset's alias.
-- Each ends in a clean error or a correct page, and nothing of the attacker's runs.
\set VERBOSITY terse
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local client_min_messages = warning;
create role mallory;
create role victim;
create schema evil authorization mallory;
grant usage on schema evil to victim;

set local role mallory;
create table evil.calls (what text);
grant insert, select on evil.calls to public;
create function evil.hijack(what text) returns boolean language sql volatile as
  $$ insert into evil.calls values (what) returning false $$;
-- Every comparison a page query of these relations makes: bigint and int key columns,
-- timestamptz partition keys, text sort columns; both the bounds and the equalities.
create function evil.ge_ts(timestamptz, timestamptz) returns boolean language sql as $$ select evil.hijack('>=(timestamptz)') $$;
create operator evil.>= (leftarg = timestamptz, rightarg = timestamptz, function = evil.ge_ts);
create function evil.le_ts(timestamptz, timestamptz) returns boolean language sql as $$ select evil.hijack('<=(timestamptz)') $$;
create operator evil.<= (leftarg = timestamptz, rightarg = timestamptz, function = evil.le_ts);
create function evil.gt_ts(timestamptz, timestamptz) returns boolean language sql as $$ select evil.hijack('>(timestamptz)') $$;
create operator evil.> (leftarg = timestamptz, rightarg = timestamptz, function = evil.gt_ts);
create function evil.eq_int(integer, integer) returns boolean language sql as $$ select evil.hijack('=(int,int)') $$;
create operator evil.= (leftarg = integer, rightarg = integer, function = evil.eq_int);
create function evil.gt_bigint(bigint, bigint) returns boolean language sql as $$ select evil.hijack('>(bigint,bigint)') $$;
create operator evil.> (leftarg = bigint, rightarg = bigint, function = evil.gt_bigint);
create function evil.lt_text(text, text) returns boolean language sql as $$ select evil.hijack('<(text,text)') $$;
create operator evil.< (leftarg = text, rightarg = text, function = evil.lt_text);
create function evil.to_jsonb(anyelement) returns jsonb language sql as $$ select '{}'::jsonb where evil.hijack('to_jsonb') $$;
reset role;

-- The victim's relations: a partitioned table, a composite-key table, a view over each, a
-- materialized view, and a view whose key column is named like pg_keyset's row alias.
create table public.pevents (id bigint, at timestamptz not null, kind text not null, primary key (id, at))
  partition by range (at);
create table public.pevents_a partition of public.pevents for values from ('2024-01-01 00:00+00') to ('2024-01-02 00:00+00');
create table public.pevents_b partition of public.pevents for values from ('2024-01-02 00:00+00') to ('2024-01-03 00:00+00');
insert into public.pevents select g, timestamptz '2024-01-01 00:00:00+00' + g * interval '2 hours', 'k' || (g % 3)
from generate_series(1, 20) g;
create index on public.pevents (at, id);
create table public.members (org int, id bigint, name text not null, primary key (org, id));
insert into public.members select g % 3, g, 'n' || (g % 4) from generate_series(1, 15) g;
create view public.members_api as select org as "keyset_row", id, name from public.members;
create view public.pevents_api with (security_invoker) as select id, at, kind from public.pevents;
create materialized view public.members_mv as select * from public.members;
create unique index on public.members_mv (org, id);
grant select on public.pevents, public.members, public.members_api, public.pevents_api, public.members_mv to victim;

set local role victim;
-- pg_catalog listed after evil: an unqualified operator or function would now resolve to the
-- attacker's exact-type one (implicitly, pg_catalog is searched first and would win).
set local search_path = evil, pg_catalog, public;
select 1 where '2024-01-01'::timestamptz >= '2023-01-01'::timestamptz;
reset role;
select count(*) as the_trap_works from evil.calls;
delete from evil.calls;
set local role victim;
set local search_path = evil, pg_catalog, public;
-- Every listing form on the new relations, with the attacker's operators earlier in the path.
select json_array_length(rows), has_more from keyset_page('public.pevents'::regclass, 'at', page_size => 3,
  after => (select next_cursor from keyset_page('public.pevents'::regclass, 'at', page_size => 3)));
select json_array_length(rows), has_previous from keyset_page('public.pevents'::regclass, 'at desc', page_size => 3,
  before => (select next_cursor from keyset_page('public.pevents'::regclass, 'at desc', page_size => 6)));
select json_array_length(rows), has_more from keyset_page('public.pevents'::regclass, 'kind desc, at', page_size => 4,
  after => (select next_cursor from keyset_page('public.pevents'::regclass, 'kind desc, at', page_size => 4)));
select json_array_length(rows), has_more from keyset_page('public.members'::regclass, page_size => 4,
  after => (select next_cursor from keyset_page('public.members'::regclass, page_size => 4)));
select json_array_length(rows), has_more from keyset_page('public.members'::regclass, 'name desc', page_size => 4,
  after => (select next_cursor from keyset_page('public.members'::regclass, 'name desc', page_size => 4,
            filter => '{"org": {"in": [0, 1, 2]}}')),
  filter => '{"org": {"in": [0, 1, 2]}}');
select json_array_length(rows), has_more from keyset_page('public.pevents_api'::regclass, 'at', page_size => 5,
  after => (select next_cursor from keyset_page('public.pevents_api'::regclass, 'at', page_size => 5)));
select json_array_length(rows), has_more from keyset_page('public.members_mv'::regclass, 'name', page_size => 5,
  after => (select next_cursor from keyset_page('public.members_mv'::regclass, 'name', page_size => 5)));
select count(*) from keyset_rows(null::public.members_api, 'name', page_size => 100);
select count(*) from keyset_page_info('public.pevents'::regclass, 'at', page_size => 2);
select plan is not null from keyset_explain('public.pevents'::regclass, 'at', page_size => 2,
  after => (select next_cursor from keyset_page('public.pevents'::regclass, 'at', page_size => 2)));
reset role;
select count(*) as hijacked_calls from evil.calls;
set local role victim;
set local search_path = evil, pg_catalog, public;

-- A view whose key column is named "keyset_row": the alias moves aside, the key still works.
select resolved_key from keyset_explain('public.members_api'::regclass);
select sql ~ '"keyset_row_1"' as alias_moved_aside from keyset_explain('public.members_api'::regclass);
select rows from keyset_page('public.members_api'::regclass, 'name', page_size => 2);

-- Hostile key arguments: each a clean error.
select * from keyset_page('public.members'::regclass, key => '');
select * from keyset_page('public.members'::regclass, key => 'org, id; drop table public.members');
select * from keyset_page('public.members'::regclass, key => 'org desc, id');
select * from keyset_page('public.members'::regclass, key => repeat('k', 64));
select * from keyset_page('public.members'::regclass, key => repeat('a, ', 9999) || 'a');
select * from keyset_page('public.members'::regclass, key => 'id, id');
select * from keyset_page('public.members'::regclass, key => '"id"" = 1 or ""x"');
select * from keyset_page('public.members'::regclass, key => 'ctid');
select * from keyset_page('public.members'::regclass, key => 'name');
select * from keyset_page('public.members'::regclass, key => 'keyset_row');
select * from keyset_page('public.members_api'::regclass, key => 'name, "keyset_row"');

-- Forged cursors of a composite-key listing: each 22023, never a page.
create temp table forged (label text, cursor text);
insert into forged
select 'too many values', encode(convert_to('{"s":"org","o":"asc","v":"1","x":["2"],"id":"7","h":"' ||
       (select digest from cursor_decode((select next_cursor from keyset_page('public.members'::regclass, page_size => 2)))) || '"}', 'UTF8'), 'base64')
union all
select 'NULL for a key column', encode(convert_to('{"s":"org","o":"asc","v":null,"id":"7","h":"' ||
       (select digest from cursor_decode((select next_cursor from keyset_page('public.members'::regclass, page_size => 2)))) || '"}', 'UTF8'), 'base64')
union all
select 'another key''s digest', (select next_cursor from keyset_page('public.members'::regclass, page_size => 2, key => 'id, org'))
union all
select 'the view''s cursor', (select next_cursor from keyset_page('public.members_api'::regclass, page_size => 2))
union all
select 'a text value for an int column', encode(convert_to('{"s":"org","o":"asc","v":"one","id":"7","h":"' ||
       (select digest from cursor_decode((select next_cursor from keyset_page('public.members'::regclass, page_size => 2)))) || '"}', 'UTF8'), 'base64');
-- base64url without padding, as cursors are written.
update forged set cursor = rtrim(translate(cursor, E'+/\n', '-_'), '=');
create function pg_temp.try(c text) returns text language plpgsql as $$
begin
  perform keyset_page('public.members'::regclass, page_size => 2, after => c);
  return 'accepted';
exception when others then
  return sqlstate || ' ' || sqlerrm;
end $$;
select label, pg_temp.try(cursor) from forged order by label;
-- The genuine cursor, for contrast: a page.
select pg_temp.try((select next_cursor from keyset_page('public.members'::regclass, page_size => 2))) as genuine;
reset role;
select count(*) as hijacked_calls from evil.calls;

rollback;
