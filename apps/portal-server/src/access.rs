//! Who may open each page and call each server function of the portal: one row per page
//! route and per server function, with an address that reaches it. The authorisation tests
//! (`tests/portal/denials.rs`) ask for every row as every demo person and as nobody; the
//! server's own unit tests check these rows against the routes and server functions the binary
//! has, so that a new page or server function without a row here fails the tests. The rules
//! themselves are enforced inside each page's server function and each form handler
//! (`portal-app`, `portal-server`); this table states them, and the server reads it to know
//! which refusals to put on the audit record ([`caller_of`]).

/// Who a page or server function answers with data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Anyone, signed in or not (public reads).
    Anyone,
    /// Any signed-in person, about themselves only.
    SignedIn,
    /// Only the signed-in person a named object belongs to (an enrolment, a payment); the
    /// row's example names one that no demo person has.
    Owner,
    /// Only people holding the role with this name (the demo accounts' names).
    Role(&'static str),
    /// Only people holding one of these roles.
    Roles(&'static [&'static str]),
    /// Only people holding the role, about an object named by id; the row's example names
    /// none, so the role's holders are told there is no such thing and everyone else is
    /// refused.
    RoleObject(&'static str),
}

/// One page route or server function: its path, an example that reaches it on the kexara
/// demo (for a page, an address of the route; for a server function, the query of a call),
/// and who it answers.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// A page's route, with `{name}` for each parameter (axum's spelling), or a server
    /// function's path.
    pub path: &'static str,
    /// For a page, an address to ask for; for a server function, the query to call it with.
    pub example: &'static str,
    /// Who it answers.
    pub caller: Caller,
}

const fn row(path: &'static str, example: &'static str, caller: Caller) -> Row {
    Row {
        path,
        example,
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
    row("/api/cookie-settings", "", Caller::Anyone),
    row("/api/privacy-overview", "", Caller::SignedIn),
    row("/api/erasure-preview", "", Caller::SignedIn),
    row("/api/privacy-history", "", Caller::SignedIn),
    row("/api/policy-versions", "", Caller::Anyone),
    row("/api/policy-version", "version=none", Caller::Anyone),
    row("/api/policy-changes", "from=none&to=none", Caller::Anyone),
    row("/api/tours", "", Caller::Anyone),
    row(
        "/api/unsubscribe-link",
        "person=00000000-0000-7000-8000-000000000000&channel=email&token=made-up",
        Caller::Anyone,
    ),
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
        "slug=data-protection-officer&position=1",
        Caller::Owner,
    ),
    row(
        "/api/course-assessments",
        "slug=data-protection-officer",
        Caller::Owner,
    ),
    row("/api/transcript", "", Caller::SignedIn),
    row("/api/my-exams", "", Caller::SignedIn),
    row("/api/my-payments", "", Caller::SignedIn),
    row(
        "/api/payment",
        "id=00000000-0000-7000-8000-000000000000",
        Caller::Owner,
    ),
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
    row("/api/request-queue", "", Caller::Role("privacy-officer")),
    row(
        "/api/office-request",
        "id=00000000-0000-7000-8000-000000000000",
        Caller::RoleObject("privacy-officer"),
    ),
    row("/api/hold-register", "", Caller::Role("privacy-officer")),
    row("/api/campaign-audience", "", Caller::Role("administrator")),
    row("/api/breach-register", "", Caller::Role("privacy-officer")),
    row("/api/partner-registry", "", Caller::Role("privacy-officer")),
    row(
        "/api/breach-detail",
        "id=00000000-0000-7000-8000-000000000000",
        Caller::RoleObject("privacy-officer"),
    ),
    row(
        "/api/retention-overview",
        "preview=false",
        Caller::Role("privacy-officer"),
    ),
    row(
        "/api/audit-trail",
        "person=&actor=&action=&category=&from=&until=&outcome=&verify=true",
        Caller::Role("privacy-officer"),
    ),
    row("/api/record-of-processing", "", OFFICE_AND_ADMIN),
];

/// The record of processing: the privacy office's, and the administrators'.
const OFFICE_AND_ADMIN: Caller = Caller::Roles(&["privacy-officer", "administrator"]);

