//! The privacy office's pages, for privacy officers only (administrators see the record of
//! processing too).
//!
//! - `/office/requests`: every data-subject request with its deadline and countdown, the
//!   overdue ones called out at the top.
//! - `/office/requests/:id`: one request with what the person wrote, and the forms that
//!   record the identity check, extend it (the person is told), answer it (carrying out the
//!   correction, restriction or erasure through the store) or refuse it with a reason (the
//!   person is told). The forms post to `/office/requests/{id}/…`.
//! - `/office/holds`: the legal-hold register; place a hold on a person (by their address),
//!   release one.
//! - `/office/processing`: the record of processing activities (GDPR Art. 30), rendered from
//!   the deployed policy.
//! - `/office/audit`: the audit log, filtered by person, actor, action, data category and
//!   time (a `GET` form), newest first; "verify the chain" (`?verify=1`) checks it against
//!   its signed checkpoints and shows the result; a form posts to `/office/audit/checkpoint`
//!   to sign a new checkpoint.
//!
//! Every page that names people reads them through the store, which audits each read as the
//! officer's.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, FormOutcome, Input, use_outcome};

/// A request in the office's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    /// The request's id.
    pub id: String,
    /// Which right, as a noun (`access`, `correction`).
    pub right: String,
    /// The person's name and address, or that they were erased.
    pub person: String,
    /// True when a guardian asked for them (K44).
    pub by_guardian: bool,
    /// When it arrived.
    pub received: String,
    /// When it must be answered.
    pub due: String,
    /// Days left (negative once overdue), while it is open.
    pub days_left: Option<i64>,
    /// True when it is open past its deadline.
    pub overdue: bool,
    /// Where it stands.
    pub status: String,
    /// How the identity was checked, once it was.
    pub identity: Option<String>,
}

/// Everything the request queue shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    /// Open requests (soonest deadline first), then recently closed ones.
    pub rows: Vec<QueueRow>,
}

/// One request, with what the office can do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeRequestView {
    /// The request as the queue shows it.
    pub row: QueueRow,
    /// The right's stored name (`rectification`, `erasure`), which picks the answer form.
    pub kind: String,
    /// What the person wrote.
    pub details: Option<String>,
    /// The reason given for a refusal.
    pub refusal: Option<String>,
    /// True while it can still be answered, refused or extended.
    pub open: bool,
    /// True when the policy offers an extension and this request has not had one.
    pub can_extend: bool,
    /// The identity checks the policy accepts: (stored name, words).
    pub methods: Vec<(String, String)>,
    /// The policy's purposes: (id, name), for a restriction.
    pub purposes: Vec<(String, String)>,
}

/// A legal hold in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRow {
    /// The hold's id.
    pub id: String,
    /// Whose data, or that they cannot be read.
    pub person: String,
    /// Why it was placed.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// When it was placed.
    pub placed: String,
    /// When it lapses, if ever.
    pub expires: Option<String>,
    /// True while it is in force.
    pub active: bool,
    /// When it was released, if it was.
    pub released: Option<String>,
}

/// The stored name of an identity check, in words.
#[must_use]
pub fn method_words(method: &str) -> &'static str {
    match method {
        "signed-in" => "signed in to their account",
        "email-confirmation" => "confirmed by a link sent to the address on file",
        "document" => "identity document checked by staff",
        "verified-guardian" => "a verified guardian",
        _ => "other",
    }
}

#[cfg(feature = "ssr")]
fn queue_row(queued: &pledge_store::office::QueuedRequest, now: time::OffsetDateTime) -> QueueRow {
    use pledge_store::requests::RequestStatus;
    let request = &queued.request;
    let open = matches!(
        request.status,
        RequestStatus::Open | RequestStatus::Extended
    );
    let person = match (&queued.name, &queued.email) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        _ => "(erased)".to_owned(),
    };
    QueueRow {
        id: request.id.to_string(),
        right: request.kind.request_noun().to_owned(),
        person,
        by_guardian: queued.requested_by.is_some(),
        received: crate::state::minute(request.received_at),
        due: crate::state::minute(request.due_at),
        days_left: open.then(|| request.days_left(now)),
        overdue: open && request.is_overdue(now),
        status: match request.status {
            RequestStatus::Open => "open",
            RequestStatus::Extended => "extended",
            RequestStatus::Completed => "answered",
            RequestStatus::Refused => "refused",
        }
        .to_owned(),
        identity: queued
            .identity_method
            .as_deref()
            .map(|m| method_words(m).to_owned()),
    }
}

