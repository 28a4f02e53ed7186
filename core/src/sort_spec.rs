//! Parsing the `sort` argument: a list of columns written as in an SQL ORDER BY.
//!
//! `'priority desc nulls last, created_at'`: each item is a column name, an optional ASC/DESC and
//! an optional NULLS FIRST/LAST. Unquoted names are folded to lower case like SQL identifiers
//! (`Created_At` → `created_at`); double-quoted names are taken exactly (`"CreatedAt"`, with `""`
//! for a quote). Nothing else is accepted (no expressions, no COLLATE, no USING): a parsed name
//! is only ever looked up in the catalog and then quoted, so no text from the user reaches SQL.
//!
//! How the parts combine ([`resolve`]):
//! - a column without ASC/DESC takes the `direction` argument (default asc);
//! - a column without NULLS FIRST/LAST gets Postgres' default for its direction (ASC NULLS LAST,
//!   DESC NULLS FIRST), so the ORDER BY is the one a plain index on the column serves;
//! - the key's columns (the primary key, a unique index or the `key` argument, one or more
//!   columns) are appended as the final tiebreak in the direction of the last listed column, so
//!   an index on `(col, id)` serves `'col desc'` too (scanned backwards); a key column listed in
//!   the sort is not repeated and keeps its listed direction, and once every key column is
//!   listed the columns after are dropped (a unique key leaves nothing for them to order).

use crate::cursor::Direction;
use crate::error::KeysetError;

/// Most columns a sort may list (the key's columns come on top). An index has at most 32.
pub const MAX_SORT_COLUMNS: usize = 16;
/// Longest sort specification accepted: 16 quoted names of 63 bytes with every character a
/// doubled quote, each with `desc nulls first`, fit in 2,400 bytes.
pub const MAX_SORT_SPEC_BYTES: usize = 4096;
/// NAMEDATALEN - 1: no column name is longer, so a longer name can only be a mistake or an attack.
pub const MAX_NAME_BYTES: usize = 63;

/// A column name given by the caller (sort or filter): at most 63 bytes, no NUL. A longer name
/// names no column; Postgres would truncate it (with a NOTICE), which could silently pick another.
pub fn check_name(name: &str) -> Result<(), KeysetError> {
    if name.len() > MAX_NAME_BYTES || name.contains('\0') {
        let mut end = name.len().min(MAX_NAME_BYTES);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        return Err(KeysetError::NameTooLong {
            prefix: name[..end].replace('\0', "\\0"),
            bytes: name.len(),
        });
    }
    Ok(())
}

/// One item as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortItem {
    pub column: String,
    pub direction: Option<Direction>,
    /// `Some(true)` = NULLS FIRST.
    pub nulls_first: Option<bool>,
}

/// One key of the resolved ORDER BY.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub column: String,
    pub direction: Direction,
    pub nulls_first: bool,
}

impl SortKey {
    pub fn new(column: &str, direction: Direction) -> SortKey {
        SortKey {
            column: column.to_string(),
            direction,
            nulls_first: direction == Direction::Desc,
        }
    }

    /// Postgres' default NULL placement for the direction (what a plain index gives).
    pub fn default_nulls(&self) -> bool {
        self.nulls_first == (self.direction == Direction::Desc)
    }

    /// The same key read backwards (for pages before a cursor).
    pub fn reversed(&self) -> SortKey {
        SortKey {
            column: self.column.clone(),
            direction: match self.direction {
                Direction::Asc => Direction::Desc,
                Direction::Desc => Direction::Asc,
            },
            nulls_first: !self.nulls_first,
        }
    }

    /// `ASC NULLS LAST` etc.
    pub fn order_words(&self) -> &'static str {
        match (self.direction, self.nulls_first) {
            (Direction::Asc, false) => "ASC NULLS LAST",
            (Direction::Asc, true) => "ASC NULLS FIRST",
            (Direction::Desc, false) => "DESC NULLS LAST",
            (Direction::Desc, true) => "DESC NULLS FIRST",
        }
    }
}

/// The ORDER BY of a request: the listed columns, then the key's columns not listed (`key`
/// holds their names, in the key's order), each in the direction of the last listed column.
/// Once every key column is listed the order is total, so later columns are dropped.
pub fn resolve(items: &[SortItem], direction: Direction, key: &[String]) -> Vec<SortKey> {
    let mut keys: Vec<SortKey> = Vec::with_capacity(items.len() + key.len());
    let covered = |keys: &[SortKey]| key.iter().all(|k| keys.iter().any(|s| &s.column == k));
    let mut last = direction;
    for item in items {
        let dir = item.direction.unwrap_or(direction);
        last = dir;
        keys.push(SortKey {
            column: item.column.clone(),
            direction: dir,
            nulls_first: item.nulls_first.unwrap_or(dir == Direction::Desc),
        });
        if covered(&keys) {
            return keys;
        }
    }
    for k in key {
        if !keys.iter().any(|s| &s.column == k) {
            keys.push(SortKey::new(k, last));
        }
    }
    keys
}

