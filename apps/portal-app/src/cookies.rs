//! The cookie banner, the cookie settings page (`/cookies`) and the footer link to it on every
//! page, all generated from the policy's cookie catalogue.
//!
//! The banner is a plain form shown on every page until the browser answers: "Accept all" and
//! "Reject all" are the same kind of button, side by side, and "Choose" opens the settings
//! page, which lists every cookie of the catalogue and lets each optional category be ticked.
//! Answers post to `/cookies` (the server records them and sets the cookies); nothing optional
//! is set before an answer. A browser is asked again only when the banner offers a category it
//! has not answered.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{FormMessage, use_outcome};

/// An optional category as the banner and the settings page offer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryChoice {
    /// Its name in the policy (`analytics`), the form field's suffix.
    pub name: String,
    /// Its name for readers.
    pub title: String,
    /// What its cookies do, one line per cookie.
    pub uses: Vec<String>,
    /// Whether this browser accepted it.
    pub accepted: bool,
}

/// One cookie of the catalogue, as the settings page's table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueRow {
    /// Its name as browsers hold it (`{hash}` and `*` stand for any text).
    pub name: String,
    /// Its category, for readers.
    pub category: String,
    /// Who sets it: this site or a named provider.
    pub set_by: String,
    /// How long it lasts.
    pub lifetime: String,
    /// What it does.
    pub description: String,
    /// Why the site never sets it, if it never does.
    pub withheld: Option<String>,
}

/// One recorded answer of this browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastAnswer {
    /// When.
    pub at: String,
    /// The categories accepted, for readers ("none" when none).
    pub accepted: String,
    /// Where: the banner, the settings page or an embed.
    pub source: String,
}

/// What the settings page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieSettingsView {
    /// Whether the site asks at all (a policy may leave it to the browser's settings).
    pub asks: bool,
    /// The optional categories offered.
    pub categories: Vec<CategoryChoice>,
    /// Every cookie of the catalogue.
    pub catalogue: Vec<CatalogueRow>,
    /// This browser's consent id, once it has answered.
    pub consent_id: Option<String>,
    /// Its recorded answers, newest first.
    pub history: Vec<PastAnswer>,
}

/// The banner's text: what the browser is asked to agree to. Its hash is the proof of what
/// was shown.
#[cfg(feature = "ssr")]
pub fn banner_text(policy: &pledge_policy::ValidPolicy) -> String {
    let offered = pledge_consent::cookies::offered_categories(policy);
    let names: Vec<&str> = offered.iter().map(|c| c.plain_words()).collect();
    format!(
        "{} uses essential cookies to make this site work. With your agreement it would also \
         use cookies for: {}. Nothing optional is set until you choose, and you can change \
         your mind at any time from \u{201c}Cookie settings\u{201d} at the foot of every page.",
        policy.policy().organisation.name,
        names.join(", ")
    )
}

/// The optional categories `policy` offers, marked as `answer` left them.
#[cfg(feature = "ssr")]
fn categories(
    policy: &pledge_policy::ValidPolicy,
    answer: Option<&pledge_consent::cookies::BannerAnswer>,
) -> Vec<CategoryChoice> {
    use pledge_consent::cookies::{category_name, offered_categories};
    offered_categories(policy)
        .into_iter()
        .map(|category| CategoryChoice {
            name: category_name(category).to_owned(),
            title: category.plain_words().to_owned(),
            uses: policy
                .policy()
                .cookie_catalogue
                .iter()
                .filter(|c| c.category == category && c.withheld.is_none())
                .map(|c| format!("{} ({}): {}", c.name, c.lifetime, c.description))
                .collect(),
            accepted: answer.is_some_and(|a| a.accepted.contains(&category)),
        })
        .collect()
}

/// The browser's answer on this request, put there by the server's cookie layer.
#[cfg(feature = "ssr")]
fn request_answer() -> Option<pledge_consent::cookies::BannerAnswer> {
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<pledge_consent::cookies::BannerAnswer>()
            .cloned()
    })
}

