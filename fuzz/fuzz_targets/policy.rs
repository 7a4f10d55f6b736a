//! The policy parser and validator on any text: a policy that loads must also lint, render,
//! diff against itself with no change, and survive a round trip through TOML unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = pledge_policy::load("fuzz.toml", text) else {
        return;
    };
    let _ = pledge_policy::lint(&policy);
    let _ = pledge_policy::render::privacy_policy(&policy);
    let written = pledge_policy::to_toml(policy.policy()).expect("a loaded policy writes as TOML");
    let again = pledge_policy::load("again.toml", &written).expect("what was written loads");
    assert_eq!(again.policy(), policy.policy(), "the round trip changed the policy");
    assert!(pledge_policy::diff(policy.policy(), again.policy()).changes.is_empty());
});