/// Every page route of the portal.
pub const PAGES: &[Row] = &[
    // Public pages (links in email carry a token; a made-up one gets the page's own answer).
    row("/", "/", Caller::Anyone),
    row(
        "/courses/{slug}",
        "/courses/career-planning",
        Caller::Anyone,
    ),
    row("/register", "/register", Caller::Anyone),
    row("/register/sent", "/register/sent", Caller::Anyone),
    row("/verify", "/verify", Caller::Anyone),
    row("/verify/{token}", "/verify/made-up", Caller::Anyone),
    row("/link-sent", "/link-sent", Caller::Anyone),
    row("/signin", "/signin", Caller::Anyone),
    row("/signin/code", "/signin/code", Caller::Anyone),
    row("/reset", "/reset", Caller::Anyone),
    row("/reset/{token}", "/reset/made-up", Caller::Anyone),
    row("/guardian/{token}", "/guardian/made-up", Caller::Anyone),
    row("/privacy", "/privacy", Caller::Anyone),
    row("/cookies", "/cookies", Caller::Anyone),
    row("/account/privacy", "/account/privacy", Caller::SignedIn),
    row(
        "/account/privacy/history",
        "/account/privacy/history",
        Caller::SignedIn,
    ),
    row(
        "/account/privacy/erasure",
        "/account/privacy/erasure",
        Caller::SignedIn,
    ),
    row("/privacy/versions", "/privacy/versions", Caller::Anyone),
    row(
        "/privacy/versions/{version}",
        "/privacy/versions/2025-03-15",
        Caller::Anyone,
    ),
    row(
        "/privacy/changes",
        "/privacy/changes?from=2025-03-15&to=2025-03-15",
        Caller::Anyone,
    ),
    row("/tours", "/tours", Caller::Anyone),
    row(
        "/unsubscribe/{person}/{channel}/{token}",
        "/unsubscribe/00000000-0000-7000-8000-000000000000/email/made-up",
        Caller::Anyone,
    ),
    row("/tours/{slug}", "/tours/rockies-by-rail", Caller::Anyone),
    row(
        "/certificates/verify",
        "/certificates/verify",
        Caller::Anyone,
    ),
    // Recovery codes appear only in the answer to the form that turns the second step on
    // (its handler checks the session); opened on its own, the page only explains that.
    row(
        "/account/second-step/codes",
        "/account/second-step/codes",
        Caller::Anyone,
    ),
    // A signed-in person's own pages.
    row("/account", "/account", Caller::SignedIn),
    row("/account/password", "/account/password", Caller::SignedIn),
    row(
        "/account/second-step",
        "/account/second-step",
        Caller::SignedIn,
    ),
    row("/account/payments", "/account/payments", Caller::SignedIn),
    row(
        "/payments/{id}",
        "/payments/00000000-0000-7000-8000-000000000000",
        Caller::Owner,
    ),
    row("/learn", "/learn", Caller::SignedIn),
    row("/learn/transcript", "/learn/transcript", Caller::SignedIn),
    row("/learn/exams", "/learn/exams", Caller::SignedIn),
    row(
        "/learn/{slug}/assessments",
        "/learn/data-protection-officer/assessments",
        Caller::Owner,
    ),
    row(
        "/learn/{slug}/{position}",
        "/learn/data-protection-officer/1",
        Caller::Owner,
    ),
    row("/tours/bookings", "/tours/bookings", Caller::SignedIn),
    row("/support", "/support", Caller::SignedIn),
    // Staff pages, one role each.
    row(
        "/finance/payments",
        "/finance/payments",
        Caller::Role("finance"),
    ),
    row(
        "/tours/manage",
        "/tours/manage",
        Caller::Role("tour-coordinator"),
    ),
    row(
        "/support/queue",
        "/support/queue",
        Caller::Role("support-agent"),
    ),
    row(
        "/moderation",
        "/moderation",
        Caller::Role("content-moderator"),
    ),
    row(
        "/teach/marking",
        "/teach/marking",
        Caller::Role("instructor"),
    ),
    row("/teach/exams", "/teach/exams", Caller::Role("instructor")),
    row(
        "/teach/surveys",
        "/teach/surveys",
        Caller::Role("instructor"),
    ),
    row(
        "/admin/teaching",
        "/admin/teaching",
        Caller::Role("administrator"),
    ),
    row(
        "/admin/funding",
        "/admin/funding",
        Caller::Role("administrator"),
    ),
    row(
        "/admin/marketing",
        "/admin/marketing",
        Caller::Role("administrator"),
    ),
    row(
        "/office/requests",
        "/office/requests",
        Caller::Role("privacy-officer"),
    ),
    row(
        "/office/requests/{id}",
        "/office/requests/00000000-0000-7000-8000-000000000000",
        Caller::RoleObject("privacy-officer"),
    ),
    row(
        "/office/holds",
        "/office/holds",
        Caller::Role("privacy-officer"),
    ),
    row(
        "/office/partners",
        "/office/partners",
        Caller::Role("privacy-officer"),
    ),
    row(
        "/office/breaches",
        "/office/breaches",
        Caller::Role("privacy-officer"),
    ),
    row(
        "/office/breaches/{id}",
        "/office/breaches/00000000-0000-7000-8000-000000000000",
        Caller::RoleObject("privacy-officer"),
    ),
    row(
        "/office/retention",
        "/office/retention",
        Caller::Role("privacy-officer"),
    ),
    row(
        "/office/audit",
        "/office/audit",
        Caller::Role("privacy-officer"),
    ),
    row("/office/processing", "/office/processing", OFFICE_AND_ADMIN),
];

