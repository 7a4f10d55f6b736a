//! Where the portal keeps its data and secrets.
//!
//! - **Embedded (default):** SQLite files in the data directory (`portal.db`, and the key store
//!   in `keys.db`). Unless the `PLEDGE_*` key variables are set, the four secrets are generated
//!   on the first run into a secrets file readable by its owner only, which is kept *outside*
//!   the data directory (`--secrets-file`; by default `secrets.json` in a `<data-dir>.secrets`
//!   directory beside it): a copy or backup of the data must not carry the master key that
//!   opens it, or crypto-shredding would not reach that copy. A `secrets.json` left inside the
//!   data directory by an older version is moved out on start.
//! - **PostgreSQL:** `DATABASE_URL` names the main database and `PLEDGE_KEYSTORE_URL` the key
//!   store (a different database); the secrets must then come from `PLEDGE_MASTER_KEY`,
//!   `PLEDGE_AUDIT_MAC_KEY`, `PLEDGE_PSEUDONYM_KEY` and `PLEDGE_CHECKPOINT_KEY` (64 hex digits
//!   each), as they do for `pledge-admin`.

use std::path::Path;

use anyhow::{Context, Result};
use pledge_store::{MasterKey, StoreConfig, hex_key, hex_text};

const KEY_NAMES: [&str; 4] = [
    "PLEDGE_MASTER_KEY",
    "PLEDGE_AUDIT_MAC_KEY",
    "PLEDGE_PSEUDONYM_KEY",
    "PLEDGE_CHECKPOINT_KEY",
];

/// The four secrets from the environment, if all are set.
fn keys_from_env() -> Result<Option<[[u8; 32]; 4]>> {
    let values: Vec<Option<String>> = KEY_NAMES
        .iter()
        .map(|name| std::env::var(name).ok())
        .collect();
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    let mut keys = [[0u8; 32]; 4];
    for ((slot, name), value) in keys.iter_mut().zip(KEY_NAMES).zip(values) {
        let value =
            value.with_context(|| format!("{name} is not set (set all four keys or none)"))?;
        *slot = hex_key(name, &value)?;
    }
    Ok(Some(keys))
}

/// Where the secrets file goes when none is named: beside the data directory, not in it.
pub fn default_secrets_file(data_dir: &Path) -> std::path::PathBuf {
    let mut dir = data_dir.as_os_str().to_owned();
    dir.push(".secrets");
    std::path::PathBuf::from(dir).join("secrets.json")
}

/// Moves a secrets file an older version left inside the data directory to `path`.
fn move_out_of(data_dir: &Path, path: &Path) -> Result<()> {
    let old = data_dir.join("secrets.json");
    if path.exists() || !old.exists() {
        return Ok(());
    }
    make_private_dir(path)?;
    std::fs::rename(&old, path)
        .with_context(|| format!("moving {} to {}", old.display(), path.display()))?;
    eprintln!(
        "portal: moved the secrets out of the data directory, to {}",
        path.display()
    );
    Ok(())
}

/// Creates the directory `path` goes in, readable by its owner only.
fn make_private_dir(path: &Path) -> Result<()> {
    let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

/// The secrets kept in the file at `path`, made on the first run.
fn keys_in(path: &Path) -> Result<[[u8; 32]; 4]> {
    if path.exists() {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        let mut keys = [[0u8; 32]; 4];
        for (slot, name) in keys.iter_mut().zip(KEY_NAMES) {
            let value = json
                .get(name)
                .and_then(serde_json::Value::as_str)
                .with_context(|| format!("{} has no {name}", path.display()))?;
            *slot = hex_key(name, value)?;
        }
        return Ok(keys);
    }
    let mut keys = [[0u8; 32]; 4];
    for slot in &mut keys {
        getrandom::fill(slot).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    }
    let json: serde_json::Map<String, serde_json::Value> = KEY_NAMES
        .iter()
        .zip(&keys)
        .map(|(name, key)| ((*name).to_owned(), hex_text(key).into()))
        .collect();
    make_private_dir(path)?;
    write_private(path, &serde_json::to_string_pretty(&json)?)?;
    Ok(keys)
}

/// Writes `text` to a new file at `path` that only its owner can read.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// The store configuration: PostgreSQL when `DATABASE_URL` is set, otherwise SQLite files in
/// `data_dir` (created if missing) with the secrets from the environment or `secrets_file`.
///
/// # Errors
/// A missing key store URL or key for PostgreSQL, malformed keys, or an unusable directory.
pub fn store_config(data_dir: &Path, secrets_file: &Path) -> Result<StoreConfig> {
    let env_keys = keys_from_env()?;
    let (database_url, keystore_url, keys) = match std::env::var("DATABASE_URL") {
        Ok(database_url) => {
            let keystore_url = std::env::var("PLEDGE_KEYSTORE_URL")
                .context("DATABASE_URL is set, so PLEDGE_KEYSTORE_URL must name the key store")?;
            let keys = env_keys.context(
                "on PostgreSQL the four PLEDGE_*_KEY variables must be set (see pledge-admin)",
            )?;
            (database_url, keystore_url, keys)
        }
        Err(_) => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            let file = |name: &str| format!("sqlite://{}?mode=rwc", data_dir.join(name).display());
            let keys = match env_keys {
                Some(keys) => keys,
                None => {
                    move_out_of(data_dir, secrets_file)?;
                    keys_in(secrets_file)?
                }
            };
            (file("portal.db"), file("keys.db"), keys)
        }
    };
    let [master, mac, pseudonym, checkpoint] = keys;
    Ok(StoreConfig {
        database_url,
        keystore_url,
        master_key: MasterKey::new(master),
        audit_mac_key: mac,
        pseudonym_key: pseudonym,
        checkpoint_key: checkpoint,
    })
}
