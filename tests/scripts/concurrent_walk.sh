#!/usr/bin/env bash
# Concurrency: one session walks a table with keyset_page (forwards, backwards, and a mixed-
# direction listing) while two others insert rows, delete rows and update non-key columns. Every
# row that existed throughout the walk must come back exactly once, and no key twice. The walker
# is an unprivileged role. Runs against the cluster in PGHOST/PGPORT (scripts/test.sh, tier d).
set -euo pipefail
db=pg_keyset_concurrency
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "drop database if exists $db" -c "create database $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
create extension pg_keyset;
-- Rows 1-20000 are "stable": never deleted, their sort column never changes.
create table items (id bigint primary key, grp int not null, note text not null, stable bool not null);
insert into items select g, g % 50, 'n', true from generate_series(1, 20000) g;
insert into items select g, g % 50, 'v', false from generate_series(20001, 30000) g;
create index on items (grp, id);
create index on items (grp desc, id);
create sequence new_ids start 1000000;
create table seen (walk text, id bigint);
drop role if exists walker;
create role walker login;
grant select on items to walker;
grant select, insert on seen to walker;
analyze items;
SQL

writer=$(mktemp)
cat >"$writer" <<'SQL'
\set r random(20001, 30000)
delete from items where id = :r and not stable;
insert into items values (nextval('new_ids'), (random() * 49)::int, 'w', false);
\set s random(1, 30000)
update items set note = md5(random()::text) where id = :s;
SQL
pgbench -n -c 2 -T 120 -f "$writer" "$db" >"$writer.log" 2>&1 &
writers=$!
trap 'kill $writers 2>/dev/null || true; rm -f "$writer" "$writer.log"' EXIT
sleep 1

psql -X -q -v ON_ERROR_STOP=1 -U walker -d "$db" <<'SQL'
do $$
declare
  c text; r jsonb; more boolean; prev text; pages int;
begin
  -- Forwards by grp (the key id breaks ties), 97 rows a page.
  c := null; pages := 0;
  loop
    select rows, next_cursor, has_more into r, c, more from keyset_page('items', 'grp', 'asc', c, 97);
    insert into seen select 'forward', (e->>'id')::bigint from jsonb_array_elements(r) e;
    pages := pages + 1;
    perform pg_sleep(0.003);
    exit when not more;
  end loop;
  raise notice 'forward: % pages', pages;
  -- Backwards over the same listing, from a cursor past its end.
  c := cursor_encode('grp', 'asc', 1000, 9223372036854775807); pages := 0;
  loop
    select rows, prev_cursor, has_previous into r, c, more from keyset_page('items', 'grp', 'asc', before => c, page_size => 89);
    insert into seen select 'backward', (e->>'id')::bigint from jsonb_array_elements(r) e;
    pages := pages + 1;
    perform pg_sleep(0.003);
    exit when not more;
  end loop;
  raise notice 'backward: % pages', pages;
  -- Mixed directions (grp desc, id asc): several index ranges per page.
  c := null; pages := 0;
  loop
    select rows, next_cursor, has_more into r, c, more from keyset_page('items', 'grp desc, id asc', 'asc', c, 101);
    insert into seen select 'mixed', (e->>'id')::bigint from jsonb_array_elements(r) e;
    pages := pages + 1;
    perform pg_sleep(0.003);
    exit when not more;
  end loop;
  raise notice 'mixed: % pages', pages;
end $$;
SQL
kill "$writers" 2>/dev/null || true
wait "$writers" 2>/dev/null || true

# Checks: each stable row exactly once per walk, no key twice, and the writers did write.
result=$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" -A -t <<'SQL'
with walks(walk) as (values ('forward'), ('backward'), ('mixed')),
missing as (
  select w.walk, count(*) as n from walks w cross join items i
  where i.stable and not exists (select 1 from seen s where s.walk = w.walk and s.id = i.id)
  group by w.walk),
twice as (select walk, id from seen group by walk, id having count(*) > 1),
churn as (select count(*) filter (where id >= 1000000) as inserted,
                 30000 - count(*) filter (where id <= 30000) as deleted from items)
select case
  when (select count(*) from missing) > 0 then 'missing stable rows: ' || (select string_agg(walk || '=' || n, ', ') from missing)
  when (select count(*) from twice) > 0 then 'keys seen twice: ' || (select count(*) from twice)
  when (select inserted from churn) < 50 or (select deleted from churn) < 50 then 'the writers did not write: ' || (select inserted || ' inserted, ' || deleted || ' deleted' from churn)
  when (select count(*) from seen where walk = 'forward') < 20000 then 'short walk'
  else 'ok' end;
select 'walked ' || walk || ': ' || count(*) || ' rows' from seen group by walk order by walk;
select (select count(*) filter (where id >= 1000000) from items) || ' rows inserted, '
    || (select 30000 - count(*) filter (where id <= 30000) from items) || ' deleted during the walks';
SQL
)
echo "$result"
psql -X -q -d postgres -c "drop database $db with (force)" -c "drop role walker"
[ "$(echo "$result" | head -n 1)" = ok ]
