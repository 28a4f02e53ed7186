#!/usr/bin/env bash
# Real clients (release issue, item 5): the examples under examples/ run against this cluster.
# - Python, psycopg 3 (examples/python/walk.py) and Node, pg (examples/node/walk.js), as an
#   unprivileged role: each walks a 500-row table forwards to the end and backwards to the start
#   for two listings (with ties; with NULLs and mixed directions), each walk equal to ORDER BY; a
#   cursor damaged mid-walk is refused with SQLSTATE 22023 and the client starts again from the
#   first page, and a cursor handed to another listing is 22023 too.
# - PostgREST v12 (examples/postgrest/run.sh): the exact statements PostgREST sends for GET and
#   POST /rpc/keyset_page, as its login role switching to the JWT's role: RLS per tenant on walks
#   both ways, and every error a client can cause mapped to its HTTP status by PostgREST's rules.
# The clients' dependencies come from the package registries, pinned (requirements.txt,
# package-lock.json), installed once: a venv in $PG_KEYSET_EXAMPLES_CACHE
# (default /var/cache/pg_keyset-examples), reinstalled only when requirements.txt changes, and
# examples/node/node_modules (gitignored), installed by `npm ci` only when missing or stale.
# Runs against the cluster in PGHOST/PGPORT as the superuser PGUSER (scripts/test.sh, tier d).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
db=pg_keyset_clients
cache=${PG_KEYSET_EXAMPLES_CACHE:-/var/cache/pg_keyset-examples}
export PGOPTIONS='-c client_min_messages=warning'
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
apt_install() { # as root on Debian 12; apt-get update only if the first try cannot find the package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

# --- Python: a venv with the pinned psycopg --------------------------------------------------------
# Debian's python3; its python3-venv is installed only if a venv cannot be made without it.
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
venv="$cache/venv"
req="$repo/examples/python/requirements.txt"
if ! cmp -s "$req" "$venv/requirements.txt" 2>/dev/null || ! "$venv/bin/python" -c 'import psycopg' 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$cache"
  if ! "$py" -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"; apt_install python3-venv; "$py" -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.txt"   # the stamp: what this venv was installed from
fi
echo "ok python deps: psycopg $("$venv/bin/python" -c 'import psycopg; print(psycopg.__version__)') ($("$venv/bin/python" -c 'import psycopg; print(psycopg.pq.__impl__)') libpq)"

# --- Node: node_modules from the lock file ---------------------------------------------------------
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
nodedir="$repo/examples/node"
want_pg=$(node -p "require('$nodedir/package.json').dependencies.pg")
have_pg=$(node -p "try { require('$nodedir/node_modules/pg/package.json').version } catch (e) { '' }")
if [ "$have_pg" != "$want_pg" ]; then
  # --prefer-offline: from npm's cache when it has the pinned tarballs.
  npm ci --prefix "$nodedir" --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "ok node deps: pg $(node -p "require('$nodedir/node_modules/pg/package.json').version"), node $(node --version)"

# --- The database ----------------------------------------------------------------------------------
drop_all() {
  psql -X -q -d postgres -c "drop database if exists $db with (force)" >/dev/null
  for r in keyset_client authenticator web_user web_anon; do
    psql -X -q -d postgres -c "drop role if exists $r" >/dev/null
  done
}
drop_all
trap drop_all EXIT
q -d postgres -c "create database $db"
q -d "$db" <<'SQL'
create schema keyset;
create extension pg_keyset schema keyset;
create role keyset_client login;
grant usage on schema keyset to keyset_client;
-- 500 rows: created_at repeats (ties broken by id), category has NULLs.
create table public.items (
  id bigint primary key,
  created_at timestamptz not null,
  category text,
  title text not null
);
insert into public.items
select g, timestamptz '2024-01-01 00:00:00+00' + (g % 83) * interval '1 minute',
       case when g % 7 = 0 then null else (array['alpha', 'beta', 'gamma'])[g % 3 + 1] end,
       'item ' || g
from generate_series(1, 500) g;
create index on public.items (created_at, id);
create index on public.items (category desc nulls last, created_at, id);
analyze public.items;
grant select on public.items to keyset_client;
SQL
q -d "$db" -f "$repo/examples/postgrest/setup.sql"

# --- The clients -----------------------------------------------------------------------------------
failed=0
run() { # name command...: runs it, a non-zero exit is a failure
  local name=$1; shift
  if ! "$@"; then echo "not ok $name exited non-zero"; failed=1; fi
}
listing1=(--relation public.items --sort "created_at desc" --page-size 37 --order-by "created_at desc, id desc" --tamper-at 3)
listing2=(--relation public.items --sort "category desc nulls last, created_at" --page-size 50
          --order-by "category desc nulls last, created_at, id" --tamper-at 5)
export PGDATABASE=$db
PGUSER=keyset_client run "python walk 1" "$venv/bin/python" "$repo/examples/python/walk.py" "${listing1[@]}"
PGUSER=keyset_client run "python walk 2" "$venv/bin/python" "$repo/examples/python/walk.py" "${listing2[@]}"
PGUSER=keyset_client run "node walk 1" node "$nodedir/walk.js" "${listing1[@]}"
PGUSER=keyset_client run "node walk 2" node "$nodedir/walk.js" "${listing2[@]}"
run "postgrest" bash "$repo/examples/postgrest/run.sh" "$db"
exit "$failed"
