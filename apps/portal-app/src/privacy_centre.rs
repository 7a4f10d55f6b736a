//! The privacy centre (`/account/privacy`), for the signed-in person about themselves: what
//! the portal holds about them, by the policy's categories, with the purposes each serves
//! (and on what basis) and how long it is kept; their requests with deadlines and status,
//! with a copy of their data to download once an access request is answered; and their
//! consent history. Everything comes from the policy and the store's declarations, nothing is
//! written into the page by hand.
//!
//! The centre shows the newest requests and consent changes ([`RECENT_REQUESTS`],
//! [`RECENT_CONSENTS`]), so that it stays quick for someone with a long history; the whole
//! history is one link away, at `/account/privacy/history`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{FormMessage, use_outcome};

pub use server_fns::{erasure_preview, privacy_history, privacy_overview};

/// How many requests the privacy centre lists, newest first; the rest are on the history page.
pub const RECENT_REQUESTS: usize = 10;
/// How many consent changes the privacy centre lists, newest first.
pub const RECENT_CONSENTS: usize = 20;

/// The whole history: every request and every consent change, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyHistoryView {
    /// Every request.
    pub requests: Vec<RequestRow>,
    /// Every consent change.
    pub consents: Vec<ConsentRow>,
}

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

/// A consent in force, with how to withdraw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentInForceRow {
    /// The stored purpose (the withdrawal form's field).
    pub purpose: String,
    /// What it is about, in words.
    pub what: String,
    /// Since when.
    pub since: String,
    /// Where it is withdrawn: `None` here (a purpose), or the page that controls it (cookie
    /// settings, the marketing choices).
    pub elsewhere: Option<String>,
}

/// A policy version the person accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedRow {
    /// The version.
    pub version: String,
    /// How: at sign-up, by continued use after notice, explicitly.
    pub how: String,
    /// When.
    pub when: String,
}

/// Everything the privacy centre shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyCentreView {
    /// What is held, by category.
    pub held: Vec<HeldCategory>,
    /// Their newest requests, newest first (at most [`RECENT_REQUESTS`]).
    pub requests: Vec<RequestRow>,
    /// How many requests they made in all.
    pub requests_total: usize,
    /// Their newest consent changes, newest first (at most [`RECENT_CONSENTS`]).
    pub consents: Vec<ConsentRow>,
    /// How many consent changes there are in all.
    pub consents_total: usize,
    /// The consents they have in force.
    pub in_force: Vec<ConsentInForceRow>,
    /// The policy versions they accepted, newest first.
    pub accepted: Vec<AcceptedRow>,
    /// The policy's deadline for an access request, in words (`30 days`), if it offers one.
    pub access_deadline: Option<String>,
    /// The rights the policy offers, as request nouns (`correction`, `deletion`, `restriction`).
    pub offered: Vec<String>,
    /// The policy's purposes, (id, name), for a restriction request.
    pub purposes: Vec<(String, String)>,
    /// Marketing choices per channel, where the policy markets at all.
    pub marketing: Option<crate::marketing::MarketingPreferences>,
    /// The young people this person is the confirmed guardian of (K44).
    pub wards: Vec<WardView>,
}

/// A young person a guardian acts for, as the guardian's privacy centre shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardView {
    /// Their id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their requests, with the copy's download address for the guardian.
    pub requests: Vec<RequestRow>,
}

/// What erasing the signed-in person would do, shown before they ask (J37).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasurePlanView {
    /// Records deleted: (what, how many).
    pub deleted: Vec<(String, u64)>,
    /// Records that outlive the erasure: (what, how many, what happens, why).
    pub exceptions: Vec<(String, u64, String, String)>,
    /// Partners who are told, by name.
    pub partners: Vec<String>,
    /// What stops working.
    pub effects: Vec<String>,
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

/// What a stored consent purpose (`cookies:analytics`, `marketing:email`, a purpose's id) is
/// about, in the policy's words.
#[cfg(feature = "ssr")]
pub fn consent_what(policy: &pledge_policy::ValidPolicy, purpose: &str) -> String {
    if let Some(category) = purpose
        .strip_prefix("cookies:")
        .and_then(pledge_consent::cookies::category_named)
    {
        return format!("{} cookies", category.plain_words());
    }
    if let Some(channel) = purpose
        .strip_prefix("marketing:")
        .and_then(pledge_store::marketing::channel_named)
    {
        return format!("News and offers by {}", channel.plain_words());
    }
    policy
        .policy()
        .purposes
        .iter()
        .find(|p| p.id.to_string() == purpose)
        .map_or_else(|| purpose.to_owned(), |p| p.name.clone())
}

