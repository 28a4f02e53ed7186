//! `#[pg_test]`s of the per-backend caches: plans bounded in bytes, never freeing a running plan;
//! listing shapes reused until an invalidation.

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn setup() {
        Spi::run(
            "CREATE TABLE cache_t (id int PRIMARY KEY, a int NOT NULL, b int, c text NOT NULL);
             INSERT INTO cache_t SELECT g, g % 17, CASE WHEN g % 5 = 0 THEN NULL ELSE g % 7 END, 'c' || g
             FROM generate_series(1, 300) g",
        )
        .unwrap();
    }

    /// Runs one page of a listing from a cursor in the middle (so every branch is planned).
    fn page(sort: &str, size: i32, filter: &str) -> i64 {
        let filter = if filter.is_empty() {
            "NULL".to_string()
        } else {
            format!("'{filter}'")
        };
        Spi::get_one::<i64>(&format!(
            "SELECT json_array_length(p2.rows)::bigint
             FROM keyset_page('cache_t', '{sort}', 'asc', NULL, 50, filter => {filter}) p1,
                  keyset_page('cache_t', '{sort}', 'asc', p1.next_cursor, {size}, filter => {filter}) p2"
        ))
        .unwrap()
        .unwrap_or(0)
    }

    #[pg_test]
    fn plan_cache_stays_within_its_byte_budget() {
        setup();
        Spi::run("SET pg_keyset.plan_cache_kb = 200").unwrap();
        let mut max_kept = 0;
        for size in 1..=80 {
            let sort = ["a", "a desc, b", "b nulls first, c desc", "c"][size as usize % 4];
            page(sort, size, "");
            let (bytes, plans) = crate::spi_plan::cache_usage();
            assert!(
                bytes <= 200 * 1024,
                "{bytes} bytes kept in {plans} plans, over the 200 kB budget"
            );
            max_kept = max_kept.max(plans);
        }
        // Plans were kept (the budget is used) and evicted (80 shapes do not fit).
        let (_, plans) = crate::spi_plan::cache_usage();
        assert!(
            plans > 2 && max_kept < 160,
            "kept {plans}, at most {max_kept}"
        );
        // With no budget, nothing is kept once calls return.
        Spi::run("SET pg_keyset.plan_cache_kb = 0").unwrap();
        page("a", 3, "");
        assert_eq!(crate::spi_plan::cache_usage(), (0, 0));
    }

    #[pg_test]
    fn plans_are_accounted_in_bytes() {
        setup();
        Spi::run("SET pg_keyset.plan_cache_kb = 65536").unwrap();
        let (before, _) = crate::spi_plan::cache_usage();
        page("a", 7, "");
        let (simple, _) = crate::spi_plan::cache_usage();
        let filter = "{\"a\": {\">\": 0, \"<\": 99, \"<>\": 5, \">=\": 1, \"<=\": 98}, \"b\": {\"in\": [1, 2, 3], \"<>\": 9}, \"c\": {\">\": \"a\"}}";
        page("a desc, b nulls first, c", 7, filter);
        let (filtered, _) = crate::spi_plan::cache_usage();
        let simple_bytes = simple - before;
        let filtered_bytes = filtered - simple;
        // A mixed, nullable listing with an 8-condition filter holds more than twice the memory
        // (measured: 160 kB against 56 kB).
        assert!(simple_bytes > 1000, "{simple_bytes}");
        assert!(
            filtered_bytes > 2 * simple_bytes,
            "{filtered_bytes} vs {simple_bytes}"
        );
    }

    #[pg_test]
    fn nested_calls_never_lose_a_running_plan() {
        setup();
        // Every nested call has a new shape, and no plan is kept once unpinned: the outer plan
        // must survive the nested calls that run while it executes.
        Spi::run("SET pg_keyset.plan_cache_kb = 0").unwrap();
        Spi::run(
            "CREATE FUNCTION nested_len(n int) RETURNS bigint LANGUAGE sql STABLE AS
             $$ SELECT json_array_length(rows)::bigint FROM keyset_page('cache_t', 'a', 'asc', NULL, n % 40 + 1) $$",
        )
        .unwrap();
        let total = Spi::get_one::<i64>(
            "SELECT sum(nested_len((e->>'id')::int))::bigint
             FROM keyset_page('cache_t', 'c', 'asc', NULL, 200) p, json_array_elements(p.rows) e",
        )
        .unwrap();
        let expected = Spi::get_one::<i64>(
            "SELECT sum(least(n % 40 + 1, 300))::bigint FROM (SELECT id AS n FROM cache_t ORDER BY c, id LIMIT 200) s",
        )
        .unwrap();
        assert_eq!(total, expected);
        let typed = Spi::get_one::<i64>(
            "SELECT sum(nested_len(t.id))::bigint FROM keyset_rows(NULL::cache_t, 'b nulls first', 'desc', NULL, 150) t",
        )
        .unwrap();
        assert!(typed.unwrap_or(0) > 0);
    }

    #[pg_test]
    fn shapes_are_reused_until_an_invalidation() {
        setup();
        use crate::shape_cache::{generation, len};
        // Another session's invalidation (autovacuum analyzing any table) also empties the
        // cache, or keeps a shape resolved meanwhile out of it: assertions about what is kept
        // hold for calls no invalidation came during (retried a few times until one is).
        let undisturbed = |sort: &str, size: i32| {
            (0..10).any(|_| {
                let g = generation();
                page(sort, size, "");
                generation() == g
            })
        };
        assert!(undisturbed("a", 5));
        let one = len();
        assert!(one >= 1);
        // Another page of the same listing (another size, another cursor): the same shape.
        let g = generation();
        page("a", 9, "");
        if generation() == g {
            assert_eq!(len(), one);
        }
        let g = generation();
        page("b nulls first", 5, "");
        if generation() == g {
            assert_eq!(len(), one + 1);
        }
        // DDL on any relation empties the cache; the next call resolves its shape afresh.
        Spi::run("ALTER TABLE cache_t ADD COLUMN d int").unwrap();
        assert_eq!(len(), 0);
        assert!(undisturbed("a", 5));
        assert!(len() >= 1);
    }
}
