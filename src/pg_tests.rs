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
}
