#!/usr/bin/env bash
# The README's function table (issue 14, item 6) against the functions the extension really has.
# The table sits between `<!-- functions:begin` and `<!-- functions:end -->` in README.md, one row
# per function: | `name` | `arg type [DEFAULT value]`, ... | `column type`, ... (or `type`) |
# VOLATILITY, PARALLEL ..., [STRICT] | notes |. Each row must equal what the catalog says of that
# function (pg_proc rows that depend on the extension): the same arguments in the same order with
# the same types and defaults (casts dropped), the same result columns, the same volatility,
# parallel safety and strictness; every function must have a row and every row a function; and
# none may be SECURITY DEFINER. Outside the table, every call `keyset_…(` or `cursor_…(`, every
# named argument `name =>` and every setting `pg_keyset.…` that README.md or docs/*.md write must
# exist, and every pg_keyset setting must appear in the README. Runs against the cluster in
# PGHOST/PGPORT as a superuser (scripts/test.sh, tier d) in a database of its own; README=path
# checks another file (to see this test fail on a wrong table).
set -euo pipefail
export PGOPTIONS='-c client_min_messages=warning'
cd "$(dirname "$0")/../.."
readme=${README:-README.md}
db=pg_keyset_readme
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
q -d postgres -c "drop database if exists $db" -c "create database $db"
trap 'q -d postgres -c "drop database if exists $db" >/dev/null 2>&1 || true' EXIT
q -d "$db" -c "create extension pg_keyset"

fail=0
bad() { echo "not ok: $*"; fail=1; }

# The README's rows as name|arguments|result|volatility (each backquoted item of a cell, joined by
# ", "; the volatility cell as written).
readme_rows=$(sed -n '/<!-- functions:begin/,/<!-- functions:end -->/p' "$readme" | awk '
  function spans(cell,   out, s) {
    out = ""
    while (match(cell, /`[^`]*`/)) {
      s = substr(cell, RSTART + 1, RLENGTH - 2)
      out = out (out == "" ? "" : ", ") s
      cell = substr(cell, RSTART + RLENGTH)
    }
    return out
  }
  function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
  BEGIN { FS = "|" }
  /^\| *`/ { printf "%s|%s|%s|%s\n", spans($2), spans($3), spans($4), trim($5) }')
if [ -z "$readme_rows" ]; then
  echo "not ok: no function table between <!-- functions:begin and <!-- functions:end --> in $readme"
  exit 1
fi

# The same from the catalog.
catalog_rows=$(q -At -d "$db" <<'SQL'
select format('%s|%s|%s|%s', p.proname,
              regexp_replace(pg_get_function_arguments(p.oid), '::[a-z_]+(\[\])?', '', 'g'),
              regexp_replace(pg_get_function_result(p.oid), '^TABLE\((.*)\)$', '\1'),
              concat_ws(', ',
                        case p.provolatile when 'i' then 'IMMUTABLE' when 's' then 'STABLE' else 'VOLATILE' end,
                        'PARALLEL ' || case p.proparallel when 's' then 'SAFE' when 'r' then 'RESTRICTED'
                                                          else 'UNSAFE' end,
                        case when p.proisstrict then 'STRICT' end))
from pg_catalog.pg_proc p
join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
  and d.refclassid = 'pg_catalog.pg_extension'::regclass and d.deptype = 'e'
join pg_catalog.pg_extension e on e.oid = d.refobjid and e.extname = 'pg_keyset'
order by p.proname;
SQL
)
definers=$(q -At -d "$db" -c "select string_agg(p.proname, ', ') from pg_catalog.pg_proc p
  join pg_catalog.pg_depend d on d.objid = p.oid and d.classid = 'pg_catalog.pg_proc'::regclass
  and d.deptype = 'e' join pg_catalog.pg_extension e on e.oid = d.refobjid and e.extname = 'pg_keyset'
  where p.prosecdef")
[ -z "$definers" ] || bad "SECURITY DEFINER functions, where the README says SECURITY INVOKER: $definers"

declare -A in_readme in_catalog
while IFS= read -r row; do
  name=${row%%|*}
  [ -z "${in_readme[$name]:-}" ] || bad "the README's table lists $name twice"
  in_readme[$name]=$row
done <<<"$readme_rows"
while IFS= read -r row; do in_catalog[${row%%|*}]=$row; done <<<"$catalog_rows"

arg_names() { # the argument names of a row's argument cell, one a line
  local args; args=$(cut -d'|' -f2 <<<"$1")
  [ -z "$args" ] && return 0
  sed 's/, /\n/g' <<<"$args" | awk '{ print $1 }'
}
for name in "${!in_readme[@]}"; do
  if [ -z "${in_catalog[$name]:-}" ]; then
    bad "the README names function $name, which the extension does not have"; continue
  fi
  r=${in_readme[$name]} c=${in_catalog[$name]}
  for a in $(arg_names "$r"); do
    arg_names "$c" | grep -qx -- "$a" || bad "the README names argument $a of $name, which does not exist"
  done
  for a in $(arg_names "$c"); do
    arg_names "$r" | grep -qx -- "$a" || bad "the README omits argument $a of $name"
  done
  if [ "$r" != "$c" ]; then
    bad "the README's row for $name differs from the catalog"
    echo "    README:    $r"
    echo "    extension: $c"
  fi
done
for name in "${!in_catalog[@]}"; do
  [ -n "${in_readme[$name]:-}" ] || bad "the README omits function $name (${in_catalog[$name]})"
done
[ "$fail" = 0 ] && echo "ok the README's table matches the extension's ${#in_catalog[@]} functions"

# Outside the table: calls, named arguments and settings in README.md and docs/*.md.
docs=("$readme"); [ -z "${README:-}" ] && [ -d docs ] && docs+=(docs/*.md)
where() { grep -lF -- "$1" "${docs[@]}" | tr '\n' ' '; }
for f in $(grep -ohE '\b(keyset|cursor)_[a-z_]+\(' "${docs[@]}" | tr -d '(' | sort -u); do
  [ -n "${in_catalog[$f]:-}" ] || bad "$f(…) is written in $(where "$f(")but is no function of the extension"
done
all_args=$(for row in "${in_catalog[@]}"; do arg_names "$row"; done | sort -u)
for a in $(grep -ohE '\b[a-z_]+ =>' "${docs[@]}" | awk '{ print $1 }' | sort -u); do
  grep -qx -- "$a" <<<"$all_args" || bad "'$a =>' is written in $(where "$a =>")but no function has that argument"
done
settings=$(q -At -d "$db" -c "load 'pg_keyset'" -c "select name from pg_catalog.pg_settings where name like 'pg\_keyset.%'")
# (pg_keyset.control is the control file, not a setting.)
for s in $(grep -ohE '\bpg_keyset\.[a-z_]+' "${docs[@]}" | grep -vx 'pg_keyset\.control' | sort -u); do
  grep -qx -- "$s" <<<"$settings" || bad "setting $s is written in $(where "$s")but does not exist"
done
for s in $settings; do
  grep -q -- "\`$s\`" "$readme" || bad "the README omits setting $s"
done
[ "$fail" = 0 ] || exit 1
echo "ok every call, named argument and setting the README and docs/ write exists ($(wc -w <<<"$settings") settings, all in the README)"
