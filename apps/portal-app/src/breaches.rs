//! The breach register, for privacy officers: `/office/breaches` lists every incident with
//! its notification clocks (from the policy: 72 hours from discovery in every pack) and calls
//! out the late ones; its form records a new incident, posted to `/office/breaches`, and the
//! store computes whom it affected. `/office/breaches/:id` shows the incident, the draft
//! report for the supervisory authority and the notice to the people, with the contents the
//! policy promises (K31: what happened, which data, what we are doing); its forms send the
//! notice through the outbox (`/office/breaches/{id}/notify`) and record that the report was
//! filed (`/office/breaches/{id}/reported`).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, FormOutcome, Input, use_outcome};

/// An incident in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachRow {
    /// Its id.
    pub id: String,
    /// What happened, in a line.
    pub title: String,
    /// When it was discovered.
    pub discovered: String,
    /// The authority's clock, in words.
    pub authority: String,
    /// The people's clock, in words.
    pub people: String,
    /// True when a deadline passed with its notice not given.
    pub late: bool,
    /// Affected and told.
    pub affected: u64,
    /// How many were told.
    pub told: u64,
}

/// The register and what its form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterView {
    /// Every incident, newest first.
    pub rows: Vec<BreachRow>,
    /// The policy's categories: (id, name).
    pub categories: Vec<(String, String)>,
}

/// One incident with its drafts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachView {
    /// The register's row.
    pub row: BreachRow,
    /// The authority's name.
    pub authority: String,
    /// Where it takes reports.
    pub authority_url: Option<String>,
    /// The draft report to the authority.
    pub report: String,
    /// The notice's subject.
    pub notice_subject: String,
    /// The notice to the people.
    pub notice: String,
    /// True once the report was filed.
    pub reported: bool,
}

/// The clock of one notification, in words: told when, or time left, or late by.
#[cfg(feature = "ssr")]
fn clock(
    due: Option<time::OffsetDateTime>,
    done: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) -> (String, bool) {
    match (done, due) {
        (Some(at), _) => (format!("told {}", crate::state::minute(at)), false),
        (None, Some(due)) if due > now => {
            let hours = (due - now).whole_hours();
            (
                format!("due {} ({hours} hours left)", crate::state::minute(due)),
                false,
            )
        }
        (None, Some(due)) => {
            let hours = (now - due).whole_hours();
            (
                format!(
                    "late: was due {} ({hours} hours ago)",
                    crate::state::minute(due)
                ),
                true,
            )
        }
        (None, None) => ("no deadline".to_owned(), false),
    }
}

#[cfg(feature = "ssr")]
fn breach_row(
    policy: &pledge_policy::ValidPolicy,
    breach: &pledge_store::breaches::Breach,
    now: time::OffsetDateTime,
) -> BreachRow {
    let (authority, late_authority) = clock(
        breach.authority_due(policy),
        breach.regulator_notified_at,
        now,
    );
    let (people, late_people) = clock(breach.people_due(policy), breach.people_notified_at, now);
    BreachRow {
        id: breach.id.to_string(),
        title: breach.title.clone(),
        discovered: crate::state::minute(breach.discovered_at),
        authority,
        people,
        late: late_authority || late_people,
        affected: breach.affected,
        told: breach.told,
    }
}

