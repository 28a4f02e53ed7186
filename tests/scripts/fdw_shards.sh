#!/usr/bin/env bash
# postgres_fdw shards (issue 13, item 2): a partitioned table whose partitions are foreign tables and
# an inheritance parent whose children are foreign tables, over three shard databases of this
# cluster (loopback). Such a parent cannot carry a unique index, so `key => 'id'` is the caller's
# declaration (without it: 42P10 whose HINT names key). As an unprivileged role, every listing is
# walked forwards and backwards and compared with ORDER BY; the page query's Remote SQL must carry
# the leading-column bound and the ORDER BY, and a page at 99% must read few rows from each shard.
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh, tier d).
set -euo pipefail
db=pg_keyset_fdw
host=${PGHOST:-/var/run/postgresql}
port=${PGPORT:-5432}
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
for i in 1 2 3; do
  q -d postgres -c "drop database if exists ${db}_shard$i" -c "create database ${db}_shard$i"
  # Shard i holds ids (i-1)*1000+1 .. i*1000; created_at interleaves the shards.
  q -d "${db}_shard$i" <<SQL
create table events (id bigint primary key, created_at timestamptz not null, kind text not null);
insert into events select g, timestamptz '2024-01-01 00:00:00+00' + (g % 997) * interval '1 minute',
  (array['a','b','c'])[g % 3 + 1] from generate_series(($i - 1) * 1000 + 1, $i * 1000) g;
create index on events (created_at, id);
create index on events (kind desc, created_at, id);
analyze events;
-- events_t: shard i holds a time range of all ids (the parent is partitioned by created_at).
create table events_t (id bigint not null, created_at timestamptz not null, kind text not null);
insert into events_t select g, timestamptz '2024-01-01 00:00:00+00' + (g % 997) * interval '1 minute', 'a'
from generate_series(1, 3000) g where (g % 997) / 333 = $i - 1 or ($i = 3 and g % 997 = 996);
create index on events_t (created_at, id);
analyze events_t;
SQL
done
q -d postgres -c "drop database if exists $db" -c "create database $db"
q -d "$db" <<SQL
create extension pg_keyset;
create extension postgres_fdw;
drop role if exists fdw_reader;
create role fdw_reader login;
create table events_p (id bigint not null, created_at timestamptz not null, kind text not null)
  partition by range (id);
