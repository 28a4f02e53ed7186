//! The Postgres-free core of pg_keyset.
//!
//! Everything here is plain Rust with no pgrx types, so it is tested with `cargo test` and
//! proptest without a server. The extension crate (`pg_keyset`, at the repository root) is a thin
//! layer that turns SQL arguments into these types and [`error::KeysetError`] into Postgres errors.

pub mod assembly;
pub mod cursor;
pub mod cursor_fault;
pub mod error;
pub mod filter;
pub mod fuzzing;
pub mod index_match;
pub mod json;
pub mod page_request;
pub mod pg_json;
pub mod predicate;
pub mod relation;
pub mod sort_spec;
pub mod typed_value;
pub mod wire_value;

pub use cursor::{decode, encode, Cursor, Direction};
pub use error::{CursorFault, KeysetError, SqlState};
