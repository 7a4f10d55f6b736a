//! Booking a group tour without JavaScript, over real HTTP, on both backends: the form's
//! refusals (by field, nothing kept), explicit consent for accessibility needs, payment through
//! the sandbox processor, the booker's own list, the coordinators' manifest as the only place
//! the needs appear (K05), sending it to the operator (recorded), and the denials.

use crate::payments::demo_session;
use crate::support::{Backend, Portal, start_on};

const TOUR: &str = "/tours/bay-of-fundy-tides";

/// The first departure's id on the tour page (the one with four seats).
pub(crate) async fn first_departure(portal: &Portal, cookie: &str) -> String {
    let page = portal.get(TOUR, Some(cookie)).await;
    let start = page.body.find("<option value=\"").expect("a departure") + 15;
    page.body[start..start + 36].to_owned()
}

fn form<'a>(departure: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("departure", departure),
        ("traveller_1_name", "Ada Learner"),
        ("traveller_1_birth", "1990-05-01"),
        ("traveller_2_name", "Grace Learner"),
        ("traveller_2_birth", "1992-07-09"),
        ("preferences", "Vegetarian meals"),
        ("billing_name", "Ada Learner"),
    ];
    fields.extend_from_slice(extra);
    fields
}

/// Books two seats on `departure` with `needs` (consented to) and pays on the sandbox's page.
pub(crate) async fn book_and_pay(portal: &Portal, cookie: &str, departure: &str, needs: &str) {
    let booked = portal
        .post(
            &format!("{TOUR}/book"),
            &form(
                departure,
                &[
                    ("accessibility_needs", needs),
                    ("accessibility_consent", "yes"),
                ],
            ),
            Some(cookie),
        )
        .await;
    assert_eq!(booked.status, 303, "{}", booked.body);
    let card_page = booked
        .location()
        .split_once(&portal.addr)
        .unwrap()
        .1
        .to_owned();
    let card = [
        ("card_number", "4242424242424242"),
        ("expiry", "12/39"),
        ("cvc", "123"),
    ];
    assert_eq!(portal.post(&card_page, &card, None).await.status, 303);
}

#[tokio::test]
async fn k05_a_traveller_books_with_consented_needs_that_only_coordinators_see() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let list = portal.get("/tours", None).await;
        assert!(
            list.body.contains("The Bay of Fundy tides"),
            "{}",
            list.body
        );
        let departure = first_departure(&portal, &learner).await;

        let no_consent = portal
            .post(
                &format!("{TOUR}/book"),
                &form(&departure, &[("accessibility_needs", "Wheelchair access")]),
                Some(&learner),
            )
            .await;
        assert_eq!(no_consent.status, 422);
        assert!(no_consent.body.contains("only with your explicit consent"));
        assert!(
            no_consent.body.contains("Grace Learner"),
            "the form is kept"
        );
        let bad_date = portal
            .post(
                &format!("{TOUR}/book"),
                &[
                    ("departure", departure.as_str()),
                    ("traveller_1_name", "Ada"),
                    ("traveller_1_birth", "01/05/1990"),
                    ("billing_name", ""),
                ],
                Some(&learner),
            )
            .await;
        assert_eq!(bad_date.status, 422);
        assert!(
            bad_date
                .body
                .contains("Give the date of birth as YYYY-MM-DD.")
        );
        assert!(
            bad_date
                .body
                .contains("Enter the name the receipt should be made out to."),
            "every problem at once"
        );
        let too_many = portal
            .post(
                &format!("{TOUR}/book"),
                &form(
                    &departure,
                    &[
                        ("traveller_3_name", "C"),
                        ("traveller_3_birth", "2000-01-01"),
                        ("traveller_4_name", "D"),
                        ("traveller_4_birth", "2000-01-01"),
                    ],
                ),
                Some(&learner),
            )
            .await;
        assert_eq!(too_many.status, 303, "four seats fit the four left");
        let full = portal
            .post(
                &format!("{TOUR}/book"),
                &form(&departure, &[]),
                Some(&learner),
            )
            .await;
        assert_eq!(full.status, 422, "the departure is held full");
        assert!(full.body.contains("does not have that many seats left"));
        // Leave that checkout: its seats come back.
        let card_page = too_many
            .location()
            .split_once("/sandbox-processor/")
            .unwrap()
            .1;
        let cancelled = portal
            .get(&format!("/sandbox-processor/{card_page}/cancel"), None)
            .await;
        assert_eq!(cancelled.status, 303);

        book_and_pay(&portal, &learner, &departure, "Wheelchair access").await;
        let mine = portal.get("/tours/bookings", Some(&learner)).await;
        assert!(mine.body.contains("2 seats · confirmed"), "{}", mine.body);
        assert!(mine.body.contains("Grace Learner") && mine.body.contains("Vegetarian meals"));
        assert!(
            !mine.body.contains("Wheelchair access"),
            "needs only in the manifest"
        );

        for role in [
            "learner",
            "instructor",
            "support-agent",
            "content-moderator",
            "finance",
            "administrator",
        ] {
            let cookie = demo_session(&portal, role).await;
            let page = portal.get("/tours/manage", Some(&cookie)).await;
            assert_eq!(page.status, 403, "{role}");
            assert!(
                !page.body.contains("Wheelchair access"),
                "K05: not for {role}"
            );
            let send = portal
                .post(
                    &format!("/tours/manage/{departure}/send"),
                    &[],
                    Some(&cookie),
                )
                .await;
            assert_eq!(send.status, 403, "{role} may not send manifests");
        }
        let coordinator = demo_session(&portal, "tour-coordinator").await;
        let manifest = portal.get("/tours/manage", Some(&coordinator)).await;
        assert_eq!(manifest.status, 200);
        assert!(
            manifest
                .body
                .contains("Accessibility needs: Wheelchair access")
        );
        assert!(manifest.body.contains("Grace Learner (born 1992-07-09)"));
        let sent = portal
            .post(
                &format!("/tours/manage/{departure}/send"),
                &[],
                Some(&coordinator),
            )
            .await;
        assert_eq!(sent.location(), "/tours/manage?sent=1");
    }
}

