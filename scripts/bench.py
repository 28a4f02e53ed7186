#!/usr/bin/env python3
"""pgbench suite for pg_keyset, run by scripts/bench.sh against its throwaway cluster (PGHOST etc.).

Every case is one SQL statement run by pgbench (-M prepared, one client, fixed duration). All cases
run once per repetition, in the same order, so drift of the shared machine hits every case alike;
the reported latency of a case is the median of all its transactions over all repetitions.
Ratios are always between cases measured in the same run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

# sort column, direction, ORDER BY, hand-written predicate after (:v, :i), value cast
SORTS = {
    "id": ("asc", "id", "id > :i::bigint", None),
    "created_at": ("desc", "created_at desc, id desc", "(created_at, id) < (:v::timestamptz, :i::bigint)", "timestamptz"),
    "name": ("asc", "name, id", "(name, id) > (:v::text, :i::bigint)", "text"),
    "priority": ("asc", "priority, id", None, "int"),  # nullable: hand-written per boundary below
}
DEPTHS = {"created_at": [0, 0.10, 0.25, 0.50, 0.75, 0.90, 0.99]}
DEFAULT_DEPTHS = [0, 0.50, 0.99]


def psql(sql):
    out = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def boundary(sort, rows, depth):
    """(value text or None, id, cursor) of the row just before `depth` of the walk."""
    direction, order, _, _ = SORTS[sort]
    k = round(rows * depth) - 1
    (v, i, c), = psql(f"select a.{sort}::text, a.id, cursor_encode('{sort}', '{direction}', a.{sort}, a.id) "
                      f"from (select * from assets order by {order} offset {k} limit 1) a")
    return (v or None), i, c


def hand_json(sort, v, i):
    """The JSON page a careful engineer writes by hand: the index range, LIMIT n+1, json_agg (rows in
    column order, as keyset_page returns them since issue 12)."""
    direction, order, pred, _ = SORTS[sort]
    if sort == "priority":
        if v is None:
            return ("select json_agg(t) from (select * from assets where priority is null and id > :i::bigint "
                    "order by priority, id limit 21) t;")
        return ("select json_agg(t) from ((select * from assets where (priority, id) > (:v::int, :i::bigint) "
                "order by priority, id limit 21) union all (select * from assets where priority is null "
                "order by priority, id limit 21) limit 21) t;")
    return f"select json_agg(t) from (select * from assets where {pred} order by {order} limit 21) t;"


def build_cases(rows):
    cases = []

    def add(name, group, sort, depth, sql, defines):
        cases.append({"name": name, "group": group, "sort": sort, "depth": depth, "sql": sql, "defines": defines})

    for sort, (direction, order, pred, _) in SORTS.items():
        for depth in DEPTHS.get(sort, DEFAULT_DEPTHS):
            d = f"{sort}@{round(depth * 100)}%"
            if depth == 0:
                add(f"keyset_page {d}", "keyset_page", sort, depth,
                    f"select * from keyset_page('assets', '{sort}', '{direction}', null, 20);", {})
                add(f"hand-written {d}", "hand_json", sort, depth,
                    f"select json_agg(t) from (select * from assets order by {order} limit 21) t;", {})
                defines = {}
            else:
                v, i, c = boundary(sort, rows, depth)
                defines = {"cursor": c, "i": i}
                if v is not None:
                    defines["v"] = v
                add(f"keyset_page {d}", "keyset_page", sort, depth,
                    f"select * from keyset_page('assets', '{sort}', '{direction}', :cursor, 20);", defines)
                add(f"hand-written {d}", "hand_json", sort, depth, hand_json(sort, v, i), defines)
            if sort in ("created_at", "id"):
                add(f"OFFSET {d}", "offset", sort, depth,
                    f"select json_agg(t) from (select * from assets order by {order} "
                    f"offset {round(rows * depth)} limit 21) t;", {})
            if sort == "created_at" and depth in (0.50, 0.99):
                # The same page with what keyset_page also returns: has_previous, by the same
                # one-row index probe of the cursor's other side.
                add(f"hand-written + has_previous {d}", "hand_json_prev", sort, depth,
                    "select (select json_agg(t) from (select * from assets where (created_at, id) < "
                    "(:v::timestamptz, :i::bigint) order by created_at desc, id desc limit 21) t), "
                    "(select 1 from assets where (created_at, id) >= (:v::timestamptz, :i::bigint) "
                    "order by created_at, id limit 1) is not null;", defines)
            if sort == "created_at" and depth in DEFAULT_DEPTHS:
                after = ":cursor" if depth else "null"
                add(f"keyset_rows {d}", "keyset_rows", sort, depth,
                    f"select * from keyset_rows(NULL::assets, 'created_at', 'desc', {after}, 20);", defines)
                where = f"where {pred} " if depth else ""
                add(f"hand-written typed {d}", "hand_typed", sort, depth,
                    f"select * from assets {where}order by {order} limit 21;", defines)
    add_multi_column_cases(add, rows)
    add_relation_cases(add, rows)
    add_peer_cases(add, rows)
    v, i, c = boundary("created_at", rows, 0.5)
    add("cursor_encode", "codec", "created_at", None,
        "select cursor_encode('created_at', 'desc', :v::timestamptz, :i::bigint);", {"v": v, "i": i})
    add("cursor_decode", "codec", "created_at", None, "select * from cursor_decode(:cursor);", {"cursor": c})
    return cases


# Multi-column, backward and filtered listings (issue 6): name -> (sort spec, direction, filter,
# ORDER BY, WHERE of the filter, columns of the boundary row).
MULTI = {
    "category, created_at": ("category, created_at", "asc", None, "category, created_at, id", "true",
                             ["category", "created_at", "id"]),
    "category desc, created_at": ("category desc, created_at", "asc", None, "category desc, created_at, id", "true",
                                  ["category", "created_at", "id"]),
    "priority desc nulls last, created_at": ("priority desc nulls last, created_at", "asc", None,
                                             "priority desc nulls last, created_at, id", "true",
                                             ["priority", "created_at", "id"]),
    "created_at desc, filter category": ("created_at", "desc", '{"category": "cat-3"}', "created_at desc, id desc",
                                         "category = 'cat-3'", ["created_at", "id"]),
}


def cursor_after(rel, sort, direction, k, filt="null"):
    """The next_cursor after the first k rows of a listing (sort and filt are SQL literals), walking
    there in pages of at most 10,000 rows (the ceiling of pg_keyset.max_page_size) in one
    statement; psql prints the SET's tag too, so the cursor is the last line."""
    return psql(f"""set pg_keyset.max_page_size = 10000;
        with recursive w(left_, c) as (
          select {k}, null::text
          union all
          select w.left_ - least(w.left_, 10000), p.next_cursor
          from w, keyset_page_info('{rel}', {sort}, '{direction}', after => w.c,
                                   page_size => least(w.left_, 10000), filter => {filt}) p
          where w.left_ > 0)
        select c from w where left_ = 0""")[-1][0]


