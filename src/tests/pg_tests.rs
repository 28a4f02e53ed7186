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
        let a = one("SELECT cursor_encode('created_at', 'desc', '2024-02-01 09:00:00+00'::timestamptz, 42)");
        Spi::run("SET TimeZone = 'Asia/Tokyo'").unwrap();
        let b = one("SELECT cursor_encode('created_at', 'desc', '2024-02-01 09:00:00+00'::timestamptz, 42)");
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
            ("'0B9F4F2E-9A43-4C49-8A7A-2F3C1D5E6F70'::uuid", "0b9f4f2e-9a43-4c49-8a7a-2f3c1d5e6f70"),
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
        let v = one("SELECT value || '|' || id FROM cursor_decode(cursor_encode('name', 'asc', 'Zoë', 9))");
        assert_eq!(v.as_deref(), Some("Zoë|9"));
        Spi::run("CREATE DOMAIN pg_temp.positive AS bigint CHECK (VALUE > 0)").unwrap();
        let v = one("SELECT value FROM cursor_decode(cursor_encode('n', 'asc', 5::pg_temp.positive, 'k'))");
        assert_eq!(v.as_deref(), Some("5"));
    }

    #[pg_test]
    fn null_value_encodes_as_json_null() {
        let c = one("SELECT cursor_encode('priority', 'asc', NULL::int, 16)");
        assert_eq!(c.as_deref(), Some("eyJzIjoicHJpb3JpdHkiLCJvIjoiYXNjIiwidiI6bnVsbCwiaWQiOiIxNiJ9"));
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
            let null_case = if nullable { "CASE WHEN random() < 0.25 THEN NULL ELSE" } else { "CASE WHEN false THEN NULL ELSE" };
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
                         FROM w LEFT JOIN LATERAL jsonb_array_elements(w.rows) WITH ORDINALITY e(r, ord) ON true"
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
}
