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
//! come from a probe of the other side of the cursor, inclusive of the cursor row.
//!
//! ## Nothing rests on an order SQL does not promise
//! The query returns the fetched rows themselves, with a top-level `ORDER BY` in display order
//! (a promise SPI keeps), and the page is assembled in Rust ([`assemble`]): no aggregate whose
//! input order matters, no reliance on UNION ALL running its branches in the order written
//! (several branches are merged under their own `ORDER BY … LIMIT`).
//!
//! ## Nothing resolves through search_path
//! Every operator is written `OPERATOR(pg_catalog.op)` and every function `pg_catalog.f`, so a
//! schema earlier in the caller's search_path cannot put its own `>` or `to_jsonb` into the page
//! query; `tests::no_unqualified_operator_or_function` scans every shape for that. ORDER BY uses
//! the column type's default btree operator class, which is found by type, not by name.

use std::fmt::Write as _;

use crate::cursor::Direction;
use crate::error::KeysetError;
use crate::filter::{Condition, FilterOp};
use crate::sort_spec::SortKey;

/// Longest page query pg_keyset prepares. Prepared plans cost roughly 20 times their text in
/// memory (a 320 KB query kept a 6 MB plan). The largest sort on its own fits (16 nullable
/// columns of 63-byte names in alternating directions: 248 KB), as does the largest filter with
/// a few sort columns (4 columns, 32 conditions: 88 KB); both at once do not
/// (`tests::the_size_cap`).
pub const MAX_QUERY_BYTES: usize = 256 * 1024;

/// What each fetched row carries besides the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// keyset_page: the row as jsonb (`to_jsonb`).
    Json,
    /// keyset_rows: the whole row, of the relation's row type.
    Rows,
    /// keyset_page_info: the keys alone (so an index-only scan can serve it).
    Info,
}

/// Where each value sits in a result row of the page query (1-based column numbers, as SPI
/// counts). This is the only place that knows the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The payload column (jsonb or the whole row), if the output has one.
    pub payload: Option<i32>,
    /// The first key column; keys `k1..km` follow in order.
    pub first_key: i32,
    /// How many key columns.
    pub keys: i32,
    /// The probe column (boolean): a row exists on the other side of the cursor.
    pub probe: i32,
}

/// What a `$n` parameter of the page query is, in `$n` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// The cursor's value for key `i` (0-based; only non-NULL values are parameters).
    Cursor(usize),
    /// The value of filter condition `i` (0-based; conditions without a value have none).
    Filter(usize),
}

