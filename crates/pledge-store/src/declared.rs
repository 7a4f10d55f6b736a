//! Declared personal data: every table and column the store creates, and what it holds.
//!
//! A column either holds personal data — then a category of the deployed policy claims it
//! (`stored_in = ["table.column"]`), which ties it to that category's purposes and retention
//! rules — or it does not, and the declaration says why. Tests compare these declarations with
//! the live schema on both backends and with every policy pack, so a new table or column that
//! nobody declared fails the build.

use pledge_policy::ValidPolicy;

/// How the store erases a table's personal data for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// The person's data key is destroyed and the sealed columns cleared.
    CryptoShred,
    /// Nothing to erase: the table holds no personal data.
    NotPersonal,
}

/// One table of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDeclaration {
    /// Which database the table lives in.
    pub database: Database,
    /// The table's name.
    pub table: &'static str,
    /// Columns holding personal data (sealed under the person's key).
    pub personal: &'static [&'static str],
    /// Columns that hold no personal data, each with the reason.
    pub other: &'static [(&'static str, &'static str)],
    /// How a person's data in this table is erased.
    pub erasure: Erasure,
}

/// The two databases of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// The main database.
    Main,
    /// The separate key store.
    KeyStore,
}

const MIGRATIONS: [(&str, &str); 2] = [
    ("version", "a migration's name"),
    ("applied_at", "when it ran"),
];

/// Every table the store creates.
pub const TABLES: &[TableDeclaration] = &[
    TableDeclaration {
        database: Database::Main,
        table: "person",
        personal: &["display_name", "email", "date_of_birth"],
        other: &[
            (
                "id",
                "a random identifier, meaningless once the person's key is destroyed",
            ),
            ("created_at", "when the row was created"),
            ("erased_at", "when the person was erased"),
        ],
        erasure: Erasure::CryptoShred,
    },
    TableDeclaration {
        database: Database::Main,
        table: "audit_record",
        personal: &[],
        other: &[
            ("seq", "position in the chain"),
            ("mac", "the chain's keyed hash"),
            (
                "entry",
                "pseudonymous: people appear only as keyed pseudonyms, never by id",
            ),
        ],
        erasure: Erasure::NotPersonal,
    },
    TableDeclaration {
        database: Database::Main,
        table: "audit_checkpoint",
        personal: &[],
        other: &[
            ("size", "chain length"),
            ("checkpoint", "a signed (size, head) pair"),
        ],
        erasure: Erasure::NotPersonal,
    },
    TableDeclaration {
        database: Database::Main,
        table: "subject_request",
        personal: &[],
        other: &[
            ("id", "the request's random identifier"),
            (
                "person_id",
                "whose request: an identifier that reveals nothing once their key is destroyed",
            ),
            ("kind", "which right was exercised"),
            ("status", "where the request stands"),
            ("received_at", "when it was received"),
            ("due_at", "the deadline the policy sets"),
            ("extended_due_at", "the extended deadline, if extended"),
            ("closed_at", "when it was completed or refused"),
        ],
        erasure: Erasure::NotPersonal,
    },
    TableDeclaration {
        database: Database::Main,
        table: "legal_hold",
        personal: &[],
        other: &[
            ("id", "the hold's random identifier"),
            (
                "person_id",
                "whose data is held: an identifier that reveals nothing once their key is destroyed",
            ),
            (
                "reason",
                "the legal matter, written by the privacy office as a case reference",
            ),
            ("owner", "the member of staff who answers for the hold"),
            ("placed_at", "when it was placed"),
            ("expires_at", "when it lapses on its own, if ever"),
            ("released_at", "when it was released"),
        ],
        erasure: Erasure::NotPersonal,
    },
    TableDeclaration {
        database: Database::Main,
        table: "disclosure",
        personal: &[],
        other: &[
            ("id", "the disclosure's random identifier"),
            (
                "person_id",
                "whose data: an identifier that reveals nothing once their key is destroyed",
            ),
            ("partner", "the policy's id of the recipient"),
            ("purpose", "the policy's id of the purpose"),
            ("basis", "the legal basis of the disclosure"),
            (
                "categories",
                "which categories of data were sent (names, not the data)",
            ),
            ("sent_at", "when"),
        ],
        erasure: Erasure::NotPersonal,
    },
    TableDeclaration {
        database: Database::Main,
        table: "seaql_migrations",
        personal: &[],
        other: &MIGRATIONS,
        erasure: Erasure::NotPersonal,
    },
    TableDeclaration {
        database: Database::KeyStore,
        table: "subject_key",
        personal: &[],
        other: &[
            (
                "person_id",
                "the identifier the key belongs to; the row is destroyed on erasure",
            ),
            ("wrapped_key", "a data key, encrypted under the master key"),
            ("created_at", "when the key was made"),
        ],
        erasure: Erasure::NotPersonal,
    },
    TableDeclaration {
        database: Database::KeyStore,
        table: "seaql_migrations",
        personal: &[],
        other: &MIGRATIONS,
        erasure: Erasure::NotPersonal,
    },
];

/// The declaration of `table` in `database`.
pub fn table(database: Database, table: &str) -> Option<&'static TableDeclaration> {
    TABLES
        .iter()
        .find(|t| t.database == database && t.table == table)
}

/// Personal columns (`table.column`) that no category of `policy` claims.
pub fn unclaimed_columns(policy: &ValidPolicy) -> Vec<String> {
    let claimed: Vec<&str> = policy
        .policy()
        .categories
        .iter()
        .flat_map(|c| c.stored_in.iter().map(String::as_str))
        .collect();
    TABLES
        .iter()
        .flat_map(|t| t.personal.iter().map(move |c| format!("{}.{c}", t.table)))
        .filter(|column| !claimed.contains(&column.as_str()))
        .collect()
}

/// Columns a category of `policy` claims that the store does not declare as personal.
pub fn unknown_claims(policy: &ValidPolicy) -> Vec<String> {
    policy
        .policy()
        .categories
        .iter()
        .flat_map(|c| c.stored_in.iter())
        .filter(|column| {
            !TABLES.iter().any(|t| {
                t.personal
                    .iter()
                    .any(|c| format!("{}.{c}", t.table) == **column)
            })
        })
        .cloned()
        .collect()
}
