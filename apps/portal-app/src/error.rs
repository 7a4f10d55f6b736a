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
    /// The page or function needs a signed-in person.
    #[error("please sign in first")]
    SignInRequired,
    /// The signed-in person may not do this.
    #[error("you are not allowed to do this")]
    Forbidden,
    /// Something failed on the server; details are in its log.
    #[error("something went wrong on our side; please try again in a moment")]
    Unavailable,
    /// The request did not reach the function as sent (bad encoding, lost connection).
    #[error("the request could not be completed: {0}")]
    Transport(String),
}

impl FromServerFnError for PortalError {
    type Encoder = JsonEncoding;

    /// A call that did not arrive as sent (bad or missing arguments, a lost connection) is
    /// [`PortalError::Transport`]; a failure to run the function or build its answer is ours,
    /// [`PortalError::Unavailable`] (a server error, not the caller's mistake).
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::ServerError(_)
            | ServerFnErrorErr::MiddlewareError(_)
            | ServerFnErrorErr::Response(_) => {
                leptos::logging::error!("server function failed: {value}");
                Self::Unavailable
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<pledge_store::StoreError> for PortalError {
    fn from(error: pledge_store::StoreError) -> Self {
        match error {
            pledge_store::StoreError::Invalid(reason) => Self::Invalid(reason.to_owned()),
            pledge_store::StoreError::NotTeaching => Self::Forbidden,
            pledge_store::StoreError::NoSuchCourse => Self::NotFound,
            refusal @ (pledge_store::StoreError::Refused(_)
            | pledge_store::StoreError::LinkInvalid
            | pledge_store::StoreError::SignInRefused
            | pledge_store::StoreError::EmailNotVerified
            | pledge_store::StoreError::AwaitingGuardian
            | pledge_store::StoreError::BelowMinimumAge { .. }
            | pledge_store::StoreError::PaymentRequired
            | pledge_store::StoreError::NotEnrolled
            | pledge_store::StoreError::Restricted(_)
            | pledge_store::StoreError::ModuleDisabled(_)) => {
                Self::Invalid(capitalised(&refusal.to_string()))
            }
            other => {
                leptos::logging::error!("store error: {other}");
                Self::Unavailable
            }
        }
    }
}

/// `text` with its first letter upper-cased, as a sentence on a page starts.
#[cfg(feature = "ssr")]
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        let sentence: String = first.to_uppercase().chain(chars).collect();
        if sentence.ends_with('.') {
            sentence
        } else {
            sentence + "."
        }
    })
}
