//! The tour forms' handlers: booking seats (held, then paid through the processor's checkout)
//! and, for tour coordinators, sending a departure's manifest to its operator (recorded as
//! disclosures).

use std::collections::BTreeMap;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pledge_domain::Role;
use pledge_store::StoreError;
use pledge_store::accounts::{ActiveSession, FieldProblem};
use pledge_store::payments::{Purchase, check_billing_name};
use pledge_store::tours::{AccessibilityNeeds, NewBooking, Traveller};
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use portal_app::tours::{NEEDS_CONSENT, pledge_names};
use time::Date;
use uuid::Uuid;

use crate::accounts::{field, kept, outcome_with, sentence};
use crate::payments::{Sale, start_checkout};
use crate::web::{Server, read_form, see_other, unavailable};

/// The travellers typed into the form's rows (empty rows skipped), or the problems.
pub(crate) fn travellers(
    fields: &BTreeMap<String, String>,
) -> Result<Vec<Traveller>, Vec<FieldProblem>> {
    let mut travellers = Vec::new();
    let mut problems = Vec::new();
    for (name_field, birth_field) in pledge_names::NAMES.iter().zip(pledge_names::BIRTHS) {
        let name = field(fields, name_field).trim();
        let birth = field(fields, birth_field).trim();
        if name.is_empty() && birth.is_empty() {
            continue;
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        match Date::parse(birth, format) {
            Ok(date_of_birth) => travellers.push(Traveller {
                full_name: name.to_owned(),
                date_of_birth,
            }),
            Err(_) => problems.push(FieldProblem {
                field: birth_field,
                message: "Give the date of birth as YYYY-MM-DD.".to_owned(),
            }),
        }
    }
    if problems.is_empty() {
        Ok(travellers)
    } else {
        Err(problems)
    }
}

/// The booking the form describes.
fn booking_of(
    person: pledge_domain::PersonId,
    fields: &BTreeMap<String, String>,
) -> Result<NewBooking, Vec<FieldProblem>> {
    let departure: Uuid = field(fields, "departure").parse().map_err(|_| {
        vec![FieldProblem {
            field: "seats",
            message: "Choose a departure from the list.".to_owned(),
        }]
    })?;
    let needs = field(fields, "accessibility_needs").trim();
    Ok(NewBooking {
        person,
        departure,
        travellers: travellers(fields)?,
        preferences: field(fields, "preferences").trim().to_owned(),
        accessibility: (!needs.is_empty()).then(|| AccessibilityNeeds {
            needs: needs.to_owned(),
            consented: field(fields, "accessibility_consent") == "yes",
            consent_text: NEEDS_CONSENT.to_owned(),
        }),
    })
}

/// `POST /tours/{slug}/book`: holds the seats and sends the booker to the processor's checkout.
pub async fn book(
    State(server): State<Server>,
    Path(slug): Path<String>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/tours/{slug}"));
    };
    let page = format!("/tours/{slug}");
    let refuse = |outcome: FormOutcome| {
        server.render_at(
            parts.clone(),
            &page,
            outcome,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let tour = match store.tour_by_slug(&slug).await {
        Ok(Some(tour)) => tour,
        Ok(None) => return see_other("/tours"),
        Err(error) => return unavailable(&error),
    };
    // Everything the form can get wrong is said at once, before anything is written.
    let booking = booking_of(session.person, &fields);
    let name = check_billing_name(field(&fields, "billing_name"));
    let booking = match (booking, name) {
        (Ok(booking), Ok(_)) => booking,
        (booking, name) => {
            let mut problems = booking.err().unwrap_or_default();
            if let Err(StoreError::Refused(more)) = name {
                problems.extend(more);
            }
            return refuse(outcome_with(&fields, problems)).await;
        }
    };
    if !tour.departures.iter().any(|d| d.id == booking.departure) {
        let outcome = FormOutcome::message(kept(&fields), "Choose a departure of this tour.");
        return refuse(outcome).await;
    }
    let held = match store.book_tour(policy, &booking, now()).await {
        Ok(held) => held,
        Err(StoreError::Refused(problems)) => return refuse(outcome_with(&fields, problems)).await,
        Err(error @ (StoreError::ModuleDisabled(_) | StoreError::Invalid(_))) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            return refuse(outcome).await;
        }
        Err(error) => return unavailable(&error),
    };
    let sale = Sale {
        person: session.person,
        purchase: Purchase::TourBooking(held.booking),
        description: format!("{} ({} seats)", tour.title, booking.travellers.len()),
        amount_cents: held.amount_cents,
        currency: tour.currency.clone(),
        billing_name: field(&fields, "billing_name").trim().to_owned(),
    };
    match start_checkout(&server, sale).await {
        Ok(url) => see_other(&url),
        Err(failure) => {
            // No checkout: the seats go back at once rather than when the hold expires.
            eprintln!("portal: a tour checkout could not start: {failure:?}");
            if let Err(error) = store.cancel_held_booking(held.booking).await {
                eprintln!("portal: freeing a hold failed: {error}");
            }
            let message = "The payment could not be started and nothing was booked; please try again in a moment.";
            refuse(FormOutcome::message(kept(&fields), message)).await
        }
    }
}

/// `POST /tours/manage/{departure}/send`: a tour coordinator sends the manifest to the
/// departure's operator; each booker's data shared is recorded as a disclosure.
pub async fn send_manifest(
    State(server): State<Server>,
    Path(departure): Path<Uuid>,
    request: Request,
) -> Response {
    let (parts, _) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/tours/manage");
    };
    if !session.has(Role::TourCoordinator) {
        return server
            .render_at(
                parts,
                "/tours/manage",
                FormOutcome::default(),
                StatusCode::FORBIDDEN,
            )
            .await;
    }
    match server
        .portal
        .store
        .send_manifest(&server.portal.policy, departure, session.person, now())
        .await
    {
        Ok(sent) => see_other(&format!("/tours/manage?sent={sent}")),
        Err(error @ (StoreError::Invalid(_) | StoreError::DisclosureRefused(_))) => {
            let outcome = FormOutcome::message(BTreeMap::new(), sentence(&error.to_string()));
            server
                .render_at(
                    parts,
                    "/tours/manage",
                    outcome,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
        }
        Err(error) => unavailable(&error),
    }
}