def multi_boundary(name, rows, depth):
    """Values (text) of the row just before `depth` of the listing, and its cursor."""
    spec, direction, filt, order, where, cols = MULTI[name]
    (n,), = psql(f"select count(*) from assets where {where}")
    k = round(int(n) * depth)
    values = psql(f"select {', '.join(c + '::text' for c in cols)} from assets where {where} "
                  f"order by {order} offset {k - 1} limit 1")[0]
    f = f"'{filt}'" if filt else "null"
    cursor = cursor_after("assets", f"'{spec}'", direction, k, f)
    return values, cursor


def hand_multi(name, values):
    """The best hand-written SQL for the same page (each branch an index range)."""
    row = "select json_agg(t) from ({}) t;"
    if name == "category, created_at":
        return row.format("select * from assets where (category, created_at, id) > (:a, :b::timestamptz, :i::bigint) "
                          "order by category, created_at, id limit 21")
    if name == "category desc, created_at":
        return row.format("(select * from assets where category = :a and (created_at, id) > (:b::timestamptz, :i::bigint) "
                          "order by category desc, created_at, id limit 21) union all "
                          "(select * from assets where category < :a order by category desc, created_at, id limit 21) limit 21")
    if name == "priority desc nulls last, created_at":
        o = "order by priority desc nulls last, created_at, id limit 21"
        if values[0] is None or values[0] == "":
            return row.format(f"select * from assets where priority is null and (created_at, id) > (:b::timestamptz, :i::bigint) {o}")
        return row.format(f"(select * from assets where priority = :a::int and (created_at, id) > (:b::timestamptz, :i::bigint) {o}) "
                          f"union all (select * from assets where priority < :a::int {o}) "
                          f"union all (select * from assets where priority is null {o}) limit 21")
    return row.format("select * from assets where category = 'cat-3' and (created_at, id) < (:a::timestamptz, :i::bigint) "
                      "order by created_at desc, id desc limit 21")


