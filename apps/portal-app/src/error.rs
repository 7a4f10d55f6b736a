//! The one error type every server function answers with, and the one place that turns the
//! store's errors into it: people are told what they can do about a problem, never what broke
//! inside (that goes to the server's log).

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

/// What a server function tells the browser when it cannot do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PortalError {
    /// The request itself was not acceptable; the text says why, in words for the person.
    #[error("{0}")]
    Invalid(String),
    /// There is nothing at this address.
    #[error("not found")]
    NotFound,
    /// Something failed on the server; details are in its log.
    #[error("something went wrong on our side; please try again in a moment")]
    Unavailable,
    /// The request did not reach the function as sent (bad encoding, lost connection).
    #[error("the request could not be completed: {0}")]
    Transport(String),
}

impl FromServerFnError for PortalError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<pledge_store::StoreError> for PortalError {
    fn from(error: pledge_store::StoreError) -> Self {
        match error {
            pledge_store::StoreError::Invalid(reason) => Self::Invalid(reason.to_owned()),
            other => {
                leptos::logging::error!("store error: {other}");
                Self::Unavailable
            }
        }
    }
}
