//! Lowercase hexadecimal for the fixed-size byte values of the log (keys, heads, request ids):
//! how they appear in text, in serde formats and in debug output.

use std::fmt;

use crate::AuditError;

/// Writes `bytes` as lowercase hexadecimal, 64 bytes to a `write_str` (exports write a
/// pseudonym per audit entry, so this is on a hot path).
pub(crate) fn write(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for chunk in bytes.chunks(64) {
        let mut text = [0u8; 128];
        for (pair, byte) in text.chunks_exact_mut(2).zip(chunk) {
            if let [high, low] = pair {
                *high = digit(byte >> 4);
                *low = digit(byte & 0x0f);
            }
        }
        let used = text.get(..2 * chunk.len()).ok_or(fmt::Error)?;
        f.write_str(std::str::from_utf8(used).map_err(|_| fmt::Error)?)?;
    }
    Ok(())
}

/// The lowercase hexadecimal digit for a nibble (`0..16`).
fn digit(nibble: u8) -> u8 {
    if nibble < 10 {
        b'0' + nibble
    } else {
        b'a' + nibble - 10
    }
}

/// Parses exactly `N` bytes of hexadecimal (either case).
pub(crate) fn parse<const N: usize>(text: &str) -> Result<[u8; N], AuditError> {
    let invalid = AuditError::InvalidHex { expected_bytes: N };
    if text.len() != 2 * N || !text.is_ascii() {
        return Err(invalid);
    }
    let mut out = [0u8; N];
    for (slot, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let Some((high, low)) = pair.first().zip(pair.get(1)) else {
            return Err(invalid);
        };
        let (Some(high), Some(low)) = (nibble(*high), nibble(*low)) else {
            return Err(invalid);
        };
        *slot = (high << 4) | low;
    }
    Ok(out)
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Defines a `Copy` wrapper around `[u8; N]` that shows, parses and serialises as hexadecimal.
macro_rules! byte_value {
    ($(#[$meta:meta])* $name:ident, $len:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            /// Wraps bytes made elsewhere (by the store, or read back from storage).
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::hex::write(f, &self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::AuditError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $crate::hex::parse::<$len>(text).map(Self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use byte_value;

#[cfg(test)]
mod tests {
    use super::*;

    struct Hex<'a>(&'a [u8]);

    impl fmt::Display for Hex<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write(f, self.0)
        }
    }

    #[test]
    fn hex_round_trips_and_rejects_wrong_lengths_and_digits() {
        let bytes = [0x00, 0x7f, 0xa5, 0xff];
        let text = Hex(&bytes).to_string();
        assert_eq!(text, "007fa5ff");
        assert_eq!(parse::<4>(&text).unwrap(), bytes);
        assert_eq!(parse::<4>("007FA5FF").unwrap(), bytes);
        for bad in ["007fa5f", "007fa5fff", "007fa5fg", "007fa5f\u{e9}"] {
            assert!(parse::<4>(bad).is_err(), "{bad:?} parsed");
        }
    }
}
