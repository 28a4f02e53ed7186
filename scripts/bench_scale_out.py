#!/usr/bin/env python3
"""Scale-out cases of `make bench` (issue 13), against the servers scripts/bench_scale_out.sh starts:
Citus (coordinator on port 5432) and a postgres_fdw parent over three shards (port 5435).

Each case is one statement run by pgbench (-M prepared, one client) on a server of its own; cases run
interleaved, once per repetition, and a case's latency is the median of all its transactions. Ratios
are between cases of the same run. Beside the latencies: remote commands per page on Citus
(citus.log_remote_commands) and, on fdw, the rows each shard returned and whether a LIMIT shipped.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import pgbench  # noqa: E402  (same pgbench runner as the single-server cases)

CITUS, FDW = "5432", "5435"


def psql(port, sql, options=""):
    env = {**os.environ, "PGPORT": port, "PGOPTIONS": options}
    out = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True, env=env)
    return [line.split("\t") for line in out.stdout.splitlines() if line], out.stderr


def boundary(port, rel, where, k):
    """(created_at, id, cursor) of row k (0-based) of rel in (created_at, id) order."""
    rows, _ = psql(port, f"select created_at, id, cursor_encode('created_at', 'asc', created_at, id) from "
                         f"(select created_at, id from {rel} where {where} order by created_at, id "
                         f"offset {k} limit 1) a")
    v, i, c = rows[0]
    return v.replace(" ", "T"), i, c  # pgbench -D values cannot hold a space


def bind(sql, defines):
    """pgbench's :name variables as literals (not the :: of a cast)."""
    return re.sub(r"(?<!:):(\w+)", lambda m: f"'{defines[m.group(1)]}'" if m.group(1) in defines else m.group(0), sql)


def walked_cursor(port, rel, filt, k):
    """keyset_page's own next_cursor after rows 0..k (a composite key's cursor carries it all)."""
    cursor, left = None, k + 1
    while left:
        n = min(left, 1000)
        c = "null" if cursor is None else f"'{cursor}'"
        rows, _ = psql(port, f"select next_cursor from keyset_page('{rel}', 'created_at', 'asc', {c}, {n}, "
                             f"filter => '{filt}')")
        cursor, left = rows[0][0], left - n
    return cursor


def remote_commands(sql, defines):
    """Remote commands Citus issues for one execution of sql (the second one: plans warm)."""
    sql = bind(sql, defines)
    marker = "do $$ begin raise log 'pg_keyset bench marker'; end $$;"
    stmt = f"set citus.log_remote_commands = on; set client_min_messages = log; {sql} {marker} {sql}"
    _, err = psql(CITUS, stmt)
    second = err.split("pg_keyset bench marker", 1)[1]
    return sum(1 for line in second.splitlines() if "issuing" in line)


