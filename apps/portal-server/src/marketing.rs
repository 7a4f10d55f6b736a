//! Marketing choices and sends: `POST /account/privacy/marketing` (the signed-in person's
//! channels, each change a consent event with its proof), `POST
//! /unsubscribe/{person}/{channel}/{token}` (a message's one-click link, without signing in;
//! also the RFC 8058 one-click `POST` a mail program makes), and `POST /admin/marketing`
//! (administrators queue a message for everyone the consent gate allows).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pledge_domain::{PersonId, Role};
use pledge_policy::model::Channel;
use pledge_store::StoreError;
use pledge_store::accounts::{ActiveSession, FieldProblem};
use pledge_store::marketing::{Campaign, ChoiceMade, MarketingChoice, channel_named};
use portal_app::forms::FormOutcome;
use portal_app::marketing::{organisation, preference_text, unsubscribe_text};
use portal_app::state::now;

use crate::accounts::{field, kept, outcome_with, sentence};
use crate::web::{Server, read_form, see_other, unavailable};

const CENTRE: &str = "/account/privacy";

fn user_agent(parts: &axum::http::request::Parts) -> Option<String> {
    parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `POST /account/privacy/marketing`: records each channel whose answer changed.
pub async fn preferences(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next={CENTRE}"));
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let Some(marketing) = policy.policy().marketing.as_ref() else {
        return see_other(CENTRE);
    };
    let allowed = match store.marketing_allowed(policy, session.person, now()).await {
        Ok(allowed) => allowed,
        Err(error) => return unavailable(&error),
    };
    let organisation = organisation(policy);
    let changed: Vec<(Channel, bool)> = marketing
        .channels
        .iter()
        .map(|channel| {
            let name = pledge_store::marketing::channel_name(*channel);
            (*channel, field(&fields, &format!("channel-{name}")) == "on")
        })
        .filter(|(channel, wanted)| *wanted != allowed.contains(channel))
        .collect();
    // Refused as a whole before anything is recorded: a yes this policy takes only in writing.
    let written_only = marketing.evidence == pledge_policy::model::ConsentEvidence::Written;
    if written_only && changed.iter().any(|(_, wanted)| *wanted) {
        let error = StoreError::Invalid(
            "consent to marketing is taken in writing: send us the signed form",
        );
        let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
        return server
            .render_at(parts, CENTRE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    }
    for (channel, wanted) in changed {
        let choice = MarketingChoice {
            channel,
            given: wanted,
            made: ChoiceMade::Preferences,
            text_shown: preference_text(&organisation, channel.plain_words()),
            ip: Some(peer.ip()),
            user_agent: user_agent(&parts),
        };
        match store
            .record_marketing_choice(policy, session.person, &choice, now())
            .await
        {
            Ok(()) => {}
            Err(error @ StoreError::Invalid(_)) => {
                let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
                return server
                    .render_at(parts, CENTRE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
            Err(error) => return unavailable(&error),
        }
    }
    see_other(&format!("{CENTRE}?marketing=1"))
}

fn not_ours() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "This unsubscribe link is not one of ours, or it was changed.\n",
    )
        .into_response()
}

/// The person and channel an unsubscribe link names, when its token is theirs.
fn link_target(
    server: &Server,
    person: &str,
    channel: &str,
    token: &str,
) -> Option<(PersonId, Channel)> {
    let person = PersonId::from_uuid(uuid::Uuid::parse_str(person).ok()?);
    let channel = channel_named(channel)?;
    server
        .portal
        .store
        .unsubscribe_token_is_valid(person, channel, token)
        .then_some((person, channel))
}

/// `POST /unsubscribe/{person}/{channel}/{token}`: withdraws marketing consent on the channel.
/// Unsubscribing again, or after an erasure, is not an error.
pub async fn unsubscribe(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((person, channel, token)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    let (parts, _) = read_form(request).await;
    let Some((id, chosen)) = link_target(&server, &person, &channel, &token) else {
        return not_ours();
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let still_allowed = match store.marketing_allowed(policy, id, now()).await {
        Ok(allowed) => allowed.contains(&chosen),
        Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => false,
        Err(error) => return unavailable(&error),
    };
    if still_allowed {
        let choice = MarketingChoice {
            channel: chosen,
            given: false,
            made: ChoiceMade::UnsubscribeLink,
            text_shown: unsubscribe_text(&organisation(policy), chosen.plain_words()),
            ip: Some(peer.ip()),
            user_agent: user_agent(&parts),
        };
        if let Err(error) = store
            .record_marketing_choice(policy, id, &choice, now())
            .await
        {
            return unavailable(&error);
        }
    }
    see_other(&format!("/unsubscribe/{person}/{channel}/{token}?done=1"))
}

/// `POST /admin/marketing`: queues a message for everyone the consent gate allows.
pub async fn send_campaign(State(server): State<Server>, request: Request) -> Response {
    const PAGE: &str = "/admin/marketing";
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next={PAGE}"));
    };
    if !session.has(Role::Administrator) {
        return server
            .render_at(parts, PAGE, FormOutcome::default(), StatusCode::FORBIDDEN)
            .await;
    }
    let mut problems = Vec::new();
    for (name, message) in [
        ("subject", "Give the message a subject."),
        ("body", "Write the message."),
    ] {
        if field(&fields, name).trim().is_empty() {
            problems.push(FieldProblem {
                field: name,
                message: message.to_owned(),
            });
        }
    }
    if !problems.is_empty() {
        let outcome = outcome_with(&fields, problems);
        return server
            .render_at(parts, PAGE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    }
    let campaign = Campaign {
        channel: Channel::Email,
        subject: field(&fields, "subject"),
        body: field(&fields, "body"),
    };
    let store = &server.portal.store;
    let actor = store.audit().actor(session.person);
    match store
        .queue_campaign(&server.portal.policy, &campaign, actor, now())
        .await
    {
        Ok(queued) => {
            server.outbox_wake.notify_one();
            see_other(&format!("{PAGE}?sent={queued}"))
        }
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            server
                .render_at(parts, PAGE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}
