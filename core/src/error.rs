//! Every user-facing error of pg_keyset, with its SQLSTATE, message, DETAIL and HINT.
//!
//! This is the one place that decides what a user sees. The extension converts a [`KeysetError`]
//! into a Postgres `ErrorReport` by reading these four parts; nothing else picks SQLSTATEs.
//! Messages follow the Error Message Style Guide of the PostgreSQL manual: lowercase primary
//! message without a final period, DETAIL and HINT as full sentences.

use std::fmt;

use crate::cursor_fault::shown;
pub use crate::cursor_fault::{
    CursorFault, MAX_CURSOR_BYTES, MAX_EXTENDED_CURSOR_BYTES, MAX_ID_CHARS, MAX_VALUE_CHARS,
    SUPPORTED_TYPES,
};
use crate::relation::RelationKind;

/// The SQLSTATEs pg_keyset raises. Kept as an enum so the mapping to pgrx's error codes is a
/// single exhaustive `match` on the extension side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlState {
    /// 22023 `invalid_parameter_value`: bad cursors, bad directions, values a cursor cannot hold.
    InvalidParameterValue,
    /// 22004 `null_value_not_allowed`: a NULL where pg_keyset needs a value.
    NullValueNotAllowed,
    /// 42804 `datatype_mismatch`: a value of a type the cursor format has no encoding for.
    DatatypeMismatch,
    /// 42601 `syntax_error`: a sort specification that does not parse.
    SyntaxError,
    /// 42703 `undefined_column`.
    UndefinedColumn,
    /// 42P10 `invalid_column_reference`: no usable key to break ties — no primary key or usable
    /// unique index, a `key` no unique index covers, a view whose key cannot be inferred, a
    /// deferrable primary key (as Postgres reports a missing unique constraint for ON CONFLICT).
    InvalidColumnReference,
    /// 42883 `undefined_function`: a sort column whose type has no ordering operator.
    UndefinedFunction,
    /// 0A000 `feature_not_supported`.
    FeatureNotSupported,
    /// 42P01 `undefined_table`.
    UndefinedTable,
    /// 42809 `wrong_object_type`: a row type that is not a table's.
    WrongObjectType,
    /// 42701 `duplicate_column`: a column listed twice in a sort specification.
    DuplicateColumn,
    /// 54000 `program_limit_exceeded`: a page whose json would pass 1 GB. (Arguments over
    /// pg_keyset's own caps are 22023.)
    ProgramLimitExceeded,
    /// 42622 `name_too_long`: a column name over 63 bytes.
    NameTooLong,
    /// 42501 `insufficient_privilege`.
    InsufficientPrivilege,
    /// 22021 `character_not_in_repertoire`: a database whose encoding is not UTF8.
    CharacterNotInRepertoire,
    /// 55000 `object_not_in_prerequisite_state`: a function declared by an older SQL script
    /// (the library was replaced, `ALTER EXTENSION pg_keyset UPDATE` has not run).
    ObjectNotInPrerequisiteState,
    /// XX000 `internal_error`: an invariant of pg_keyset's own broke (a bug, never user input).
    InternalError,
}

