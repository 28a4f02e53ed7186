-- filter: each operator against the same WHERE in SQL; values are bound parameters; the
-- cursor carries a digest of (table, sort, filter), so reusing it elsewhere is 22023.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice).
set local client_min_messages = warning;

create table assets (id int primary key, status text, price numeric(10,2), tags text[] not null default '{}',
                     created_at timestamptz not null);
insert into assets
select g,
       case when g % 7 = 0 then null else (array['active', 'archived', 'draft'])[1 + g % 3] end,
       (g * 37 % 1000) / 10.0,
       (case g % 4 when 0 then '{red}' when 1 then '{red,blue}' when 2 then '{blue}' else '{}' end)::text[],
       '2024-01-01 00:00:00+00'::timestamptz + (g % 9) * interval '1 hour'
from generate_series(1, 90) g;
create index on assets (created_at, id);
create index on assets (status, created_at, id);

-- Walk every filter to the end with pages of 4 and compare with the WHERE clause.
create function pg_temp.walk(f jsonb) returns text language sql as $$
  with recursive w(page, rows, next_cursor, has_more) as (
    select 1, p.rows, p.next_cursor, p.has_more from keyset_page('assets', 'created_at', page_size => 4, filter => f) p
    union all
    select w.page + 1, p.rows, p.next_cursor, p.has_more
    from w cross join lateral keyset_page('assets', 'created_at', after => w.next_cursor, page_size => 4, filter => f) p
    where w.has_more)
  select coalesce(string_agg(e.r->>'id', ',' order by w.page, e.n), '')
  from w cross join lateral json_array_elements(w.rows) with ordinality e(r, n)
$$;
create function pg_temp.truth(cond text) returns text language plpgsql as $$
declare ids text;
begin
  execute 'select coalesce(string_agg(id::text, '','' order by created_at, id), '''') from assets where ' || cond into ids;
  return ids;
end $$;

select f, cond, length(pg_temp.truth(cond)) > 0 as nonempty, pg_temp.walk(f) = pg_temp.truth(cond) as equal
from (values
  ('{"status": "active"}'::jsonb, $$status = 'active'$$),
  ('{"status": {"=": "active"}}', $$status = 'active'$$),
  ('{"status": {"<>": "active"}}', $$status <> 'active'$$),
  ('{"price": {"<": 20}}', 'price < 20'),
  ('{"price": {"<=": 20.3}}', 'price <= 20.3'),
  ('{"price": {">": 90.5, "<": 99}}', 'price > 90.5 and price < 99'),
  ('{"price": {">=": "95"}}', 'price >= 95'),
  ('{"status": {"in": ["draft", "archived"]}}', $$status in ('draft', 'archived')$$),
  ('{"status": null}', 'status is null'),
  ('{"status": {"is": null}}', 'status is null'),
  ('{"status": {"is not": null}, "tags": {"@>": ["red"]}}', $$status is not null and tags @> '{red}'$$),
  ('{"tags": {"@>": ["red", "blue"]}}', $$tags @> '{red,blue}'$$),
  ('{"tags": {"@>": []}}', 'true'),
  ('{}', 'true')
) t(f, cond);

-- One page with its cursor, then the same cursor elsewhere.
select rows, next_cursor from keyset_page('assets', 'created_at', page_size => 2, filter => '{"status": "draft", "price": {"<": 30}}');
create temp table c as
  select next_cursor from keyset_page('assets', 'created_at', page_size => 2, filter => '{"status": "draft", "price": {"<": 30}}');
-- The same filter written another way continues the listing.
select (select string_agg(e->>'id', ',') from json_array_elements(rows) e) ids
from keyset_page('assets', 'created_at', after => (select next_cursor from c), page_size => 2,
                 filter => '{"price": {"<": 30}, "status": {"=": "draft"}}');
-- Another filter value, another operator, no filter, another sort, another table: 22023.
select * from keyset_page('assets', 'created_at', after => (select next_cursor from c), filter => '{"status": "active", "price": {"<": 30}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'created_at', after => (select next_cursor from c), filter => '{"status": "draft", "price": {"<=": 30}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'created_at', after => (select next_cursor from c));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'created_at, price', after => (select next_cursor from c), filter => '{"status": "draft", "price": {"<": 30}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
create table assets_copy (like assets including all);
select * from keyset_page('assets_copy', 'created_at', after => (select next_cursor from c), filter => '{"status": "draft", "price": {"<": 30}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A single-column cursor cannot continue a filtered listing.
select * from keyset_page('assets', 'created_at', page_size => 2,
                          after => (select next_cursor from keyset_page('assets', 'created_at', page_size => 2)),
                          filter => '{"status": "draft"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Bad filters.
select * from keyset_page('assets', filter => '[1, 2]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', filter => '{"nope": 1}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', filter => '{"status": {"like": "a%"}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', filter => '{"price": {"<": null}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', filter => '{"price": {"in": 3}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', filter => '{"status": {"@>": ["a"]}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', filter => '{"price": "cheap"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', filter => '{"status": {"is": "active"}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Values never reach the SQL text: a hostile value is just a value that matches nothing.
select rows, has_more from keyset_page('assets', filter => $${"status": "x' or 1=1 --"}$$);
select rows from keyset_page('assets', filter => $${"status\" = status or \"x": 1}$$);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- The typed path and keyset_page_info take the same filter.
select id, status, price from keyset_rows(null::assets, 'created_at', page_size => 3, filter => '{"status": "archived", "price": {">": 50}}');
select has_more, has_previous, next_cursor = (select next_cursor from keyset_page('assets', 'created_at', page_size => 3, filter => '{"status": "archived", "price": {">": 50}}')) same_cursor
from keyset_page_info('assets', 'created_at', page_size => 3, filter => '{"status": "archived", "price": {">": 50}}');

-- Equivalent spellings give one listing: a cursor minted with "!=" continues with "<>".
select p2.has_previous, json_array_length(p2.rows) as n
from keyset_page('assets', 'created_at', page_size => 2, filter => '{"price": {"!=": 10, "<": 90}}') p1,
     keyset_page('assets', 'created_at', after => p1.next_cursor, page_size => 2, filter => '{"price": {"<": 90, "<>": 10}}') p2;
-- A filter value whose meaning depends on a session setting (TimeZone here) binds the value
-- it meant, not its text: under another TimeZone the same text is another instant, and a cursor
-- minted before is refused instead of continuing a different listing.
set local timezone = 'UTC';
select next_cursor as utc_cursor from keyset_page('assets', 'created_at', page_size => 2,
  filter => '{"created_at": {">=": "2024-01-01 03:00:00"}}') \gset
select json_array_length(rows) as same_zone from keyset_page('assets', 'created_at', after => :'utc_cursor', page_size => 2,
  filter => '{"created_at": {">=": "2024-01-01 03:00:00"}}');
set local timezone = 'Asia/Tokyo';
select rows from keyset_page('assets', 'created_at', after => :'utc_cursor', page_size => 2,
  filter => '{"created_at": {">=": "2024-01-01 03:00:00"}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Written with its offset, the value means one instant everywhere, and the cursor continues.
select next_cursor as utc_cursor from keyset_page('assets', 'created_at', page_size => 2,
  filter => '{"created_at": {">=": "2024-01-01 03:00:00+00"}}') \gset
set local timezone = 'America/New_York';
select json_array_length(rows) as other_zone from keyset_page('assets', 'created_at', after => :'utc_cursor', page_size => 2,
  filter => '{"created_at": {">=": "2024-01-01 03:00:00+00"}}');
reset timezone;

rollback;
