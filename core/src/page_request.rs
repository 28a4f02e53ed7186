//! The checks of one keyset_page request that need no server: page size, whether a cursor
//! belongs to this listing (same sort, direction and digest, values valid for the columns'
//! types), and minting the cursors of a page.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::cursor::{self, Cursor};
use crate::error::{CursorFault, KeysetError};
use crate::filter::{self, Condition};
use crate::json;
use crate::sort_spec::SortKey;
use crate::typed_value::{self, Typed, WireType};

/// Page size when the caller passes NULL.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Default of the `pg_keyset.max_page_size` setting.
pub const DEFAULT_MAX_PAGE_SIZE: i32 = 1000;

/// The page size to use: NULL → the default; never a silent clamp.
pub fn page_size(arg: Option<i32>, max: i32) -> Result<i32, KeysetError> {
    match arg {
        None => Ok(DEFAULT_PAGE_SIZE.min(max)),
        Some(n) if n <= 0 => Err(KeysetError::PageSizeNotPositive { page_size: n }),
        Some(n) if n > max => Err(KeysetError::PageSizeTooLarge { page_size: n, max }),
        Some(n) => Ok(n),
    }
}

/// A key column as the cursor check sees it.
#[derive(Debug, Clone, Copy)]
pub struct KeyColumn<'a> {
    pub name: &'a str,
    pub wire: WireType,
    pub not_null: bool,
    /// A column of the unique key: pg_keyset never mints a cursor with NULL there (a row with
    /// a NULL key is an error), so a cursor that has one is forged.
    pub in_key: bool,
}

/// What a listing is, as far as its cursors are concerned: the relation, the resolved ORDER BY,
/// the unique key's column names, the filter, and the settings-independent form of filter values
/// whose text depends on session settings (empty when there are none).
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    pub schema: &'a str,
    pub relation: &'a str,
    pub keys: &'a [SortKey],
    pub key: &'a [String],
    pub filter: &'a [Condition],
    pub settings: &'a str,
}

impl Listing<'_> {
    /// Whether this is the reference services' single-column form: one sort column in its
    /// default NULL placement tiebroken by a one-column key in the same direction (or the key
    /// alone), and no filter. Only such listings get cursors without `"x"`/`"h"`,
    /// byte-identical to the references.
    pub fn is_single_column_form(&self) -> bool {
        self.filter.is_empty()
            && self.key.len() == 1
            && match self.keys {
                [_] => true,
                [sort, key] => sort.default_nulls() && key.direction == sort.direction,
                _ => false,
            }
    }

    /// The digest this listing's cursors must carry: None for the single-column form (whose
    /// cursors are the reference format), else [`Listing::digest`].
    pub fn required_digest(&self) -> Option<String> {
        (!self.is_single_column_form()).then(|| self.digest())
    }

    /// The digest of a listing (11 base64url characters): what its cursors carry beyond the
    /// single-column form, and what a single-column cursor too large for the reference caps
    /// carries to become an extension cursor ([`mint`]). A key of several columns is hashed
    /// too; a one-column key is the last sort key already (so digests minted before composite
    /// keys existed are unchanged), as is an empty `settings`.
    pub fn digest(&self) -> String {
        // `"priority" DESC NULLS LAST,"created_at" ASC NULLS LAST,...`: names JSON-escaped by
        // our own escaper, so the text (and every stored cursor's digest) is fixed across builds.
        let mut sort = String::new();
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                sort.push(',');
            }
            json::push_string(&mut sort, &k.column);
            sort.push(' ');
            sort.push_str(k.order_words());
        }
        let canonical = filter::canonical(self.filter);
        let mut parts = vec![self.schema, self.relation, &sort, &canonical];
        if !self.settings.is_empty() {
            parts.push(self.settings);
        }
        let mut key = String::new();
        if self.key.len() > 1 {
            key.push_str("key:");
            for (i, k) in self.key.iter().enumerate() {
                if i > 0 {
                    key.push(',');
                }
                json::push_string(&mut key, k);
            }
            parts.push(&key);
        }
        URL_SAFE_NO_PAD.encode(fnv1a64(&parts).to_be_bytes())
    }
}

/// FNV-1a, 64 bits: a fixed, dependency-free function whose output never changes between builds.
/// The digest detects a cursor reused with another listing; it is not a MAC (a cursor holds
/// nothing secret, and every value in it is validated and bound as a parameter anyway).
fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0u8]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The digests of one listing: the one its cursors must carry (None for the single-column
/// form), and the listing's own, which an oversized single-column cursor carries instead.
#[derive(Debug, Clone, Copy)]
pub struct Digests<'a> {
    pub required: Option<&'a str>,
    pub listing: &'a str,
}

