//! The page query for one shape of request: identifiers in, SQL text with `$n` parameters out.
//!
//! Every identifier is double-quoted here and nowhere else; no value ever appears in the text
//! (cursor values are `$1..`, filter values follow). The only numbers in the text are the page
//! size and array subscripts, validated integers: the page size is part of the plan's shape on
//! purpose, because a bound `LIMIT $n` makes a generic plan assume 10% of the table and prefer a
//! sort over the index (see README, "How it works").
//!
//! ## Index ranges ("branches")
//! The rows after a cursor are cut into branches, each one plain index range, listed in page
//! order; the page is their UNION ALL (each branch ordered and limited, so the Append stops as
//! soon as it has page_size + 1 rows). For keys `k1..km` (the last one the primary key) and the
//! cursor's values `v1..vm`, from the deepest column outwards:
//! - a run of NOT NULL columns with one direction is one row value: `(k2, k3) > ($2, $3)`; all
//!   columns one direction and NOT NULL (the common case) is a single branch
//!   `(k1, .., km) > ($1, .., $m)`, exactly the hand-written query;
//! - mixed directions split at each change of direction: `(a desc, b, id)` after (x, y, z) is
//!   `a = $1 AND (b, id) > ($2, $3)` then `a < $1`. The usual single-scan form,
//!   `a <= $1 AND (a < $1 OR (a = $1 AND (b, id) > ($2, $3)))`, has only its leading bound as an
//!   Index Cond and filters away every row of the cursor's `a` group that precedes it, which
//!   grows with depth inside a group (keyset_plans.sql shows both);
//! - a nullable column splits into its non-NULL range and its NULL block (`k IS NULL`, itself an
//!   index range), ordered by where its NULLS FIRST/LAST puts them; a NULL cursor value is an
//!   `IS NULL` prefix, never a parameter.
//!
//! Backward pages (`before`) run the same construction on the reversed order and re-sort the
//! at most page_size + 1 rows for display. `has_previous` (forward) and `has_more` (backward)
//! come from an EXISTS probe of the other side of the cursor, inclusive of the cursor row.

use crate::cursor::Direction;
use crate::filter::{Condition, FilterOp};
use crate::sort_spec::SortKey;

/// What the query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// One row: rows jsonb, more bool, probe bool, then the page's first row's keys `k1..km`
    /// and its last row's keys. `more`: page_size + 1 rows were found in the fetch direction;
    /// `probe`: a row exists on the other side of the cursor (false on a first page).
    Envelope,
    /// Up to page_size + 1 rows of (t, k1..km) in display order: the whole row and its keys.
    /// Forward, an extra row is the last one; backward, the first one.
    Rows,
    /// As Envelope without the rows (the keys alone, so an index-only scan can serve it).
    Info,
}

/// One key of the ORDER BY as the query builder sees it.
#[derive(Debug, Clone)]
pub struct Key<'a> {
    pub sort: &'a SortKey,
    pub nullable: bool,
}

/// One request shape. Names are raw catalog names; this module quotes them.
#[derive(Debug, Clone)]
pub struct PageShape<'a> {
    pub schema: &'a str,
    pub relation: &'a str,
    /// The table's alias in the query: a name none of its columns has, because a bare alias
    /// means the whole row only when no column shares its name (a column `t` would win).
    pub row_alias: &'a str,
    /// The ORDER BY in display order; the last key is the primary key.
    pub keys: Vec<Key<'a>>,
    /// None: the first page. Some(pattern): a cursor whose values are NULL where `true`.
    pub cursor_nulls: Option<Vec<bool>>,
    /// Page before the cursor instead of after it.
    pub backward: bool,
    pub filter: &'a [Condition],
    pub page_size: i32,
    pub output: Output,
}

/// `"name"` with embedded quotes doubled: the only way identifiers enter the SQL.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn op(direction: Direction, inclusive: bool) -> &'static str {
    match (direction, inclusive) {
        (Direction::Asc, false) => "OPERATOR(pg_catalog.>)",
        (Direction::Asc, true) => "OPERATOR(pg_catalog.>=)",
        (Direction::Desc, false) => "OPERATOR(pg_catalog.<)",
        (Direction::Desc, true) => "OPERATOR(pg_catalog.<=)",
    }
}

/// The branch builder for one order (display order, or reversed for fetching backwards).
struct Ranges<'s> {
    /// Quoted `alias.column` per key.
    cols: Vec<String>,
    keys: Vec<(Direction, bool, bool)>, // (direction, nulls_first, nullable), in this order
    /// `$n` of each key's cursor value; None where the cursor value is NULL.
    params: &'s [Option<usize>],
}

