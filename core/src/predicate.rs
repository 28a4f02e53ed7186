//! The page query for one shape of request: identifiers in, SQL text with `$n` parameters out.
//!
//! Every identifier is double-quoted here and nowhere else; no value ever appears in the text
//! (cursor values are `$1..`, filter values follow). The only numbers in the text are the page
//! size and array subscripts, validated integers: the page size is part of the plan's shape on
//! purpose, because a bound `LIMIT $n` makes a generic plan assume 10% of the table and prefer a
//! sort over the index (see docs/internals.md, "The page query").
//!
//! ## Index ranges ("branches")
//! The rows after a cursor are cut into branches, each one plain index range, listed in page
//! order; the page is their UNION ALL under its own `ORDER BY … LIMIT page_size + 1` (each branch
//! ordered and limited too, so the planner merges them with a Merge Append that reads at most one
//! row beyond the page from each). For keys `k1..km` (the last ones the key's columns) and the
//! cursor's values `v1..vm`, from the deepest column outwards:
//! - a run of NOT NULL columns with one direction is one row value: `(k2, k3) > ($2, $3)`; all
//!   columns one direction and NOT NULL (the common case) is a single branch
//!   `(k1, .., km) > ($1, .., $m)`, exactly the hand-written query;
//! - mixed directions split at each change of direction: `(a desc, b, id)` after (x, y, z) is
//!   `a = $1 AND (b, id) > ($2, $3)` then `a < $1`. The usual single-scan form,
//!   `a <= $1 AND (a < $1 OR (a = $1 AND (b, id) > ($2, $3)))`, has only its leading bound as an
//!   Index Cond and filters away every row of the cursor's `a` group that precedes it, which
//!   grows with depth inside a group (keyset_plan_forms.sql shows both);
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
//! (a promise SPI keeps), and the page is assembled in Rust ([`crate::assembly`]): no aggregate whose
//! input order matters, no reliance on UNION ALL running its branches in the order written
//! (several branches are merged under their own `ORDER BY … LIMIT`).
//!
//! ## Nothing resolves through search_path
//! Every operator is written `OPERATOR(pg_catalog.op)` and every function `pg_catalog.f`, so a
//! schema earlier in the caller's search_path cannot put its own `>` or `row_to_json` into the page
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
    /// keyset_page: the row as json in the relation's column order (`row_to_json`).
    Json,
    /// keyset_rows: the whole row, of the relation's row type.
    Rows,
    /// keyset_page_info: the keys alone (so an index-only scan can serve it).
    Info,
}

/// How a page query carries each row (always from column 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// The relation's columns one by one, in column order: `n` result columns. For json, the
    /// columns whose json Postgres decides per value (arrays, composites, types not built in)
    /// come as `to_json`; the extension writes the row's object itself.
    Columns(i32),
    /// One column: the row's json (`row_to_json`) or the whole row. Only where the column list
    /// would make the query too long (see [`PageShape::query`]).
    Whole,
}

/// Where each value sits in a result row of the page query (1-based column numbers, as SPI
/// counts). This is the only place that knows the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// How the row itself comes, if the output has it.
    pub payload: Option<Payload>,
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