#[cfg(feature = "ssr")]
fn in_force_row(
    policy: &pledge_policy::ValidPolicy,
    consent: pledge_store::consents::ConsentInForce,
) -> ConsentInForceRow {
    let elsewhere = if consent.purpose.starts_with("cookies:") {
        Some("/cookies".to_owned())
    } else if consent.purpose.starts_with("marketing:") {
        Some("#marketing".to_owned())
    } else {
        None
    };
    ConsentInForceRow {
        what: consent_what(policy, &consent.purpose),
        since: crate::state::minute(consent.given_at),
        purpose: consent.purpose,
        elsewhere,
    }
}

/// A consent event as its owner reads it.
#[cfg(feature = "ssr")]
fn consent_row(
    policy: &pledge_policy::ValidPolicy,
    event: pledge_store::privacy::ConsentRecord,
) -> ConsentRow {
    ConsentRow {
        what: consent_what(policy, &event.purpose),
        given: event.given,
        how: event.method.replace('-', " "),
        version: event.policy_version,
        when: crate::state::minute(event.recorded_at),
    }
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

/// The young people `guardian` acts for, each with their requests (the copy of an answered
/// access request downloaded through the guardian's own address).
#[cfg(feature = "ssr")]
async fn wards_of(
    state: &crate::state::PortalState,
    guardian: pledge_domain::PersonId,
    now: time::OffsetDateTime,
) -> Result<Vec<WardView>, PortalError> {
    let mut wards = Vec::new();
    for ward in state.store.wards_of(&state.policy, guardian, now).await? {
        let id = ward.person.as_uuid().to_string();
        let requests = state
            .store
            .requests_for(ward.person)
            .await?
            .into_iter()
            .map(|r| {
                let mut row = request_row(r, now);
                row.download = row
                    .download
                    .map(|_| format!("/account/privacy/for/{id}/requests/{}/data.zip", row.id));
                row
            })
            .collect();
        wards.push(WardView {
            id,
            name: ward.name,
            requests,
        });
    }
    Ok(wards)
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
        let requests_total = requests.len();
        let consents = state
            .store
            .consent_history(policy, session.person, now)
            .await?;
        let consents_total = consents.len();
        let access_deadline = policy
            .policy()
            .rights
            .iter()
            .find(|r| r.kind == pledge_policy::model::RightKind::Access)
            .and_then(|r| r.deadline)
            .map(|d| d.to_string());
        let p = policy.policy();
        Ok(PrivacyCentreView {
            offered: p
                .rights
                .iter()
                .map(|r| r.kind.request_noun().to_owned())
                .collect(),
            purposes: p
                .purposes
                .iter()
                .map(|purpose| (purpose.id.to_string(), purpose.name.clone()))
                .collect(),
            held: held(policy, &holdings),
            in_force: state
                .store
                .consents_in_force(session.person, now)
                .await?
                .into_iter()
                .map(|c| in_force_row(policy, c))
                .collect(),
            accepted: state
                .store
                .accepted_versions(session.person)
                .await?
                .into_iter()
                .map(|a| AcceptedRow {
                    version: a.version,
                    how: a.method.replace('-', " "),
                    when: crate::state::minute(a.accepted_at),
                })
                .collect(),
            marketing: crate::marketing::preferences_of(&state, session.person).await?,
            wards: wards_of(&state, session.person, now).await?,
            requests: requests
                .into_iter()
                .rev()
                .take(RECENT_REQUESTS)
                .map(|r| request_row(r, now))
                .collect(),
            requests_total,
            consents: consents
                .into_iter()
                .take(RECENT_CONSENTS)
                .map(|c| consent_row(policy, c))
                .collect(),
            consents_total,
            access_deadline,
        })
    }

    /// Every request and consent change of the signed-in person, newest first. About
    /// themselves only.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; store failures.
    #[server(endpoint = "privacy-history", input = GetUrl)]
    pub async fn privacy_history() -> Result<PrivacyHistoryView, PortalError> {
        let session = crate::state::require_viewer("/account/privacy/history")?;
        let state = crate::state::portal_state()?;
        let policy = &state.policy;
        let now = crate::state::now();
        let requests = state.store.requests_for(session.person).await?;
        let consents = state
            .store
            .consent_history(policy, session.person, now)
            .await?;
        Ok(PrivacyHistoryView {
            requests: requests
                .into_iter()
                .rev()
                .map(|r| request_row(r, now))
                .collect(),
            consents: consents
                .into_iter()
                .map(|c| consent_row(policy, c))
                .collect(),
        })
    }

    /// What erasing the signed-in person would do: what goes, what stays and why, who is
    /// told, what stops working (J37). About themselves only.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; store failures.
    #[server(endpoint = "erasure-preview", input = GetUrl)]
    pub async fn erasure_preview() -> Result<ErasurePlanView, PortalError> {
        let session = crate::state::require_viewer("/account/privacy/erasure")?;
        let state = crate::state::portal_state()?;
        let policy = &state.policy;
        let plan = state.store.erasure_plan(session.person, policy).await?;
        Ok(ErasurePlanView {
            deleted: plan
                .deleted
                .iter()
                .map(|t| (t.title.to_owned(), t.rows))
                .collect(),
            exceptions: plan
                .exceptions
                .iter()
                .map(|t| {
                    (
                        t.title.to_owned(),
                        t.rows,
                        t.treatment.to_owned(),
                        t.reason.clone(),
                    )
                })
                .collect(),
            partners: plan
                .partners
                .iter()
                .map(|id| crate::state::partner_name(policy, id))
                .collect(),
            effects: plan.effects.iter().map(|e| (*e).to_owned()).collect(),
        })
    }
}

