//! The names of enum values as a policy file spells them (`account-deleted`), for messages.

use serde::Serialize;

/// `value` as it is written in a policy file, or its debug form if it has no single name.
pub fn kebab<T: Serialize + std::fmt::Debug>(value: &T) -> String {
    match toml::Value::try_from(value) {
        Ok(toml::Value::String(name)) => name,
        _ => format!("{value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use pledge_domain::LifecycleEvent;

    use crate::model::RightKind;

    #[test]
    fn names_are_spelt_as_in_policy_files() {
        assert_eq!(
            super::kebab(&RightKind::WithdrawConsent),
            "withdraw-consent"
        );
        assert_eq!(
            super::kebab(&LifecycleEvent::AccountDeleted),
            "account-deleted"
        );
    }
}
