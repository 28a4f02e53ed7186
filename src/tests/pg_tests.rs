//! `#[pg_test]` tests: the SQL functions running inside a real server.

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn one(sql: &str) -> Option<String> {
        Spi::get_one::<String>(sql).expect("query runs")
    }

    #[pg_test]
    fn encode_timestamptz_is_unix_micros_whatever_the_timezone() {
        Spi::run("SET TimeZone = 'America/New_York'").unwrap();
        let a = one(
            "SELECT cursor_encode('created_at', 'desc', '2024-02-01 09:00:00+00'::timestamptz, 42)",
        );
        Spi::run("SET TimeZone = 'Asia/Tokyo'").unwrap();
        let b = one(
            "SELECT cursor_encode('created_at', 'desc', '2024-02-01 09:00:00+00'::timestamptz, 42)",
        );
        assert_eq!(a, b);
        assert_eq!(
            a.as_deref(),
            Some("eyJzIjoiY3JlYXRlZF9hdCIsIm8iOiJkZXNjIiwidiI6IjE3MDY3NzgwMDAwMDAwMDAiLCJpZCI6IjQyIn0")
        );
    }

    #[pg_test]
    fn each_supported_type_round_trips_through_decode() {
        // (expression, the wire string its value must become)
        let cases = [
            ("1::smallint", "1"),
            ("(-2147483648)::int", "-2147483648"),
            ("9223372036854775807::bigint", "9223372036854775807"),
            ("'-12.3400'::numeric", "-12.3400"),
            ("'NaN'::numeric", "NaN"),
            ("0.1::real", "0.1"),
            ("0.1::float8", "0.1"),
            ("'-Infinity'::float8", "-Infinity"),
            ("true", "true"),
            ("'Zoë <&>'::text", "Zoë <&>"),
            ("'abc'::varchar(10)", "abc"),
            ("'ab'::char(4)", "ab  "),
            ("'pg_class'::name", "pg_class"),
            (
                "'0B9F4F2E-9A43-4C49-8A7A-2F3C1D5E6F70'::uuid",
                "0b9f4f2e-9a43-4c49-8a7a-2f3c1d5e6f70",
            ),
            ("'2024-02-29'::date", "2024-02-29"),
            ("'1970-01-01 00:00:00.000001'::timestamp", "1"),
            ("'1969-12-31 23:59:59.999999+00'::timestamptz", "-1"),
            ("'infinity'::timestamptz", "infinity"),
        ];
        Spi::run("SET DateStyle = 'SQL, DMY'; SET extra_float_digits = -3").unwrap();
        for (expr, wire) in cases {
            let got = one(&format!(
                "SELECT value FROM cursor_decode(cursor_encode('s', 'asc', {expr}, 1))"
            ));
            assert_eq!(got.as_deref(), Some(wire), "{expr}");
        }
    }

    #[pg_test]
    fn value_and_id_may_have_different_types() {
        let v = one("SELECT id || '|' || value FROM cursor_decode(cursor_encode('size', 'ASC', 10::bigint, gen_random_uuid()))");
        assert!(v.unwrap().ends_with("|10"));
    }

    #[pg_test]
    fn untyped_literals_and_domains_are_accepted() {
        let v = one(
            "SELECT value || '|' || id FROM cursor_decode(cursor_encode('name', 'asc', 'Zoë', 9))",
        );
        assert_eq!(v.as_deref(), Some("Zoë|9"));
        Spi::run("CREATE DOMAIN pg_temp.positive AS bigint CHECK (VALUE > 0)").unwrap();
        let v = one(
            "SELECT value FROM cursor_decode(cursor_encode('n', 'asc', 5::pg_temp.positive, 'k'))",
        );
        assert_eq!(v.as_deref(), Some("5"));
    }

    #[pg_test]
    fn null_value_encodes_as_json_null() {
        let c = one("SELECT cursor_encode('priority', 'asc', NULL::int, 16)");
        assert_eq!(
            c.as_deref(),
            Some("eyJzIjoicHJpb3JpdHkiLCJvIjoiYXNjIiwidiI6bnVsbCwiaWQiOiIxNiJ9")
        );
        let v = Spi::get_one::<bool>("SELECT value IS NULL FROM cursor_decode(cursor_encode('priority', 'asc', NULL::int, 16))");
        assert_eq!(v, Ok(Some(true)));
    }

    #[pg_test]
    fn functions_are_immutable_and_parallel_safe() {
        let n = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_proc WHERE proname IN ('cursor_encode', 'cursor_decode')
               AND provolatile = 'i' AND proparallel = 's'",
        );
        assert_eq!(n, Ok(Some(2)));
    }

    #[pg_test(error = "invalid cursor")]
    fn tampered_cursor_is_an_error() {
        one("SELECT sort FROM cursor_decode('eyJzIjoibmFtZSJ9')");
    }

    #[pg_test(error = "cursor value of type interval is not supported")]
    fn unsupported_type_is_an_error() {
        one("SELECT cursor_encode('s', 'asc', '1 day'::interval, 1)");
    }

    /// xorshift64*: deterministic choices for the differential test.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[(self.next() % xs.len() as u64) as usize]
        }
    }

    /// Differential test: 24 random tables (duplicates, NULLs, many sort and key types); every
    /// walk with page sizes 1-11 in both directions equals the ORDER BY ground truth: same rows,
    /// same order, no duplicates, no gaps.
    #[pg_test]
    fn differential_walks_match_order_by() {
        // (type, expression of x, a small random int with many duplicates)
        let sorts = [
            ("int", "x"),
            ("smallint", "x::smallint"),
            ("bigint", "x::bigint * 1000000007"),
            ("numeric(12,3)", "(x / 3.0)::numeric(12,3)"),
            ("double precision", "x / 7.0"),
            ("real", "(x / 7.0)::real"),
            ("text", "'v' || x || chr(233 + x % 3)"),
            ("varchar(10)", "('s' || lpad(x::text, 3, '0'))::varchar"),
            ("timestamptz", "'2024-01-01 00:00:00+00'::timestamptz + x * interval '1 hour' + x * interval '1 microsecond'"),
            ("timestamp", "'1999-12-31 23:00:00'::timestamp + x * interval '37 minutes'"),
            ("date", "'2024-02-27'::date + x"),
            ("boolean", "x % 2 = 0"),
            ("uuid", "md5(x::text)::uuid"),
        ];
        let keys = [
            ("int", "n"),
            ("bigint", "n::bigint * 3000000000"),
            ("uuid", "md5('k' || n)::uuid"),
            ("text", "'k' || (n * 7919 % 1009)"),
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        Spi::run("SELECT setseed(0.42)").unwrap();
        for t in 0..24 {
            let (sort_type, sort_expr) = sorts[t % sorts.len()];
            let (key_type, key_expr) = keys[(rng.next() % keys.len() as u64) as usize];
            let nullable = !rng.next().is_multiple_of(3);
            let rows = rng.next() % 45;
            let spread = 1 + rng.next() % 12;
            let not_null = if nullable { "" } else { " NOT NULL" };
            let null_case = if nullable {
                "CASE WHEN random() < 0.25 THEN NULL ELSE"
            } else {
                "CASE WHEN false THEN NULL ELSE"
            };
            let table = format!("diff_{t}");
            Spi::run(&format!(
                "CREATE TABLE {table} (k {key_type} PRIMARY KEY, s {sort_type}{not_null}, payload text);
                 INSERT INTO {table}
                 SELECT {key_expr}, {null_case} {sort_expr} END, 'p' || n
                 FROM generate_series(1, {rows}) n
                 CROSS JOIN LATERAL (SELECT (random() * {spread} + 0 * n)::int AS x) r;"
            ))
            .unwrap();
            if rng.pick(&["index", "none"]) == "index" {
                Spi::run(&format!("CREATE INDEX ON {table} (s, k)")).unwrap();
            }
            for dir in ["asc", "desc"] {
                let truth = Spi::get_one::<String>(&format!(
                    "SELECT coalesce(string_agg(k::text, ',' ORDER BY s {dir}, k {dir}), '') FROM {table}"
                ))
                .unwrap()
                .unwrap();
                for size in 1..=11 {
                    let walk = Spi::get_one::<String>(&format!(
                        "WITH RECURSIVE w(page, rows, next_cursor, has_more) AS (
                           SELECT 1, p.rows, p.next_cursor, p.has_more FROM keyset_page('{table}', 's', '{dir}', NULL, {size}) p
                           UNION ALL
                           SELECT w.page + 1, p.rows, p.next_cursor, p.has_more
                           FROM w CROSS JOIN LATERAL keyset_page('{table}', 's', '{dir}', w.next_cursor, {size}) p
                           WHERE w.has_more AND w.page < 1000)
                         SELECT coalesce(string_agg(e.r->>'k', ',' ORDER BY w.page, e.ord), '')
                         FROM w LEFT JOIN LATERAL json_array_elements(w.rows) WITH ORDINALITY e(r, ord) ON true"
                    ))
                    .unwrap()
                    .unwrap();
                    assert!(
                        walk == truth,
                        "table {table} (sort {sort_type}{not_null}, key {key_type}, {rows} rows), {dir}, page size {size}:\n walk  {walk:.300}\n truth {truth:.300}"
                    );
                }
            }
        }
    }

    /// Walks a listing forward with `after` to its end (at most 100 pages), then back with
    /// `before` from its last page. `page(cursor, argument)` writes the keyset_page call;
    /// `id_expr` identifies a row `e.r` of `rows`. Returns the ids of the forward and the backward
    /// walk, comma-separated in display order, and whether has_previous (forward) and has_more
    /// (backward) were true exactly on pages with a neighbour and both walks had as many pages.
    fn walk_both_ways(
        page: &dyn Fn(&str, &str) -> String,
        id_expr: &str,
    ) -> (Option<String>, Option<String>, Option<bool>) {
        Spi::get_three::<String, String, bool>(&format!(
            "WITH RECURSIVE
             f(page, rows, next_cursor, has_more, prev_cursor, has_previous) AS (
               SELECT 1, p.rows, p.next_cursor, p.has_more, p.prev_cursor, p.has_previous FROM {first} p
               UNION ALL
               SELECT f.page + 1, p.rows, p.next_cursor, p.has_more, p.prev_cursor, p.has_previous
               FROM f CROSS JOIN LATERAL {after} p WHERE f.has_more AND f.page < 100),
             b(page, rows, has_more, prev_cursor, has_previous) AS (
               SELECT 0, rows, has_more, prev_cursor, has_previous FROM (SELECT * FROM f ORDER BY page DESC LIMIT 1) l
               UNION ALL
               SELECT b.page - 1, p.rows, p.has_more, p.prev_cursor, p.has_previous
               FROM b CROSS JOIN LATERAL {before} p WHERE b.has_previous AND b.page > -100)
             SELECT
               (SELECT coalesce(string_agg({id_expr}, ',' ORDER BY f.page, e.n), '')
                  FROM f LEFT JOIN LATERAL json_array_elements(f.rows) WITH ORDINALITY e(r, n) ON true),
               (SELECT coalesce(string_agg({id_expr}, ',' ORDER BY b.page, e.n), '')
                  FROM b LEFT JOIN LATERAL json_array_elements(b.rows) WITH ORDINALITY e(r, n) ON true),
               (SELECT bool_and(has_previous = (page > 1)) FROM f)
                 AND coalesce((SELECT bool_and(has_more) FROM b WHERE page < 0), true)
                 AND (SELECT count(*) FROM b) = (SELECT count(*) FROM f)",
            first = page("NULL", "after"),
            after = page("f.next_cursor", "after"),
            before = page("b.prev_cursor", "before"),
        ))
        .unwrap()
    }

    /// Differential test for multi-column listings: 16 random tables (NULLs, heavy duplicates),
    /// random sort specs of 1-3 columns with random ASC/DESC and NULLS FIRST/LAST, a random
    /// direction argument, a random filter and random indexes. Each listing is walked forward
    /// to the end with `after`, then back to the start with `before` from the last page; both
    /// must equal ORDER BY ground truth (written independently from the documented rules: an
    /// unmarked column takes the direction argument, the key follows the last listed column),
    /// and has_previous / has_more must be true exactly on the pages that have a neighbour.
    #[pg_test]
    fn differential_multi_column_walks_with_filters() {
        let columns = ["a", "b", "c", "d"];
        // (filter jsonb, the same condition in SQL)
        let filters = [
            ("", "true"),
            (r#"{"d": true}"#, "d = true"),
            (r#"{"a": {">=": 1}}"#, "a >= 1"),
            (r#"{"b": {"is not": null}}"#, "b IS NOT NULL"),
            (
                r#"{"a": {"in": [0, 2]}, "d": {"<>": false}}"#,
                "a IN (0, 2) AND d <> false",
            ),
            (
                r#"{"c": {"<": "2024-01-01 03:00:00+00"}}"#,
                "c < '2024-01-01 03:00:00+00'",
            ),
            (r#"{"b": null}"#, "b IS NULL"),
        ];
        let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
        Spi::run("SELECT setseed(0.17)").unwrap();
        for t in 0..16 {
            let rows = rng.next() % 40;
            let table = format!("multi_{t}");
            Spi::run(&format!(
                "CREATE TABLE {table} (k int PRIMARY KEY, a int, b text, c timestamptz NOT NULL, d boolean);
                 INSERT INTO {table}
                 SELECT n,
                        CASE WHEN random() < 0.3 THEN NULL ELSE (random() * 2)::int END,
                        CASE WHEN random() < 0.3 THEN NULL ELSE chr(97 + (random() * 2)::int) END,
                        '2024-01-01 00:00:00+00'::timestamptz + (random() * 4)::int * interval '1 hour',
                        CASE WHEN random() < 0.2 THEN NULL ELSE random() < 0.5 END
                 FROM generate_series(1, {rows}) n;"
            ))
            .unwrap();
            if rng.next().is_multiple_of(2) {
                Spi::run(&format!("CREATE INDEX ON {table} (a, b, c, k)")).unwrap();
            }
            for _ in 0..6 {
                let n = 1 + (rng.next() % 3) as usize;
                let mut cols: Vec<&str> = columns.to_vec();
                let mut items = Vec::new();
                let mut order = Vec::new();
                let direction = rng.pick(&["asc", "desc"]);
                let mut last = direction;
                for _ in 0..n {
                    let col = cols.remove((rng.next() % cols.len() as u64) as usize);
                    let dir = rng.pick(&["", "asc", "desc"]);
                    let nulls = rng.pick(&["", "nulls first", "nulls last"]);
                    let effective = if dir.is_empty() { direction } else { dir };
                    last = effective;
                    items.push(format!("{col} {dir} {nulls}"));
                    order.push(format!("{col} {effective} {nulls}"));
                }
                order.push(format!("k {last}"));
                let spec = items.join(", ");
                let order = order.join(", ");
                let (filter, condition) = filters[(rng.next() % filters.len() as u64) as usize];
                let filter_arg = if filter.is_empty() {
                    "NULL".to_string()
                } else {
                    format!("'{filter}'")
                };
                let size = 1 + rng.next() % 6;
                let truth = Spi::get_one::<String>(&format!(
                    "SELECT coalesce(string_agg(k::text, ',' ORDER BY {order}), '') FROM {table} WHERE {condition}"
                ))
                .unwrap()
                .unwrap();
                let page = |cursor: &str, column: &str| {
                    format!("keyset_page('{table}', '{spec}', '{direction}', {column} => {cursor}, page_size => {size}, filter => {filter_arg})")
                };
                let (walk, back, flags) = walk_both_ways(&page, "e.r->>'k'");
                let context = format!("table {table} ({rows} rows), sort '{spec}' direction {direction}, filter {filter:?}, page size {size}");
                assert_eq!(
                    walk.as_deref(),
                    Some(truth.as_str()),
                    "forward walk: {context}"
                );
                assert_eq!(
                    back.as_deref(),
                    Some(truth.as_str()),
                    "backward walk: {context}"
                );
                assert_eq!(flags, Some(true), "has_previous/has_more flags: {context}");
            }
        }
    }

    /// Differential test over every relation kind and key shape: a table with a composite
    /// primary key (k1, k2), its partitioned twin (partitioned by k1), a simple view filtering
    /// rows, a materialized view with a unique index on (k1, k2), a GROUP BY view paged with
    /// `key => 'k1, k2'`, and a table whose key is a unique index (inferred, and named by a `key`
    /// argument listing its columns the other way round). Random data with NULLs and duplicates in the
    /// sort columns, random sorts of 0-2 columns (sometimes listing a key column), random
    /// directions and page sizes; each listing is walked forward with `after` and back with
    /// `before`, and both must equal ORDER BY of the same key.
    #[pg_test]
    fn differential_relation_kinds_and_keys() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        Spi::run("SELECT setseed(0.61)").unwrap();
        for t in 0..6 {
            let rows = 5 + rng.next() % 40;
            let base = format!("rk_{t}");
            Spi::run(&format!(
                "CREATE TABLE {base} (k1 int NOT NULL, k2 text NOT NULL, a int, b text, PRIMARY KEY (k1, k2));
                 INSERT INTO {base}
                 SELECT n % 4, 'x' || (n * 7 % 13) || '-' || n,
                        CASE WHEN random() < 0.3 THEN NULL ELSE (random() * 3)::int END,
                        CASE WHEN random() < 0.2 THEN NULL ELSE chr(97 + (random() * 2)::int) END
                 FROM generate_series(1, {rows}) n;
                 CREATE TABLE {base}_p (k1 int NOT NULL, k2 text NOT NULL, a int, b text, PRIMARY KEY (k1, k2))
                   PARTITION BY LIST (k1);
                 CREATE TABLE {base}_p0 PARTITION OF {base}_p FOR VALUES IN (0, 1);
                 CREATE TABLE {base}_p2 PARTITION OF {base}_p FOR VALUES IN (2);
                 CREATE TABLE {base}_pd PARTITION OF {base}_p DEFAULT;
                 INSERT INTO {base}_p SELECT * FROM {base};
                 CREATE VIEW {base}_v AS SELECT k1, k2, a, b FROM {base} WHERE k2 <> 'x0-13';
                 CREATE MATERIALIZED VIEW {base}_m AS SELECT * FROM {base};
                 CREATE UNIQUE INDEX ON {base}_m (k1, k2);
                 CREATE VIEW {base}_g AS SELECT k1, k2, max(a) AS a, max(b) AS b FROM {base} GROUP BY k1, k2;
                 CREATE TABLE {base}_u (k1 int NOT NULL, k2 text NOT NULL, a int, b text, UNIQUE (k1, k2));
                 INSERT INTO {base}_u SELECT * FROM {base};"
            ))
            .unwrap();
            if rng.next().is_multiple_of(2) {
                Spi::run(&format!(
                    "CREATE INDEX ON {base} (a, k1, k2); CREATE INDEX ON {base}_p (a, k1, k2)"
                ))
                .unwrap();
            }
            let relations = [
                (base.clone(), "NULL"),
                (format!("{base}_p"), "NULL"),
                (format!("{base}_v"), "NULL"),
                (format!("{base}_m"), "NULL"),
                (format!("{base}_g"), "'k1, k2'"),
                (format!("{base}_u"), "NULL"),
                (format!("{base}_u"), "'k2, k1'"),
            ];
            for (relation, key) in &relations {
                for _ in 0..3 {
                    let direction = rng.pick(&["asc", "desc"]);
                    let mut items: Vec<String> = Vec::new();
                    let mut order: Vec<String> = Vec::new();
                    let mut listed: Vec<&str> = Vec::new();
                    let mut last = direction;
                    let n = (rng.next() % 3) as usize;
                    let mut pool = vec!["a", "b", "k2"];
                    for _ in 0..n {
                        let col = pool.remove((rng.next() % pool.len() as u64) as usize);
                        let dir = rng.pick(&["", "asc", "desc"]);
                        let nulls = if col == "k2" {
                            ""
                        } else {
                            rng.pick(&["", "nulls first", "nulls last"])
                        };
                        let effective = if dir.is_empty() { direction } else { dir };
                        last = effective;
                        listed.push(col);
                        items.push(format!("{col} {dir} {nulls}"));
                        order.push(format!("{col} {effective} {nulls}"));
                    }
                    // The key's columns not listed follow, in the key's own order.
                    let key_order: [&str; 2] = if *key == "'k2, k1'" {
                        ["k2", "k1"]
                    } else {
                        ["k1", "k2"]
                    };
                    for k in key_order {
                        if !listed.contains(&k) {
                            order.push(format!("{k} {last}"));
                        }
                    }
                    let spec = if items.is_empty() {
                        "NULL".to_string()
                    } else {
                        format!("'{}'", items.join(", "))
                    };
                    let order = order.join(", ");
                    let size = 1 + rng.next() % 5;
                    let truth = Spi::get_one::<String>(&format!(
                        "SELECT coalesce(string_agg(k1 || '/' || k2, ',' ORDER BY {order}), '') FROM {relation}"
                    ))
                    .unwrap()
                    .unwrap();
                    let page = |cursor: &str, column: &str| {
                        format!("keyset_page('{relation}', {spec}, '{direction}', {column} => {cursor}, page_size => {size}, key => {key})")
                    };
                    let (walk, back, _) =
                        walk_both_ways(&page, "(e.r->>'k1') || '/' || (e.r->>'k2')");
                    let context = format!("{relation} ({rows} rows), sort {spec} direction {direction}, key {key}, page size {size}");
                    assert_eq!(
                        walk.as_deref(),
                        Some(truth.as_str()),
                        "forward walk: {context}"
                    );
                    assert_eq!(
                        back.as_deref(),
                        Some(truth.as_str()),
                        "backward walk: {context}"
                    );
                }
            }
        }
    }
}
