//! The built-in policy packs, one per seed policy.
//!
//! Each pack encodes every promise of its seed policy (see `docs/promises.md`); where the seed is
//! vague the pack picks a concrete value and marks it as the deployer's choice. The TOML files
//! live in `packs/` beside this crate and are compiled in, so the portal and the CLI need no files
//! at run time.

use crate::{PolicyError, ValidPolicy, load};

/// A built-in pack: its name and its TOML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pack {
    /// The pack's name (`kexara`).
    pub name: &'static str,
    /// The file name used in messages.
    pub file: &'static str,
    /// The TOML text.
    pub text: &'static str,
}

/// Every built-in pack.
pub const ALL: [Pack; 3] = [
    Pack {
        name: "westmontera",
        file: "westmontera.toml",
        text: include_str!("../packs/westmontera.toml"),
    },
    Pack {
        name: "jtec",
        file: "jtec.toml",
        text: include_str!("../packs/jtec.toml"),
    },
    Pack {
        name: "kexara",
        file: "kexara.toml",
        text: include_str!("../packs/kexara.toml"),
    },
];

/// The pack with this name.
pub fn find(name: &str) -> Option<Pack> {
    ALL.into_iter().find(|pack| pack.name == name)
}

impl Pack {
    /// Parses and validates the pack.
    ///
    /// # Errors
    /// Whatever [`load`] reports; the packs' own tests keep this from happening.
    pub fn load(self) -> Result<ValidPolicy, PolicyError> {
        load(self.file, self.text)
    }
}

/// Loads the pack with this name.
///
/// # Errors
/// [`PolicyError::UnknownPack`] when no pack has this name, or whatever [`load`] reports.
pub fn load_pack(name: &str) -> Result<ValidPolicy, PolicyError> {
    let pack = find(name).ok_or_else(|| PolicyError::UnknownPack {
        name: name.to_owned(),
        known: ALL.iter().map(|p| p.name).collect::<Vec<_>>().join(", "),
    })?;
    pack.load()
}