/// One audit entry as the viewer lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// Its place in the log.
    pub seq: u64,
    /// When.
    pub at: String,
    /// Who acted.
    pub actor: String,
    /// What they did.
    pub action: String,
    /// Whose data.
    pub subject: String,
    /// Which categories.
    pub categories: String,
    /// Why.
    pub purpose: String,
    /// How it ended.
    pub outcome: String,
}

/// The filters of the audit viewer, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilterForm {
    /// The person's email address.
    pub person: String,
    /// The actor's email address, or a service's name.
    pub actor: String,
    /// An action's name.
    pub action: String,
    /// A category's id.
    pub category: String,
    /// From this day (`YYYY-MM-DD`).
    pub from: String,
    /// Up to and including this day.
    pub until: String,
    /// How the entries ended: `succeeded`, `denied` or `failed` (empty: any).
    pub outcome: String,
}

/// Everything the audit viewer shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    /// The newest matching entries, newest first.
    pub rows: Vec<AuditRow>,
    /// How many matched in all.
    pub matched: usize,
    /// What is wrong with a filter, if anything (then nothing is listed).
    pub problem: Option<String>,
    /// The actions to filter by.
    pub actions: Vec<String>,
    /// The policy's categories: (id, name).
    pub categories: Vec<(String, String)>,
    /// The chain check, when it was asked for: (verified, what it found).
    pub check: Option<(bool, String)>,
    /// Actors refused again and again lately: (who, what, in words).
    pub alerts: Vec<(String, String)>,
}

pub use server_fns::{
    audit_trail, hold_register, office_request, record_of_processing, request_queue,
};

// `#[server]` adds a struct of each function's arguments, undocumented; the audit trail's
// function takes one argument per field of the filter a script or the page sends.
#[allow(missing_docs, clippy::too_many_arguments)]
mod server_fns {
    use super::*;

    /// The request queue, for privacy officers (every requester's read audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for other roles.
    #[server(endpoint = "request-queue", input = GetUrl)]
    pub async fn request_queue() -> Result<QueueView, PortalError> {
        let session =
            crate::state::require_role("/office/requests", pledge_domain::Role::PrivacyOfficer)?;
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let queue = state.store.request_queue(session.person, now).await?;
        Ok(QueueView {
            rows: queue.iter().map(|q| queue_row(q, now)).collect(),
        })
    }

    /// One request with what the person wrote, for privacy officers (the read audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`]; [`PortalError::NotFound`]
    /// for an unknown id.
    #[server(endpoint = "office-request", input = GetUrl)]
    pub async fn office_request(id: String) -> Result<OfficeRequestView, PortalError> {
        let session = crate::state::require_role(
            &format!("/office/requests/{id}"),
            pledge_domain::Role::PrivacyOfficer,
        )?;
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let Ok(id) = uuid::Uuid::parse_str(&id) else {
            crate::state::set_status(http::StatusCode::NOT_FOUND);
            return Err(PortalError::NotFound);
        };
        let queued = match state.store.queued_request(id, session.person, now).await {
            Ok(queued) => queued,
            Err(pledge_store::StoreError::RequestNotFound(_)) => {
                crate::state::set_status(http::StatusCode::NOT_FOUND);
                return Err(PortalError::NotFound);
            }
            Err(error) => return Err(error.into()),
        };
        let policy = state.policy.policy();
        let request = &queued.request;
        let open = matches!(
            request.status,
            pledge_store::requests::RequestStatus::Open
                | pledge_store::requests::RequestStatus::Extended
        );
        let extension = policy
            .rights
            .iter()
            .find(|r| r.kind == request.kind)
            .and_then(|r| r.extension);
        let methods = policy
            .requests
            .identity_verification
            .iter()
            .map(|m| {
                let name = pledge_store::workflow::method_name(*m);
                (name.to_owned(), method_words(name).to_owned())
            })
            .collect();
        Ok(OfficeRequestView {
            row: queue_row(&queued, now),
            kind: pledge_store::requests::kind_name(request.kind).to_owned(),
            details: queued.details.clone(),
            refusal: queued.refusal_reason.clone(),
            open,
            can_extend: extension.is_some()
                && request.status == pledge_store::requests::RequestStatus::Open,
            methods,
            purposes: policy
                .purposes
                .iter()
                .map(|p| (p.id.to_string(), p.name.clone()))
                .collect(),
        })
    }

