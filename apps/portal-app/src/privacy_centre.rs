//! The privacy centre (`/account/privacy`), for the signed-in person about themselves: what
//! the portal holds about them, by the policy's categories, with the purposes each serves
//! (and on what basis) and how long it is kept; their requests with deadlines and status,
//! with a copy of their data to download once an access request is answered; and their
//! consent history. Everything comes from the policy and the store's declarations, nothing is
//! written into the page by hand.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{FormMessage, use_outcome};

pub use server_fns::privacy_overview;

/// A category of the policy the portal holds records of for this person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldCategory {
    /// Its name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// The purposes it serves, each with its legal basis.
    pub purposes: Vec<String>,
    /// How long it is kept, per retention rule.
    pub kept: Vec<String>,
    /// Where it is: the kind of record and how many.
    pub records: Vec<(String, u64)>,
}

/// A data-subject request, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRow {
    /// Its id.
    pub id: String,
    /// Which right (`access`).
    pub right: String,
    /// Where it stands.
    pub status: String,
    /// When it was received.
    pub received: String,
    /// When it must be answered.
    pub due: String,
    /// Days left until then (negative once overdue), while it is open.
    pub days_left: Option<i64>,
    /// Where to download the data, for an answered access request.
    pub download: Option<String>,
}

/// One consent event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRow {
    /// What it is about, in words.
    pub what: String,
    /// Given or withdrawn.
    pub given: bool,
    /// How it was given.
    pub how: String,
    /// The policy version then.
    pub version: String,
    /// When.
    pub when: String,
}

/// Everything the privacy centre shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyCentreView {
    /// What is held, by category.
    pub held: Vec<HeldCategory>,
    /// Their requests, newest first.
    pub requests: Vec<RequestRow>,
    /// Their consent history, newest first.
    pub consents: Vec<ConsentRow>,
    /// The policy's deadline for an access request, in words (`30 days`), if it offers one.
    pub access_deadline: Option<String>,
}

#[cfg(feature = "ssr")]
fn held(
    policy: &pledge_policy::ValidPolicy,
    holdings: &[pledge_store::privacy::Holding],
) -> Vec<HeldCategory> {
    let p = policy.policy();
    p.categories
        .iter()
        .filter_map(|category| {
            let records: Vec<(String, u64)> = holdings
                .iter()
                .filter(|h| h.categories.contains(&category.id))
                .map(|h| (h.title.to_owned(), h.records))
                .collect();
            if records.is_empty() {
                return None;
            }
            Some(HeldCategory {
                name: category.name.clone(),
                description: category.description.clone(),
                purposes: p
                    .purposes
                    .iter()
                    .filter(|purpose| purpose.categories.contains(&category.id))
                    .map(|purpose| match purpose.basis {
                        Some(basis) => format!("{} ({})", purpose.name, basis.plain_words()),
                        None => purpose.name.clone(),
                    })
                    .collect(),
                kept: p
                    .retention
                    .iter()
                    .filter(|rule| rule.categories.contains(&category.id))
                    .map(|rule| {
                        format!(
                            "{}: {}",
                            rule.name,
                            pledge_policy::lint::describe_clock(&rule.clock)
                        )
                    })
                    .collect(),
                records,
            })
        })
        .collect()
}

#[cfg(feature = "ssr")]
fn consent_what(policy: &pledge_policy::ValidPolicy, purpose: &str) -> String {
    if let Some(category) = purpose
        .strip_prefix("cookies:")
        .and_then(pledge_consent::cookies::category_named)
    {
        return format!("{} cookies", category.plain_words());
    }
    policy
        .policy()
        .purposes
        .iter()
        .find(|p| p.id.to_string() == purpose)
        .map_or_else(|| purpose.to_owned(), |p| p.name.clone())
}

#[cfg(feature = "ssr")]
fn request_row(view: pledge_store::requests::RequestView, now: time::OffsetDateTime) -> RequestRow {
    use pledge_policy::model::RightKind;
    use pledge_store::requests::RequestStatus;
    let open = matches!(view.status, RequestStatus::Open | RequestStatus::Extended);
    let answered_access = view.status == RequestStatus::Completed && view.kind == RightKind::Access;
    RequestRow {
        id: view.id.to_string(),
        right: view.kind.request_noun().to_owned(),
        status: match view.status {
            RequestStatus::Open => "being answered",
            RequestStatus::Extended => "extended (we told you why)",
            RequestStatus::Completed => "answered",
            RequestStatus::Refused => "refused (we told you why)",
        }
        .to_owned(),
        received: crate::state::minute(view.received_at),
        due: crate::state::minute(view.due_at),
        days_left: open.then(|| view.days_left(now)),
        download: answered_access
            .then(|| format!("/account/privacy/requests/{}/data.zip", view.id)),
    }
}

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The privacy centre of the signed-in person, about themselves only.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; store failures.
    #[server(endpoint = "privacy-overview", input = GetUrl)]
    pub async fn privacy_overview() -> Result<PrivacyCentreView, PortalError> {
        let session = crate::state::require_viewer("/account/privacy")?;
        let state = crate::state::portal_state()?;
        let policy = &state.policy;
        let now = crate::state::now();
        let holdings = state.store.holdings(policy, session.person).await?;
        let requests = state.store.requests_for(session.person).await?;
        let consents = state
            .store
            .consent_history(policy, session.person, now)
            .await?;
        let access_deadline = policy
            .policy()
            .rights
            .iter()
            .find(|r| r.kind == pledge_policy::model::RightKind::Access)
            .and_then(|r| r.deadline)
            .map(|d| d.to_string());
        Ok(PrivacyCentreView {
            held: held(policy, &holdings),
            requests: requests.into_iter().map(|r| request_row(r, now)).collect(),
            consents: consents
                .into_iter()
                .map(|c| ConsentRow {
                    what: consent_what(policy, &c.purpose),
                    given: c.given,
                    how: c.method.replace('-', " "),
                    version: c.policy_version,
                    when: crate::state::minute(c.recorded_at),
                })
                .collect(),
            access_deadline,
        })
    }
}

