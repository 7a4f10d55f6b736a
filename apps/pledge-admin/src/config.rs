//! Reading the store's configuration from the environment, with errors that name the variable.

use anyhow::{Context, Result};
use pledge_store::{MasterKey, StoreConfig};

fn var(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set (see `pledge-admin --help`)"))
}

/// 32 bytes written as 64 hex digits.
fn key(name: &str) -> Result<[u8; 32]> {
    Ok(pledge_store::hex_key(name, &var(name)?)?)
}

/// The store configuration from `PLEDGE_*` variables.
pub fn from_env() -> Result<StoreConfig> {
    Ok(StoreConfig {
        database_url: var("PLEDGE_DATABASE_URL")?,
        keystore_url: var("PLEDGE_KEYSTORE_URL")?,
        master_key: MasterKey::new(key("PLEDGE_MASTER_KEY")?),
        audit_mac_key: key("PLEDGE_AUDIT_MAC_KEY")?,
        pseudonym_key: key("PLEDGE_PSEUDONYM_KEY")?,
        checkpoint_key: key("PLEDGE_CHECKPOINT_KEY")?,
    })
}

/// The deployed policy from `PLEDGE_POLICY`: a built-in pack's name, or the path of a policy
/// file. Defaults to the Kexara pack.
pub fn policy_from_env() -> Result<pledge_policy::ValidPolicy> {
    let spec = std::env::var("PLEDGE_POLICY").unwrap_or_else(|_| "kexara".to_owned());
    if let Some(pack) = pledge_policy::packs::find(&spec) {
        return pack
            .load()
            .with_context(|| format!("the built-in pack {spec} does not load"));
    }
    let text = std::fs::read_to_string(&spec).with_context(|| {
        format!("PLEDGE_POLICY={spec} is neither a built-in pack (kexara, westmontera, jtec) nor a readable file")
    })?;
    pledge_policy::load(&spec, &text)
        .map_err(|err| anyhow::anyhow!("PLEDGE_POLICY={spec} is not a valid policy: {err}"))
}
