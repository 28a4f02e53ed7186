#!/usr/bin/env bash
# Scale-out benchmark (issue 13, item 6), run by `make bench` after the single-server cases, or
# alone: `make bench-scale-out` (which installs the release build first). Real components on one
# machine, each listening on Unix sockets in a directory of its own:
#   - Citus: a coordinator and two workers; `events` distributed by id and `tenant_rows`
#     (PRIMARY KEY (tenant_id, id)) distributed by tenant_id, 32 shards each, SCALE_ROWS rows each;
#   - postgres_fdw: a plain server whose `events_p` is partitioned by id into three foreign tables,
#     each in a shard database of that server (loopback), SCALE_ROWS / 3 rows each.
# Then scripts/bench_scale_out.py: pgbench cases (keyset_page against the hand-written query, first
# and 99% page), remote commands per page on Citus, rows read per shard on fdw.
# Options (environment): SCALE_ROWS (default 200000), BENCH_SECONDS, BENCH_REPS, BENCH_OUT,
# CITUS_PACKAGE (Citus from a package when the system has none; without it the Citus cases are
# skipped with one line).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${SCALE_ROWS:-200000}
PGBIN=/usr/lib/postgresql/15/bin
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
unset RUST_BACKTRACE
if [ "${1:-}" = --install ]; then
  bash scripts/setup.sh
  echo "== building and installing the release build"
  cargo pgrx install --release --pg-config "$PGBIN/pg_config" 2>&1 | tail -n 1
fi

citus=yes
if ! bash scripts/citus_available.sh; then
  echo "== Citus cases skipped: Citus is not installed and CITUS_PACKAGE names no package"
  citus=no
fi

base=$(mktemp -d /tmp/pg_keyset-scale.XXXXXX)
chmod 755 "$base"; chown postgres:postgres "$base"
nodes=(coordinator worker1 worker2 fdw)
ports=(5432 5433 5434 5435)
stop_all() {
  for n in "${nodes[@]}"; do
    if [ -d "$base/$n/data" ]; then
      runuser -u postgres -- "$PGBIN/pg_ctl" -D "$base/$n/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$base"
}
trap stop_all EXIT
trap 'exit 130' INT TERM
start() { # name port [settings...]
  local n=$1 port=$2; shift 2
  install -d -o postgres -g postgres "$base/$n" "$base/$n/data"
  runuser -u postgres -- env -u RUST_BACKTRACE "$PGBIN/initdb" -D "$base/$n/data" -U postgres --auth=trust \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  local opts="-p $port -k $base -c listen_addresses='' -c shared_buffers=512MB -c jit=off -c timezone=UTC"
  opts="$opts -c max_connections=200 -c synchronous_commit=off"
  for s in "$@"; do opts="$opts -c $s"; done
  runuser -u postgres -- env -u RUST_BACKTRACE "$PGBIN/pg_ctl" -D "$base/$n/data" -l "$base/$n/server.log" \
    -o "$opts" -w start >/dev/null
}
export PGHOST=$base PGUSER=postgres PGDATABASE=postgres
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

if [ "$citus" = yes ]; then
  for i in 0 1 2; do
    start "${nodes[$i]}" "${ports[$i]}" shared_preload_libraries=citus,pg_stat_statements \
      "citus.local_hostname=$base" pg_stat_statements.track=top
  done
  for p in 5433 5434; do q -p $p -c "create extension citus"; done
  echo "== Citus: a coordinator and two workers in $base; loading $ROWS rows per table"
  q -p 5432 >/dev/null <<SQL
create extension citus;
create extension pg_stat_statements;
select citus_set_coordinator_host('$base', 5432);
select citus_add_node('$base', 5433);
select citus_add_node('$base', 5434);
create extension pg_keyset;
create table events (id bigint primary key, created_at timestamptz not null, kind text not null,
                     payload text not null);
create index on events (created_at, id);
select create_distributed_table('events', 'id', shard_count => 32);
insert into events select g, timestamptz '2024-01-01 00:00:00+00' + g * interval '7 seconds',
  (array['a','b','c'])[g % 3 + 1], md5(g::text) from generate_series(1, $ROWS) g;
create table tenant_rows (tenant_id int not null, id bigint not null, created_at timestamptz not null,
                          note text not null, primary key (tenant_id, id));
create index on tenant_rows (tenant_id, created_at, id);
select create_distributed_table('tenant_rows', 'tenant_id', shard_count => 32);
insert into tenant_rows select g % 100, g, timestamptz '2024-01-01 00:00:00+00' + g * interval '7 seconds',
  'n' || g from generate_series(1, $ROWS) g;
vacuum analyze events, tenant_rows;
SQL
fi

start fdw 5435 shared_preload_libraries=pg_stat_statements pg_stat_statements.track=top
echo "== postgres_fdw: three shard databases in $base (port 5435); $ROWS rows in all"
per=$((ROWS / 3))
for i in 1 2 3; do
  q -p 5435 -c "create database shard$i"
  q -p 5435 -d "shard$i" <<SQL
create table events (id bigint primary key, created_at timestamptz not null, kind text not null,
                     payload text not null);
insert into events select g, timestamptz '2024-01-01 00:00:00+00' + g * interval '7 seconds',
  (array['a','b','c'])[g % 3 + 1], md5(g::text)
from generate_series(1, $ROWS) g where g % 3 = $i - 1;
create index on events (created_at, id);
vacuum analyze events;
SQL
done
q -p 5435 <<SQL
create extension pg_keyset;
create extension postgres_fdw;
create extension pg_stat_statements;
-- events_p: default servers; events_p_async: async_capable servers; events_p_f21: servers that
-- fetch 21 rows at a time (page_size + 1) instead of postgres_fdw's default 100.
do \$\$ declare variant text; opts text; begin
for variant, opts in values ('', ''), ('_async', ', async_capable ''true'''), ('_f21', ', fetch_size ''21''') loop
  execute format('create table events_p%s (id bigint not null, created_at timestamptz not null, '
                 'kind text not null, payload text not null) partition by list ((id %% 3))', variant);
  for i in 1..3 loop
    execute format('create server shard%s%s foreign data wrapper postgres_fdw options (host %L, port %L, dbname %L%s)',
                   i, variant, '$base', '5435', 'shard' || i, opts);
    execute format('create user mapping for public server shard%s%s options (user %L, password_required %L)',
                   i, variant, 'postgres', 'false');
    execute format('create foreign table events_p%s_%s partition of events_p%s for values in (%s) '
                   'server shard%s%s options (table_name %L, use_remote_estimate %L)',
                   variant, i, variant, i - 1, i, variant, 'events', 'true');
  end loop;
  execute format('analyze events_p%s', variant);
end loop; end \$\$;
SQL

# SCALE_HOLD=1 keeps the servers up for a look (until interrupted) instead of measuring.
if [ -n "${SCALE_HOLD:-}" ]; then echo "== holding: PGHOST=$base"; sleep infinity; fi
python3 scripts/bench_scale_out.py --host "$base" --citus "$citus" --rows "$ROWS" \
  --seconds "${BENCH_SECONDS:-3}" --reps "${BENCH_REPS:-3}" --out "${BENCH_OUT:-bench}"
