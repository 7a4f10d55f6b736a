//! Marketing: a person's preferences per channel (a section of the privacy centre, posted to
//! `/account/privacy/marketing`), the page a message's one-click unsubscribe link opens
//! without signing in (`/unsubscribe/:person/:channel/:token`, its button posts to the same
//! address), and the administrators' page that sends a message to everyone who said yes
//! (`/admin/marketing`, posted to the same address).
//!
//! Who may be sent marketing is the consent gate's decision, through the store; these pages
//! only show it and record choices. The words a choice is made under are the ones recorded
//! with it ([`preference_text`], [`unsubscribe_text`]).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, FormOutcome, Input, use_outcome};

/// A channel as the preferences show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelChoice {
    /// Its stored name (`email`).
    pub name: String,
    /// In words (`email`, `text message`).
    pub words: String,
    /// True while the person may be sent marketing on it.
    pub subscribed: bool,
}

/// The marketing section of the privacy centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketingPreferences {
    /// The policy's channels.
    pub channels: Vec<ChannelChoice>,
    /// True when the policy takes marketing consent in writing only (J17).
    pub written_only: bool,
    /// The messages everyone gets whatever they choose (W29, W31).
    pub service_messages: Vec<String>,
}

/// What the unsubscribe page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeView {
    /// The channel in words.
    pub channel: String,
    /// The organisation.
    pub organisation: String,
}

/// What the marketing page shows administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignView {
    /// How many people the gate allows to be sent marketing by email now.
    pub audience: usize,
    /// The messages that are not marketing and go to everyone.
    pub service_messages: Vec<String>,
}

/// The words a preference is given or withdrawn under, recorded with the choice.
#[must_use]
pub fn preference_text(organisation: &str, channel_words: &str) -> String {
    format!("Send me news and offers from {organisation} by {channel_words}.")
}

/// The words of the unsubscribe page, recorded with the withdrawal.
#[must_use]
pub fn unsubscribe_text(organisation: &str, channel_words: &str) -> String {
    format!("Stop sending me news and offers from {organisation} by {channel_words}.")
}

/// The organisation's name in the deployed policy.
#[cfg(feature = "ssr")]
#[must_use]
pub fn organisation(policy: &pledge_policy::ValidPolicy) -> String {
    policy.policy().organisation.name.clone()
}

/// The privacy centre's marketing section for `person`, from the gate's decisions.
///
/// # Errors
/// Store failures.
#[cfg(feature = "ssr")]
pub async fn preferences_of(
    state: &crate::state::PortalState,
    person: pledge_domain::PersonId,
) -> Result<Option<MarketingPreferences>, PortalError> {
    let Some(marketing) = state.policy.policy().marketing.as_ref() else {
        return Ok(None);
    };
    let allowed = state
        .store
        .marketing_allowed(&state.policy, person, crate::state::now())
        .await?;
    Ok(Some(MarketingPreferences {
        channels: marketing
            .channels
            .iter()
            .map(|c| ChannelChoice {
                name: pledge_store::marketing::channel_name(*c).to_owned(),
                words: c.plain_words().to_owned(),
                subscribed: allowed.contains(c),
            })
            .collect(),
        written_only: marketing.evidence == pledge_policy::model::ConsentEvidence::Written,
        service_messages: marketing.service_messages.clone(),
    }))
}

pub use server_fns::{campaign_audience, unsubscribe_link};

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// What an unsubscribe link is about, for anyone holding a valid link (no sign-in).
    ///
    /// # Errors
    /// [`PortalError::NotFound`] for a link that is not one of ours.
    #[server(endpoint = "unsubscribe-link", input = GetUrl)]
    pub async fn unsubscribe_link(
        person: String,
        channel: String,
        token: String,
    ) -> Result<UnsubscribeView, PortalError> {
        let state = crate::state::portal_state()?;
        let found = uuid::Uuid::parse_str(&person)
            .ok()
            .map(pledge_domain::PersonId::from_uuid)
            .zip(pledge_store::marketing::channel_named(&channel))
            .filter(|(person, channel)| {
                state
                    .store
                    .unsubscribe_token_is_valid(*person, *channel, &token)
            });
        let Some((_, channel)) = found else {
            crate::state::set_status(http::StatusCode::NOT_FOUND);
            return Err(PortalError::NotFound);
        };
        Ok(UnsubscribeView {
            channel: channel.plain_words().to_owned(),
            organisation: organisation(&state.policy),
        })
    }

    /// How many people a marketing email would reach now, for administrators only.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "campaign-audience", input = GetUrl)]
    pub async fn campaign_audience() -> Result<CampaignView, PortalError> {
        crate::state::require_role("/admin/marketing", pledge_domain::Role::Administrator)?;
        let state = crate::state::portal_state()?;
        let Some(marketing) = state.policy.policy().marketing.as_ref() else {
            return Ok(CampaignView {
                audience: 0,
                service_messages: Vec::new(),
            });
        };
        let audience = state
            .store
            .marketing_audience(
                &state.policy,
                pledge_policy::model::Channel::Email,
                crate::state::now(),
            )
            .await?;
        Ok(CampaignView {
            audience: audience.len(),
            service_messages: marketing.service_messages.clone(),
        })
    }
}

