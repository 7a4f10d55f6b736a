//! The published privacy policy, rendered from the deployed policy pack (every sentence comes
//! from a field of the pack, and carries its promise IDs), its version history, any earlier
//! version as it was published, and what changed between two versions.
//!
//! Every version a deployment has run is kept whole in the store (the server publishes the
//! active one at start); earlier versions are rendered from their own text, and "what
//! changed" is the policy layer's semantic diff, with what each change demands (nothing,
//! notice, fresh consent) and whom it affects.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;

pub use server_fns::{policy_changes, policy_version, policy_versions, published_policy};

/// One published version, as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRow {
    /// Its label.
    pub version: String,
    /// When this site first published it.
    pub published: String,
    /// The start of the SHA-256 of its text.
    pub fingerprint: String,
    /// Whether it is the one in force.
    pub current: bool,
}

/// One change between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// What changed, as a path in the policy (`cookie[kx_prefs].lifetime`).
    pub path: String,
    /// Added, removed, modified or reordered.
    pub kind: String,
    /// What it demands: editorial, needs notice, needs fresh consent.
    pub class: String,
    /// Whom it affects.
    pub audience: String,
    /// The old value.
    pub before: Option<String>,
    /// The new value.
    pub after: Option<String>,
}

/// What changed from one version to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesView {
    /// The older version.
    pub from: String,
    /// The newer version.
    pub to: String,
    /// Every change, in the policy's order.
    pub changes: Vec<ChangeRow>,
}

/// The `<article>` of a rendered policy document.
#[cfg(feature = "ssr")]
fn article_of(html: &str) -> String {
    let start = html.find("<article").unwrap_or(0);
    let end = html
        .rfind("</article>")
        .map_or(html.len(), |i| i + "</article>".len());
    html.get(start..end).unwrap_or_default().to_owned()
}

