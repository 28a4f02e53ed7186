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
mod tests {
    use super::*;
    use crate::cursor::{encode, Direction};
    use crate::sort_spec::{parse, resolve};

    /// digest("public", "t", 'priority desc nulls last, created_at' + id), as minted since 0.1.0.
    const DIGEST_PRIORITY_CREATED_AT: &str = "ek80UQQVjWQ";
    const CREATED: KeyColumn = KeyColumn {
        name: "created_at",
        wire: WireType::Timestamp,
        not_null: true,
        in_key: false,
    };
    const PRIORITY: KeyColumn = KeyColumn {
        name: "priority",
        wire: WireType::Int4,
        not_null: false,
        in_key: false,
    };
    const ID: KeyColumn = KeyColumn {
        name: "id",
        wire: WireType::Int8,
        not_null: true,
        in_key: true,
    };

    /// The digests of a single-column listing (its own digest is only used for oversized rows).
    const SINGLE: Digests = Digests {
        required: None,
        listing: "AAAAAAAAAAA",
    };

    fn dg(d: Option<&str>) -> Digests<'_> {
        Digests {
            required: d,
            listing: d.unwrap_or("AAAAAAAAAAA"),
        }
    }

    fn keys(spec: &str, dir: Direction) -> Vec<SortKey> {
        resolve(&parse(spec).unwrap(), dir, &["id".to_string()])
    }

    fn listing<'a>(
        schema: &'a str,
        relation: &'a str,
        keys: &'a [SortKey],
        key: &'a [String],
        filter: &'a [Condition],
        settings: &'a str,
    ) -> Listing<'a> {
        Listing {
            schema,
            relation,
            keys,
            key,
            filter,
            settings,
        }
    }

    /// The digests of a listing keyed by `id`.
    fn listing_digest(
        schema: &str,
        relation: &str,
        keys: &[SortKey],
        filter: &[Condition],
        settings: &str,
    ) -> String {
        let id = ["id".to_string()];
        listing(schema, relation, keys, &id, filter, settings).digest()
    }

    fn digest(
        schema: &str,
        relation: &str,
        keys: &[SortKey],
        filter: &[Condition],
        settings: &str,
    ) -> Option<String> {
        let id = ["id".to_string()];
        listing(schema, relation, keys, &id, filter, settings).required_digest()
    }

    #[test]
    fn composite_keys_are_bound_by_the_digest() {
        let key = ["tenant_id".to_string(), "id".to_string()];
        let k = resolve(&[], Direction::Asc, &key);
        let composite = listing("public", "t", &k, &key, &[], "");
        // Two key columns never make the reference form, even with no sort.
        assert!(!composite.is_single_column_form());
        // Same ORDER BY, another key: another digest.
        let sort_then_id = listing("public", "t", &k, &key[1..], &[], "");
        assert_ne!(composite.digest(), sort_then_id.digest());
        // A one-column key adds nothing to the digest (0.1.0 cursors keep their digest).
        assert_eq!(
            listing_digest("public", "t", &keys("priority desc nulls last, created_at", Direction::Asc), &[], ""),
            DIGEST_PRIORITY_CREATED_AT
        );
        // A cursor holding NULL for a key column is forged.
        let tenant = KeyColumn {
            name: "tenant_id",
            wire: WireType::Int8,
            not_null: false,
            in_key: true,
        };
        let d = composite.digest();
        let c = Cursor {
            sort: "tenant_id".into(),
            direction: Direction::Asc,
            value: None,
            id: "1".into(),
            more: vec![],
            digest: Some(d.clone()),
        }
        .encode()
        .unwrap();
        let ds = Digests {
            required: Some(&d),
            listing: &d,
        };
        assert_eq!(
            fault(start(Some(&c), &k, &[tenant, ID], ds)),
            CursorFault::NullInKey {
                column: "tenant_id".into()
            }
        );
    }

    fn fault(r: Result<Start, KeysetError>) -> CursorFault {
        match r {
            Err(KeysetError::InvalidCursor(f)) => f,
            other => panic!("expected an invalid cursor, got {other:?}"),
        }
    }

    #[test]
    fn page_size_rules() {
        assert_eq!(page_size(None, 1000), Ok(20));
        assert_eq!(page_size(None, 5), Ok(5));
        assert_eq!(page_size(Some(1000), 1000), Ok(1000));
        assert_eq!(
            page_size(Some(0), 1000),
            Err(KeysetError::PageSizeNotPositive { page_size: 0 })
        );
        assert_eq!(
            page_size(Some(-3), 1000),
            Err(KeysetError::PageSizeNotPositive { page_size: -3 })
        );
        assert_eq!(
            page_size(Some(1001), 1000),
            Err(KeysetError::PageSizeTooLarge {
                page_size: 1001,
                max: 1000
            })
        );
    }

    #[test]
    fn first_page_without_cursor() {
        let k = keys("created_at", Direction::Asc);
        assert_eq!(start(None, &k, &[CREATED, ID], SINGLE), Ok(None));
        assert_eq!(start(Some(""), &k, &[CREATED, ID], SINGLE), Ok(None));
    }

    #[test]
    fn cursor_must_match_sort_and_direction() {
        let k = keys("created_at", Direction::Desc);
        let c = encode("updated_at", Direction::Desc, Some("1"), "1").unwrap();
        assert!(matches!(
            fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
            CursorFault::SortMismatch { .. }
        ));
        let c = encode("created_at", Direction::Asc, Some("1"), "1").unwrap();
        assert_eq!(
            fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
            CursorFault::DirectionMismatch {
                cursor: "asc",
                request: "desc"
            }
        );
    }

    #[test]
    fn values_are_parsed_for_the_column_types() {
        let k = keys("created_at", Direction::Desc);
        let c = encode(
            "created_at",
            Direction::Desc,
            Some("1706778000000000"),
            "42",
        )
        .unwrap();
        assert_eq!(
            start(Some(&c), &k, &[CREATED, ID], SINGLE),
            Ok(Some(vec![
                Some(Typed::Timestamp(
                    1_706_778_000_000_000 - 946_684_800_000_000
                )),
                Some(Typed::Int8(42))
            ]))
        );
        let c = encode(
            "created_at",
            Direction::Desc,
            Some("1000000000000000000"),
            "42",
        )
        .unwrap();
        assert!(matches!(
            fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
            CursorFault::BadValue { field: "value", .. }
        ));
        let c = encode("created_at", Direction::Desc, Some("1"), "x").unwrap();
        assert!(matches!(
            fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
            CursorFault::BadValue { field: "id", .. }
        ));
    }

    #[test]
    fn null_values() {
        let k = keys("priority", Direction::Asc);
        let c = encode("priority", Direction::Asc, None, "7").unwrap();
        assert_eq!(
            start(Some(&c), &k, &[PRIORITY, ID], SINGLE),
            Ok(Some(vec![None, Some(Typed::Int8(7))]))
        );
        let k = keys("created_at", Direction::Asc);
        let c = encode("created_at", Direction::Asc, None, "7").unwrap();
        assert_eq!(
            fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
            CursorFault::NullForNotNull {
                column: "created_at".into()
            }
        );
    }

    #[test]
    fn sorting_by_the_key() {
        let k = keys("id", Direction::Asc);
        let c = encode("id", Direction::Asc, Some("5"), "5").unwrap();
        assert_eq!(
            start(Some(&c), &k, &[ID], SINGLE),
            Ok(Some(vec![Some(Typed::Int8(5))]))
        );
        let c = encode("id", Direction::Asc, Some("5"), "6").unwrap();
        assert_eq!(
            fault(start(Some(&c), &k, &[ID], SINGLE)),
            CursorFault::ValueIsNotId
        );
        assert_eq!(
            mint(&k, vec![Some("5".into())], SINGLE).unwrap(),
            encode("id", Direction::Asc, Some("5"), "5").unwrap()
        );
    }

    #[test]
    fn oversized_single_column_rows_get_an_extension_cursor() {
        let k = keys("name", Direction::Asc);
        let name = KeyColumn {
            name: "name",
            wire: WireType::Text,
            not_null: true,
            in_key: false,
        };
        let listing = listing_digest("public", "t", &k, &[], "");
        let d = Digests {
            required: None,
            listing: &listing,
        };
        // 300 '<' escape to 1800 bytes: over the reference 1024, under the extension cap.
        let big = "<".repeat(300);
        let c = mint(&k, vec![Some(big.clone()), Some("7".into())], d).unwrap();
        assert!(c.len() > 1024);
        assert_eq!(
            start(Some(&c), &k, &[name, ID], d).unwrap().unwrap()[0],
            Some(Typed::Text(big))
        );
        // Small rows keep the reference bytes; an extension cursor of another listing is refused.
        assert_eq!(
            mint(&k, vec![Some("a".into()), Some("7".into())], d).unwrap(),
            encode("name", Direction::Asc, Some("a"), "7").unwrap()
        );
        let other = listing_digest("public", "u", &k, &[], "");
        assert_eq!(
            fault(start(
                Some(&c),
                &k,
                &[name, ID],
                Digests {
                    required: None,
                    listing: &other
                }
            )),
            CursorFault::ListingMismatch
        );
        // Far beyond the extension cap: refused with the extension limit.
        let huge = "<".repeat(12_000);
        assert!(matches!(
            mint(&k, vec![Some(huge), Some("7".into())], d),
            Err(KeysetError::CannotEncode(
                CursorFault::ExtendedTooLong { .. }
            ))
        ));
    }

    #[test]
    fn single_column_listings_have_no_digest() {
        let none: &[Condition] = &[];
        assert_eq!(
            digest(
                "public",
                "t",
                &keys("created_at", Direction::Desc),
                none,
                ""
            ),
            None
        );
        assert_eq!(
            digest("public", "t", &keys("id desc", Direction::Asc), none, ""),
            None
        );
        // A non-default NULL placement, a key in the other direction, two columns or a
        // filter go beyond the reference format.
        for spec in ["created_at nulls first", "created_at desc, id asc", "a, b"] {
            assert!(
                digest("public", "t", &keys(spec, Direction::Asc), none, "").is_some(),
                "{spec}"
            );
        }
        let f = crate::filter::parse(r#"{"a": 1}"#).unwrap();
        assert!(digest("public", "t", &keys("created_at", Direction::Asc), &f, "").is_some());
    }

    #[test]
    fn multi_column_cursors_round_trip_and_bind_the_listing() {
        let k = keys("priority desc nulls last, created_at", Direction::Asc);
        let cols = [PRIORITY, CREATED, ID];
        let d = digest("public", "t", &k, &[], "");
        assert_eq!(d.as_ref().map(String::len), Some(11));
        // Digests are stored in clients' cursors: the function and its input text are fixed.
        assert_eq!(fnv1a64(&["a"]), 0x089b_e207_b544_f1e4);
        assert_eq!(d.as_deref(), Some(DIGEST_PRIORITY_CREATED_AT));
        let c = mint(
            &k,
            vec![None, Some("1706778000000000".into()), Some("9".into())],
            dg(d.as_deref()),
        )
        .unwrap();
        let s = start(Some(&c), &k, &cols, dg(d.as_deref()))
            .unwrap()
            .unwrap();
        assert_eq!(s[0], None);
        assert_eq!(s[2], Some(Typed::Int8(9)));
        // Another table, sort or filter: another digest.
        let other = digest("public", "u", &k, &[], "");
        assert_ne!(other, d);
        assert_eq!(
            fault(start(Some(&c), &k, &cols, dg(other.as_deref()))),
            CursorFault::ListingMismatch
        );
        let f = crate::filter::parse(r#"{"a": 1}"#).unwrap();
        assert_ne!(digest("public", "t", &k, &f, ""), d);
        assert_ne!(
            digest(
                "public",
                "t",
                &keys("priority desc nulls first, created_at", Direction::Asc),
                &[],
                ""
            ),
            d
        );
        // A single-column cursor offered to a digest listing, and the reverse.
        let single = encode("priority", Direction::Desc, None, "9").unwrap();
        assert_eq!(
            fault(start(Some(&single), &k, &cols, dg(d.as_deref()))),
            CursorFault::ListingMismatch
        );
        assert_eq!(
            fault(start(
                Some(&c),
                &keys("priority desc", Direction::Asc),
                &[PRIORITY, ID],
                SINGLE
            )),
            CursorFault::ListingMismatch
        );
    }
}
