//! Roles a person can hold in the portal.
//!
//! Roles are how the policy's "need to know" promises (W42, K29) become checks: each staff view
//! names the roles that may open it, and a person may hold several roles.

use serde::{Deserialize, Serialize};

/// A role a person can hold. Every signed-in person is at least a [`Role::Learner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Takes courses, books exams and tours, and manages their own data.
    Learner,
    /// A guardian acting for a linked minor (K44).
    Guardian,
    /// Teaches courses and grades their submissions.
    Instructor,
    /// Runs group tours; the only role that sees accessibility needs (K05).
    TourCoordinator,
    /// Answers support tickets.
    SupportAgent,
    /// Moderates community content; never sees payments (W42).
    ContentModerator,
    /// Handles payments, receipts and refunds.
    Finance,
    /// Runs the privacy office: requests, holds, retention, audit, breaches.
    PrivacyOfficer,
    /// Configures the portal and manages staff accounts.
    Administrator,
}

impl Role {
    /// Every role, in a stable order (used by authorisation matrices).
    pub const ALL: [Role; 9] = [
        Role::Learner,
        Role::Guardian,
        Role::Instructor,
        Role::TourCoordinator,
        Role::SupportAgent,
        Role::ContentModerator,
        Role::Finance,
        Role::PrivacyOfficer,
        Role::Administrator,
    ];

    /// The role's stable name, as stored and as written in URLs and policy packs.
    pub const fn name(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Guardian => "guardian",
            Role::Instructor => "instructor",
            Role::TourCoordinator => "tour-coordinator",
            Role::SupportAgent => "support-agent",
            Role::ContentModerator => "content-moderator",
            Role::Finance => "finance",
            Role::PrivacyOfficer => "privacy-officer",
            Role::Administrator => "administrator",
        }
    }

    /// The role called `name` (see [`Role::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.name() == name)
    }

    /// True for roles held by employees rather than by the people the data is about.
    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Learner | Role::Guardian)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.name()), Some(role));
            let json = serde_json::to_string(&role).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", role.name()));
        }
        assert_eq!(Role::from_name("root"), None);
    }

    #[test]
    fn learners_and_guardians_are_not_staff() {
        let staff: Vec<Role> = Role::ALL.into_iter().filter(|r| r.is_staff()).collect();
        assert_eq!(staff.len(), 7);
        assert!(!Role::Learner.is_staff());
        assert!(!Role::Guardian.is_staff());
    }
}
