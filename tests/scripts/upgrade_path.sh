#!/usr/bin/env bash
# The upgrade path (issue 14, item 1). Every released version's install script stays frozen in sql/
# (sql/pg_keyset--0.1.0.sql: 0.1.0 as released, generated at 395dc5d) and every step has its script
# (sql/pg_keyset--0.1.0--0.2.0.sql; cargo pgrx install copies the steps, this test copies the frozen
# install scripts). For each old version: install it, build on it what users build (views calling
# keyset_page and keyset_page_info, a view over such a view, owners, grants, options, comments),
# check that the new library refuses the old declarations cleanly before the update (55000, no
# crash: 0.1.0's keyset_explain declares a boolean where 0.2.0 reads text), run ALTER EXTENSION
# pg_keyset UPDATE, and compare the extension's catalog (functions with arguments, results,
# volatility, parallel safety, strictness, rows, settings, comments; member objects) with a fresh
# install of the current version: identical. Then the views page, as their reader. An object the
# update cannot carry over (a materialized view over keyset_page) stops it with 2BP01, changing
# nothing. Runs against the cluster in PGHOST/PGPORT (scripts/test.sh, tier d).
set -euo pipefail
cd "$(dirname "$0")/../.."
PGBIN=/usr/lib/postgresql/15/bin
extdir=$("$PGBIN/pg_config" --sharedir)/extension
current=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
export PGOPTIONS='-c client_min_messages=warning'
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
for frozen in sql/pg_keyset--*.sql; do
  case "$frozen" in *--*--*) continue ;; esac
  install -m 644 "$frozen" "$extdir/"
done

# One line per function of the extension and per member object: what a fresh install must equal.
catalog() {
  q -At -d "$1" <<'SQL'
select format('%s(%s) -> %s | %s %s %s %s rows=%s cost=%s | %s | %s | %s', p.proname,
              pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), p.provolatile,
              p.proparallel, p.prosecdef, p.proisstrict, p.prorows, p.procost, p.proconfig, p.probin || ':' || p.prosrc,
              obj_description(p.oid, 'pg_proc'))
from pg_proc p join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
join pg_extension e on e.oid = d.refobjid and e.extname = 'pg_keyset'
union all
select 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
from pg_depend d join pg_extension e on e.oid = d.refobjid and e.extname = 'pg_keyset' where d.deptype = 'e'
union all
select 'extension ' || extversion || ' ' || extrelocatable || ' ' || extnamespace::regnamespace from pg_extension
where extname = 'pg_keyset'
order by 1;
SQL
}