/// How a handler's route is kept from other sites' forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// A read: `GET`, which changes nothing.
    Read,
    /// A state-changing request: refused unless the browser shows it comes from this site.
    SameOriginOnly,
    /// Authenticated by a signature in the request instead of a cookie, and sent by another
    /// party's server or a mail program (which send no `Origin`): the processor's webhook
    /// (an HMAC of the body) and the one-click unsubscribe of RFC 8058 (a signed token in
    /// the address). The only exceptions.
    Signed,
}

/// One route answered by a handler of the server itself (forms, downloads, the webhook),
/// outside the pages and the server functions.
#[derive(Debug, Clone, Copy)]
pub struct Handler {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The route, with `{name}` for each parameter (axum's spelling).
    pub path: &'static str,
    /// An address of the route on the kexara demo; objects named in it belong to nobody.
    pub example: &'static str,
    /// Who it acts for.
    pub caller: Caller,
    /// How it is kept from other sites' forms.
    pub forgery: Forgery,
}

const fn form(path: &'static str, example: &'static str, caller: Caller) -> Handler {
    Handler {
        method: "POST",
        path,
        example,
        caller,
        forgery: Forgery::SameOriginOnly,
    }
}

const fn download(path: &'static str, example: &'static str, caller: Caller) -> Handler {
    Handler {
        method: "GET",
        path,
        example,
        caller,
        forgery: Forgery::Read,
    }
}

/// Every route of the server's own handlers. `/signin` and `/signout` are last: the matrix
/// test ends each demo person's session with them.
pub const HANDLERS: &[Handler] = &[
    // Public forms.
    form("/register", "/register", Caller::Anyone),
    form("/verify", "/verify", Caller::Anyone),
    form("/verify/{token}", "/verify/made-up", Caller::Anyone),
    form("/signin/code", "/signin/code", Caller::Anyone),
    form("/reset", "/reset", Caller::Anyone),
    form("/reset/{token}", "/reset/made-up", Caller::Anyone),
    form("/guardian/{token}", "/guardian/made-up", Caller::Anyone),
    form("/cookies", "/cookies", Caller::Anyone),
    // Signed by their sender instead of a cookie.
    Handler {
        method: "POST",
        path: "/payments/webhook/{processor}",
        example: "/payments/webhook/sandbox",
        caller: Caller::Anyone,
        forgery: Forgery::Signed,
    },
    Handler {
        method: "POST",
        path: "/unsubscribe/{person}/{channel}/{token}",
        example: "/unsubscribe/00000000-0000-7000-8000-000000000000/email/made-up",
        caller: Caller::Anyone,
        forgery: Forgery::Signed,
    },
    // A signed-in person's own forms.
    form(
        "/account/policy-notice",
        "/account/policy-notice",
        Caller::SignedIn,
    ),
    form(
        "/account/privacy/access",
        "/account/privacy/access",
        Caller::SignedIn,
    ),
    form(
        "/account/privacy/correction",
        "/account/privacy/correction",
        Caller::SignedIn,
    ),
    form(
        "/account/privacy/restriction",
        "/account/privacy/restriction",
        Caller::SignedIn,
    ),
    form(
        "/account/privacy/erasure",
        "/account/privacy/erasure",
        Caller::SignedIn,
    ),
    form(
        "/account/privacy/consents/withdraw",
        "/account/privacy/consents/withdraw",
        Caller::SignedIn,
    ),
    form(
        "/account/privacy/marketing",
        "/account/privacy/marketing",
        Caller::SignedIn,
    ),
    form(
        "/account/second-step/start",
        "/account/second-step/start",
        Caller::SignedIn,
    ),
    form(
        "/account/second-step",
        "/account/second-step",
        Caller::SignedIn,
    ),
    form(
        "/account/second-step/off",
        "/account/second-step/off",
        Caller::SignedIn,
    ),
    form("/account/password", "/account/password", Caller::SignedIn),
    form("/support", "/support", Caller::SignedIn),
    form(
        "/courses/{slug}/checkout",
        "/courses/career-planning/checkout",
        Caller::SignedIn,
    ),
    form(
        "/courses/{slug}/enrol",
        "/courses/career-planning/enrol",
        Caller::SignedIn,
    ),
    form(
        "/tours/{slug}/book",
        "/tours/rockies-by-rail/book",
        Caller::SignedIn,
    ),
    // Someone's own object: the examples name objects nobody has.
    download(
        "/account/privacy/requests/{id}/data.zip",
        "/account/privacy/requests/00000000-0000-7000-8000-000000000000/data.zip",
        Caller::Owner,
    ),
    download(
        "/account/privacy/for/{minor}/requests/{id}/data.zip",
        "/account/privacy/for/00000000-0000-7000-8000-000000000000/requests/00000000-0000-7000-8000-000000000000/data.zip",
        Caller::Owner,
    ),
    form(
        "/account/privacy/for/{minor}/access",
        "/account/privacy/for/00000000-0000-7000-8000-000000000000/access",
        Caller::Owner,
    ),
    form(
        "/account/privacy/for/{minor}/erasure",
        "/account/privacy/for/00000000-0000-7000-8000-000000000000/erasure",
        Caller::Owner,
    ),
    download(
        "/certificates/{code}/pdf",
        "/certificates/MADE-UP/pdf",
        Caller::Owner,
    ),
    form(
        "/learn/{slug}/{position}",
        "/learn/data-protection-officer/1",
        Caller::Owner,
    ),
    form(
        "/learn/{slug}/quiz/{assessment}",
        "/learn/data-protection-officer/quiz/00000000-0000-7000-8000-000000000000",
        Caller::Owner,
    ),
    form(
        "/learn/{slug}/assignment/{assessment}",
        "/learn/data-protection-officer/assignment/00000000-0000-7000-8000-000000000000",
        Caller::Owner,
    ),
    form(
        "/learn/{slug}/survey/{survey}",
        "/learn/data-protection-officer/survey/00000000-0000-7000-8000-000000000000",
        Caller::Owner,
    ),
    form(
        "/learn/{slug}/certificate",
        "/learn/data-protection-officer/certificate",
        Caller::Owner,
    ),
    form(
        "/courses/{slug}/exam",
        "/courses/data-protection-officer/exam",
        Caller::Owner,
    ),
    form(
        "/courses/{slug}/comments",
        "/courses/data-protection-officer/comments",
        Caller::Owner,
    ),
    form(
        "/support/{ticket}/reply",
        "/support/00000000-0000-7000-8000-000000000000/reply",
        Caller::Owner,
    ),
    form(
        "/support/{ticket}/close",
        "/support/00000000-0000-7000-8000-000000000000/close",
        Caller::Owner,
    ),
    // Staff forms, one role each.
    form(
        "/finance/payments/{id}/refund",
        "/finance/payments/00000000-0000-7000-8000-000000000000/refund",
        Caller::RoleObject("finance"),
    ),
    form(
        "/teach/exams/import",
        "/teach/exams/import",
        Caller::Role("instructor"),
    ),
    form(
        "/teach/exams/{booking}",
        "/teach/exams/00000000-0000-7000-8000-000000000000",
        Caller::RoleObject("instructor"),
    ),
    form(
        "/teach/marking/{submission}",
        "/teach/marking/00000000-0000-7000-8000-000000000000",
        Caller::RoleObject("instructor"),
    ),
    form(
        "/moderation/{comment}",
        "/moderation/00000000-0000-7000-8000-000000000000",
        Caller::RoleObject("content-moderator"),
    ),
    form(
        "/tours/manage/{departure}/send",
        "/tours/manage/00000000-0000-7000-8000-000000000000/send",
        Caller::RoleObject("tour-coordinator"),
    ),
    form(
        "/admin/teaching/assign",
        "/admin/teaching/assign",
        Caller::Role("administrator"),
    ),
    form(
        "/admin/teaching/unassign",
        "/admin/teaching/unassign",
        Caller::Role("administrator"),
    ),
    form(
        "/admin/funding",
        "/admin/funding",
        Caller::Role("administrator"),
    ),
    form(
        "/admin/marketing",
        "/admin/marketing",
        Caller::Role("administrator"),
    ),
    form(
        "/office/requests/{id}/verify",
        "/office/requests/00000000-0000-7000-8000-000000000000/verify",
        Caller::RoleObject("privacy-officer"),
    ),
    form(
        "/office/requests/{id}/extend",
        "/office/requests/00000000-0000-7000-8000-000000000000/extend",
        Caller::RoleObject("privacy-officer"),
    ),
    form(
        "/office/requests/{id}/refuse",
        "/office/requests/00000000-0000-7000-8000-000000000000/refuse",
        Caller::RoleObject("privacy-officer"),
    ),
    form(
        "/office/requests/{id}/answer",
        "/office/requests/00000000-0000-7000-8000-000000000000/answer",
        Caller::RoleObject("privacy-officer"),
    ),
    form(
        "/office/holds",
        "/office/holds",
        Caller::Role("privacy-officer"),
    ),
    form(
        "/office/holds/{id}/release",
        "/office/holds/00000000-0000-7000-8000-000000000000/release",
        Caller::RoleObject("privacy-officer"),
    ),
    form(
        "/office/partners/forwarded/{id}/confirm",
        "/office/partners/forwarded/00000000-0000-7000-8000-000000000000/confirm",
        Caller::RoleObject("privacy-officer"),
    ),
    form(
        "/office/breaches",
        "/office/breaches",
        Caller::Role("privacy-officer"),
    ),
    form(
        "/office/breaches/{id}/notify",
        "/office/breaches/00000000-0000-7000-8000-000000000000/notify",
        Caller::RoleObject("privacy-officer"),
    ),
    form(
        "/office/breaches/{id}/reported",
        "/office/breaches/00000000-0000-7000-8000-000000000000/reported",
        Caller::RoleObject("privacy-officer"),
    ),
    form(
        "/office/retention/apply",
        "/office/retention/apply",
        Caller::Role("privacy-officer"),
    ),
    form(
        "/office/audit/checkpoint",
        "/office/audit/checkpoint",
        Caller::Role("privacy-officer"),
    ),
    // Last: these end the session they are sent with (signing in ends the browser's
    // session before it checks the password, so no session outlives a new sign-in).
    form("/signin", "/signin", Caller::Anyone),
    form("/signout", "/signout", Caller::Anyone),
];

/// Who the route `path` answers for a `method` request: the row of a server function (any
/// method), a handler of the server (same method) or a page (`GET`), with `{name}` in a row
/// matching any one segment. `None` for an address the portal does not have.
pub fn caller_of(method: &str, path: &str) -> Option<Caller> {
    if let Some(row) = SERVER_FUNCTIONS.iter().find(|row| row.path == path) {
        return Some(row.caller);
    }
    if let Some(handler) = HANDLERS
        .iter()
        .find(|handler| handler.method == method && route_matches(handler.path, path))
    {
        return Some(handler.caller);
    }
    if method != "GET" {
        return None;
    }
    PAGES
        .iter()
        .find(|row| route_matches(row.path, path))
        .map(|row| row.caller)
}

/// Whether `path` is an address of `route` (axum's spelling: `{name}` for one segment).
fn route_matches(route: &str, path: &str) -> bool {
    let mut wanted = route.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(want), Some(got)) => {
                let parameter = want.starts_with('{') && want.ends_with('}');
                if !(want == got || parameter && !got.is_empty()) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod route_tests {
    use super::{Caller, caller_of, route_matches};

    #[test]
    fn addresses_find_their_rows() {
        assert!(route_matches("/payments/{id}", "/payments/0199"));
        assert!(!route_matches("/payments/{id}", "/payments/"));
        assert!(!route_matches("/payments/{id}", "/payments/1/receipt"));
        assert!(route_matches("/", "/"));
        assert_eq!(caller_of("GET", "/nowhere/at/all"), None);
        assert_eq!(caller_of("GET", "/api/whoami"), Some(Caller::Anyone));
        assert_eq!(
            caller_of("GET", "/payments/00000000-0000-7000-8000-000000000000"),
            Some(Caller::Owner)
        );
    }
}
