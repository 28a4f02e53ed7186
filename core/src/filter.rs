//! The `filter` argument: a JSON object compiled to conditions on catalog-checked columns, each
//! value a bound parameter (the SQL text only ever holds quoted column names and operators).
//!
//! ```json
//! {"status": "active",                  // status = $n
//!  "deleted_at": null,                  // deleted_at IS NULL
//!  "price": {">=": 10, "<": 100},       // price >= $n AND price < $n
//!  "kind": {"in": ["a", "b"]},          // kind = ANY ($n)
//!  "tags": {"@>": ["red"]},             // tags @> $n (array containment)
//!  "owner": {"is not": null}}           // owner IS NOT NULL
//! ```
//!
//! Values travel as text and become datums through the column type's own input function, so
//! numbers keep every digit (they are read from the JSON text, never through a float).
//! Conditions are kept in a canonical order (by column, then operator), which is also what the
//! cursor's digest covers, so the same filter written another way continues the same listing.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use crate::error::KeysetError;
use crate::json;

/// A comparison a filter can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Contains,
    IsNull,
    IsNotNull,
}

impl FilterOp {
    /// The operator a key names. Exactly these spellings (`in`, not `IN`): one condition has one
    /// spelling, so a filter cannot be inflated by repeating it in different letter cases.
    fn from_key(key: &str) -> Option<FilterOp> {
        Some(match key {
            "=" => FilterOp::Eq,
            "<>" | "!=" => FilterOp::Ne,
            "<" => FilterOp::Lt,
            "<=" => FilterOp::Le,
            ">" => FilterOp::Gt,
            ">=" => FilterOp::Ge,
            "in" => FilterOp::In,
            "@>" => FilterOp::Contains,
            "is" => FilterOp::IsNull,
            "is not" => FilterOp::IsNotNull,
            _ => return None,
        })
    }

    /// The operator as written in SQL (`=`, `@>`, ...); `in` is `= ANY`.
    pub fn symbol(self) -> &'static str {
        match self {
            FilterOp::Eq | FilterOp::In => "=",
            FilterOp::Ne => "<>",
            FilterOp::Lt => "<",
            FilterOp::Le => "<=",
            FilterOp::Gt => ">",
            FilterOp::Ge => ">=",
            FilterOp::Contains => "@>",
            FilterOp::IsNull => "is",
            FilterOp::IsNotNull => "is not",
        }
    }

    /// Whether the condition has a bound parameter.
    pub fn takes_value(self) -> bool {
        !matches!(self, FilterOp::IsNull | FilterOp::IsNotNull)
    }

    /// Whether the condition pins the column to one value (so an index may lead with it).
    pub fn pins_column(self) -> bool {
        matches!(self, FilterOp::Eq | FilterOp::IsNull)
    }
}

/// A condition's value as text for the column type's input function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FilterValue {
    /// IS NULL / IS NOT NULL.
    None,
    Scalar(String),
    /// For `in` (an array of the column's type) and `@>` (the column is an array); `None` items
    /// are SQL NULLs.
    List(Vec<Option<String>>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    pub column: String,
    pub op: FilterOp,
    pub value: FilterValue,
}

fn invalid(path: &str, reason: impl Into<String>) -> KeysetError {
    KeysetError::InvalidFilter {
        path: path.to_string(),
        reason: reason.into(),
    }
}

/// A JSON scalar as text: strings unquoted, numbers exactly as written, booleans as
/// `true`/`false`; `None` for null.
fn scalar(raw: &RawValue, path: &str) -> Result<Option<String>, KeysetError> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => match serde_json::from_str::<String>(text) {
            Ok(s) if s.contains('\0') => {
                Err(invalid(path, "a value cannot contain a NUL character"))
            }
            Ok(s) => Ok(Some(s)),
            Err(e) => Err(invalid(path, format!("bad string: {e}"))),
        },
        Some(b'n') => Ok(None),
        Some(b'{') => Err(invalid(
            path,
            "a value must be a string, number or boolean, not an object",
        )),
        Some(b'[') => Err(invalid(
            path,
            "a value must be a string, number or boolean, not an array",
        )),
        _ => Ok(Some(text.to_string())),
    }
}