#[cfg(feature = "ssr")]
fn catalogue_rows(policy: &pledge_policy::ValidPolicy) -> Vec<CatalogueRow> {
    let p = policy.policy();
    p.cookie_catalogue
        .iter()
        .map(|c| CatalogueRow {
            name: c.name.clone(),
            category: c.category.plain_words().to_owned(),
            set_by: c.provider.as_ref().map_or_else(
                || "this site".to_owned(),
                |provider| crate::state::partner_name(policy, &provider.to_string()),
            ),
            lifetime: match c.lifetime {
                pledge_policy::model::CookieLifetime::Session => {
                    "until you close the browser".to_owned()
                }
                pledge_policy::model::CookieLifetime::Persistent(period) => period.to_string(),
            },
            description: c.description.clone(),
            withheld: c.withheld.clone(),
        })
        .collect()
}

pub use server_fns::cookie_settings;

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The cookie settings of the browser asking: the catalogue, the categories and this
    /// browser's answers. Public: a browser's answers are found only by the id in its own
    /// choice cookie.
    ///
    /// # Errors
    /// [`PortalError::Unavailable`] when the store fails.
    #[server(endpoint = "cookie-settings", input = GetUrl)]
    pub async fn cookie_settings() -> Result<CookieSettingsView, PortalError> {
        let state = crate::state::portal_state()?;
        let policy = &state.policy;
        let answer = request_answer();
        let asks = policy.policy().cookies.choice_cookie.is_some()
            && policy.policy().cookies.consent == pledge_policy::model::CookieConsent::OptInBanner;
        let consent_id = answer
            .as_ref()
            .and_then(|a| uuid::Uuid::parse_str(&a.consent_id).ok());
        let history = match consent_id {
            Some(id) => state.store.cookie_choices(id).await?,
            None => Vec::new(),
        };
        Ok(CookieSettingsView {
            asks,
            categories: categories(policy, answer.as_ref()),
            catalogue: catalogue_rows(policy),
            consent_id: consent_id.map(|id| id.to_string()),
            history: history
                .into_iter()
                .map(|choice| PastAnswer {
                    at: crate::state::minute(choice.recorded_at),
                    accepted: if choice.accepted.is_empty() {
                        "none".to_owned()
                    } else {
                        choice
                            .accepted
                            .iter()
                            .map(|c| c.plain_words())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                    source: match choice.source {
                        pledge_store::cookie_choices::ChoiceSource::Banner => "the banner",
                        pledge_store::cookie_choices::ChoiceSource::Settings => "this page",
                        pledge_store::cookie_choices::ChoiceSource::Embed => "an embed",
                    }
                    .to_owned(),
                })
                .collect(),
        })
    }
}

/// What the banner shows, when this request needs one.
#[derive(Debug, Clone)]
struct BannerContent {
    text: String,
    categories: Vec<CategoryChoice>,
}

/// The banner's content for this request: `None` once the browser answered every category
/// offered, on the settings page itself, and where the policy asks through the browser.
fn banner_needed(path: &str) -> Option<BannerContent> {
    #[cfg(feature = "ssr")]
    {
        let state = crate::state::portal_state().ok()?;
        let policy = &state.policy;
        let cookies = &policy.policy().cookies;
        if path == "/cookies"
            || cookies.choice_cookie.is_none()
            || cookies.consent != pledge_policy::model::CookieConsent::OptInBanner
        {
            return None;
        }
        let offered = pledge_consent::cookies::offered_categories(policy);
        if offered.is_empty() || request_answer().is_some_and(|a| a.covers(&offered)) {
            return None;
        }
        Some(BannerContent {
            text: banner_text(policy),
            categories: categories(policy, None),
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = path;
        None
    }
}

/// The banner, at the top of every page until the browser answers.
#[component]
pub fn CookieBanner() -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    let here = if search.is_empty() {
        path.clone()
    } else {
        format!("{path}?{search}")
    };
    let settings = format!("/cookies?next={}", encoded(&here));
    banner_needed(&path).map(|banner| {
        view! {
            <section class="cookie-banner" aria-labelledby="cookie-banner-title">
                <h2 id="cookie-banner-title">"Cookies on this site"</h2>
                <p>{banner.text}</p>
                <ul class="cookie-uses">
                    {banner
                        .categories
                        .into_iter()
                        .map(|c| view! { <li><strong>{c.title}</strong> ": " {c.uses.join("; ")}</li> })
                        .collect_view()}
                </ul>
                <form method="post" action="/cookies" class="cookie-answer">
                    <input type="hidden" name="cookie_source" value="banner"/>
                    <input type="hidden" name="cookie_next" value=here/>
                    <button type="submit" name="cookie_answer" value="accept-all">"Accept all"</button>
                    <button type="submit" name="cookie_answer" value="reject-all">"Reject all"</button>
                    <a href=settings>"Choose"</a>
                </form>
            </section>
        }
    })
}

/// `text` made safe for a query string's value.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The footer on every page: cookie settings and the privacy policy, always one click away.
#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site">
            <a href="/cookies">"Cookie settings"</a>
            <a href="/privacy">"Privacy policy"</a>
        </footer>
    }
}

