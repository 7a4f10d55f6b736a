//! The partner registry (`/office/partners`), for privacy officers: every partner the policy
//! names with what it receives, why, on what basis, where, what it keeps itself and for how
//! long, and where requests about a person go; how much was sent to each; the dated
//! reminders of what partners must let go of (J08, J10), soonest first, the passed ones
//! called out; and the requests forwarded to partners through their own channels, each with
//! when it was sent, the date the partner must act by and whether it confirmed — an
//! unconfirmed one past its date called out, and a button to record the partner's confirmation.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::PortalError;

/// A partner as the registry shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerRow {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its role towards the data, and where it works.
    pub role: String,
    /// The categories it receives, by name.
    pub receives: String,
    /// Why, by purpose name, with the basis.
    pub why: String,
    /// What it keeps, and for how long.
    pub keeps: Vec<String>,
    /// Where requests about a person are forwarded.
    pub requests_to: String,
    /// Whether it may market to people.
    pub may_market: bool,
    /// How many times data was sent to it, and when last.
    pub sent: String,
}

/// A dated partner obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderRow {
    /// The partner's name.
    pub partner: String,
    /// What it keeps.
    pub what: String,
    /// Whose data, by the start of their id.
    pub person: String,
    /// When it was sent.
    pub sent: String,
    /// When the partner's period ends.
    pub due: String,
    /// True once that day has passed.
    pub passed: bool,
}

/// Everything the registry shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryView {
    /// The partners.
    pub partners: Vec<PartnerRow>,
    /// The reminders, soonest first.
    pub reminders: Vec<ReminderRow>,
    /// The forwarded requests, newest first.
    pub forwarded: Vec<ForwardedRow>,
}

/// A request forwarded to a partner, as the office tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardedRow {
    /// The message's id (the partner quotes it when it confirms).
    pub id: String,
    /// The partner's name.
    pub partner: String,
    /// `an erasure` or `a correction`.
    pub what: String,
    /// When it was queued.
    pub queued: String,
    /// When it was sent, or `waiting`.
    pub sent: String,
    /// The date the partner must act by.
    pub act_by: String,
    /// When the partner confirmed, if it did.
    pub confirmed: Option<String>,
    /// Past its date and not confirmed.
    pub overdue: bool,
}

#[cfg(feature = "ssr")]
fn partner_row(
    policy: &pledge_policy::ValidPolicy,
    partner: &pledge_policy::model::Partner,
    counts: &[(String, u64, Option<time::OffsetDateTime>)],
) -> PartnerRow {
    use pledge_policy::model::PartnerRole;
    let p = policy.policy();
    let names = |ids: Vec<String>| ids.join(", ");
    let role = match partner.role {
        PartnerRole::Processor => "processes on our instructions",
        PartnerRole::IndependentController => "decides its own purposes",
        PartnerRole::JointController => "decides purposes with us",
        PartnerRole::PublicAuthority => "receives data by law",
    };
    let sent = counts
        .iter()
        .find(|(id, _, _)| id == partner.id.as_str())
        .map_or_else(
            || "nothing yet".to_owned(),
            |(_, n, latest)| match latest {
                Some(at) => format!("{n} times, last {}", crate::state::minute(*at)),
                None => format!("{n} times"),
            },
        );
    PartnerRow {
        name: partner.name.clone(),
        description: partner.description.clone(),
        role: format!(
            "{role}, in {}",
            pledge_policy::render::country_name(partner.country.as_str())
        ),
        receives: names(
            partner
                .receives
                .iter()
                .map(|id| {
                    p.categories
                        .iter()
                        .find(|c| &c.id == id)
                        .map_or_else(|| id.to_string(), |c| c.name.clone())
                })
                .collect(),
        ),
        why: names(
            partner
                .purposes
                .iter()
                .map(|id| {
                    p.purposes
                        .iter()
                        .find(|purpose| &purpose.id == id)
                        .map_or_else(|| id.to_string(), |purpose| purpose.name.clone())
                })
                .collect(),
        ) + &partner
            .basis
            .map(|b| format!(" ({})", b.plain_words()))
            .unwrap_or_default(),
        keeps: partner
            .keeps
            .iter()
            .map(|k| {
                format!(
                    "{}: {}",
                    k.what,
                    pledge_policy::lint::describe_clock(&k.clock)
                )
            })
            .collect(),
        requests_to: partner
            .forward_requests_to
            .clone()
            .unwrap_or_else(|| "not set: tell them yourself".to_owned()),
        may_market: partner.may_market,
        sent,
    }
}

