//! The published privacy policy, rendered from the deployed policy pack (every sentence comes
//! from a field of the pack, and carries its promise IDs).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::PortalError;

pub use server_fns::published_policy;

/// The policy page's server function.
#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The policy as HTML (the renderer escapes every value). Public.
    ///
    /// # Errors
    /// [`PortalError::Unavailable`] when the server is miswired.
    #[server(endpoint = "published-policy", input = GetUrl)]
    pub async fn published_policy() -> Result<String, PortalError> {
        let state = crate::state::portal_state()?;
        let html = pledge_policy::render::privacy_policy(&state.policy).to_html();
        let start = html.find("<article").unwrap_or(0);
        let end = html
            .rfind("</article>")
            .map_or(html.len(), |i| i + "</article>".len());
        Ok(html.get(start..end).unwrap_or_default().to_owned())
    }
}

/// `/privacy`: the privacy policy the portal keeps.
#[component]
pub fn PolicyPage() -> impl IntoView {
    let policy = Resource::new_blocking(|| (), |()| published_policy());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match policy.await {
                    Ok(html) => view! { <div class="policy" inner_html=html></div> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