#[tokio::test]
async fn tours_are_not_booked_where_the_policy_has_no_tour_data() {
    let portal = start_on(Backend::Sqlite, &["--pack", "westmontera"], None);
    let list = portal.get("/tours", None).await;
    assert!(list.body.contains("No tours are offered"), "{}", list.body);
}

#[tokio::test]
async fn k05_withdrawing_the_explicit_consent_deletes_the_needs_it_kept() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let departure = first_departure(&portal, &learner).await;
        book_and_pay(&portal, &learner, &departure, "Step-free rooms").await;
        let coordinator = demo_session(&portal, "tour-coordinator").await;
        let manifest = portal.get("/tours/manage", Some(&coordinator)).await;
        assert!(
            manifest.body.contains("Step-free rooms"),
            "{}",
            manifest.body
        );

        let centre = portal.get("/account/privacy", Some(&learner)).await;
        assert!(
            centre
                .body
                .contains("name=\"purpose\" value=\"tour-accessibility\""),
            "the consent in force can be withdrawn here: {}",
            centre.body
        );
        let signed_out = portal
            .post(
                "/account/privacy/consents/withdraw",
                &[("purpose", "tour-accessibility")],
                None,
            )
            .await;
        assert!(signed_out.location().starts_with("/signin"));
        let not_consent = portal
            .post(
                "/account/privacy/consents/withdraw",
                &[("purpose", "service-delivery")],
                Some(&learner),
            )
            .await;
        assert_eq!(not_consent.status, 422);
        assert!(not_consent.body.contains("does not rest on your consent"));

        let withdrawn = portal
            .post(
                "/account/privacy/consents/withdraw",
                &[("purpose", "tour-accessibility")],
                Some(&learner),
            )
            .await;
        assert_eq!(withdrawn.location(), "/account/privacy?withdrawn=1");
        let manifest = portal.get("/tours/manage", Some(&coordinator)).await;
        assert!(
            !manifest.body.contains("Step-free rooms"),
            "the needs went with the consent"
        );
        assert!(manifest.body.contains("Grace Learner"), "the booking stays");
        let centre = portal
            .get("/account/privacy?withdrawn=1", Some(&learner))
            .await;
        assert!(centre.body.contains("Your consent is withdrawn"));
        assert!(!centre.body.contains("value=\"tour-accessibility\""));
        let again = portal
            .post(
                "/account/privacy/consents/withdraw",
                &[("purpose", "tour-accessibility")],
                Some(&learner),
            )
            .await;
        assert_eq!(again.status, 422);
        assert!(again.body.contains("no consent in force to withdraw"));
    }
}