    /// The legal-hold register, for privacy officers (every held person's read audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "hold-register", input = GetUrl)]
    pub async fn hold_register() -> Result<Vec<HoldRow>, PortalError> {
        let session =
            crate::state::require_role("/office/holds", pledge_domain::Role::PrivacyOfficer)?;
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let holds = state.store.hold_register(session.person, now).await?;
        Ok(holds
            .into_iter()
            .map(|h| HoldRow {
                id: h.id.to_string(),
                person: h.name.clone().unwrap_or_else(|| "(erased)".to_owned()),
                active: h.is_active(now),
                reason: h.reason,
                owner: h.owner,
                placed: crate::state::minute(h.placed_at),
                expires: h.expires_at.map(crate::state::minute),
                released: h.released_at.map(crate::state::minute),
            })
            .collect())
    }

    /// The audit trail, filtered, for privacy officers (the people shown read, audited); with
    /// `verify`, the chain checked too.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "audit-trail", input = GetUrl)]
    pub async fn audit_trail(
        person: String,
        actor: String,
        action: String,
        category: String,
        from: String,
        until: String,
        outcome: Option<String>,
        verify: bool,
    ) -> Result<AuditView, PortalError> {
        let filter = AuditFilterForm {
            person,
            actor,
            action,
            category,
            from,
            until,
            outcome: outcome.unwrap_or_default(),
        };
        let session =
            crate::state::require_role("/office/audit", pledge_domain::Role::PrivacyOfficer)?;
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let policy = state.policy.policy();
        let mut view = AuditView {
            rows: Vec::new(),
            matched: 0,
            problem: None,
            actions: pledge_audit::Action::ALL
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            categories: policy
                .categories
                .iter()
                .map(|c| (c.id.to_string(), c.name.clone()))
                .collect(),
            check: None,
            alerts: state
                .store
                .denial_alerts(session.person, now)
                .await?
                .into_iter()
                .map(alert_row)
                .collect(),
        };
        if verify {
            view.check = Some(chain_check(state.store.check_chain().await?));
        }
        match audit_filter(&state, &filter).await? {
            Ok(parsed) => {
                let trail = state
                    .store
                    .audit_trail(&parsed, session.person, now)
                    .await?;
                view.matched = trail.matched;
                view.rows = trail.entries.into_iter().map(audit_row).collect();
            }
            Err(problem) => view.problem = Some(problem),
        }
        Ok(view)
    }

    /// The record of processing activities (Art. 30) as HTML rendered from the policy, for
    /// privacy officers and administrators.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "record-of-processing", input = GetUrl)]
    pub async fn record_of_processing() -> Result<String, PortalError> {
        crate::state::require_any_role(
            "/office/processing",
            &[
                pledge_domain::Role::PrivacyOfficer,
                pledge_domain::Role::Administrator,
            ],
        )?;
        let state = crate::state::portal_state()?;
        Ok(pledge_policy::render::record_of_processing(&state.policy).to_html())
    }
}

#[cfg(feature = "ssr")]
fn party(party: &pledge_store::audit_trail::Party) -> String {
    use pledge_store::audit_trail::Party;
    match party {
        Party::Person(id, Some(name)) => format!("{name} ({})", short_id(*id)),
        Party::Person(id, None) => format!("erased person ({})", short_id(*id)),
        Party::Service(name) => format!("service {name}"),
        Party::Unknown(key) => format!("unknown {key}…"),
    }
}

#[cfg(feature = "ssr")]
fn alert_row(alert: pledge_store::audit_trail::DenialAlert) -> (String, String) {
    (
        party(&alert.actor),
        format!(
            "refused {} times between {} and {} (in the last {} hours)",
            alert.denials,
            crate::state::minute(alert.first),
            crate::state::minute(alert.last),
            pledge_store::audit_trail::ALERT_WINDOW.whole_hours()
        ),
    )
}

#[cfg(feature = "ssr")]
fn short_id(id: pledge_domain::PersonId) -> String {
    id.as_uuid()
        .simple()
        .to_string()
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

#[cfg(feature = "ssr")]
fn audit_row(entry: pledge_store::audit_trail::TrailEntry) -> AuditRow {
    AuditRow {
        seq: entry.seq,
        at: crate::state::minute(entry.at),
        actor: party(&entry.actor),
        action: entry.action.as_str().to_owned(),
        subject: entry.subject.as_ref().map(party).unwrap_or_default(),
        categories: entry.categories.join(", "),
        purpose: entry.purpose.unwrap_or_default(),
        outcome: entry.outcome.to_owned(),
    }
}

#[cfg(feature = "ssr")]
fn chain_check(check: pledge_store::audit_trail::ChainCheck) -> (bool, String) {
    use pledge_store::audit_trail::ChainCheck;
    match check {
        ChainCheck::Verified {
            records,
            signed,
            head,
        } => (
            true,
            format!(
                "The chain verifies: {records} records, every one linked to the one before; the newest signed checkpoint covers {signed} of them. Head {}…",
                head.chars().take(16).collect::<String>()
            ),
        ),
        ChainCheck::Damaged { position, what } => (
            false,
            format!(
                "The chain does not verify: from record {position} on it cannot be trusted ({what})."
            ),
        ),
    }
}

/// A day typed as `YYYY-MM-DD`, as the start of that day in UTC.
#[cfg(feature = "ssr")]
fn day_start(text: &str, label: &str) -> Result<Option<time::OffsetDateTime>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format)
        .map(|day| Some(day.midnight().assume_utc()))
        .map_err(|_| format!("Write the {label} date as YYYY-MM-DD."))
}

