-- Special values and collations walk exactly like ORDER BY: NaN and infinities in floats and
-- numerics, infinite timestamps and dates, text under a column collation, a partitioned table.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice).
set local client_min_messages = warning;

create function pg_temp.walk_ids(rel regclass, srt text, dir text, size int) returns text language sql as $$
  with recursive w(page, rows, next_cursor, has_more) as (
    select 1, p.rows, p.next_cursor, p.has_more from keyset_page(rel, srt, dir, null, size) p
    union all
    select w.page + 1, p.rows, p.next_cursor, p.has_more
    from w cross join lateral keyset_page(rel, srt, dir, w.next_cursor, size) p where w.has_more
  )
  select string_agg(e.r->>'id', ' ' order by w.page, e.ord)
  from w cross join lateral json_array_elements(w.rows) with ordinality e(r, ord)
$$;

create table specials (id int primary key, f float8, r real, n numeric, ts timestamptz, d date, t text collate "C", u text);
insert into specials values
  (1, 'NaN', 'NaN', 'NaN', 'infinity', 'infinity', 'b', 'b'),
  (2, '-Infinity', '-Infinity', '-Infinity', '-infinity', '-infinity', 'B', 'B'),
  (3, 'Infinity', 'Infinity', 'Infinity', '2024-01-01', '2024-01-01', 'a', 'a'),
  (4, 0.1, 0.1, 0.1, '1970-01-01', '0044-03-15 BC', 'é', 'é'),
  (5, -0.0, -0.0, 0, '9999-12-31 23:59:59.999999+00', '9999-12-31', '_', '_'),
  (6, null, null, null, null, null, null, null),
  (7, 1e300, 3.4e38, 1e100, '0001-01-01 00:00:00+00', '4714-11-24 BC', 'A', 'A'),
  (8, 0.1, 0.1, 0.1, '1970-01-01', '0044-03-15 BC', 'b', 'b');

-- Each column, both directions, page sizes 1 and 3, against ORDER BY col, id.
create function pg_temp.truth(col text, dir text) returns text language plpgsql as $$
declare r text;
begin
  execute format('select string_agg(id::text, '' '' order by %I %s, id %s) from specials', col, dir, dir) into r;
  return r;
end $$;
select col, dir, size, pg_temp.walk_ids('specials', col, dir, size) = pg_temp.truth(col, dir) as same_as_order_by,
       pg_temp.walk_ids('specials', col, dir, size) as walk
from (values ('f'), ('r'), ('n'), ('ts'), ('d'), ('t'), ('u')) c(col),
     (values ('asc'), ('desc')) d(dir), (values (1), (3)) s(size)
order by col, dir, size;

-- A partitioned table with a primary key pages across its partitions.
create table events (id int primary key, kind int not null) partition by range (id);
create table events_low partition of events for values from (0) to (50);
create table events_high partition of events for values from (50) to (100);
insert into events select g, g % 4 from generate_series(1, 99) g;
select pg_temp.walk_ids('events', 'kind', 'desc', 7) =
       (select string_agg(id::text, ' ' order by kind desc, id desc) from events) as partitioned_walk;

-- Columns named like the aliases of the generated query (t, q, k, i, keyset_row) change nothing:
-- rows are whole rows, ordered by the right columns.
create table aliases (id int primary key, t int not null, q text, k int, i int, keyset_row int);
insert into aliases values (1, 30, 'x', 1, 1, 1), (2, 10, 'y', 2, 2, 2), (3, 20, null, 3, 3, 3);
select rows, has_more from keyset_page('aliases', 't', 'asc', null, 2);
select rows from keyset_page('aliases', 't', 'asc', (select next_cursor from keyset_page('aliases', 't', 'asc', null, 2)), 2);
select * from keyset_rows(NULL::aliases, 'q', 'desc', null, 5);

-- A name column: a cursor value longer than a name can be (63 bytes) is refused, not truncated.
create table roles_list (id int primary key, r name not null);
insert into roles_list values (1, 'alpha'), (2, repeat('n', 63));
select json_array_length(rows) from keyset_page('roles_list', 'r', 'asc', cursor_encode('r', 'asc', repeat('n', 63), 1), 5);
select * from keyset_page('roles_list', 'r', 'asc', cursor_encode('r', 'asc', repeat('n', 64), 1), 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

rollback;