impl SqlState {
    /// Every variant, so the mapping test on the extension side covers each one.
    pub const ALL: [SqlState; 17] = [
        SqlState::InvalidParameterValue,
        SqlState::NullValueNotAllowed,
        SqlState::DatatypeMismatch,
        SqlState::SyntaxError,
        SqlState::UndefinedColumn,
        SqlState::InvalidColumnReference,
        SqlState::UndefinedFunction,
        SqlState::FeatureNotSupported,
        SqlState::UndefinedTable,
        SqlState::WrongObjectType,
        SqlState::DuplicateColumn,
        SqlState::ProgramLimitExceeded,
        SqlState::NameTooLong,
        SqlState::InsufficientPrivilege,
        SqlState::CharacterNotInRepertoire,
        SqlState::ObjectNotInPrerequisiteState,
        SqlState::InternalError,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SqlState::InvalidParameterValue => "22023",
            SqlState::NullValueNotAllowed => "22004",
            SqlState::DatatypeMismatch => "42804",
            SqlState::SyntaxError => "42601",
            SqlState::UndefinedColumn => "42703",
            SqlState::InvalidColumnReference => "42P10",
            SqlState::UndefinedFunction => "42883",
            SqlState::FeatureNotSupported => "0A000",
            SqlState::UndefinedTable => "42P01",
            SqlState::WrongObjectType => "42809",
            SqlState::DuplicateColumn => "42701",
            SqlState::ProgramLimitExceeded => "54000",
            SqlState::NameTooLong => "42622",
            SqlState::InsufficientPrivilege => "42501",
            SqlState::CharacterNotInRepertoire => "22021",
            SqlState::ObjectNotInPrerequisiteState => "55000",
            SqlState::InternalError => "XX000",
        }
    }
}

