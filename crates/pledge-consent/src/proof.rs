//! The proof every consent event carries.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use pledge_domain::PersonId;
use pledge_policy::model::Channel;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ConsentError;

/// The SHA-256 of the exact text a person was shown when they decided.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TextHash([u8; 32]);

impl TextHash {
    /// Hashes the text shown.
    pub fn of(text: &str) -> Self {
        Self(Sha256::digest(text.as_bytes()).into())
    }

    /// The raw digest.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for TextHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0.iter().take(4) {
            write!(f, "{byte:02x}")?;
        }
        f.write_str("…")
    }
}

/// An IP address with its host part removed: IPv4 keeps its /24, IPv6 its /48. The type cannot
/// hold a full address, so the ledger cannot store one by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AnonymisedIp(IpAddr);

impl AnonymisedIp {
    /// Truncates `ip`.
    pub fn from_ip(ip: IpAddr) -> Self {
        Self(match ip {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                IpAddr::V4(Ipv4Addr::new(a, b, c, 0))
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
            }
        })
    }

    /// The truncated address.
    pub const fn ip(&self) -> IpAddr {
        self.0
    }
}

/// Where the decision was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The cookie banner.
    CookieBanner,
    /// The sign-up form.
    SignUpForm,
    /// The privacy centre's preferences page.
    PreferenceCentre,
    /// A written (paper or signed) form, referenced by document (J17).
    WrittenForm {
        /// Where the signed form is kept.
        document: String,
    },
    /// A one-click unsubscribe link in a message (W30, J16).
    UnsubscribeLink,
    /// A request to support or the privacy office.
    SupportRequest,
    /// The system itself (an expiry, or a notice served with a policy change).
    System,
}

/// Who made the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GivenBy {
    /// The person the data is about.
    Subject,
    /// A verified guardian acting for a minor (K44).
    Guardian(PersonId),
}

/// The evidence recorded with every consent event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The policy version in force when the decision was made.
    pub policy_version: String,
    /// A hash of the exact text shown.
    pub text_hash: TextHash,
    /// Where it was made.
    pub source: Source,
    /// For marketing: the channel it concerns (J14).
    pub channel: Option<Channel>,
    /// The requester's address, truncated.
    pub ip: Option<AnonymisedIp>,
    /// The browser's user agent.
    pub user_agent: Option<String>,
    /// Who decided.
    pub given_by: GivenBy,
}

/// The longest user agent kept.
pub const MAX_USER_AGENT: usize = 512;

impl Proof {
    /// Checks the proof is complete enough to rely on.
    ///
    /// # Errors
    /// A missing policy version or document reference, a user agent over 512 characters.
    pub fn check(&self, subject: PersonId) -> Result<(), ConsentError> {
        if self.policy_version.trim().is_empty() {
            return Err(ConsentError::MissingPolicyVersion);
        }
        if let Source::WrittenForm { document } = &self.source
            && document.trim().is_empty()
        {
            return Err(ConsentError::MissingDocumentReference);
        }
        if self.given_by == GivenBy::Guardian(subject) {
            return Err(ConsentError::GuardianIsSubject);
        }
        if self
            .user_agent
            .as_ref()
            .is_some_and(|ua| ua.chars().count() > MAX_USER_AGENT)
        {
            return Err(ConsentError::UserAgentTooLong {
                max: MAX_USER_AGENT,
            });
        }
        Ok(())
    }

    /// True when the consent was recorded on a written form.
    pub const fn is_written(&self) -> bool {
        matches!(self.source, Source::WrittenForm { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_addresses_lose_their_host_part() {
        let v4 = AnonymisedIp::from_ip("203.0.113.77".parse().expect("ip"));
        assert_eq!(v4.ip().to_string(), "203.0.113.0");
        let v6 = AnonymisedIp::from_ip("2001:db8:abcd:12:1:2:3:4".parse().expect("ip"));
        assert_eq!(v6.ip().to_string(), "2001:db8:abcd::");
    }

    #[test]
    fn text_hashes_differ_for_different_texts() {
        assert_ne!(TextHash::of("a"), TextHash::of("b"));
        assert_eq!(TextHash::of("a"), TextHash::of("a"));
    }
}
