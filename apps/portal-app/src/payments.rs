//! Payments as people see them: the receipt page a checkout returns to (`/payments/{id}`), the
//! list of one's own payments (`/account/payments`), and the finance office's list with refunds
//! (`/finance/payments`, the finance role only: W42). No page ever shows or asks for a card
//! number; that form is the payment processor's.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{FormMessage, use_outcome};
use crate::islands::ConfirmButton;

/// A payment as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCard {
    /// Its id (the receipt's address).
    pub id: String,
    /// What was bought.
    pub what: String,
    /// Where what was bought is (a course's lessons), once it is paid.
    pub link: Option<String>,
    /// The amount, as people read it.
    pub amount: String,
    /// Where it stands: `pending`, `paid`, `failed`, `refund-pending` or `refunded`.
    pub status: String,
    /// The receipt's number, once paid.
    pub receipt_number: Option<String>,
    /// The name on the receipt.
    pub billing_name: String,
    /// When it was started, paid and refunded (UTC, `YYYY-MM-DD HH:MM`).
    pub created: String,
    /// When it was paid.
    pub paid: Option<String>,
    /// When it was refunded.
    pub refunded: Option<String>,
    /// The processor's name.
    pub processor: String,
}

impl PaymentCard {
    /// The status in words.
    pub fn status_text(&self) -> &'static str {
        match self.status.as_str() {
            "pending" => "Waiting for the payment processor's confirmation",
            "paid" => "Paid",
            "failed" => "Not paid: the checkout was cancelled or failed",
            "refund-pending" => "Refund on its way",
            "refunded" => "Refunded",
            _ => "Unknown",
        }
    }
}

pub use server_fns::{finance_payments, my_payments, payment_receipt};

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    #[cfg(feature = "ssr")]
    async fn cards(
        state: &crate::state::PortalState,
        payments: Vec<pledge_store::payments::Payment>,
    ) -> Result<Vec<PaymentCard>, PortalError> {
        use pledge_store::payments::{PaymentStatus, Purchase};
        let mut cards = Vec::with_capacity(payments.len());
        for payment in payments {
            let (what, link) = match payment.purchase {
                Purchase::Course(id) => match state.store.course_by_id(id).await? {
                    Some(course) => (
                        format!("Course: {}", course.title),
                        Some(format!("/courses/{}", course.slug)),
                    ),
                    None => ("A course no longer offered".to_owned(), None),
                },
                Purchase::TourBooking(_) => ("A tour booking".to_owned(), None),
            };
            let link = link.filter(|_| payment.status == PaymentStatus::Paid);
            cards.push(PaymentCard {
                id: payment.id.to_string(),
                what,
                link,
                amount: format!(
                    "{} {}.{:02}",
                    payment.currency,
                    payment.amount_cents / 100,
                    payment.amount_cents % 100
                ),
                status: payment.status.as_str().to_owned(),
                receipt_number: payment.receipt_number,
                billing_name: payment.billing_name,
                created: crate::state::minute(payment.created_at),
                paid: payment.paid_at.map(crate::state::minute),
                refunded: payment.refunded_at.map(crate::state::minute),
                processor: payment.processor,
            });
        }
        Ok(cards)
    }

    /// The caller's own payments (audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Invalid`] when the policy has no
    /// payments.
    #[server(endpoint = "my-payments", input = GetUrl)]
    pub async fn my_payments() -> Result<Vec<PaymentCard>, PortalError> {
        let session = crate::state::require_viewer("/account/payments")?;
        let state = crate::state::portal_state()?;
        let payments = state
            .store
            .payments_of(&state.policy, session.person, crate::state::now())
            .await?;
        cards(&state, payments).await
    }

    /// The payment `id`, for the person who made it only.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::NotFound`] for an unknown id or
    /// someone else's payment (the same answer, so ids cannot be probed).
    #[server(endpoint = "payment", input = GetUrl)]
    pub async fn payment_receipt(id: String) -> Result<PaymentCard, PortalError> {
        let session = crate::state::require_viewer(&format!("/payments/{id}"))?;
        let state = crate::state::portal_state()?;
        let not_found = || {
            crate::state::set_status(http::StatusCode::NOT_FOUND);
            PortalError::NotFound
        };
        let id: uuid::Uuid = id.parse().map_err(|_| not_found())?;
        let summary = state.store.payment_summary(id).await?;
        if summary.and_then(|p| p.person) != Some(session.person) {
            return Err(not_found());
        }
        let mine = state
            .store
            .payments_of(&state.policy, session.person, crate::state::now())
            .await?
            .into_iter()
            .filter(|p| p.id == id)
            .collect();
        cards(&state, mine).await?.pop().ok_or_else(not_found)
    }

    /// Every payment, for the finance role only (W42); each payer's read is audited.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for every other role.
    #[server(endpoint = "finance-payments", input = GetUrl)]
    pub async fn finance_payments() -> Result<Vec<PaymentCard>, PortalError> {
        let session = crate::state::require_viewer("/finance/payments")?;
        if !session.has(pledge_domain::Role::Finance) {
            crate::state::set_status(http::StatusCode::FORBIDDEN);
            return Err(PortalError::Forbidden);
        }
        let state = crate::state::portal_state()?;
        let payments = state
            .store
            .all_payments(&state.policy, session.person, crate::state::now())
            .await?;
        cards(&state, payments).await
    }
}

