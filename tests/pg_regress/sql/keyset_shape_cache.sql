-- Each backend keeps what a listing's shape decides (the relation's key and columns, the page
-- query) and reuses it on the next call. Every change that could make it wrong is seen by the
-- very next call in the same session: renamed columns, dropped NOT NULL (on the table, or on a
-- view's base table), revoked privileges and role memberships, dropped indexes under
-- pg_keyset.require_index, renamed schemas. Each walk below runs once before the change (so the
-- listing is cached) and once after.
\set VERBOSITY terse
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local client_min_messages = warning;
create role keyset_cache_reader;
create role keyset_cache_group;

create table items (id int primary key, v int not null, label text not null);
insert into items select g, g % 4, 'l' || g from generate_series(1, 9) g;
create index items_v_id on items (v, id);
create view items_view as select id, v, label from items;
grant select on items, items_view to keyset_cache_reader;

-- How many rows a walk of 2-row pages meets (every page after the first goes through a cursor).
create function pg_temp.walk(rel regclass, sort text) returns bigint language sql as $$
  with recursive w(n, after, more) as (
    select 0::bigint, null::text, true
    union all
    select w.n + pg_catalog.json_array_length(p.rows), p.next_cursor, p.has_more
    from w, keyset_page(rel, sort, 'asc', w.after, 2) p where w.more)
  select max(n) from w $$;
grant execute on function pg_temp.walk to keyset_cache_reader;

set local role keyset_cache_reader;
select pg_temp.walk('items', 'v') as items_by_v, pg_temp.walk('items_view', 'v') as view_by_v;
reset role;

-- A renamed column: the old name is unknown, the new one pages.
alter table items rename column v to w;
set local role keyset_cache_reader;
select pg_temp.walk('items', 'v');
select pg_temp.walk('items', 'w') as items_by_w;
reset role;

-- NOT NULL dropped and a NULL stored: the NULL block is part of the listing now (a stale shape
-- would page the non-NULL range alone and miss the row).
alter table items alter column w drop not null;
insert into items values (10, null, 'l10');
set local role keyset_cache_reader;
select pg_temp.walk('items', 'w') as items_with_null;
reset role;
-- The same through the view, whose NOT NULL flags come from its base table.
create or replace view items_view as select id, w as v, label from items;
set local role keyset_cache_reader;
select pg_temp.walk('items_view', 'v') as view_with_null;
reset role;

-- Privileges: revoked on the table, and through a role membership.
revoke select on items from keyset_cache_reader;
set local role keyset_cache_reader;
select pg_temp.walk('items', 'w');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
reset role;
grant select on items to keyset_cache_group;
grant keyset_cache_group to keyset_cache_reader;
set local role keyset_cache_reader;
select pg_temp.walk('items', 'w') as through_group;
reset role;
revoke keyset_cache_group from keyset_cache_reader;
set local role keyset_cache_reader;
select pg_temp.walk('items', 'w');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
reset role;

-- pg_keyset.require_index: the error on every call, not only the first; and once the index is
-- dropped, on the very next call of a listing it served.
set local pg_keyset.require_index = on;
select pg_temp.walk('items', 'label');
select pg_temp.walk('items', 'label');
select pg_temp.walk('items', 'w') as served;
drop index items_v_id;
select pg_temp.walk('items', 'w');
reset pg_keyset.require_index;

-- A renamed schema: the page query names the schema as it is now.
create schema keyset_cache_a;
create table keyset_cache_a.t (id int primary key);
insert into keyset_cache_a.t select generate_series(1, 3);
select sql like '%"keyset_cache_a"."t"%' as names_a from keyset_explain('keyset_cache_a.t', 'id');
alter schema keyset_cache_a rename to keyset_cache_b;
select sql like '%"keyset_cache_b"."t"%' as names_b from keyset_explain('keyset_cache_b.t', 'id');
select pg_temp.walk('keyset_cache_b.t', 'id') as renamed_schema;
-- Shapes are kept per user: what one role resolved never answers another. The owner may read
-- the table under a view, the reader only the view; through the same arguments, the reader's
-- key source must not name the table (it would if the owner's resolution were reused).
create table keyset_cache_secret_base (id int primary key, body text not null);
insert into keyset_cache_secret_base select g, 'b' || g from generate_series(1, 4) g;
create view keyset_cache_public as select id, body from keyset_cache_secret_base;
grant select on keyset_cache_public to keyset_cache_reader;
select key_source from keyset_explain('keyset_cache_public', 'body');
set local role keyset_cache_reader;
select key_source from keyset_explain('keyset_cache_public', 'body');
select json_array_length(rows) as reader_rows from keyset_page('keyset_cache_public', 'body');
-- A cached shape still checks every cursor: a forged one that decodes (it pages from where it
-- points), one minted for another listing, one whose id is not an integer.
select json_array_length(rows) as forged_but_wellformed
from keyset_page('keyset_cache_public', 'body', 'asc', 'eyJzIjoiYm9keSIsIm8iOiJhc2MiLCJ2IjoiYjIiLCJpZCI6IjIifQ', 2);
select * from keyset_page('keyset_cache_public', 'body', 'asc',
  (select next_cursor from keyset_page('keyset_cache_public', 'body', 'desc', null, 2)), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('keyset_cache_public', 'body', 'asc', 'eyJzIjoiYm9keSIsIm8iOiJhc2MiLCJ2IjoiYjIiLCJpZCI6IjIgb3IgMT0xIn0', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
reset role;
rollback;