fresh=pg_keyset_fresh
q -d postgres -c "drop database if exists $fresh" -c "create database $fresh"
q -d "$fresh" -c "create extension pg_keyset schema public"
for old in $(ls sql/pg_keyset--*.sql | sed -n 's/^sql\/pg_keyset--\([0-9.]*\)\.sql$/\1/p'); do
  db=pg_keyset_upgrade_${old//./_}
  q -d postgres -c "drop database if exists $db" -c "drop role if exists keyset_upgrade_owner" \
    -c "drop role if exists keyset_upgrade_reader" -c "drop role if exists keyset_upgrade_second" \
    -c "create role keyset_upgrade_owner" -c "create role keyset_upgrade_reader" \
    -c "create role keyset_upgrade_second" -c "create database $db"
  q -d "$db" <<SQL
create extension pg_keyset version '$old' schema public;
create schema app authorization keyset_upgrade_owner;
set role keyset_upgrade_owner;
create table app.items (id int primary key, v text not null);
insert into app.items select g, 'v' || g from generate_series(1, 25) g;
create index on app.items (v, id);
create view app.first_page with (security_barrier) as
  select * from keyset_page('app.items', 'v', page_size => 10);
create view app.first_info as select * from keyset_page_info('app.items', 'v desc', page_size => 5);
create view app."Page count" as select json_array_length(rows::json) as n from app.first_page;
comment on view app.first_page is 'the first ten items';
comment on column app.first_page.rows is 'the page';
-- A float constant: its text must not follow the updater's extra_float_digits.
create view app.floaty as select 0.30000000000000004::float8 as f, has_more from keyset_page_info('app.items');
grant usage on schema app to keyset_upgrade_reader, keyset_upgrade_second;
grant select on app.first_page to keyset_upgrade_reader with grant option;
grant select on app."Page count" to keyset_upgrade_reader;
grant select (next_cursor) on app.first_info to keyset_upgrade_reader;
grant select on app.items to keyset_upgrade_reader, keyset_upgrade_second;
-- The owner's own revoke, and a grant made with a grant option (its grantor is the reader).
revoke update on app.first_page from keyset_upgrade_owner;
set role keyset_upgrade_reader;
grant select on app.first_page to keyset_upgrade_second;
set role keyset_upgrade_owner;
reset role;
-- A function's privileges: keyset_explain kept from PUBLIC, granted to the reader.
revoke execute on function keyset_explain(regclass, text, text, text, integer, text, jsonb, boolean) from public;
grant execute on function keyset_explain(regclass, text, text, text, integer, text, jsonb, boolean) to keyset_upgrade_reader;
SQL
  acl_before=$(q -At -d "$db" -c "select string_agg(relname || ' ' || coalesce(relacl::text, '-'), '; ' order by relname) from pg_class where relnamespace = 'app'::regnamespace and relkind = 'v'")
  def_before=$(q -At -d "$db" -c "set extra_float_digits = 3" -c "select pg_get_viewdef('app.floaty')")
  # Before the update: the new library refuses every old declaration (55000 with the HINT), no crash.
  for call in "keyset_page('app.items')" "keyset_explain('app.items', with_analyze => true)" \
              "keyset_page_info('app.items')" "keyset_rows(null::app.items)"; do
    out=$(q -d "$db" -c "\\set VERBOSITY verbose" -c "select * from $call" 2>&1 || true)
    if [ "$old" != "$current" ] && ! grep -q "55000" <<<"$out"; then
      echo "$old: $call before the update: $out"; exit 1
    fi
  done
  # A materialized view over keyset_page stops the update (2BP01), and nothing changes.
  q -d "$db" -c "create materialized view app.frozen as select * from keyset_page('app.items') with no data"
  if out=$(q -d "$db" -c "alter extension pg_keyset update to '$current'" 2>&1); then
    echo "$old: the update went through a materialized view over keyset_page"; exit 1
  fi
  grep -q "depend" <<<"$out" || { echo "$old: unexpected error: $out"; exit 1; }
  [ "$(q -At -d "$db" -c "select extversion from pg_extension where extname = 'pg_keyset'")" = "$old" ] \
    || { echo "$old: the failed update left another version"; exit 1; }
  q -d "$db" -c "drop materialized view app.frozen"
  # A trigger on a view over the functions (which a view's definition does not carry) stops it too.
  q -d "$db" <<'SQL'
create function app.no_insert() returns trigger language plpgsql as 'begin raise exception ''no''; end';
create view app.guarded as select * from keyset_page_info('app.items');
create trigger guard instead of insert on app.guarded for each row execute function app.no_insert();
SQL
  if out=$(q -d "$db" -c "alter extension pg_keyset update to '$current'" 2>&1); then
    echo "$old: the update dropped a view's trigger"; exit 1
  fi
  grep -q 'trigger guard' <<<"$out" || { echo "$old: unexpected error: $out"; exit 1; }
  q -d "$db" -c "drop view app.guarded" -c "drop function app.no_insert()"
  # The updater's own formats change nothing (extra_float_digits = 0 would print 0.3).
  PGOPTIONS='-c client_min_messages=warning -c extra_float_digits=0 -c DateStyle=German' \
    q -d "$db" -c "alter extension pg_keyset update to '$current'"
  if ! diff <(catalog "$fresh") <(catalog "$db"); then
    echo "$old -> $current: the catalog differs from a fresh install (diff above: < fresh, > updated)"; exit 1
  fi
  # The views survived as they were: owner, options, grants, comments, not extension members.
  got=$(q -At -d "$db" <<'SQL'
select string_agg(format('%s %s %s %s %s', c.relname, c.relowner::regrole, c.reloptions,
                         obj_description(c.oid, 'pg_class'),
                         (select count(*) from pg_depend d where d.objid = c.oid and d.deptype = 'e')),
                  '; ' order by c.relname)
from pg_class c where c.relnamespace = 'app'::regnamespace and c.relkind = 'v';
SQL
)
  want='Page count keyset_upgrade_owner   0; first_info keyset_upgrade_owner   0; first_page keyset_upgrade_owner {security_barrier=true} the first ten items 0; floaty keyset_upgrade_owner   0'
  [ "$got" = "$want" ] || { echo "$old: views after the update: $got"; exit 1; }
  [ "$(q -At -d "$db" -c "select col_description('app.first_page'::regclass, 1)")" = "the page" ] \
    || { echo "$old: a column comment was lost"; exit 1; }
  # Privileges exactly as before (grantors, the owner's own revoke, column grants), constants too.
  acl_after=$(q -At -d "$db" -c "select string_agg(relname || ' ' || coalesce(relacl::text, '-'), '; ' order by relname) from pg_class where relnamespace = 'app'::regnamespace and relkind = 'v'")
  [ "$acl_after" = "$acl_before" ] || { echo "$old: privileges changed: $acl_before -> $acl_after"; exit 1; }
  def_after=$(q -At -d "$db" -c "set extra_float_digits = 3" -c "select pg_get_viewdef('app.floaty')")
  [ "$def_after" = "$def_before" ] || { echo "$old: a view's text changed: $def_before -> $def_after"; exit 1; }
  fn=$(q -At -d "$db" -c "select has_function_privilege('keyset_upgrade_reader', p.oid, 'execute'),
         has_function_privilege('keyset_upgrade_second', p.oid, 'execute')
         from pg_proc p where proname = 'keyset_explain'")
  [ "$fn" = "t|f" ] || { echo "$old: keyset_explain's privileges after the update: $fn"; exit 1; }
  # Their reader pages through them, with the grants it had (and no more).
  page=$(q -At -d "$db" -U postgres <<'SQL'
set role keyset_upgrade_reader;
select json_array_length(rows), has_more, pg_typeof(rows) from app.first_page;
select n from app."Page count";
select next_cursor is not null from app.first_info;
SQL
)
  [ "$page" = $'10|t|json\n10\nt' ] || { echo "$old: pages through the views after the update: $page"; exit 1; }
  if q -d "$db" -c "set role keyset_upgrade_reader" -c "select has_more from app.first_info" >/dev/null 2>&1; then
    echo "$old: a column grant became a table grant"; exit 1
  fi
  echo "ok $old -> $current: catalog identical to a fresh install; views, owners, privileges (grantors included), comments and constants kept; pages"
  q -d postgres -c "drop database $db" -c "drop role keyset_upgrade_owner" -c "drop role keyset_upgrade_reader" \
    -c "drop role keyset_upgrade_second"
done
q -d postgres -c "drop database $fresh"

# The extension is trusted: a database owner who is not a superuser installed the old version and
# runs the update (its script then runs as the bootstrap superuser); their view comes through.
db=pg_keyset_upgrade_trusted
oldest=$(ls sql/pg_keyset--*.sql | sed -n 's/^sql\/pg_keyset--\([0-9.]*\)\.sql$/\1/p' | sort -V | head -n 1)
q -d postgres -c "drop database if exists $db" -c "drop role if exists keyset_trusted_owner" \
  -c "create role keyset_trusted_owner login" -c "create database $db owner keyset_trusted_owner"
got=$(q -At -U keyset_trusted_owner -d "$db" <<SQL
create extension pg_keyset version '$oldest';
create table t (id int primary key, v text not null);
insert into t select g, 'v' || g from generate_series(1, 7) g;
create view pv as select * from keyset_page('t', 'v', page_size => 5);
alter extension pg_keyset update to '$current';
select extversion from pg_extension where extname = 'pg_keyset';
select json_array_length(rows), (select count(*) from pg_depend where objid = 'pv'::regclass and deptype = 'e'),
       pg_get_userbyid(relowner) from pv, pg_class where pg_class.oid = 'pv'::regclass;
SQL
)
[ "$got" = "$current"$'\n'"5|0|keyset_trusted_owner" ] || { echo "trusted update by the database owner: $got"; exit 1; }
echo "ok $oldest -> $current by a database owner who is not a superuser (trusted): the view comes through"
q -d postgres -c "drop database $db" -c "drop role keyset_trusted_owner"
