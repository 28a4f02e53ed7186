#!/usr/bin/env bash
# PgBouncer in transaction pooling (issue 13, item 4): five clients walk listings at once through
# a PgBouncer with three server connections, so consecutive pages of one walk land on different
# backends (each with its own shape and plan caches) and the cursor is all that carries the walk.
# No prepared statements (PgBouncer 1.18 cannot pool them). Every walk must equal ORDER BY, with no
# error. The walkers are an unprivileged role. Runs against the cluster in PGHOST/PGPORT
# (scripts/test.sh, tier d); PgBouncer comes from apt (scripts/setup.sh).
set -euo pipefail
export PGOPTIONS='-c client_min_messages=warning'
db=pg_keyset_pgbouncer
bouncer=$(mktemp -d /tmp/pg_keyset-pgbouncer.XXXXXX)
chmod 755 "$bouncer"; chown postgres:postgres "$bouncer"
cleanup() {
  [ -f "$bouncer/pgbouncer.pid" ] && kill "$(cat "$bouncer/pgbouncer.pid")" 2>/dev/null || true
  sleep 0.2; rm -rf "$bouncer"
}
trap cleanup EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

q -d postgres -c "drop database if exists $db" -c "create database $db"
q -d "$db" <<'SQL'
create extension pg_keyset;
drop role if exists bouncer_walker;
create role bouncer_walker login;
-- PgBouncer drops the options startup parameter: the role carries the setting instead.
alter role bouncer_walker set client_min_messages = warning;
create table items (id bigint primary key, grp int, created_at timestamptz not null);
insert into items select g, nullif(g % 5, 0), timestamptz '2024-01-01 00:00:00+00' + (g % 300) * interval '1 hour'
from generate_series(1, 1500) g;
create index on items (created_at, id);
create index on items (grp desc, created_at, id);
grant select on items to bouncer_walker;
SQL

cat >"$bouncer/pgbouncer.ini" <<INI
[databases]
$db = host=$PGHOST port=$PGPORT dbname=$db
[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = $bouncer
auth_type = trust
auth_file = $bouncer/users.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 50
logfile = $bouncer/pgbouncer.log
pidfile = $bouncer/pgbouncer.pid
ignore_startup_parameters = extra_float_digits,options
INI
echo '"bouncer_walker" ""' >"$bouncer/users.txt"
chown postgres:postgres "$bouncer"/*
runuser -u postgres -- pgbouncer -d "$bouncer/pgbouncer.ini"
for _ in $(seq 50); do [ -S "$bouncer/.s.PGSQL.6432" ] && break; sleep 0.1; done

# One walk through PgBouncer: a page per connection, the cursor carried by the client.
walk() { # name sort direction order_sql
  local name=$1 sort=$2 dir=$3 order=$4 c="" got="" out rows
  while :; do
    out=$(psql -X -At -v ON_ERROR_STOP=1 -h "$bouncer" -p 6432 -U bouncer_walker -d "$db" -c \
      "select coalesce(next_cursor, '') || '|' || has_more || '|' || coalesce((select string_agg(e->>'id', ',') from json_array_elements(rows) e), '')
       from keyset_page('items', '$sort', '$dir', nullif('$c', ''), 41)")
    c=${out%%|*}; rows=${out##*|}; out=${out#*|}
    got="$got${got:+,}$rows"
    [ "${out%%|*}" = true ] || break
  done
  local expected
  expected=$(psql -X -At -h "$PGHOST" -p "$PGPORT" -d "$db" -c "select string_agg(id::text, ',' order by $order) from items")
  if [ "$got" = "$expected" ]; then echo "ok $name"; else echo "not ok $name"; fi
}
results=$(mktemp)
walk created_at_desc created_at desc "created_at desc, id desc" >>"$results" &
walk created_at_asc created_at asc "created_at, id" >>"$results" &
walk grp_mixed "grp desc nulls last, created_at" asc "grp desc nulls last, created_at, id" >>"$results" &
walk id_desc id desc "id desc" >>"$results" &
walk grp_nulls_first "grp nulls first, created_at" desc "grp desc nulls first, created_at desc, id desc" >>"$results" &
wait
cat "$results"
servers=$(grep -c "new connection to server" "$bouncer/pgbouncer.log" || true)
echo "PgBouncer opened $servers server connections for 5 walkers"
if grep -q "not ok" "$results" || [ "$(grep -c '^ok' "$results")" -ne 5 ]; then rm -f "$results"; exit 1; fi
rm -f "$results"
cleanup
trap - EXIT
q -d postgres -c "drop database $db with (force)" -c "drop role bouncer_walker"