/// The store's filter from the typed one; `Ok(Err(problem))` for a filter that names nothing.
#[cfg(feature = "ssr")]
async fn audit_filter(
    state: &crate::state::PortalState,
    form: &AuditFilterForm,
) -> Result<Result<pledge_store::audit_trail::TrailFilter, String>, PortalError> {
    use pledge_store::audit_trail::{SERVICES, TrailFilter};
    let mut filter = TrailFilter::default();
    let person = form.person.trim();
    if !person.is_empty() {
        match state.store.account_by_email(person).await? {
            Some(id) => filter.person = Some(id),
            None => {
                return Ok(Err(
                    "Nobody has an account with the person's address.".to_owned()
                ));
            }
        }
    }
    let actor = form.actor.trim();
    if let Some(service) = SERVICES.iter().find(|s| **s == actor) {
        filter.service = Some((*service).to_owned());
    } else if !actor.is_empty() {
        match state.store.account_by_email(actor).await? {
            Some(id) => filter.actor = Some(id),
            None => {
                return Ok(Err(
                    "The actor is neither an account's address nor one of the portal's services."
                        .to_owned(),
                ));
            }
        }
    }
    if !form.action.is_empty() {
        match pledge_audit::Action::ALL
            .into_iter()
            .find(|a| a.as_str() == form.action)
        {
            Some(action) => filter.action = Some(action),
            None => return Ok(Err("Choose an action from the list.".to_owned())),
        }
    }
    if !form.outcome.is_empty() {
        match pledge_audit::Outcome::ALL
            .into_iter()
            .find(|o| outcome_word(*o) == form.outcome)
        {
            Some(outcome) => filter.outcome = Some(outcome),
            None => return Ok(Err("Choose an outcome from the list.".to_owned())),
        }
    }
    if !form.category.is_empty() {
        match pledge_domain::CategoryId::new(&form.category) {
            Ok(category) => filter.category = Some(category),
            Err(_) => return Ok(Err("Choose a category from the list.".to_owned())),
        }
    }
    let range = day_start(&form.from, "from").and_then(|from| {
        day_start(&form.until, "until")
            .map(|until| (from, until.map(|u| u + time::Duration::days(1))))
    });
    match range {
        Ok((from, until)) => {
            filter.from = from;
            filter.until = until;
        }
        Err(problem) => return Ok(Err(problem)),
    }
    Ok(Ok(filter))
}

/// What a failed load shows: a sign-in link, or the error in words.
fn load_failure(error: PortalError, here: &str) -> AnyView {
    match error {
        PortalError::SignInRequired => {
            let href = format!("/signin?next={here}");
            view! { <p>"Please " <a href=href>"sign in"</a> "."</p> }.into_any()
        }
        error => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}

/// The privacy office's own menu, on each of its pages.
#[component]
pub fn OfficeNav() -> impl IntoView {
    view! {
        <nav class="office" aria-label="Privacy office">
            <a href="/office/requests">"Requests"</a>
            <a href="/office/holds">"Legal holds"</a>
            <a href="/office/retention">"Retention"</a>
            <a href="/office/breaches">"Breaches"</a>
            <a href="/office/partners">"Partners"</a>
            <a href="/office/audit">"Audit log"</a>
            <a href="/office/processing">"Record of processing"</a>
        </nav>
    }
}

/// The countdown of an open request, in words.
fn countdown(row: &QueueRow) -> Option<String> {
    row.days_left.map(|days| match days {
        d if d < 0 => format!("overdue by {} days", -d),
        0 if row.overdue => "overdue today".to_owned(),
        0 => "due today".to_owned(),
        1 => "1 day left".to_owned(),
        d => format!("{d} days left"),
    })
}

/// `/office/requests`: the queue.
#[component]
pub fn RequestQueuePage() -> impl IntoView {
    let queue = Resource::new_blocking(|| (), |()| request_queue());
    view! {
        <OfficeNav/>
        <h1>"Data-subject requests"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(queue) => queue_view(queue).into_any(),
                    Err(error) => load_failure(error, "/office/requests"),
                }
            })}
        </Suspense>
    }
}

