//! Tests of the page query builder: each predicate form, parameters and layout, and two
//! checks over every shape it can produce (nothing unqualified; `$n` as declared), plus the cap.
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
        prune: false,
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
        exact_probe: true,
        columns: vec![],
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
    let keys = resolve(&parse(spec).unwrap(), Asc, &["id".to_string()]);
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
        sql("created_at desc", &[], Some(vec![false, false]), false, Output::Json),
        // One range forwards: the hand-written query itself, with the probe in its select list.
        "SELECT pg_catalog.row_to_json(\"r\") AS t, \"r\".\"created_at\" AS k1, \"r\".\"id\" AS k2, \
         ((SELECT 1 FROM ONLY \"public\".\"assets\" \"r\" WHERE (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.>=) ($1, $2) \
         ORDER BY \"r\".\"created_at\" ASC NULLS LAST, \"r\".\"id\" ASC NULLS LAST LIMIT 1) IS NOT NULL) AS probe \
         FROM ONLY \"public\".\"assets\" \"r\" \
         WHERE (\"r\".\"created_at\", \"r\".\"id\") OPERATOR(pg_catalog.<) ($1, $2) \
         ORDER BY \"r\".\"created_at\" DESC NULLS FIRST, \"r\".\"id\" DESC NULLS FIRST LIMIT 21"
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
    assert!(
        s.contains("SELECT pg_catalog.row_to_json(\"r\") AS t,"),
        "{s}"
    );
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
    let keys = resolve(&parse("p, q desc").unwrap(), Asc, &["id".to_string()]);
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
fn without_the_exact_probe_a_cursor_alone_answers() {
    // pg_keyset.has_previous = cursor (or auto over remote shards): no probe subquery, the
    // flag is the constant true behind a cursor, and the page's own rows are unchanged.
    let keys = resolve(&parse("p, q desc").unwrap(), Asc, &["id".to_string()]);
    for backward in [false, true] {
        let exact = shape(
            &keys,
            &["p"],
            Some(vec![false, false, false]),
            backward,
            Output::Json,
        );
        let mut inexact = exact.clone();
        inexact.exact_probe = false;
        let (exact, inexact) = (exact.query().unwrap(), inexact.query().unwrap());
        assert!(exact.sql.contains("LIMIT 1) IS NOT NULL"), "{}", exact.sql);
        assert!(!inexact.sql.contains("LIMIT 1)"), "{}", inexact.sql);
        assert!(
            inexact.sql.contains(", true AS probe FROM"),
            "{}",
            inexact.sql
        );
        assert_eq!(inexact.probe_sql, "SELECT true");
        assert_eq!(wheres(&exact.sql), wheres(&inexact.sql));
        assert_eq!(
            (exact.params, exact.layout),
            (inexact.params, inexact.layout)
        );
    }
    // A first page has nothing behind it either way.
    let mut first = shape(&keys, &["p"], None, false, Output::Json);
    first.exact_probe = false;
    assert_eq!(first.query().unwrap().probe_sql, "SELECT false");
}

#[test]
fn layouts() {
    let keys = resolve(&parse("a").unwrap(), Asc, &["id".to_string()]);
    let c = || Some(vec![false, false]);
    let json = shape(&keys, &[], c(), false, Output::Json).query().unwrap();
    assert_eq!(
        json.layout,
        Layout {
            payload: Some(Payload::Whole),
            first_key: 2,
            keys: 2,
            probe: 4
        }
    );
    // One range forwards needs no outer query; backwards the rows are re-sorted by one.
    assert!(json.sql.ends_with(" LIMIT 21") && !json.sql.contains(") q"));
    let back = shape(&keys, &[], c(), true, Output::Json).query().unwrap();
    assert!(back.sql.contains(" LIMIT 21) q ORDER BY q.k1"));
    assert_eq!(back.layout, json.layout);
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
        !info.sql.contains("AS t") && !info.sql.contains("row_to_json"),
        "{}",
        info.sql
    );
    assert_eq!(json.params, [Param::Cursor(0), Param::Cursor(1)]);
}

const COLUMNS: [RowColumn<'static>; 3] = [
    RowColumn {
        name: "id",
        to_json: false,
    },
    RowColumn {
        name: "we\"ird",
        to_json: false,
    },
    RowColumn {
        name: "tags",
        to_json: true,
    },
];

