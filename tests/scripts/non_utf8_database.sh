#!/usr/bin/env bash
# CREATE EXTENSION refuses a database whose encoding is not UTF8, with SQLSTATE 22021 and a
# HINT, and leaves nothing behind. Runs against the cluster in PGHOST/PGPORT (tier d).
set -euo pipefail
db=pg_keyset_latin1
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "drop database if exists $db" \
  -c "create database $db encoding 'LATIN1' template template0 lc_collate 'C' lc_ctype 'C'"
out=$(psql -X -q -d "$db" -v VERBOSITY=verbose -c "create extension pg_keyset" 2>&1 || true)
echo "$out"
echo "$out" | grep -q 'ERROR:  22021: pg_keyset requires a UTF8 database, not LATIN1'
echo "$out" | grep -q "HINT:  Install pg_keyset in a database created with ENCODING 'UTF8'."
left=$(psql -X -q -A -t -d "$db" -c "select count(*) from pg_extension where extname = 'pg_keyset'")
[ "$left" = 0 ]
psql -X -q -d postgres -c "drop database $db"
