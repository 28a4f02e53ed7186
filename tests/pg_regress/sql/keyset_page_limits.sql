-- page_size: NULL means the default (20); zero or less is 22023; above pg_keyset.max_page_size
-- (default 1000) is 22023 with a HINT naming the setting. Never a silent clamp.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create table t (id int primary key);
insert into t select generate_series(1, 1500);

select json_array_length(rows), has_more from keyset_page('t', page_size => null);
select json_array_length(rows), has_more from keyset_page('t', page_size => 1);
select json_array_length(rows), has_more from keyset_page('t', page_size => 1000);
select * from keyset_page('t', page_size => 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('t', page_size => -5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('t', page_size => 1001);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
show pg_keyset.max_page_size;
set local pg_keyset.max_page_size = 2000;
select json_array_length(rows), has_more from keyset_page('t', page_size => 1500);
set local pg_keyset.max_page_size = 10;
select * from keyset_page('t', page_size => 11);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- The default page size never exceeds the maximum.
select json_array_length(rows) from keyset_page('t');

rollback;
