//! Parsing the `sort` argument: a column name written as in SQL.
//!
//! Unquoted names are folded to lower case, like SQL identifiers (`Created_At` → `created_at`);
//! double-quoted names are taken exactly (`"CreatedAt"`, with `""` for a quote). Nothing else is
//! accepted: the parsed name is only ever looked up in the catalog and then quoted, so no text
//! from the user reaches the generated SQL.

use crate::error::KeysetError;

/// Parses a single column name. Leading and trailing white space is ignored.
pub fn parse_column(spec: &str) -> Result<String, KeysetError> {
    let syntax = |position: usize, reason: &str| KeysetError::SortSyntax {
        spec: spec.to_string(),
        // 1-based character position, as Postgres reports positions.
        position: spec[..position].chars().count() + 1,
        reason: reason.to_string(),
    };
    let start = spec.len() - spec.trim_start().len();
    let body = spec.trim();
    if body.is_empty() {
        return Err(syntax(start, "the sort specification is empty"));
    }
    let (name, consumed) = if let Some(rest) = body.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = rest.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if rest[i + 1..].starts_with('"') {
                    name.push('"');
                    chars.next();
                } else {
                    end = Some(i + 2); // opening and closing quote
                    break;
                }
            } else {
                name.push(c);
            }
        }
        let end = end.ok_or_else(|| syntax(start, "unterminated quoted identifier"))?;
        if name.is_empty() {
            return Err(syntax(start, "zero-length quoted identifier"));
        }
        (name, end)
    } else {
        let end = body
            .char_indices()
            .find(|&(i, c)| !(c == '_' || c.is_alphabetic() || (i > 0 && (c.is_ascii_digit() || c == '$'))))
            .map_or(body.len(), |(i, _)| i);
        if end == 0 {
            return Err(syntax(start, "expected a column name"));
        }
        (body[..end].to_lowercase(), end)
    };
    if consumed < body.len() {
        let rest = &body[consumed..];
        let reason = if rest.trim_start().starts_with(',') {
            "sorting by more than one column is not supported yet"
        } else {
            "unexpected text after the column name"
        };
        return Err(syntax(start + consumed, reason));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_pos(spec: &str) -> usize {
        match parse_column(spec) {
            Err(KeysetError::SortSyntax { position, .. }) => position,
            other => panic!("expected a syntax error for {spec:?}, got {other:?}"),
        }
    }

    #[test]
    fn names() {
        assert_eq!(parse_column("created_at").unwrap(), "created_at");
        assert_eq!(parse_column("  Created_At ").unwrap(), "created_at");
        assert_eq!(parse_column("\"CreatedAt\"").unwrap(), "CreatedAt");
        assert_eq!(parse_column("\"a \"\"b\"\"\"").unwrap(), "a \"b\"");
        assert_eq!(parse_column("größe").unwrap(), "größe");
        assert_eq!(parse_column("col$1").unwrap(), "col$1");
        assert_eq!(parse_column("\"name; drop table t\"").unwrap(), "name; drop table t");
    }

    #[test]
    fn syntax_errors_name_the_position() {
        assert_eq!(err_pos(""), 1);
        assert_eq!(err_pos("   "), 4);
        assert_eq!(err_pos("name; drop table t"), 5);
        assert_eq!(err_pos("name desc"), 5);
        assert_eq!(err_pos("a, b"), 2);
        assert_eq!(err_pos("1abc"), 1);
        assert_eq!(err_pos("\"open"), 1);
        assert_eq!(err_pos("\"\""), 1);
        assert_eq!(err_pos("x)--"), 2);
    }
}
