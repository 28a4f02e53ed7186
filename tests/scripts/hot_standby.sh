#!/usr/bin/env bash
# Hot standby (issue 13, item 4): a streaming standby of tier c's cluster, made with pg_basebackup.
# On the standby, as an unprivileged role: walks forwards and backwards equal ORDER BY; a cursor
# minted on the primary continues on the standby and gives the page the primary gives (and back);
# DDL replayed from the primary (a new column, a dropped index) is seen by the standby's next call.
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh, tier d).
set -euo pipefail
export PGOPTIONS='-c client_min_messages=warning'
PGBIN=/usr/lib/postgresql/15/bin
db=pg_keyset_standby
primary_host=$PGHOST
standby=$(mktemp -d /tmp/pg_keyset-standby.XXXXXX)
chmod 755 "$standby"; chown postgres:postgres "$standby"
install -d -o postgres -g postgres "$standby/sock"
stop_standby() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$standby/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$standby"
}
trap stop_standby EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
qs() { PGHOST="$standby/sock" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

q -d postgres -c "drop database if exists $db" -c "create database $db"
q -d "$db" <<'SQL'
create extension pg_keyset;
drop role if exists standby_reader;
create role standby_reader login;
create table items (id bigint primary key, grp int, created_at timestamptz not null, note text not null);
insert into items select g, nullif(g % 7, 0), timestamptz '2024-01-01 00:00:00+00' + (g % 500) * interval '1 hour', 'n' || g
from generate_series(1, 2000) g;
create index items_created_at_id on items (created_at, id);
create index on items (grp, id);
grant select on items to standby_reader;
SQL

runuser -u postgres -- "$PGBIN/pg_basebackup" -h "$primary_host" -p "$PGPORT" -U postgres -D "$standby/data" -R -X stream -c fast
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$standby/data" -l "$standby/server.log" \
  -o "-p $PGPORT -k $standby/sock -c listen_addresses='' -c hot_standby=on" -w start >/dev/null
[ "$(qs -At -d "$db" -c 'select pg_is_in_recovery()')" = t ] || { echo "not a standby"; exit 1; }

# Waits until the standby has replayed everything the primary has written.
caught_up() {
  local lsn; lsn=$(q -At -d postgres -c "select pg_current_wal_lsn()")
  for _ in $(seq 100); do
    [ "$(qs -At -d postgres -c "select pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
    sleep 0.1
  done
  echo "the standby did not catch up"; exit 1
}
caught_up

walk=$(cat <<'SQL'
do $$
declare
  spec text; dir text; order_sql text; expected bigint[]; got bigint[]; p record; c text;
begin
  for spec, dir, order_sql in values
    ('created_at', 'desc', 'created_at desc, id desc'),
    ('grp nulls first, created_at', 'asc', 'grp nulls first, created_at, id'),
    ('grp desc, id', 'asc', 'grp desc, id')
  loop
    execute format('select array_agg(id order by %s) from items', order_sql) into expected;
    got := '{}'; c := null;
    loop
      select * into p from keyset_page('items', spec, dir, c, 83);
      got := got || array(select (e->>'id')::bigint from json_array_elements(p.rows) e);
      exit when not p.has_more;
      c := p.next_cursor;
    end loop;
    if got is distinct from expected then raise exception '% forward differs on the standby', spec; end if;
    got := array(select (e->>'id')::bigint from json_array_elements(p.rows) e);
    c := p.prev_cursor;
    while c is not null loop
      select * into p from keyset_page('items', spec, dir, null, 83, before => c);
      got := array(select (e->>'id')::bigint from json_array_elements(p.rows) e) || got;
      exit when not p.has_previous;
      c := p.prev_cursor;
    end loop;
    if got is distinct from expected then raise exception '% backward differs on the standby', spec; end if;
  end loop;
end $$;
SQL
)
qs -U standby_reader -d "$db" -c "$walk"
echo "ok walks on the standby"

# Cursors cross between primary and standby: same pages, same cursors, both ways.
page() { # host cursor -> rows|next_cursor
  PGHOST=$1 psql -X -q -At -v ON_ERROR_STOP=1 -U standby_reader -d "$db" \
    -c "select rows::text || '|' || coalesce(next_cursor, '') from keyset_page('items', 'created_at', 'desc', nullif('$2', ''), 50)"
}
p1=$(page "$primary_host" ""); c1=${p1##*|}
s2=$(page "$standby/sock" "$c1"); p2=$(page "$primary_host" "$c1")
[ "$s2" = "$p2" ] || { echo "page 2 differs between standby and primary"; exit 1; }
c2=${s2##*|}
[ "$(page "$primary_host" "$c2")" = "$(page "$standby/sock" "$c2")" ] || { echo "page 3 differs"; exit 1; }
echo "ok cursors cross between primary and standby"

# DDL on the primary, replayed: the standby's next call (same session, shape kept) sees it.
keep=$(mktemp); trap 'stop_standby; rm -f "$keep"' EXIT
{
  echo "select json_array_length(rows) from keyset_page('items', 'created_at', 'desc', null, 5);"
  echo "\\! psql -X -q -v ON_ERROR_STOP=1 -h '$primary_host' -d $db -c 'alter table items add column extra int default 7' -c 'drop index items_created_at_id'"
  # Until the standby has replayed it (each statement of the loop takes a new snapshot).
  echo "do \$\$ begin for i in 1..100 loop perform 1 from pg_attribute where attrelid = 'items'::regclass and attname = 'extra'; exit when found; perform pg_sleep(0.1); end loop; end \$\$;"
  echo "select (rows -> 0 ->> 'extra') as extra from keyset_page('items', 'created_at', 'desc', null, 5);"
} >"$keep"
out=$(PGHOST="$standby/sock" psql -X -At -v ON_ERROR_STOP=1 -d "$db" -f "$keep")
[ "$(tail -n 1 <<<"$out")" = 7 ] || { echo "the standby session did not see the new column: $out"; exit 1; }
caught_up
extra=$(qs -At -U standby_reader -d "$db" -c "select rows -> 0 ->> 'extra' from keyset_page('items', 'created_at', 'desc', null, 5)")
[ "$extra" = 7 ] || { echo "a new standby session did not see the new column: '$extra'"; exit 1; }
qs -U standby_reader -d "$db" -c "$walk"
echo "ok DDL replayed from the primary is seen by the standby's next call"
q -d postgres -c "drop database $db" -c "drop role standby_reader"