/// Parses the `key` argument: column names written as in the sort (`'tenant_id, "Id"'`), with
/// no ASC/DESC or NULLS (a key's columns take their direction from the sort).
pub fn parse_key(spec: &str) -> Result<Vec<String>, KeysetError> {
    let items = parse(spec).map_err(|e| match e {
        KeysetError::SortSyntax {
            spec,
            position,
            reason,
        } => KeysetError::KeySyntax {
            spec,
            position,
            reason: reason.replace("the sort specification", "the key"),
        },
        KeysetError::DuplicateSortColumn { column } => KeysetError::KeySyntax {
            spec: spec.to_string(),
            position: 0,
            reason: format!("column \"{column}\" appears more than once"),
        },
        other => other,
    })?;
    if items
        .iter()
        .any(|i| i.direction.is_some() || i.nulls_first.is_some())
    {
        return Err(KeysetError::KeySyntax {
            spec: spec.to_string(),
            position: 0,
            reason: "a key lists column names only; give directions in the sort".into(),
        });
    }
    Ok(items.into_iter().map(|i| i.column).collect())
}

struct Lexer<'a> {
    spec: &'a str,
    pos: usize,
}

enum Token {
    Ident { name: String, quoted: bool },
    Comma,
    End,
}

impl<'a> Lexer<'a> {
    fn error(&self, at: usize, reason: &str) -> KeysetError {
        KeysetError::SortSyntax {
            spec: self.spec.to_string(),
            // 1-based character position, as Postgres reports positions.
            position: self.spec[..at].chars().count() + 1,
            reason: reason.to_string(),
        }
    }

