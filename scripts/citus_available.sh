#!/usr/bin/env bash
# Exits 0 when Citus is installed for the system's PostgreSQL 15 — from the system, else installed
# now from the package CITUS_PACKAGE names (on these machines
# ../shared/vendor/citus-13.2.2-pg15-debian12.tar.gz: see README, Scaling out); 1 when neither.
# Used by tests/scripts/citus_walks.sh and scripts/bench_scale_out.sh.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
extdir=$("$PGBIN/pg_config" --sharedir)/extension
[ -f "$extdir/citus.control" ] && exit 0
[ -n "${CITUS_PACKAGE:-}" ] && [ -f "$CITUS_PACKAGE" ] || exit 1
unpack=$(mktemp -d)
trap 'rm -rf "$unpack"' EXIT
tar -xzf "$CITUS_PACKAGE" -C "$unpack"
PG_CONFIG="$PGBIN/pg_config" sh "$unpack"/*/install.sh >/dev/null
[ -f "$extdir/citus.control" ]
