#!/usr/bin/env bash
# Trusted extension (issue 14, item 2): every function is SECURITY INVOKER and the install script has
# no superuser-only effect (its one statement besides CREATE FUNCTION checks the encoding), so
# pg_keyset.control says `trusted = true`: a database owner who is not a superuser installs it, and
# pages as themselves. A role without CREATE on the database cannot (42501). The script runs with
# pg_catalog searched first, so an owner's own types or operators named like the built-in ones in the
# target schema do not change what the functions are declared with.
set -euo pipefail
db=pg_keyset_trusted
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
q -d postgres <<SQL
drop database if exists $db;
drop role if exists keyset_db_owner;
drop role if exists keyset_stranger;
create role keyset_db_owner login;
create role keyset_stranger login;
create database $db owner keyset_db_owner;
revoke create on database $db from public;
SQL
# The owner prepares a schema holding a type and an operator named like built-in ones.
q -U keyset_db_owner -d "$db" <<'SQL'
create schema api;
create domain api.text as integer;
create function api.fake_eq(int, int) returns boolean language sql as 'select true';
create operator api.= (leftarg = int, rightarg = int, function = api.fake_eq);
SQL
# A stranger (no CREATE on the database) cannot install it.
if out=$(q -U keyset_stranger -d "$db" -c "create extension pg_keyset schema api" 2>&1); then
  echo "a role without CREATE on the database installed pg_keyset"; exit 1
fi
grep -q "permission denied" <<<"$out" || { echo "unexpected error: $out"; exit 1; }
q -U keyset_db_owner -d "$db" <<'SQL'
create extension pg_keyset schema api;
-- Declared with the built-in types, whatever the schema holds.
do $$ begin
  if exists (select 1 from pg_proc p where p.pronamespace = 'api'::regnamespace and p.proname like 'keyset%'
             and (p.prosecdef or exists (select 1 from unnest(p.proargtypes) t where t = 'api.text'::regtype))) then
    raise exception 'a function is SECURITY DEFINER or takes the schema''s own text';
  end if;
end $$;
create table items (id int primary key, v text not null);
insert into items select g, 'v' || g from generate_series(1, 30) g;
SQL
pages=$(q -At -U keyset_db_owner -d "$db" <<'SQL'
with recursive w(n, c) as (
  select 1, (select next_cursor from api.keyset_page('items', 'v', page_size => 7))
  union all
  select n + 1, (select next_cursor from api.keyset_page('items', 'v', after => c, page_size => 7))
  from w where c is not null)
select count(*) from w;
SQL
)
[ "$pages" = 5 ] || { echo "expected 5 pages of 7 over 30 rows, got $pages"; exit 1; }
echo "ok a database owner who is not a superuser installs pg_keyset and pages (5 pages); a stranger cannot"
q -U keyset_db_owner -d "$db" -c "drop extension pg_keyset"
q -d postgres -c "drop database $db" -c "drop role keyset_db_owner" -c "drop role keyset_stranger"
echo "ok dropped by its owner"