def fdw_shard_reads(sql, defines, options="", calls=10):
    """Per shard database, per page: rows fetched (FETCH statements, from pg_stat_statements, which
    sees the shard databases of the same server) and whether the remote query carries the
    leading-column bound, the ORDER BY and a LIMIT."""
    sql = bind(sql, defines)
    psql(FDW, sql, options)  # plans and connections warm
    psql(FDW, "select pg_stat_statements_reset()")
    psql(FDW, "; ".join([sql.rstrip(";")] * calls), options)
    rows, _ = psql(FDW, "select d.datname, sum(s.rows) filter (where s.query like 'FETCH%'), "
                        "bool_or(s.query like 'DECLARE%>=%ORDER BY%'), bool_or(s.query like 'DECLARE%LIMIT%') "
                        "from pg_stat_statements s join pg_database d on d.oid = s.dbid "
                        "where d.datname like 'shard%' group by 1 order by 1")
    return [{"shard": db, "rows_fetched_per_page": int(n or 0) / calls, "bound_and_order_shipped": b == "t",
             "limit_shipped": lim == "t"} for db, n, b, lim in rows]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--citus", default="yes")
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default="bench")
    args = ap.parse_args()
    os.environ["PGHOST"] = args.host
    cases = []

    def add(name, port, sql, defines, options=""):
        cases.append({"name": name, "port": port, "sql": sql, "defines": defines, "options": options})

    page = "select * from keyset_page('{rel}', 'created_at', 'asc', :cursor, 20{extra});"
    hand = ("select json_agg(t) from (select * from {rel} where {where}{bound}(created_at, id) > "
            "(:v::timestamptz, :i::bigint) order by created_at, id limit 21) t;")
    prev = ("(select 1 from {rel} where {where}(created_at, id) <= (:v::timestamptz, :i::bigint) "
            "order by created_at desc, id desc limit 1) is not null")
    exact = "-c pg_keyset.has_previous=exact"
    if args.citus == "yes":
        for depth in (0.01, 0.99):
            d = f"{round(depth * 100)}%"
            v, i, c = boundary(CITUS, "events", "true", round(args.rows * depth) - 1)
            defs = {"cursor": c, "v": v, "i": i}
            add(f"citus events keyset_page @{d}", CITUS, page.format(rel="events", extra=""), defs)
            add(f"citus events keyset_page has_previous=exact @{d}", CITUS,
                page.format(rel="events", extra=""), defs, exact)
            add(f"citus events hand-written @{d}", CITUS, hand.format(rel="events", where="", bound=""), defs)
            add(f"citus events hand-written + has_previous @{d}", CITUS,
                "select (" + hand.format(rel="events", where="", bound="").rstrip(";") + "), "
                + prev.format(rel="events", where="") + ";", defs)
        # One tenant (a hundredth of the rows), its 99% page: single-shard router queries.
        n = args.rows // 100
        k = round(n * 0.99) - 1
        v, i, _ = boundary(CITUS, "tenant_rows", "tenant_id = 7", k)
        c = walked_cursor(CITUS, "tenant_rows", '{"tenant_id": 7}', k)
        # The tenant is a bound parameter, as an application binds it (a literal would let Citus
        # keep one plan for the prepared statement; a parameter on the distribution column is
        # planned per execution, keyset_page's query too).
        defs = {"cursor": c, "v": v, "i": i, "t": 7}
        add("citus tenant keyset_page @99%", CITUS,
            page.format(rel="tenant_rows", extra=", filter => '{\"tenant_id\": 7}'"), defs)
        add("citus tenant hand-written + has_previous @99%", CITUS,
            "select (" + hand.format(rel="tenant_rows", where="tenant_id = :t::int and ", bound="").rstrip(";")
            + "), " + prev.format(rel="tenant_rows", where="tenant_id = :t::int and ") + ";", defs)
    fdw_page = "select * from keyset_page('events_p', 'created_at', 'asc', :cursor, 20, key => 'id');"
    for depth in (0.01, 0.99):
        d = f"{round(depth * 100)}%"
        v, i, c = boundary(FDW, "events_p", "true", round(args.rows * depth) - 1)
        defs = {"cursor": c, "v": v, "i": i}
        add(f"fdw keyset_page @{d}", FDW, fdw_page, defs)
        add(f"fdw keyset_page has_previous=exact @{d}", FDW, fdw_page, defs, exact)
        add(f"fdw hand-written with bound @{d}", FDW,
            hand.format(rel="events_p", where="", bound="created_at >= :v::timestamptz and "), defs)
        add(f"fdw hand-written row value only @{d}", FDW, hand.format(rel="events_p", where="", bound=""), defs)
        if depth == 0.99:
            for variant in ("async", "f21"):
                add(f"fdw keyset_page {variant} @{d}", FDW, fdw_page.replace("'events_p'", f"'events_p_{variant}'"), defs)

    print(f"== {len(cases)} scale-out cases x {args.reps} repetitions x {args.seconds} s", flush=True)

    def run(case, seconds, log_dir=None):
        os.environ["PGPORT"], os.environ["PGOPTIONS"] = case["port"], case["options"]
        try:
            return pgbench(case, seconds, log_dir)
        except subprocess.CalledProcessError as e:
            sys.exit(f"pgbench failed for {case['name']}:\n{e.stderr}")

    for case in cases:
        run(case, 1)
    samples = {c["name"]: [] for c in cases}
    server = {c["name"]: [] for c in cases}
    for rep in range(args.reps):
        for case in cases:
            psql(case["port"], "select pg_stat_statements_reset()")
            with tempfile.TemporaryDirectory() as log_dir:
                os.chmod(log_dir, 0o755)
                samples[case["name"]] += run(case, args.seconds, log_dir)
            rows, _ = psql(case["port"], "select sum(total_exec_time) / sum(calls) from pg_stat_statements "
                                         "where calls > 1 and query not like '%pg_stat_statements%' "
                                         "and dbid = (select oid from pg_database where datname = 'postgres')")
            server[case["name"]].append(float(rows[0][0]) if rows and rows[0][0] else float("nan"))
        print(f"   repetition {rep + 1} done", flush=True)

    results = {c["name"]: {"sql": c["sql"], "options": c["options"], "transactions": len(samples[c["name"]]),
                           "median_ms": statistics.median(samples[c["name"]]) / 1000,
                           "server_ms": statistics.median(server[c["name"]])} for c in cases}
    by_name = {c["name"]: c for c in cases}
    if args.citus == "yes":
        for name in results:
            if name.startswith("citus"):
                c = by_name[name]
                results[name]["remote_commands"] = remote_commands(
                    c["sql"] if not c["options"] else "set pg_keyset.has_previous = exact; " + c["sql"],
                    c["defines"])
    for name in results:
        if name.startswith("fdw") and "keyset_page" in name:
            c = by_name[name]
            results[name]["shards"] = fdw_shard_reads(c["sql"], c["defines"], c["options"])

    def ms(n):
        return results[n]["median_ms"] if n in results else float("nan")

    ratios = []
    if args.citus == "yes":
        for d in ("1%", "99%"):
            ratios.append((f"Citus by id: keyset_page / hand-written, {d}",
                           ms(f"citus events keyset_page @{d}") / ms(f"citus events hand-written @{d}"), "<= 1.2"))
            ratios.append((f"Citus by id: keyset_page (has_previous=exact) / hand-written + has_previous, {d}",
                           ms(f"citus events keyset_page has_previous=exact @{d}")
                           / ms(f"citus events hand-written + has_previous @{d}"), "(context)"))
        ratios.append(("Citus by id: keyset_page at 99% / at 1%",
                       ms("citus events keyset_page @99%") / ms("citus events keyset_page @1%"), "<= 1.2"))
        ratios.append(("Citus one tenant: keyset_page / hand-written + has_previous, 99%",
                       ms("citus tenant keyset_page @99%") / ms("citus tenant hand-written + has_previous @99%"),
                       "<= 1.2"))
    for d in ("1%", "99%"):
        ratios.append((f"fdw: keyset_page / hand-written with bound, {d}",
                       ms(f"fdw keyset_page @{d}") / ms(f"fdw hand-written with bound @{d}"), "<= 1.2"))
    ratios.append(("fdw: keyset_page at 99% / at 1%", ms("fdw keyset_page @99%") / ms("fdw keyset_page @1%"), "<= 1.2"))
    for variant, what in (("async", "async_capable servers"), ("f21", "fetch_size 21")):
        ratios.append((f"fdw: keyset_page, {what} / default servers, 99%",
                       ms(f"fdw keyset_page {variant} @99%") / ms("fdw keyset_page @99%"), "(context)"))
    ratios.append(("fdw: hand-written row value only / keyset_page, 99%",
                   ms("fdw hand-written row value only @99%") / ms("fdw keyset_page @99%"), "(context)"))

    print()
    print("| case | median latency (ms) | server execution (ms) | transactions | remote commands | rows fetched per shard |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        scans = ", ".join(f"{s['rows_fetched_per_page']:g}{'' if s['bound_and_order_shipped'] else ' (no bound)'}"
                          f"{' (LIMIT)' if s['limit_shipped'] else ''}" for s in r.get("shards", []))
        print(f"| {name} | {r['median_ms']:.3f} | {r['server_ms']:.3f} | {r['transactions']} | "
              f"{r.get('remote_commands', '')} | {scans} |")
    print()
    print("| ratio | value | target |")
    print("|---|---|---|")
    for n, v, t in ratios:
        print(f"| {n} | {v:.2f} | {t} |")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results_scale_out.json"), "w") as f:
        json.dump({"rows": args.rows, "seconds": args.seconds, "reps": args.reps, "results": results,
                   "ratios": [{"ratio": n, "value": v, "target": t} for n, v, t in ratios if v == v]}, f, indent=1)
    print(f"\nwrote {args.out}/results_scale_out.json")


if __name__ == "__main__":
    sys.exit(main())
