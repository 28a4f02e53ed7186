#!/usr/bin/env bash
# Plays HTTP requests to PostgREST v12's /rpc/keyset_page as the exact SQL PostgREST sends
# (settings.sql, call.sql, request.sql), against a database prepared by setup.sql, and checks:
#   - GET walks forwards (after => next_cursor) and backwards (before => prev_cursor) as web_user
#     with a tenant claim equal the tenant's rows by ORDER BY: row-level security per request;
#   - POST walks with a filter object, both ways, as another tenant;
#   - requests of different tenants and roles in one pooled connection each see their own rows
#     (the settings are transaction-local);
#   - every error a client can cause maps to the HTTP status PostgREST gives it
#     (src/PostgREST/Error.hs, pgErrorStatus, ported below): 22023 -> 400, 42501 -> 401 for the
#     anonymous role and 403 for a JWT role, 42P01 -> 404, 42883 -> 404.
# No PostgREST binary is needed: the statements are PostgREST's own (see settings.sql and call.sql).
#
#   PGHOST=... PGPORT=... PGUSER=<superuser> bash examples/postgrest/run.sh DBNAME
# The superuser only reads the expected listings; every request runs as PostgREST's login role,
# authenticator. Exits non-zero on any mismatch. PGRST_STRICT_4XX=1 also fails on the known
# errors PostgREST answers with a 5xx (see the "gap" lines).
set -euo pipefail
db=${1:?usage: run.sh DBNAME}
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp /tmp/pg_keyset-postgrest.XXXXXX)
# On an unexpected exit (psql could not connect, say), show what the server said.
trap 'rc=$?; [ "$rc" -eq 0 ] || tail -n 20 "$log"; rm -f "$log"' EXIT
failures=0
gaps=0
pass() { echo "ok postgrest $*"; }
fail() { echo "not ok postgrest $*"; failures=$((failures + 1)); }

# PostgREST's values for these requests. search_path: db-schemas' schema, then
# db-extra-search-path (Query.hs: escapeIdentList (iSchema : configDbExtraSearchPath)).
search_path='"keyset", "public"'
path=/rpc/keyset_page
cookies='{}'
headers_for() { # role -> request.headers as PostgREST writes them (lower-case names, no cookie;
  # PostgREST's key order is its hash map's, which nothing here depends on)
  if [ "$1" = web_anon ]; then
    echo '{"accept":"application/json","host":"localhost:3000","user-agent":"curl/7.88.1"}'
  else
    echo '{"accept":"application/json","authorization":"Bearer <the JWT>","host":"localhost:3000","user-agent":"curl/7.88.1"}'
  fi
}
claims_for() { # role tenant -> request.jwt.claims: the JWT's claims, "role" set by PostgREST (Auth.hs)
  if [ -z "${2:-}" ]; then echo "{\"role\":\"$1\"}"; else echo "{\"role\":\"$1\",\"tenant\":\"$2\"}"; fi
}

# request METHOD ROLE TENANT STMT ARGS_JSON -> request.sql's line: ok|... or error|SQLSTATE.
# One connection per request, as authenticator.
request() {
  local method=$1 role=$2 tenant=$3 stmt=$4 args=$5
  psql -X -q -At -U authenticator -d "$db" \
    -v search_path="$search_path" -v role="$role" -v claims="$(claims_for "$role" "$tenant")" \
    -v method="$method" -v path="$path" -v headers="$(headers_for "$role")" -v cookies="$cookies" \
    -v stmt="$stmt" -v args="$args" \
    -f "$here/settings.sql" -f "$here/request.sql" 2>>"$log"
}

# pgErrorStatus from src/PostgREST/Error.hs (v12.2.12): SQLSTATE, authenticated? -> HTTP status.
# authenticated is "the role is not db-anon-role" (App.hs: Just authRole /= configDbAnonRole).
http_status() {
  local c=$1 authed=$2
  case "$c" in
    08*) echo 503 ;; 09*) echo 500 ;; 0L*) echo 403 ;; 0P*) echo 403 ;;
    23503|23505) echo 409 ;; 25006) echo 405 ;;
    21000) echo 500 ;;  # 400 only for pg-safeupdate's "requires a WHERE clause"
    25*) echo 500 ;; 28*) echo 403 ;; 2D*) echo 500 ;; 38*) echo 500 ;; 39*) echo 500 ;;
    3B*) echo 500 ;; 40*) echo 500 ;; 53400) echo 500 ;; 53*) echo 503 ;; 54*) echo 500 ;;
    55*) echo 500 ;; 57P01) echo 503 ;; 57*) echo 500 ;; 58*) echo 500 ;; F0*) echo 500 ;;
    HV*) echo 500 ;; P0001) echo 400 ;; P0*) echo 500 ;; XX*) echo 500 ;;
    42883) echo 404 ;;  # 406 only for "function xmlagg(" messages
    42P01) echo 404 ;; 42P17) echo 500 ;;
    42501) if [ "$authed" = yes ]; then echo 403; else echo 401; fi ;;
    PT???) echo "${c:2}" ;;  # RAISE ... USING ERRCODE = 'PT404': the status itself
    # (PGRST, a RAISE with a JSON message choosing the status, is not raised by keyset_page)
    *) echo 400 ;;
  esac
}

