//! The cookie banner's server side: the choice cookie, recording each answer as proof, and
//! keeping every browser's cookies to what it agreed to.
//!
//! - `POST /cookies` records an answer (accept all, reject all, or the categories ticked) in
//!   the store (a signed-in person's also as consent events), sets the policy's choice cookie,
//!   sets the optional cookies the portal itself uses for the accepted categories, and
//!   removes those of the refused ones.
//! - [`keep_to_the_answer`] runs on every request: it reads the choice cookie (the pages see
//!   the [`BannerAnswer`] on the request) and removes, in the response, any declared cookie
//!   the answer does not allow, so that nothing optional outlives its withdrawal.
//!
//! The choice cookie carries the tag of the policy version it was answered under. When a
//! later version changes a category in a way that needs fresh consent (a longer lifetime, a
//! new cookie), an answer given before no longer accepts that category: the banner asks
//! about it again, and its cookies go until the browser says yes again (K45).
//!
//! Names, categories and lifetimes all come from the policy's cookie catalogue. The portal
//! itself sets only the optional cookies that are first-party, set by no provider and named
//! without placeholders; the rest (a provider's analytics, a video host's) belong to the
//! embeds that would set them.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;

use pledge_consent::cookies::{
    BannerAnswer, category_named, offered_categories, to_remove, version_tag,
};
use pledge_policy::ValidPolicy;
use pledge_policy::model::{CookieCategory, CookieConsent, CookieLifetime, Party};
use pledge_store::accounts::ActiveSession;
use pledge_store::cookie_choices::{ChoiceSource, NewCookieChoice};
use portal_app::forms::FormOutcome;
use portal_app::state::now;

use crate::accounts::{field, local_path};
use crate::web::{Server, read_form, unavailable};

/// A cookie the portal writes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnCookie {
    name: String,
    category: CookieCategory,
    /// `None`: until the browser closes.
    max_age: Option<i64>,
}

/// How the portal writes and removes the cookies of its catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieRules {
    /// The cookie that remembers the answer; `None` when the policy asks through the
    /// browser's settings and shows no banner.
    choice: Option<OwnCookie>,
    /// The optional cookies the portal sets for accepted categories.
    optional: Vec<OwnCookie>,
    /// The categories the banner offers.
    offered: Vec<CookieCategory>,
    /// Whether cookies are `Secure` (the portal is served over HTTPS).
    https: bool,
    /// The tag of the policy version in force, written with every answer.
    version: String,
    /// By the tag of each earlier version: the categories a change since then needs fresh
    /// consent for (an answer given under it is asked about them again).
    asked_again: BTreeMap<String, Vec<CookieCategory>>,
}

impl CookieRules {
    /// The rules of `policy` for a portal at `public_url`.
    ///
    /// # Errors
    /// When the policy asks with a banner but names no choice cookie.
    pub fn for_policy(policy: &ValidPolicy, public_url: &str) -> anyhow::Result<Self> {
        let p = policy.policy();
        let choice = match p.cookies.consent {
            CookieConsent::BrowserSettings => None,
            CookieConsent::OptInBanner => {
                let name = p.cookies.choice_cookie.as_ref().ok_or_else(|| {
                    anyhow::anyhow!(
                        "the policy asks with a cookie banner but names no cookie to remember \
                         the answer: add `choice_cookie = \"…\"` to its [cookies] table, naming \
                         an essential cookie of its catalogue"
                    )
                })?;
                let declared = p
                    .cookie_catalogue
                    .iter()
                    .find(|c| &c.name == name)
                    .ok_or_else(|| anyhow::anyhow!("the choice cookie {name} is not declared"))?;
                Some(OwnCookie {
                    name: name.clone(),
                    category: declared.category,
                    max_age: max_age(declared.lifetime),
                })
            }
        };
        let optional = p
            .cookie_catalogue
            .iter()
            .filter(|c| {
                c.category.is_optional()
                    && c.withheld.is_none()
                    && c.party == Party::First
                    && c.provider.is_none()
                    && !c.name.contains(['{', '*'])
            })
            .map(|c| OwnCookie {
                name: c.name.clone(),
                category: c.category,
                max_age: max_age(c.lifetime),
            })
            .collect();
        Ok(Self {
            choice,
            optional,
            offered: offered_categories(policy),
            https: public_url.starts_with("https://"),
            version: version_tag(&p.policy.version),
            asked_again: BTreeMap::new(),
        })
    }

    /// These rules, knowing which categories each earlier version's answers are asked about
    /// again (see [`crate::policy_notices::cookies_asked_again`]).
    pub fn with_history(mut self, asked_again: BTreeMap<String, Vec<CookieCategory>>) -> Self {
        self.asked_again = asked_again;
        self
    }

