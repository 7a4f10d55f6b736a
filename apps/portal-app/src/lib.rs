//! The Pledge reference portal's pages, shared by the server (feature `ssr`: renders them and
//! runs the server functions) and the browser (feature `hydrate`: brings the [`islands`] to
//! life).
//!
//! The portal runs in Leptos's islands mode: pages are server components, sent as HTML and
//! never re-run in the browser; only the few `#[island]` components in [`islands`] are in the
//! browser bundle (which keeps it small). Links load pages and forms post, with or without
//! scripts.
//!
//! Every page renders completely on the server ([`SsrMode::Async`]: every resource is resolved
//! before the first byte, then the page goes out in one piece, the fastest mode measured) so
//! that it works with JavaScript switched off: links are links and forms are `GET` or `POST` forms. Server
//! functions are thin: they authorise the caller, then call the store, and answer with wire
//! types of their own (never the store's rows) and errors that say what the person can do
//! ([`PortalError`]), never what went wrong inside.

pub mod account;
pub mod admin;
pub mod assessments;
pub mod breaches;
pub mod catalogue;
pub mod cookies;
pub mod error;
pub mod exams;
pub mod forms;
pub mod islands;
pub mod learning;
pub mod marketing;
pub mod office;
pub mod partners;
pub mod payments;
pub mod policy_notice;
pub mod policy_page;
pub mod privacy_centre;
pub mod retention;
pub mod second_step;
#[cfg(feature = "ssr")]
pub mod state;
pub mod support;
pub mod tours;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub use error::PortalError;

/// The whole HTML document the server sends: head with the hydration scripts, body with
/// [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The portal: its layout and its routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="portal" href="/pkg/portal.css"/>
        <Title text="Pledge Training"/>
        <Router>
            <cookies::CookieBanner/>
            <policy_notice::PolicyNoticeBanner/>
            <SiteHeader/>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=catalogue::CataloguePage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/courses/:slug")
                        view=catalogue::CoursePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/register") view=account::RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/register/sent") view=account::RegisterSentPage ssr=SsrMode::Async/>
                    <Route path=path!("/verify") view=account::ResendPage ssr=SsrMode::Async/>
                    <Route path=path!("/verify/:token") view=account::VerifyPage ssr=SsrMode::Async/>
                    <Route path=path!("/link-sent") view=account::LinkSentPage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=account::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/password") view=account::PasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/privacy") view=privacy_centre::PrivacyCentrePage ssr=SsrMode::Async/>
                    <Route path=path!("/account/privacy/erasure") view=privacy_centre::ErasurePage ssr=SsrMode::Async/>
                    <Route path=path!("/account/privacy/history") view=privacy_centre::PrivacyHistoryPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/second-step") view=second_step::SecondStepPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/second-step/codes") view=second_step::RecoveryCodesPage ssr=SsrMode::Async/>
                    <Route path=path!("/signin/code") view=second_step::CodePage ssr=SsrMode::Async/>
                    <Route path=path!("/learn") view=learning::MyLearningPage ssr=SsrMode::Async/>
                    <Route path=path!("/privacy") view=policy_page::PolicyPage ssr=SsrMode::Async/>
                    <Route path=path!("/cookies") view=cookies::CookieSettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/privacy/versions") view=policy_page::PolicyVersionsPage ssr=SsrMode::Async/>
                    <Route path=path!("/privacy/versions/:version") view=policy_page::PolicyVersionPage ssr=SsrMode::Async/>
                    <Route path=path!("/privacy/changes") view=policy_page::PolicyChangesPage ssr=SsrMode::Async/>
                    <Route path=path!("/tours") view=tours::ToursPage ssr=SsrMode::Async/>
                    <Route path=path!("/tours/bookings") view=tours::MyBookingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/tours/manage") view=tours::ManageToursPage ssr=SsrMode::Async/>
                    <Route path=path!("/tours/:slug") view=tours::TourPage ssr=SsrMode::Async/>
                    <Route path=path!("/payments/:id") view=payments::PaymentPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/payments") view=payments::MyPaymentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/finance/payments") view=payments::FinancePaymentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/learn/transcript") view=assessments::TranscriptPage ssr=SsrMode::Async/>
                    <Route path=path!("/learn/:slug/assessments") view=assessments::AssessmentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/learn/:slug/:position") view=learning::LessonPage ssr=SsrMode::Async/>
                    <Route path=path!("/certificates/verify") view=assessments::VerifyCertificatePage ssr=SsrMode::Async/>
                    <Route path=path!("/teach/marking") view=assessments::MarkingPage ssr=SsrMode::Async/>
                    <Route path=path!("/teach/exams") view=exams::StaffExamsPage ssr=SsrMode::Async/>
                    <Route path=path!("/support") view=support::SupportPage ssr=SsrMode::Async/>
                    <Route path=path!("/support/queue") view=support::TicketQueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/moderation") view=support::ModerationPage ssr=SsrMode::Async/>
                    <Route path=path!("/learn/exams") view=exams::MyExamsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/teaching") view=admin::TeachingPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/funding") view=admin::FundingPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/marketing") view=marketing::CampaignPage ssr=SsrMode::Async/>
                    <Route path=path!("/unsubscribe/:person/:channel/:token") view=marketing::UnsubscribePage ssr=SsrMode::Async/>
                    <Route path=path!("/office/requests") view=office::RequestQueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/office/requests/:id") view=office::OfficeRequestPage ssr=SsrMode::Async/>
                    <Route path=path!("/office/holds") view=office::HoldsPage ssr=SsrMode::Async/>
                    <Route path=path!("/office/retention") view=retention::RetentionPage ssr=SsrMode::Async/>
                    <Route path=path!("/office/breaches") view=breaches::BreachRegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/office/breaches/:id") view=breaches::BreachPage ssr=SsrMode::Async/>
                    <Route path=path!("/office/partners") view=partners::PartnersPage ssr=SsrMode::Async/>
                    <Route path=path!("/office/audit") view=office::AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/office/processing") view=office::RecordOfProcessingPage ssr=SsrMode::Async/>
                    <Route path=path!("/teach/surveys") view=assessments::SurveyTotalsPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset") view=account::ResetRequestPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset/:token") view=account::ResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/guardian/:token") view=account::GuardianPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <cookies::SiteFooter/>
            <islands::PageReady/>
        </Router>
    }
}

/// The site's header: the name, the main sections (the one being shown marked for screen
/// readers) and the account links.
#[component]
fn SiteHeader() -> impl IntoView {
    let here = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let current = |section: &str| {
        let shown = if section == "/" {
            here == "/" || here.starts_with("/courses/")
        } else {
            here.starts_with(section)
        };
        shown.then_some("page")
    };
    view! {
        <header class="site">
            <a href="/">"Pledge Training"</a>
            <nav>
                <a href="/" aria-current=current("/")>"Courses"</a>
                <a href="/tours" aria-current=current("/tours")>"Tours"</a>
                <a href="/privacy" aria-current=current("/privacy")>"Privacy"</a>
                <account::AccountLinks/>
            </nav>
        </header>
    }
}

/// The page for an address the portal does not have.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. " <a href="/">"Browse the courses"</a> "."</p>
    }
}