# Every relation kind (issue 11): name -> (relation, sort spec or None, direction, ORDER BY,
# columns of the boundary row, the hand-written predicate after them).
RELATIONS = {
    "partitioned": ("events_p", "created_at", "asc", "created_at, id", ["created_at", "id"],
                    "(created_at, id) > (:b::timestamptz, :i::bigint)"),
    "composite key": ("tenant_rows", None, "asc", "tenant_id, id", ["tenant_id", "id"],
                      "(tenant_id, id) > (:b::int, :i::bigint)"),
    "view": ("assets_api", "created_at", "desc", "created_at desc, id desc", ["created_at", "id"],
             "(created_at, id) < (:b::timestamptz, :i::bigint)"),
}


def relation_boundary(name, rows, depth):
    """Values (text) of the row just before `depth` of the relation's listing, and its cursor."""
    rel, spec, direction, order, cols, _ = RELATIONS[name]
    (n,), = psql(f"select count(*) from {rel}")
    k = round(int(n) * depth)
    values = psql(f"select {', '.join(c + '::text' for c in cols)} from {rel} order by {order} offset {k - 1} limit 1")[0]
    cursor = cursor_after(rel, f"'{spec}'" if spec else "null", direction, k)
    return values, cursor


def add_relation_cases(add, rows):
    for name, (rel, spec, direction, order, cols, pred) in RELATIONS.items():
        sort = f"'{spec}'" if spec else "null"
        for depth in DEFAULT_DEPTHS:
            d = f"{name}@{round(depth * 100)}%"
            if depth == 0:
                add(f"keyset_page {d}", "keyset_page_rel", name, depth,
                    f"select * from keyset_page('{rel}', {sort}, '{direction}', null, 20);", {})
                add(f"hand-written {d}", "hand_rel", name, depth,
                    f"select json_agg(t) from (select * from {rel} order by {order} limit 21) t;", {})
                continue
            values, cursor = relation_boundary(name, rows, depth)
            defines = {"cursor": cursor, "b": values[0].replace(" ", "T"), "i": values[1]}
            add(f"keyset_page {d}", "keyset_page_rel", name, depth,
                f"select * from keyset_page('{rel}', {sort}, '{direction}', :cursor, 20);", defines)
            add(f"hand-written {d}", "hand_rel", name, depth,
                f"select json_agg(t) from (select * from {rel} where {pred} order by {order} limit 21) t;", defines)