impl Ranges<'_> {
    fn param(&self, i: usize) -> String {
        format!("${}", self.params[i].unwrap_or_default())
    }

    /// The branches (each a list of conjuncts) holding the rows after the cursor, in order,
    /// among rows equal to the cursor on keys before `i`. `inclusive`: the cursor row too.
    fn after(&self, i: usize, inclusive: bool) -> Vec<Vec<String>> {
        let m = self.keys.len();
        if i == m {
            return if inclusive { vec![vec![]] } else { vec![] };
        }
        let (dir, nulls_first, nullable) = self.keys[i];
        let col = &self.cols[i];
        let mut out = Vec::new();
        if self.params[i].is_none() {
            // A NULL cursor value: the rest of the NULL block, then (NULLS FIRST) every non-NULL.
            for mut b in self.after(i + 1, inclusive) {
                b.insert(0, format!("{col} IS NULL"));
                out.push(b);
            }
            if nulls_first {
                out.push(vec![format!("{col} IS NOT NULL")]);
            }
            return out;
        }
        // The run of columns i..=j sharing a direction, NOT NULL after its head: one row value.
        // (A nullable head is fine: a row value is never true for a NULL in its first column.)
        let mut j = i;
        while j + 1 < m && self.keys[j + 1].0 == dir && !self.keys[j + 1].2 {
            j += 1;
        }
        let run = |cols: &[String]| if cols.len() == 1 { cols[0].clone() } else { format!("({})", cols.join(", ")) };
        let values: Vec<String> = (i..=j).map(|k| self.param(k)).collect();
        let last_run = j + 1 == m;
        if !last_run {
            for mut b in self.after(j + 1, inclusive) {
                let equal = (i..=j).map(|k| format!("{} OPERATOR(pg_catalog.=) {}", self.cols[k], self.param(k)));
                b.splice(0..0, equal);
                out.push(b);
            }
        }
        out.push(vec![format!(
            "{} {} {}",
            run(&self.cols[i..=j]),
            op(dir, inclusive && last_run),
            run(&values)
        )]);
        if nullable && !nulls_first {
            out.push(vec![format!("{col} IS NULL")]);
        }
        out
    }
}