#[test]
fn rows_come_as_their_columns() {
    let keys = resolve(&parse("a").unwrap(), Asc, &["id".to_string()]);
    let with = |nullable: &[&str], nulls, backward, output| {
        let mut s = shape(&keys, nullable, nulls, backward, output);
        s.columns = COLUMNS.to_vec();
        s.query().unwrap()
    };
    let json = with(&[], Some(vec![false, false]), false, Output::Json);
    assert_eq!(
        json.layout,
        Layout {
            payload: Some(Payload::Columns(3)),
            first_key: 4,
            keys: 2,
            probe: 6
        }
    );
    assert!(
        json.sql.starts_with(
            r#"SELECT "r"."id" AS c1, "r"."we""ird" AS c2, pg_catalog.to_json("r"."tags") AS c3, "r"."a" AS k1, "r"."id" AS k2, "#
        ),
        "{}",
        json.sql
    );
    // keyset_rows: the same columns, none through to_json.
    let rows = with(&[], Some(vec![false, false]), false, Output::Rows);
    assert!(rows.sql.contains(r#""r"."tags" AS c3, "#) && !rows.sql.contains("to_json"));
    // keyset_rows returns no flag: no probe of the cursor's other side.
    assert!(rows.sql.contains(", false AS probe FROM") && !rows.sql.contains("LIMIT 1)"));
    assert!(json.sql.contains("LIMIT 1) IS NOT NULL) AS probe FROM"));
    assert_eq!(rows.layout, json.layout);
    // Through several ranges (a range and the NULL block), each level passes the columns up by their aliases.
    let back = with(&["a"], Some(vec![false, false]), false, Output::Json);
    assert!(
        back.sql
            .starts_with("SELECT q.c1, q.c2, q.c3, q.k1, q.k2, "),
        "{}",
        back.sql
    );
    assert!(
        back.sql
            .contains("SELECT u.c1, u.c2, u.c3, u.k1, u.k2 FROM ("),
        "{}",
        back.sql
    );
    assert_eq!(back.sql.matches("pg_catalog.to_json(").count(), 2);
    assert_eq!(back.layout, json.layout);
    // keyset_page_info carries no row.
    let info = with(&[], None, false, Output::Info);
    assert_eq!(info.layout.payload, None);
    assert!(!info.sql.contains(" AS c1"));
}

#[test]
fn a_column_list_too_long_falls_back_to_the_whole_row() {
    // 1,600 columns of 63-byte names in 16 nullable ranges: far past the cap as columns, within
    // it as the whole row.
    let names: Vec<String> = (0..1600).map(|i| format!("c{i:0>62}")).collect();
    let spec: Vec<String> = (0..8).map(|i| names[i].clone()).collect();
    let keys = resolve(&parse(&spec.join(",")).unwrap(), Asc, &["id".to_string()]);
    let nullable: Vec<&str> = spec.iter().map(String::as_str).collect();
    let mut s = shape(&keys, &nullable, Some(vec![false; 9]), false, Output::Json);
    s.columns = names
        .iter()
        .map(|n| RowColumn {
            name: n,
            to_json: false,
        })
        .collect();
    let q = s.query().unwrap();
    assert_eq!(q.layout.payload, Some(Payload::Whole));
    assert!(q.sql.contains("pg_catalog.row_to_json"));
    // A few columns of the same table fit.
    s.columns.truncate(10);
    let q = s.query().unwrap();
    assert_eq!(q.layout.payload, Some(Payload::Columns(10)));
}

#[test]
fn filters_are_conjuncts_with_parameters_after_the_cursors() {
    let keys = resolve(&parse("a").unwrap(), Desc, &["id".to_string()]);
    let filter = crate::filter::parse(
        r#"{"status": "x", "tags": {"@>": ["a"]}, "gone": null, "n": {"in": [1, 2]}}"#,
    )
    .unwrap();
    let shape = PageShape {
        schema: "s",
        relation: "t",
        only: false,
        prune: false,
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
        exact_probe: true,
        columns: vec![],
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
            let keys = resolve(&parse(spec).unwrap(), dir, &["id".to_string()]);
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
                                        prune: nullable_mask % 2 == 1,
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
                                                .map(|i| i + 1 < m && nulls_mask & (1 << i) != 0)
                                                .collect()
                                        }),
                                        backward,
                                        filter: f,
                                        page_size: 7,
                                        output,
                                        exact_probe: true,
                                        columns: vec![],
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
                                    // Rows as their columns (to_json for some).
                                    shape.columns = COLUMNS.to_vec();
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
    let keys = resolve(
        &parse(&spec.join(", ")).unwrap(),
        Asc,
        std::slice::from_ref(&names[columns]),
    );
    let conds: Vec<String> = (0..conditions.div_ceil(2))
        .map(|i| {
            let name = format!("f{i:02}{}", "n".repeat(60));
            format!("\"{name}\": {{\">\": 1, \"<\": 9}}")
        })
        .collect();
    let filter = crate::filter::parse(&format!("{{{}}}", conds.join(", "))).unwrap();
    let shape = PageShape {
        schema: &names[0],
        relation: &names[1],
        only: true,
        prune: false,
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
        exact_probe: true,
        columns: vec![],
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

#[test]
fn partitioned_relations_bound_each_row_value_head() {
    let keys = resolve(&parse("created_at").unwrap(), Asc, &["id".to_string()]);
    let mut s = shape(&keys, &[], Some(vec![false, false]), false, Output::Json);
    let plain = s.query().unwrap().sql;
    s.prune = true;
    let pruned = s.query().unwrap().sql;
    let row = r#"("r"."created_at", "r"."id") OPERATOR(pg_catalog.>) ($1, $2)"#;
    assert!(plain.contains(row) && pruned.contains(row));
    // The fetch gets `created_at >= $1`, the probe of the other side `created_at <= $1`.
    assert!(!plain.contains(r#""r"."created_at" OPERATOR(pg_catalog.>=) $1"#));
    assert!(pruned.contains(&format!(
        r#"{row} AND "r"."created_at" OPERATOR(pg_catalog.>=) $1"#
    )));
    assert!(pruned.contains(r#""r"."created_at" OPERATOR(pg_catalog.<=) $1"#));
    // A single-column range is a plain comparison already.
    let keys = resolve(&parse("id").unwrap(), Asc, &["id".to_string()]);
    let mut s = shape(&keys, &[], Some(vec![false]), false, Output::Json);
    let plain = s.query().unwrap().sql;
    s.prune = true;
    assert_eq!(s.query().unwrap().sql, plain);
}
