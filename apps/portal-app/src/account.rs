//! Accounts: registering (under the policy's age rule), verifying an email, signing in and out,
//! the account page, changing and resetting a password, and a guardian's confirmation.
//!
//! The pages are forms that post to their own address (see [`crate::forms`]); the server's
//! handlers do the work and redirect. The server functions here only read: the policy's rules
//! for the forms, who is signed in, and the signed-in person's own account.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, FormOutcome, Input, use_outcome};
use crate::islands::NewPasswordField;

/// The policy's rules the account forms explain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRules {
    /// The shortest password accepted.
    pub min_password: u8,
    /// Whether common and breached passwords are refused.
    pub reject_common: bool,
    /// Nobody younger may register.
    pub minimum_age: u8,
    /// Below this age a guardian must confirm.
    pub guardian_until: u8,
    /// How long "remember me" keeps someone signed in, if the policy offers it.
    pub remember_me: Option<String>,
    /// How long a session may sit unused.
    pub idle_timeout: String,
    /// The longest a session lasts.
    pub absolute_timeout: String,
}

/// Who is signed in, as every page's header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// Their roles' names.
    pub roles: Vec<String>,
}

/// The signed-in person's own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// The name they go by.
    pub display_name: String,
    /// Their email address.
    pub email: String,
    /// Their roles' names.
    pub roles: Vec<String>,
}

/// What a guardian's link is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The young person's name.
    pub minor_name: String,
    /// Whether the guardian must choose a name and password.
    pub needs_password: bool,
}

pub use server_fns::{guardian_invitation, my_account, reset_link, rules_for_accounts, whoami};

/// The account pages' server functions.
#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The deployed policy's rules for accounts. Public.
    ///
    /// # Errors
    /// [`PortalError::Unavailable`] when the server is miswired.
    #[server(endpoint = "account-rules", input = GetUrl)]
    pub async fn rules_for_accounts() -> Result<AccountRules, PortalError> {
        let state = crate::state::portal_state()?;
        let policy = state.policy.policy();
        let security = &policy.security;
        let age = state.policy.age_rule();
        Ok(AccountRules {
            min_password: security.passwords.min_length,
            reject_common: security.passwords.reject_common,
            minimum_age: age.minimum_age(),
            guardian_until: age.guardian_until(),
            remember_me: security.remember_me.map(|p| p.to_string()),
            idle_timeout: security.idle_timeout.to_string(),
            absolute_timeout: security.absolute_timeout.to_string(),
        })
    }

    /// Who is signed in on this request, if anyone.
    ///
    /// # Errors
    /// None in practice; the signature is a server function's.
    #[server(endpoint = "whoami", input = GetUrl)]
    pub async fn whoami() -> Result<Option<Viewer>, PortalError> {
        Ok(crate::state::viewer().map(|session| Viewer {
            roles: session.roles.iter().map(|r| r.name().to_owned()).collect(),
        }))
    }

    /// The signed-in person's own account; reading it is audited.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`] (and a redirect to the sign-in page) without a session.
    #[server(endpoint = "my-account", input = GetUrl)]
    pub async fn my_account() -> Result<AccountSummary, PortalError> {
        let session = crate::state::require_viewer("/account")?;
        let state = crate::state::portal_state()?;
        let account =
            pledge_domain::PurposeId::new("account").map_err(|_| PortalError::Unavailable)?;
        let me = state
            .store
            .read_person(
                session.person,
                state.store.audit().actor(session.person),
                account,
                crate::state::now(),
            )
            .await?;
        Ok(AccountSummary {
            display_name: me.display_name,
            email: me.email,
            roles: session.roles.iter().map(|r| r.name().to_owned()).collect(),
        })
    }

    /// What the guardian link `token` asks; reading the young person's name is audited.
    ///
    /// # Errors
    /// [`PortalError::Invalid`] for an unknown, used or expired link.
    #[server(endpoint = "guardian-invitation", input = GetUrl)]
    pub async fn guardian_invitation(token: String) -> Result<Invitation, PortalError> {
        let state = crate::state::portal_state()?;
        let found = state
            .store
            .guardian_invitation(&token, crate::state::now())
            .await?;
        Ok(Invitation {
            minor_name: found.minor_name,
            needs_password: found.needs_password,
        })
    }

    /// Whether the reset link `token` still works.
    ///
    /// # Errors
    /// [`PortalError::Invalid`] for an unknown, used or expired link.
    #[server(endpoint = "reset-link", input = GetUrl)]
    pub async fn reset_link(token: String) -> Result<(), PortalError> {
        let state = crate::state::portal_state()?;
        state
            .store
            .peek_reset(&token, crate::state::now())
            .await
            .map(|_| ())
            .map_err(PortalError::from)
    }
}

