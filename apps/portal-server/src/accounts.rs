//! The account forms' handlers: each reads its form, asks the store, then redirects on success
//! or renders its page again with what was typed and what is wrong.
//!
//! None of them tells whether an address has an account: registering a known address, asking
//! for a reset or a new verification link for an unknown one all answer exactly like the
//! ordinary case, and sign-in failures share one message.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::Response;
use pledge_store::StoreError;
use pledge_store::accounts::{Client, FieldProblem, Lasting, Registered, Registration, SignInStep};
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use time::Date;

use crate::mail;
use crate::web::{Server, read_form, see_other, see_other_setting, unavailable};

/// Fields never written back into a page.
const SECRET_FIELDS: [&str; 3] = ["password", "current_password", "new_password"];

/// What was typed, without passwords.
pub(crate) fn kept(fields: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter(|(name, _)| !SECRET_FIELDS.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

pub(crate) fn field<'a>(fields: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map_or("", String::as_str)
}

pub(crate) fn outcome_with(
    fields: &BTreeMap<String, String>,
    problems: Vec<FieldProblem>,
) -> FormOutcome {
    FormOutcome {
        values: kept(fields),
        problems: problems
            .into_iter()
            .map(|p| (p.field.to_owned(), p.message))
            .collect(),
        message: None,
    }
}

fn message_with(fields: &BTreeMap<String, String>, error: &StoreError) -> FormOutcome {
    FormOutcome::message(kept(fields), sentence(&error.to_string()))
}

/// `text` as a sentence: capital first letter, final full stop.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Answers a store error from a form: refusals go next to their fields or at the top of the
/// form; anything else is a failure inside.
pub(crate) async fn refused(
    server: &Server,
    parts: Parts,
    fields: &BTreeMap<String, String>,
    error: StoreError,
) -> Response {
    match error {
        StoreError::Refused(problems) => server.refuse(parts, outcome_with(fields, problems)).await,
        error @ (StoreError::LinkInvalid
        | StoreError::SignInRefused
        | StoreError::EmailNotVerified
        | StoreError::AwaitingGuardian) => server.refuse(parts, message_with(fields, &error)).await,
        // K43: nothing about them is kept, not even in the page sent back.
        error @ StoreError::BelowMinimumAge { .. } => {
            server
                .refuse(
                    parts,
                    FormOutcome::message(BTreeMap::new(), sentence(&error.to_string())),
                )
                .await
        }
        other => unavailable(&other),
    }
}

/// A date typed as `YYYY-MM-DD` (what a date input sends).
pub(crate) fn parse_date(text: &str) -> Result<Option<Date>, FieldProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, format)
        .map(Some)
        .map_err(|_| FieldProblem {
            field: "date_of_birth",
            message: "Enter the date as year-month-day, like 2001-04-30.".to_owned(),
        })
}

fn link(server: &Server, path: &str, token: &str) -> String {
    format!("{}/{path}/{token}", server.public_url)
}

/// `POST /register`.
pub async fn register(State(server): State<Server>, request: Request) -> Response {
    let (parts, fields) = read_form(request).await;
    let birth = match parse_date(field(&fields, "date_of_birth")) {
        Ok(date) => date,
        Err(problem) => {
            return server
                .refuse(parts, outcome_with(&fields, vec![problem]))
                .await;
        }
    };
    let guardian = Some(field(&fields, "guardian_email").trim())
        .filter(|g| !g.is_empty())
        .map(str::to_owned);
    let form = Registration {
        display_name: field(&fields, "display_name").to_owned(),
        email: field(&fields, "email").to_owned(),
        date_of_birth: birth,
        password: field(&fields, "password").to_owned(),
        guardian_email: guardian,
    };
    let organisation = server.organisation();
    match server
        .portal
        .store
        .register_account(&form, &server.portal.policy, now())
        .await
    {
        Ok(Registered::Created {
            person,
            verify,
            guardian,
        }) => {
            // The form shows the policy in force; signing up under it is accepting it.
            if let Err(error) = server
                .portal
                .store
                .accept_policy(&server.portal.policy, person, "sign-up", now())
                .await
            {
                eprintln!("portal: recording a sign-up's acceptance of the policy failed: {error}");
            }
            let url = link(&server, "verify", &verify.token);
            server
                .send(mail::verify(&verify.address, &organisation, &url))
                .await;
            if let Some(invite) = guardian {
                let url = link(&server, "guardian", &invite.token);
                server
                    .send(mail::guardian(&invite.address, &organisation, &url))
                    .await;
            }
            see_other("/register/sent")
        }
        Ok(Registered::AlreadyRegistered { address, .. }) => {
            let email = mail::already_registered(&address, &organisation, &server.public_url);
            server.send(email).await;
            see_other("/register/sent")
        }
        Err(error) => refused(&server, parts, &fields, error).await,
    }
}

