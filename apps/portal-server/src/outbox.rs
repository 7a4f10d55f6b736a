//! The outbox sender: delivers the messages the store queued with the changes that caused
//! them: payment receipts ([`RECEIPT_MESSAGE`]), the notices a person is owed about their
//! requests ([`PERSON_NOTICES`]: extended, answered, refused, erasure done), policy changes
//! ([`pledge_store::policy_changes::POLICY_CHANGED`]), and marketing ([`MARKETING_MESSAGE`]),
//! each marketing message with its reader's one-click unsubscribe link in the text and in the
//! message's `List-Unsubscribe` headers (W30, J16), and the requests forwarded to partners
//! (erasures and corrections, J09, K21) through the channel the policy names for each
//! (`partner_mail`).
//!
//! Every instance runs one sender. Messages are claimed with a lease before they are sent and
//! marked sent after, so two instances never send the same one at once; a message whose send
//! failed (or whose sender died) is claimed again once its lease runs out. Delivery is at
//! least once: a sender that dies between sending and marking sends that message again.

use std::time::Duration;

use pledge_store::marketing::{MARKETING_MESSAGE, channel_named};
use pledge_store::outbox::ClaimedMessage;
use pledge_store::payments::{Purchase, RECEIPT_MESSAGE, ReceiptEmail};
use portal_app::state::now;

use crate::mail::Email;
use crate::web::Server;

/// How often the sender looks for messages when nothing woke it.
const POLL: Duration = Duration::from_secs(5);
/// How long a claim lasts before another sender may take the message.
const LEASE_MINUTES: i64 = 5;
/// The most messages claimed at once.
const BATCH: u64 = 20;

/// The notices to people about their requests, by kind: (kind, subject).
pub const PERSON_NOTICES: [(&str, &str); 4] = [
    (
        "request-extended",
        "We need more time to answer your request",
    ),
    ("request-completed", "We have answered your request"),
    ("request-refused", "We cannot do what you asked"),
    ("erasure-confirmation", "Your data has been erased"),
];

/// This process's name in the outbox's claims.
fn instance() -> String {
    format!("portal-{}", uuid::Uuid::now_v7())
}

/// Starts the sender on this process: it runs until the process ends.
pub fn spawn(server: Server) {
    let instance = instance();
    tokio::spawn(async move {
        loop {
            deliver_due(&server, &instance).await;
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = server.outbox_wake.notified() => {}
            }
        }
    });
}

/// Sends every receipt due now; failures are logged and retried after the lease.
async fn deliver_due(server: &Server, instance: &str) {
    let store = &server.portal.store;
    let claimed = match store
        .claim_messages_of(
            &[
                RECEIPT_MESSAGE,
                MARKETING_MESSAGE,
                pledge_store::breaches::BREACH_NOTICE,
                pledge_store::policy_changes::POLICY_CHANGED,
                PERSON_NOTICES[0].0,
                PERSON_NOTICES[1].0,
                PERSON_NOTICES[2].0,
                PERSON_NOTICES[3].0,
                crate::partner_mail::PARTNER_NOTICES[0],
                crate::partner_mail::PARTNER_NOTICES[1],
            ],
            instance,
            BATCH,
            time::Duration::minutes(LEASE_MINUTES),
            now(),
        )
        .await
    {
        Ok(claimed) => claimed,
        Err(error) => {
            eprintln!("portal: claiming messages to send failed: {error}");
            return;
        }
    };
    for message in claimed {
        let sent = match message.kind.as_str() {
            RECEIPT_MESSAGE => send_receipt(server, &message).await,
            MARKETING_MESSAGE => send_marketing(server, &message).await,
            pledge_store::breaches::BREACH_NOTICE => send_breach_notice(server, &message).await,
            pledge_store::policy_changes::POLICY_CHANGED => {
                send_policy_change(server, &message).await
            }
            kind if crate::partner_mail::PARTNER_NOTICES.contains(&kind) => {
                send_partner_notice(server, &message).await
            }
            _ => send_notice(server, &message).await,
        };
        match sent {
            Ok(()) => {
                if let Err(error) = store.mark_sent(message.id, instance, now()).await {
                    eprintln!(
                        "portal: marking message {} sent failed: {error}",
                        message.id
                    );
                }
            }
            Err(error) => eprintln!("portal: sending message {} failed: {error}", message.id),
        }
    }
}