/// Shows a refusal or the page's content once the policy's rules are known.
fn with_rules<V: IntoView + 'static>(
    page: impl Fn(AccountRules, FormOutcome) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let rules = Resource::new_blocking(|| (), |()| rules_for_accounts());
    let outcome = use_outcome();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match (rules.await, outcome.await) {
                        (Ok(rules), outcome) => page(rules, outcome).into_any(),
                        (Err(error), _) => {
                            view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// `/register`: name, email, date of birth, a guardian's email in the guardian range, password.
#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <h1>"Create an account"</h1>
        {with_rules(|rules, outcome| {
            let password_hint = format!(
                "At least {} characters{}.",
                rules.min_password,
                if rules.reject_common { "; common or breached passwords are refused" } else { "" }
            );
            let age_hint = format!(
                "Year-month-day, like 2001-04-30. You must be at least {}; under {} a parent or \
                 guardian confirms your account.",
                rules.minimum_age, rules.guardian_until
            );
            let guardian_hint = format!(
                "Only if you are under {}: we email them to confirm.",
                rules.guardian_until
            );
            view! {
                <form method="post" action="/register" class="stacked" novalidate>
                    <FormMessage outcome=outcome.clone()/>
                    <Field outcome=outcome.clone() name="display_name" label="Name" input=Input::Text autocomplete="name"/>
                    <Field outcome=outcome.clone() name="email" label="Email address" input=Input::Email autocomplete="email"/>
                    <Field outcome=outcome.clone() name="date_of_birth" label="Date of birth" input=Input::Text autocomplete="bday" hint=age_hint/>
                    <Field outcome=outcome.clone() name="guardian_email" label="Parent or guardian's email" input=Input::Email hint=guardian_hint required=false/>
                    <NewPasswordField name="password".to_owned() label="Password".to_owned() hint=password_hint problem=outcome.problem("password") min_length=rules.min_password/>
                    <p class="notice">
                        "We use your details to run your account as our "
                        <a href="/privacy">"privacy policy"</a>
                        " describes."
                    </p>
                    <button type="submit">"Create account"</button>
                </form>
                <p>"Have an account? " <a href="/signin">"Sign in"</a></p>
            }
        })}
    }
}

/// `/register/sent`: what happens next (the same page whether or not the address was new).
#[component]
pub fn RegisterSentPage() -> impl IntoView {
    view! {
        <h1>"Check your email"</h1>
        <p>
            "We sent a link to the address you gave. Follow it to verify your address, then sign in. "
            "If you are under the age at which a guardian must confirm, we also emailed them."
        </p>
        <p>"No email after a few minutes? " <a href="/verify">"Send the link again"</a></p>
    }
}

/// `/verify`: asks for an address to send a new verification link to.
#[component]
pub fn ResendPage() -> impl IntoView {
    let outcome = use_outcome();
    view! {
        <h1>"Send the verification link again"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                view! {
                    <form method="post" action="/verify" class="stacked" novalidate>
                        <FormMessage outcome=outcome.clone()/>
                        <Field outcome=outcome name="email" label="Email address" input=Input::Email autocomplete="email"/>
                        <button type="submit">"Send"</button>
                    </form>
                }
            })}
        </Suspense>
    }
}

/// `/verify/{token}`: a button that verifies (a link alone must not, since mail scanners open
/// links).
#[component]
pub fn VerifyPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let outcome = use_outcome();
    view! {
        <h1>"Verify your email address"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                let action = format!("/verify/{}", token());
                view! {
                    <form method="post" action=action class="stacked">
                        <FormMessage outcome=outcome/>
                        <button type="submit">"Verify my address"</button>
                    </form>
                }
            })}
        </Suspense>
    }
}

/// The notices a redirect to the sign-in page may carry (by name, never with personal data).
fn sign_in_notice(name: &str) -> Option<&'static str> {
    match name {
        "verified" => Some("Your email address is verified. Sign in to continue."),
        "reset" => Some(
            "Your password is changed and every session was signed out. Sign in with the new one.",
        ),
        "guardian" => Some("Thank you: the account is confirmed. Sign in to continue."),
        "signed-out" => Some("You are signed out."),
        "expired" => Some("Your session ended. Sign in again to continue."),
        _ => None,
    }
}

