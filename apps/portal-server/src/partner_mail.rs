//! The emails that forward a request to a partner (J09, K21): written from the facts sealed
//! with the notice (`pledge_store::partner_notices`), so that the partner can find the person
//! by what it knows them by, sees what to do and by when, and for a correction the value to
//! put right. The partner confirms by replying with the reference; the privacy office records
//! the confirmation on `/office/partners`.

use pledge_store::outbox::ClaimedMessage;
use pledge_store::partner_notices::{NoticeDetails, PartnerAction};

use crate::mail::Email;
use crate::web::Server;

/// The outbox kinds this module writes.
pub const PARTNER_NOTICES: [&str; 2] = pledge_store::partners::FORWARDED;

/// The email for a forwarded request, or why none can be written (no address, no facts).
pub fn partner_email(server: &Server, message: &ClaimedMessage) -> Result<Email, String> {
    let to = message.address.clone().ok_or_else(|| {
        format!(
            "the policy gives no address for partner {} (forward_requests_to)",
            message.recipient
        )
    })?;
    let details = message
        .details
        .as_ref()
        .ok_or_else(|| "the notice carries no facts for the partner".to_owned())?;
    Ok(Email {
        to,
        subject: subject(server, details),
        body: body(server, message, details),
    })
}

fn subject(server: &Server, details: &NoticeDetails) -> String {
    let organisation = server.organisation();
    let by = portal_app::state::day(details.act_by);
    match details.action {
        PartnerAction::Erase => {
            format!("Erasure request from {organisation}: please erase a person's data by {by}")
        }
        PartnerAction::Correct => {
            format!("Correction from {organisation}: please correct a person's data by {by}")
        }
    }
}

fn body(server: &Server, message: &ClaimedMessage, details: &NoticeDetails) -> String {
    let organisation = server.organisation();
    let by = portal_app::state::day(details.act_by);
    let known: String = details
        .known_as
        .iter()
        .map(|(what, value)| format!("  - {}: {value}\n", capitalised(what)))
        .collect();
    let ask = match (&details.action, &details.change) {
        (PartnerAction::Erase, _) => format!(
            "The person asked us to erase their personal data, and we have. You received some \
             of it from us, so please erase everything you hold about them too, unless the law \
             requires you to keep it (then tell us what and why), by {by}."
        ),
        (PartnerAction::Correct, Some((what, value))) => format!(
            "The person asked us to correct their {what}, and we have. You received it from \
             us, so please correct it in your records too, by {by}.\n\n\
             The correct {what} is: {value}"
        ),
        (PartnerAction::Correct, None) => format!(
            "The person asked us to correct their data, and we have. Please check what you \
             hold about them against what we sent, by {by}."
        ),
    };
    format!(
        "Dear {partner},\n\n\
         {ask}\n\n\
         The person, as you know them:\n{known}\n\
         When it is done, reply to this message quoting reference {reference}; our privacy \
         office records your confirmation and will remind you if none has come by {by}.\n\n\
         {organisation} privacy office\n",
        partner = details.partner_name,
        reference = message.id,
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