def add_multi_column_cases(add, rows):
    for name, (spec, direction, filt, order, where, cols) in MULTI.items():
        f = f"'{filt}'" if filt else "null"
        for depth in DEFAULT_DEPTHS:
            d = f"{name}@{round(depth * 100)}%"
            if depth == 0:
                add(f"keyset_page {d}", "keyset_page_multi", name, depth,
                    f"select * from keyset_page('assets', '{spec}', '{direction}', null, 20, filter => {f});", {})
                add(f"hand-written {d}", "hand_multi", name, depth,
                    f"select json_agg(t) from (select * from assets where {where} order by {order} limit 21) t;", {})
                continue
            values, cursor = multi_boundary(name, rows, depth)
            defines = {"cursor": cursor, "i": values[-1]}
            for key, v in zip("ab", values[:-1]):
                if v:
                    defines[key] = v.replace(" ", "T") if ":" in v else v
            add(f"keyset_page {d}", "keyset_page_multi", name, depth,
                f"select * from keyset_page('assets', '{spec}', '{direction}', :cursor, 20, filter => {f});", defines)
            add(f"hand-written {d}", "hand_multi", name, depth, hand_multi(name, values), defines)
    # Backward: the page before a cursor at 50% of created_at desc, against the hand-written
    # reversed range re-sorted for display.
    _, i, c = boundary("created_at", rows, 0.5)
    (v,), = psql(f"select created_at::text from assets where id = {i}")
    defines = {"cursor": c, "i": i, "b": v.replace(" ", "T")}
    add("keyset_page backward created_at@50%", "keyset_page_multi", "backward", 0.5,
        "select * from keyset_page('assets', 'created_at', 'desc', before => :cursor, page_size => 20);", defines)
    add("hand-written backward created_at@50%", "hand_multi", "backward", 0.5,
        "select json_agg(t) from (select * from (select * from assets where (created_at, id) > (:b::timestamptz, :i::bigint) "
        "order by created_at, id limit 21) s order by created_at desc, id desc) t;", defines)
    # The usual single-scan form for mixed directions, for comparison: an OR under a leading bound.
    values, cursor = multi_boundary("category desc, created_at", rows, 0.99)
    defines = {"a": values[0], "b": values[1].replace(" ", "T"), "i": values[2]}
    add("hand-written OR form category desc, created_at@99%", "hand_or", "category desc, created_at", 0.99,
        "select json_agg(t) from (select * from assets where category <= :a and (category < :a or "
        "(category = :a and (created_at, id) > (:b::timestamptz, :i::bigint))) "
        "order by category desc, created_at, id limit 21) t;", defines)


# The peers of issue 12: the hand-written query that returns what keyset_page (or keyset_rows)
# returns, has_previous included (the same one-row index probe of the cursor's other side).
PROBE_CREATED_AT = ("(select 1 from assets where (created_at, id) >= (:v::timestamptz, :i::bigint) "
                    "order by created_at, id limit 1) is not null")


FLOOR_FUNCTIONS = "".join(
    f"create or replace function keyset_bench_floor_{n}(v timestamptz, i bigint) returns setof assets "
    f"language plpgsql stable as $$ begin return query select * from assets a "
    f"where (a.created_at, a.id) < (v, i) order by a.created_at desc, a.id desc limit {n + 1}; end $$;"
    for n in (20, 50))


def add_peer_cases(add, rows):
    for depth in (0.01, 0.99):
        v, i, c = boundary("created_at", rows, depth)
        defines = {"cursor": c, "i": i, "v": v.replace(" ", "T")}
        for n in (20, 50):
            d = f"created_at p{n}@{round(depth * 100)}%"
            add(f"keyset_page {d}", "peer_page", "created_at", depth,
                f"select * from keyset_page('assets', 'created_at', 'desc', :cursor, {n});", defines)
            add(f"hand-written json_agg + has_previous {d}", "peer_hand_json", "created_at", depth,
                f"select (select json_agg(t) from (select * from assets where (created_at, id) < "
                f"(:v::timestamptz, :i::bigint) order by created_at desc, id desc limit {n + 1}) t), "
                f"{PROBE_CREATED_AT};", defines)
            add(f"keyset_rows {d}", "peer_rows", "created_at", depth,
                f"select * from keyset_rows(NULL::assets, 'created_at', 'desc', :cursor, {n});", defines)
            add(f"hand-written typed + has_previous {d}", "peer_hand_typed", "created_at", depth,
                f"select *, {PROBE_CREATED_AT} as has_previous from assets where (created_at, id) < "
                f"(:v::timestamptz, :i::bigint) order by created_at desc, id desc limit {n + 1};", defines)
            # What any function returning the typed rows costs at best: the same query, static, in
            # a plpgsql function (plan kept by plpgsql), the probe beside it.
            add(f"function floor typed + has_previous {d}", "peer_floor", "created_at", depth,
                f"select *, {PROBE_CREATED_AT} as has_previous from "
                f"keyset_bench_floor_{n}(:v::timestamptz, :i::bigint);", defines)
    # Several columns, mixed directions, at 99%: two index ranges each way.
    values, cursor = multi_boundary("category desc, created_at", rows, 0.99)
    defines = {"cursor": cursor, "a": values[0], "b": values[1].replace(" ", "T"), "i": values[2]}
    d = "category desc, created_at p20@99%"
    add(f"keyset_page {d}", "peer_page", "category desc, created_at", 0.99,
        "select * from keyset_page('assets', 'category desc, created_at', 'asc', :cursor, 20);", defines)
    add(f"hand-written json_agg + has_previous {d}", "peer_hand_json", "category desc, created_at", 0.99,
        "select (" + hand_multi("category desc, created_at", values).rstrip(";") + "), "
        "((select 1 from assets where category = :a and (created_at, id) <= (:b::timestamptz, :i::bigint) "
        "order by category desc, created_at desc, id desc limit 1) is not null or "
        "(select 1 from assets where category > :a order by category, created_at desc, id desc limit 1) is not null);",
        defines)