pub use server_fns::partner_registry;

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The partner registry, for privacy officers.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "partner-registry", input = GetUrl)]
    pub async fn partner_registry() -> Result<RegistryView, PortalError> {
        crate::state::require_role("/office/partners", pledge_domain::Role::PrivacyOfficer)?;
        let state = crate::state::portal_state()?;
        let policy = &state.policy;
        let now = crate::state::now();
        let counts = state.store.disclosure_counts().await?;
        let name = |id: &str| crate::state::partner_name(policy, id);
        let reminders = state
            .store
            .partner_reminders(policy)
            .await?
            .into_iter()
            .map(|r| ReminderRow {
                partner: name(&r.partner),
                what: r.what,
                person: r
                    .person
                    .as_uuid()
                    .simple()
                    .to_string()
                    .chars()
                    .take(8)
                    .collect(),
                sent: crate::state::minute(r.sent_at),
                due: crate::state::minute(r.due_at),
                passed: r.due_at <= now,
            })
            .collect();
        let forwarded = state
            .store
            .forwarded_notices()
            .await?
            .into_iter()
            .map(|f| ForwardedRow {
                id: f.id.to_string(),
                partner: name(&f.partner),
                what: match f.kind.as_str() {
                    "erasure-forward" => "an erasure",
                    _ => "a correction",
                }
                .to_owned(),
                queued: crate::state::minute(f.queued_at),
                sent: f
                    .sent_at
                    .map_or_else(|| "waiting".to_owned(), crate::state::minute),
                act_by: f.act_by.map(crate::state::minute).unwrap_or_default(),
                confirmed: f.confirmed_at.map(crate::state::minute),
                overdue: f.is_overdue(now),
            })
            .collect();
        Ok(RegistryView {
            partners: policy
                .policy()
                .partners
                .iter()
                .map(|p| partner_row(policy, p, &counts))
                .collect(),
            reminders,
            forwarded,
        })
    }
}

/// `/office/partners`.
#[component]
pub fn PartnersPage() -> impl IntoView {
    let registry = Resource::new_blocking(|| (), |()| partner_registry());
    view! {
        <crate::office::OfficeNav/>
        <h1>"Partners"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match registry.await {
                    Ok(found) => registry_view(found).into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/office/partners">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn registry_view(found: RegistryView) -> impl IntoView {
    let passed = found.reminders.iter().filter(|r| r.passed).count();
    let alert = (passed > 0).then(|| view! {
        <p class="alert" role="alert">{format!("{passed} partner obligation(s) have passed their date: confirm with the partner that the data is gone.")}</p>
    });
    view! {
        {alert}
        <table class="partners">
            <thead><tr><th>"Partner"</th><th>"Receives"</th><th>"Why"</th><th>"Keeps"</th><th>"Requests go to"</th><th>"Sent"</th></tr></thead>
            <tbody>
                {found.partners.into_iter().map(|p| view! {
                    <tr>
                        <td><strong>{p.name}</strong><br/>{p.description}<br/><span class="hint">{p.role}</span>{(!p.may_market).then_some(" · may not market to people")}</td>
                        <td>{p.receives}</td>
                        <td>{p.why}</td>
                        <td>{if p.keeps.is_empty() { "nothing declared".to_owned() } else { p.keeps.join("; ") }}</td>
                        <td>{p.requests_to}</td>
                        <td>{p.sent}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <h2>"Reminders"</h2>
        {reminders_table(found.reminders)}
        <h2>"Requests forwarded"</h2>
        {forwarded_table(found.forwarded)}
    }
}

fn reminders_table(reminders: Vec<ReminderRow>) -> AnyView {
    if reminders.is_empty() {
        return view! { <p>"No partner holds anything with a date yet."</p> }.into_any();
    }
    view! {
        <p class="hint">"Each date counts the partner's period from the day we sent the data."</p>
        <table class="partner-reminders">
            <thead><tr><th>"Partner"</th><th>"Keeps"</th><th>"Person"</th><th>"Sent"</th><th>"Until"</th></tr></thead>
            <tbody>
                {reminders.into_iter().map(|r| view! {
                    <tr class:late=r.passed>
                        <td>{r.partner}</td><td>{r.what}</td><td>{r.person}</td><td>{r.sent}</td>
                        <td>{r.due}{r.passed.then_some(" (passed)")}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn forwarded_table(forwarded: Vec<ForwardedRow>) -> AnyView {
    if forwarded.is_empty() {
        return view! { <p>"No request has been forwarded to a partner."</p> }.into_any();
    }
    let overdue = forwarded.iter().filter(|f| f.overdue).count();
    let alert = (overdue > 0).then(|| view! {
        <p class="alert" role="alert">{format!("{overdue} forwarded request(s) are past their date without the partner's confirmation: remind the partner.")}</p>
    });
    view! {
        {alert}
        <table class="forwarded">
            <thead><tr><th>"Partner"</th><th>"Request"</th><th>"Queued"</th><th>"Sent"</th><th>"Act by"</th><th>"Partner confirmed"</th></tr></thead>
            <tbody>
                {forwarded.into_iter().map(|f| {
                    let confirm = match f.confirmed {
                        Some(at) => view! { {at} }.into_any(),
                        None => view! {
                            <form method="post" action=format!("/office/partners/forwarded/{}/confirm", f.id) class="inline-form">
                                <button type="submit">"Record the partner's confirmation"</button>
                            </form>
                        }.into_any(),
                    };
                    view! {
                        <tr class:late=f.overdue>
                            <td>{f.partner}</td><td>{f.what}<br/><span class="hint">{f.id}</span></td><td>{f.queued}</td><td>{f.sent}</td>
                            <td>{f.act_by}{f.overdue.then_some(" (overdue)")}</td><td>{confirm}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