/// Where the page starts: None = no cursor (the first page), or the cursor's value for each
/// key (None = SQL NULL), parsed for the columns' types.
pub type Start = Option<Vec<Option<Typed>>>;

/// Decodes a cursor and checks that it continues this listing: same first column and
/// direction, same digest (table, sort, filter), one value per key, each valid for its column.
/// NULL or empty → the first page.
pub fn start(
    cursor_text: Option<&str>,
    keys: &[SortKey],
    columns: &[KeyColumn],
    digests: Digests,
) -> Result<Start, KeysetError> {
    let invalid = KeysetError::InvalidCursor;
    let text = match cursor_text {
        None | Some("") => return Ok(None),
        Some(a) => a,
    };
    let c = cursor::decode(text).map_err(invalid)?;
    let first = &keys[0];
    if c.sort != first.column {
        return Err(invalid(CursorFault::SortMismatch {
            cursor: c.sort,
            request: first.column.clone(),
        }));
    }
    if c.direction != first.direction {
        return Err(invalid(CursorFault::DirectionMismatch {
            cursor: c.direction.as_str(),
            request: first.direction.as_str(),
        }));
    }
    // A digest must be this listing's; no digest is only right for the single-column form.
    let matches = match c.digest.as_deref() {
        Some(h) => h == digests.listing,
        None => digests.required.is_none(),
    };
    if !matches {
        return Err(invalid(CursorFault::ListingMismatch));
    }
    let m = keys.len();
    // "v" is the first column, "x" the middle ones, "id" the key; sorting by the key alone,
    // "v" and "id" are the same key.
    let values: Vec<Option<&str>> = if m == 1 {
        if c.value.as_deref() != Some(c.id.as_str()) || !c.more.is_empty() {
            return Err(invalid(CursorFault::ValueIsNotId));
        }
        vec![Some(&c.id)]
    } else {
        if c.more.len() != m - 2 {
            return Err(invalid(CursorFault::ValueCount {
                cursor: c.more.len() + 2,
                request: m,
            }));
        }
        std::iter::once(c.value.as_deref())
            .chain(c.more.iter().map(Option::as_deref))
            .chain(std::iter::once(Some(c.id.as_str())))
            .collect()
    };
    let mut typed = Vec::with_capacity(m);
    for (i, (value, col)) in values.into_iter().zip(columns).enumerate() {
        let field = if i + 1 == m { "id" } else { "value" };
        typed.push(match value {
            None if col.in_key => {
                return Err(invalid(CursorFault::NullInKey {
                    column: col.name.to_string(),
                }))
            }
            None if col.not_null => {
                return Err(invalid(CursorFault::NullForNotNull {
                    column: col.name.to_string(),
                }))
            }
            None => None,
            Some(v) => Some(typed_value::parse(col.wire, v).map_err(|reason| {
                invalid(CursorFault::BadValue {
                    field,
                    column: col.name.to_string(),
                    type_name: col.wire.sql_name().to_string(),
                    reason,
                })
            })?),
        });
    }
    Ok(Some(typed))
}

/// The cursor for a row whose key values (wire strings, None = NULL) are `values`. A
/// single-column listing whose row is too large for the reference caps (a long or escape-heavy
/// value) gets an extension cursor with the listing's digest instead of an error, so no row's
/// content can make a page unreachable.
pub fn mint(
    keys: &[SortKey],
    values: Vec<Option<String>>,
    digests: Digests,
) -> Result<String, KeysetError> {
    let mut values = values.into_iter();
    let first = values.next().flatten();
    let mut rest: Vec<Option<String>> = values.collect();
    let id = match rest.pop() {
        Some(id) => id,
        None => first.clone(), // sorting by the key alone: "v" and "id" are both the key
    };
    let id = id.ok_or(KeysetError::NullArgument("id"))?;
    let mut c = Cursor {
        sort: keys[0].column.clone(),
        direction: keys[0].direction,
        value: first,
        id,
        more: rest,
        digest: digests.required.map(str::to_string),
    };
    match c.encode() {
        Err(
            CursorFault::TooLong { .. }
            | CursorFault::ValueTooLong { .. }
            | CursorFault::IdTooLong { .. },
        ) if c.digest.is_none() => {
            c.digest = Some(digests.listing.to_string());
            c.encode().map_err(KeysetError::CannotEncode)
        }
        other => other.map_err(KeysetError::CannotEncode),
    }
}

#[cfg(test)]
#[path = "tests/page_request.rs"]
mod tests;
