//! Payments: the checkout for a paid course, the processor's notifications, and refunds by
//! finance staff. The portal only ever handles references and outcomes; the card form is the
//! processor's page ([`sandbox`] is the built-in one).

pub mod processor;
pub mod sandbox;

use axum::body::to_bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pledge_domain::Role;
use pledge_store::StoreError;
use pledge_store::accounts::ActiveSession;
use pledge_store::payments::{Applied, NewPayment, PaymentStatus, Purchase, check_billing_name};
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use uuid::Uuid;

use self::processor::{CheckoutRequest, WebhookError};
use crate::accounts::{field, kept, outcome_with, sentence};
use crate::web::{Server, read_form, see_other, unavailable};

/// The largest notification body accepted.
const MAX_NOTIFICATION: usize = 64 * 1024;

/// `POST /courses/{slug}/checkout`: records a pending payment for a paid course and sends the
/// person to the processor's card page.
pub async fn checkout_course(
    State(server): State<Server>,
    Path(slug): Path<String>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/courses/{slug}"));
    };
    let page = format!("/courses/{slug}");
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let course = match store.course_by_slug(&slug).await {
        Ok(Some(course)) => course,
        Ok(None) => return see_other(&page),
        Err(error) => return unavailable(&error),
    };
    if course.is_free() {
        return see_other(&page);
    }
    match store
        .enrolment_in(session.person, &slug, policy, now())
        .await
    {
        Ok(Some(_)) => return see_other(&page),
        Ok(None) => {}
        Err(error) => return unavailable(&error),
    }
    let refuse = |outcome: FormOutcome| {
        server.render_at(
            parts.clone(),
            &page,
            outcome,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let name = match check_billing_name(field(&fields, "billing_name")) {
        Ok(name) => name.to_owned(),
        Err(StoreError::Refused(problems)) => return refuse(outcome_with(&fields, problems)).await,
        Err(error) => return unavailable(&error),
    };
    let purchase = Sale {
        person: session.person,
        purchase: Purchase::Course(course.id),
        description: format!("{} (course enrolment)", course.title),
        amount_cents: course.price_cents,
        currency: course.currency.clone(),
        billing_name: name,
    };
    match start_checkout(&server, purchase).await {
        Ok(url) => see_other(&url),
        Err(CheckoutFailed::Refused(problems)) => refuse(outcome_with(&fields, problems)).await,
        Err(CheckoutFailed::Said(message)) => {
            refuse(FormOutcome::message(kept(&fields), message)).await
        }
        Err(CheckoutFailed::Broken(error)) => unavailable(&error),
    }
}

/// Something to sell through the processor's checkout.
#[derive(Debug, Clone)]
pub struct Sale {
    /// Who pays.
    pub person: pledge_domain::PersonId,
    /// What for.
    pub purchase: Purchase,
    /// As the processor's page shows it.
    pub description: String,
    /// How much.
    pub amount_cents: i64,
    /// Its currency.
    pub currency: String,
    /// The name on the receipt (checked already).
    pub billing_name: String,
}

/// Why a checkout did not start.
#[derive(Debug)]
pub enum CheckoutFailed {
    /// A form field is wrong.
    Refused(Vec<pledge_store::accounts::FieldProblem>),
    /// Something the person should be told, in these words.
    Said(String),
    /// A failure inside (logged, 503).
    Broken(StoreError),
}

/// Opens the processor's checkout for `sale` and records the pending payment; returns where to
/// send the person (the processor's card page).
///
/// # Errors
/// [`CheckoutFailed`]; nothing is recorded when the processor does not answer.
pub async fn start_checkout(server: &Server, sale: Sale) -> Result<String, CheckoutFailed> {
    let payment = Uuid::now_v7();
    let receipt = format!("{}/payments/{payment}", server.public_url);
    let checkout = server
        .processor
        .create_checkout(CheckoutRequest {
            payment,
            description: sale.description,
            amount_cents: sale.amount_cents,
            currency: sale.currency.clone(),
            success_url: receipt.clone(),
            cancel_url: format!("{receipt}?cancelled=1"),
        })
        .await
        .map_err(|error| {
            eprintln!("portal: opening a checkout failed: {error}");
            CheckoutFailed::Said(
                "The payment processor is not answering. Nothing was charged; please try again in a moment."
                    .to_owned(),
            )
        })?;
    let started = server
        .portal
        .store
        .start_payment(
            &server.portal.policy,
            &NewPayment {
                id: payment,
                person: sale.person,
                purchase: sale.purchase,
                amount_cents: sale.amount_cents,
                currency: sale.currency,
                processor: server.processor.name().to_owned(),
                processor_ref: checkout.reference,
                billing_name: sale.billing_name,
            },
            now(),
        )
        .await;
    match started {
        Ok(_) => Ok(checkout.url),
        Err(StoreError::Refused(problems)) => Err(CheckoutFailed::Refused(problems)),
        Err(error @ (StoreError::ModuleDisabled(_) | StoreError::Invalid(_))) => {
            Err(CheckoutFailed::Said(sentence(&error.to_string())))
        }
        Err(error) => Err(CheckoutFailed::Broken(error)),
    }
}

/// `POST /payments/webhook/{processor}`: a processor's notification. The one state-changing
/// request that does not come from our pages: it is trusted only when its signature, its
/// timestamp and its event id check out. Answers 2xx once the notification is applied (or was
/// applied before), so that the processor stops delivering it; 400 for one that will never
/// be accepted; 503 when the store failed, so that it is delivered again.
pub async fn webhook(
    State(server): State<Server>,
    Path(processor): Path<String>,
    request: Request,
) -> Response {
    if processor != server.processor.name() {
        return (StatusCode::NOT_FOUND, "no such processor\n").into_response();
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_NOTIFICATION).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "notification too large\n").into_response();
    };
    let at = now();
    let event = match server
        .processor
        .verify_notification(&parts.headers, &body, at)
    {
        Ok(event) => event,
        Err(error @ WebhookError::Ignored(_)) => {
            return (StatusCode::OK, format!("{error}\n")).into_response();
        }
        Err(error) => {
            eprintln!("portal: refused a payment notification: {error}");
            return (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response();
        }
    };
    match server
        .portal
        .store
        .apply_payment_event(&server.portal.policy, &event, at)
        .await
    {
        Ok(applied) => {
            if applied == Applied::Changed(PaymentStatus::Paid) {
                // A receipt is waiting in the outbox.
                server.outbox_wake.notify_one();
            }
            let said = match applied {
                Applied::Changed(status) => format!("payment {}\n", status.as_str()),
                Applied::AlreadyDone => "already applied\n".to_owned(),
                Applied::UnknownPayment => "no such payment\n".to_owned(),
            };
            (StatusCode::OK, said).into_response()
        }
        Err(error) => {
            eprintln!("portal: applying a payment notification failed: {error}");
            (StatusCode::SERVICE_UNAVAILABLE, "try again\n").into_response()
        }
    }
}