/// A published version's text as a policy; `NotFound` when it was never published.
#[cfg(feature = "ssr")]
async fn published(
    state: &crate::state::PortalState,
    version: &str,
) -> Result<pledge_policy::ValidPolicy, PortalError> {
    let pack = state.policy.policy().policy.id.to_string();
    let text = state
        .store
        .policy_document(&pack, version)
        .await?
        .ok_or_else(|| {
            crate::state::set_status(http::StatusCode::NOT_FOUND);
            PortalError::NotFound
        })?;
    pledge_policy::load(&format!("{pack} {version}"), &text).map_err(|error| {
        leptos::logging::error!("published policy {pack} {version} no longer loads: {error}");
        PortalError::Unavailable
    })
}

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The policy in force as HTML (the renderer escapes every value). Public.
    ///
    /// # Errors
    /// [`PortalError::Unavailable`] when the server is miswired.
    #[server(endpoint = "published-policy", input = GetUrl)]
    pub async fn published_policy() -> Result<String, PortalError> {
        let state = crate::state::portal_state()?;
        Ok(article_of(
            &pledge_policy::render::privacy_policy(&state.policy).to_html(),
        ))
    }

    /// Every version this site has published, newest first. Public.
    ///
    /// # Errors
    /// [`PortalError::Unavailable`] when the store fails.
    #[server(endpoint = "policy-versions", input = GetUrl)]
    pub async fn policy_versions() -> Result<Vec<VersionRow>, PortalError> {
        let state = crate::state::portal_state()?;
        let info = &state.policy.policy().policy;
        let versions = state.store.policy_versions(&info.id.to_string()).await?;
        Ok(versions
            .into_iter()
            .map(|v| VersionRow {
                current: v.version == info.version,
                published: crate::state::minute(v.published_at),
                fingerprint: v.sha256.chars().take(12).collect(),
                version: v.version,
            })
            .collect())
    }

    /// An earlier (or the current) version as it was published, as HTML. Public.
    ///
    /// # Errors
    /// [`PortalError::NotFound`] for a version never published; store failures.
    #[server(endpoint = "policy-version", input = GetUrl)]
    pub async fn policy_version(version: String) -> Result<String, PortalError> {
        let state = crate::state::portal_state()?;
        let policy = published(&state, &version).await?;
        Ok(article_of(
            &pledge_policy::render::privacy_policy(&policy).to_html(),
        ))
    }

    /// What changed from version `from` to version `to`. Public.
    ///
    /// # Errors
    /// [`PortalError::NotFound`] for a version never published; store failures.
    #[server(endpoint = "policy-changes", input = GetUrl)]
    pub async fn policy_changes(from: String, to: String) -> Result<ChangesView, PortalError> {
        let state = crate::state::portal_state()?;
        let old = published(&state, &from).await?;
        let new = published(&state, &to).await?;
        let diff = pledge_policy::diff::diff(old.policy(), new.policy());
        Ok(ChangesView {
            from,
            to,
            changes: diff
                .changes
                .into_iter()
                .map(|c| ChangeRow {
                    path: c.path,
                    kind: format!("{:?}", c.kind).to_lowercase(),
                    class: c.class.to_string(),
                    audience: c
                        .audience
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        })
    }
}

/// `/privacy`: the privacy policy the portal keeps.
#[component]
pub fn PolicyPage() -> impl IntoView {
    let policy = Resource::new_blocking(|| (), |()| published_policy());
    view! {
        <p class="hint"><a href="/privacy/versions">"Earlier versions and what changed"</a></p>
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

/// `/privacy/versions`: every version published, with links to each and to what changed.
#[component]
pub fn PolicyVersionsPage() -> impl IntoView {
    let versions = Resource::new_blocking(|| (), |()| policy_versions());
    view! {
        <h1>"Versions of this privacy policy"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match versions.await {
                    Ok(list) => versions_table(list).into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn versions_table(list: Vec<VersionRow>) -> impl IntoView {
    let older: Vec<Option<String>> = list
        .iter()
        .skip(1)
        .map(|v| Some(v.version.clone()))
        .chain([None])
        .collect();
    view! {
        <table class="policy-versions">
            <thead><tr><th>"Version"</th><th>"Published here"</th><th>"Fingerprint"</th><th>"Changes"</th></tr></thead>
            <tbody>
                {list
                    .into_iter()
                    .zip(older)
                    .map(|(row, previous)| {
                        let link = format!("/privacy/versions/{}", row.version);
                        let label = if row.current { format!("{} (in force)", row.version) } else { row.version.clone() };
                        let changes = previous.map(|from| {
                            let href = format!("/privacy/changes?from={from}&to={}", row.version);
                            view! { <a href=href>{format!("What changed since {from}")}</a> }
                        });
                        view! {
                            <tr>
                                <td><a href=link>{label}</a></td>
                                <td>{row.published}</td>
                                <td><code>{row.fingerprint}</code></td>
                                <td>{changes}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// `/privacy/versions/{version}`: one version as it was published.
#[component]
pub fn PolicyVersionPage() -> impl IntoView {
    let params = use_params_map();
    let version = move || params.read().get("version").unwrap_or_default();
    let found = Resource::new_blocking(version, policy_version);
    view! {
        <p class="hint"><a href="/privacy/versions">"All versions"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(html) => view! { <div class="policy" inner_html=html></div> }.into_any(),
                    Err(PortalError::NotFound) => view! {
                        <h1>"No such version"</h1>
                        <p>"This site never published a policy version by that name."</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/privacy/changes?from=…&to=…`: what changed between two published versions.
#[component]
pub fn PolicyChangesPage() -> impl IntoView {
    let query = use_query_map();
    let versions = move || {
        let q = query.read();
        (
            q.get("from").unwrap_or_default(),
            q.get("to").unwrap_or_default(),
        )
    };
    let found = Resource::new_blocking(versions, |(from, to)| policy_changes(from, to));
    view! {
        <p class="hint"><a href="/privacy/versions">"All versions"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(view) => changes_table(view).into_any(),
                    Err(PortalError::NotFound) => view! {
                        <h1>"No such versions"</h1>
                        <p>"Choose two versions from " <a href="/privacy/versions">"the list"</a> "."</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn changes_table(view: ChangesView) -> impl IntoView {
    let title = format!("What changed from {} to {}", view.from, view.to);
    if view.changes.is_empty() {
        return view! { <h1>{title}</h1> <p>"Nothing: the two versions say the same."</p> }
            .into_any();
    }
    view! {
        <h1>{title}</h1>
        <table class="policy-changes">
            <thead><tr><th>"What"</th><th>"Change"</th><th>"Before"</th><th>"After"</th><th>"What it means"</th><th>"Who it affects"</th></tr></thead>
            <tbody>
                {view
                    .changes
                    .into_iter()
                    .map(|c| view! {
                        <tr>
                            <td><code>{c.path}</code></td>
                            <td>{c.kind}</td>
                            <td>{c.before.map(|b| view! { <code>{b}</code> })}</td>
                            <td>{c.after.map(|a| view! { <code>{a}</code> })}</td>
                            <td>{c.class}</td>
                            <td>{c.audience}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