/// A text box with its label and, after a refusal, its problem next to it and what was typed.
fn text_box(
    outcome: &crate::forms::FormOutcome,
    name: &'static str,
    label: &'static str,
) -> impl IntoView + use<> {
    let id = format!("field-{name}");
    let problem = outcome.problem(name);
    let problem_id = problem.as_ref().map(|_| format!("{id}-problem"));
    view! {
        <div class="field" class:invalid=problem.is_some()>
            <label for=id.clone()>{label}</label>
            {problem.clone().map(|text| view! { <p class="problem" id=problem_id.clone()>{text}</p> })}
            <textarea id=id name=name rows="3" maxlength="2000" aria-describedby=problem_id.clone() aria-invalid=problem.is_some().then_some("true")>{outcome.value(name)}</textarea>
        </div>
    }
}

/// `/account/privacy`: the privacy centre.
#[component]
pub fn PrivacyCentrePage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let asked = query.get("requested").is_some();
    let marketing_saved = query.get("marketing").is_some();
    let withdrawn = query.get("withdrawn").is_some();
    let outcome = use_outcome();
    let overview = Resource::new_blocking(|| (), |()| privacy_overview());
    view! {
        <h1>"Your privacy"</h1>
        {asked.then(|| view! { <p class="notice" role="status">"Your request is recorded. Its deadline and status are below."</p> })}
        {marketing_saved.then(|| view! { <p class="notice" role="status">"Your marketing choices are saved."</p> })}
        {withdrawn.then(|| view! { <p class="notice" role="status">"Your consent is withdrawn, and what we kept only because of it is deleted."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match overview.await {
                    Ok(overview) => view! {
                        <FormMessage outcome=outcome.clone()/>
                        <Requests overview=overview.clone()/>
                        <AskUs overview=overview.clone() outcome/>
                        {overview.marketing.clone().map(|preferences| view! { <crate::marketing::MarketingSection preferences/> })}
                        {(!overview.wards.is_empty()).then(|| view! { <Wards wards=overview.wards.clone()/> })}
                        <Held held=overview.held.clone()/>
                        <Consents in_force=overview.in_force consents=overview.consents consents_total=overview.consents_total accepted=overview.accepted/>
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
            {(!overview.requests.is_empty()).then(|| view! { <RequestTable requests=overview.requests.clone()/> })}
            {more_link(overview.requests_total, overview.requests.len(), "requests")}
        </section>
    }
}

/// A link to the whole history when `shown` of `total` are listed.
fn more_link(total: usize, shown: usize, what: &'static str) -> Option<impl IntoView + use<>> {
    (total > shown).then(|| view! {
        <p class="more"><a href="/account/privacy/history">{format!("See all {total} {what}")}</a></p>
    })
}

/// Requests, newest first, with their deadlines and the copy to download.
#[component]
fn RequestTable(requests: Vec<RequestRow>) -> impl IntoView {
    view! {
        <table class="requests">
            <thead><tr><th>"Request"</th><th>"Received"</th><th>"Due"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {requests.into_iter().map(|r| {
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
    }
}

/// Consent changes, newest first.
#[component]
fn ConsentTable(consents: Vec<ConsentRow>) -> impl IntoView {
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
    }
}

/// `/account/privacy/history`: every request and every consent change.
#[component]
pub fn PrivacyHistoryPage() -> impl IntoView {
    let history = Resource::new_blocking(|| (), |()| privacy_history());
    view! {
        <h1>"Your whole history"</h1>
        <p><a href="/account/privacy">"Back to your privacy centre"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(history) => view! {
                        <section class="privacy-requests">
                            <h2>{format!("Your requests ({})", history.requests.len())}</h2>
                            {if history.requests.is_empty() {
                                view! { <p>"You have made no request."</p> }.into_any()
                            } else {
                                view! { <RequestTable requests=history.requests/> }.into_any()
                            }}
                        </section>
                        <section class="privacy-consents">
                            <h2>{format!("Your consent changes ({})", history.consents.len())}</h2>
                            {if history.consents.is_empty() {
                                view! { <p>"You have not given or withdrawn any consent yet."</p> }.into_any()
                            } else {
                                view! { <ConsentTable consents=history.consents/> }.into_any()
                            }}
                        </section>
                    }
                    .into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/account/privacy/history">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The young people a guardian acts for (K44): their requests, and asking for a copy of their
/// data or its erasure on their behalf (the privacy office checks the guardian, then answers).
#[component]
fn Wards(wards: Vec<WardView>) -> impl IntoView {
    view! {
        <section class="wards">
            <h2>"Young people you act for"</h2>
            {wards.into_iter().map(|ward| {
                let base = format!("/account/privacy/for/{}", ward.id);
                view! {
                    <div class="ward">
                        <h3>{ward.name.clone()}</h3>
                        <ul class="plain">
                            {ward.requests.into_iter().map(|r| view! {
                                <li>{format!("{} · {} · due {}", r.right, r.status, r.due)} " "
                                    {r.download.map(|href| view! { <a href=href class="download">"Download their data"</a> })}
                                </li>
                            }).collect_view()}
                        </ul>
                        <form method="post" action=format!("{base}/access") class="inline-form ward-access">
                            <button type="submit">{format!("Ask for a copy of {}'s data", ward.name)}</button>
                        </form>
                        <form method="post" action=format!("{base}/erasure") class="inline-form ward-erasure">
                            <input type="checkbox" id=format!("confirm-{}", ward.id) name="confirm" value="yes"/>
                            <label for=format!("confirm-{}", ward.id)>"I understand erasure cannot be undone"</label>
                            <button type="submit">{format!("Ask us to erase {}'s data", ward.name)}</button>
                        </form>
                    </div>
                }
            }).collect_view()}
        </section>
    }
}

/// The requests the privacy office answers: a correction, a restriction, an erasure (each
/// only where the policy offers the right).
#[component]
fn AskUs(overview: PrivacyCentreView, outcome: crate::forms::FormOutcome) -> impl IntoView {
    let offers = |kind: &str| overview.offered.iter().any(|o| o == kind);
    let correction = offers("correction").then(|| view! {
        <form method="post" action="/account/privacy/correction" class="stacked privacy-correction">
            <h3>"Correct something"</h3>
            {text_box(&outcome, "details", "What is wrong, and what should it say?")}
            <button type="submit">"Ask for the correction"</button>
        </form>
    });
    let restriction = offers("restriction").then(|| {
        let problem = outcome.problem("purposes");
        let invalid = problem.is_some();
        view! {
            <form method="post" action="/account/privacy/restriction" class="stacked privacy-restriction">
                <h3>"Restrict how we use your data"</h3>
                <fieldset class:invalid=invalid>
                    <legend>"Which uses?"</legend>
                    {problem.map(|text| view! { <p class="problem" id="field-purposes-problem">{text}</p> })}
                    {overview.purposes.clone().into_iter().map(|(id, name)| {
                        let field = format!("purpose-{id}");
                        view! {
                            <div class="choice">
                                <input type="checkbox" id=field.clone() name=field.clone() value="on" checked=outcome.value(&field) == "on"/>
                                <label for=field>{name}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                {text_box(&outcome, "reason", "Why? (optional)")}
                <button type="submit">"Ask for the restriction"</button>
            </form>
        }
    });
    let erasure = offers("deletion").then(|| view! {
        <p><a href="/account/privacy/erasure">"Ask us to erase your data"</a> " (you see what it does first)."</p>
    });
    view! {
        <section class="privacy-ask">
            <h2>"Ask us"</h2>
            {correction}
            {restriction}
            {erasure}
        </section>
    }
}

/// `/account/privacy/erasure`: what erasure does, then the request.
#[component]
pub fn ErasurePage() -> impl IntoView {
    let outcome = use_outcome();
    let preview = Resource::new_blocking(|| (), |()| erasure_preview());
    view! {
        <h1>"Erase your data"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match preview.await {
                    Ok(preview) => erasure_view(preview, &outcome).into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/account/privacy/erasure">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn erasure_view(
    preview: ErasurePlanView,
    outcome: &crate::forms::FormOutcome,
) -> impl IntoView + use<> {
    let problem = outcome.problem("confirm");
    let invalid = problem.is_some();
    view! {
        <FormMessage outcome=outcome.clone()/>
        <section class="erasure-plan">
            <h2>"What is deleted"</h2>
            <ul>{preview.deleted.into_iter().map(|(what, n)| view! { <li>{format!("{what}: {n}")}</li> }).collect_view()}</ul>
            <h2>"What is kept, and why"</h2>
            {if preview.exceptions.is_empty() {
                view! { <p>"Nothing: everything is deleted."</p> }.into_any()
            } else {
                view! {
                    <ul class="exceptions">{preview.exceptions.into_iter().map(|(what, n, treatment, why)| view! {
                        <li>{format!("{what}: {n}, {treatment}. {why}")}</li>
                    }).collect_view()}</ul>
                }.into_any()
            }}
            <h2>"Who else is told"</h2>
            {if preview.partners.is_empty() {
                view! { <p>"No partner holds your data."</p> }.into_any()
            } else {
                view! { <ul class="partners">{preview.partners.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul> }.into_any()
            }}
            <h2>"What stops working"</h2>
            <ul class="effects">{preview.effects.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
        </section>
        <form method="post" action="/account/privacy/erasure" class="stacked privacy-erasure">
            <div class="choice" class:invalid=invalid>
                {problem.map(|text| view! { <p class="problem" id="field-confirm-problem">{text}</p> })}
                <input type="checkbox" id="field-confirm" name="confirm" value="yes"/>
                <label for="field-confirm">"I have read what erasure does and want my data erased."</label>
            </div>
            {text_box(outcome, "reason", "Anything we should know? (optional)")}
            <button type="submit">"Ask for the erasure"</button>
        </form>
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

/// The consents in force (each with its withdrawal), the consent history and the policy
/// versions accepted.
#[component]
fn Consents(
    in_force: Vec<ConsentInForceRow>,
    consents: Vec<ConsentRow>,
    consents_total: usize,
    accepted: Vec<AcceptedRow>,
) -> impl IntoView {
    let more = more_link(consents_total, consents.len(), "consent changes");
    view! {
        <section class="privacy-consents">
            <h2>"Your consents"</h2>
            {if in_force.is_empty() {
                view! { <p>"You have no consent in force."</p> }.into_any()
            } else {
                view! {
                    <ul class="in-force">
                        {in_force.into_iter().map(|c| {
                            let withdraw = match c.elsewhere {
                                Some(href) => view! { <a href=href>"Change"</a> }.into_any(),
                                None => view! {
                                    <form method="post" action="/account/privacy/consents/withdraw" class="inline-form">
                                        <input type="hidden" name="purpose" value=c.purpose/>
                                        <button type="submit">"Withdraw"</button>
                                    </form>
                                }.into_any(),
                            };
                            view! { <li><strong>{c.what}</strong> " (since " {c.since} ") " {withdraw}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p class="hint">"Withdrawing takes effect at once; data we kept only because of that consent is deleted. Cookie choices can be changed in " <a href="/cookies">"cookie settings"</a> "."</p>
            <h3>"History"</h3>
            {if consents.is_empty() {
                view! { <p>"You have not given or withdrawn any consent yet."</p> }.into_any()
            } else {
                view! { <ConsentTable consents/> }.into_any()
            }}
            {more}
            <h3>"Policy versions you accepted"</h3>
            {if accepted.is_empty() {
                view! { <p>"None on record."</p> }.into_any()
            } else {
                view! {
                    <ul class="accepted-versions">
                        {accepted.into_iter().map(|a| view! { <li>{format!("{} — {}, {}", a.version, a.how, a.when)}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
