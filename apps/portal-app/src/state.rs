//! What the server gives every page render and server function: the open store and the
//! deployed policy.

use std::sync::Arc;

use leptos::prelude::use_context;
use pledge_policy::ValidPolicy;
use pledge_store::Store;

use crate::PortalError;

/// The portal's shared state on the server.
#[derive(Clone, Debug)]
pub struct PortalState {
    /// The store, on SQLite or PostgreSQL.
    pub store: Store,
    /// The policy pack the portal keeps the promises of.
    pub policy: Arc<ValidPolicy>,
}

/// The state provided to the current request.
///
/// # Errors
/// [`PortalError::Unavailable`] when the server was started without it (a wiring fault).
pub fn portal_state() -> Result<PortalState, PortalError> {
    use_context::<PortalState>().ok_or_else(|| {
        leptos::logging::error!("the portal state was not provided to this request");
        PortalError::Unavailable
    })
}

/// The session of the person making this request, if they are signed in (the server's session
/// layer puts it on the request).
pub fn viewer() -> Option<pledge_store::accounts::ActiveSession> {
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<pledge_store::accounts::ActiveSession>()
            .cloned()
    })
}

/// The signed-in person's session, or a redirect to the sign-in page that comes back to `next`.
///
/// # Errors
/// [`PortalError::SignInRequired`] without a session.
pub fn require_viewer(next: &str) -> Result<pledge_store::accounts::ActiveSession, PortalError> {
    viewer().ok_or_else(|| {
        leptos_axum::redirect(&format!("/signin?next={next}"));
        PortalError::SignInRequired
    })
}

/// The signed-in person if they hold `role`; otherwise a redirect to sign in (coming back to
/// `next`) or a 403.
///
/// # Errors
/// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
pub fn require_role(
    next: &str,
    role: pledge_domain::Role,
) -> Result<pledge_store::accounts::ActiveSession, PortalError> {
    let session = require_viewer(next)?;
    if session.has(role) {
        Ok(session)
    } else {
        set_status(http::StatusCode::FORBIDDEN);
        Err(PortalError::Forbidden)
    }
}

/// The signed-in person if they hold any of `roles`; otherwise a redirect to sign in (coming
/// back to `next`) or a 403.
///
/// # Errors
/// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
pub fn require_any_role(
    next: &str,
    roles: &[pledge_domain::Role],
) -> Result<pledge_store::accounts::ActiveSession, PortalError> {
    let session = require_viewer(next)?;
    if roles.iter().any(|role| session.has(*role)) {
        Ok(session)
    } else {
        set_status(http::StatusCode::FORBIDDEN);
        Err(PortalError::Forbidden)
    }
}

/// The current time. The only clock the portal's pages read.
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// The signed-in person's own email address, read (and audited) for `account` purposes.
///
/// # Errors
/// Store failures, as [`PortalError`].
pub async fn own_email(
    state: &PortalState,
    person: pledge_domain::PersonId,
) -> Result<String, PortalError> {
    let purpose = pledge_domain::PurposeId::new("account").map_err(|_| PortalError::Unavailable)?;
    let me = state
        .store
        .read_person(person, state.store.audit().actor(person), purpose, now())
        .await?;
    Ok(me.email)
}

/// The day of `at` in words, in UTC, as a date to act by is written: `6 January 2027`.
pub fn day(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {} {}", at.day(), at.month(), at.year())
}

/// `at` to the minute, as pages and email show times: `2026-12-02 14:05 UTC`.
pub fn minute(at: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// Sets the status of the response being rendered (a page that refuses or finds nothing).
pub fn set_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// The name of the partner `id` of `policy`, or the id itself when the policy has no such
/// partner.
pub fn partner_name(policy: &pledge_policy::ValidPolicy, id: &str) -> String {
    policy
        .policy()
        .partners
        .iter()
        .find(|partner| partner.id.to_string() == id)
        .map_or_else(|| id.to_owned(), |partner| partner.name.clone())
}
