//! The page query for one shape of request: identifiers in, SQL text with `$n` parameters out.
//!
//! Every identifier is double-quoted here and nowhere else; no value ever appears in the text
//! (the boundary value and id are `$1`/`$2`). The only number in the text is the page size,
//! which the caller has validated as a positive integer: it is part of the plan's shape on
//! purpose, because a bound `LIMIT $n` makes a generic plan assume 10% of the table and prefer
//! a sort over the index (see README, "How it works").
//!
//! Order: `ORDER BY sort, key` in the request's direction with Postgres' default NULL placement
//! (ASC NULLS LAST, DESC NULLS FIRST), so a composite index `(sort, key)` serves every branch,
//! forwards for asc and backwards for desc. Each branch is a plain index range:
//! - after a non-NULL value: the row value `(sort, key) > ($1, $2)` (`<` for desc), which
//!   Postgres turns into an Index Cond;
//! - a nullable column splits into a non-NULL range and the NULL block, each index-usable,
//!   glued with UNION ALL in the order the NULL placement dictates, instead of one OR with
//!   `IS NULL` that no index can serve.

use crate::cursor::Direction;

/// Where the page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Boundary {
    /// No cursor: the first page.
    First,
    /// After a row whose sort value is not NULL: `$1` = value, `$2` = key.
    /// When sorting by the key itself there is only `$1` = key.
    AfterValue,
    /// After a row whose sort value is NULL: `$1` = key.
    AfterNull,
}

/// What the query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// One row: (rows jsonb, has_more bool, k, i) where k, i are the sort value and key of the
    /// page's last row (NULL unless has_more), for minting the next cursor.
    Envelope,
    /// Up to page_size + 1 rows of (t, k, i): the whole row, its sort value and key.
    Rows,
    /// One row: (has_more bool, k, i) as for Envelope, from the keys alone (no whole rows, so
    /// an index-only scan can serve it).
    Info,
}

/// One request shape. Names are raw catalog names; this module quotes them.
#[derive(Debug, Clone)]
pub struct PageShape<'a> {
    pub schema: &'a str,
    pub relation: &'a str,
    /// The table's alias in the query: a name none of its columns has, because a bare alias
    /// means the whole row only when no column shares its name (a column `t` would win).
    pub row_alias: &'a str,
    pub sort: &'a str,
    pub key: &'a str,
    pub sort_nullable: bool,
    pub direction: Direction,
    pub boundary: Boundary,
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

