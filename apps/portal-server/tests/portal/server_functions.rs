//! Who may call each of the portal's server functions: one row per function, with a request
//! that reaches it. The authorisation tests (`denials.rs`) call every row as every demo role
//! and as nobody; the server's own unit test checks these rows against the server functions
//! the binary registers, so that a new server function without a row here fails the build's
//! tests. The rules themselves are enforced inside each server function (`portal-app`); this
//! table only states them.

/// Who a server function answers with data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Anyone, signed in or not (public reads).
    Anyone,
    /// Any signed-in person, about themselves only.
    SignedIn,
    /// Only people holding the role with this name (the demo accounts' names).
    Role(&'static str),
}

/// One server function: its address, a query that reaches it, and who may call it.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// Its path under the portal.
    pub path: &'static str,
    /// Arguments for a call that succeeds for an allowed caller on the kexara demo.
    pub query: &'static str,
    /// Who it answers.
    pub caller: Caller,
}

const fn row(path: &'static str, query: &'static str, caller: Caller) -> Row {
    Row {
        path,
        query,
        caller,
    }
}

/// Every server function of the portal.
pub const SERVER_FUNCTIONS: &[Row] = &[
    // Public reads.
    row("/api/catalogue", "q=&price=", Caller::Anyone),
    row("/api/course", "slug=career-planning", Caller::Anyone),
    row("/api/course-page", "slug=career-planning", Caller::Anyone),
    row("/api/account-rules", "", Caller::Anyone),
    row("/api/whoami", "", Caller::Anyone),
    row("/api/published-policy", "", Caller::Anyone),
    row("/api/tours", "", Caller::Anyone),
    row("/api/tour", "slug=", Caller::Anyone),
    row("/api/verify-certificate", "code=", Caller::Anyone),
    row("/api/guardian-invitation", "token=", Caller::Anyone),
    row("/api/reset-link", "token=", Caller::Anyone),
    // A signed-in person's own things.
    row("/api/my-account", "", Caller::SignedIn),
    row("/api/second-step", "", Caller::SignedIn),
    row("/api/my-learning", "", Caller::SignedIn),
    row(
        "/api/lesson",
        "slug=career-planning&position=1",
        Caller::SignedIn,
    ),
    row(
        "/api/course-assessments",
        "slug=career-planning",
        Caller::SignedIn,
    ),
    row("/api/transcript", "", Caller::SignedIn),
    row("/api/my-exams", "", Caller::SignedIn),
    row("/api/my-payments", "", Caller::SignedIn),
    row("/api/payment", "id=", Caller::SignedIn),
    row("/api/my-bookings", "", Caller::SignedIn),
    row("/api/my-tickets", "", Caller::SignedIn),
    // Staff, one role each.
    row("/api/finance-payments", "", Caller::Role("finance")),
    row("/api/tour-manifests", "", Caller::Role("tour-coordinator")),
    row("/api/ticket-queue", "", Caller::Role("support-agent")),
    row("/api/moderation", "", Caller::Role("content-moderator")),
    row("/api/marking", "", Caller::Role("instructor")),
    row("/api/all-exams", "", Caller::Role("instructor")),
    row("/api/survey-totals", "", Caller::Role("instructor")),
    row("/api/teaching", "", Caller::Role("administrator")),
    row("/api/funding", "", Caller::Role("administrator")),
];
