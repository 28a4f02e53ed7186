//! Whether a btree index serves a listing's ORDER BY, and the index to suggest when none does:
//! the pure half of the extension's index advice (`src/index_advice.rs` reads the indexes).
//!
//! An index serves the listing when, after leading columns the filter pins to one value
//! (`col = v`, `col IS NULL`), its key columns are the sort keys in order, each with the key's
//! direction and NULL placement, or all of them reversed (a backward index scan). NULL placement
//! is ignored for NOT NULL columns. Each index column must order like ORDER BY on the column
//! (its collation and its type's default btree operator family): an index built `COLLATE "C"`
//! or with `text_pattern_ops` orders differently and cannot serve it.

use crate::cursor::Direction;
use crate::sort_spec::SortKey;

/// One key column of a (valid, non-partial, btree) index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexColumn {
    /// Attribute number (0 for an expression).
    pub attnum: i16,
    pub desc: bool,
    pub nulls_first: bool,
    /// Whether it uses the column's collation and its type's default btree operator family.
    pub orders_like_order_by: bool,
}

/// One key of the ORDER BY, with the attribute number of its column in the indexed relation.
#[derive(Debug, Clone, Copy)]
pub struct OrderColumn<'a> {
    pub key: &'a SortKey,
    pub attnum: i16,
    pub not_null: bool,
}

/// Whether an index with these key columns serves `order` after some of the `pinned` columns
/// (`col = v` or `col IS NULL`); `equal` are the columns pinned by `=`.
pub fn serves(index: &[IndexColumn], order: &[OrderColumn], pinned: &[i16], equal: &[i16]) -> bool {
    // A sort key after the first that `=` fixes orders nothing (the planner drops it from the
    // ORDER BY too): `created_at, tenant_id, id` under `tenant_id = 7` is served by
    // `(tenant_id, created_at, id)`, the multi-tenant index. Not the first key: the cursor's row
    // value starts with it, and only an index on it bounds each page's range (the key's index
    // alone would order `x, id` under `x = 5` but scan from the start on every page). Not
    // `IS NULL` either: the planner keeps such a key.
    let order: Vec<&OrderColumn> = order
        .iter()
        .enumerate()
        .filter(|(i, o)| *i == 0 || !equal.contains(&o.attnum))
        .map(|(_, o)| o)
        .collect();
    let matches = |start: usize, reversed: bool| {
        let mut j = start;
        order.iter().all(|o| {
            // An index column fixed by `=` may also sit between the keys: (a, b, id) serves
            // `a, b` under `b = 5`.
            while index
                .get(j)
                .is_some_and(|c| c.attnum != o.attnum && equal.contains(&c.attnum))
            {
                j += 1;
            }
            let Some(c) = index.get(j) else {
                return false;
            };
            j += 1;
            let k = if reversed {
                o.key.reversed()
            } else {
                o.key.clone()
            };
            c.attnum == o.attnum
                && c.orders_like_order_by
                && c.desc == (k.direction == Direction::Desc)
                && (o.not_null || c.nulls_first == k.nulls_first)
        })
    };
    // Try each number of leading pinned columns.
    (0..=index.len())
        .take_while(|&s| s == 0 || pinned.contains(&index[s - 1].attnum))
        .any(|s| matches(s, false) || matches(s, true))
}

/// A key as one would write it in CREATE INDEX or ORDER BY: `name`, `name DESC`, plus NULLS
/// FIRST/LAST only where it is not the default and the column can hold NULLs. `quote` quotes a
/// name the way Postgres would.
pub fn key_sql(k: &SortKey, not_null: bool, quote: &impl Fn(&str) -> String) -> String {
    let mut words = quote(&k.column);
    if k.direction == Direction::Desc {
        words.push_str(" DESC");
    }
    if !not_null && !k.default_nulls() {
        words.push_str(if k.nulls_first {
            " NULLS FIRST"
        } else {
            " NULLS LAST"
        });
    }
    words
}

