-- Plans are prepared once per backend per shape and reused; they stay correct after DDL:
-- a new column shows up in the rows, a dropped one disappears, a recreated index is used.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create table t (id int primary key, v int not null, w text);
insert into t select g, g % 4, 'w' || g from generate_series(1, 8) g;
create index t_v on t (v, id);

select rows from keyset_page('t', 'v', 'asc', null, 2);
alter table t add column extra text default 'new';
select rows from keyset_page('t', 'v', 'asc', null, 2);
alter table t drop column w;
select rows from keyset_page('t', 'v', 'asc', null, 2);
-- Same page after dropping and recreating the index, and after a rename of the sort column.
drop index t_v;
create index t_v2 on t (v desc, id desc);
select rows from keyset_page('t', 'v', 'desc', null, 2);
alter table t rename column v to level;
select rows from keyset_page('t', 'level', 'desc', null, 2);
select * from keyset_page('t', 'v', 'desc', null, 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A column whose type changed: the cursor value is parsed for the new type.
alter table t alter column level type bigint;
select rows from keyset_page('t', 'level', 'desc', (select next_cursor from keyset_page('t', 'level', 'desc', null, 2)), 2);

rollback;
