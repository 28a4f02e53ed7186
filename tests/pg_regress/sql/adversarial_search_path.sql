-- A schema earlier in the caller's search_path, owned by an attacker, that defines operators,
-- functions and a text overload of keyset_page. Every operator and function in pg_keyset's page
-- query is schema-qualified, so none of them runs; the only name left to resolve is the one the
-- caller writes: keyset_page itself (call it schema-qualified, see README "Installing").
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
-- Anything an unqualified name in the page query could resolve to records itself here.
create function evil.hijack(what text) returns boolean language sql volatile as
  $$ insert into evil.calls values (what) returning false $$;
create function evil.gt_bigint_int(bigint, integer) returns boolean language sql as $$ select evil.hijack('>(bigint,int)') $$;
create operator evil.> (leftarg = bigint, rightarg = integer, function = evil.gt_bigint_int);
create function evil.gt_int(integer, integer) returns boolean language sql as $$ select evil.hijack('>(int,int)') $$;
create operator evil.> (leftarg = integer, rightarg = integer, function = evil.gt_int);
create function evil.lt_int(integer, integer) returns boolean language sql as $$ select evil.hijack('<(int,int)') $$;
create operator evil.< (leftarg = integer, rightarg = integer, function = evil.lt_int);
create function evil.eq_int(integer, integer) returns boolean language sql as $$ select evil.hijack('=(int,int)') $$;
create operator evil.= (leftarg = integer, rightarg = integer, function = evil.eq_int);
create function evil.eq_text(text, text) returns boolean language sql as $$ select evil.hijack('=(text,text)') $$;
create operator evil.= (leftarg = text, rightarg = text, function = evil.eq_text);
create function evil.ge_ts(timestamptz, timestamptz) returns boolean language sql as $$ select evil.hijack('>=(timestamptz)') $$;
create operator evil.>= (leftarg = timestamptz, rightarg = timestamptz, function = evil.ge_ts);
create function evil.minus_jsonb(jsonb, integer) returns jsonb language sql as $$ select '[]'::jsonb where evil.hijack('-(jsonb,int)') $$;
create operator evil.- (leftarg = jsonb, rightarg = integer, function = evil.minus_jsonb);
create function evil.to_jsonb(anyelement) returns jsonb language sql as $$ select '{}'::jsonb where evil.hijack('to_jsonb') $$;
create function evil.row_to_json(anyelement) returns json language sql as $$ select '{}'::json where evil.hijack('row_to_json') $$;
create function evil.to_json(anyelement) returns json language sql as $$ select '{}'::json where evil.hijack('to_json') $$;
create function evil.count_sfunc(bigint) returns bigint language sql as $$ select $1 + 1 where evil.hijack('count') $$;
create aggregate evil.count(*) (sfunc = evil.count_sfunc, stype = bigint, initcond = '0');
create function evil.coalesce(jsonb, jsonb) returns jsonb language sql as $$ select $1 where evil.hijack('coalesce') $$;
create function evil.least(bigint, integer) returns integer language sql as $$ select 0 where evil.hijack('least') $$;
create function evil.array_agg_sfunc(integer[], integer) returns integer[] language sql as $$ select $1 || $2 where evil.hijack('array_agg') $$;
create aggregate evil.array_agg(integer) (sfunc = evil.array_agg_sfunc, stype = integer[]);
create function evil.jsonb_agg_sfunc(jsonb, jsonb) returns jsonb language sql as $$ select $1 where evil.hijack('jsonb_agg') $$;
create aggregate evil.jsonb_agg(jsonb) (sfunc = evil.jsonb_agg_sfunc, stype = jsonb);
-- And a text overload: an untyped literal prefers it to regclass, wherever it is on the path.
create function evil.keyset_page(relation text, sort text default null, direction text default 'asc',
    after text default null, page_size integer default null, before text default null, filter jsonb default null)
returns table (rows jsonb, next_cursor text, has_more boolean, prev_cursor text, has_previous boolean)
language sql as $$ select '["hijacked"]'::jsonb, null::text, evil.hijack('keyset_page(text)'), null::text, false $$;
reset role;

-- tags: an array column, which the page query selects through to_json.
create table public.events (id int primary key, kind text not null, at timestamptz not null, n int,
  tags text[] default '{a,"b c"}');
insert into public.events select g, 'k' || (g % 3), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour',
  case when g % 4 = 0 then null else g % 5 end from generate_series(1, 12) g;
create index on public.events (at, id);
grant select on public.events to victim;

set local role victim;
set local search_path = evil, public;
-- Every form of the page query: row value, mixed directions, NULL blocks, backwards, filters,
-- typed rows, info, explain; with the operators' and functions' schema earlier in the path.
select json_array_length(p.rows) as n, p.has_more, p.has_previous
from public.keyset_page('public.events'::regclass, 'at', 'asc', null, 5) p;
select p.rows -> 0 -> 'tags' as tags from public.keyset_page('public.events'::regclass, 'at', 'asc', null, 5) p;
select json_array_length(p2.rows) as n, p2.has_more, p2.has_previous
from public.keyset_page('public.events'::regclass, 'at', 'asc', null, 5) p1,
     public.keyset_page('public.events'::regclass, 'at', 'asc', p1.next_cursor, 5) p2;
select json_array_length(p2.rows) as n, p2.has_more, p2.has_previous
from public.keyset_page('public.events'::regclass, 'kind desc, n nulls first', 'asc', null, 4) p1,
     public.keyset_page('public.events'::regclass, 'kind desc, n nulls first', 'asc', before => p1.next_cursor, page_size => 2) p2;
select json_array_length(p2.rows) as n, p2.has_more
from public.keyset_page('public.events'::regclass, 'n', 'desc', null, 3, filter => '{"kind": "k1", "id": {">": 1, "in": [1, 4, 7, 10]}}') p1,
     public.keyset_page('public.events'::regclass, 'n', 'desc', p1.next_cursor, 3, filter => '{"kind": "k1", "id": {">": 1, "in": [1, 4, 7, 10]}}') p2;
select count(*) as typed from public.keyset_rows(null::public.events, 'at', 'desc', null, 7);
select i.has_more from public.keyset_page_info('public.events'::regclass, 'at', 'desc', null, 7) i;
select count(*) > 0 as explained from public.keyset_explain('public.events'::regclass, 'kind, at desc', 'asc', null, 3);
-- The same listings again: this backend's cached shapes (no SQL built) run just as safely.
select json_array_length(p2.rows) as n, p2.has_more, p2.has_previous
from public.keyset_page('public.events'::regclass, 'at', 'asc', null, 5) p1,
     public.keyset_page('public.events'::regclass, 'at', 'asc', p1.next_cursor, 5) p2;
select count(*) as typed from public.keyset_rows(null::public.events, 'at', 'desc', null, 7);
reset search_path;
reset role;
select count(*) as hijacked_calls from evil.calls;

-- M6: the name the caller writes. Unqualified with an untyped literal, the text overload wins;
-- with ::regclass or schema-qualified, pg_keyset's own function runs.
set local role victim;
set local search_path = public, evil;
select rows from keyset_page('events', 'at', 'asc', null, 1);
select rows->0->>'id' as id from keyset_page('events'::regclass, 'at', 'asc', null, 1);
select rows->0->>'id' as id from public.keyset_page('events', 'at', 'asc', null, 1);
reset search_path;
reset role;
select what from evil.calls;
rollback;