/// `/cookies`: every cookie of the catalogue, and this browser's choices, to change at will.
#[component]
pub fn CookieSettingsPage() -> impl IntoView {
    let next = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("next")
        .unwrap_or_else(|| "/cookies".to_owned());
    let outcome = use_outcome();
    let settings = Resource::new_blocking(|| (), |()| cookie_settings());
    view! {
        <h1>"Cookie settings"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    let outcome = outcome.await;
                    match settings.await {
                        Ok(settings) => view! {
                            <FormMessage outcome/>
                            <SettingsForm settings=settings.clone() next/>
                            <History settings=settings.clone()/>
                            <CatalogueTable rows=settings.catalogue/>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The form: a box per optional category, and the three answers.
#[component]
fn SettingsForm(settings: CookieSettingsView, next: String) -> impl IntoView {
    if !settings.asks {
        return view! {
            <p>"This site asks no cookie questions: your browser's own settings decide which cookies it keeps."</p>
        }
        .into_any();
    }
    view! {
        <form method="post" action="/cookies" class="stacked cookie-settings">
            <input type="hidden" name="cookie_source" value="settings"/>
            <input type="hidden" name="cookie_next" value=next/>
            <fieldset>
                <legend>"Optional cookies"</legend>
                <p class="hint">"Essential cookies are always on: the site does not work without them."</p>
                {settings
                    .categories
                    .into_iter()
                    .map(|c| {
                        let id = format!("category-{}", c.name);
                        view! {
                            <div class="choice">
                                <input type="checkbox" id=id.clone() name=id.clone() value="on" checked=c.accepted/>
                                <label for=id>{c.title}</label>
                                <ul class="hint">{c.uses.into_iter().map(|u| view! { <li>{u}</li> }).collect_view()}</ul>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <div class="cookie-answer">
                <button type="submit" name="cookie_answer" value="save">"Save my choices"</button>
                <button type="submit" name="cookie_answer" value="accept-all">"Accept all"</button>
                <button type="submit" name="cookie_answer" value="reject-all">"Reject all"</button>
            </div>
        </form>
    }
    .into_any()
}

/// This browser's recorded answers.
#[component]
fn History(settings: CookieSettingsView) -> impl IntoView {
    let Some(id) = settings.consent_id else {
        return view! { <p class="notice">"This browser has not answered yet: nothing optional is set."</p> }.into_any();
    };
    view! {
        <h2>"Your answers on this browser"</h2>
        <p>"Consent ID " <code class="consent-id">{id}</code> " (quote it if you ask us about your choices)."</p>
        <table class="cookie-history">
            <thead><tr><th>"When"</th><th>"Accepted"</th><th>"Where"</th></tr></thead>
            <tbody>
                {settings
                    .history
                    .into_iter()
                    .map(|a| view! { <tr><td>{a.at}</td><td>{a.accepted}</td><td>{a.source}</td></tr> })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The declared catalogue.
#[component]
fn CatalogueTable(rows: Vec<CatalogueRow>) -> impl IntoView {
    view! {
        <h2>"Every cookie this site may use"</h2>
        <table class="cookie-catalogue">
            <thead>
                <tr><th>"Name"</th><th>"Category"</th><th>"Set by"</th><th>"Lasts"</th><th>"What it does"</th></tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let description = match row.withheld {
                            Some(why) => format!("{} Never set here: {why}", row.description),
                            None => row.description,
                        };
                        view! {
                            <tr>
                                <td><code>{row.name}</code></td>
                                <td>{row.category}</td>
                                <td>{row.set_by}</td>
                                <td>{row.lifetime}</td>
                                <td>{description}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// How a lesson's video is shown, by what the policy declares and the browser agreed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VideoShown {
    /// Embedded from its host: the browser accepted embedded content.
    Embedded {
        /// The video's address.
        url: String,
    },
    /// Behind a placeholder until the browser accepts embedded content.
    Blocked {
        /// The video's address (a plain link meanwhile).
        url: String,
        /// The host, by the partner's name in the policy.
        host: String,
        /// The cookies the host sets, as the catalogue declares them.
        cookies: Vec<String>,
    },
    /// The policy declares no embedded content and its cookies: a link to the host only.
    LinkOnly {
        /// The video's address.
        url: String,
    },
}

/// How the video at `url` is shown on this request.
#[cfg(feature = "ssr")]
pub fn video_shown(policy: &pledge_policy::ValidPolicy, url: String) -> VideoShown {
    use pledge_policy::model::CookieCategory;
    let p = policy.policy();
    let embedded: Vec<&pledge_policy::model::Cookie> = p
        .cookie_catalogue
        .iter()
        .filter(|c| c.category == CookieCategory::Embedded && c.withheld.is_none())
        .collect();
    let Some(first) = embedded.first() else {
        return VideoShown::LinkOnly { url };
    };
    if request_answer().is_some_and(|a| a.allows(CookieCategory::Embedded)) {
        return VideoShown::Embedded { url };
    }
    let host = first
        .provider
        .as_ref()
        .and_then(|id| p.partners.iter().find(|partner| &partner.id == id))
        .map_or_else(
            || "the video host".to_owned(),
            |partner| partner.name.clone(),
        );
    VideoShown::Blocked {
        url,
        host,
        cookies: embedded
            .iter()
            .map(|c| format!("{} ({}): {}", c.name, c.lifetime, c.description))
            .collect(),
    }
}

/// A lesson's video: embedded, behind its placeholder, or a link.
#[component]
pub fn Video(
    /// How it is shown.
    shown: VideoShown,
    /// The page's address, to come back to after allowing embedded content.
    here: String,
) -> impl IntoView {
    match shown {
        VideoShown::Embedded { url } => view! {
            <div class="video">
                <iframe
                    src=url
                    title="Lesson video"
                    referrerpolicy="no-referrer"
                    sandbox="allow-scripts allow-same-origin allow-presentation"
                ></iframe>
            </div>
        }
        .into_any(),
        VideoShown::Blocked { url, host, cookies } => view! {
            <div class="video embed-placeholder">
                <p>
                    {format!("This video is hosted by {host}, which sets its own cookies when it plays. ")}
                    "It stays blocked until you allow embedded content."
                </p>
                <ul class="hint">{cookies.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                <form method="post" action="/cookies" class="cookie-answer">
                    <input type="hidden" name="cookie_answer" value="allow"/>
                    <input type="hidden" name="cookie_category" value="embedded"/>
                    <input type="hidden" name="cookie_source" value="embed"/>
                    <input type="hidden" name="cookie_next" value=here/>
                    <button type="submit">"Allow embedded content and show the video"</button>
                    <a href=url rel="noopener noreferrer">{format!("Watch it on {host}'s site instead")}</a>
                </form>
            </div>
        }
        .into_any(),
        VideoShown::LinkOnly { url } => view! {
            <p class="video">
                <a href=url rel="noopener noreferrer">"Watch the lesson's video on its host's site"</a>
                " (this site embeds no third-party content)."
            </p>
        }
        .into_any(),
    }
}