    fn skip_space(&mut self) {
        let rest = &self.spec[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// The next token and where it starts.
    fn next(&mut self) -> Result<(Token, usize), KeysetError> {
        self.skip_space();
        let start = self.pos;
        let rest = &self.spec[start..];
        let Some(c) = rest.chars().next() else {
            return Ok((Token::End, start));
        };
        if c == ',' {
            self.pos += 1;
            return Ok((Token::Comma, start));
        }
        if c == '"' {
            let body = &rest[1..];
            let mut name = String::new();
            let mut chars = body.char_indices();
            while let Some((i, c)) = chars.next() {
                if c != '"' {
                    name.push(c);
                } else if body[i + 1..].starts_with('"') {
                    name.push('"');
                    chars.next();
                } else {
                    if name.is_empty() {
                        return Err(self.error(start, "zero-length quoted identifier"));
                    }
                    self.pos = start + 1 + i + 1;
                    return Ok((Token::Ident { name, quoted: true }, start));
                }
            }
            return Err(self.error(start, "unterminated quoted identifier"));
        }
        // Postgres' scanner: an identifier starts with a letter, `_` or any non-ASCII character
        // and continues with those, digits and `$`; unquoted, only ASCII letters are folded to
        // lower case (downcase_identifier), so "Größe" is "größe" and "ÄB" is "Äb".
        let end = rest
            .char_indices()
            .find(|&(i, c)| {
                !(c == '_'
                    || c.is_ascii_alphabetic()
                    || !c.is_ascii()
                    || (i > 0 && (c.is_ascii_digit() || c == '$')))
            })
            .map_or(rest.len(), |(i, _)| i);
        if end == 0 {
            return Err(self.error(start, "expected a column name"));
        }
        self.pos = start + end;
        Ok((
            Token::Ident {
                name: rest[..end].to_ascii_lowercase(),
                quoted: false,
            },
            start,
        ))
    }
}

fn keyword(t: &Token) -> Option<&str> {
    match t {
        Token::Ident {
            name,
            quoted: false,
        } => Some(name.as_str()),
        _ => None,
    }
}

/// Parses a sort specification. Errors are 42601 with the 1-based position of the offending
/// token, or 42701 for a column listed twice.
pub fn parse(spec: &str) -> Result<Vec<SortItem>, KeysetError> {
    if spec.len() > MAX_SORT_SPEC_BYTES {
        return Err(KeysetError::SortSpecTooLong {
            bytes: spec.len(),
            max: MAX_SORT_SPEC_BYTES,
        });
    }
    let mut lx = Lexer { spec, pos: 0 };
    let mut items: Vec<SortItem> = Vec::new();
    loop {
        let (token, at) = lx.next()?;
        let column = match token {
            Token::Ident { name, .. } => name,
            Token::End if items.is_empty() => {
                return Err(lx.error(at, "the sort specification is empty"))
            }
            Token::End => return Err(lx.error(at, "expected a column name after \",\"")),
            Token::Comma => return Err(lx.error(at, "expected a column name")),
        };
        check_name(&column)?;
        if items.iter().any(|i| i.column == column) {
            return Err(KeysetError::DuplicateSortColumn { column });
        }
        if items.len() == MAX_SORT_COLUMNS {
            return Err(KeysetError::TooManySortColumns {
                max: MAX_SORT_COLUMNS,
            });
        }
        let mut item = SortItem {
            column,
            direction: None,
            nulls_first: None,
        };
        let (mut token, mut at) = lx.next()?;
        match keyword(&token) {
            Some("asc") | Some("desc") => {
                item.direction = Some(if keyword(&token) == Some("asc") {
                    Direction::Asc
                } else {
                    Direction::Desc
                });
                (token, at) = lx.next()?;
            }
            _ => {}
        }
        if keyword(&token) == Some("nulls") {
            let (which, which_at) = lx.next()?;
            item.nulls_first = match keyword(&which) {
                Some("first") => Some(true),
                Some("last") => Some(false),
                _ => return Err(lx.error(which_at, "expected FIRST or LAST after NULLS")),
            };
            (token, at) = lx.next()?;
        }
        items.push(item);
        match token {
            Token::Comma => continue,
            Token::End => return Ok(items),
            Token::Ident { .. } => {
                let reason = if items
                    .last()
                    .is_some_and(|i| i.direction.is_some() || i.nulls_first.is_some())
                {
                    "expected \",\" or the end of the sort specification"
                } else {
                    "expected ASC, DESC, NULLS FIRST, NULLS LAST, \",\" or the end"
                };
                return Err(lx.error(at, reason));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Asc, Desc};

    fn err_pos(spec: &str) -> usize {
        match parse(spec) {
            Err(KeysetError::SortSyntax { position, .. }) => position,
            other => panic!("expected a syntax error for {spec:?}, got {other:?}"),
        }
    }

    fn item(column: &str, direction: Option<Direction>, nulls_first: Option<bool>) -> SortItem {
        SortItem {
            column: column.into(),
            direction,
            nulls_first,
        }
    }

    #[test]
    fn names() {
        let one = |s: &str| parse(s).unwrap().remove(0).column;
        assert_eq!(one("created_at"), "created_at");
        assert_eq!(one("  Created_At "), "created_at");
        assert_eq!(one("\"CreatedAt\""), "CreatedAt");
        assert_eq!(one("\"a \"\"b\"\"\""), "a \"b\"");
        assert_eq!(one("größe"), "größe");
        // Postgres folds ASCII letters only; any non-ASCII character is part of a name.
        assert_eq!(one("GRÖSSE"), "grÖsse");
        assert_eq!(one("ÄB"), "Äb");
        assert_eq!(one("😀x"), "😀x");
        assert_eq!(one("İd"), "İd");
        assert_eq!(one("col$1"), "col$1");
        assert_eq!(one("\"name; drop table t\""), "name; drop table t");
        assert_eq!(one("\"desc\""), "desc");
    }

    #[test]
    fn lists_with_directions_and_nulls() {
        assert_eq!(
            parse("priority DESC nulls Last, created_at,\"Id\" asc NULLS FIRST").unwrap(),
            vec![
                item("priority", Some(Desc), Some(false)),
                item("created_at", None, None),
                item("Id", Some(Asc), Some(true)),
            ]
        );
        assert_eq!(
            parse("a nulls first").unwrap(),
            vec![item("a", None, Some(true))]
        );
    }

    #[test]
    fn syntax_errors_name_the_position() {
        assert_eq!(err_pos(""), 1);
        assert_eq!(err_pos("   "), 4);
        assert_eq!(err_pos("name; drop table t"), 5);
        assert_eq!(err_pos("name sideways"), 6);
        assert_eq!(err_pos("a, "), 4);
        assert_eq!(err_pos(",a"), 1);
        assert_eq!(err_pos("a,,b"), 3);
        assert_eq!(err_pos("1abc"), 1);
        assert_eq!(err_pos("\"open"), 1);
        assert_eq!(err_pos("\"\""), 1);
        assert_eq!(err_pos("x)--"), 2);
        assert_eq!(err_pos("a desc nulls"), 13);
        assert_eq!(err_pos("a nulls middle"), 9);
        assert_eq!(err_pos("a desc asc"), 8);
        assert_eq!(err_pos("a collate \"C\""), 3);
    }

    #[test]
    fn long_names_and_specs_are_refused() {
        assert!(parse(&"n".repeat(63)).is_ok());
        assert!(matches!(
            parse(&"n".repeat(64)),
            Err(KeysetError::NameTooLong { bytes: 64, .. })
        ));
        assert!(matches!(
            parse(&format!("\"{}\"", "é".repeat(32))),
            Err(KeysetError::NameTooLong { .. })
        ));
        assert!(matches!(
            parse("\"a\0b\""),
            Err(KeysetError::NameTooLong { .. })
        ));
        assert!(matches!(
            parse(&" ".repeat(5000)),
            Err(KeysetError::SortSpecTooLong { bytes: 5000, .. })
        ));
    }

    #[test]
    fn duplicates_and_limits() {
        assert_eq!(
            parse("a, b, A"),
            Err(KeysetError::DuplicateSortColumn { column: "a".into() })
        );
        let many: Vec<String> = (0..=MAX_SORT_COLUMNS).map(|i| format!("c{i}")).collect();
        assert!(parse(&many[..MAX_SORT_COLUMNS].join(",")).is_ok());
        assert_eq!(
            parse(&many.join(",")),
            Err(KeysetError::TooManySortColumns {
                max: MAX_SORT_COLUMNS
            })
        );
    }

    #[test]
    fn resolving_directions_nulls_and_the_key() {
        let keys = resolve(
            &parse("priority desc nulls last, created_at").unwrap(),
            Asc,
            &["id".to_string()],
        );
        let words: Vec<_> = keys
            .iter()
            .map(|k| format!("{} {}", k.column, k.order_words()))
            .collect();
        assert_eq!(
            words,
            [
                "priority DESC NULLS LAST",
                "created_at ASC NULLS LAST",
                "id ASC NULLS LAST"
            ]
        );
        // The direction argument fills in unmarked columns; the key follows the last column.
        let keys = resolve(&parse("a asc, b").unwrap(), Desc, &id());
        assert_eq!(
            keys.iter().map(|k| k.direction).collect::<Vec<_>>(),
            [Asc, Desc, Desc]
        );
        let keys = resolve(&parse("created_at desc").unwrap(), Asc, &id());
        assert_eq!(keys[1], SortKey::new("id", Desc));
        // A listed key ends the ORDER BY.
        let keys = resolve(&parse("a, id desc, b").unwrap(), Asc, &id());
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].direction, Desc);
        assert!(keys[0].default_nulls() && keys[0].reversed().default_nulls());
        assert_eq!(keys[0].reversed().order_words(), "DESC NULLS FIRST");
    }

    fn id() -> Vec<String> {
        vec!["id".to_string()]
    }

    fn order_of(keys: &[SortKey]) -> Vec<String> {
        keys.iter()
            .map(|k| format!("{} {}", k.column, k.order_words()))
            .collect()
    }

    #[test]
    fn composite_keys() {
        let key = vec!["tenant_id".to_string(), "id".to_string()];
        // No sort: the key alone, in the direction argument.
        assert_eq!(
            order_of(&resolve(&[], Desc, &key)),
            ["tenant_id DESC NULLS FIRST", "id DESC NULLS FIRST"]
        );
        // Unlisted key columns follow the last listed column's direction, in the key's order.
        assert_eq!(
            order_of(&resolve(&parse("created_at desc").unwrap(), Asc, &key)),
            [
                "created_at DESC NULLS FIRST",
                "tenant_id DESC NULLS FIRST",
                "id DESC NULLS FIRST"
            ]
        );
        // A listed key column is not repeated and keeps its direction.
        assert_eq!(
            order_of(&resolve(&parse("id desc, created_at").unwrap(), Asc, &key)),
            [
                "id DESC NULLS FIRST",
                "created_at ASC NULLS LAST",
                "tenant_id ASC NULLS LAST"
            ]
        );
        // Once all key columns are listed, later columns are dropped.
        assert_eq!(
            order_of(&resolve(
                &parse("id, tenant_id desc, b").unwrap(),
                Asc,
                &key
            )),
            ["id ASC NULLS LAST", "tenant_id DESC NULLS FIRST"]
        );
    }

    #[test]
    fn key_arguments() {
        assert_eq!(parse_key("tenant_id, \"Id\"").unwrap(), ["tenant_id", "Id"]);
        assert!(matches!(
            parse_key("a desc"),
            Err(KeysetError::KeySyntax { .. })
        ));
        assert!(matches!(
            parse_key("a nulls first"),
            Err(KeysetError::KeySyntax { .. })
        ));
        assert!(matches!(
            parse_key("a,"),
            Err(KeysetError::KeySyntax { position: 3, .. })
        ));
        assert!(matches!(
            parse_key("a, A"),
            Err(KeysetError::KeySyntax { position: 0, .. })
        ));
    }
}
