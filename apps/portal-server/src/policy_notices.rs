//! Policy changes as people meet them (W02, J43, K45):
//!
//! - [`announce`] runs at start, after the policy in force was published: when it replaces an
//!   earlier published version and was not announced yet, the store tells the people the
//!   change affects and asks again for the consents it touches (see
//!   [`pledge_store::policy_changes`]). A start that died half way announces on the next one.
//! - [`show_on_visit`] puts a signed-in person's open notice on each page request, for the
//!   page's banner, and records the visit (the first shows it; under continued-use acceptance,
//!   a later one is the acceptance).
//! - `POST /account/policy-notice` ([`close`]) closes the notice, recording the acceptance.
//! - [`cookies_asked_again`] tells the cookie rules which categories a browser that answered
//!   under an earlier version is asked about again.
//! - [`email_body`] is the email the outbox sends.

use std::collections::BTreeMap;

use anyhow::Context;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use pledge_consent::cookies::version_tag;
use pledge_policy::model::CookieCategory;
use pledge_policy::{Audience, ChangeClass, ValidPolicy};
use pledge_store::Store;
use pledge_store::accounts::ActiveSession;
use pledge_store::outbox::ClaimedMessage;
use portal_app::state::now;

use crate::accounts::{field, local_path};
use crate::web::{Server, read_form, see_other, unavailable};

/// Announces the policy in force if it replaces an earlier published version and was not
/// announced yet.
///
/// # Errors
/// Reading the versions, an earlier version that no longer parses, or the announcement
/// failing (nothing of it is kept then; the next start tries again).
pub async fn announce(store: &Store, policy: &ValidPolicy) -> anyhow::Result<()> {
    let info = &policy.policy().policy;
    let pack = info.id.to_string();
    let versions = store.policy_versions(&pack).await?;
    let Some(at) = versions.iter().position(|v| v.version == info.version) else {
        return Ok(());
    };
    let Some(previous) = versions.get(at + 1) else {
        return Ok(());
    };
    if store.policy_announcement(policy).await?.is_some() {
        return Ok(());
    }
    let text = store
        .policy_document(&pack, &previous.version)
        .await?
        .with_context(|| format!("policy version {} has no text", previous.version))?;
    let old = pledge_policy::parse(&format!("{pack} {}", previous.version), &text)
        .map_err(|error| anyhow::anyhow!("{error}"))
        .with_context(|| format!("reading policy version {}", previous.version))?;
    let told = store
        .announce_policy_change(&old, policy, now())
        .await
        .with_context(|| format!("announcing policy version {}", info.version))?;
    eprintln!(
        "portal: policy version {} replaces {}: {} people told, {} asked for consent again",
        told.version, told.previous, told.people_told, told.people_asked_again
    );
    Ok(())
}

/// By the cookie-answer tag of every version published before the one in force: the optional
/// cookie categories a change since then needs fresh consent for (K45: a browser that accepted
/// them under the old terms is asked again).
///
/// # Errors
/// Reading the versions, or an earlier version that no longer parses.
pub async fn cookies_asked_again(
    store: &Store,
    policy: &ValidPolicy,
) -> anyhow::Result<BTreeMap<String, Vec<CookieCategory>>> {
    let info = &policy.policy().policy;
    let pack = info.id.to_string();
    let versions = store.policy_versions(&pack).await?;
    let earlier = versions
        .iter()
        .position(|v| v.version == info.version)
        .and_then(|at| versions.get(at + 1..))
        .unwrap_or_default();
    let mut asked = BTreeMap::new();
    for version in earlier {
        let Some(text) = store.policy_document(&pack, &version.version).await? else {
            continue;
        };
        let old = pledge_policy::parse(&format!("{pack} {}", version.version), &text)
            .map_err(|error| anyhow::anyhow!("{error}"))
            .with_context(|| format!("reading policy version {}", version.version))?;
        let mut categories: Vec<CookieCategory> = pledge_policy::diff(&old, policy.policy())
            .changes
            .iter()
            .filter(|c| c.class == ChangeClass::FreshConsent)
            .flat_map(|c| &c.audience)
            .filter_map(|a| match a {
                Audience::AcceptedCookies(category) => Some(*category),
                _ => None,
            })
            .collect();
        categories.sort();
        categories.dedup();
        asked.insert(version_tag(&version.version), categories);
    }
    Ok(asked)
}

/// Whether `request` is a page view (not a download, a bundle file or a server function).
fn is_page_view(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET
        && !path.starts_with("/pkg/")
        && !path.starts_with("/api/")
        && path != "/healthz"
        && !path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

/// Puts the signed-in person's open policy notice on page requests and records the visit.
pub async fn show_on_visit(
    State(server): State<Server>,
    mut request: Request,
    next: Next,
) -> Response {
    let person = request
        .extensions()
        .get::<ActiveSession>()
        .map(|session| session.person);
    if let (Some(person), true) = (person, is_page_view(&request)) {
        let store = &server.portal.store;
        match store.policy_notice(person).await {
            Ok(Some(notice)) => {
                if let Err(error) = store
                    .visit_with_policy_notice(&server.portal.policy, &notice, now())
                    .await
                {
                    eprintln!("portal: recording a policy notice's visit failed: {error}");
                }
                request.extensions_mut().insert(notice);
            }
            Ok(None) => {}
            Err(error) => eprintln!("portal: reading a policy notice failed: {error}"),
        }
    }
    next.run(request).await
}

/// `POST /account/policy-notice`: closes the signed-in person's notice and goes back.
pub async fn close(State(server): State<Server>, request: Request) -> Response {
    let (parts, fields) = read_form(request).await;
    let back = local_path(field(&fields, "next")).to_owned();
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next={back}"));
    };
    let Ok(id) = field(&fields, "notice").parse::<uuid::Uuid>() else {
        return see_other(&back);
    };
    match server
        .portal
        .store
        .close_policy_notice(&server.portal.policy, session.person, id, now())
        .await
    {
        // A notice closed already (in another tab) or not theirs: nothing to do.
        Ok(()) | Err(pledge_store::StoreError::Invalid(_)) => see_other(&back),
        Err(error) => unavailable(&error),
    }
}

/// The email telling a person of a policy change.
pub fn email_body(server: &Server, message: &ClaimedMessage) -> String {
    let text = |name: &str| crate::outbox::payload_text(message, name);
    let asked: Vec<String> = message
        .payload
        .get("asked_again")
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(serde_json::Value::as_str)
                .map(|purpose| {
                    portal_app::privacy_centre::consent_what(&server.portal.policy, purpose)
                })
                .collect()
        })
        .unwrap_or_default();
    let (version, previous) = (text("version"), text("previous"));
    let mut body = format!(
        "Our privacy policy has changed: version {version} replaces version {previous}.\n\n\
         What changed, and whom each change concerns:\n{}/privacy/changes?from={previous}&to={version}\n",
        server.public_url
    );
    if !asked.is_empty() {
        body.push_str(&format!(
            "\nThe change concerns something you agreed to, so we no longer rely on your \
             earlier agreement to: {}. If you still agree, say so again in your privacy \
             centre:\n{}/account/privacy\n",
            asked.join("; "),
            server.public_url
        ));
    }
    body.push_str(&if text("acceptance") == "explicit" {
        "\nWe will ask you to accept the new version the next time you sign in.\n".to_owned()
    } else {
        format!(
            "\nIf you keep using our services, the new version applies to you. If you do not \
             agree, you can close your account and ask us to erase your data:\n\
             {}/account/privacy/erasure\n",
            server.public_url
        )
    });
    body.push_str(&format!("\n{}\n", server.organisation()));
    body
}