/// The page query of one request shape: its text, its parameters in `$n` order and its
/// result layout, built together so they cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    /// The rows after (or before) the cursor, at most page_size + 1, in display order.
    pub sql: String,
    /// The probe alone (`SELECT <probe>`), for a page that fetched no row to carry it.
    pub probe_sql: String,
    pub params: Vec<Param>,
    pub layout: Layout,
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
    /// `FROM ONLY`: an ordinary table, whose key covers its own rows only.
    pub only: bool,
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
        let run = |cols: &[String]| {
            if cols.len() == 1 {
                cols[0].clone()
            } else {
                format!("({})", cols.join(", "))
            }
        };
        let values: Vec<String> = (i..=j).map(|k| self.param(k)).collect();
        let last_run = j + 1 == m;
        if !last_run {
            for mut b in self.after(j + 1, inclusive) {
                let equal = (i..=j)
                    .map(|k| format!("{} OPERATOR(pg_catalog.=) {}", self.cols[k], self.param(k)));
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
        format!(
            "{}.{}",
            quote_ident(self.row_alias),
            quote_ident(&self.keys[i].sort.column)
        )
    }

    /// `$n` of each key's cursor value (None: NULL, no parameter), numbered from 1.
    fn cursor_params(&self) -> Vec<Option<usize>> {
        let mut n = 0;
        let nulls = self
            .cursor_nulls
            .clone()
            .unwrap_or_else(|| vec![true; self.keys.len()]);
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

    /// The parameters in `$n` order: the cursor's non-NULL values, then the filter's values.
    fn params(&self) -> Vec<Param> {
        let cursor = self
            .cursor_params()
            .into_iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|_| Param::Cursor(i)));
        let filter = self
            .filter
            .iter()
            .enumerate()
            .filter(|(_, c)| c.op.takes_value())
            .map(|(i, _)| Param::Filter(i));
        cursor.chain(filter).collect()
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
            .map(|k| {
                if backward {
                    k.sort.reversed()
                } else {
                    k.sort.clone()
                }
            })
            .collect()
    }

    /// `ORDER BY` items `<prefix>i <words>` for the keys in `order`.
    fn order_sql(order: &[SortKey], column: impl Fn(usize) -> String) -> String {
        let mut out = String::new();
        for (i, k) in order.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{} {}", column(i), k.order_words());
        }
        out
    }

    /// Branch WHERE clauses (conjunct lists) for the rows after the cursor in `order`.
    fn branches(
        &self,
        order: &[SortKey],
        params: &[Option<usize>],
        inclusive: bool,
    ) -> Vec<Vec<String>> {
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

    fn relation_sql(&self) -> String {
        let only = if self.only { "ONLY " } else { "" };
        format!(
            "{only}{}.{} {}",
            quote_ident(self.schema),
            quote_ident(self.relation),
            quote_ident(self.row_alias)
        )
    }

    /// ` WHERE a AND b` for a branch's conjuncts and the filter (empty when there are none).
    fn where_sql(conj: &[String], filter: &[String]) -> String {
        let all: Vec<&str> = conj.iter().chain(filter).map(String::as_str).collect();
        if all.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", all.join(" AND "))
        }
    }

    /// The probe: whether a row lies on the other side of the cursor (cursor row included),
    /// one ordered `LIMIT 1` per index range. Not EXISTS: Postgres drops ORDER BY and LIMIT from
    /// an EXISTS subquery and, expecting an early hit, plans a Seq Scan, which at 99% depth read
    /// 99% of the table; an ordered LIMIT 1 is an index probe. Uncorrelated, so an InitPlan that
    /// runs once per page.
    fn probe(&self, params: &[Option<usize>], filter: &[String]) -> String {
        if self.cursor_nulls.is_none() {
            return "false".to_string();
        }
        let probe_order = self.fetch_order(!self.backward);
        let other = self.branches(&probe_order, params, true);
        if other.is_empty() {
            return "false".to_string();
        }
        let rel = self.relation_sql();
        let order = Self::order_sql(&probe_order, |i| self.col(i));
        let probes: Vec<String> = other
            .iter()
            .map(|b| {
                format!(
                    "(SELECT 1 FROM {rel}{} ORDER BY {order} LIMIT 1) IS NOT NULL",
                    Self::where_sql(b, filter)
                )
            })
            .collect();
        format!("({})", probes.join(" OR "))
    }

    /// The page query, its probe-only twin, its parameters and its layout; 54000 if the text
    /// would exceed [`MAX_QUERY_BYTES`].
    pub fn query(&self) -> Result<PageQuery, KeysetError> {
        let r = quote_ident(self.row_alias);
        let rel = self.relation_sql();
        let m = self.keys.len();
        let fetch = self.page_size as i64 + 1;
        let order = self.fetch_order(self.backward);
        let params = self.cursor_params();
        let filter = self.filter_conditions();
        let mut select = String::from("SELECT ");
        match self.output {
            Output::Json => {
                let _ = write!(select, "pg_catalog.to_jsonb({r}) AS t, ");
            }
            Output::Rows => {
                let _ = write!(select, "{r} AS t, ");
            }
            Output::Info => {}
        }
        for i in 0..m {
            let _ = write!(
                select,
                "{}{} AS k{}",
                if i > 0 { ", " } else { "" },
                self.col(i),
                i + 1
            );
        }
        let _ = write!(select, " FROM {rel}");
        let fetch_order = Self::order_sql(&order, |i| self.col(i));
        let branches = match self.cursor_nulls {
            None => vec![vec![]],
            Some(_) => self.branches(&order, &params, false),
        };
        let selects: Vec<String> = branches
            .iter()
            .map(|b| {
                format!(
                    "{select}{} ORDER BY {fetch_order} LIMIT {fetch}",
                    Self::where_sql(b, &filter)
                )
            })
            .collect();
        // The rows in fetch order, at most page_size + 1. Several branches are merged under
        // their own ORDER BY (each branch is an index range already in that order, so the
        // planner merges them); an empty branch list (nothing can follow the cursor) still
        // needs a typed, empty source.
        let by_key = |alias: &'static str| move |i: usize| format!("{alias}.k{}", i + 1);
        let source = match selects.len() {
            0 => format!("{select} WHERE false"),
            1 => selects.concat(),
            _ => {
                let union: Vec<String> = selects.iter().map(|s| format!("({s})")).collect();
                let payload = if self.output == Output::Info {
                    ""
                } else {
                    "u.t, "
                };
                let keys: Vec<String> = (1..=m).map(|i| format!("u.k{i}")).collect();
                format!(
                    "SELECT {payload}{} FROM ({}) u ORDER BY {} LIMIT {fetch}",
                    keys.join(", "),
                    union.join(" UNION ALL "),
                    Self::order_sql(&order, by_key("u"))
                )
            }
        };
        let display: Vec<SortKey> = self.keys.iter().map(|k| k.sort.clone()).collect();
        let payload = if self.output == Output::Info {
            ""
        } else {
            "q.t, "
        };
        let keys: Vec<String> = (1..=m).map(|i| format!("q.k{i}")).collect();
        let probe = self.probe(&params, &filter);
        // Display order at the top: a promise, where the source's own order is only how the
        // plan happens to run. Forwards it is the source's order (no extra sort); backwards a
        // sort of at most page_size + 1 rows.
        let sql = format!(
            "SELECT {payload}{}, {probe} AS probe FROM ({source}) q ORDER BY {}",
            keys.join(", "),
            Self::order_sql(&display, by_key("q"))
        );
        let probe_sql = format!("SELECT {probe}");
        let bytes = sql.len() + probe_sql.len();
        if bytes > MAX_QUERY_BYTES {
            return Err(KeysetError::QueryTooLarge {
                bytes,
                max: MAX_QUERY_BYTES,
            });
        }
        let first_key = if self.output == Output::Info { 1 } else { 2 };
        Ok(PageQuery {
            sql,
            probe_sql,
            params: self.params(),
            layout: Layout {
                payload: (self.output != Output::Info).then_some(1),
                first_key,
                keys: m as i32,
                probe: first_key + m as i32,
            },
        })
    }
}