    /// `answer` as it stands under the version in force: an answer given under an earlier
    /// version no longer accepts the categories a change since needs fresh consent for (an
    /// answer of an unknown version, none of the categories any change did).
    fn as_of_now(&self, mut answer: BannerAnswer) -> BannerAnswer {
        if answer.version == self.version {
            return answer;
        }
        match self.asked_again.get(&answer.version) {
            Some(categories) => answer.ask_again(categories),
            None => {
                let every: Vec<CookieCategory> =
                    self.asked_again.values().flatten().copied().collect();
                answer.ask_again(&every);
            }
        }
        answer
    }

    /// Whether the portal shows a banner at all.
    pub fn asks(&self) -> bool {
        self.choice.is_some()
    }

    fn set(&self, cookie: &OwnCookie, value: &str) -> String {
        let mut line = format!("{}={value}{}", cookie.name, self.attributes(&cookie.name));
        if let Some(seconds) = cookie.max_age {
            line.push_str(&format!("; Max-Age={seconds}"));
        }
        line
    }

    fn remove(&self, name: &str) -> String {
        format!("{name}={}; Max-Age=0", self.attributes(name))
    }

    fn attributes(&self, name: &str) -> &'static str {
        if self.https || name.starts_with("__Host-") || name.starts_with("__Secure-") {
            "; Path=/; HttpOnly; SameSite=Lax; Secure"
        } else {
            "; Path=/; HttpOnly; SameSite=Lax"
        }
    }

    /// The browser's answer, from its choice cookie (none when it has not answered, or its
    /// cookie is not one this portal wrote).
    pub fn answer(&self, headers: &HeaderMap) -> Option<BannerAnswer> {
        let choice = self.choice.as_ref()?;
        request_cookies(headers)
            .find(|(name, _)| *name == choice.name)
            .and_then(|(_, value)| BannerAnswer::parse(value))
            .map(|answer| self.as_of_now(answer))
    }
}

fn max_age(lifetime: CookieLifetime) -> Option<i64> {
    match lifetime {
        CookieLifetime::Session => None,
        CookieLifetime::Persistent(period) => {
            Some(i64::try_from(period.min_minutes().saturating_mul(60)).unwrap_or(i64::MAX))
        }
    }
}

/// Every `name=value` pair of the request's `Cookie` headers.
pub(crate) fn request_cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

/// Puts the browser's [`BannerAnswer`] on the request for the pages, and removes in the
/// response every declared cookie the request carried that the answer does not allow (unless
/// the handler answered the banner itself and set the cookies it allows).
pub async fn keep_to_the_answer(
    State(server): State<Server>,
    mut request: Request,
    next: Next,
) -> Response {
    let rules = &server.cookies;
    let answer = rules.answer(request.headers());
    let unwanted: Vec<String> = to_remove(
        &server.portal.policy,
        answer.as_ref(),
        request_cookies(request.headers()).map(|(name, _)| name),
    )
    .into_iter()
    .map(str::to_owned)
    .collect();
    if let Some(answer) = answer {
        request.extensions_mut().insert(answer);
    }
    let mut response = next.run(request).await;
    let answered_now = rules.choice.as_ref().is_some_and(|choice| {
        response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|line| {
                line.as_bytes()
                    .starts_with(format!("{}=", choice.name).as_bytes())
            })
    });
    if !answered_now {
        for name in unwanted {
            append_cookie(response.headers_mut(), &rules.remove(&name));
        }
    }
    response
}

fn append_cookie(headers: &mut HeaderMap, line: &str) {
    if let Ok(value) = HeaderValue::from_str(line) {
        headers.append(header::SET_COOKIE, value);
    }
}

/// What a submitted answer asks for.
pub(crate) enum Asked {
    AcceptAll,
    RejectAll,
    /// The categories ticked on the settings page.
    Chosen(Vec<CookieCategory>),
    /// One category from an embed's placeholder, the others as they were.
    Also(CookieCategory),
}

pub(crate) fn asked(fields: &std::collections::BTreeMap<String, String>) -> Option<Asked> {
    match field(fields, "cookie_answer") {
        "accept-all" => Some(Asked::AcceptAll),
        "reject-all" => Some(Asked::RejectAll),
        "save" => Some(Asked::Chosen(
            fields
                .iter()
                .filter(|(_, value)| value.as_str() == "on")
                .filter_map(|(name, _)| name.strip_prefix("category-"))
                .filter_map(category_named)
                .collect(),
        )),
        "allow" => category_named(field(fields, "cookie_category")).map(Asked::Also),
        _ => None,
    }
}

pub(crate) fn source_of(fields: &std::collections::BTreeMap<String, String>) -> ChoiceSource {
    match field(fields, "cookie_source") {
        "banner" => ChoiceSource::Banner,
        "embed" => ChoiceSource::Embed,
        _ => ChoiceSource::Settings,
    }
}