/// Checks an address typed into a one-field form.
fn address_problem(email: &str) -> Option<FieldProblem> {
    let email = email.trim();
    let plausible = email.len() <= 200
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    (!plausible).then(|| FieldProblem {
        field: "email",
        message: "Enter an email address like name@example.org.".to_owned(),
    })
}

/// `POST /verify`: a new verification link.
pub async fn resend(State(server): State<Server>, request: Request) -> Response {
    answer_link_request(server, request, LinkKind::Verify).await
}

/// `POST /verify/{token}`.
pub async fn verify(
    State(server): State<Server>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    match server.portal.store.verify_email(&token, now()).await {
        Ok(_) => see_other("/signin?notice=verified"),
        Err(error) => refused(&server, parts, &fields, error).await,
    }
}

/// Where to go after signing in: a path on this site, never another site.
pub(crate) fn local_path(next: &str) -> &str {
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if safe { next } else { "/account" }
}

pub(crate) fn client(parts: &Parts, peer: SocketAddr) -> Client {
    Client {
        ip_address: peer.ip().to_string(),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect(),
    }
}

/// Ends the session the request's cookie names, if any.
async fn end_browser_session(server: &Server, parts: &Parts) -> Result<(), StoreError> {
    match server.cookie.token(&parts.headers) {
        Some(token) => server.portal.store.end_session(&token, now()).await,
        None => Ok(()),
    }
}

/// `POST /signin`: a new session, with a new id, replacing any the browser had.
pub async fn sign_in(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    if let Err(error) = end_browser_session(&server, &parts).await {
        return unavailable(&error);
    }
    let lasting = if field(&fields, "remember") == "yes" {
        Lasting::Remembered
    } else {
        Lasting::Standard
    };
    let signed = server
        .portal
        .store
        .sign_in(
            field(&fields, "email"),
            field(&fields, "password"),
            lasting,
            &client(&parts, peer),
            &server.portal.policy,
            now(),
        )
        .await;
    match signed {
        Ok(SignInStep::Done(signed)) => see_other_setting(
            local_path(field(&fields, "next")),
            server.cookie.set(&signed.token, signed.lasting),
        ),
        Ok(SignInStep::CodeNeeded { challenge }) => {
            let values = [
                ("challenge".to_owned(), challenge),
                (
                    "next".to_owned(),
                    local_path(field(&fields, "next")).to_owned(),
                ),
            ]
            .into_iter()
            .collect();
            let outcome = FormOutcome {
                values,
                ..FormOutcome::default()
            };
            server
                .render_at(parts, "/signin/code", outcome, StatusCode::OK)
                .await
        }
        Err(error) => refused(&server, parts, &fields, error).await,
    }
}

/// `POST /signout`: ends every session of the signed-in person on the server, on this
/// device and any other, and removes the cookie (J22). A cookie that names no live session
/// is still ended and removed.
pub async fn sign_out(State(server): State<Server>, request: Request) -> Response {
    let (parts, _) = read_form(request).await;
    let signed_in = parts
        .extensions
        .get::<pledge_store::accounts::ActiveSession>()
        .map(|session| session.person);
    let ended = match signed_in {
        Some(person) => server
            .portal
            .store
            .end_all_sessions(person, now())
            .await
            .map(|_| ()),
        None => end_browser_session(&server, &parts).await,
    };
    if let Err(error) = ended {
        return unavailable(&error);
    }
    see_other_setting("/signin?notice=signed-out", server.cookie.clear())
}