/// The privacy centre's marketing section.
#[component]
pub fn MarketingSection(
    /// The person's choices, as the gate sees them.
    preferences: MarketingPreferences,
) -> impl IntoView {
    let note = preferences.written_only.then(|| view! {
        <p class="hint">"We take your consent to marketing in writing: to say yes, send us the signed consent form. You can say no here at any time."</p>
    });
    view! {
        <section class="marketing-preferences" id="marketing">
            <h2>"News and offers"</h2>
            {note}
            <form method="post" action="/account/privacy/marketing" class="stacked">
                {preferences.channels.into_iter().map(|channel| {
                    let field = format!("channel-{}", channel.name);
                    let locked = preferences.written_only && !channel.subscribed;
                    view! {
                        <div class="choice">
                            <input type="checkbox" id=field.clone() name=field.clone() value="on" checked=channel.subscribed disabled=locked/>
                            <label for=field>{format!("By {}", channel.words)}</label>
                        </div>
                    }
                }).collect_view()}
                <button type="submit">"Save my marketing choices"</button>
            </form>
            <p>"Whatever you choose, we still send you these, which are not marketing: " {preferences.service_messages.join("; ")} "."</p>
        </section>
    }
}

/// `/unsubscribe/:person/:channel/:token`: the page a message's unsubscribe link opens.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let params = use_params_map().get_untracked();
    let param = |name: &str| params.get(name).unwrap_or_default();
    let (person, channel, token) = (param("person"), param("channel"), param("token"));
    let done = use_query_map().get_untracked().get("done").is_some();
    let action = format!("/unsubscribe/{person}/{channel}/{token}");
    let link = Resource::new_blocking(
        move || (person.clone(), channel.clone(), token.clone()),
        |(person, channel, token)| unsubscribe_link(person, channel, token),
    );
    view! {
        <h1>"Unsubscribe"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let action = action.clone();
                Suspend::new(async move {
                    match link.await {
                        Ok(_) if done => view! {
                            <p class="notice" role="status">"You are unsubscribed. We send you no more news or offers this way; messages about your courses, bookings and account still come."</p>
                        }.into_any(),
                        Ok(found) => view! {
                            <p>{unsubscribe_text(&found.organisation, &found.channel)}</p>
                            <form method="post" action=action class="inline-form unsubscribe">
                                <button type="submit">"Unsubscribe"</button>
                            </form>
                        }.into_any(),
                        Err(_) => view! { <p class="error" role="alert">"This unsubscribe link is not one of ours, or it was changed. Use the link in the message as it came, or choose in your privacy centre."</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// `/admin/marketing`: send a marketing email to everyone who said yes.
#[component]
pub fn CampaignPage() -> impl IntoView {
    let sent = use_query_map().get_untracked().get("sent");
    let outcome = use_outcome();
    let audience = Resource::new_blocking(|| (), |()| campaign_audience());
    view! {
        <h1>"Send news and offers"</h1>
        {sent.map(|n| view! { <p class="notice" role="status">{format!("Queued for {n} people; each message carries its own unsubscribe link.")}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match audience.await {
                    Ok(found) => campaign_form(found, outcome).into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/admin/marketing">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn campaign_form(found: CampaignView, outcome: FormOutcome) -> impl IntoView {
    let reach = format!(
        "{} people have said yes to news by email and may be sent it now.",
        found.audience
    );
    view! {
        <p class="audience">{reach}</p>
        <p class="hint">"Not marketing, and not sent from here: " {found.service_messages.join("; ")} "."</p>
        <FormMessage outcome=outcome.clone()/>
        <form method="post" action="/admin/marketing" class="stacked campaign">
            <Field outcome=outcome.clone() name="subject" label="Subject" input=Input::Text/>
            <div class="field" class:invalid=outcome.problem("body").is_some()>
                <label for="field-body">"Text"</label>
                {outcome.problem("body").map(|text| view! { <p class="problem" id="field-body-problem">{text}</p> })}
                <textarea id="field-body" name="body" rows="8" maxlength="20000" required>{outcome.value("body")}</textarea>
            </div>
            <button type="submit">"Send to everyone who said yes"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_words_name_the_organisation_and_the_channel() {
        assert_eq!(
            preference_text("Kexara", "email"),
            "Send me news and offers from Kexara by email."
        );
        assert!(unsubscribe_text("JTEC", "text message").contains("by text message"));
    }
}