impl PageShape<'_> {
    fn sort_is_key(&self) -> bool {
        self.sort == self.key
    }

    /// The WHERE conditions of the page's index ranges, in page order (None: the whole index).
    fn branches(&self, r: &str, s: &str, k: &str) -> Vec<Option<String>> {
        let (op, asc) = match self.direction {
            Direction::Asc => ("OPERATOR(pg_catalog.>)", true),
            Direction::Desc => ("OPERATOR(pg_catalog.<)", false),
        };
        let one = |condition: Option<String>| vec![condition];
        if self.sort_is_key() {
            return match self.boundary {
                Boundary::First => one(None),
                _ => one(Some(format!("{r}.{k} {op} $1"))),
            };
        }
        let range = format!("({r}.{s}, {r}.{k}) {op} ($1, $2)");
        match (self.boundary, self.sort_nullable, asc) {
            (Boundary::First, _, _) => one(None),
            (Boundary::AfterValue, false, _) => one(Some(range)),
            // ASC NULLS LAST: the rest of the non-NULL range, then the whole NULL block.
            (Boundary::AfterValue, true, true) => vec![
                Some(range),
                Some(format!("{r}.{s} IS NULL")),
            ],
            // DESC NULLS FIRST: the NULL block is behind us; only the non-NULL range is left.
            (Boundary::AfterValue, true, false) => one(Some(range)),
            // Inside the NULL block (ASC): the rest of it, and nothing after.
            (Boundary::AfterNull, _, true) => {
                one(Some(format!("{r}.{s} IS NULL AND {r}.{k} {op} $1")))
            }
            // Inside the NULL block (DESC): the rest of it, then every non-NULL row.
            (Boundary::AfterNull, _, false) => vec![
                Some(format!("{r}.{s} IS NULL AND {r}.{k} {op} $1")),
                Some(format!("{r}.{s} IS NOT NULL")),
            ],
        }
    }

    /// The page query for this shape.
    pub fn sql(&self) -> String {
        let r = quote_ident(self.row_alias);
        let s = quote_ident(self.sort);
        let k = quote_ident(self.key);
        let rel = format!("{}.{}", quote_ident(self.schema), quote_ident(self.relation));
        let dir = match self.direction {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        };
        let fetch = self.page_size as i64 + 1;
        let order = if self.sort_is_key() {
            format!("{r}.{k} {dir}")
        } else {
            format!("{r}.{s} {dir}, {r}.{k} {dir}")
        };
        let branches = self.branches(&r, &s, &k);
        let multi = branches.len() > 1;
        let selects: Vec<String> = branches
            .iter()
            .map(|condition| {
                let filter = condition.as_ref().map(|c| format!(" WHERE {c}")).unwrap_or_default();
                let whole_row = if self.output == Output::Info { String::new() } else { format!("{r} AS t, ") };
                format!(
                    "(SELECT {whole_row}{r}.{s} AS k, {r}.{k} AS i FROM {rel} {r}{filter} ORDER BY {order} LIMIT {fetch})"
                )
            })
            .collect();
        // The page's rows in page order, at most page_size + 1 of them. One branch is already an
        // ordered, limited index range. Two are concatenated by UNION ALL: its Append runs the
        // branches one after the other, in the order written, because plans prepared through
        // SPI_prepare are never parallel (no CURSOR_OPT_PARALLEL_OK), so no sort is needed.
        // (With a sort by branch rank, a page at a NULL boundary cost 0.198 ms against 0.156 ms
        // for the hand-written UNION ALL; pgbench, 1M rows.)
        let source = if multi {
            format!("({} LIMIT {fetch})", selects.join(" UNION ALL "))
        } else {
            selects.concat()
        };
        let n = self.page_size;
        // The aggregates consume `source` in its order (Postgres feeds a plain Agg over an ordered
        // subquery in that order; the differential test walks every shape against ORDER BY).
        // Measured with pgbench against the same query with row_number() and FILTERs: 10 µs less
        // per page (0.179 -> 0.168 ms; the hand-written query: 0.157 ms).
        match self.output {
            Output::Envelope => format!(
                "SELECT CASE WHEN pg_catalog.count(*) > {n} \
                 THEN pg_catalog.jsonb_agg(q.t) OPERATOR(pg_catalog.-) {n} \
                 ELSE coalesce(pg_catalog.jsonb_agg(q.t), '[]'::pg_catalog.jsonb) END, \
                 pg_catalog.count(*) > {n}, \
                 (pg_catalog.array_agg(q.k))[{n}], (pg_catalog.array_agg(q.i))[{n}] \
                 FROM {source} q"
            ),
            Output::Info => format!(
                "SELECT pg_catalog.count(*) > {n}, \
                 (pg_catalog.array_agg(q.k))[{n}], (pg_catalog.array_agg(q.i))[{n}] \
                 FROM {source} q"
            ),
            Output::Rows => format!("SELECT q.t, q.k, q.i FROM {source} q"),
        }
    }

    /// How many parameters the query takes.
    pub fn param_count(&self) -> usize {
        match self.boundary {
            Boundary::First => 0,
            Boundary::AfterNull => 1,
            Boundary::AfterValue if self.sort_is_key() => 1,
            Boundary::AfterValue => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(boundary: Boundary, nullable: bool, direction: Direction) -> PageShape<'static> {
        PageShape {
            schema: "public",
            relation: "assets",
            row_alias: "r",
            sort: "created_at",
            key: "id",
            sort_nullable: nullable,
            direction,
            boundary,
            page_size: 20,
            output: Output::Rows,
        }
    }

    #[test]
    fn identifiers_are_always_quoted() {
        assert_eq!(quote_ident("a"), "\"a\"");
        assert_eq!(quote_ident("we\"ird; drop"), "\"we\"\"ird; drop\"");
        let mut s = shape(Boundary::AfterValue, false, Direction::Asc);
        s.sort = "x\"); drop table t; --";
        let sql = s.sql();
        assert!(sql.contains("\"r\".\"x\"\"); drop table t; --\""), "{sql}");
    }

    #[test]
    fn not_null_after_value_is_one_row_value_range() {
        let sql = shape(Boundary::AfterValue, false, Direction::Desc).sql();
        assert_eq!(
            sql,
            "SELECT q.t, q.k, q.i FROM (SELECT \"r\" AS t, \"r\".\"created_at\" AS k, \"r\".\"id\" AS i FROM \"public\".\"assets\" \"r\" \
             WHERE (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.<) ($1, $2) \
             ORDER BY \"r\".\"created_at\" DESC, \"r\".\"id\" DESC LIMIT 21) q"
        );
    }

    #[test]
    fn sort_by_key_needs_one_column() {
        let mut s = shape(Boundary::AfterValue, false, Direction::Asc);
        s.sort = "id";
        assert_eq!(s.param_count(), 1);
        assert!(s.sql().contains("WHERE \"r\".\"id\" OPERATOR(pg_catalog.>) $1 ORDER BY \"r\".\"id\" ASC LIMIT 21"));
    }

    #[test]
    fn nullable_forms_split_into_index_ranges() {
        let asc_value = shape(Boundary::AfterValue, true, Direction::Asc).sql();
        assert!(asc_value.contains("OPERATOR(pg_catalog.>) ($1, $2)"));
        assert!(asc_value.contains("WHERE \"r\".\"created_at\" IS NULL ORDER BY"));
        assert!(asc_value.contains("UNION ALL (SELECT") && asc_value.ends_with(" LIMIT 21) q"));
        let asc_null = shape(Boundary::AfterNull, true, Direction::Asc).sql();
        assert!(asc_null.contains("WHERE \"r\".\"created_at\" IS NULL AND \"r\".\"id\" OPERATOR(pg_catalog.>) $1"));
        assert!(!asc_null.contains("UNION ALL"));
        let desc_null = shape(Boundary::AfterNull, true, Direction::Desc).sql();
        assert!(desc_null.contains("IS NULL AND \"r\".\"id\" OPERATOR(pg_catalog.<) $1"));
        assert!(desc_null.contains("UNION ALL"));
        assert!(desc_null.contains("WHERE \"r\".\"created_at\" IS NOT NULL ORDER BY \"r\".\"created_at\" DESC, \"r\".\"id\" DESC"));
        let desc_value = shape(Boundary::AfterValue, true, Direction::Desc).sql();
        assert!(!desc_value.contains("UNION ALL") && !desc_value.contains("IS NULL"));
        let first = shape(Boundary::First, true, Direction::Asc).sql();
        assert!(!first.contains("WHERE"));
        assert_eq!(shape(Boundary::First, true, Direction::Asc).param_count(), 0);
    }

    #[test]
    fn envelope_fetches_one_more_than_the_page() {
        let mut s = shape(Boundary::AfterValue, false, Direction::Asc);
        s.output = Output::Envelope;
        let sql = s.sql();
        assert!(sql.contains("LIMIT 21"));
        assert!(sql.contains("pg_catalog.jsonb_agg(q.t) OPERATOR(pg_catalog.-) 20"));
        assert!(sql.contains("pg_catalog.count(*) > 20"));
        assert!(sql.contains("(pg_catalog.array_agg(q.k))[20]"));
        s.output = Output::Info;
        let info = s.sql();
        assert!(!info.contains("t AS t") && !info.contains("to_jsonb"), "{info}");
        assert!(info.contains("pg_catalog.count(*) > 20"));
    }
}