fn list(raw: &RawValue, path: &str) -> Result<Vec<Option<String>>, KeysetError> {
    let items: Vec<&RawValue> = serde_json::from_str(raw.get())
        .map_err(|_| invalid(path, "expected a JSON array of values"))?;
    if items.len() > MAX_FILTER_ITEMS {
        return Err(KeysetError::FilterTooLarge {
            what: "values in one list",
            count: items.len(),
            max: MAX_FILTER_ITEMS,
        });
    }
    items.iter().map(|item| scalar(item, path)).collect()
}

/// Most conditions one filter may hold (each becomes a conjunct of every index range of the page
/// query, so the query grows with their product).
pub const MAX_FILTER_CONDITIONS: usize = 32;
/// Most values an `in` or `@>` list may hold (one bound array parameter).
pub const MAX_FILTER_ITEMS: usize = 1000;

/// Parses the filter's JSON text (as jsonb prints it). `{}` is no filter. Conditions come out in
/// canonical order (by column, then operator), so equivalent filters give the same query and the
/// same digest.
pub fn parse(text: &str) -> Result<Vec<Condition>, KeysetError> {
    let columns: BTreeMap<String, &RawValue> = serde_json::from_str(text)
        .map_err(|_| invalid("", "The filter must be a JSON object of column names"))?;
    let mut out: Vec<Condition> = Vec::new();
    for (column, raw) in columns {
        if column.is_empty() {
            return Err(invalid("", "A column name in the filter is empty"));
        }
        crate::sort_spec::check_name(&column)?;
        let body = raw.get().trim_start();
        if !body.starts_with('{') {
            // column: value (equality) or column: null (IS NULL)
            let (op, value) = match scalar(raw, &column)? {
                Some(v) => (FilterOp::Eq, FilterValue::Scalar(v)),
                None => (FilterOp::IsNull, FilterValue::None),
            };
            out.push(Condition { column, op, value });
            continue;
        }
        let ops: BTreeMap<String, &RawValue> = serde_json::from_str(body)
            .map_err(|_| invalid(&column, "expected an object of operators"))?;
        if ops.is_empty() {
            return Err(invalid(&column, "the object of operators is empty"));
        }
        for (key, raw) in ops {
            let path = format!("{column}.{key}");
            let op = FilterOp::from_key(&key).ok_or_else(|| {
                invalid(
                    &path,
                    "unknown operator; use =, <>, <, <=, >, >=, in, @>, is or is not",
                )
            })?;
            let value = match op {
                FilterOp::IsNull | FilterOp::IsNotNull => {
                    if scalar(raw, &path).ok() != Some(None) {
                        return Err(invalid(&path, "\"is\" and \"is not\" take null"));
                    }
                    FilterValue::None
                }
                FilterOp::In | FilterOp::Contains => FilterValue::List(list(raw, &path)?),
                _ => match scalar(raw, &path)? {
                    Some(v) => FilterValue::Scalar(v),
                    None => {
                        return Err(invalid(
                            &path,
                            "comparing with null matches no row; use {\"is\": null}",
                        ))
                    }
                },
            };
            if out.iter().any(|c| c.column == column && c.op == op) {
                return Err(invalid(
                    &path,
                    "the operator is given twice (\"!=\" and \"<>\" are the same)",
                ));
            }
            out.push(Condition {
                column: column.clone(),
                op,
                value,
            });
        }
    }
    if out.len() > MAX_FILTER_CONDITIONS {
        return Err(KeysetError::FilterTooLarge {
            what: "conditions",
            count: out.len(),
            max: MAX_FILTER_CONDITIONS,
        });
    }
    // Within a column, by the operator's canonical spelling (the order stored digests used).
    out.sort_by(|a, b| (&a.column, a.op.key()).cmp(&(&b.column, b.op.key())));
    Ok(out)
}

