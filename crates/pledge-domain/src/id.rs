//! Typed identifiers for stored records.
//!
//! Ids are UUIDs (version 7 when the store mints them, so they sort by creation time). The type
//! keeps a person's id from being passed where an account's is expected. Minting happens in the
//! store, which owns the clock and the random source; this crate only wraps and parses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID minted elsewhere (normally by the store).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// Identifies a person: a learner, traveller, guardian, commenter or member of staff.
    PersonId
);
typed_id!(
    /// Identifies a login account; a person has at most one.
    AccountId
);
typed_id!(
    /// Identifies any stored record that holds personal data (used by retention and audit).
    RecordId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let uuid = Uuid::from_u128(0x0192_3f1e_7c00_7000_8000_0000_0000_0001);
        let id = PersonId::from_uuid(uuid);
        let parsed: PersonId = id.to_string().parse().expect("parses");
        assert_eq!(parsed, id);
        assert_eq!(parsed.as_uuid(), uuid);
    }

    #[test]
    fn ids_serialise_as_plain_strings() {
        let id = AccountId::from_uuid(Uuid::nil());
        let json = serde_json::to_string(&id).expect("serialises");
        assert_eq!(json, "\"00000000-0000-0000-0000-000000000000\"");
    }
}