impl PageShape<'_> {
    fn col(&self, i: usize) -> String {
        format!("{}.{}", quote_ident(self.row_alias), quote_ident(&self.keys[i].sort.column))
    }

    /// `$n` of each key's cursor value (None: NULL, no parameter), numbered from 1.
    fn cursor_params(&self) -> Vec<Option<usize>> {
        let mut n = 0;
        let nulls = self.cursor_nulls.clone().unwrap_or_else(|| vec![true; self.keys.len()]);
        nulls
            .iter()
            .map(|&is_null| {
                (!is_null).then(|| {
                    n += 1;
                    n
                })
            })
            .collect()
    }

    /// How many parameters the query takes: the cursor's non-NULL values, then the filter's.
    pub fn param_count(&self) -> usize {
        let cursor = self.cursor_nulls.as_ref().map_or(0, |p| p.iter().filter(|n| !**n).count());
        cursor + self.filter.iter().filter(|c| c.op.takes_value()).count()
    }

    /// The filter's conjuncts; its parameters follow the cursor's.
    fn filter_conditions(&self) -> Vec<String> {
        let mut n = self.cursor_params().iter().flatten().count();
        let r = quote_ident(self.row_alias);
        self.filter
            .iter()
            .map(|c| {
                let col = format!("{r}.{}", quote_ident(&c.column));
                let mut next = || {
                    n += 1;
                    n
                };
                match c.op {
                    FilterOp::IsNull => format!("{col} IS NULL"),
                    FilterOp::IsNotNull => format!("{col} IS NOT NULL"),
                    FilterOp::In => format!("{col} OPERATOR(pg_catalog.=) ANY (${})", next()),
                    op => format!("{col} OPERATOR(pg_catalog.{}) ${}", op.symbol(), next()),
                }
            })
            .collect()
    }

    /// The keys in the order rows are fetched: display order, reversed for a backward page.
    fn fetch_order(&self, backward: bool) -> Vec<SortKey> {
        self.keys
            .iter()
            .map(|k| if backward { k.sort.reversed() } else { k.sort.clone() })
            .collect()
    }

    /// `ORDER BY` items for the keys in `order` (display order, or reversed).
    fn order_sql(&self, order: &[SortKey]) -> String {
        order
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{} {}", self.col(i), k.order_words()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Branch WHERE clauses (conjunct lists) for the rows after the cursor in `order`.
    fn branches(&self, order: &[SortKey], params: &[Option<usize>], inclusive: bool) -> Vec<Vec<String>> {
        let ranges = Ranges {
            cols: (0..self.keys.len()).map(|i| self.col(i)).collect(),
            keys: order
                .iter()
                .zip(&self.keys)
                .map(|(s, k)| (s.direction, s.nulls_first, k.nullable))
                .collect(),
            params,
        };
        ranges.after(0, inclusive)
    }

    /// The page query for this shape.
    pub fn sql(&self) -> String {
        let r = quote_ident(self.row_alias);
        let rel = format!("{}.{}", quote_ident(self.schema), quote_ident(self.relation));
        let m = self.keys.len();
        let n = self.page_size;
        let fetch = n as i64 + 1;
        let order = self.fetch_order(self.backward);
        let params = self.cursor_params();
        let filter = self.filter_conditions();
        let key_list: Vec<String> = (0..m).map(|i| format!("{} AS k{}", self.col(i), i + 1)).collect();
        let whole_row = if self.output == Output::Info { String::new() } else { format!("{r} AS t, ") };
        let select = format!("SELECT {whole_row}{} FROM {rel} {r}", key_list.join(", "));
        let order_sql = self.order_sql(&order);
        let where_sql = |conj: &[String]| {
            let all: Vec<&String> = conj.iter().chain(&filter).collect();
            if all.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", all.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" AND "))
            }
        };
        let branches = match self.cursor_nulls {
            None => vec![vec![]],
            Some(_) => self.branches(&order, &params, false),
        };
        let selects: Vec<String> = branches
            .iter()
            .map(|b| format!("({select}{} ORDER BY {order_sql} LIMIT {fetch})", where_sql(b)))
            .collect();
        // The page's rows in fetch order, at most page_size + 1. Several branches are glued by
        // UNION ALL: its Append runs them one after the other, in the order written, because
        // plans prepared through SPI_prepare are never parallel (no CURSOR_OPT_PARALLEL_OK), so
        // no sort is needed. (A sort by branch rank cost 0.198 ms per page against 0.156 ms for
        // the plain UNION ALL; pgbench, 1M rows.) An empty branch list (nothing can follow the
        // cursor) still needs a typed, empty source.
        let mut source = match selects.len() {
            0 => format!("({select} WHERE false)"),
            1 => selects.concat(),
            _ => format!("({} LIMIT {fetch})", selects.join(" UNION ALL ")),
        };
        if self.backward {
            // Fetched backwards; put the (at most page_size + 1) rows back in display order.
            let display: Vec<String> = self
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| format!("p.k{} {}", i + 1, k.sort.order_words()))
                .collect();
            source = format!("(SELECT * FROM {source} p ORDER BY {})", display.join(", "));
        }
        // The other side of the cursor, cursor row included: one probe per index range, each
        // the nearest row in that direction. Not EXISTS: Postgres drops ORDER BY and LIMIT
        // from an EXISTS subquery and, expecting an early hit, plans a Seq Scan, which at 99%
        // depth read 99% of the table (keyset_explain showed it); an ordered LIMIT 1 is an
        // index probe.
        let probe = match self.cursor_nulls {
            None => "false".to_string(),
            Some(_) => {
                let probe_order = self.fetch_order(!self.backward);
                let other = self.branches(&probe_order, &params, true);
                let probe_order_sql = self.order_sql(&probe_order);
                if other.is_empty() {
                    "false".to_string()
                } else {
                    other
                        .iter()
                        .map(|b| {
                            format!(
                                "(SELECT 1 FROM {rel} {r}{} ORDER BY {probe_order_sql} LIMIT 1) IS NOT NULL",
                                where_sql(b)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" OR ")
                }
            }
        };
        // Subscripts of the page's first and last row among the fetched ones (display order).
        let (first, last, rows) = if self.backward {
            (
                format!("CASE WHEN pg_catalog.count(*) > {n} THEN 2 ELSE 1 END"),
                "pg_catalog.count(*)::pg_catalog.int4".to_string(),
                0,
            )
        } else {
            ("1".to_string(), format!("LEAST(pg_catalog.count(*), {n})::pg_catalog.int4"), n)
        };
        let keys_at = |at: &str| {
            (1..=m)
                .map(|i| format!("(pg_catalog.array_agg(q.k{i}))[{at}]"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // The aggregates consume `source` in its order (Postgres feeds a plain Agg over an ordered
        // subquery in that order; the differential test walks every shape against ORDER BY).
        // `jsonb - int` drops the extra row: the last one forwards, the first one backwards.
        // (Against row_number() and FILTERs: 10 µs less per page, 0.179 -> 0.168 ms.)
        let info = format!(
            "pg_catalog.count(*) > {n}, {probe}, {}, {}",
            keys_at(&first),
            keys_at(&last)
        );
        match self.output {
            Output::Envelope => format!(
                "SELECT CASE WHEN pg_catalog.count(*) > {n} \
                 THEN pg_catalog.jsonb_agg(q.t) OPERATOR(pg_catalog.-) {rows} \
                 ELSE coalesce(pg_catalog.jsonb_agg(q.t), '[]'::pg_catalog.jsonb) END, \
                 {info} FROM {source} q"
            ),
            Output::Info => format!("SELECT {info} FROM {source} q"),
            Output::Rows => {
                let ks: Vec<String> = (1..=m).map(|i| format!("q.k{i}")).collect();
                format!("SELECT q.t, {} FROM {source} q", ks.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sort_spec::{parse, resolve};
    use Direction::{Asc, Desc};

    /// The SQL for a sort spec over columns `nullable` (the key `id` is NOT NULL).
    fn sql(spec: &str, nullable: &[&str], nulls: Option<Vec<bool>>, backward: bool, output: Output) -> String {
        let keys = resolve(&parse(spec).unwrap(), Asc, "id");
        let shape = PageShape {
            schema: "public",
            relation: "assets",
            row_alias: "r",
            keys: keys.iter().map(|k| Key { sort: k, nullable: nullable.contains(&k.column.as_str()) }).collect(),
            cursor_nulls: nulls,
            backward,
            filter: &[],
            page_size: 20,
            output,
        };
        shape.sql()
    }

    fn wheres(sql: &str) -> Vec<String> {
        sql.split(" WHERE ").skip(1).map(|w| w.split(" ORDER BY ").next().unwrap_or("").to_string()).collect()
    }

    #[test]
    fn identifiers_are_always_quoted() {
        assert_eq!(quote_ident("a"), "\"a\"");
        assert_eq!(quote_ident("we\"ird; drop"), "\"we\"\"ird; drop\"");
        let s = sql("\"x\"\"); drop table t; --\"", &[], Some(vec![false, false]), false, Output::Rows);
        assert!(s.contains("\"r\".\"x\"\"); drop table t; --\""), "{s}");
    }

    #[test]
    fn one_direction_not_null_is_one_row_value() {
        assert_eq!(
            sql("created_at desc", &[], Some(vec![false, false]), false, Output::Rows),
            "SELECT q.t, q.k1, q.k2 FROM (SELECT \"r\" AS t, \"r\".\"created_at\" AS k1, \"r\".\"id\" AS k2 FROM \"public\".\"assets\" \"r\" \
             WHERE (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.<) ($1, $2) \
             ORDER BY \"r\".\"created_at\" DESC NULLS FIRST, \"r\".\"id\" DESC NULLS FIRST LIMIT 21) q"
        );
        let s = sql("a, b, c", &[], Some(vec![false; 4]), false, Output::Rows);
        assert!(s.contains("(\"r\".\"a\", \"r\".\"b\", \"r\".\"c\", \"r\".\"id\") OPERATOR(pg_catalog.>) ($1, $2, $3, $4)"), "{s}");
        assert!(!s.contains("UNION ALL"));
    }

    #[test]
    fn sorting_by_the_key_alone() {
        let s = sql("id", &[], Some(vec![false]), false, Output::Rows);
        assert!(s.contains("WHERE \"r\".\"id\" OPERATOR(pg_catalog.>) $1 ORDER BY \"r\".\"id\" ASC NULLS LAST LIMIT 21"), "{s}");
    }

    #[test]
    fn mixed_directions_split_into_index_ranges_in_page_order() {
        let s = sql("category desc, created_at", &[], Some(vec![false; 3]), false, Output::Rows);
        assert_eq!(
            wheres(&s),
            [
                "\"r\".\"category\" OPERATOR(pg_catalog.=) $1 AND (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.>) ($2, $3)",
                "\"r\".\"category\" OPERATOR(pg_catalog.<) $1",
            ]
        );
        assert!(s.contains(" UNION ALL ") && s.ends_with(" LIMIT 21) q"));
    }

    #[test]
    fn nullable_columns_split_into_value_range_and_null_block() {
        // ASC NULLS LAST after a value: the rest of the values, then the NULL block.
        let w = wheres(&sql("p", &["p"], Some(vec![false, false]), false, Output::Rows));
        assert_eq!(w.len(), 2);
        assert!(w[0].starts_with("(\"r\".\"p\", \"r\".\"id\") OPERATOR(pg_catalog.>) ($1, $2"));
        assert_eq!(w[1], "\"r\".\"p\" IS NULL");
        // Inside the NULL block: its rest only (ASC NULLS LAST) ...
        let w = wheres(&sql("p", &["p"], Some(vec![true, false]), false, Output::Rows));
        assert_eq!(w, ["\"r\".\"p\" IS NULL AND \"r\".\"id\" OPERATOR(pg_catalog.>) $1"]);
        // ... and then every value (NULLS FIRST).
        let w = wheres(&sql("p nulls first", &["p"], Some(vec![true, false]), false, Output::Rows));
        assert_eq!(w.len(), 2);
        assert_eq!(w[1], "\"r\".\"p\" IS NOT NULL");
        // DESC NULLS LAST after a value: values, then NULLs; DESC NULLS FIRST: values only.
        assert_eq!(wheres(&sql("p desc nulls last", &["p"], Some(vec![false, false]), false, Output::Rows)).len(), 2);
        assert_eq!(wheres(&sql("p desc", &["p"], Some(vec![false, false]), false, Output::Rows)).len(), 1);
    }

    #[test]
    fn backward_pages_fetch_reversed_and_resort() {
        let s = sql("created_at", &[], Some(vec![false, false]), true, Output::Envelope);
        assert!(s.contains("OPERATOR(pg_catalog.<) ($1, $2) ORDER BY \"r\".\"created_at\" DESC NULLS FIRST, \"r\".\"id\" DESC NULLS FIRST LIMIT 21"), "{s}");
        assert!(s.contains("p ORDER BY p.k1 ASC NULLS LAST, p.k2 ASC NULLS LAST)"), "{s}");
        assert!(s.contains("jsonb_agg(q.t) OPERATOR(pg_catalog.-) 0"));
        // The probe looks forward, cursor row included, nearest row first.
        assert!(s.contains("(SELECT 1 FROM \"public\".\"assets\" \"r\" WHERE (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.>=) ($1, $2) \
            ORDER BY \"r\".\"created_at\" ASC NULLS LAST, \"r\".\"id\" ASC NULLS LAST LIMIT 1) IS NOT NULL"), "{s}");
    }

    #[test]
    fn first_pages_have_no_probe_and_no_parameters() {
        let s = sql("p, q desc", &["p"], None, false, Output::Envelope);
        assert!(!s.contains("WHERE") && !s.contains('$') && !s.contains("LIMIT 1)"), "{s}");
        assert!(s.contains("pg_catalog.count(*) > 20, false,"));
    }

    #[test]
    fn envelope_fetches_one_more_than_the_page() {
        let s = sql("a", &[], Some(vec![false, false]), false, Output::Envelope);
        assert!(s.contains("LIMIT 21"));
        assert!(s.contains("pg_catalog.jsonb_agg(q.t) OPERATOR(pg_catalog.-) 20"));
        assert!(s.contains("(pg_catalog.array_agg(q.k2))[LEAST(pg_catalog.count(*), 20)::pg_catalog.int4]"));
        let info = sql("a", &[], Some(vec![false, false]), false, Output::Info);
        assert!(!info.contains("AS t,") && !info.contains("jsonb_agg"), "{info}");
    }

    #[test]
    fn filters_are_conjuncts_with_parameters_after_the_cursors() {
        let keys = resolve(&parse("a").unwrap(), Desc, "id");
        let filter = crate::filter::parse(r#"{"status": "x", "tags": {"@>": ["a"]}, "gone": null, "n": {"in": [1, 2]}}"#).unwrap();
        let shape = PageShape {
            schema: "s",
            relation: "t",
            row_alias: "r",
            keys: keys.iter().map(|k| Key { sort: k, nullable: true }).collect(),
            cursor_nulls: Some(vec![true, false]),
            backward: false,
            filter: &filter,
            page_size: 5,
            output: Output::Rows,
        };
        assert_eq!(shape.param_count(), 4);
        let s = shape.sql();
        for part in [
            "\"r\".\"gone\" IS NULL",
            "\"r\".\"n\" OPERATOR(pg_catalog.=) ANY ($2)",
            "\"r\".\"status\" OPERATOR(pg_catalog.=) $3",
            "\"r\".\"tags\" OPERATOR(pg_catalog.@>) $4",
        ] {
            assert!(s.contains(part), "{part} in {s}");
        }
    }
}