ids_of() { # line -> the ids field
  local IFS='|'; local f; read -r -a f <<<"$1"; echo "${f[5]:-}"
}
field() { # line index -> field
  local IFS='|'; local f; read -r -a f <<<"$1"; echo "${f[$2]:-}"
}
expected() { # where order -> ids by ORDER BY, read by the superuser (no RLS)
  psql -X -At -d "$db" -c "select coalesce(string_agg(id::text, ',' order by $2), '') from public.documents where $1"
}

# --- GET walks, as web_user of tenant acme: forwards to the end, backwards to the start -----------
get_walk() { # tenant sort direction page_size order
  local tenant=$1 sort=$2 dir=$3 size=$4 order=$5 line got="" cursor="" tenants="" pages=0
  local base="\"relation\":\"documents\",\"sort\":\"$sort\",\"direction\":\"$dir\",\"page_size\":\"$size\""
  line=$(request GET web_user "$tenant" pgrst_call_first "{$base}")
  while :; do
    [ "$(field "$line" 0)" = ok ] || { fail "GET walk $tenant: $line"; return; }
    pages=$((pages + 1)); got="$got${got:+,}$(ids_of "$line")"; tenants="$tenants $(field "$line" 6)"
    [ "$(field "$line" 2)" = true ] || break
    cursor=$(field "$line" 1)
    line=$(request GET web_user "$tenant" pgrst_call_after "{$base,\"after\":\"$cursor\"}")
  done
  local want; want=$(expected "tenant = '$tenant'" "$order")
  if [ "$got" = "$want" ]; then pass "GET walk forwards, tenant $tenant: $pages pages equal ORDER BY $order"
  else fail "GET walk forwards, tenant $tenant: got $got, expected $want"; fi
  if [ -z "$(tr ' ' '\n' <<<"$tenants" | grep -v -x -e "$tenant" -e '' || true)" ]; then
    pass "GET walk, tenant $tenant: RLS, every row is the tenant's"
  else fail "GET walk, tenant $tenant: rows of other tenants: $tenants"; fi
  # Backwards from the last page: before => prev_cursor until has_previous is false.
  local back; back=$(ids_of "$line")
  while [ "$(field "$line" 4)" = true ]; do
    cursor=$(field "$line" 3)
    line=$(request GET web_user "$tenant" pgrst_call_before "{$base,\"before\":\"$cursor\"}")
    [ "$(field "$line" 0)" = ok ] || { fail "GET walk backwards $tenant: $line"; return; }
    back="$(ids_of "$line"),$back"
  done
  if [ "$back" = "$want" ]; then pass "GET walk backwards, tenant $tenant: equals ORDER BY $order"
  else fail "GET walk backwards, tenant $tenant: got $back, expected $want"; fi
}
get_walk acme created_at desc 25 "created_at desc, id desc"
get_walk initech created_at asc 7 "created_at, id"

# --- POST walks with a filter object, as web_user of tenant globex --------------------------------
post_walk() { # tenant filter_json filter_sql
  local tenant=$1 filter=$2 where=$3 line got="" after=null before=null pages=0
  body() { echo "{\"relation\": \"documents\", \"sort\": \"created_at\", \"direction\": \"asc\", \"after\": $after, \"page_size\": 20, \"before\": $before, \"filter\": $filter}"; }
  line=$(request POST web_user "$tenant" pgrst_call_all "$(body)")
  while :; do
    [ "$(field "$line" 0)" = ok ] || { fail "POST walk $tenant: $line"; return; }
    pages=$((pages + 1)); got="$got${got:+,}$(ids_of "$line")"
    [ "$(field "$line" 2)" = true ] || break
    after="\"$(field "$line" 1)\""
    line=$(request POST web_user "$tenant" pgrst_call_all "$(body)")
  done
  local want; want=$(expected "tenant = '$tenant' and $where" "created_at, id")
  if [ "$got" = "$want" ]; then pass "POST walk forwards with filter $filter, tenant $tenant: $pages pages equal ORDER BY"
  else fail "POST walk forwards, tenant $tenant: got $got, expected $want"; fi
  local back; back=$(ids_of "$line"); after=null
  while [ "$(field "$line" 4)" = true ]; do
    before="\"$(field "$line" 3)\""
    line=$(request POST web_user "$tenant" pgrst_call_all "$(body)")
    [ "$(field "$line" 0)" = ok ] || { fail "POST walk backwards $tenant: $line"; return; }
    back="$(ids_of "$line"),$back"
  done
  if [ "$back" = "$want" ]; then pass "POST walk backwards with filter, tenant $tenant: equals ORDER BY"
  else fail "POST walk backwards, tenant $tenant: got $back, expected $want"; fi
}
post_walk globex '{"kind": "invoice"}' "kind = 'invoice'"