/// How the fetched rows (at most page_size + 1, in display order) become the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembly {
    /// The page's rows among the fetched ones.
    pub rows: std::ops::Range<usize>,
    pub has_more: bool,
    pub has_previous: bool,
    /// The fetched row whose keys make `next_cursor` (when rows follow).
    pub next_cursor_row: Option<usize>,
    /// The fetched row whose keys make `prev_cursor` (when rows precede).
    pub prev_cursor_row: Option<usize>,
}

impl Assembly {
    /// The row of the cursor at the far end (towards the fetch direction): next_cursor
    /// forwards, prev_cursor backwards.
    pub fn far_cursor_row(&self, backward: bool) -> Option<usize> {
        if backward {
            self.prev_cursor_row
        } else {
            self.next_cursor_row
        }
    }

    /// The row of the cursor at the near end (back where the page came from).
    pub fn near_cursor_row(&self, backward: bool) -> Option<usize> {
        if backward {
            self.next_cursor_row
        } else {
            self.prev_cursor_row
        }
    }

    /// The page one row shorter at its far end (the end it was fetched towards: the last row
    /// forwards, the first backwards), for when that row's cursor cannot be encoded: the page
    /// ends at the row before it, and the next page starts with it. None for a page of fewer
    /// than two rows. The far flag is true afterwards (the dropped row follows).
    pub fn shrink_far(&self, backward: bool) -> Option<Assembly> {
        if self.rows.len() < 2 {
            return None;
        }
        let mut a = self.clone();
        if backward {
            a.rows.start += 1;
            a.has_previous = true;
            a.prev_cursor_row = Some(a.rows.start);
        } else {
            a.rows.end -= 1;
            a.has_more = true;
            a.next_cursor_row = Some(a.rows.end - 1);
        }
        Some(a)
    }
}

