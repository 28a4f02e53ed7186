# Crash canary for every test tier that runs a server. Source this file, then:
#   canary_open NAME HOST PORT      # an idle control connection, kept open by a FIFO
#   canary_alive NAME               # 0 if it still answers a query (call before stopping)
#   canary_shutdown_clean NAME      # 0 if it ended by a shutdown, not by a crash
#   canary_scan_log FILE            # 0 if the server log shows no crashed backend
#
# A backend killed by a signal makes the postmaster end every other session, the idle control
# connection included: it then cannot answer. (pg_postmaster_start_time() cannot tell: it does
# not change when the postmaster reinitializes after a crash.) The servers also run with
# restart_after_crash = off, so a crash takes the whole server down and every later test fails.

CANARY_DIR=${CANARY_DIR:-$(mktemp -d /tmp/pg_keyset-canary.XXXXXX)}
declare -A CANARY_FD=()

canary_open() { # name host port
  local name=$1 host=$2 port=$3 fifo="$CANARY_DIR/$1.in" fd
  rm -f "$fifo"
  mkfifo "$fifo"
  chmod 644 "$fifo"
  # -X: no psqlrc; ON_ERROR_STOP off so it keeps reading after anything.
  psql -X -q -A -t -h "$host" -p "$port" -U postgres -d postgres <"$fifo" >"$CANARY_DIR/$name.out" 2>&1 &
  exec {fd}>"$fifo"
  CANARY_FD[$name]=$fd
  echo "select 'canary connected ' || pg_catalog.pg_backend_pid();" >&"$fd"
  local i
  for i in $(seq 1 100); do
    grep -q 'canary connected' "$CANARY_DIR/$name.out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "canary $name: the control connection did not connect:"
  cat "$CANARY_DIR/$name.out"
  return 1
}

canary_alive() { # name
  local name=$1 fd=${CANARY_FD[$1]} i
  echo "select 'canary alive';" >&"$fd" 2>/dev/null || true
  for i in $(seq 1 100); do
    grep -q '^canary alive' "$CANARY_DIR/$name.out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "canary $name: the idle control connection no longer answers (a backend crashed?):"
  cat "$CANARY_DIR/$name.out"
  return 1
}

canary_shutdown_clean() { # name: for a server someone else stops (pgrx's test server)
  local name=$1 fd=${CANARY_FD[$1]} i
  echo "select 'canary after shutdown';" >&"$fd" 2>/dev/null || true
  exec {fd}>&-
  for i in $(seq 1 50); do
    grep -qE 'administrator command|canary after shutdown|could not connect|closed the connection' "$CANARY_DIR/$name.out" && break
    sleep 0.1
  done
  if grep -qE 'crash of another server process|terminated by signal' "$CANARY_DIR/$name.out"; then
    echo "canary $name: the control connection was ended by a backend crash:"
    cat "$CANARY_DIR/$name.out"
    return 1
  fi
  return 0
}

canary_close() { # name
  local fd=${CANARY_FD[$1]}
  exec {fd}>&- 2>/dev/null || true
}

canary_scan_log() { # file
  local hits
  hits=$(grep -nE 'terminated by signal|server process .* was terminated|server process .* exited with exit code [^0]|terminating any other active server processes|PANIC:' "$1" 2>/dev/null | head -n 20)
  if [ -n "$hits" ]; then
    echo "crash canary: the server log $1 shows a crashed backend:"
    echo "$hits"
    grep -nB5 -A5 -E 'terminated by signal|was terminated' "$1" | head -n 60
    return 1
  fi
  return 0
}
