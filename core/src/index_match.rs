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

/// Whether an index with these key columns serves `order` after some of the `pinned` columns.
pub fn serves(index: &[IndexColumn], order: &[OrderColumn], pinned: &[i16]) -> bool {
    // A sort key the filter pins to one value orders nothing (the planner drops it from the
    // ORDER BY too): `created_at, tenant_id, id` under `tenant_id = 7` is served by
    // `(tenant_id, created_at, id)`, the multi-tenant index.
    let order: Vec<&OrderColumn> = order
        .iter()
        .filter(|o| !pinned.contains(&o.attnum))
        .collect();
    let matches = |start: usize, reversed: bool| {
        start + order.len() <= index.len()
            && order.iter().enumerate().all(|(i, o)| {
                let k = if reversed {
                    o.key.reversed()
                } else {
                    o.key.clone()
                };
                let c = &index[start + i];
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
    fn a_pinned_sort_key_orders_nothing() {
        // ORDER BY a, tenant, id under tenant = v: (tenant, a, id) serves it, (a, id) too.
        let k = keys("a, tenant");
        let o = order(&k, true);
        let tenant_first = [
            col(4, false, false),
            col(1, false, false),
            col(3, false, false),
        ];
        assert!(serves(&tenant_first, &o, &[4]));
        assert!(serves(
            &[col(1, false, false), col(3, false, false)],
            &o,
            &[4]
        ));
        // Not without the pin, nor in another order.
        assert!(!serves(&tenant_first, &o, &[]));
        assert!(!serves(
            &[
                col(4, false, false),
                col(3, false, false),
                col(1, false, false)
            ],
            &o,
            &[4]
        ));
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
        assert!(serves(&idx, &order(&k, true), &[]));
        let k = keys("a desc");
        assert!(serves(&idx, &order(&k, true), &[]));
        // Mixed directions need a mixed index.
        let k = keys("a desc, b");
        let plain = [
            col(1, false, false),
            col(2, false, false),
            col(3, false, false),
        ];
        assert!(!serves(&plain, &order(&k, true), &[]));
        let mixed = [
            col(1, true, true),
            col(2, false, false),
            col(3, false, false),
        ];
        assert!(serves(&mixed, &order(&k, true), &[]));
    }

    #[test]
    fn null_placement_matters_only_for_nullable_columns() {
        let k = keys("a nulls first");
        let idx = [col(1, false, false), col(3, false, false)];
        assert!(serves(&idx, &order(&k, true), &[]));
        assert!(!serves(&idx, &order(&k, false), &[]));
    }

    #[test]
    fn pinned_leading_columns_and_collations() {
        let k = keys("a");
        let idx = [
            col(4, false, false),
            col(1, false, false),
            col(3, false, false),
        ];
        assert!(!serves(&idx, &order(&k, true), &[]));
        assert!(serves(&idx, &order(&k, true), &[4]));
        let c_collation = [
            IndexColumn {
                orders_like_order_by: false,
                ..col(1, false, false)
            },
            col(3, false, false),
        ];
        assert!(!serves(&c_collation, &order(&k, true), &[]));
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