# --- One pooled connection, three requests: acme, globex, then anonymous ---------------------------
# PostgREST reuses connections across requests; the role and the claims are transaction-local,
# so each request sees only its own rows, and the anonymous one nothing.
first='{"relation":"documents","sort":"created_at","direction":"desc","page_size":"5"}'
pooled=$(psql -X -q -At -U authenticator -d "$db" -v search_path="$search_path" -v path="$path" \
  -v cookies="$cookies" -v stmt=pgrst_call_first -v args="$first" -v method=GET \
  -v c1="$(claims_for web_user acme)" -v c2="$(claims_for web_user globex)" -v c3="$(claims_for web_anon)" \
  -v h1="$(headers_for web_user)" -v h3="$(headers_for web_anon)" 2>>"$log" <<EOF
\ir $here/settings.sql
\set role web_user
\set claims :c1
\set headers :h1
\ir $here/request.sql
\set claims :c2
\ir $here/request.sql
\set role web_anon
\set claims :c3
\set headers :h3
\ir $here/request.sql
EOF
) || true
if [ "$(cut -d'|' -f7 <<<"$pooled" | sed -n 1p)" = acme ] && [ "$(cut -d'|' -f7 <<<"$pooled" | sed -n 2p)" = globex ] \
   && [ "$(sed -n 3p <<<"$pooled")" = "error|42501" ]; then
  pass "one pooled connection: acme sees acme's rows, then globex globex's, then web_anon gets 42501"
else
  fail "pooled connection: $(tr '\n' ' ' <<<"$pooled")"
fi

# --- Errors: real errors from real requests, SQLSTATE -> HTTP status -------------------------------
acme_first=$(request GET web_user acme pgrst_call_first "$first")
good=$(field "$acme_first" 1)
tampered="${good%???}AAA"
asc_cursor=$(field "$(request GET web_user acme pgrst_call_first '{"relation":"documents","sort":"created_at","direction":"asc","page_size":"5"}')" 1)
missing_oid=$(psql -X -q -At -d "$db" -c "create table public.gone (id int primary key)" \
  -c "select 'public.gone'::regclass::oid" -c "drop table public.gone")

echo
echo "# errors a client can cause: SQLSTATE from the real request, HTTP status by pgErrorStatus"
printf '# %-6s %-60s %-9s %-8s %s\n' result request role SQLSTATE HTTP
# check NAME METHOD ROLE TENANT STMT ARGS EXPECTED_SQLSTATE EXPECTED_STATUS [gap]
# A "gap" is an error PostgREST answers with a 5xx although the client caused it: reported on a
# line of its own, a failure only with PGRST_STRICT_4XX=1.
check() {
  local name=$1 method=$2 role=$3 tenant=$4 stmt=$5 args=$6 want_state=$7 want_status=$8 gap=${9:-}
  local line state status authed=yes result
  [ "$role" = web_anon ] && authed=no
  line=$(request "$method" "$role" "$tenant" "$stmt" "$args")
  if [ "$(field "$line" 0)" = error ]; then state=$(field "$line" 1); status=$(http_status "$state" "$authed")
  else state=none; status=200; fi
  if [ "$state" != "$want_state" ]; then result="not ok"
  elif [ -n "$gap" ] && [ "${status:0:1}" != 4 ]; then
    result=gap; gaps=$((gaps + 1)); [ "${PGRST_STRICT_4XX:-0}" = 1 ] && result="not ok"
  elif [ "$status" != "$want_status" ]; then result="not ok"
  else result=ok; fi
  [ "$result" = "not ok" ] && failures=$((failures + 1))
  printf '%-8s %-60s %-9s %-8s %s\n' "$result" "$name" "$role" "$state" "$status$([ "$state" = "$want_state" ] || echo " (expected $want_state)")"
}
d='"relation":"documents","sort":"created_at","direction":"desc"'
check "GET tampered cursor (after=<next_cursor damaged>)" GET web_user acme pgrst_call_after \
  "{$d,\"after\":\"$tampered\",\"page_size\":\"5\"}" 22023 400