/// Assembles a page from `fetched` rows in display order. One more row than the page in the
/// fetch direction means rows follow there (forwards the extra row is the last one, backwards
/// the first one); `probe` says whether rows lie on the other side of the cursor.
pub fn assemble(fetched: usize, page_size: usize, backward: bool, probe: bool) -> Assembly {
    let extra = fetched > page_size;
    let rows = match (extra, backward) {
        (false, _) => 0..fetched,
        (true, false) => 0..page_size,
        (true, true) => fetched - page_size..fetched,
    };
    let (has_more, has_previous) = if backward {
        (probe, extra)
    } else {
        (extra, probe)
    };
    let last = rows.end.checked_sub(1).filter(|&l| l >= rows.start);
    let first = (!rows.is_empty()).then_some(rows.start);
    Assembly {
        next_cursor_row: if has_more { last } else { None },
        prev_cursor_row: if has_previous { first } else { None },
        rows,
        has_more,
        has_previous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sort_spec::{parse, resolve};
    use Direction::{Asc, Desc};

    fn shape<'a>(
        keys: &'a [SortKey],
        nullable: &[&str],
        nulls: Option<Vec<bool>>,
        backward: bool,
        output: Output,
    ) -> PageShape<'a> {
        PageShape {
            schema: "public",
            relation: "assets",
            only: true,
            row_alias: "r",
            keys: keys
                .iter()
                .map(|k| Key {
                    sort: k,
                    nullable: nullable.contains(&k.column.as_str()),
                })
                .collect(),
            cursor_nulls: nulls,
            backward,
            filter: &[],
            page_size: 20,
            output,
        }
    }

    /// The SQL for a sort spec over columns `nullable` (the key `id` is NOT NULL).
    fn sql(
        spec: &str,
        nullable: &[&str],
        nulls: Option<Vec<bool>>,
        backward: bool,
        output: Output,
    ) -> String {
        let keys = resolve(&parse(spec).unwrap(), Asc, "id");
        shape(&keys, nullable, nulls, backward, output)
            .query()
            .unwrap()
            .sql
    }

    /// The WHERE clauses of the fetching branches (the probe's come after " AS probe").
    fn wheres(sql: &str) -> Vec<String> {
        let fetch = sql.split(" AS probe").nth(1).unwrap_or("");
        fetch
            .split(" WHERE ")
            .skip(1)
            .map(|w| w.split(" ORDER BY ").next().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn identifiers_are_always_quoted() {
        assert_eq!(quote_ident("a"), "\"a\"");
        assert_eq!(quote_ident("we\"ird; drop"), "\"we\"\"ird; drop\"");
        let s = sql(
            "\"x\"\"); drop table t; --\"",
            &[],
            Some(vec![false, false]),
            false,
            Output::Rows,
        );
        assert!(s.contains("\"r\".\"x\"\"); drop table t; --\""), "{s}");
    }

    #[test]
    fn one_direction_not_null_is_one_row_value() {
        assert_eq!(
            sql("created_at desc", &[], Some(vec![false, false]), false, Output::Rows),
            "SELECT q.t, q.k1, q.k2, ((SELECT 1 FROM ONLY \"public\".\"assets\" \"r\" WHERE (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.>=) ($1, $2) \
             ORDER BY \"r\".\"created_at\" ASC NULLS LAST, \"r\".\"id\" ASC NULLS LAST LIMIT 1) IS NOT NULL) AS probe \
             FROM (SELECT \"r\" AS t, \"r\".\"created_at\" AS k1, \"r\".\"id\" AS k2 FROM ONLY \"public\".\"assets\" \"r\" \
             WHERE (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.<) ($1, $2) \
             ORDER BY \"r\".\"created_at\" DESC NULLS FIRST, \"r\".\"id\" DESC NULLS FIRST LIMIT 21) q \
             ORDER BY q.k1 DESC NULLS FIRST, q.k2 DESC NULLS FIRST"
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
    fn mixed_directions_split_into_index_ranges_merged_in_page_order() {
        let s = sql(
            "category desc, created_at",
            &[],
            Some(vec![false; 3]),
            false,
            Output::Rows,
        );
        assert_eq!(
            wheres(&s),
            [
                "\"r\".\"category\" OPERATOR(pg_catalog.=) $1 AND (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.>) ($2, $3)",
                "\"r\".\"category\" OPERATOR(pg_catalog.<) $1",
            ]
        );
        assert!(s.contains(" UNION ALL "), "{s}");
        assert!(s.contains(") u ORDER BY u.k1 DESC NULLS FIRST, u.k2 ASC NULLS LAST, u.k3 ASC NULLS LAST LIMIT 21) q"), "{s}");
    }

    #[test]
    fn nullable_columns_split_into_value_range_and_null_block() {
        // ASC NULLS LAST after a value: the rest of the values, then the NULL block.
        let w = wheres(&sql(
            "p",
            &["p"],
            Some(vec![false, false]),
            false,
            Output::Rows,
        ));
        assert_eq!(w.len(), 2);
        assert!(w[0].starts_with("(\"r\".\"p\", \"r\".\"id\") OPERATOR(pg_catalog.>) ($1, $2"));
        assert_eq!(w[1], "\"r\".\"p\" IS NULL");
        // Inside the NULL block: its rest only (ASC NULLS LAST) ...
        let w = wheres(&sql(
            "p",
            &["p"],
            Some(vec![true, false]),
            false,
            Output::Rows,
        ));
        assert_eq!(
            w,
            ["\"r\".\"p\" IS NULL AND \"r\".\"id\" OPERATOR(pg_catalog.>) $1"]
        );
        // ... and then every value (NULLS FIRST).
        let w = wheres(&sql(
            "p nulls first",
            &["p"],
            Some(vec![true, false]),
            false,
            Output::Rows,
        ));
        assert_eq!(w.len(), 2);
        assert_eq!(w[1], "\"r\".\"p\" IS NOT NULL");
        // DESC NULLS LAST after a value: values, then NULLs; DESC NULLS FIRST: values only.
        assert_eq!(
            wheres(&sql(
                "p desc nulls last",
                &["p"],
                Some(vec![false, false]),
                false,
                Output::Rows
            ))
            .len(),
            2
        );
        assert_eq!(
            wheres(&sql(
                "p desc",
                &["p"],
                Some(vec![false, false]),
                false,
                Output::Rows
            ))
            .len(),
            1
        );
    }

    #[test]
    fn backward_pages_fetch_reversed_and_resort() {
        let s = sql(
            "created_at",
            &[],
            Some(vec![false, false]),
            true,
            Output::Json,
        );
        assert!(
            s.starts_with("SELECT q.t, q.k1, q.k2, ((SELECT 1 FROM"),
            "{s}"
        );
        assert!(s.contains("SELECT pg_catalog.to_jsonb(\"r\") AS t,"), "{s}");
        assert!(s.contains("OPERATOR(pg_catalog.<) ($1, $2) ORDER BY \"r\".\"created_at\" DESC NULLS FIRST, \"r\".\"id\" DESC NULLS FIRST LIMIT 21) q"), "{s}");
        assert!(
            s.ends_with(") q ORDER BY q.k1 ASC NULLS LAST, q.k2 ASC NULLS LAST"),
            "{s}"
        );
        // The probe looks forward, cursor row included, nearest row first.
        assert!(s.contains("(SELECT 1 FROM ONLY \"public\".\"assets\" \"r\" WHERE (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.>=) ($1, $2) \
            ORDER BY \"r\".\"created_at\" ASC NULLS LAST, \"r\".\"id\" ASC NULLS LAST LIMIT 1) IS NOT NULL"), "{s}");
    }

    #[test]
    fn first_pages_have_no_probe_and_no_parameters() {
        let keys = resolve(&parse("p, q desc").unwrap(), Asc, "id");
        let q = shape(&keys, &["p"], None, false, Output::Json)
            .query()
            .unwrap();
        assert!(
            !q.sql.contains("WHERE") && !q.sql.contains('$') && !q.sql.contains("LIMIT 1)"),
            "{}",
            q.sql
        );
        assert!(q.sql.contains(", false AS probe FROM"));
        assert_eq!(q.probe_sql, "SELECT false");
        assert!(q.params.is_empty());
    }

    #[test]
    fn layouts() {
        let keys = resolve(&parse("a").unwrap(), Asc, "id");
        let c = || Some(vec![false, false]);
        let json = shape(&keys, &[], c(), false, Output::Json).query().unwrap();
        assert_eq!(
            json.layout,
            Layout {
                payload: Some(1),
                first_key: 2,
                keys: 2,
                probe: 4
            }
        );
        assert!(json.sql.contains(" LIMIT 21) q"));
        let info = shape(&keys, &[], c(), false, Output::Info).query().unwrap();
        assert_eq!(
            info.layout,
            Layout {
                payload: None,
                first_key: 1,
                keys: 2,
                probe: 3
            }
        );
        assert!(
            !info.sql.contains("AS t") && !info.sql.contains("to_jsonb"),
            "{}",
            info.sql
        );
        assert_eq!(json.params, [Param::Cursor(0), Param::Cursor(1)]);
    }

    #[test]
    fn filters_are_conjuncts_with_parameters_after_the_cursors() {
        let keys = resolve(&parse("a").unwrap(), Desc, "id");
        let filter = crate::filter::parse(
            r#"{"status": "x", "tags": {"@>": ["a"]}, "gone": null, "n": {"in": [1, 2]}}"#,
        )
        .unwrap();
        let shape = PageShape {
            schema: "s",
            relation: "t",
            only: false,
            row_alias: "r",
            keys: keys
                .iter()
                .map(|k| Key {
                    sort: k,
                    nullable: true,
                })
                .collect(),
            cursor_nulls: Some(vec![true, false]),
            backward: false,
            filter: &filter,
            page_size: 5,
            output: Output::Rows,
        };
        let q = shape.query().unwrap();
        // gone IS NULL, n = ANY, status =, tags @>: the cursor's one non-NULL value, then three.
        assert_eq!(
            q.params,
            [
                Param::Cursor(1),
                Param::Filter(1),
                Param::Filter(2),
                Param::Filter(3)
            ]
        );
        for part in [
            "\"r\".\"gone\" IS NULL",
            "\"r\".\"n\" OPERATOR(pg_catalog.=) ANY ($2)",
            "\"r\".\"status\" OPERATOR(pg_catalog.=) $3",
            "\"r\".\"tags\" OPERATOR(pg_catalog.@>) $4",
        ] {
            assert!(q.sql.contains(part), "{part} in {}", q.sql);
        }
        assert!(
            q.sql.contains("FROM \"s\".\"t\" \"r\"") && !q.sql.contains("ONLY"),
            "{}",
            q.sql
        );
    }

    #[test]
    fn assembling_pages() {
        // Forward: the extra row is the last; the probe speaks for the rows before.
        let a = assemble(21, 20, false, true);
        assert_eq!(
            (
                a.rows.clone(),
                a.has_more,
                a.has_previous,
                a.next_cursor_row,
                a.prev_cursor_row
            ),
            (0..20, true, true, Some(19), Some(0))
        );
        let a = assemble(20, 20, false, false);
        assert_eq!(
            (
                a.rows.clone(),
                a.has_more,
                a.next_cursor_row,
                a.prev_cursor_row
            ),
            (0..20, false, None, None)
        );
        // Backward: the extra row is the first.
        let a = assemble(21, 20, true, true);
        assert_eq!(
            (
                a.rows.clone(),
                a.has_more,
                a.has_previous,
                a.next_cursor_row,
                a.prev_cursor_row
            ),
            (1..21, true, true, Some(20), Some(1))
        );
        // An empty page has flags but no cursors.
        let a = assemble(0, 20, false, true);
        assert_eq!(
            (a.rows.clone(), a.has_previous, a.prev_cursor_row),
            (0..0, true, None)
        );
        let a = assemble(0, 20, true, true);
        assert_eq!((a.has_more, a.next_cursor_row), (true, None));
        let a = assemble(2, 1, true, false);
        assert_eq!(
            (a.rows.clone(), a.prev_cursor_row, a.next_cursor_row),
            (1..2, Some(1), None)
        );
        // Shrinking at the far end when its cursor cannot be encoded.
        let s = assemble(5, 5, false, false).shrink_far(false).unwrap();
        assert_eq!(
            (s.rows.clone(), s.has_more, s.next_cursor_row),
            (0..4, true, Some(3))
        );
        let s = assemble(6, 5, true, false).shrink_far(true).unwrap();
        assert_eq!(
            (
                s.rows.clone(),
                s.has_previous,
                s.prev_cursor_row,
                s.next_cursor_row
            ),
            (2..6, true, Some(2), None)
        );
        assert_eq!(assemble(1, 5, false, true).shrink_far(false), None);
    }

    /// Every operator, function and cast in `sql` is schema-qualified: outside quoted names, an
    /// operator character appears only inside `OPERATOR(pg_catalog.…)`, a name before `(` is
    /// `pg_catalog.`-qualified or one of the keywords the builder writes, and a cast names
    /// `pg_catalog.`. Returns the first offence.
    pub(crate) fn unqualified(sql: &str) -> Option<String> {
        let b = sql.as_bytes();
        let mut i = 0;
        let mut word_start: Option<usize> = None;
        const KEYWORDS_BEFORE_PAREN: [&str; 8] = [
            "SELECT", "FROM", "WHERE", "AND", "OR", "ALL", "ANY", "OPERATOR",
        ];
        while i < b.len() {
            let c = b[i];
            if c == b'"' {
                // A quoted identifier: skip to its closing quote ("" is an escaped quote).
                i += 1;
                while i < b.len() {
                    if b[i] == b'"' {
                        if b.get(i + 1) == Some(&b'"') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
                word_start = None;
                continue;
            }
            if c == b'\'' {
                return Some(format!("a string literal at byte {i}"));
            }
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'$' {
                word_start.get_or_insert(i);
                i += 1;
                continue;
            }
            if let Some(start) = word_start.take() {
                let word = &sql[start..i];
                let next = sql[i..].trim_start();
                if next.starts_with('(')
                    && !word.starts_with("pg_catalog.")
                    && !KEYWORDS_BEFORE_PAREN.contains(&word)
                {
                    return Some(format!("unqualified call {word}( at byte {start}"));
                }
            }
            if c == b':' {
                if sql[i..].starts_with("::pg_catalog.") {
                    i += 2;
                    continue;
                }
                return Some(format!("an unqualified cast at byte {i}"));
            }
            if b"+-*/<>=~!@#%^&|`?".contains(&c) {
                let before = &sql[..i];
                let ok = before.ends_with("OPERATOR(pg_catalog.");
                if !ok {
                    return Some(format!(
                        "an unqualified operator {:?} at byte {i}",
                        &sql[i..(i + 2).min(sql.len())]
                    ));
                }
                while i < b.len() && b"+-*/<>=~!@#%^&|`?".contains(&b[i]) {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
        None
    }

    #[test]
    fn the_scanner_finds_what_it_looks_for() {
        assert_eq!(unqualified("SELECT a OPERATOR(pg_catalog.>) $1"), None);
        assert_eq!(unqualified("SELECT \"a>b\"(x)::pg_catalog.int4"), None);
        assert!(unqualified("SELECT pg_catalog.count(*) > 5").is_some());
        assert!(unqualified("SELECT to_jsonb(r)").is_some());
        assert!(unqualified("SELECT a::int4").is_some());
        assert!(unqualified("SELECT 'x'").is_some());
        assert!(unqualified("SELECT a OPERATOR(public.>) b").is_some());
    }

    /// Every shape the builder can produce, for the scanner and the size cap.
    fn all_shapes(mut each: impl FnMut(&PageShape, &PageQuery)) {
        let filter = crate::filter::parse(
            r#"{"s": "x", "t": {"@>": ["a"]}, "g": null, "n": {"in": [1, 2], "<>": 3, "<": 9, "<=": 8, ">": 0, ">=": 1}, "h": {"is not": null}}"#,
        )
        .unwrap();
        let specs = [
            "a",
            "id",
            "a desc",
            "a, b desc",
            "a nulls first, b desc nulls last, c",
            "a desc, b, c desc nulls last",
            "a, id desc",
        ];
        for spec in specs {
            for dir in [Asc, Desc] {
                let keys = resolve(&parse(spec).unwrap(), dir, "id");
                let m = keys.len();
                for nullable_mask in 0..(1u32 << (m - 1)) {
                    for nulls_mask in 0..(1u32 << (m - 1)) {
                        for cursor in [false, true] {
                            for backward in [false, true] {
                                for output in [Output::Json, Output::Rows, Output::Info] {
                                    for f in [&filter[..0], &filter[..]] {
                                        let mut shape = PageShape {
                                            schema: "s",
                                            relation: "t",
                                            only: nulls_mask % 2 == 0,
                                            row_alias: "keyset_row",
                                            keys: keys
                                                .iter()
                                                .enumerate()
                                                .map(|(i, k)| Key {
                                                    sort: k,
                                                    nullable: i + 1 < m
                                                        && nullable_mask & (1 << i) != 0,
                                                })
                                                .collect(),
                                            cursor_nulls: cursor.then(|| {
                                                (0..m)
                                                    .map(|i| {
                                                        i + 1 < m && nulls_mask & (1 << i) != 0
                                                    })
                                                    .collect()
                                            }),
                                            backward,
                                            filter: f,
                                            page_size: 7,
                                            output,
                                        };
                                        if let Some(n) = &shape.cursor_nulls {
                                            // A NULL cursor value only for a nullable column.
                                            if n.iter()
                                                .zip(&shape.keys)
                                                .any(|(null, k)| *null && !k.nullable)
                                            {
                                                continue;
                                            }
                                        }
                                        let q = shape.query().unwrap();
                                        each(&shape, &q);
                                        shape.page_size = 1;
                                        each(&shape, &shape.query().unwrap());
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn no_unqualified_operator_or_function() {
        let mut n = 0;
        all_shapes(|_, q| {
            n += 1;
            for text in [&q.sql, &q.probe_sql] {
                if let Some(offence) = unqualified(text) {
                    panic!("{offence} in {text}");
                }
            }
        });
        assert!(n > 5000, "only {n} shapes");
    }

    #[test]
    fn parameters_match_the_text() {
        all_shapes(|shape, q| {
            // Every $n in the text is a declared parameter, and every parameter is used.
            let used: std::collections::BTreeSet<usize> = q
                .sql
                .split('$')
                .skip(1)
                .filter_map(|t| t.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
                .collect();
            let declared: std::collections::BTreeSet<usize> = (1..=q.params.len()).collect();
            assert_eq!(used, declared, "{}", q.sql);
            for p in &q.params {
                match *p {
                    Param::Cursor(i) => assert!(!shape.cursor_nulls.as_ref().unwrap()[i]),
                    Param::Filter(i) => assert!(shape.filter[i].op.takes_value()),
                }
            }
        });
    }

    /// The page query of `columns` nullable sort columns with 63-byte names in alternating
    /// directions and a filter of `conditions` conditions on them, with a cursor with no NULL.
    fn largest(columns: usize, conditions: usize) -> Result<PageQuery, KeysetError> {
        let names: Vec<String> = (0..=columns)
            .map(|i| format!("n{i:02}{}", "n".repeat(60)))
            .collect();
        let spec: Vec<String> = names[..columns]
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{n} {}", if i % 2 == 0 { "asc" } else { "desc" }))
            .collect();
        let keys = resolve(&parse(&spec.join(", ")).unwrap(), Asc, &names[columns]);
        let conds: Vec<String> = (0..conditions.div_ceil(2))
            .map(|i| {
                format!(
                    "\"{}\": {{\">\": 1, \"<\": 9}}",
                    format!("f{i:02}{}", "n".repeat(60))
                )
            })
            .collect();
        let filter = crate::filter::parse(&format!("{{{}}}", conds.join(", "))).unwrap();
        let shape = PageShape {
            schema: &names[0],
            relation: &names[1],
            only: true,
            row_alias: "keyset_row_1600",
            keys: keys
                .iter()
                .enumerate()
                .map(|(i, k)| Key {
                    sort: k,
                    nullable: i < columns,
                })
                .collect(),
            cursor_nulls: Some(vec![false; columns + 1]),
            backward: false,
            filter: &filter,
            page_size: 10_000,
            output: Output::Json,
        };
        shape.query()
    }

    #[test]
    fn the_size_cap() {
        // Every number of sort columns fits on its own, and a full filter with a few columns;
        // 16 nullable columns in alternating directions with a full filter do not.
        let size = |q: PageQuery| q.sql.len() + q.probe_sql.len();
        let sixteen = size(largest(16, 0).unwrap());
        let filtered = size(largest(4, 32).unwrap());
        eprintln!("16 nullable alternating columns: {sixteen} bytes; 4 columns and 32 conditions: {filtered} bytes");
        assert!(matches!(
            largest(16, 32),
            Err(KeysetError::QueryTooLarge { .. })
        ));
    }
}