/// `/account/privacy`: the privacy centre.
#[component]
pub fn PrivacyCentrePage() -> impl IntoView {
    let asked = use_query_map().get_untracked().get("requested").is_some();
    let outcome = use_outcome();
    let overview = Resource::new_blocking(|| (), |()| privacy_overview());
    view! {
        <h1>"Your privacy"</h1>
        {asked.then(|| view! { <p class="notice" role="status">"Your request is recorded. Its deadline and status are below."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match overview.await {
                    Ok(overview) => view! {
                        <FormMessage outcome/>
                        <Requests overview=overview.clone()/>
                        <Held held=overview.held.clone()/>
                        <Consents consents=overview.consents/>
                    }
                    .into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/account/privacy">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The person's requests, and the form that asks for a copy of their data.
#[component]
fn Requests(overview: PrivacyCentreView) -> impl IntoView {
    let deadline = overview
        .access_deadline
        .map(|d| format!("We answer within {d}; a request made here is answered at once."));
    view! {
        <section class="privacy-requests">
            <h2>"Your data and your requests"</h2>
            <form method="post" action="/account/privacy/access" class="inline-form">
                <p>"Download a copy of everything we hold about you (a ZIP of JSON and CSV files). " {deadline}</p>
                <button type="submit">"Ask for a copy of my data"</button>
            </form>
            {(!overview.requests.is_empty()).then(|| view! {
                <table class="requests">
                    <thead><tr><th>"Request"</th><th>"Received"</th><th>"Due"</th><th>"Status"</th><th></th></tr></thead>
                    <tbody>
                        {overview.requests.into_iter().map(|r| {
                            let left = r.days_left.map(|days| match days {
                                d if d < 0 => format!(" (overdue by {} days)", -d),
                                0 => " (due today)".to_owned(),
                                d => format!(" ({d} days left)"),
                            });
                            view! {
                                <tr>
                                    <td>{r.right}</td>
                                    <td>{r.received}</td>
                                    <td>{r.due}{left}</td>
                                    <td>{r.status}</td>
                                    <td>{r.download.map(|href| view! { <a href=href class="download">"Download your data"</a> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}

/// What is held, by category.
#[component]
fn Held(held: Vec<HeldCategory>) -> impl IntoView {
    view! {
        <section class="privacy-held">
            <h2>"What we hold about you"</h2>
            <table class="held">
                <thead><tr><th>"Data"</th><th>"Records"</th><th>"Used for"</th><th>"Kept"</th></tr></thead>
                <tbody>
                    {held.into_iter().map(|c| view! {
                        <tr>
                            <td><strong>{c.name}</strong><br/><span class="hint">{c.description}</span></td>
                            <td>{c.records.into_iter().map(|(title, n)| view! { <div>{format!("{title}: {n}")}</div> }).collect_view()}</td>
                            <td>{c.purposes.join("; ")}</td>
                            <td>{c.kept.join("; ")}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The consent history.
#[component]
fn Consents(consents: Vec<ConsentRow>) -> impl IntoView {
    view! {
        <section class="privacy-consents">
            <h2>"Your consents"</h2>
            <p class="hint">"Cookie choices can be changed in " <a href="/cookies">"cookie settings"</a> "."</p>
            {if consents.is_empty() {
                view! { <p>"You have not given or withdrawn any consent yet."</p> }.into_any()
            } else {
                view! {
                    <table class="consents">
                        <thead><tr><th>"When"</th><th>"About"</th><th>"Decision"</th><th>"How"</th><th>"Policy version"</th></tr></thead>
                        <tbody>
                            {consents.into_iter().map(|c| view! {
                                <tr>
                                    <td>{c.when}</td>
                                    <td>{c.what}</td>
                                    <td>{if c.given { "given" } else { "withdrawn" }}</td>
                                    <td>{c.how}</td>
                                    <td>{c.version}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