/// `POST /finance/payments/{id}/refund`: finance staff refund a paid payment in full. Only the
/// finance role may (W42: others, content moderators among them, never handle payments).
pub async fn refund(
    State(server): State<Server>,
    Path(id): Path<Uuid>,
    request: Request,
) -> Response {
    let (parts, _) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/finance/payments");
    };
    if !session.has(Role::Finance) {
        return server
            .render_at(
                parts,
                "/finance/payments",
                FormOutcome::default(),
                StatusCode::FORBIDDEN,
            )
            .await;
    }
    let store = &server.portal.store;
    let refuse = |message: String| {
        server.render_at(
            parts.clone(),
            "/finance/payments",
            FormOutcome::message(Default::default(), message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (reference, amount) = match store.payment_summary(id).await {
        Ok(Some(payment)) if payment.status == PaymentStatus::Paid => {
            (payment.processor_ref, payment.amount_cents)
        }
        Ok(Some(_)) => return refuse("Only a paid payment can be refunded.".to_owned()).await,
        Ok(None) => return refuse("There is no such payment.".to_owned()).await,
        Err(error) => return unavailable(&error),
    };
    let refund_ref = match server.processor.refund(&reference, amount).await {
        Ok(refund_ref) => refund_ref,
        Err(error) => return refuse(sentence(&error.to_string())).await,
    };
    match store
        .record_refund_request(
            &server.portal.policy,
            id,
            &refund_ref,
            session.person,
            now(),
        )
        .await
    {
        Ok(()) => see_other("/finance/payments?refunded=1"),
        Err(error @ StoreError::Invalid(_)) => refuse(sentence(&error.to_string())).await,
        Err(error) => unavailable(&error),
    }
}