impl FilterOp {
    /// The operator as the filter spells it (`in`, not `=`): part of the digest, so fixed.
    fn key(self) -> &'static str {
        match self {
            FilterOp::In => "in",
            op => op.symbol(),
        }
    }
}

/// The filter as text for the cursor digest: canonical (sorted by column and operator), every
/// string JSON-escaped by our own escaper, so it never changes with a Rust version or a renamed
/// enum variant — a stored cursor stays valid across upgrades. E.g. `["status","=","open"]`.
pub fn canonical(conditions: &[Condition]) -> String {
    let mut out = String::new();
    for c in conditions {
        out.push('[');
        json::push_string(&mut out, &c.column);
        out.push(',');
        json::push_string(&mut out, c.op.key());
        match &c.value {
            FilterValue::None => {}
            FilterValue::Scalar(v) => {
                out.push(',');
                json::push_string(&mut out, v);
            }
            FilterValue::List(items) => {
                out.push_str(",[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    match item {
                        Some(v) => json::push_string(&mut out, v),
                        None => out.push_str("null"),
                    }
                }
                out.push(']');
            }
        }
        out.push(']');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Condition {
        let mut c = parse(text).unwrap();
        assert_eq!(c.len(), 1);
        c.remove(0)
    }

    fn reason(text: &str) -> String {
        match parse(text) {
            Err(KeysetError::InvalidFilter { path, reason }) => format!("{path}: {reason}"),
            other => panic!("expected an invalid filter for {text}, got {other:?}"),
        }
    }

    #[test]
    fn shorthands_and_operators() {
        assert_eq!(
            one(r#"{"a": "x"}"#),
            Condition {
                column: "a".into(),
                op: FilterOp::Eq,
                value: FilterValue::Scalar("x".into())
            }
        );
        assert_eq!(one(r#"{"a": null}"#).op, FilterOp::IsNull);
        assert_eq!(one(r#"{"a": {"is not": null}}"#).op, FilterOp::IsNotNull);
        assert_eq!(one(r#"{"a": {"!=": 1}}"#).op, FilterOp::Ne);
        assert_eq!(
            one(r#"{"a": {"in": [1, null]}}"#).value,
            FilterValue::List(vec![Some("1".into()), None])
        );
        assert_eq!(
            one(r#"{"a": true}"#).value,
            FilterValue::Scalar("true".into())
        );
        // Numbers keep every digit.
        assert_eq!(
            one(r#"{"a": 123456789012345678901234567890.000000000000000000001}"#).value,
            FilterValue::Scalar("123456789012345678901234567890.000000000000000000001".into())
        );
        let c = parse(r#"{"b": {"<": 5, ">=": 1}, "a": 1}"#).unwrap();
        let ops: Vec<_> = c.iter().map(|c| (c.column.as_str(), c.op)).collect();
        assert_eq!(
            ops,
            [
                ("a", FilterOp::Eq),
                ("b", FilterOp::Lt),
                ("b", FilterOp::Ge)
            ]
        );
        assert!(parse("{}").unwrap().is_empty());
    }

    #[test]
    fn canonical_text_ignores_how_the_filter_was_written() {
        let a = parse(r#"{"b": {"<": 5, ">=": 1}, "a": "x"}"#).unwrap();
        let b = parse(r#"{"a": {"=": "x"}, "b": {">=": 1, "<": 5}}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_ne!(canonical(&a), canonical(&parse(r#"{"a": "y"}"#).unwrap()));
        // "!=" is "<>"; operators of a column in canonical order whatever the JSON's key order.
        assert_eq!(
            canonical(&parse(r#"{"a": {"!=": 1, "<": 5}}"#).unwrap()),
            canonical(&parse(r#"{"a": {"<": 5, "<>": 1}}"#).unwrap())
        );
        // A string "1" and a number 1 are the same text for the column's input function.
        assert_eq!(
            canonical(&parse(r#"{"a": "1"}"#).unwrap()),
            canonical(&parse(r#"{"a": 1}"#).unwrap())
        );
        // The exact text is part of every filtered cursor's digest: pinned.
        assert_eq!(
            canonical(
                &parse(r#"{"s": "open", "n": {"in": [1, null]}, "d": null, "t": {"@>": ["<a>"]}}"#)
                    .unwrap()
            ),
            r#"["d","is"]["n","in",["1",null]]["s","=","open"]["t","@\u003e",["\u003ca\u003e"]]"#
        );
    }

    #[test]
    fn errors_say_where() {
        assert!(reason("[1]").contains("JSON object"));
        assert!(reason(r#"{"a": {"like": "x%"}}"#).starts_with("a.like: unknown operator"));
        assert!(reason(r#"{"a": {"<": null}}"#).contains("is\": null"));
        assert!(reason(r#"{"a": {"in": 3}}"#).starts_with("a.in: expected a JSON array"));
        assert!(reason(r#"{"a": {"is": 3}}"#).starts_with("a.is:"));
        assert!(reason(r#"{"a": [1]}"#).contains("not an array"));
        assert!(reason(r#"{"a": {"in": [[1]]}}"#).contains("not an array"));
        assert!(reason(r#"{"a": {}}"#).contains("empty"));
        assert!(reason(r#"{"": 1}"#).contains("empty"));
        assert!(reason(r#"{"a": "x\u0000y"}"#).contains("NUL"));
        // One spelling per operator, each operator once per column.
        assert!(reason(r#"{"a": {"IN": [1]}}"#).starts_with("a.IN: unknown operator"));
        assert!(reason(r#"{"a": {"Is": null}}"#).starts_with("a.Is: unknown operator"));
        assert!(reason(r#"{"a": {"!=": 1, "<>": 2}}"#).contains("given twice"));
    }

    #[test]
    fn caps() {
        let many: Vec<String> = (0..=MAX_FILTER_CONDITIONS)
            .map(|i| format!("\"c{i:02}\": 1"))
            .collect();
        assert_eq!(
            parse(&format!("{{{}}}", many[..MAX_FILTER_CONDITIONS].join(","))).map(|c| c.len()),
            Ok(MAX_FILTER_CONDITIONS)
        );
        assert_eq!(
            parse(&format!("{{{}}}", many.join(","))),
            Err(KeysetError::FilterTooLarge {
                what: "conditions",
                count: MAX_FILTER_CONDITIONS + 1,
                max: MAX_FILTER_CONDITIONS
            })
        );
        // Five operators on each of seven columns: 35 conditions.
        let ops: Vec<String> = (0..7)
            .map(|i| format!("\"c{i}\": {{\"<\": 1, \">\": 0, \"<>\": 3, \"<=\": 4, \">=\": 5}}"))
            .collect();
        assert!(matches!(
            parse(&format!("{{{}}}", ops.join(","))),
            Err(KeysetError::FilterTooLarge { .. })
        ));
        let items: Vec<String> = (0..=MAX_FILTER_ITEMS).map(|i| i.to_string()).collect();
        assert!(parse(&format!(
            "{{\"a\": {{\"in\": [{}]}}}}",
            items[..MAX_FILTER_ITEMS].join(",")
        ))
        .is_ok());
        assert!(matches!(
            parse(&format!("{{\"a\": {{\"@>\": [{}]}}}}", items.join(","))),
            Err(KeysetError::FilterTooLarge {
                what: "values in one list",
                ..
            })
        ));
        assert!(matches!(
            parse(&format!("{{\"{}\": 1}}", "n".repeat(64))),
            Err(KeysetError::NameTooLong { .. })
        ));
    }
}
