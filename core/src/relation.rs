//! Which relations pg_keyset pages and which unique key breaks their ties, decided from plain
//! facts the extension reads from the catalog (no server needed to test the rules).
//!
//! The key is resolved in this order ([`choose_key`], [`covering_index`]):
//! 1. the `key` argument: for a table (ordinary or partitioned) or a materialized view, some
//!    usable unique index must have all its columns among the named ones; for a view it is the
//!    caller's declaration;
//! 2. the primary key, any number of columns;
//! 3. the narrowest usable unique index (fewest columns, then its name: stable across dump and
//!    restore, unlike an oid);
//! 4. for a simple view, the key of its base relation passed through (see the extension's
//!    `view_key.rs`).
//!
//! A unique index is usable when it is valid, immediate (a deferrable one holds duplicates until
//! commit), not partial, has no expression columns, and its columns are NOT NULL. Materialized
//! views never mark columns NOT NULL, so there the NOT NULL condition is dropped and a NULL met
//! in a key column is an error at run time instead.

use std::fmt;

/// The kinds of relation pg_keyset pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
}

impl RelationKind {
    /// From `pg_class.relkind`; None for kinds pg_keyset does not page.
    pub fn from_relkind(relkind: u8) -> Option<RelationKind> {
        Some(match relkind {
            b'r' => RelationKind::Table,
            b'p' => RelationKind::PartitionedTable,
            b'v' => RelationKind::View,
            b'm' => RelationKind::MaterializedView,
            _ => return None,
        })
    }

    /// How messages name it.
    pub fn word(self) -> &'static str {
        match self {
            RelationKind::Table => "table",
            RelationKind::PartitionedTable => "partitioned table",
            RelationKind::View => "view",
            RelationKind::MaterializedView => "materialized view",
        }
    }

    /// Whether the catalog's NOT NULL flags are the truth for its columns (a view's and a
    /// materialized view's columns are never marked NOT NULL).
    pub fn knows_not_null(self) -> bool {
        matches!(self, RelationKind::Table | RelationKind::PartitionedTable)
    }
}

/// A unique index of a relation, as key resolution sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueIndex {
    pub name: String,
    /// Attribute numbers of its key columns (0 for an expression).
    pub columns: Vec<i16>,
    pub primary: bool,
    pub immediate: bool,
    pub valid: bool,
    pub partial: bool,
    /// Whether every key column is NOT NULL.
    pub not_null: bool,
}

impl UniqueIndex {
    /// Whether it makes its columns a key of a relation of `kind`.
    pub fn usable(&self, kind: RelationKind) -> bool {
        self.valid
            && self.immediate
            && !self.partial
            && !self.columns.contains(&0)
            && (self.not_null || !kind.knows_not_null())
    }
}

/// Where a listing's key came from, as keyset_explain shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The `key` argument (for a table, `index` is the unique index that vouches for it).
    Argument {
        index: Option<String>,
    },
    PrimaryKey {
        index: String,
    },
    UniqueIndex {
        index: String,
    },
    /// A simple view: its base relation's key, passed through.
    View {
        base: String,
        source: Box<KeySource>,
    },
    /// The same, for a base table the caller may not read (not named).
    HiddenViewBase,
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Argument { index: None } => write!(f, "key argument"),
            KeySource::Argument { index: Some(i) } => {
                write!(f, "key argument, unique by index \"{i}\"")
            }
            KeySource::PrimaryKey { index } => write!(f, "primary key \"{index}\""),
            KeySource::UniqueIndex { index } => write!(f, "unique index \"{index}\""),
            KeySource::View { base, source } => write!(f, "{source} of view base {base}"),
            KeySource::HiddenViewBase => write!(f, "the key of the view's base table"),
        }
    }
}

/// Why a relation has no key of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoKey {
    /// Nothing usable at all.
    None,
    /// Only a deferrable primary key (the usual mistake worth its own message).
    DeferrablePrimaryKey,
}

/// The relation's own key: its primary key if usable, else the narrowest usable unique index.
pub fn choose_key(kind: RelationKind, indexes: &[UniqueIndex]) -> Result<&UniqueIndex, NoKey> {
    if let Some(pk) = indexes.iter().find(|i| i.primary && i.usable(kind)) {
        return Ok(pk);
    }
    narrowest(kind, indexes.iter().filter(|i| !i.primary)).ok_or_else(|| {
        if indexes.iter().any(|i| i.primary && !i.immediate) {
            NoKey::DeferrablePrimaryKey
        } else {
            NoKey::None
        }
    })
}