/// A column of the relation's row (dropped columns left out), in column order.
#[derive(Debug, Clone, Copy)]
pub struct RowColumn<'a> {
    pub name: &'a str,
    /// For json: select `pg_catalog.to_json(column)`, whose text goes into the row's object as
    /// it is (what `row_to_json` writes for the column's type, decided by Postgres).
    pub to_json: bool,
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
    /// A partitioned table (or a simple view over one): each row value `(k1, k2) > ($1, $2)` gets
    /// its head's own bound `k1 >= $1`, which the row value implies. Postgres prunes partitions
    /// by plain comparisons with the partition key, never by a row value, so without it every
    /// partition before the cursor is still probed (13 index descents at 99% of a 13-partition
    /// table: 0.47 against 0.32 ms for the first page, see BENCHMARKS.md).
    pub prune: bool,
    /// The table's alias in the query: a name none of its columns has, because a bare alias
    /// means the whole row only when no column shares its name (a column `t` would win).
    pub row_alias: &'a str,
    /// The ORDER BY in display order; the last keys are the key's columns.
    pub keys: Vec<Key<'a>>,
    /// None: the first page. Some(pattern): a cursor whose values are NULL where `true`.
    pub cursor_nulls: Option<Vec<bool>>,
    /// Page before the cursor instead of after it.
    pub backward: bool,
    pub filter: &'a [Condition],
    pub page_size: i32,
    pub output: Output,
    /// Probe for rows behind the cursor; false: a cursor alone says they are there (no query;
    /// the page's own rows never depend on it). See `pg_keyset.has_previous`.
    pub exact_probe: bool,
    /// The relation's columns, for the Json and Rows payloads.
    pub columns: Vec<RowColumn<'a>>,
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
    /// Bound the head of each row value on its own too (see [`PageShape::prune`]).
    prune: bool,
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
        let mut range = vec![format!(
            "{} {} {}",
            run(&self.cols[i..=j]),
            op(dir, inclusive && last_run),
            run(&values)
        )];
        if self.prune && j > i {
            range.push(format!(
                "{} {} {}",
                self.cols[i],
                op(dir, true),
                self.param(i)
            ));
        }
        out.push(range);
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
            prune: self.prune,
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
    /// runs once per page. keyset_rows returns neither flag nor cursor, so it has none: its
    /// rows do not depend on it (`assembly::assemble` uses the probe for flags and the near
    /// cursor only), and the index descent and InitPlan were 8% of its backend time.
    fn probe(&self, params: &[Option<usize>], filter: &[String]) -> String {
        if self.cursor_nulls.is_none() || self.output == Output::Rows {
            return "false".to_string();
        }
        let probe_order = self.fetch_order(!self.backward);
        let other = self.branches(&probe_order, params, true);
        if other.is_empty() {
            return "false".to_string();
        }
        if !self.exact_probe {
            return "true".to_string();
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

    /// The page query, its probe-only twin, its parameters and its layout; 22023 if the text
    /// would exceed [`MAX_QUERY_BYTES`].
    ///
    /// Rows come as their columns, the fastest form (no whole-row tuple formed per row, no row
    /// descriptor looked up per row: 25 µs of a 20-row keyset_page against `row_to_json`, see
    /// BENCHMARKS.md), unless the column list makes the text too long (1,600 columns of long
    /// names, repeated in every index range): then as the whole row, one column.
    pub fn query(&self) -> Result<PageQuery, KeysetError> {
        if self.output == Output::Info || self.columns.is_empty() {
            return self.build(Payload::Whole);
        }
        let n = self.columns.len() as i32;
        match self.build(Payload::Columns(n)) {
            Err(KeysetError::QueryTooLarge { .. }) => self.build(Payload::Whole),
            other => other,
        }
    }

    /// The select-list items of the payload in a branch (`inner`) or above it (`q.c1, ...`).
    fn payload_sql(&self, payload: Payload, outer: Option<&str>) -> String {
        let r = quote_ident(self.row_alias);
        let mut out = String::new();
        match (self.output, payload, outer) {
            (Output::Info, _, _) => {}
            (_, Payload::Whole, Some(q)) => {
                let _ = write!(out, "{q}.t, ");
            }
            (Output::Json, Payload::Whole, None) => {
                let _ = write!(out, "pg_catalog.row_to_json({r}) AS t, ");
            }
            (_, Payload::Whole, None) => {
                let _ = write!(out, "{r} AS t, ");
            }
            (_, Payload::Columns(_), Some(q)) => {
                for i in 1..=self.columns.len() {
                    let _ = write!(out, "{q}.c{i}, ");
                }
            }
            (output, Payload::Columns(_), None) => {
                for (i, c) in self.columns.iter().enumerate() {
                    let col = format!("{r}.{}", quote_ident(c.name));
                    if output == Output::Json && c.to_json {
                        let _ = write!(out, "pg_catalog.to_json({col}) AS c{}, ", i + 1);
                    } else {
                        let _ = write!(out, "{col} AS c{}, ", i + 1);
                    }
                }
            }
        }
        out
    }

    fn build(&self, payload: Payload) -> Result<PageQuery, KeysetError> {
        let rel = self.relation_sql();
        let m = self.keys.len();
        let fetch = self.page_size as i64 + 1;
        let order = self.fetch_order(self.backward);
        let params = self.cursor_params();
        let filter = self.filter_conditions();
        let mut select = String::from("SELECT ");
        select.push_str(&self.payload_sql(payload, None));
        for i in 0..m {
            let _ = write!(
                select,
                "{}{} AS k{}",
                if i > 0 { ", " } else { "" },
                self.col(i),
                i + 1
            );
        }
        // The select list alone, for the single-range form below.
        let columns = select.clone();
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
                let keys: Vec<String> = (1..=m).map(|i| format!("u.k{i}")).collect();
                format!(
                    "SELECT {}{} FROM ({}) u ORDER BY {} LIMIT {fetch}",
                    self.payload_sql(payload, Some("u")),
                    keys.join(", "),
                    union.join(" UNION ALL "),
                    Self::order_sql(&order, by_key("u"))
                )
            }
        };
        let display: Vec<SortKey> = self.keys.iter().map(|k| k.sort.clone()).collect();
        let outer_payload = self.payload_sql(payload, Some("q"));
        let keys: Vec<String> = (1..=m).map(|i| format!("q.k{i}")).collect();
        let probe = self.probe(&params, &filter);
        let sql = if !self.backward && branches.len() == 1 {
            // One index range forwards: its ORDER BY is the display order already, so the
            // probe joins its select list and no outer query wraps it (a Subquery Scan node
            // less to start per page: 3% of keyset_page's backend time).
            format!(
                "{columns}, {probe} AS probe FROM {rel}{} ORDER BY {fetch_order} LIMIT {fetch}",
                Self::where_sql(&branches[0], &filter)
            )
        } else {
            // Display order at the top: a promise, where the source's own order is only how
            // the plan happens to run. Forwards it is the source's order (no extra sort);
            // backwards a sort of at most page_size + 1 rows.
            format!(
                "SELECT {outer_payload}{}, {probe} AS probe FROM ({source}) q ORDER BY {}",
                keys.join(", "),
                Self::order_sql(&display, by_key("q"))
            )
        };
        let probe_sql = format!("SELECT {probe}");
        let bytes = sql.len() + probe_sql.len();
        if bytes > MAX_QUERY_BYTES {
            return Err(KeysetError::QueryTooLarge {
                bytes,
                max: MAX_QUERY_BYTES,
            });
        }
        let (payload, width) = match (self.output, payload) {
            (Output::Info, _) => (None, 0),
            (_, Payload::Whole) => (Some(Payload::Whole), 1),
            (_, Payload::Columns(n)) => (Some(Payload::Columns(n)), n),
        };
        let first_key = 1 + width;
        Ok(PageQuery {
            sql,
            probe_sql,
            params: self.params(),
            layout: Layout {
                payload,
                first_key,
                keys: m as i32,
                probe: first_key + m as i32,
            },
        })
    }
}

#[cfg(test)]
#[path = "tests/predicate.rs"]
mod tests;