/// The receipt lines of a payment.
#[component]
fn Receipt(payment: PaymentCard) -> impl IntoView {
    let status = payment.status_text();
    view! {
        <dl class="receipt">
            <dt>"For"</dt><dd>{payment.what.clone()}</dd>
            <dt>"Amount"</dt><dd>{payment.amount.clone()}</dd>
            <dt>"Status"</dt><dd class="status">{status}</dd>
            <dt>"Name on the receipt"</dt><dd>{payment.billing_name.clone()}</dd>
            {payment.receipt_number.clone().map(|n| view! { <dt>"Receipt number"</dt><dd class="receipt-number">{n}</dd> })}
            <dt>"Started"</dt><dd>{payment.created.clone()}</dd>
            {payment.paid.clone().map(|at| view! { <dt>"Paid"</dt><dd>{at}</dd> })}
            {payment.refunded.clone().map(|at| view! { <dt>"Refunded"</dt><dd>{at}</dd> })}
            <dt>"Paid through"</dt><dd>{format!("{} (card details stay with the processor)", payment.processor)}</dd>
        </dl>
    }
}

/// `/payments/{id}`: where a checkout returns; the receipt once it is paid.
#[component]
pub fn PaymentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let cancelled = move || query.read().get("cancelled").is_some();
    let id = move || params.read().get("id").unwrap_or_default();
    let found = Resource::new_blocking(id, payment_receipt);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(payment) => {
                        let waiting = payment.status == "pending";
                        let refresh = format!("/payments/{}", payment.id);
                        view! {
                            <h1>{if payment.status == "paid" { "Receipt" } else { "Your payment" }}</h1>
                            {cancelled().then(|| view! {
                                <p class="notice" role="status">"You left the checkout. Nothing was charged; you can start again from the course page."</p>
                            })}
                            {payment.link.clone().map(|href| view! {
                                <p class="notice" role="status">"Thank you: you are enrolled. " <a href=href>"Go to the course"</a></p>
                            })}
                            {waiting.then(|| view! {
                                <p class="notice">"The payment processor has not confirmed this payment yet. " <a href=refresh.clone()>"Check again"</a></p>
                            })}
                            <Receipt payment=payment/>
                            <p><a href="/account/payments">"All your payments"</a></p>
                        }.into_any()
                    }
                    Err(PortalError::SignInRequired) => view! {
                        <p>"Please " <a href="/signin">"sign in"</a> " to see this payment."</p>
                    }.into_any(),
                    Err(PortalError::NotFound) => view! {
                        <h1>"Payment not found"</h1>
                        <p>"There is no payment of yours at this address."</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One row of a list of payments, with `action` after it.
fn payment_row(payment: PaymentCard, action: AnyView, show_payer: bool) -> impl IntoView {
    let href = format!("/payments/{}", payment.id);
    let status = payment.status_text();
    view! {
        <tr>
            <td>{payment.created.clone()}</td>
            {show_payer.then(|| view! { <td>{payment.billing_name.clone()}</td> })}
            <td>{payment.what.clone()}</td>
            <td>{payment.amount.clone()}</td>
            <td class="status">{status}</td>
            <td>
                {if show_payer {
                    view! { <span>{payment.receipt_number.clone().unwrap_or_default()}</span> }.into_any()
                } else {
                    view! { <a href=href>{payment.receipt_number.clone().unwrap_or_else(|| "Details".to_owned())}</a> }.into_any()
                }}
            </td>
            <td>{action}</td>
        </tr>
    }
}

/// `/account/payments`: the signed-in person's payments and receipts.
#[component]
pub fn MyPaymentsPage() -> impl IntoView {
    let payments = Resource::new_blocking(|| (), |()| my_payments());
    view! {
        <h1>"Your payments"</h1>
        <p class="hint">"Card details are entered on the payment processor's page and never reach us; we keep what you bought, the amount, the receipt and its status, for as long as tax law requires."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match payments.await {
                    Ok(list) if list.is_empty() => view! { <p>"You have not made any payment."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="payments">
                            <thead><tr><th>"Started"</th><th>"For"</th><th>"Amount"</th><th>"Status"</th><th>"Receipt"</th><th></th></tr></thead>
                            <tbody>{list.into_iter().map(|p| payment_row(p, ().into_any(), false)).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                    Err(PortalError::SignInRequired) => view! {
                        <p>"Please " <a href="/signin?next=/account/payments">"sign in"</a> "."</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/finance/payments`: every payment, with a refund button on the paid ones.
#[component]
pub fn FinancePaymentsPage() -> impl IntoView {
    let payments = Resource::new_blocking(|| (), |()| finance_payments());
    let query = use_query_map();
    let refunded = move || query.read().get("refunded").is_some();
    let outcome = use_outcome();
    view! {
        <h1>"Payments"</h1>
        {move || refunded().then(|| view! {
            <p class="notice" role="status">"The refund was asked of the payment processor; the payment shows as refunded once it confirms."</p>
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let message = view! { <FormMessage outcome=outcome.await/> };
                let list = match payments.await {
                    Ok(list) if list.is_empty() => view! { <p>"No payments yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="payments">
                            <thead><tr><th>"Started"</th><th>"Payer"</th><th>"For"</th><th>"Amount"</th><th>"Status"</th><th>"Receipt"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|p| {
                                    let action = if p.status == "paid" {
                                        view! {
                                            <form method="post" action=format!("/finance/payments/{}/refund", p.id)>
                                                <ConfirmButton label="Refund".to_owned() question=format!("Refund {} to {}? The processor returns the money to the card.", p.amount, p.billing_name)/>
                                            </form>
                                        }.into_any()
                                    } else {
                                        ().into_any()
                                    };
                                    payment_row(p, action, true)
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(PortalError::SignInRequired) => view! {
                        <p>"Please " <a href="/signin?next=/finance/payments">"sign in"</a> "."</p>
                    }.into_any(),
                    Err(PortalError::Forbidden) => view! {
                        <p class="error" role="alert">"Only the finance team can see payments."</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                };
                view! { {message} {list} }
            })}
        </Suspense>
    }
}
