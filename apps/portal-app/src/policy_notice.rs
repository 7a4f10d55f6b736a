//! The notice of a policy change, at the top of every page a signed-in person opens until they
//! close it (K45's "prominent notice", W02, J43): which version replaced which, a link to what
//! changed, the consents the change asked again (with where to give them again), and what
//! continuing means under the policy. "Continue" (or "I accept", where the policy wants
//! acceptance spelled out) posts to `/account/policy-notice`.
//!
//! The server puts the person's open notice on the request ([`pledge_store::policy_changes`]
//! decides who gets one); this component only shows it.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// What the banner shows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NoticeContent {
    id: String,
    version: String,
    previous: String,
    asked_again: Vec<String>,
    explicit: bool,
    cookies_asked: bool,
}

fn open_notice() -> Option<NoticeContent> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<http::request::Parts>()?;
        let notice = parts
            .extensions
            .get::<pledge_store::policy_changes::PolicyNotice>()?;
        let state = crate::state::portal_state().ok()?;
        let policy = &state.policy;
        Some(NoticeContent {
            id: notice.id.to_string(),
            version: notice.version.clone(),
            previous: notice.previous.clone(),
            asked_again: notice
                .asked_again
                .iter()
                .map(|stored| crate::privacy_centre::consent_what(policy, stored))
                .collect(),
            explicit: policy.policy().changes.acceptance
                == pledge_policy::model::Acceptance::Explicit,
            cookies_asked: notice.asked_again.iter().any(|s| s.starts_with("cookies:")),
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The banner, when the signed-in person has a notice open.
#[component]
pub fn PolicyNoticeBanner() -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    let here = if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    };
    open_notice().map(|notice| {
        let changes = format!(
            "/privacy/changes?from={}&to={}",
            notice.previous, notice.version
        );
        let asked = (!notice.asked_again.is_empty()).then(|| {
            let cookies = notice.cookies_asked.then(|| {
                view! { " For cookies, choose again in " <a href="/cookies">"Cookie settings"</a> "." }
            });
            view! {
                <p class="asked-again">
                    "The change concerns something you agreed to, so we no longer rely on your \
                     earlier agreement to: " <strong>{notice.asked_again.join("; ")}</strong>
                    ". If you still agree, say so again in "
                    <a href="/account/privacy">"your privacy centre"</a> "." {cookies}
                </p>
            }
        });
        let meaning = if notice.explicit {
            view! { <p>"Please read what changed and accept the new version to go on."</p> }
                .into_any()
        } else {
            view! {
                <p>
                    "If you keep using the site, the new version applies to you. If you do not \
                     agree, you can " <a href="/account/privacy/erasure">"close your account and ask us to erase your data"</a> "."
                </p>
            }
            .into_any()
        };
        let button = if notice.explicit { "I accept the new policy" } else { "Continue" };
        view! {
            <section class="policy-notice" aria-labelledby="policy-notice-title">
                <h2 id="policy-notice-title">"Our privacy policy has changed"</h2>
                <p>
                    "Version " {notice.version.clone()} " replaces version "
                    {notice.previous.clone()} ". " <a href=changes>"See what changed"</a> "."
                </p>
                {asked}
                {meaning}
                <form method="post" action="/account/policy-notice">
                    <input type="hidden" name="notice" value=notice.id/>
                    <input type="hidden" name="next" value=here/>
                    <button type="submit">{button}</button>
                </form>
            </section>
        }
    })
}