def server_mean_ms():
    """Mean execution time of the statement pgbench just ran, from pg_stat_statements (server side:
    no client round trip, no protocol overhead)."""
    rows = psql("select sum(total_exec_time) / sum(calls) from pg_stat_statements "
                "where calls > 1 and query not like '%pg_stat_statements%'")
    return float(rows[0][0]) if rows and rows[0][0] else float("nan")


def pgbench(case, seconds, log_dir=None):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(case["sql"] + "\n")
        script = f.name
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", "1", "-j", "1", "-T", str(seconds), "-f", script]
    for k, val in case["defines"].items():
        cmd += ["-D", f"{k}={val}"]
    if log_dir:
        cmd += ["-l", "--log-prefix", os.path.join(log_dir, "tx")]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=log_dir or None)
    os.unlink(script)
    latencies = []
    if log_dir:
        for name in os.listdir(log_dir):
            path = os.path.join(log_dir, name)
            with open(path) as log:
                latencies += [int(line.split()[2]) for line in log if line.strip()]
            os.unlink(path)
    return latencies


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return {k: int(fields[k].split()[0]) for k in ("VmRSS", "RssAnon")}


def memory_check(calls, steps):
    """RSS of one backend before and after each of `steps` runs of `calls` consecutive keyset_page
    calls (walking pages, starting over at the end)."""
    proc = subprocess.Popen(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(sql):
        proc.stdin.write(sql + "\n\\echo __done__\n")
        proc.stdin.flush()
        lines = []
        while (line := proc.stdout.readline().strip()) != "__done__":
            lines.append(line)
        return lines

    pid = int(ask("select pg_backend_pid();")[0])
    walk = (f"do $$ declare c text; begin for n in 1..{calls} loop "
            "select next_cursor into c from keyset_page('assets', 'created_at', 'desc', c, 20); "
            "end loop; end $$;")
    ask("select count(*) from keyset_page('assets', 'created_at', 'desc', null, 20);")
    before = rss_kib(pid)
    after = []
    for _ in range(steps):
        ask(walk)
        after.append(rss_kib(pid))
    proc.stdin.close()
    proc.wait()
    return {"calls_per_step": calls, "before": before, "after_each_step": after}


def plot(results, out_dir):
    """latency vs depth (log scale) for created_at: keyset_page, hand-written, OFFSET."""
    series = {"keyset_page": [], "hand_json": [], "offset": []}
    for r in results:
        if r["sort"] == "created_at" and r["group"] in series:
            series[r["group"]].append((r["depth"] * 100, r["median_ms"]))
    data = os.path.join(out_dir, "latency_vs_depth.dat")
    with open(data, "w") as f:
        for group, points in series.items():
            f.write(f"# {group}\n")
            for x, y in sorted(points):
                f.write(f"{x} {y}\n")
            f.write("\n\n")
    png = os.path.join(out_dir, "latency_vs_depth.png")
    gp = f"""
set terminal pngcairo size 900,560 font ",11" noenhanced
set output "{png}"
set title "20-row page of a {results[0]['rows']:,}-row table, sorted by created_at desc (pgbench, median)"
set xlabel "depth of the page in the walk (%)"
set ylabel "latency (ms, log scale)"
set logscale y
set grid
set key top left
plot "{data}" index 0 with linespoints lw 2 pt 7 title "keyset_page", \\
     "{data}" index 1 with linespoints lw 2 pt 5 dt 2 title "hand-written keyset SQL", \\
     "{data}" index 2 with linespoints lw 2 pt 9 title "OFFSET"
"""
    subprocess.run(["gnuplot"], input=gp, text=True, check=True)
    return png


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--codec-bench")
    ap.add_argument("--out", default="bench")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    cases = build_cases(args.rows)
    psql(FLOOR_FUNCTIONS)
    only = os.environ.get("BENCH_ONLY")  # a regular expression: run only the cases it matches
    if only:
        import re
        cases = [c for c in cases if re.search(only, c["name"])]
    print(f"== {len(cases)} cases x {args.reps} repetitions x {args.seconds} s", flush=True)
    for case in cases:  # warm-up: plans, caches, buffers
        pgbench(case, 1)
    samples = {c["name"]: [] for c in cases}
    rep_medians = {c["name"]: [] for c in cases}
    server = {c["name"]: [] for c in cases}
    for rep in range(args.reps):
        for case in cases:
            psql("select pg_stat_statements_reset()")
            with tempfile.TemporaryDirectory() as log_dir:
                os.chmod(log_dir, 0o755)
                lat = pgbench(case, args.seconds, log_dir)
            samples[case["name"]] += lat
            rep_medians[case["name"]].append(statistics.median(lat) / 1000)
            server[case["name"]].append(server_mean_ms())
        print(f"   repetition {rep + 1} done", flush=True)

    results = []
    for c in cases:
        lat = samples[c["name"]]
        results.append({**{k: c[k] for k in ("name", "group", "sort", "depth", "sql")}, "rows": args.rows,
                        "transactions": len(lat), "median_ms": statistics.median(lat) / 1000,
                        "server_ms": statistics.median(server[c["name"]]),
                        "rep_medians_ms": rep_medians[c["name"]]})
    by = {r["name"]: r for r in results}

    # A ratio whose cases were not run (BENCH_ONLY) is NaN and left out.
    def ms(name):
        return by[name]["median_ms"] if name in by else float("nan")

    def server_ms(name):
        return by[name]["server_ms"] if name in by else float("nan")

    ratios = []
    for r in results:
        d = f"{r['sort']}@{round(r['depth'] * 100)}%" if r["depth"] is not None else None
        if r["group"] == "keyset_page":
            ratios.append((f"keyset_page / hand-written, {d}", ms(r["name"]) / ms(f"hand-written {d}"), "<= 1.10"))
        if r["group"] == "hand_json_prev":
            d = f"{r['sort']}@{round(r['depth'] * 100)}%"
            ratios.append((f"keyset_page / hand-written + has_previous, {d}", ms(f"keyset_page {d}") / ms(r["name"]), "<= 1.10"))
        if r["group"] == "keyset_page_multi":
            d = f"{r['sort']}@{round(r['depth'] * 100)}%"
            base = f"hand-written backward created_at@50%" if r["sort"] == "backward" else f"hand-written {d}"
            ratios.append((f"keyset_page / hand-written, {r['name'][len('keyset_page '):]}", ms(r["name"]) / ms(base), "<= 1.10"))
        if r["group"] == "keyset_page_rel" and r["depth"]:
            ratios.append((f"keyset_page / hand-written, {r['name'][len('keyset_page '):]}", ms(r["name"]) / ms(f"hand-written {r['name'][len('keyset_page '):]}"), "<= 1.10"))
        if r["group"] in ("peer_page", "peer_rows"):
            d = r["name"].split(" ", 1)[1]
            peer = ("hand-written json_agg + has_previous " if r["group"] == "peer_page"
                    else "hand-written typed + has_previous ") + d
            ratios.append((f"{r['name'].split(' ')[0]} / {peer.rsplit(' ', len(d.split(' ')))[0]}, {d}",
                           ms(r["name"]) / ms(peer), "<= 1.10"))
            ratios.append((f"{r['name'].split(' ')[0]} / {peer.rsplit(' ', len(d.split(' ')))[0]}, {d}, server-side execution time",
                           server_ms(r["name"]) / server_ms(peer), "<= 1.25"))
        if r["group"] == "peer_floor":
            d = r["name"].split(" has_previous ", 1)[1]
            ratios.append((f"function floor typed / hand-written typed + has_previous, {d}",
                           ms(r["name"]) / ms(f"hand-written typed + has_previous {d}"), "(context)"))
            ratios.append((f"keyset_rows / function floor typed, {d}",
                           ms(f"keyset_rows {d}") / ms(r["name"]), "(context)"))
        if r["group"] == "keyset_rows":
            ratios.append((f"keyset_rows / hand-written typed, {d}", ms(r["name"]) / ms(f"hand-written typed {d}"), "<= 1.10"))
    for sort in SORTS:
        ratios.append((f"keyset_page at 99% / at 0%, {sort}", ms(f"keyset_page {sort}@99%") / ms(f"keyset_page {sort}@0%"), "<= 1.2"))
    for name in RELATIONS:
        ratios.append((f"keyset_page at 99% / at 0%, {name}", ms(f"keyset_page {name}@99%") / ms(f"keyset_page {name}@0%"), "<= 1.2"))
    for sort in ("created_at", "id"):
        ratios.append((f"OFFSET / keyset_page at 99%, {sort}", ms(f"OFFSET {sort}@99%") / ms(f"keyset_page {sort}@99%"), ">= 1000"))
        ratios.append((f"OFFSET / keyset_page at 99%, {sort}, server-side execution time",
                       server_ms(f"OFFSET {sort}@99%") / server_ms(f"keyset_page {sort}@99%"), ">= 1000"))
    for r in results:
        if r["group"] == "keyset_page" and r["depth"] is not None:
            d = f"{r['sort']}@{round(r['depth'] * 100)}%"
            ratios.append((f"keyset_page / hand-written, {d}, server-side execution time",
                           server_ms(r["name"]) / server_ms(f"hand-written {d}"), "<= 1.10"))

    ratios = [r for r in ratios if r[1] == r[1]]
    print()
    print("| case | median latency (ms) | server execution (ms) | transactions | per-repetition medians (ms) |")
    print("|---|---|---|---|---|")
    for r in results:
        reps = ", ".join(f"{x:.3f}" for x in r["rep_medians_ms"])
        print(f"| {r['name']} | {r['median_ms']:.3f} | {r['server_ms']:.4f} | {r['transactions']} | {reps} |")
    print()
    print("| ratio | value | target |")
    print("|---|---|---|")
    for name, value, target in ratios:
        print(f"| {name} | {value:.2f} | {target} |")

    # 1,000,000 calls in four steps (the bar): about two minutes.
    memory = memory_check(250_000, 4) if not only else None
    print()
    if memory:
        steps = ", ".join(f"after {(i + 1) * memory['calls_per_step'] // 1000}k calls {m}"
                          for i, m in enumerate(memory["after_each_step"]))
        print(f"memory, one backend, RSS / private (RssAnon) in KiB: before {memory['before']}, {steps}")
    codec = open(args.codec_bench).read().strip() if args.codec_bench else ""
    png = plot(results, args.out) if not only else "(no plot: BENCH_ONLY)"
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"rows": args.rows, "seconds": args.seconds, "reps": args.reps, "results": results,
                   "ratios": [{"ratio": n, "value": v, "target": t} for n, v, t in ratios],
                   "memory_kib": memory, "codec_bench": codec}, f, indent=1)
    print(f"\nwrote {args.out}/results.json and {png}")


if __name__ == "__main__":
    sys.exit(main())