/// `/signin`: email, password and, where the policy offers it, "remember me".
#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let notice = move || query.read().get("notice").and_then(|n| sign_in_notice(&n));
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <h1>"Sign in"</h1>
        {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
        {with_rules(move |rules, outcome| {
            let remember = rules.remember_me.clone().map(|period| {
                view! {
                    <div class="field checkbox">
                        <input type="checkbox" id="field-remember" name="remember" value="yes"/>
                        <label for="field-remember">{format!("Keep me signed in for {period}")}</label>
                    </div>
                }
            });
            let session_note = format!(
                "You are signed out after {} without activity, and after {} at the latest.",
                rules.idle_timeout, rules.absolute_timeout
            );
            view! {
                <form method="post" action="/signin" class="stacked" novalidate>
                    <FormMessage outcome=outcome.clone()/>
                    <input type="hidden" name="next" value=next/>
                    <Field outcome=outcome.clone() name="email" label="Email address" input=Input::Email autocomplete="username"/>
                    <Field outcome=outcome.clone() name="password" label="Password" input=Input::Password autocomplete="current-password"/>
                    {remember}
                    <p class="hint">{session_note}</p>
                    <button type="submit">"Sign in"</button>
                </form>
                <p>
                    <a href="/reset">"Forgot your password?"</a>
                    " · "
                    <a href="/register">"Create an account"</a>
                    " · "
                    <a href="/verify">"Resend the verification link"</a>
                </p>
            }
        })}
    }
}