/// Every error pg_keyset reports to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysetError {
    /// A cursor given to pg_keyset that it will not accept.
    InvalidCursor(CursorFault),
    /// A cursor pg_keyset was asked to mint that its own decoder would reject.
    CannotEncode(CursorFault),
    /// A sort direction other than asc/desc.
    InvalidDirection(String),
    /// A NULL argument where a value is required.
    NullArgument(&'static str),
    /// A value whose SQL type has no cursor encoding.
    UnsupportedType {
        argument: &'static str,
        type_name: String,
    },
    /// A `sort` argument that does not parse; `position` is 1-based, in characters.
    SortSyntax {
        spec: String,
        position: usize,
        reason: String,
    },
    /// A sort column the relation does not have (or has dropped).
    UndefinedColumn {
        column: String,
        relation: String,
    },
    /// A relation without a usable key, and how to give it one.
    NoKey {
        relation: String,
        kind: RelationKind,
        hint: String,
    },
    /// A view whose key cannot be inferred, and why (Postgres' own reason where it has one).
    ViewKeyNotInferred {
        view: String,
        reason: String,
    },
    /// A `key` argument no unique index of the table makes unique.
    KeyNotUnique {
        relation: String,
        kind: RelationKind,
        key: String,
        create: String,
    },
    /// A `key` argument naming a column of a table that can hold NULL.
    KeyColumnNullable {
        relation: String,
        column: String,
    },
    /// A NULL met in a key column (materialized views and views, whose NOT NULL is not known).
    NullInKey {
        relation: String,
        kind: RelationKind,
        column: String,
    },
    KeySyntax {
        spec: String,
        position: usize,
        reason: String,
    },
    /// A relation of a kind pg_keyset does not page (sequence, index, composite type, ...).
    NotPageable {
        relation: String,
    },
    ForeignTable {
        relation: String,
    },
    /// A sort or key column whose type has no btree ordering.
    NoOrdering {
        column: String,
        type_name: String,
    },
    /// A sort or key column of an ordered type that cursors cannot carry.
    UnsupportedColumnType {
        column: String,
        type_name: String,
    },
    /// A relation oid that names no relation (dropped meanwhile, or a made-up oid).
    UndefinedTable {
        oid: u32,
    },
    /// keyset_rows given a value whose type is not a table's row type.
    NotATableRowType {
        type_name: String,
    },
    /// keyset_rows: the relation's row type changed between the start of the statement and the
    /// page (a column added or dropped by a function the same statement ran).
    RowTypeChanged {
        type_name: String,
    },
    /// page_size of zero or less.
    PageSizeNotPositive {
        page_size: i32,
    },
    /// page_size above the `pg_keyset.max_page_size` setting.
    PageSizeTooLarge {
        page_size: i32,
        max: i32,
    },
    /// A column listed twice in the sort specification.
    DuplicateSortColumn {
        column: String,
    },
    /// More sort columns than [`crate::sort_spec::MAX_SORT_COLUMNS`].
    TooManySortColumns {
        max: usize,
    },
    /// Both `after` and `before` given.
    BothCursors,
    /// A `filter` argument that is not a valid filter; `path` names where (e.g. `price.<`).
    InvalidFilter {
        path: String,
        reason: String,
    },
    /// A column name over 63 bytes (or with a NUL); `prefix` is its first 63 bytes.
    NameTooLong {
        prefix: String,
        bytes: usize,
    },
    /// A sort specification over [`crate::sort_spec::MAX_SORT_SPEC_BYTES`].
    SortSpecTooLong {
        bytes: usize,
        max: usize,
    },
    /// A filter with more conditions, or a list with more values, than the caps allow.
    FilterTooLarge {
        what: &'static str,
        count: usize,
        max: usize,
    },
    /// A page query whose text is over [`crate::predicate::MAX_QUERY_BYTES`].
    QueryTooLarge {
        bytes: usize,
        max: usize,
    },
    /// A page's rows together exceed what one json value can hold.
    PageTooLarge {
        bytes: usize,
        max: usize,
    },
    /// The caller may not read the relation (checked before anything about it is revealed).
    PermissionDenied {
        relation: String,
        kind: &'static str,
    },
    /// An ordinary table with inheritance children, whose key does not cover their rows.
    InheritanceChildren {
        relation: String,
    },
    /// The primary key is DEFERRABLE, so it is not unique while a transaction runs.
    DeferrablePrimaryKey {
        relation: String,
    },
    /// The database encoding is not UTF8.
    NotUtf8Database {
        encoding: String,
    },
    /// The function's SQL declaration (result columns) is an older version's: the library was
    /// replaced but `ALTER EXTENSION pg_keyset UPDATE` has not run yet.
    StaleDeclaration {
        function: String,
    },
    /// `pg_keyset.require_index` is on and no index serves the listing.
    IndexRequired {
        /// How the relation is named: "table", "partitioned table", "the base table of view", ...
        what: &'static str,
        relation: String,
        order: String,
        create: String,
    },
    /// A broken invariant: SPI misuse or a page query whose result has another layout than the
    /// one it was built with. Refused before any datum is read, so a bug is an error, not a crash.
    Internal(&'static str),
}

impl KeysetError {
    pub fn sqlstate(&self) -> SqlState {
        match self {
            KeysetError::InvalidCursor(_)
            | KeysetError::CannotEncode(_)
            | KeysetError::InvalidDirection(_) => SqlState::InvalidParameterValue,
            KeysetError::NullArgument(_) => SqlState::NullValueNotAllowed,
            KeysetError::UnsupportedType { .. } => SqlState::DatatypeMismatch,
            KeysetError::SortSyntax { .. } => SqlState::SyntaxError,
            KeysetError::UndefinedColumn { .. } => SqlState::UndefinedColumn,
            KeysetError::NoKey { .. }
            | KeysetError::ViewKeyNotInferred { .. }
            | KeysetError::KeyNotUnique { .. }
            | KeysetError::KeyColumnNullable { .. } => SqlState::InvalidColumnReference,
            KeysetError::NullInKey { .. } => SqlState::NullValueNotAllowed,
            KeysetError::KeySyntax { .. } => SqlState::SyntaxError,
            KeysetError::NotPageable { .. } => SqlState::WrongObjectType,
            KeysetError::UnsupportedColumnType { .. } | KeysetError::ForeignTable { .. } => {
                SqlState::FeatureNotSupported
            }
            KeysetError::NoOrdering { .. } => SqlState::UndefinedFunction,
            KeysetError::UndefinedTable { .. } => SqlState::UndefinedTable,
            KeysetError::NotATableRowType { .. } => SqlState::WrongObjectType,
            KeysetError::RowTypeChanged { .. } => SqlState::DatatypeMismatch,
            // An argument over one of pg_keyset's caps is a bad argument (22023), not a limit of
            // the server (54xxx): PostgREST answers 54xxx and 55xxx with 500, 22023 with 400.
            KeysetError::PageSizeNotPositive { .. }
            | KeysetError::PageSizeTooLarge { .. }
            | KeysetError::BothCursors
            | KeysetError::InvalidFilter { .. }
            | KeysetError::TooManySortColumns { .. }
            | KeysetError::SortSpecTooLong { .. }
            | KeysetError::FilterTooLarge { .. }
            | KeysetError::QueryTooLarge { .. } => SqlState::InvalidParameterValue,
            KeysetError::DuplicateSortColumn { .. } => SqlState::DuplicateColumn,
            KeysetError::NameTooLong { .. } => SqlState::NameTooLong,
            // A page whose json passes 1 GB: the server's own limit.
            KeysetError::PageTooLarge { .. } => SqlState::ProgramLimitExceeded,
            KeysetError::PermissionDenied { .. } => SqlState::InsufficientPrivilege,
            KeysetError::InheritanceChildren { .. } => SqlState::FeatureNotSupported,
            KeysetError::DeferrablePrimaryKey { .. } => SqlState::InvalidColumnReference,
            KeysetError::NotUtf8Database { .. } => SqlState::CharacterNotInRepertoire,
            // A listing the administrator does not allow without an index: refused like an
            // unsupported request (0A000, 400 through PostgREST), not a broken server state.
            KeysetError::IndexRequired { .. } => SqlState::FeatureNotSupported,
            KeysetError::StaleDeclaration { .. } => SqlState::ObjectNotInPrerequisiteState,
            KeysetError::Internal(_) => SqlState::InternalError,
        }
    }

    pub fn message(&self) -> String {
        match self {
            KeysetError::InvalidCursor(_) => "invalid cursor".into(),
            KeysetError::CannotEncode(_) => "cannot encode cursor".into(),
            KeysetError::InvalidDirection(d) => {
                format!("invalid sort direction \"{}\"", shown(d))
            }
            KeysetError::NullArgument(arg) => format!("argument \"{arg}\" must not be null"),
            KeysetError::UnsupportedType {
                argument,
                type_name,
            } => {
                format!("cursor {argument} of type {type_name} is not supported")
            }
            KeysetError::SortSyntax { spec, .. } => {
                format!("invalid sort specification \"{}\"", shown(spec))
            }
            KeysetError::UndefinedColumn { column, relation } => format!(
                "column \"{}\" of relation \"{}\" does not exist",
                shown(column),
                shown(relation)
            ),
            KeysetError::NoKey { relation, kind, .. } => format!(
                "{} \"{}\" has no key to break ties",
                kind.word(),
                shown(relation)
            ),
            KeysetError::ViewKeyNotInferred { view, .. } => {
                format!("cannot infer a key for view \"{}\"", shown(view))
            }
            KeysetError::KeyNotUnique {
                relation,
                kind,
                key,
                ..
            } => format!(
                "key ({}) is not unique in {} \"{}\"",
                shown(key),
                kind.word(),
                shown(relation)
            ),
            KeysetError::KeyColumnNullable { relation, column } => format!(
                "key column \"{}\" of table \"{}\" can be null",
                shown(column),
                shown(relation)
            ),
            KeysetError::NullInKey {
                relation,
                kind,
                column,
            } => format!(
                "key column \"{}\" of {} \"{}\" is null in a row",
                shown(column),
                kind.word(),
                shown(relation)
            ),
            KeysetError::KeySyntax { spec, .. } => {
                format!("invalid key \"{}\"", shown(spec))
            }
            KeysetError::NotPageable { relation } => format!(
                "\"{}\" is not a table, view or materialized view",
                shown(relation)
            ),
            KeysetError::ForeignTable { relation } => {
                format!("cannot page foreign table \"{}\"", shown(relation))
            }
            KeysetError::NoOrdering { type_name, .. } => {
                format!("could not identify an ordering operator for type {type_name}")
            }
            KeysetError::UnsupportedColumnType { column, type_name } => format!(
                "cannot page by column \"{}\" of type {type_name}",
                shown(column)
            ),
            KeysetError::UndefinedTable { oid } => {
                format!("relation with OID {oid} does not exist")
            }
            KeysetError::NotATableRowType { type_name } => {
                format!(
                    "type {type_name} is not the row type of a table, view or materialized view"
                )
            }
            KeysetError::RowTypeChanged { type_name } => {
                format!("row type {type_name} changed while the statement ran")
            }
            KeysetError::PageSizeNotPositive { .. } => "page_size must be greater than zero".into(),
            KeysetError::PageSizeTooLarge { page_size, max } => {
                format!("page_size {page_size} exceeds pg_keyset.max_page_size ({max})")
            }
            KeysetError::DuplicateSortColumn { column } => format!(
                "column \"{}\" appears more than once in the sort specification",
                shown(column)
            ),
            KeysetError::TooManySortColumns { max } => {
                format!("a sort specification can list at most {max} columns")
            }
            KeysetError::BothCursors => "cannot page both after and before a cursor".into(),
            KeysetError::InvalidFilter { .. } => "invalid filter".into(),
            KeysetError::NameTooLong { prefix, .. } => {
                format!("column name \"{}...\" is too long", shown(prefix))
            }
            KeysetError::SortSpecTooLong { .. } => "sort specification is too long".into(),
            KeysetError::FilterTooLarge { what, .. } => format!("filter has too many {what}"),
            KeysetError::QueryTooLarge { .. } => "page query is too large".into(),
            KeysetError::PageTooLarge { .. } => "page is too large".into(),
            KeysetError::PermissionDenied { relation, kind } => {
                format!("permission denied for {kind} {}", shown(relation))
            }
            KeysetError::InheritanceChildren { relation } => format!(
                "cannot page table \"{}\": it has inheritance children",
                shown(relation)
            ),
            KeysetError::DeferrablePrimaryKey { relation } => format!(
                "the primary key of relation \"{}\" is deferrable",
                shown(relation)
            ),
            KeysetError::NotUtf8Database { encoding } => {
                format!("pg_keyset requires a UTF8 database, not {encoding}")
            }
            KeysetError::StaleDeclaration { function } => {
                format!("function {function} is declared by an older version of pg_keyset")
            }
            KeysetError::IndexRequired { what, relation, .. } => format!(
                "no index of {what} \"{}\" serves this keyset order",
                shown(relation)
            ),
            KeysetError::Internal(what) => format!("pg_keyset internal error: {what}"),
        }
    }

    pub fn detail(&self) -> Option<String> {
        match self {
            KeysetError::InvalidCursor(fault) | KeysetError::CannotEncode(fault) => {
                Some(fault.to_string())
            }
            KeysetError::UnsupportedType { argument, .. } => {
                Some(format!("A cursor {argument} must be of type {SUPPORTED_TYPES}."))
            }
            KeysetError::KeySyntax {
                position: 0,
                reason,
                ..
            } => Some(format!("{}{}.", reason[..1].to_uppercase(), &reason[1..])),
            KeysetError::SortSyntax { position, reason, .. }
            | KeysetError::KeySyntax {
                position, reason, ..
            } => {
                let mut r = reason.clone();
                if let Some(first) = r.get(0..1) {
                    r.replace_range(0..1, &first.to_uppercase());
                }
                Some(format!("{r} (at character {position})."))
            }
            KeysetError::NoKey { kind, .. } if kind.knows_not_null() => Some(
                "A key is the primary key, or a unique index that is valid, immediate, not partial and on NOT NULL columns.".into(),
            ),
            KeysetError::NoKey { .. } => Some(
                "A key is a unique index that is valid, immediate, not partial and on columns only.".into(),
            ),
            KeysetError::ViewKeyNotInferred { reason, .. } => Some(reason.clone()),
            KeysetError::KeyNotUnique { kind, .. } if kind.knows_not_null() => Some(
                "No unique index that is valid, immediate, not partial and on NOT NULL columns has all its columns in the key.".into(),
            ),
            KeysetError::KeyNotUnique { .. } => Some(
                "No unique index that is valid, immediate and not partial has all its columns in the key.".into(),
            ),
            KeysetError::KeyColumnNullable { .. } => Some(
                "Rows with a NULL key could be skipped or repeated, so key columns must be NOT NULL.".into(),
            ),
            KeysetError::NullInKey { .. } => Some(
                "Rows whose key is NULL cannot be ordered uniquely, so a page could skip or repeat them.".into(),
            ),
            KeysetError::ForeignTable { .. } => Some(
                "Foreign tables are not supported yet.".into(),
            ),
            KeysetError::NoOrdering { column, .. } => Some(format!(
                "Column \"{}\" cannot be sorted: its type has no default btree operator class.",
                shown(column)
            )),
            KeysetError::UnsupportedColumnType { .. } => {
                Some(format!("Cursors can carry values of type {SUPPORTED_TYPES}."))
            }
            KeysetError::PageSizeNotPositive { page_size } => {
                Some(format!("page_size was {page_size}."))
            }
            KeysetError::NameTooLong { bytes, .. } => Some(format!(
                "The name is {bytes} bytes long; column names have at most 63 bytes and no NUL character."
            )),
            KeysetError::SortSpecTooLong { bytes, max } => {
                Some(format!("The sort specification is {bytes} bytes long; the maximum is {max} bytes."))
            }
            KeysetError::FilterTooLarge { what, count, max } => {
                Some(format!("The filter has {count} {what}; the maximum is {max}."))
            }
            KeysetError::QueryTooLarge { bytes, max } => Some(format!(
                "The listing's page query would be {bytes} bytes long; the maximum is {max} bytes."
            )),
            KeysetError::PageTooLarge { bytes, max } => Some(format!(
                "The page's rows are {bytes} bytes of json; one json value holds at most {max} bytes."
            )),
            KeysetError::InheritanceChildren { .. } => Some(
                "Its primary key does not cover the rows of its children, so rows with the same key could be skipped or repeated.".into(),
            ),
            KeysetError::DeferrablePrimaryKey { .. } => Some(
                "A deferrable key can hold duplicates until the transaction commits, so it cannot break ties.".into(),
            ),
            KeysetError::IndexRequired { order, .. } => Some(format!(
                "Each page would read and sort every matching row (ORDER BY {order}), and pg_keyset.require_index is on."
            )),
            KeysetError::InvalidFilter { path, reason } if path.is_empty() => Some(format!("{reason}.")),
            KeysetError::InvalidFilter { path, reason } => {
                Some(format!("At \"{}\": {reason}.", shown(path)))
            }
            _ => None,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            KeysetError::InvalidCursor(
                CursorFault::SortMismatch { .. }
                | CursorFault::DirectionMismatch { .. }
                | CursorFault::ListingMismatch
                | CursorFault::ValueCount { .. },
            ) => Some(
                "A cursor continues only the listing it was minted for; start again with after => NULL."
                    .into(),
            ),
            KeysetError::InvalidCursor(_) => Some(
                "Pass the next_cursor value from a previous page unchanged, or NULL for the first page."
                    .into(),
            ),
            KeysetError::CannotEncode(CursorFault::TooLong { .. }) => Some(
                "Sort by a shorter column; escaping and multi-byte characters count towards the limit."
                    .into(),
            ),
            KeysetError::InvalidDirection(_) => Some("Use \"asc\" or \"desc\".".into()),
            KeysetError::UnsupportedType { .. } => Some("Cast the value to text.".into()),
            KeysetError::SortSyntax { .. } => Some(
                "Write columns as in ORDER BY, e.g. 'priority desc nulls last, created_at'; quote names that need it, e.g. '\"CreatedAt\"'."
                    .into(),
            ),
            KeysetError::BothCursors => Some(
                "Pass next_cursor as after to page forward, or prev_cursor as before to page back.".into(),
            ),
            KeysetError::InvalidFilter { .. } => Some(
                "A filter is a JSON object of column: value (equality), column: null (IS NULL) or column: {\"op\": value} with op one of =, <>, <, <=, >, >=, in, @>, is, is not.".into(),
            ),
            KeysetError::NoKey { hint, .. } => Some(hint.clone()),
            KeysetError::ViewKeyNotInferred { .. } => Some(
                "Name columns unique in the view as its key: key => '<column>, ...'.".into(),
            ),
            KeysetError::KeyNotUnique { create, .. } => Some(format!("Create one: {create}")),
            KeysetError::KeyColumnNullable { relation, column } => Some(format!(
                "Make it NOT NULL (ALTER TABLE {relation} ALTER COLUMN {column} SET NOT NULL), or name other columns."
            )),
            KeysetError::NullInKey { .. } => Some(
                "Filter such rows out with {\"column\": {\"is not\": null}}, or page by another key.".into(),
            ),
            KeysetError::KeySyntax { .. } => Some(
                "Write the key's columns separated by commas, e.g. 'tenant_id, id'; quote names that need it.".into(),
            ),
            KeysetError::RowTypeChanged { .. } => Some(
                "The statement's result was set up for the row type as it was when the statement started; run it again."
                    .into(),
            ),
            KeysetError::NotATableRowType { .. } => Some(
                "Pass a NULL of the relation's row type as the first argument, e.g. keyset_rows(NULL::assets, ...)."
                    .into(),
            ),
            KeysetError::PageSizeTooLarge { max, .. } => Some(format!(
                "Ask for at most {max} rows per page. The limit is set per role or database by an administrator (ALTER ROLE ... SET pg_keyset.max_page_size)."
            )),
            KeysetError::SortSpecTooLong { .. } | KeysetError::NameTooLong { .. } => Some(
                "Write columns as in ORDER BY, e.g. 'priority desc nulls last, created_at'.".into(),
            ),
            KeysetError::FilterTooLarge { .. } | KeysetError::QueryTooLarge { .. } => Some(
                "Use fewer filter conditions or sort columns, or filter on a column holding the combined condition.".into(),
            ),
            KeysetError::PageTooLarge { .. } => {
                Some("Ask for a smaller page_size, or page keyset_rows for the rows themselves.".into())
            }
            KeysetError::PermissionDenied { .. } => None,
            KeysetError::InheritanceChildren { .. } => Some(
                "Page each child table on its own, or make the parent a partitioned table.".into(),
            ),
            KeysetError::DeferrablePrimaryKey { relation } => Some(format!(
                "Make it immediate: ALTER TABLE {relation} ALTER CONSTRAINT <name> NOT DEFERRABLE."
            )),
            KeysetError::NotUtf8Database { .. } => Some(
                "Install pg_keyset in a database created with ENCODING 'UTF8'.".into(),
            ),
            KeysetError::IndexRequired { create, .. } => Some(format!("Create one: {create}")),
            KeysetError::StaleDeclaration { .. } => {
                Some("Run ALTER EXTENSION pg_keyset UPDATE in this database.".into())
            }
            _ => None,
        }
    }
}

impl fmt::Display for KeysetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message())?;
        if let Some(d) = self.detail() {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for KeysetError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shown_as_postgres_shows_them() {
        let e = KeysetError::UndefinedColumn {
            column: "q\u{a0}desc".into(),
            relation: "we\"ird".into(),
        };
        assert_eq!(
            e.message(),
            "column \"q\u{a0}desc\" of relation \"we\"ird\" does not exist"
        );
        // A NUL cannot travel in a message: it is written out.
        assert_eq!(
            CursorFault::UnknownKey("a\0b".into()).to_string(),
            "The cursor has an unknown key \"a\\u0000b\"."
        );
        assert_eq!(
            CursorFault::BadDirection("\0".into()).to_string(),
            "The cursor's direction \"\\u0000\" is neither \"asc\" nor \"desc\"."
        );
    }
}