/// `POST /cookies`: records the browser's answer and sets its cookies to match.
pub async fn answer(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let rules = &server.cookies;
    let Some(choice_cookie) = rules.choice.as_ref() else {
        let outcome = FormOutcome::message(
            Default::default(),
            "This site asks no cookie questions: your browser's settings decide.",
        );
        return server
            .render_at(parts, "/cookies", outcome, StatusCode::NOT_FOUND)
            .await;
    };
    let before = parts.extensions.get::<BannerAnswer>().cloned();
    let Some(asked) = asked(&fields) else {
        let outcome = FormOutcome::message(
            Default::default(),
            "Choose “Accept all”, “Reject all” or “Save my choices”.",
        );
        return server
            .render_at(parts, "/cookies", outcome, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let accepted: Vec<CookieCategory> = match asked {
        Asked::AcceptAll => rules.offered.clone(),
        Asked::RejectAll => Vec::new(),
        Asked::Chosen(ticked) => ticked,
        Asked::Also(category) => before
            .as_ref()
            .map(|a| a.accepted.clone())
            .unwrap_or_default()
            .into_iter()
            .chain([category])
            .collect(),
    }
    .into_iter()
    .filter(|c| rules.offered.contains(c))
    .collect();
    let refused: Vec<CookieCategory> = rules
        .offered
        .iter()
        .copied()
        .filter(|c| !accepted.contains(c))
        .collect();
    // A browser keeps its consent id across answers; a choice cookie with an id this portal
    // did not write starts a new one.
    let consent_uuid = before
        .as_ref()
        .and_then(|a| uuid::Uuid::parse_str(&a.consent_id).ok())
        .unwrap_or_else(uuid::Uuid::now_v7);
    let consent_id = consent_uuid.to_string();
    let person = parts.extensions.get::<ActiveSession>().map(|s| s.person);
    let policy = &server.portal.policy;
    let choice = NewCookieChoice {
        consent_id: consent_uuid,
        accepted: accepted.clone(),
        refused: refused.clone(),
        source: source_of(&fields),
        text_shown: portal_app::cookies::banner_text(policy),
        ip: Some(peer.ip()),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    };
    // Nothing is set in the browser unless the answer is on record.
    if let Err(error) = server
        .portal
        .store
        .record_cookie_choice(policy, &choice, person, now())
        .await
    {
        return unavailable(&error);
    }
    let answer = BannerAnswer {
        consent_id,
        accepted,
        refused,
        version: rules.version.clone(),
    };
    let mut response = crate::web::see_other(local_path_or_home(field(&fields, "cookie_next")));
    let headers = response.headers_mut();
    append_cookie(headers, &rules.set(choice_cookie, &answer.cookie_value()));
    let present: Vec<&str> = request_cookies(&parts.headers)
        .map(|(name, _)| name)
        .collect();
    for own in &rules.optional {
        if answer.allows(own.category) && !present.contains(&own.name.as_str()) {
            append_cookie(
                headers,
                &rules.set(own, &uuid::Uuid::now_v7().simple().to_string()),
            );
        }
    }
    for name in to_remove(policy, Some(&answer), present.iter().copied()) {
        append_cookie(headers, &rules.remove(name));
    }
    response
}

/// Where to go after answering: back where the banner was shown.
pub(crate) fn local_path_or_home(next: &str) -> &str {
    if next.is_empty() {
        "/"
    } else {
        local_path(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(pack: &str) -> CookieRules {
        let policy = pledge_policy::packs::load_pack(pack).unwrap();
        CookieRules::for_policy(&policy, "http://127.0.0.1:3000").unwrap()
    }

    #[test]
    fn k39_k40_k41_kexara_remembers_the_answer_six_months_and_sets_its_own_optional_cookies() {
        let kexara = rules("kexara");
        let choice = kexara.choice.clone().unwrap();
        assert_eq!(choice.name, "kx_consent");
        let day = 24 * 60 * 60;
        let age = choice.max_age.unwrap();
        assert!(
            (6 * 28 * day..=6 * 31 * day).contains(&age),
            "never longer than the declared six months: {age}"
        );
        let own: Vec<(&str, CookieCategory)> = kexara
            .optional
            .iter()
            .map(|c| (c.name.as_str(), c.category))
            .collect();
        assert_eq!(
            own,
            [
                ("kx_analytics", CookieCategory::Analytics),
                ("kx_prefs", CookieCategory::Personalisation)
            ]
        );
        let line = kexara.set(&kexara.optional[0], "abc");
        assert!(line.starts_with("kx_analytics=abc; Path=/; HttpOnly; SameSite=Lax"));
        assert!(kexara.remove("__Host-kx_session").contains("Secure"));
    }

    #[test]
    fn j24_jtec_sets_none_of_the_providers_or_placeholder_cookies_itself() {
        let jtec = rules("jtec");
        assert!(jtec.optional.is_empty(), "{:?}", jtec.optional);
        assert_eq!(jtec.choice.unwrap().name, "jtec_consent");
    }
}