/// The names of `breach`'s categories in the policy.
#[cfg(feature = "ssr")]
fn category_names(policy: &pledge_policy::ValidPolicy, ids: &[String]) -> String {
    ids.iter()
        .map(|id| {
            policy
                .policy()
                .categories
                .iter()
                .find(|c| c.id.as_str() == id)
                .map_or_else(|| id.clone(), |c| c.name.to_lowercase())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The notice to the affected people, with every section the policy promises (K31).
#[cfg(feature = "ssr")]
#[must_use]
pub fn notice_text(
    policy: &pledge_policy::ValidPolicy,
    breach: &pledge_store::breaches::Breach,
) -> (String, String) {
    use pledge_policy::model::NoticeContent;
    let p = policy.policy();
    let organisation = &p.organisation.name;
    let mut sections = Vec::new();
    for content in &p.breach.notice_contents {
        let text = match content {
            NoticeContent::WhatHappened => breach.what_happened.clone(),
            NoticeContent::DataInvolved => format!(
                "The data involved: {}.",
                category_names(policy, &breach.categories)
            ),
            NoticeContent::StepsTaken => breach.steps_taken.clone(),
            NoticeContent::WhatYouCanDo => "Be wary of messages that ask for your password or payment details; we never ask for them. If you used your password for this site anywhere else, change it there too.".to_owned(),
            NoticeContent::ContactPoint => format!("Questions: {}.", p.organisation.privacy_contact),
        };
        let heading = content.plain_words();
        let mut heading = heading.to_owned();
        if let Some(first) = heading.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        sections.push(format!("{heading}\n{text}"));
    }
    (
        format!("A security incident at {organisation} that involves your data"),
        format!(
            "We are writing to tell you about a security incident that involves your data.\n\n{}\n",
            sections.join("\n\n")
        ),
    )
}

/// The draft report to the supervisory authority.
#[cfg(feature = "ssr")]
fn report_text(
    policy: &pledge_policy::ValidPolicy,
    breach: &pledge_store::breaches::Breach,
) -> String {
    let p = policy.policy();
    let occurred = breach
        .occurred_at
        .map_or_else(|| "not known yet".to_owned(), crate::state::minute);
    format!(
        "Report of a personal data breach to the {authority}\n\n\
         Organisation: {org} ({contact})\n\
         Incident: {title}\n\
         Happened: {occurred}\n\
         Discovered: {discovered}\n\
         Data involved: {data}\n\
         People affected: {affected}\n\n\
         What happened\n{what}\n\n\
         What we are doing\n{steps}\n",
        authority = p.organisation.supervisory_authority,
        org = p.organisation.name,
        contact = p.organisation.privacy_contact,
        title = breach.title,
        discovered = crate::state::minute(breach.discovered_at),
        data = category_names(policy, &breach.categories),
        affected = breach.affected,
        what = breach.what_happened,
        steps = breach.steps_taken,
    )
}

pub use server_fns::{breach_detail, breach_register};

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The breach register, for privacy officers.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "breach-register", input = GetUrl)]
    pub async fn breach_register() -> Result<RegisterView, PortalError> {
        crate::state::require_role("/office/breaches", pledge_domain::Role::PrivacyOfficer)?;
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let rows = state
            .store
            .breaches()
            .await?
            .iter()
            .map(|b| breach_row(&state.policy, b, now))
            .collect();
        Ok(RegisterView {
            rows,
            categories: state
                .policy
                .policy()
                .categories
                .iter()
                .map(|c| (c.id.to_string(), c.name.clone()))
                .collect(),
        })
    }

    /// One incident with its drafts, for privacy officers.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`];
    /// [`PortalError::NotFound`].
    #[server(endpoint = "breach-detail", input = GetUrl)]
    pub async fn breach_detail(id: String) -> Result<BreachView, PortalError> {
        crate::state::require_role(
            &format!("/office/breaches/{id}"),
            pledge_domain::Role::PrivacyOfficer,
        )?;
        let state = crate::state::portal_state()?;
        let found = match uuid::Uuid::parse_str(&id) {
            Ok(id) => state.store.breach(id).await.ok(),
            Err(_) => None,
        };
        let Some(breach) = found else {
            crate::state::set_status(http::StatusCode::NOT_FOUND);
            return Err(PortalError::NotFound);
        };
        let policy = &state.policy;
        let (notice_subject, notice) = notice_text(policy, &breach);
        let organisation = &policy.policy().organisation;
        Ok(BreachView {
            row: breach_row(policy, &breach, crate::state::now()),
            authority: organisation.supervisory_authority.clone(),
            authority_url: organisation.complaint_url.clone(),
            report: report_text(policy, &breach),
            notice_subject,
            notice,
            reported: breach.regulator_notified_at.is_some(),
        })
    }
}

