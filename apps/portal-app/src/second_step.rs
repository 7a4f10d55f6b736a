//! The second step of signing in (K26, W43): adding an authenticator app, the recovery codes
//! shown once, turning it off where the policy allows, and the code page after the password.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, Input, use_outcome};

/// Where the signed-in person's second step stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondStepView {
    /// Whether it is on.
    pub enabled: bool,
    /// Whether the policy requires it of them.
    pub required: bool,
    /// Unused recovery codes.
    pub recovery_left: usize,
    /// A started, unconfirmed set-up: the secret to type in, and a QR code of it (SVG).
    pub pending: Option<PendingSetup>,
}

/// A set-up waiting for its first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSetup {
    /// The secret, base32, in groups of four for typing.
    pub secret: String,
    /// The `otpauth://` address.
    pub otpauth_url: String,
    /// A QR code of the address, as SVG markup made on the server.
    pub qr_svg: String,
}

pub use server_fns::second_step_status;

/// The second step's server function.
#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The signed-in person's second step. Reading their address (the app's label) is audited.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`] without a session.
    #[server(endpoint = "second-step", input = GetUrl)]
    pub async fn second_step_status() -> Result<SecondStepView, PortalError> {
        let session = crate::state::require_viewer("/account/second-step")?;
        let state = crate::state::portal_state()?;
        let store = &state.store;
        let enabled = store.second_step_enabled(session.person).await?;
        let pending = if enabled {
            None
        } else {
            let label = crate::state::own_email(&state, session.person).await?;
            let issuer = &state.policy.policy().organisation.name;
            store
                .pending_second_step(session.person, issuer, &label)
                .await?
                .map(|enrolment| PendingSetup {
                    qr_svg: qr_svg(&enrolment.otpauth_url),
                    secret: grouped(&enrolment.secret),
                    otpauth_url: enrolment.otpauth_url,
                })
        };
        Ok(SecondStepView {
            enabled,
            required: pledge_store::mfa::required(&state.policy, &session.roles),
            recovery_left: store.recovery_codes_left(session.person).await?,
            pending,
        })
    }

    #[cfg(feature = "ssr")]
    fn grouped(secret: &str) -> String {
        secret
            .as_bytes()
            .chunks(4)
            .map(String::from_utf8_lossy)
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[cfg(feature = "ssr")]
    fn qr_svg(url: &str) -> String {
        qrcode::QrCode::new(url.as_bytes())
            .map(|code| {
                code.render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(200, 200)
                    .build()
            })
            .unwrap_or_default()
    }
}

/// `/account/second-step`: add an authenticator app, or see and turn off the one added.
#[component]
pub fn SecondStepPage() -> impl IntoView {
    let query = use_query_map();
    let must = move || query.read().get("required").is_some();
    let status = Resource::new_blocking(|| (), |()| second_step_status());
    let outcome = use_outcome();
    view! {
        <h1>"Second step for signing in"</h1>
        {move || must().then(|| view! {
            <p class="form-message" role="alert">
                "Our privacy policy requires a second step for staff accounts: add an authenticator app to continue."
            </p>
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match status.await {
                    Ok(SecondStepView { enabled: true, required, recovery_left, .. }) => view! {
                        <p class="notice" role="status">
                            {format!("The second step is on. You have {recovery_left} unused recovery codes.")}
                        </p>
                        {if required {
                            view! { <p>"Our privacy policy requires it for your account, so it stays on."</p> }.into_any()
                        } else {
                            view! {
                                <form method="post" action="/account/second-step/off" class="stacked" novalidate>
                                    <FormMessage outcome=outcome.clone()/>
                                    <Field outcome=outcome.clone() name="current_password" label="Your password" input=Input::Password autocomplete="current-password"/>
                                    <button type="submit">"Turn the second step off"</button>
                                </form>
                            }.into_any()
                        }}
                    }.into_any(),
                    Ok(SecondStepView { pending: Some(setup), .. }) => view! {
                        <p>"Scan this code with your authenticator app, or type the key into it, then enter the six digits it shows."</p>
                        <div class="qr" inner_html=setup.qr_svg></div>
                        <p>"Key: " <code class="secret">{setup.secret}</code></p>
                        <p><a href=setup.otpauth_url>"Open in an authenticator app on this device"</a></p>
                        <form method="post" action="/account/second-step" class="stacked" novalidate>
                            <FormMessage outcome=outcome.clone()/>
                            <Field outcome=outcome.clone() name="code" label="Six-digit code" input=Input::Text autocomplete="one-time-code"/>
                            <button type="submit">"Turn the second step on"</button>
                        </form>
                    }.into_any(),
                    Ok(_) => view! {
                        <p>"With a second step, signing in needs a code from an authenticator app on your phone as well as your password."</p>
                        <form method="post" action="/account/second-step/start" class="stacked">
                            <FormMessage outcome=outcome.clone()/>
                            <button type="submit">"Set up an authenticator app"</button>
                        </form>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/account/second-step/codes`: the recovery codes, shown once, right after turning the
/// second step on.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let outcome = use_outcome();
    view! {
        <h1>"Your recovery codes"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let codes = outcome.await.value("codes");
                if codes.is_empty() {
                    view! { <p>"Recovery codes are shown once, when the second step is turned on. " <a href="/account/second-step">"Back"</a></p> }.into_any()
                } else {
                    view! {
                        <p class="notice" role="status">"The second step is on. Keep these codes somewhere safe: each one signs you in once if you lose your phone. They are not shown again."</p>
                        <ul class="codes">
                            {codes.lines().map(|code| view! { <li><code>{code.to_owned()}</code></li> }).collect_view()}
                        </ul>
                        <p><a href="/account">"Back to your account"</a></p>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// `/signin/code`: the code after the password (the challenge travels in the form).
#[component]
pub fn CodePage() -> impl IntoView {
    let outcome = use_outcome();
    view! {
        <h1>"Enter your code"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                view! {
                    <form method="post" action="/signin/code" class="stacked" novalidate>
                        <FormMessage outcome=outcome.clone()/>
                        <input type="hidden" name="challenge" value=outcome.value("challenge")/>
                        <input type="hidden" name="next" value=outcome.value("next")/>
                        <Field outcome=outcome.clone() name="code" label="Code from your authenticator app, or a recovery code" input=Input::Text autocomplete="one-time-code"/>
                        <button type="submit">"Sign in"</button>
                    </form>
                    <p><a href="/signin">"Start again"</a></p>
                }
            })}
        </Suspense>
    }
}