/// Sends a forwarded request to its partner.
async fn send_partner_notice(server: &Server, message: &ClaimedMessage) -> Result<(), String> {
    let email = crate::partner_mail::partner_email(server, message)?;
    server
        .mailer
        .send(&server.from, email)
        .await
        .map_err(|error| format!("the mail server refused it: {error}"))
}

/// Sends the receipt `message` names; a receipt with nobody left to send to counts as sent.
async fn send_receipt(server: &Server, message: &ClaimedMessage) -> Result<(), String> {
    let payment = message
        .payload
        .get("payment")
        .and_then(|id| id.as_str())
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .ok_or_else(|| "the receipt names no payment".to_owned())?;
    let store = &server.portal.store;
    let mailer = store.audit().service("mailer");
    let found = store
        .receipt_email(&server.portal.policy, payment, mailer, now())
        .await
        .map_err(|error| error.to_string())?;
    let Some(receipt) = found else {
        return Ok(());
    };
    let what = match receipt.payment.purchase {
        Purchase::Course(course) => match store.course_by_id(course).await {
            Ok(Some(course)) => format!("Course: {}", course.title),
            Ok(None) => "A course".to_owned(),
            Err(error) => return Err(error.to_string()),
        },
        Purchase::TourBooking(_) => "A tour booking".to_owned(),
    };
    let email = receipt_text(server, &receipt, &what);
    server
        .mailer
        .send(&server.from, email)
        .await
        .map_err(|error| format!("the mail server refused it: {error}"))
}

/// The receipt's email: what was bought, for how much, when, and where to see it again.
fn receipt_text(server: &Server, receipt: &ReceiptEmail, what: &str) -> Email {
    let payment = &receipt.payment;
    let number = payment.receipt_number.clone().unwrap_or_default();
    let organisation = server.organisation();
    let paid = payment
        .paid_at
        .map_or_else(String::new, portal_app::state::minute);
    let name = if payment.billing_name.is_empty() {
        String::new()
    } else {
        format!("Billed to: {}\n", payment.billing_name)
    };
    Email {
        to: receipt.to.clone(),
        subject: format!("Your receipt {number} from {organisation}"),
        body: format!(
            "Thank you for your payment.\n\n\
             Receipt: {number}\n\
             {name}\
             For: {what}\n\
             Amount: {} {}.{:02}\n\
             Paid: {paid}\n\
             Paid through: {} (reference {})\n\n\
             You can see this receipt at any time, signed in, at\n{}/payments/{}\n\n\
             Your card details went to the payment processor only; {organisation} never \
             receives or keeps them.\n\n\
             {organisation}\n",
            payment.currency,
            payment.amount_cents / 100,
            payment.amount_cents % 100,
            payment.processor,
            payment.processor_ref,
            server.public_url,
            payment.id,
        ),
    }
}

/// The words of a notice to a person about their request.
fn notice_body(server: &Server, message: &ClaimedMessage) -> String {
    let organisation = server.organisation();
    let due = message
        .payload
        .get("due")
        .and_then(serde_json::Value::as_i64)
        .and_then(|at| time::OffsetDateTime::from_unix_timestamp(at).ok())
        .map(portal_app::state::minute);
    let reason = message
        .payload
        .get("reason")
        .and_then(serde_json::Value::as_str);
    let what = match (message.kind.as_str(), due, reason) {
        ("request-extended", Some(due), _) => format!(
            "Your request is complex, so we are using the extra time the law allows: we will \
             answer it by {due}."
        ),
        ("request-refused", _, Some(reason)) => {
            format!("We cannot do what you asked, because:\n\n{reason}")
        }
        ("erasure-confirmation", _, _) => "We have erased your data, except what the law \
             requires us to keep (your privacy centre showed what and why before you asked). \
             The partners who received your data have been told."
            .to_owned(),
        _ => "We have answered your request.".to_owned(),
    };
    format!(
        "{what}\n\nYou can see your requests, signed in, at\n{}/account/privacy\n\n\
         You may also complain to the data-protection authority.\n\n{organisation}\n",
        server.public_url
    )
}

