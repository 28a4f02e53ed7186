-- keyset_page's argument and cursor errors, each with its SQLSTATE. Never XX000.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice).
set local client_min_messages = warning;

create table assets (id bigint primary key, created_at timestamptz not null, updated_at timestamptz not null,
                     name text not null, size bigint not null, doc jsonb, period interval);
insert into assets select g, '2024-01-01'::timestamptz + g * interval '1 day', '2024-06-01'::timestamptz + g * interval '1 hour',
  'n' || g, g * 10, '{}', '1 day' from generate_series(1, 5) g;
select next_cursor as by_created from keyset_page('assets', 'created_at', 'desc', null, 2) \gset

-- A cursor minted for another sort column.
select * from keyset_page('assets', 'updated_at', 'desc', :'by_created', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A cursor minted for the other direction.
select * from keyset_page('assets', 'created_at', 'asc', :'by_created', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Timestamps past 9999-12-31 (10^18 µs is the year 33658) or not a number: 22023, not 22008.
select * from keyset_page('assets', 'created_at', 'desc', cursor_encode('created_at', 'desc', '1000000000000000000', 1), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'created_at', 'desc', cursor_encode('created_at', 'desc', '-99999999999999999999', 1), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'created_at', 'desc', cursor_encode('created_at', 'desc', '2024-01-01T00:00:00Z', 1), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A value or id that is not of the column's type: 22023, not 22P02.
select * from keyset_page('assets', 'size', 'asc', cursor_encode('size', 'asc', '12abc', 1), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'size', 'asc', cursor_encode('size', 'asc', '99999999999999999999', 1), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'size', 'asc', cursor_encode('size', 'asc', '10', 'x'), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A NULL boundary for a NOT NULL column; a primary-key cursor whose value and id differ.
select * from keyset_page('assets', 'size', 'asc', cursor_encode('size', 'asc', null::int, 1), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'id', 'asc', cursor_encode('id', 'asc', 5, 6), 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Malformed cursors are the codec's errors.
select * from keyset_page('assets', 'created_at', 'desc', 'not a cursor', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'created_at', 'desc', :'by_created' || '=', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- An empty cursor is the first page, like NULL.
select json_array_length(rows) from keyset_page('assets', 'created_at', 'desc', '', 2);

-- Direction.
select * from keyset_page('assets', 'created_at', 'sideways');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Unknown, dropped and badly written sort columns.
select * from keyset_page('assets', 'color');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
alter table assets drop column updated_at;
select * from keyset_page('assets', 'updated_at');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select json_array_length(rows) as folded_name_works from keyset_page('assets', 'Name');
select * from keyset_page('assets', '"Name"');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'name sideways');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'name, , id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'name, size, name');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A sort column of a type cursors cannot carry, anywhere in the list.
select * from keyset_page('assets', 'name, period');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Column types: no ordering at all, or ordered but not carried by cursors.
select * from keyset_page('assets', 'doc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('assets', 'period');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
create table points (id int primary key, p point);
select * from keyset_page('points', 'p');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- No primary key, a composite primary key, a missing relation, a NULL relation.
create table heap (id int, v int);
select * from keyset_page('heap');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
create table pair (a int, b int, primary key (a, b));
select * from keyset_page('pair');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('no_such_table');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page(null);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- An ordinary table with inheritance children: its key does not cover their rows (two rows
-- with id 1 below), so it is refused rather than paged with rows skipped; its children page.
create table parent_t (id int primary key, v text not null);
create table child_t (primary key (id)) inherits (parent_t);
insert into parent_t values (1, 'p1'), (2, 'p2');
insert into child_t values (1, 'c1'), (3, 'c3');
select * from keyset_page('parent_t');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select rows from keyset_page('child_t', 'v');
-- Once the last child is gone (relhassubclass stays set until VACUUM), the parent pages again.
drop table child_t;
select rows from keyset_page('parent_t');
-- A DEFERRABLE primary key is not unique inside a transaction, so it cannot break ties.
create table deferred_t (id int primary key deferrable initially deferred, v int);
select * from keyset_page('deferred_t');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Columns after the key are dropped from the ORDER BY, but must still exist.
create table tail_t (id int primary key, a int not null);
insert into tail_t values (1, 1);
select rows from keyset_page('tail_t', 'a, id, a');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select rows from keyset_page('tail_t', 'id, no_such_column');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select rows from keyset_page('tail_t', 'a, id desc, "also missing"');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

rollback;
