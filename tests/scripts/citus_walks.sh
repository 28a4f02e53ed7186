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
extdir=$("$PGBIN/pg_config" --sharedir)/extension
if [ ! -f "$extdir/citus.control" ]; then
  if [ -n "${CITUS_PACKAGE:-}" ] && [ -f "$CITUS_PACKAGE" ]; then
    unpack=$(mktemp -d)
    tar -xzf "$CITUS_PACKAGE" -C "$unpack"
    PG_CONFIG="$PGBIN/pg_config" sh "$unpack"/*/install.sh >/dev/null
    rm -rf "$unpack"
  else
    echo "skipped: Citus is not installed and CITUS_PACKAGE names no package (see README, Scaling out)"
    exit 0
  fi
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
grant select on tenant_rows, events to citus_reader;
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
    ('events', 'kind desc, created_at', 'asc', '{"kind": "a"}', 'kind = ''a''', 'kind desc, created_at, id')
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
echo "ok walks on Citus (tenant-distributed composite key, distributed by id; filtered, mixed, both ways)"

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