/// Sends a notice to the person a request is about (the address was sealed in the outbox).
async fn send_notice(server: &Server, message: &ClaimedMessage) -> Result<(), String> {
    let Some(to) = message.address.clone() else {
        return Ok(());
    };
    let subject = PERSON_NOTICES
        .iter()
        .find(|(kind, _)| *kind == message.kind)
        .map_or("About your request", |(_, subject)| subject);
    let email = Email {
        to,
        subject: format!("{subject} ({})", server.organisation()),
        body: notice_body(server, message),
    };
    server
        .mailer
        .send(&server.from, email)
        .await
        .map_err(|error| format!("the mail server refused it: {error}"))
}

/// The text field `name` of a message's payload (empty when it has none).
pub(crate) fn payload_text(message: &ClaimedMessage, name: &str) -> String {
    message
        .payload
        .get(name)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The address that unsubscribes `person` from marketing on `channel` in one click.
pub fn unsubscribe_link(
    server: &Server,
    person: pledge_domain::PersonId,
    channel: pledge_policy::model::Channel,
) -> String {
    let token = server.portal.store.unsubscribe_token(person, channel);
    format!(
        "{}/unsubscribe/{}/{}/{token}",
        server.public_url,
        person.as_uuid(),
        pledge_store::marketing::channel_name(channel)
    )
}

/// Sends a marketing message with its reader's unsubscribe link (in the text and the headers).
async fn send_marketing(server: &Server, message: &ClaimedMessage) -> Result<(), String> {
    let (Some(to), Some(person)) = (message.address.clone(), message.person) else {
        return Ok(());
    };
    let text = |name: &str| payload_text(message, name);
    let channel = channel_named(&text("channel"))
        .ok_or_else(|| "the marketing message names no channel".to_owned())?;
    let link = unsubscribe_link(server, person, channel);
    let email = Email {
        to,
        subject: text("subject"),
        body: format!(
            "{}\n\n--\nYou get this because you said yes to news from {} by email.\n\
             Unsubscribe with one click: {link}\n",
            text("body"),
            server.organisation()
        ),
    };
    server
        .mailer
        .send_unsubscribable(&server.from, email, Some(&link))
        .await
        .map_err(|error| format!("the mail server refused it: {error}"))
}

/// Sends a policy-change notice (W02, J43, K45).
async fn send_policy_change(server: &Server, message: &ClaimedMessage) -> Result<(), String> {
    let Some(to) = message.address.clone() else {
        return Ok(());
    };
    let email = Email {
        to,
        subject: format!("Our privacy policy has changed ({})", server.organisation()),
        body: crate::policy_notices::email_body(server, message),
    };
    server
        .mailer
        .send(&server.from, email)
        .await
        .map_err(|error| format!("the mail server refused it: {error}"))
}

/// Sends a breach notice: its subject and text were written when the office sent it.
async fn send_breach_notice(server: &Server, message: &ClaimedMessage) -> Result<(), String> {
    let Some(to) = message.address.clone() else {
        return Ok(());
    };
    let text = |name: &str| payload_text(message, name);
    let email = Email {
        to,
        subject: text("subject"),
        body: format!("{}\n{}\n", text("text"), server.organisation()),
    };
    server
        .mailer
        .send(&server.from, email)
        .await
        .map_err(|error| format!("the mail server refused it: {error}"))
}