fn queue_view(queue: QueueView) -> impl IntoView {
    let overdue = queue.rows.iter().filter(|r| r.overdue).count();
    let alert = (overdue > 0).then(|| {
        let text = if overdue == 1 {
            "1 request is past its deadline.".to_owned()
        } else {
            format!("{overdue} requests are past their deadline.")
        };
        view! { <p class="alert overdue" role="alert">{text}</p> }
    });
    let body = if queue.rows.is_empty() {
        view! { <p>"No requests yet."</p> }.into_any()
    } else {
        view! {
            <table class="request-queue">
                <thead><tr><th>"Request"</th><th>"Person"</th><th>"Received"</th><th>"Due"</th><th>"Status"</th><th>"Identity"</th></tr></thead>
                <tbody>
                    {queue.rows.into_iter().map(|row| {
                        let href = format!("/office/requests/{}", row.id);
                        let left = countdown(&row);
                        let guardian = row.by_guardian.then_some(" (asked by their guardian)");
                        view! {
                            <tr class:overdue=row.overdue>
                                <td><a href=href>{row.right.clone()}</a></td>
                                <td>{row.person.clone()}{guardian}</td>
                                <td>{row.received.clone()}</td>
                                <td>{row.due.clone()}{left.map(|l| view! { <br/><span class="countdown">{l}</span> })}</td>
                                <td>{row.status.clone()}</td>
                                <td>{row.identity.clone().unwrap_or_else(|| "not checked".to_owned())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! { {alert} {body} }
}

/// `/office/requests/:id`: one request and what can be done about it.
#[component]
pub fn OfficeRequestPage() -> impl IntoView {
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let done = use_query_map().get_untracked().get("done");
    let outcome = use_outcome();
    let here = format!("/office/requests/{id}");
    let found = Resource::new_blocking(move || id.clone(), office_request);
    view! {
        <OfficeNav/>
        <p><a href="/office/requests">"← All requests"</a></p>
        {done.as_deref().and_then(done_words).map(|text| view! { <p class="notice" role="status">{text}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let here = here.clone();
                Suspend::new(async move {
                    let outcome = outcome.await;
                    match found.await {
                        Ok(found) => request_view(found, &outcome).into_any(),
                        Err(error) => load_failure(error, &here),
                    }
                })
            }}
        </Suspense>
    }
}

fn request_view(found: OfficeRequestView, outcome: &FormOutcome) -> impl IntoView + use<> {
    let row = &found.row;
    let title = format!("Request for {}", row.right);
    let left = countdown(row);
    let actions = found.open.then(|| request_actions(&found, outcome));
    view! {
        <h1>{title}</h1>
        <FormMessage outcome=outcome.clone()/>
        <dl class="office-request">
            <dt>"Person"</dt><dd>{row.person.clone()}{row.by_guardian.then_some(" (asked by their guardian)")}</dd>
            <dt>"Received"</dt><dd>{row.received.clone()}</dd>
            <dt>"Due"</dt><dd>{row.due.clone()}{left.map(|l| format!(" ({l})"))}</dd>
            <dt>"Status"</dt><dd class="status">{row.status.clone()}</dd>
            <dt>"Identity"</dt><dd class="identity">{row.identity.clone().unwrap_or_else(|| "not checked yet".to_owned())}</dd>
            <dt>"What they wrote"</dt><dd><pre class="details">{found.details.clone().unwrap_or_else(|| "(nothing)".to_owned())}</pre></dd>
            {found.refusal.clone().map(|reason| view! { <dt>"Refused because"</dt><dd>{reason}</dd> })}
        </dl>
        {actions}
    }
}

/// The forms for an open request: check identity, answer, extend, refuse.
fn request_actions(found: &OfficeRequestView, outcome: &FormOutcome) -> impl IntoView + use<> {
    let base = format!("/office/requests/{}", found.row.id);
    let verify = found.row.identity.is_none().then(|| {
        let chosen = outcome.value("method");
        view! {
            <form method="post" action=format!("{base}/verify") class="stacked office-verify">
                <h2>"Check their identity"</h2>
                <label for="field-method">"How it was checked"</label>
                <select id="field-method" name="method">
                    {found.methods.iter().map(|(name, words)| {
                        let selected = *name == chosen;
                        view! { <option value=name.clone() selected=selected>{words.clone()}</option> }
                    }).collect_view()}
                </select>
                <button type="submit">"Record the check"</button>
            </form>
        }
    });
    let extend = found.can_extend.then(|| view! {
        <form method="post" action=format!("{base}/extend") class="inline-form office-extend">
            <p>"A complex request can be extended once, before its deadline; the person is told."</p>
            <button type="submit">"Extend the deadline"</button>
        </form>
    });
    view! {
        {verify}
        {answer_form(found, outcome, &base)}
        {extend}
        <form method="post" action=format!("{base}/refuse") class="stacked office-refuse">
            <h2>"Refuse"</h2>
            <Field outcome=outcome.clone() name="reason" label="Reason, as the person will read it" input=Input::Text/>
            <button type="submit">"Refuse the request"</button>
        </form>
    }
}

/// The form that answers a request, carrying out what it asks for.
fn answer_form(found: &OfficeRequestView, outcome: &FormOutcome, base: &str) -> AnyView {
    let action = format!("{base}/answer");
    let (heading, fields, button): (&str, AnyView, &str) = match found.kind.as_str() {
        "rectification" => {
            let chosen = outcome.value("field");
            (
                "Make the correction",
                view! {
                    <label for="field-field">"Which detail"</label>
                    <select id="field-field" name="field">
                        <option value="display_name" selected=chosen != "email">"Name"</option>
                        <option value="email" selected=chosen == "email">"Email address"</option>
                    </select>
                    <Field outcome=outcome.clone() name="value" label="Corrected value" input=Input::Text/>
                }
                .into_any(),
                "Correct and answer",
            )
        }
        "restriction" => {
            let asked = found.details.clone().unwrap_or_default();
            (
                "Restrict processing",
                view! {
                    <fieldset>
                        <legend>"Restrict these uses"</legend>
                        {outcome.problem("purposes").map(|text| view! { <p class="problem">{text}</p> })}
                        {found.purposes.iter().map(|(id, name)| {
                            let field = format!("purpose-{id}");
                            let ticked = if outcome.is_refusal() {
                                outcome.value(&field) == "on"
                            } else {
                                restriction_asks_for(&asked, id)
                            };
                            view! {
                                <div class="choice">
                                    <input type="checkbox" id=field.clone() name=field.clone() value="on" checked=ticked/>
                                    <label for=field>{name.clone()}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                }
                .into_any(),
                "Restrict and answer",
            )
        }
        "erasure" => (
            "Erase their data",
            view! {
                <p>"Erasure deletes or shreds everything the policy does not require us to keep, tells the partners who received their data, and cannot be undone. A legal hold stops it."</p>
                <div class="choice">
                    <input type="checkbox" id="field-confirm" name="confirm" value="yes"/>
                    <label for="field-confirm">"I have checked there are no grounds to refuse"</label>
                </div>
                {outcome.problem("confirm").map(|text| view! { <p class="problem">{text}</p> })}
            }
            .into_any(),
            "Erase and answer",
        ),
        _ => (
            "Answer",
            view! { <p>"For a copy of their data, the person downloads it from their privacy centre once the request is answered."</p> }.into_any(),
            "Mark answered",
        ),
    };
    view! {
        <form method="post" action=action class="stacked office-answer">
            <h2>{heading}</h2>
            {fields}
            <button type="submit">{button}</button>
        </form>
    }
    .into_any()
}

/// What the notice after an office action says, by the code in `?done=`.
fn done_words(code: &str) -> Option<&'static str> {
    Some(match code {
        "identity" => "The identity check is recorded.",
        "extended" => "The deadline is extended; the person is told why.",
        "answered" => "Done, and the request is answered; the person is told.",
        "refused" => "The request is refused; the person is told the reason.",
        _ => return None,
    })
}

/// True when a restriction request's details (`purposes: a, b`) name `purpose`.
fn restriction_asks_for(details: &str, purpose: &str) -> bool {
    details
        .lines()
        .find_map(|line| line.strip_prefix("purposes:"))
        .is_some_and(|list| list.split(',').any(|p| p.trim() == purpose))
}

/// `/office/holds`: the legal-hold register.
#[component]
pub fn HoldsPage() -> impl IntoView {
    let outcome = use_outcome();
    let changed = use_query_map().get_untracked().get("changed").is_some();
    let holds = Resource::new_blocking(|| (), |()| hold_register());
    view! {
        <OfficeNav/>
        <h1>"Legal holds"</h1>
        <p>"While a hold is in force, nothing about the person expires or is erased."</p>
        {changed.then(|| view! { <p class="notice" role="status">"Saved."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match holds.await {
                    Ok(holds) => view! {
                        <FormMessage outcome=outcome.clone()/>
                        {holds_table(holds)}
                        {place_hold_form(&outcome)}
                    }
                    .into_any(),
                    Err(error) => load_failure(error, "/office/holds"),
                }
            })}
        </Suspense>
    }
}

fn holds_table(holds: Vec<HoldRow>) -> AnyView {
    if holds.is_empty() {
        return view! { <p>"No holds."</p> }.into_any();
    }
    view! {
        <table class="holds">
            <thead><tr><th>"Person"</th><th>"Reason"</th><th>"Owner"</th><th>"Placed"</th><th>"Expires"</th><th>"State"</th></tr></thead>
            <tbody>
                {holds.into_iter().map(|hold| {
                    let state = if hold.active {
                        let action = format!("/office/holds/{}/release", hold.id);
                        view! {
                            "in force "
                            <form method="post" action=action class="inline">
                                <button type="submit" class="link">"Release"</button>
                            </form>
                        }
                        .into_any()
                    } else {
                        let ended = hold.released.clone().map_or_else(
                            || "expired".to_owned(),
                            |at| format!("released {at}"),
                        );
                        view! { {ended} }.into_any()
                    };
                    view! {
                        <tr class:active=hold.active>
                            <td>{hold.person}</td>
                            <td>{hold.reason}</td>
                            <td>{hold.owner}</td>
                            <td>{hold.placed}</td>
                            <td>{hold.expires.unwrap_or_else(|| "never".to_owned())}</td>
                            <td>{state}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn place_hold_form(outcome: &FormOutcome) -> impl IntoView + use<> {
    view! {
        <form method="post" action="/office/holds" class="stacked place-hold">
            <h2>"Place a hold"</h2>
            <Field outcome=outcome.clone() name="email" label="The person's email address" input=Input::Email/>
            <Field outcome=outcome.clone() name="reason" label="Reason" input=Input::Text/>
            <Field outcome=outcome.clone() name="owner" label="Owner (who answers for it)" input=Input::Text/>
            <Field outcome=outcome.clone() name="expires" label="Expires on (optional, YYYY-MM-DD)" input=Input::Text required=false/>
            <button type="submit">"Place the hold"</button>
        </form>
    }
}

/// An outcome as the filter writes it.
#[cfg(feature = "ssr")]
fn outcome_word(outcome: pledge_audit::Outcome) -> &'static str {
    match outcome {
        pledge_audit::Outcome::Succeeded => "succeeded",
        pledge_audit::Outcome::Denied => "denied",
        pledge_audit::Outcome::Failed => "failed",
    }
}

/// `/office/audit`: the audit viewer.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let typed = |name: &str| query.get(name).unwrap_or_default();
    let filter = AuditFilterForm {
        person: typed("person"),
        actor: typed("actor"),
        action: typed("action"),
        category: typed("category"),
        from: typed("from"),
        until: typed("until"),
        outcome: typed("outcome"),
    };
    let verify = query.get("verify").is_some();
    let shown = filter.clone();
    let trail = Resource::new_blocking(
        move || (filter.clone(), verify),
        |(f, verify)| {
            audit_trail(
                f.person,
                f.actor,
                f.action,
                f.category,
                f.from,
                f.until,
                Some(f.outcome),
                verify,
            )
        },
    );
    view! {
        <OfficeNav/>
        <h1>"Audit log"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let shown = shown.clone();
                Suspend::new(async move {
                    match trail.await {
                        Ok(trail) => audit_view(trail, shown).into_any(),
                        Err(error) => load_failure(error, "/office/audit"),
                    }
                })
            }}
        </Suspense>
    }
}

fn audit_view(trail: AuditView, typed: AuditFilterForm) -> impl IntoView {
    let check = trail.check.clone().map(|(verified, text)| {
        let class = if verified {
            "notice chain-verified"
        } else {
            "alert chain-damaged"
        };
        view! { <p class=class role="status">{text}</p> }
    });
    let listing = match trail.problem.clone() {
        Some(problem) => view! { <p class="error" role="alert">{problem}</p> }.into_any(),
        None => audit_table(&trail).into_any(),
    };
    let alerts = (!trail.alerts.is_empty()).then(|| {
        view! {
            <div class="alert denial-alerts" role="alert">
                <p>"Refused again and again: someone may be probing for data they may not see."</p>
                <ul>
                    {trail.alerts.iter().cloned().map(|(who, what)| view! {
                        <li><strong>{who}</strong>" "{what}</li>
                    }).collect_view()}
                </ul>
            </div>
        }
    });
    view! {
        {alerts}
        {check}
        <div class="audit-actions">
            <form method="get" action="/office/audit" class="inline-form">
                <input type="hidden" name="verify" value="1"/>
                <button type="submit">"Verify the chain"</button>
            </form>
            <form method="post" action="/office/audit/checkpoint" class="inline-form">
                <button type="submit">"Sign a checkpoint now"</button>
            </form>
        </div>
        {audit_filter_form(&trail, &typed)}
        {listing}
    }
}

fn audit_filter_form(trail: &AuditView, typed: &AuditFilterForm) -> impl IntoView + use<> {
    let text = |name: &'static str, label: &'static str, value: String| {
        let id = format!("filter-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input type="text" id=id name=name value=value/>
            </div>
        }
    };
    let select = |name: &'static str,
                  label: &'static str,
                  choices: Vec<(String, String)>,
                  chosen: String| {
        let id = format!("filter-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <select id=id name=name>
                    <option value="">"Any"</option>
                    {choices.into_iter().map(|(value, words)| {
                        let selected = value == chosen;
                        view! { <option value=value selected=selected>{words}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let actions = trail
        .actions
        .iter()
        .map(|a| (a.clone(), a.replace('-', " ")))
        .collect();
    view! {
        <form method="get" action="/office/audit" class="audit-filter">
            {text("person", "About (email address)", typed.person.clone())}
            {text("actor", "By (email address or service)", typed.actor.clone())}
            {select("action", "Action", actions, typed.action.clone())}
            {select("category", "Data category", trail.categories.clone(), typed.category.clone())}
            {select("outcome", "Outcome", ["succeeded", "denied", "failed"].map(|o| (o.to_owned(), o.to_owned())).to_vec(), typed.outcome.clone())}
            {text("from", "From (YYYY-MM-DD)", typed.from.clone())}
            {text("until", "Until (YYYY-MM-DD)", typed.until.clone())}
            <button type="submit">"Filter"</button>
        </form>
    }
}

fn audit_table(trail: &AuditView) -> impl IntoView + use<> {
    let count = if trail.matched > trail.rows.len() {
        format!(
            "{} entries match; the newest {} are shown.",
            trail.matched,
            trail.rows.len()
        )
    } else {
        format!("{} entries match.", trail.matched)
    };
    view! {
        <p class="audit-count">{count}</p>
        <table class="audit-trail">
            <thead><tr><th>"#"</th><th>"When"</th><th>"Who"</th><th>"Did"</th><th>"About"</th><th>"Data"</th><th>"Why"</th><th>"Outcome"</th></tr></thead>
            <tbody>
                {trail.rows.clone().into_iter().map(|row| view! {
                    <tr>
                        <td>{row.seq}</td>
                        <td>{row.at}</td>
                        <td>{row.actor}</td>
                        <td>{row.action}</td>
                        <td>{row.subject}</td>
                        <td>{row.categories}</td>
                        <td>{row.purpose}</td>
                        <td>{row.outcome}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/office/processing`: the Art. 30 record, from the policy.
#[component]
pub fn RecordOfProcessingPage() -> impl IntoView {
    let record = Resource::new_blocking(|| (), |()| record_of_processing());
    view! {
        <OfficeNav/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match record.await {
                    Ok(html) => view! { <article class="record-of-processing" inner_html=html></article> }.into_any(),
                    Err(error) => load_failure(error, "/office/processing"),
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restriction_request_ticks_only_the_purposes_it_names() {
        let details = "purposes: marketing, analytics\nreason: moving house";
        assert!(restriction_asks_for(details, "marketing"));
        assert!(restriction_asks_for(details, "analytics"));
        assert!(!restriction_asks_for(details, "account"));
        assert!(!restriction_asks_for(
            "reason: purposes: marketing",
            "marketing"
        ));
    }

    #[test]
    fn the_countdown_says_overdue_once_the_deadline_passed() {
        let row = |days_left, overdue| QueueRow {
            id: String::new(),
            right: String::new(),
            person: String::new(),
            by_guardian: false,
            received: String::new(),
            due: String::new(),
            days_left,
            overdue,
            status: String::new(),
            identity: None,
        };
        assert_eq!(countdown(&row(Some(3), false)).unwrap(), "3 days left");
        assert_eq!(countdown(&row(Some(0), false)).unwrap(), "due today");
        assert_eq!(countdown(&row(Some(0), true)).unwrap(), "overdue today");
        assert_eq!(
            countdown(&row(Some(-2), true)).unwrap(),
            "overdue by 2 days"
        );
        assert_eq!(countdown(&row(None, false)), None);
    }
}