/// `/account`: the signed-in person's account, with sign-out and password change.
#[component]
pub fn AccountPage() -> impl IntoView {
    let query = use_query_map();
    let changed = move || query.read().get("notice").is_some_and(|n| n == "password");
    let account = Resource::new_blocking(|| (), |()| my_account());
    view! {
        <h1>"Your account"</h1>
        {move || changed().then(|| view! {
            <p class="notice" role="status">"Your password is changed; your other sessions were signed out."</p>
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(me) => view! {
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{me.display_name}</dd>
                            <dt>"Email"</dt><dd>{me.email}</dd>
                            <dt>"Roles"</dt><dd>{me.roles.join(", ")}</dd>
                        </dl>
                        <p><a href="/account/password">"Change your password"</a></p>
                        <p><a href="/account/second-step">"Second step for signing in"</a></p>
                        <p><a href="/account/payments">"Your payments and receipts"</a></p>
                        <p><a href="/tours/bookings">"Your tour bookings"</a></p>
                        <form method="post" action="/signout">
                            <button type="submit">"Sign out"</button>
                        </form>
                    }.into_any(),
                    Err(PortalError::SignInRequired) => view! {
                        <p>"Please " <a href="/signin?next=/account">"sign in"</a> " to see your account."</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/account/password`: the current password and a new one.
#[component]
pub fn PasswordPage() -> impl IntoView {
    // Only for a signed-in person: anyone else is sent to sign in and come back here.
    if signed_in_roles().is_none() {
        #[cfg(feature = "ssr")]
        let _ = crate::state::require_viewer("/account/password");
        return view! { <p>"Please " <a href="/signin?next=/account/password">"sign in"</a> "."</p> }
            .into_any();
    }
    view! {
        <h1>"Change your password"</h1>
        {with_rules(|rules, outcome| {
            let hint = format!("At least {} characters.", rules.min_password);
            view! {
                <form method="post" action="/account/password" class="stacked" novalidate>
                    <FormMessage outcome=outcome.clone()/>
                    <Field outcome=outcome.clone() name="current_password" label="Current password" input=Input::Password autocomplete="current-password"/>
                    <NewPasswordField name="new_password".to_owned() label="New password".to_owned() hint=hint problem=outcome.problem("new_password") min_length=rules.min_password/>
                    <p class="hint">"Every other session of yours is signed out."</p>
                    <button type="submit">"Change password"</button>
                </form>
            }
        })}
    }
    .into_any()
}

/// `/reset`: asks for the address to send a reset link to.
#[component]
pub fn ResetRequestPage() -> impl IntoView {
    let outcome = use_outcome();
    view! {
        <h1>"Reset your password"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                view! {
                    <form method="post" action="/reset" class="stacked" novalidate>
                        <FormMessage outcome=outcome.clone()/>
                        <Field outcome=outcome name="email" label="Email address" input=Input::Email autocomplete="email"/>
                        <button type="submit">"Send a reset link"</button>
                    </form>
                }
            })}
        </Suspense>
    }
}

/// `/reset/sent` and `/verify/sent`: the same answer whether or not the address has an account.
#[component]
pub fn LinkSentPage() -> impl IntoView {
    view! {
        <h1>"Check your email"</h1>
        <p>"If the address has an account with us, a link is on its way. It works once, for a limited time."</p>
        <p><a href="/signin">"Back to sign in"</a></p>
    }
}

/// `/reset/{token}`: the new password.
#[component]
pub fn ResetPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new_blocking(token, reset_link);
    let page = move |rules: AccountRules, outcome: FormOutcome| {
        let hint = format!("At least {} characters.", rules.min_password);
        let min_length = rules.min_password;
        let action = format!("/reset/{}", token());
        view! {
            <Suspense fallback=|| ()>
                {
                    let action = action.clone();
                    let hint = hint.clone();
                    let outcome = outcome.clone();
                    move || {
                        let action = action.clone();
                        let hint = hint.clone();
                        let outcome = outcome.clone();
                        Suspend::new(async move {
                            match link.await {
                                Ok(()) => view! {
                                    <form method="post" action=action class="stacked" novalidate>
                                        <FormMessage outcome=outcome.clone()/>
                                        <NewPasswordField name="new_password".to_owned() label="New password".to_owned() hint=hint problem=outcome.problem("new_password") min_length=min_length/>
                                        <button type="submit">"Set the new password"</button>
                                    </form>
                                }.into_any(),
                                Err(error) => view! {
                                    <p class="error" role="alert">{error.to_string()}</p>
                                    <p><a href="/reset">"Ask for a new link"</a></p>
                                }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        }
    };
    view! {
        <h1>"Choose a new password"</h1>
        {with_rules(page)}
    }
}

/// `/guardian/{token}`: a parent or guardian confirms a young person's account (K44).
#[component]
pub fn GuardianPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let invitation = Resource::new_blocking(token, guardian_invitation);
    let outcome = use_outcome();
    view! {
        <h1>"Confirm as parent or guardian"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match invitation.await {
                    Ok(invitation) => {
                        let action = format!("/guardian/{}", token());
                        let account_fields = invitation.needs_password.then(|| view! {
                            <p>"You do not have an account with us yet; choose a name and password for yours."</p>
                            <Field outcome=outcome.clone() name="display_name" label="Your name" input=Input::Text autocomplete="name"/>
                            <Field outcome=outcome.clone() name="password" label="Password" input=Input::Password autocomplete="new-password"/>
                        });
                        view! {
                            <p>
                                {format!(
                                    "{} asked to create an account and named you as their parent or guardian. \
                                     As their guardian you can see and act on their data and privacy requests \
                                     until they come of age.",
                                    invitation.minor_name
                                )}
                            </p>
                            <form method="post" action=action class="stacked" novalidate>
                                <FormMessage outcome=outcome.clone()/>
                                {account_fields}
                                <div class="field checkbox">
                                    <input type="checkbox" id="field-confirm" name="confirm" value="yes" required/>
                                    <label for="field-confirm">
                                        {format!("I am {}'s parent or guardian and I agree to their account.", invitation.minor_name)}
                                    </label>
                                </div>
                                {outcome.problem("confirm").map(|p| view! { <p class="problem">{p}</p> })}
                                <button type="submit">"Confirm"</button>
                            </form>
                        }.into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The roles of the person signed in on this request, or `None` (pages render on the server
/// only, so the header reads the request's session directly instead of through a resource).
fn signed_in_roles() -> Option<Vec<String>> {
    #[cfg(feature = "ssr")]
    {
        crate::state::viewer()
            .map(|session| session.roles.iter().map(|r| r.name().to_owned()).collect())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The header's account links: "Sign in" or "Your account" and a sign-out button.
#[component]
pub fn AccountLinks() -> impl IntoView {
    match signed_in_roles() {
        Some(roles) => {
            let has = |role: &str| roles.iter().any(|r| r == role);
            view! {
                {has("finance").then(|| view! { <a href="/finance/payments">"Payments"</a> })}
                {has("tour-coordinator").then(|| view! { <a href="/tours/manage">"Manifests"</a> })}
                {has("instructor").then(|| view! { <a href="/teach/marking">"Marking"</a> })}
                {has("support-agent").then(|| view! { <a href="/support/queue">"Tickets"</a> })}
                {has("content-moderator").then(|| view! { <a href="/moderation">"Moderation"</a> })}
                {has("privacy-officer").then(|| view! { <a href="/office/requests">"Privacy office"</a> })}
                {has("administrator").then(|| view! { <a href="/admin/teaching">"Teaching"</a> <a href="/admin/funding">"Funding"</a> <a href="/office/processing">"Processing record"</a> <a href="/admin/marketing">"Send news"</a> })}
                <a href="/support">"Support"</a>
                <a href="/learn">"Your learning"</a>
                <a href="/account">"Your account"</a>
                <a href="/account/privacy">"Your privacy"</a>
                <form method="post" action="/signout" class="inline">
                    <button type="submit" class="link">"Sign out"</button>
                </form>
            }
            .into_any()
        }
        None => view! {
            <a href="/signin">"Sign in"</a>
            <a href="/register">"Create an account"</a>
        }
        .into_any(),
    }
}