create table events_i (id bigint not null, created_at timestamptz not null, kind text not null);
-- Partitioned by time over the shards; its key (the caller's declaration) holds the partition key.
create table events_t (id bigint not null, created_at timestamptz not null, kind text not null)
  partition by range (created_at);
do \$\$ begin for i in 1..3 loop
  execute format('create server shard%s foreign data wrapper postgres_fdw options (host %L, port %L, dbname %L)',
                 i, '$host', '$port', '${db}_shard' || i);
  -- Trust authentication asks no password; only a superuser may allow that for other roles.
  execute format('create user mapping for public server shard%s options (user %L, password_required %L)',
                 i, 'postgres', 'false');
  execute format('create foreign table events_p%s partition of events_p for values from (%s) to (%s) server shard%s options (table_name %L)',
                 i, (i - 1) * 1000 + 1, i * 1000 + 1, i, 'events');
  execute format('create foreign table events_i%s () inherits (events_i) server shard%s options (table_name %L)',
                 i, i, 'events');
  execute format('create foreign table events_t%s partition of events_t for values from (%L) to (%L) server shard%s options (table_name %L)',
                 i, timestamptz '2024-01-01 00:00:00+00' + (i - 1) * 333 * interval '1 minute',
                 case when i = 3 then timestamptz '2024-01-02 00:00:00+00'
                      else timestamptz '2024-01-01 00:00:00+00' + i * 333 * interval '1 minute' end, i, 'events_t');
end loop; end \$\$;
grant select on events_p, events_i, events_t to fdw_reader;
SQL

q -U fdw_reader -d "$db" <<'SQL'
\set VERBOSITY default
-- Without key: 42P10, the HINT names key.
do $$ begin
  perform keyset_page('events_p', 'created_at');
  raise exception 'events_p without key was accepted';
exception when invalid_column_reference then
  if sqlerrm not like '%key%' then raise; end if;
end $$;
do $$ begin
  perform keyset_page('events_i', 'created_at');
  raise exception 'events_i without key was accepted';
exception when invalid_column_reference then null;
end $$;
-- Hostile cursors on a sharded parent: a tampered one, and one minted for another listing, are
-- 22023, never a page.
do $$
declare c text; bad text;
begin
  select next_cursor into c from keyset_page('events_p', 'created_at', 'asc', null, 5, key => 'id');
  bad := left(c, -3) || 'AAA';
  foreach c in array array[bad, 'not a cursor',
      (select next_cursor from keyset_page('events_i', 'kind desc, created_at', 'asc', null, 5, key => 'id'))] loop
    begin
      perform keyset_page('events_p', 'created_at', 'asc', c, 5, key => 'id');
      raise exception 'a hostile cursor was accepted: %', c;
    exception when invalid_parameter_value then null;
    end;
  end loop;
end $$;
-- Walks, forwards with after and backwards with before, against ORDER BY.
do $$
declare
  rel text; spec text; dir text; filt jsonb; order_sql text; expected bigint[]; got bigint[];
  p record; c text; pages int;
begin
  for rel, spec, dir, filt, order_sql in values
    ('events_p', 'created_at', 'asc', null::jsonb, 'created_at, id'),
    ('events_i', 'created_at', 'desc', null, 'created_at desc, id desc'),
    ('events_p', 'kind desc, created_at', 'asc', null, 'kind desc, created_at, id'),
    ('events_i', 'created_at', 'asc', '{"kind": "b"}', 'created_at, id'),
    ('events_t', 'created_at', 'desc', null, 'created_at desc, id desc')
  loop
    execute format('select array_agg(id order by %s) from %I where %s', order_sql, rel,
                   case when filt is null then 'true' else 'kind = ''b''' end) into expected;
    got := '{}'; c := null; pages := 0;
    loop
      select * into p from keyset_page(rel::regclass, spec, dir, c, 97, filter => filt, key => case when rel = 'events_t' then 'id, created_at' else 'id' end);
      got := got || array(select (e->>'id')::bigint from json_array_elements(p.rows) e);
      pages := pages + 1;
      exit when not p.has_more;
      c := p.next_cursor;
    end loop;
    if got is distinct from expected then
      raise exception '% % forward: % rows, expected %', rel, spec, cardinality(got), cardinality(expected);
    end if;
    -- Backwards: from the listing's last page, before => prev_cursor to the start.
    begin
      c := null;
      loop
        select * into p from keyset_page(rel::regclass, spec, dir, c, 97, filter => filt, key => case when rel = 'events_t' then 'id, created_at' else 'id' end);
        exit when not p.has_more;
        c := p.next_cursor;
      end loop;
      got := array(select (e->>'id')::bigint from json_array_elements(p.rows) e);
      c := p.prev_cursor;
      while c is not null loop
        select * into p from keyset_page(rel::regclass, spec, dir, null, 97, before => c, filter => filt, key => case when rel = 'events_t' then 'id, created_at' else 'id' end);
        got := array(select (e->>'id')::bigint from json_array_elements(p.rows) e) || got;
        exit when not p.has_previous;
        c := p.prev_cursor;
      end loop;
    end;
    if got is distinct from expected then
      raise exception '% % backward: % rows, expected %', rel, spec, cardinality(got), cardinality(expected);
    end if;
    raise notice '% %: % rows in % pages, both ways', rel, spec, cardinality(expected), pages;
  end loop;
end $$;
SQL

# The page query at 99% depth: each shard's Remote SQL carries the leading bound and the ORDER BY,
# and each shard returns few rows (the row value alone never ships: every row of every shard came
# back before the bound).
for rel in events_p events_i; do
  cursor=$(q -At -U fdw_reader -d "$db" -c "select cursor_encode('created_at', 'asc', created_at, id)
    from (select * from $rel order by created_at, id offset 2969 limit 1) r")
  sql=$(q -At -U fdw_reader -d "$db" -c "select sql from keyset_explain('$rel', 'created_at', 'asc', '$cursor', 20, key => 'id')")
  value=$(q -At -U fdw_reader -d "$db" -c "select created_at, id from (select * from $rel order by created_at, id offset 2969 limit 1) r" )
  ts=${value%%|*}; id=${value##*|}
  plan=$(q -At -U fdw_reader -d "$db" -c "prepare p(timestamptz, bigint) as $sql" \
           -c "explain (analyze, verbose, costs off, timing off, summary off) execute p('$ts', $id)")
  remote=$(grep -c 'Remote SQL:.*WHERE ((created_at >= .*ORDER BY created_at ASC NULLS LAST, id ASC NULLS LAST' <<<"$plan" || true)
  if [ "$remote" -lt 3 ]; then
    echo "$rel: expected the bound and ORDER BY in every shard's Remote SQL, got $remote"; echo "$plan"; exit 1
  fi
  read_rows=$(grep -E 'Foreign Scan on public\.'"$rel"'[0-9]' <<<"$plan" | sed -E 's/.*actual rows=([0-9]+).*/\1/' | awk '{s += $1} END {print s + 0}')
  if [ "${read_rows:-0}" -gt 300 ]; then
    echo "$rel: shards returned $read_rows rows for a 20-row page at 99%"; echo "$plan"; exit 1
  fi
  # pg_keyset.has_previous = auto: over remote shards the flag comes from the cursor, no probe
  # (it was a second remote query per shard).
  scans=$(grep -c 'Foreign Scan on' <<<"$plan" || true)
  if [ "$scans" -ne 3 ] || ! grep -q "true AS probe" <<<"$sql"; then
    echo "$rel: expected one scan per shard and no probe, got $scans scans"; echo "$sql"; exit 1
  fi
  echo "ok $rel: Remote SQL bound on $remote scans, $read_rows rows from the shards at 99%, no probe round"
done
# The time-partitioned parent, composite key holding the partition key: a page at 99% reads the
# last shard alone (the bound prunes the partitions before the cursor).
cursor=""
for n in 1000 1000 970; do  # 2,970 rows in (page_size is at most 1000)
  cursor=$(q -At -U fdw_reader -d "$db" -v c="$cursor" <<<"select next_cursor from keyset_page('events_t', 'created_at', 'asc', nullif(:'c', ''), $n, key => 'id, created_at')")
done
plan=$(q -At -U fdw_reader -d "$db" -c "select plan from keyset_explain('events_t', 'created_at', 'asc', '$cursor', 20, key => 'id, created_at', with_analyze => true)")
if [ "$(grep -c 'Foreign Scan on' <<<"$plan" || true)" -ne 1 ] || ! grep -q 'events_t3' <<<"$plan"; then
  echo "events_t: expected the last shard alone at 99%:"; echo "$plan"; exit 1
fi
rows=$(q -At -U fdw_reader -d "$db" -c "select jsonb_array_length(rows::jsonb) from keyset_page('events_t', 'created_at', 'asc', '$cursor', 20, key => 'id, created_at')")
[ "$rows" = 20 ] || { echo "events_t: a page of $rows rows at 99%"; exit 1; }
echo "ok events_t (partitioned by time over shards, key id, created_at): the 99% page reads one shard"
q -d postgres -c "drop database $db" -c "drop database ${db}_shard1" -c "drop database ${db}_shard2" \
  -c "drop database ${db}_shard3" -c "drop role fdw_reader"
