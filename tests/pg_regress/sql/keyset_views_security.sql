-- Paging through views never widens what a role may see: a security_invoker view runs with the
-- caller's rights (RLS of the table underneath applies per role), a plain view with its
-- owner's, exactly as a SELECT on the view would. Roles here have default privileges only.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create role keyset_alice;
create role keyset_bob;
create table notes (id int primary key, owner name not null, body text not null);
insert into notes select g, case when g % 2 = 0 then 'keyset_alice' else 'keyset_bob' end, 'note ' || g
from generate_series(1, 10) g;
alter table notes enable row level security;
create policy own_notes on notes using (owner = current_user);
create index on notes (body, id);

-- security_invoker: each role sees only its own rows, on every page.
create view my_notes with (security_invoker) as select id, owner, body from notes;
grant select on notes, my_notes to keyset_alice, keyset_bob;
set local role keyset_alice;
select rows, has_more from keyset_page('my_notes', 'body', page_size => 3);
select rows from keyset_page('my_notes', 'body', page_size => 3,
  after => (select next_cursor from keyset_page('my_notes', 'body', page_size => 3)));
select count(*) from keyset_rows(null::my_notes, page_size => 100);
reset role;
set local role keyset_bob;
select rows, has_more from keyset_page('my_notes', 'body', page_size => 3);
select count(*) from keyset_rows(null::my_notes, page_size => 100);
-- bob walking on with alice's cursor sees bob's rows after it, never alice's.
select jsonb_path_query_array(rows::jsonb, '$[*].owner') from keyset_page('my_notes', 'body', page_size => 100,
  after => 'eyJzIjoiYm9keSIsIm8iOiJhc2MiLCJ2Ijoibm90ZSAxMCIsImlkIjoiMTAifQ');
reset role;

-- A plain view runs with its owner's rights (the owner here bypasses RLS as the table owner):
-- bob reads every row through it, exactly as SELECT * FROM all_notes would show him.
create view all_notes as select id, owner, body from notes;
grant select on all_notes to keyset_bob;
set local role keyset_bob;
select (select count(*) from all_notes) as select_count,
       json_array_length(rows) as page_count from keyset_page('all_notes', page_size => 100);
-- Without SELECT on the view, nothing: not its key, its columns or its base table.
reset role;
create view my_notes_hidden as select * from notes;
set local role keyset_bob;
select * from keyset_page('my_notes_hidden');
select * from keyset_explain('my_notes_hidden');
-- SELECT on the view alone is enough (not on the table underneath).
reset role;
revoke select on notes from keyset_bob;
set local role keyset_bob;
select count(*) from notes;
select json_array_length(rows) from keyset_page('all_notes', page_size => 100);
select json_array_length(rows) from keyset_page('my_notes', page_size => 100);
reset role;
-- Nothing about a base table bob cannot read is named: not in keyset_explain's key source, not
-- in an advice NOTICE (none), not in why a key cannot be inferred.
set local role keyset_bob;
select resolved_key, key_source from keyset_explain('all_notes', 'owner');
select has_more from keyset_page('all_notes', 'owner');
reset role;
set local pg_keyset.require_index = on;
set local role keyset_bob;
select has_more from keyset_page('all_notes', 'owner');
reset role;
set local pg_keyset.require_index = off;
create view some_notes as select owner, body from notes;
grant select on some_notes to keyset_bob;
set local role keyset_bob;
select * from keyset_page('some_notes');
reset role;
select * from keyset_page('some_notes');

rollback;
