#!/usr/bin/env bash
# Kept listing shapes (src/shape_cache.rs) against DDL committed by another session while a call
# waits for its lock. Two races an attacker found, each made deterministic: the DDL session takes
# its lock first, the paging session (an unprivileged role, its shape already kept) is started
# once the lock is held and blocks on it, and the DDL commits a moment later.
#  1. A middle view of a stack is replaced so a sort column can be NULL: the waiting call must page
#     with the new definition (the NULL row included), not the kept NOT NULL flags.
#  2. SELECT on a view is revoked while a first call resolves it (waiting on the view's base
#     table): the privilege decision made before the REVOKE must not be kept for later calls.
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh, tier d).
set -euo pipefail
db=pg_keyset_ddl_shapes
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "drop database if exists $db" -c "create database $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
create extension pg_keyset;
drop role if exists shape_reader;
create role shape_reader login;
create table sc (id int primary key, x text not null);
insert into sc select g, 'x' || g from generate_series(1, 8) g;
create index on sc (x, id);
create view c1 as select id, x from sc;
create view c2 as select id, x from c1;
create table base (id int primary key, secret text not null);
insert into base select g, 's' || g from generate_series(1, 5) g;
create view v as select id, secret from base;
grant select on c2, v to shape_reader;
SQL

# Waits until some session waits for a lock on relation $1.
wait_for_waiter() {
  for _ in $(seq 200); do
    n=$(psql -X -At -d "$db" -c "select count(*) from pg_locks where not granted and relation = '$1'::regclass")
    [ "$n" -gt 0 ] && return 0
    sleep 0.05
  done
  echo "nobody waited for $1"; return 1
}
# Waits until the DDL session holds its lock on relation $1.
wait_for_holder() {
  for _ in $(seq 200); do
    n=$(psql -X -At -d "$db" -c "select count(*) from pg_locks where granted and mode = 'AccessExclusiveLock' and relation = '$1'::regclass")
    [ "$n" -gt 0 ] && return 0
    sleep 0.05
  done
  echo "the DDL session never locked $1"; return 1
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# 1. The replaced middle view. The reader keeps the shape (first call) and sleeps; meanwhile
#    another session replaces c1 so that x5 becomes NULL, and holds it uncommitted while the
#    reader's second call waits for c1.
psql -X -q -At -v ON_ERROR_STOP=1 -U shape_reader -d "$db" >"$out" <<'SQL' &
select next_cursor as c from keyset_page('c2', 'x', page_size => 1) \gset
select json_array_length(rows) from keyset_page('c2', 'x', after => :'c', page_size => 100);
select pg_sleep(1.5) is null as slept;
select json_array_length(rows), has_more from keyset_page('c2', 'x', after => :'c', page_size => 100);
SQL
reader=$!
for _ in $(seq 200); do
  n=$(psql -X -At -d "$db" -c "select count(*) from pg_stat_activity where usename = 'shape_reader' and query like '%pg_sleep(1.5)%'")
  [ "$n" -gt 0 ] && break
  sleep 0.05
done
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "begin; create or replace view c1 as select id, nullif(x, 'x5') as x from sc; select pg_sleep(3); commit;" >/dev/null &
ddl=$!
wait_for_holder c1
wait_for_waiter c1
wait "$ddl"
wait "$reader"
echo "replaced middle view: $(tr '\n' ' ' <"$out")"
# The 7 rows after the first, NULL block included (before the fix: 6, the NULL row left out).
[ "$(sed -n 3p "$out")" = "7|f" ]

# 2. The revoked view. The DDL session locks the base table first, so the reader's first call
#    resolves (its privilege check passes) and then waits for the base; the REVOKE commits.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "begin; lock table base in access exclusive mode; select pg_sleep(2); revoke select on v from shape_reader; grant select (id) on v to shape_reader; commit;" >/dev/null &
ddl=$!
wait_for_holder base
psql -X -q -At -U shape_reader -d "$db" >"$out" 2>&1 <<SQL &
select has_more from keyset_page_info('v', 'id', page_size => 2);
select has_more from keyset_page_info('v', 'id', page_size => 2);
SQL
reader=$!
wait_for_waiter base
wait "$ddl"
wait "$reader" || true
echo "revoked view: $(tr '\n' ' ' <"$out")"
# The second call decides afresh: SELECT on every column is gone (before the fix it passed).
grep -q "permission denied for view v" "$out"

psql -X -q -d postgres -c "drop database $db with (force)" -c "drop role shape_reader"
echo ok
