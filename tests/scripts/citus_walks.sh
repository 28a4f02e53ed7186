#!/usr/bin/env bash
# Citus (issue 13, items 1 and 5): a coordinator and two workers of their own (Unix sockets only),
# tables distributed by tenant (PRIMARY KEY (tenant_id, id)) and by id. As an unprivileged role:
# a tenant's listing (filter tenant_id) is a single-shard router query; listings across tenants and
# by a timestamp walk forwards and backwards equal to ORDER BY. Citus comes from the system if
# installed, else from CITUS_PACKAGE (on these machines ../shared/vendor/citus-13.2.2-pg15-debian12.tar.gz,
# which .ci/run sets); without either, this says so in one line and passes.
set -euo pipefail
export PGOPTIONS='-c client_min_messages=warning'
PGBIN=/usr/lib/postgresql/15/bin
if ! bash "$(dirname "$0")/../../scripts/citus_available.sh"; then
  echo "skipped: Citus is not installed and CITUS_PACKAGE names no package (see README, Scaling out)"
  exit 0
fi

base=$(mktemp -d /tmp/pg_keyset-citus.XXXXXX)
chmod 755 "$base"; chown postgres:postgres "$base"
nodes=(coordinator worker1 worker2)
ports=(5432 5433 5434)
stop_all() {
  for n in "${nodes[@]}"; do
    [ -d "$base/$n/data" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$base/$n/data" -m fast -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$base"
}
trap stop_all EXIT
for i in 0 1 2; do
  n=${nodes[$i]}
  install -d -o postgres -g postgres "$base/$n" "$base/$n/data"
  runuser -u postgres -- env -u RUST_BACKTRACE "$PGBIN/initdb" -D "$base/$n/data" -U postgres --auth=trust \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- env -u RUST_BACKTRACE "$PGBIN/pg_ctl" -D "$base/$n/data" -l "$base/$n/server.log" \
    -o "-p ${ports[$i]} -k $base -c listen_addresses='' -c shared_preload_libraries=citus -c citus.local_hostname=$base" \
    -w start >/dev/null
done
export PGHOST=$base PGUSER=postgres
c() { psql -X -q -v ON_ERROR_STOP=1 -p 5432 "$@"; }
for p in 5433 5434; do psql -X -q -v ON_ERROR_STOP=1 -p $p -d postgres -c "create extension citus"; done
c -d postgres <<SQL
create extension citus;
select citus_set_coordinator_host('$base', 5432);
select citus_add_node('$base', 5433);
select citus_add_node('$base', 5434);
create extension pg_keyset;
create role citus_reader login;
create table tenant_rows (tenant_id int not null, id bigint not null, created_at timestamptz not null,
  note text not null, primary key (tenant_id, id));
create index on tenant_rows (tenant_id, created_at, id);
create index on tenant_rows (created_at, tenant_id, id);
select create_distributed_table('tenant_rows', 'tenant_id', shard_count => 8);
insert into tenant_rows select g % 20, g, timestamptz '2024-01-01 00:00:00+00' + (g % 611) * interval '1 minute', 'n' || g
from generate_series(1, 3000) g;
create table events (id bigint primary key, created_at timestamptz not null, kind text not null);
create index on events (created_at, id);
select create_distributed_table('events', 'id', shard_count => 8);
insert into events select g, timestamptz '2024-01-01 00:00:00+00' + (g % 499) * interval '1 minute', (array['a','b'])[g % 2 + 1]
from generate_series(1, 3000) g;
-- Partitioned by time, the partition key inside the composite key, distributed by tenant.
create table tenant_events (tenant_id int not null, id bigint not null, created_at timestamptz not null,
  primary key (tenant_id, id, created_at)) partition by range (created_at);
select format('create table tenant_events_m%s partition of tenant_events for values from (%L) to (%L)', h,
              timestamptz '2024-01-01 00:00:00+00' + (h - 1) * interval '3 hours',
              timestamptz '2024-01-01 00:00:00+00' + h * interval '3 hours')
from generate_series(1, 4) h \gexec
create index on tenant_events (tenant_id, created_at, id);
select create_distributed_table('tenant_events', 'tenant_id', shard_count => 8);
insert into tenant_events select g % 20, g, timestamptz '2024-01-01 00:00:00+00' + (g % 611) * interval '1 minute'
from generate_series(1, 3000) g;
grant select on tenant_rows, events, tenant_events to citus_reader;
SQL
# The role and its grants reach the workers through Citus.

c -U citus_reader -d postgres <<'SQL'
do $$
declare
  rel text; spec text; dir text; filt jsonb; where_sql text; order_sql text;
  expected bigint[]; got bigint[]; p record; cur text;
begin
  for rel, spec, dir, filt, where_sql, order_sql in values
    ('tenant_rows', 'created_at', 'desc', '{"tenant_id": 7}'::jsonb, 'tenant_id = 7', 'created_at desc, tenant_id desc, id desc'),
    ('tenant_rows', 'created_at', 'asc', null, 'true', 'created_at, tenant_id, id'),
    ('tenant_rows', null, 'asc', null, 'true', 'tenant_id, id'),
    ('events', 'created_at', 'asc', null, 'true', 'created_at, id'),
    ('events', 'kind desc, created_at', 'asc', '{"kind": "a"}', 'kind = ''a''', 'kind desc, created_at, id'),
    ('tenant_events', 'created_at', 'asc', '{"tenant_id": 7}', 'tenant_id = 7', 'created_at, tenant_id, id'),
    ('tenant_events', 'created_at', 'desc', null, 'true', 'created_at desc, tenant_id desc, id desc')
  loop
    execute format('select array_agg(id order by %s) from %I where %s', order_sql, rel, where_sql) into expected;
    got := '{}'; cur := null;
    loop
      select * into p from keyset_page(rel::regclass, spec, dir, cur, 113, filter => filt);
      got := got || array(select (e->>'id')::bigint from json_array_elements(p.rows) e);
      exit when not p.has_more;
      cur := p.next_cursor;
    end loop;
    if got is distinct from expected then
      raise exception '% % forward: % rows, expected %', rel, spec, cardinality(got), cardinality(expected);
    end if;
    got := array(select (e->>'id')::bigint from json_array_elements(p.rows) e);
    cur := p.prev_cursor;
    while cur is not null loop
      select * into p from keyset_page(rel::regclass, spec, dir, null, 113, before => cur, filter => filt);
      got := array(select (e->>'id')::bigint from json_array_elements(p.rows) e) || got;
      exit when not p.has_previous;
      cur := p.prev_cursor;
    end loop;
    if got is distinct from expected then
      raise exception '% % backward: % rows, expected %', rel, spec, cardinality(got), cardinality(expected);
    end if;
  end loop;
end $$;
SQL
echo "ok walks on Citus (tenant-distributed composite key, distributed by id, partitioned by time; filtered, mixed, both ways)"

# A tenant's listing is routed to one shard.
plan=$(c -At -U citus_reader -d postgres -c "select plan from keyset_explain('tenant_rows', 'created_at', 'desc', null, 20, filter => '{\"tenant_id\": 7}')")
grep -q "Task Count: 1" <<<"$plan" || { echo "a tenant's page is not a single-shard query:"; echo "$plan"; exit 1; }
echo "ok a tenant's page is a single-shard router query"

# EXPLAIN ANALYZE through Citus: the page query carries no whole-row value (Citus fails on one inside
# a pushed-down query with 22P02 "malformed record literal").
cursor=$(c -At -U citus_reader -d postgres -c "select next_cursor from keyset_page('events', 'created_at', 'asc', null, 20)")
c -At -U citus_reader -d postgres -c "select plan from keyset_explain('events', 'created_at', 'asc', '$cursor', 20, with_analyze => true)" >/dev/null
c -At -U citus_reader -d postgres -c "select plan from keyset_explain('tenant_rows', 'created_at', 'desc', null, 20, filter => '{\"tenant_id\": 7}', with_analyze => true)" >/dev/null
echo "ok keyset_explain(with_analyze => true) on Citus"

# pg_keyset.has_previous = auto: a page across shards answers has_previous from its cursor, so it
# issues no more remote commands than the hand-written query (the probe was a second round of shard
# queries); `exact` probes; a tenant's page is one router query, probe included, so it stays exact.
remote() { # statements run twice in one session: the remote commands of the second run
  c -U citus_reader -d postgres -c "set citus.log_remote_commands = on" -c "set client_min_messages = log" \
    -c "$1" -c "do \$\$ begin raise log 'pg_keyset marker'; end \$\$" -c "$1" 2>&1 \
    | awk '/pg_keyset marker/ { m = 1 } m && /issuing/ { n++ } END { print n + 0 }'
}
deep=$(c -At -U citus_reader -d postgres -c "select next_cursor from keyset_page('events', 'created_at', 'asc', null, 1000)")
ts_id=$(c -At -U citus_reader -d postgres -c "select created_at, id from events order by created_at, id offset 999 limit 1")
ts=${ts_id%%|*}; id=${ts_id##*|}
auto=$(remote "select * from keyset_page('events', 'created_at', 'asc', '$deep', 20)")
exact=$(remote "set pg_keyset.has_previous = exact; select * from keyset_page('events', 'created_at', 'asc', '$deep', 20)")
hand=$(remote "select * from events where (created_at, id) > ('$ts', $id) order by created_at, id limit 21")
# (Citus issues a command or two more or less per statement as its connections warm: a margin of 2;
# the probe is one more command per shard, 8 here.)
if [ "$auto" -gt $((hand + 2)) ] || [ "$exact" -lt $((auto + 6)) ]; then
  echo "remote commands per page: auto $auto, exact $exact, hand-written $hand"; exit 1
fi
flags=$(c -At -U citus_reader -d postgres -c "select has_previous, prev_cursor is not null from keyset_page('events', 'created_at', 'asc', '$deep', 20)")
[ "$flags" = "t|t" ] || { echo "has_previous behind a cursor on Citus: $flags"; exit 1; }
tenant_sql=$(c -At -U citus_reader -d postgres -c "select sql from keyset_explain('tenant_rows', 'created_at', 'desc', (select next_cursor from keyset_page('tenant_rows', 'created_at', 'desc', null, 50, filter => '{\"tenant_id\": 7}')), 20, filter => '{\"tenant_id\": 7}')")
grep -q "LIMIT 1) IS NOT NULL) AS probe" <<<"$tenant_sql" || { echo "a tenant's page lost its exact probe: $tenant_sql"; exit 1; }
echo "ok has_previous across shards: $auto remote commands per page (hand-written $hand, exact probe $exact); a tenant's page stays exact"

# The time-partitioned, tenant-distributed table: a tenant's page deep in the listing is one
# router query that reads only the partitions from the cursor on (the first three are pruned).
late=$(c -At -U citus_reader -d postgres -c "select next_cursor from keyset_page('tenant_events', 'created_at', 'asc', null, 140, filter => '{\"tenant_id\": 7}')")
plan=$(c -At -U citus_reader -d postgres -c "select plan from keyset_explain('tenant_events', 'created_at', 'asc', '$late', 5, filter => '{\"tenant_id\": 7}', with_analyze => true)")
grep -q "Task Count: 1" <<<"$plan" || { echo "a tenant's page on the partitioned table is not a router query:"; echo "$plan"; exit 1; }
# (The page's scan prunes the first three partitions; the has_previous probe, scanning back from the
# cursor, stops in the fourth: the others are never executed.)
if ! grep -q "Subplans Removed: 3" <<<"$plan" || grep -E "on tenant_events_m[123]_" <<<"$plan" | grep -qv "never executed"; then
  echo "partitions before the cursor were not pruned:"; echo "$plan"; exit 1
fi
echo "ok a tenant's deep page on a time-partitioned distributed table: one shard, one partition"