/// `POST /account/password`: every session ends; this browser gets a fresh one.
pub async fn change_password(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts
        .extensions
        .get::<pledge_store::accounts::ActiveSession>()
        .cloned()
    else {
        return see_other("/signin?next=/account/password");
    };
    let store = &server.portal.store;
    let changed = store
        .change_password(
            session.person,
            field(&fields, "current_password"),
            field(&fields, "new_password"),
            &server.portal.policy,
            now(),
        )
        .await;
    if let Err(error) = changed {
        return refused(&server, parts, &fields, error).await;
    }
    let fresh = store
        .open_session(
            session.person,
            Lasting::Standard,
            &client(&parts, peer),
            &server.portal.policy,
            now(),
        )
        .await;
    match fresh {
        Ok(signed) => see_other_setting(
            "/account?notice=password",
            server.cookie.set(&signed.token, signed.lasting),
        ),
        Err(error) => unavailable(&error),
    }
}

/// `POST /reset`: a reset link, if the address has an account.
pub async fn request_reset(State(server): State<Server>, request: Request) -> Response {
    answer_link_request(server, request, LinkKind::Reset).await
}

/// The links a person can ask to be sent again by typing their address.
#[derive(Debug, Clone, Copy)]
enum LinkKind {
    /// A new email verification link.
    Verify,
    /// A password reset link.
    Reset,
}

/// Sends the link `kind` if the typed address has an account (and, for verification, is not
/// verified yet), and answers `/link-sent` either way, so nobody learns which addresses have
/// accounts.
async fn answer_link_request(server: Server, request: Request, kind: LinkKind) -> Response {
    let (parts, fields) = read_form(request).await;
    let email = field(&fields, "email");
    if let Some(problem) = address_problem(email) {
        return server
            .refuse(parts, outcome_with(&fields, vec![problem]))
            .await;
    }
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let issued = match kind {
        LinkKind::Verify => store.resend_verification(email, policy, now()).await,
        LinkKind::Reset => store.request_password_reset(email, policy, now()).await,
    };
    match issued {
        Ok(Some(sent)) => {
            let organisation = server.organisation();
            let email = match kind {
                LinkKind::Verify => mail::verify(
                    &sent.address,
                    &organisation,
                    &link(&server, "verify", &sent.token),
                ),
                LinkKind::Reset => mail::reset(
                    &sent.address,
                    &organisation,
                    &link(&server, "reset", &sent.token),
                ),
            };
            server.send(email).await;
            see_other("/link-sent")
        }
        Ok(None) => see_other("/link-sent"),
        Err(error) => unavailable(&error),
    }
}

/// `POST /reset/{token}`.
pub async fn reset(
    State(server): State<Server>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    match server
        .portal
        .store
        .reset_password(
            &token,
            field(&fields, "new_password"),
            &server.portal.policy,
            now(),
        )
        .await
    {
        Ok(_) => see_other_setting("/signin?notice=reset", server.cookie.clear()),
        Err(error) => refused(&server, parts, &fields, error).await,
    }
}

/// `POST /guardian/{token}` (K44).
pub async fn confirm_guardian(
    State(server): State<Server>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    if field(&fields, "confirm") != "yes" {
        let problem = FieldProblem {
            field: "confirm",
            message: "Tick the box to confirm that you are their parent or guardian.".to_owned(),
        };
        return server
            .refuse(parts, outcome_with(&fields, vec![problem]))
            .await;
    }
    let name = field(&fields, "display_name");
    let password = field(&fields, "password");
    let account = (!password.is_empty() || !name.is_empty()).then_some((name, password));
    match server
        .portal
        .store
        .confirm_guardian(&token, account, &server.portal.policy, now())
        .await
    {
        Ok(_) => see_other("/signin?notice=guardian"),
        Err(error) => refused(&server, parts, &fields, error).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(local_path("/account/password"), "/account/password");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "",
            "account",
        ] {
            assert_eq!(local_path(hostile), "/account", "{hostile}");
        }
    }

    #[test]
    fn passwords_are_never_written_back() {
        let fields: BTreeMap<String, String> = [
            ("email", "a@example.org"),
            ("password", "secret"),
            ("new_password", "secret"),
            ("current_password", "secret"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(kept(&fields).keys().collect::<Vec<_>>(), ["email"]);
    }

    #[test]
    fn dates_are_read_as_a_date_input_sends_them() {
        assert_eq!(parse_date(" "), Ok(None));
        assert_eq!(
            parse_date("2001-04-30"),
            Ok(Some(time::macros::date!(2001 - 04 - 30)))
        );
        assert_eq!(
            parse_date("30/04/2001").map_err(|p| p.field),
            Err("date_of_birth")
        );
    }
}
