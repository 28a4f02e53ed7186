//! The one place where pg_keyset's errors become Postgres errors.
//!
//! `keyset_core::KeysetError` decides message, DETAIL, HINT and SQLSTATE; this module only maps its
//! SQLSTATE enum onto pgrx's codes. Functions return `Result<_, ErrorReport>` so pgrx raises the
//! report as a real ERROR with that SQLSTATE (a panic or `error!` would be XX000).

use keyset_core::{KeysetError, SqlState};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;

fn errcode(state: SqlState) -> PgSqlErrorCode {
    match state {
        SqlState::InvalidParameterValue => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        SqlState::NullValueNotAllowed => PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
        SqlState::DatatypeMismatch => PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
        SqlState::SyntaxError => PgSqlErrorCode::ERRCODE_SYNTAX_ERROR,
        SqlState::UndefinedColumn => PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
        SqlState::InvalidColumnReference => PgSqlErrorCode::ERRCODE_INVALID_COLUMN_REFERENCE,
        SqlState::UndefinedFunction => PgSqlErrorCode::ERRCODE_UNDEFINED_FUNCTION,
        SqlState::FeatureNotSupported => PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        SqlState::UndefinedTable => PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
        SqlState::WrongObjectType => PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
        SqlState::DuplicateColumn => PgSqlErrorCode::ERRCODE_DUPLICATE_COLUMN,
        SqlState::ProgramLimitExceeded => PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
        SqlState::NameTooLong => PgSqlErrorCode::ERRCODE_NAME_TOO_LONG,
        SqlState::InsufficientPrivilege => PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        SqlState::CharacterNotInRepertoire => PgSqlErrorCode::ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
        SqlState::ObjectNotInPrerequisiteState => {
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE
        }
        SqlState::InternalError => PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
    }
}

/// Converts a core error into the report pgrx raises. (A `From` impl is not possible here: both
/// types are foreign to this crate.)
pub fn report(e: KeysetError) -> ErrorReport {
    let mut r = ErrorReport::new(errcode(e.sqlstate()), e.message(), "pg_keyset");
    if let Some(d) = e.detail() {
        r = r.set_detail(d);
    }
    if let Some(h) = e.hint() {
        r = r.set_hint(h);
    }
    r
}

pub type PgResult<T> = Result<T, ErrorReport>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every SQLSTATE the core can produce maps to the pgrx code with the same five characters.
    #[test]
    fn sqlstates_map_to_the_same_codes() {
        for s in SqlState::ALL {
            let code = errcode(s) as i32;
            let chars: String = (0..5)
                .map(|i| (((code >> (6 * i)) & 0x3f) as u8 + b'0') as char)
                .collect();
            assert_eq!(chars, s.code());
        }
    }
}