check "GET cursor of another listing (asc cursor, desc listing)" GET web_user acme pgrst_call_after \
  "{$d,\"after\":\"$asc_cursor\",\"page_size\":\"5\"}" 22023 400
check "GET relation=nosuch (regclass input, binding the argument)" GET web_user acme pgrst_call_first \
  '{"relation":"nosuch","sort":"created_at","direction":"desc","page_size":"5"}' 42P01 404
check "GET relation=<oid of a dropped table> (keyset_page)" GET web_user acme pgrst_call_first \
  "{\"relation\":\"$missing_oid\",\"sort\":\"created_at\",\"direction\":\"desc\",\"page_size\":\"5\"}" 42P01 404
check "GET relation=documents, anonymous (no SELECT granted)" GET web_anon "" pgrst_call_first \
  "{$d,\"page_size\":\"5\"}" 42501 401
check "GET relation=secrets, JWT role (no SELECT granted)" GET web_user acme pgrst_call_first \
  '{"relation":"secrets","sort":"id","direction":"asc","page_size":"5"}' 42501 403
check "GET sort=body (json: no ordering operator)" GET web_user acme pgrst_call_first \
  '{"relation":"documents","sort":"body","direction":"asc","page_size":"5"}' 42883 404
check "GET sort=nosuch" GET web_user acme pgrst_call_first \
  '{"relation":"documents","sort":"nosuch","direction":"asc","page_size":"5"}' 42703 400
check "GET direction=sideways" GET web_user acme pgrst_call_first \
  '{"relation":"documents","sort":"created_at","direction":"sideways","page_size":"5"}' 22023 400
check "GET page_size=100000 (over pg_keyset.max_page_size)" GET web_user acme pgrst_call_first \
  "{$d,\"page_size\":\"100000\"}" 22023 400
check "GET page_size=many (integer input, binding the argument)" GET web_user acme pgrst_call_first \
  "{$d,\"page_size\":\"many\"}" 22P02 400
check "GET filter={\"kind\":\"memo\"} (a JSON string, not an object)" GET web_user acme pgrst_call_filter \
  "{$d,\"page_size\":\"5\",\"filter\":\"{\\\"kind\\\":\\\"memo\\\"}\"}" 22023 400
check "POST after and before both given" POST web_user acme pgrst_call_all \
  "{$d,\"after\":\"$good\",\"page_size\":5,\"before\":\"$good\",\"filter\":null}" 22023 400
check "POST filter on a column that does not exist" POST web_user acme pgrst_call_all \
  "{$d,\"after\":null,\"page_size\":5,\"before\":null,\"filter\":{\"nosuch\":1}}" 42703 400
check "POST sort of 5000 bytes (over the 4096-byte cap)" POST web_user acme pgrst_call_all \
  "{\"relation\":\"documents\",\"sort\":\"$(printf 'id,%.0s' $(seq 1666))id\",\"direction\":\"asc\",\"after\":null,\"page_size\":5,\"before\":null,\"filter\":null}" \
  22023 400
check "POST sort of 17 columns (over the 16-column cap)" POST web_user acme pgrst_call_all \
  "{\"relation\":\"documents\",\"sort\":\"$(seq -s, -f 'c%.0f' 17)\",\"direction\":\"asc\",\"after\":null,\"page_size\":5,\"before\":null,\"filter\":null}" \
  22023 400
# pg_keyset.require_index = on for the API's login role, as README's "Deploying" advises.
psql -X -q -d "$db" -c "alter role authenticator in database $db set pg_keyset.require_index = on"
check "GET sort=title, no index serves it (require_index on)" GET web_user acme pgrst_call_first \
  '{"relation":"documents","sort":"title","direction":"asc","page_size":"5"}' 0A000 400
psql -X -q -d "$db" -c "alter role authenticator in database $db reset pg_keyset.require_index"

echo
if [ "$failures" -gt 0 ]; then
  echo "postgrest: $failures failed; server messages:"; sed 's/^/    /' "$log" | tail -n 40
  exit 1
fi
echo "postgrest: all checks passed; $gaps gap(s): errors a client causes that PostgREST answers with a 5xx"