/// The narrowest usable unique index whose columns are all among `key` (which it then makes
/// unique), if any.
pub fn covering_index<'a>(
    kind: RelationKind,
    indexes: &'a [UniqueIndex],
    key: &[i16],
) -> Option<&'a UniqueIndex> {
    narrowest(
        kind,
        indexes
            .iter()
            .filter(|i| i.columns.iter().all(|c| key.contains(c))),
    )
}

fn narrowest<'a>(
    kind: RelationKind,
    indexes: impl Iterator<Item = &'a UniqueIndex>,
) -> Option<&'a UniqueIndex> {
    indexes
        .filter(|i| i.usable(kind))
        .min_by(|a, b| (a.columns.len(), &a.name).cmp(&(b.columns.len(), &b.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(name: &str, columns: &[i16]) -> UniqueIndex {
        UniqueIndex {
            name: name.into(),
            columns: columns.to_vec(),
            primary: false,
            immediate: true,
            valid: true,
            partial: false,
            not_null: true,
        }
    }

    fn pk(columns: &[i16]) -> UniqueIndex {
        UniqueIndex {
            primary: true,
            ..index("t_pkey", columns)
        }
    }

    use RelationKind::*;

    #[test]
    fn the_primary_key_wins_whatever_its_width() {
        let indexes = [index("a_key", &[2]), pk(&[1, 3])];
        assert_eq!(choose_key(Table, &indexes).unwrap().name, "t_pkey");
        assert_eq!(
            choose_key(PartitionedTable, &indexes).unwrap().columns,
            [1, 3]
        );
    }

    #[test]
    fn else_the_narrowest_usable_unique_index_by_name() {
        let indexes = [
            index("z_key", &[4]),
            index("b_key", &[2, 3]),
            index("a_key", &[5]),
            UniqueIndex {
                partial: true,
                ..index("0_partial", &[1])
            },
            UniqueIndex {
                not_null: false,
                ..index("0_nullable", &[6])
            },
            UniqueIndex {
                columns: vec![0],
                ..index("0_expr", &[])
            },
            UniqueIndex {
                valid: false,
                ..index("0_invalid", &[7])
            },
            UniqueIndex {
                immediate: false,
                ..index("0_deferrable", &[8])
            },
        ];
        assert_eq!(choose_key(Table, &indexes).unwrap().name, "a_key");
        // Materialized views: NOT NULL is never marked, so the nullable one counts.
        assert_eq!(
            choose_key(MaterializedView, &indexes).unwrap().name,
            "0_nullable"
        );
    }

    #[test]
    fn no_key() {
        assert_eq!(choose_key(Table, &[]), Err(NoKey::None));
        let deferrable = UniqueIndex {
            immediate: false,
            ..pk(&[1])
        };
        assert_eq!(
            choose_key(Table, std::slice::from_ref(&deferrable)),
            Err(NoKey::DeferrablePrimaryKey)
        );
        // A deferrable primary key next to a usable unique index: the index.
        let with_index = [deferrable, index("u", &[2])];
        assert_eq!(choose_key(Table, &with_index).unwrap().name, "u");
    }

    #[test]
    fn a_key_argument_needs_an_index_among_its_columns() {
        let indexes = [pk(&[1, 2]), index("email_key", &[3])];
        assert_eq!(
            covering_index(Table, &indexes, &[2, 1]).unwrap().name,
            "t_pkey"
        );
        assert_eq!(
            covering_index(Table, &indexes, &[3, 1]).unwrap().name,
            "email_key"
        );
        assert_eq!(covering_index(Table, &indexes, &[1]), None);
        assert_eq!(covering_index(Table, &indexes, &[2, 4]), None);
    }

    #[test]
    fn sources_read_well() {
        let s = KeySource::View {
            base: "public.t".into(),
            source: Box::new(KeySource::PrimaryKey {
                index: "t_pkey".into(),
            }),
        };
        assert_eq!(
            s.to_string(),
            "primary key \"t_pkey\" of view base public.t"
        );
        assert_eq!(
            KeySource::Argument { index: None }.to_string(),
            "key argument"
        );
    }
}