/// `/office/breaches`.
#[component]
pub fn BreachRegisterPage() -> impl IntoView {
    let outcome = use_outcome();
    let register = Resource::new_blocking(|| (), |()| breach_register());
    view! {
        <crate::office::OfficeNav/>
        <h1>"Breaches"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match register.await {
                    Ok(found) => register_view(found, outcome).into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/office/breaches">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn register_view(found: RegisterView, outcome: FormOutcome) -> impl IntoView {
    let late = found.rows.iter().filter(|r| r.late).count();
    let alert = (late > 0).then(|| view! {
        <p class="alert late" role="alert">{format!("{late} incident(s) are past a notification deadline.")}</p>
    });
    let table = if found.rows.is_empty() {
        view! { <p>"No breach is recorded."</p> }.into_any()
    } else {
        view! {
            <table class="breaches">
                <thead><tr><th>"Incident"</th><th>"Discovered"</th><th>"Authority"</th><th>"People"</th><th>"Affected"</th></tr></thead>
                <tbody>
                    {found.rows.into_iter().map(|row| {
                        let href = format!("/office/breaches/{}", row.id);
                        view! {
                            <tr class:late=row.late>
                                <td><a href=href>{row.title}</a></td>
                                <td>{row.discovered}</td>
                                <td>{row.authority}</td>
                                <td>{row.people}</td>
                                <td>{format!("{} ({} told)", row.affected, row.told)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! { {alert} {table} {record_form(&found.categories, &outcome)} }
}

fn text_area(
    outcome: &FormOutcome,
    name: &'static str,
    label: &'static str,
) -> impl IntoView + use<> {
    let id = format!("field-{name}");
    let problem = outcome.problem(name);
    let invalid = problem.is_some();
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            {problem.map(|text| view! { <p class="problem" id=format!("field-{name}-problem")>{text}</p> })}
            <textarea id=id name=name rows="4" maxlength="5000">{outcome.value(name)}</textarea>
        </div>
    }
}

fn record_form(categories: &[(String, String)], outcome: &FormOutcome) -> impl IntoView + use<> {
    let exposure = outcome.value("exposure");
    let reads = exposure == "reads";
    view! {
        <form method="post" action="/office/breaches" class="stacked record-breach">
            <h2>"Record an incident"</h2>
            <FormMessage outcome=outcome.clone()/>
            <Field outcome=outcome.clone() name="title" label="What happened, in a line" input=Input::Text/>
            {text_area(outcome, "what_happened", "What happened (the notice says this)")}
            {text_area(outcome, "steps_taken", "What we are doing about it (the notice says this)")}
            <fieldset class:invalid=outcome.problem("categories").is_some()>
                <legend>"Which data"</legend>
                {outcome.problem("categories").map(|text| view! { <p class="problem">{text}</p> })}
                {categories.iter().map(|(id, name)| {
                    let field = format!("category-{id}");
                    let ticked = outcome.value(&field) == "on";
                    view! {
                        <div class="choice">
                            <input type="checkbox" id=field.clone() name=field.clone() value="on" checked=ticked/>
                            <label for=field>{name.clone()}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <Field outcome=outcome.clone() name="discovered" label="Discovered (YYYY-MM-DD HH:MM, UTC)" input=Input::Text/>
            <Field outcome=outcome.clone() name="occurred" label="Happened (YYYY-MM-DD HH:MM, UTC; optional)" input=Input::Text required=false/>
            <fieldset>
                <legend>"Whose data was exposed"</legend>
                <div class="choice">
                    <input type="radio" id="exposure-holdings" name="exposure" value="holdings" checked=!reads/>
                    <label for="exposure-holdings">"Everyone with data in these categories"</label>
                </div>
                <div class="choice">
                    <input type="radio" id="exposure-reads" name="exposure" value="reads" checked=reads/>
                    <label for="exposure-reads">"Only people whose data in these categories was read between the times above (from the audit log)"</label>
                </div>
                <Field outcome=outcome.clone() name="actor" label="…and only reads by this account (email; optional)" input=Input::Text required=false/>
            </fieldset>
            <button type="submit">"Record the incident"</button>
        </form>
    }
}

/// `/office/breaches/:id`.
#[component]
pub fn BreachPage() -> impl IntoView {
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let done = use_query_map().get_untracked().get("done");
    let found = Resource::new_blocking(move || id.clone(), breach_detail);
    view! {
        <crate::office::OfficeNav/>
        <p><a href="/office/breaches">"← All breaches"</a></p>
        {done.map(|what| {
            let text = match what.as_str() {
                "notified" => "The notices are queued for everyone not yet told.",
                "reported" => "The report to the authority is recorded.",
                _ => "The incident is recorded, with the people it affected.",
            };
            view! { <p class="notice" role="status">{text}</p> }
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(found) => breach_view(found).into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn breach_view(found: BreachView) -> impl IntoView {
    let base = format!("/office/breaches/{}", found.row.id);
    let untold = found.row.affected - found.row.told;
    let notify = (untold > 0).then(|| view! {
        <form method="post" action=format!("{base}/notify") class="inline-form notify-people">
            <button type="submit">{format!("Send the notice to the {untold} people not yet told")}</button>
        </form>
    });
    let report = (!found.reported).then(|| view! {
        <form method="post" action=format!("{base}/reported") class="inline-form mark-reported">
            <button type="submit">{format!("Record that the report was filed with the {}", found.authority)}</button>
        </form>
    });
    let file_at = found
        .authority_url
        .clone()
        .map(|url| view! { <p>"File it at " <a href=url.clone()>{url.clone()}</a> "."</p> });
    view! {
        <h1>{found.row.title.clone()}</h1>
        <dl class="breach">
            <dt>"Discovered"</dt><dd>{found.row.discovered.clone()}</dd>
            <dt>"Authority"</dt><dd class="authority-clock">{found.row.authority.clone()}</dd>
            <dt>"People"</dt><dd class="people-clock">{found.row.people.clone()}</dd>
            <dt>"Affected"</dt><dd class="affected">{format!("{} ({} told)", found.row.affected, found.row.told)}</dd>
        </dl>
        <h2>"Notice to the people"</h2>
        <p><strong>{found.notice_subject.clone()}</strong></p>
        <pre class="notice-draft">{found.notice.clone()}</pre>
        {notify}
        <h2>{format!("Report to the {}", found.authority)}</h2>
        <pre class="report-draft">{found.report.clone()}</pre>
        {file_at}
        {report}
    }
}