/// The column list of the index to suggest: the pinned columns (by name), then the keys. All-DESC
/// keys are written ASC (an index serves its exact reverse too, and `(created_at, id)` is the
/// index people expect). `order` pairs each key with its column's NOT NULL flag.
pub fn suggested_columns(
    pinned: &[&str],
    order: &[(&SortKey, bool)],
    quote: &impl Fn(&str) -> String,
) -> Vec<String> {
    let flip = order.iter().all(|(k, _)| k.direction == Direction::Desc);
    let mut columns: Vec<String> = Vec::new();
    for name in pinned {
        let q = quote(name);
        if !columns.contains(&q) {
            columns.push(q);
        }
    }
    let mut names: Vec<String> = pinned.iter().map(|n| quote(n)).collect();
    for (key, not_null) in order {
        // A view may show one column twice (`id, id AS id2`): the index lists it once.
        let name = quote(&key.column);
        if names.contains(&name) {
            continue;
        }
        names.push(name);
        let k = if flip { key.reversed() } else { (*key).clone() };
        columns.push(key_sql(&k, *not_null, quote));
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sort_spec::{parse, resolve};

    #[test]
    fn a_sort_key_fixed_by_equality_orders_nothing() {
        let c = |a| col(a, false, false);
        // ORDER BY a, tenant, id under tenant = v: (tenant, a, id) serves it, (a, id) too.
        let k = keys("a, tenant");
        let o = order(&k, true);
        assert!(serves(&[c(4), c(1), c(3)], &o, &[4], &[4]));
        assert!(serves(&[c(1), c(3)], &o, &[4], &[4]));
        // Not without the pin, nor in another order, nor under IS NULL (the planner keeps an
        // IS NULL key in the ORDER BY).
        assert!(!serves(&[c(4), c(1), c(3)], &o, &[], &[]));
        assert!(!serves(&[c(4), c(3), c(1)], &o, &[4], &[4]));
        assert!(!serves(&[c(1), c(3)], &o, &[4], &[]));
        // The first key stays even when fixed: the key's index alone (id) orders `a, id`
        // under a = v but cannot bound the cursor's row value (a, id): every page would scan
        // from the start.
        let k = keys("a");
        assert!(!serves(&[c(3)], &order(&k, true), &[1], &[1]));
        assert!(serves(&[c(1), c(3)], &order(&k, true), &[1], &[1]));
        // A fixed index column between the keys: (a, b, id) serves `a, b` under b = v.
        let k = keys("a, b");
        assert!(serves(&[c(1), c(2), c(3)], &order(&k, true), &[2], &[2]));
        // (And without the pin the index matches the order as it stands.)
        assert!(serves(&[c(1), c(2), c(3)], &order(&k, true), &[2], &[]));
    }

    fn col(attnum: i16, desc: bool, nulls_first: bool) -> IndexColumn {
        IndexColumn {
            attnum,
            desc,
            nulls_first,
            orders_like_order_by: true,
        }
    }

    fn keys(spec: &str) -> Vec<SortKey> {
        resolve(&parse(spec).unwrap(), Direction::Asc, &["id".to_string()])
    }

    /// Columns: a=1, b=2, id=3, tenant=4.
    fn order<'a>(keys: &'a [SortKey], not_null: bool) -> Vec<OrderColumn<'a>> {
        keys.iter()
            .map(|k| OrderColumn {
                key: k,
                attnum: match k.column.as_str() {
                    "a" => 1,
                    "b" => 2,
                    "id" => 3,
                    _ => 4,
                },
                not_null,
            })
            .collect()
    }

    #[test]
    fn forward_and_backward_scans() {
        let k = keys("a");
        let idx = [col(1, false, false), col(3, false, false)];
        assert!(serves(&idx, &order(&k, true), &[], &[]));
        let k = keys("a desc");
        assert!(serves(&idx, &order(&k, true), &[], &[]));
        // Mixed directions need a mixed index.
        let k = keys("a desc, b");
        let plain = [
            col(1, false, false),
            col(2, false, false),
            col(3, false, false),
        ];
        assert!(!serves(&plain, &order(&k, true), &[], &[]));
        let mixed = [
            col(1, true, true),
            col(2, false, false),
            col(3, false, false),
        ];
        assert!(serves(&mixed, &order(&k, true), &[], &[]));
    }

    #[test]
    fn null_placement_matters_only_for_nullable_columns() {
        let k = keys("a nulls first");
        let idx = [col(1, false, false), col(3, false, false)];
        assert!(serves(&idx, &order(&k, true), &[], &[]));
        assert!(!serves(&idx, &order(&k, false), &[], &[]));
    }

    #[test]
    fn pinned_leading_columns_and_collations() {
        let k = keys("a");
        let idx = [
            col(4, false, false),
            col(1, false, false),
            col(3, false, false),
        ];
        assert!(!serves(&idx, &order(&k, true), &[], &[]));
        assert!(serves(&idx, &order(&k, true), &[4], &[4]));
        let c_collation = [
            IndexColumn {
                orders_like_order_by: false,
                ..col(1, false, false)
            },
            col(3, false, false),
        ];
        assert!(!serves(&c_collation, &order(&k, true), &[], &[]));
    }

    #[test]
    fn suggestions() {
        let q = |s: &str| s.to_string();
        let k = keys("a desc");
        let o: Vec<(&SortKey, bool)> = k.iter().map(|k| (k, true)).collect();
        assert_eq!(
            suggested_columns(&["tenant", "tenant"], &o, &q),
            ["tenant", "a", "id"]
        );
        let k = keys("a desc nulls last, b");
        let o: Vec<(&SortKey, bool)> = k.iter().map(|k| (k, false)).collect();
        assert_eq!(
            suggested_columns(&[], &o, &q),
            ["a DESC NULLS LAST", "b", "id"]
        );
        // One base column shown twice by a view is indexed once.
        let twice = [
            SortKey::new("id", Direction::Asc),
            SortKey::new("id", Direction::Asc),
        ];
        let o: Vec<(&SortKey, bool)> = twice.iter().map(|k| (k, true)).collect();
        assert_eq!(suggested_columns(&[], &o, &q), ["id"]);
    }
}
