//! The payment-processor interface: what the portal asks of a processor (a hosted checkout, a
//! refund) and what it accepts back (a notification it can verify). No method takes or returns
//! card data: the card form is the processor's page, on the processor's side.

use axum::http::HeaderMap;
use pledge_store::payments::PaymentEvent;
use time::OffsetDateTime;
use uuid::Uuid;

/// A checkout to open for one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// Our payment's id (the processor hands it back in its notifications).
    pub payment: Uuid,
    /// What is bought, as the processor's page shows it.
    pub description: String,
    /// How much, in the currency's smallest unit.
    pub amount_cents: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Where the person returns after paying.
    pub success_url: String,
    /// Where the person returns if they give up.
    pub cancel_url: String,
}

/// A checkout the processor opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The processor's reference of it (the payment's `processor_ref`).
    pub reference: String,
    /// Where to send the person: the processor's own card page.
    pub url: String,
}

/// Why the processor could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessorError {
    /// The processor refused the request.
    #[error("the payment processor refused: {0}")]
    Refused(String),
    /// The processor could not be reached.
    #[error("the payment processor is unavailable: {0}")]
    Unavailable(String),
}

/// Why a notification was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No signature header, or one that cannot be read.
    #[error("the notification carries no readable signature")]
    Unsigned,
    /// The signature does not match the body.
    #[error("the notification's signature does not match")]
    BadSignature,
    /// Signed too long ago (or in the future): perhaps a replay.
    #[error("the notification was signed {0} seconds away from now, beyond the tolerance")]
    Stale(i64),
    /// Signed, but not a notification this portal understands.
    #[error("the notification cannot be read: {0}")]
    Malformed(String),
    /// A notification of a kind that needs no action.
    #[error("the notification is of a kind the portal does not act on: {0}")]
    Ignored(String),
}

/// A payment processor.
#[async_trait::async_trait]
pub trait PaymentProcessor: Send + Sync + std::fmt::Debug {
    /// Its name, as payment records store it and its webhook address ends.
    fn name(&self) -> &'static str;

    /// Opens a hosted checkout for `request`.
    async fn create_checkout(&self, request: CheckoutRequest) -> Result<Checkout, ProcessorError>;

    /// Asks for a full refund of the payment with `reference`; returns the refund's reference.
    /// The outcome arrives later as a notification.
    async fn refund(&self, reference: &str, amount_cents: i64) -> Result<String, ProcessorError>;

    /// Checks a notification's signature and freshness and reads it.
    ///
    /// # Errors
    /// [`WebhookError`] for anything but a fresh, correctly signed notification to act on.
    fn verify_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<PaymentEvent, WebhookError>;
}
