# Throwaway PostgreSQL 15 clusters for the demo and the benchmark. Source this file, then:
#   cluster_start NAME [extra postgres -c settings...]   # sets CLUSTER_DIR, PGHOST, PGPORT, PGUSER
#   cluster_psql ...                                      # psql against it
# A trap stops the cluster and removes its directory on exit, error or Ctrl-C.
# The cluster listens only on a Unix socket in its own directory, so it cannot clash with any
# other server on the machine whatever port number it uses.

PGBIN=/usr/lib/postgresql/15/bin
CLUSTER_DIR=""

cluster_stop() {
  if [ -n "$CLUSTER_DIR" ] && [ -d "$CLUSTER_DIR/data" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  [ -n "$CLUSTER_DIR" ] && rm -rf "$CLUSTER_DIR"
  CLUSTER_DIR=""
}

cluster_start() {
  local name=$1; shift
  CLUSTER_DIR=$(mktemp -d "/tmp/pg_keyset-$name.XXXXXX")
  trap cluster_stop EXIT
  trap 'exit 130' INT TERM
  chmod 755 "$CLUSTER_DIR"
  chown postgres:postgres "$CLUSTER_DIR"
  install -d -o postgres -g postgres "$CLUSTER_DIR/data" "$CLUSTER_DIR/sock"
  # RUST_BACKTRACE would put Rust backtraces into error DETAILs (docs/testing.md, Toolchain).
  runuser -u postgres -- env -u RUST_BACKTRACE "$PGBIN/initdb" -D "$CLUSTER_DIR/data" -U postgres \
    --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  local opts="-p 5432 -k $CLUSTER_DIR/sock -c listen_addresses=''"
  for s in "$@"; do opts="$opts -c $s"; done
  runuser -u postgres -- env -u RUST_BACKTRACE "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" \
    -l "$CLUSTER_DIR/server.log" -o "$opts" -w start >/dev/null
  export PGHOST="$CLUSTER_DIR/sock" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
}

cluster_psql() {
  psql -X -v ON_ERROR_STOP=1 "$@"
}
