-- pg_keyset.has_previous: how the flag for the side a page came from is answered (has_previous
-- walking forwards, has_more walking backwards). exact probes; cursor answers from the request
-- alone (true iff it carried a cursor: no query); auto (the default) is exact on a relation of this
-- server and `cursor` where the page reads remote shards (see tests/scripts/citus_walks.sh and
-- fdw_shards.sh). The two differ only after every row behind the cursor was deleted. As an
-- unprivileged role: the setting is USERSET, it changes only the caller's own flags.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
create role keyset_hp_user;
create table hp (id int primary key, v int not null);
insert into hp select g, g from generate_series(1, 10) g;
create index on hp (v, id);
grant select on hp to keyset_hp_user;
grant delete on hp to keyset_hp_user;
set local role keyset_hp_user;

-- A cursor after row 4, both ways, in each mode (rows, cursors and far flags never change).
select next_cursor as c4 from keyset_page('hp', 'v', after => null, page_size => 4) \gset
select next_cursor as c8 from keyset_page('hp', 'v', after => :'c4', page_size => 4) \gset
show pg_keyset.has_previous;
set local pg_keyset.has_previous = exact;
select rows, has_previous, has_more, prev_cursor is not null as prev from keyset_page('hp', 'v', after => :'c4', page_size => 2);
select rows, has_previous, has_more, next_cursor is not null as next from keyset_page('hp', 'v', before => :'c8', page_size => 2);
set local pg_keyset.has_previous = cursor;
select rows, has_previous, has_more, prev_cursor is not null as prev from keyset_page('hp', 'v', after => :'c4', page_size => 2);
select rows, has_previous, has_more, next_cursor is not null as next from keyset_page('hp', 'v', before => :'c8', page_size => 2);
-- A first page has nothing behind it in every mode.
select has_previous, prev_cursor from keyset_page('hp', 'v', page_size => 2);
select has_more, next_cursor from keyset_page('hp', 'v', 'desc', page_size => 20);

-- Every row behind the cursor deleted: exact says so, cursor still says rows may lie there (the
-- page before is then empty and says has_previous false itself).
delete from hp where id <= 4;
set local pg_keyset.has_previous = exact;
select has_previous, prev_cursor is not null as prev from keyset_page('hp', 'v', after => :'c4', page_size => 2);
set local pg_keyset.has_previous = auto;
select has_previous from keyset_page('hp', 'v', after => :'c4', page_size => 2);
set local pg_keyset.has_previous = cursor;
select has_previous, prev_cursor is not null as prev from keyset_page('hp', 'v', after => :'c4', page_size => 2);
select rows, has_previous, has_more from keyset_page('hp', 'v', before => :'c4', page_size => 2);
-- An empty page after the last row: behind its cursor rows do lie (5 to 10).
select cursor_encode('v', 'asc', 10, 10) as c10 \gset
select rows, has_previous, has_more from keyset_page('hp', 'v', after => :'c10', page_size => 2);
-- keyset_page_info follows the setting too (still `cursor` here); keyset_rows has no flags.
select has_previous from keyset_page_info('hp', 'v', after => :'c4', page_size => 2);

-- Not a value of the setting.
set local pg_keyset.has_previous = maybe;
rollback;
