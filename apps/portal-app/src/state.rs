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
