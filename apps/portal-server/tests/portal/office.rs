//! The privacy office over HTTP: the request queue with deadlines, a request checked, extended,
//! answered (the correction, restriction or erasure carried out) or refused, the person told
//! by email; legal holds placed and released, stopping an erasure while in force; the record
//! of processing. Every form refuses anyone but a privacy officer, and bad input changes
//! nothing.

use crate::support::{Backend, DataDir, Mailbox, Portal, Reply, start_on, start_with};

const LEARNER: &str = "learner@demo.pledge.invalid";

/// A JTEC demo person's session cookie (its name carries a hash, as WordPress's does).
async fn session(portal: &Portal, role: &str) -> String {
    crate::support::sign_in_demo_hashed(portal, role).await
}

/// A JTEC staff session, with the second step JTEC requires of staff set up (W43's rule).
async fn staff_session(portal: &Portal, role: &str) -> String {
    let cookie = session(portal, role).await;
    crate::support::add_second_step(portal, &cookie).await;
    cookie
}

/// The address of the office's page for the newest request in the queue of `kind`.
async fn newest_request(portal: &Portal, officer: &str, kind: &str) -> String {
    let queue = portal.get("/office/requests", Some(officer)).await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let marker = format!("\">{kind}</a>");
    queue
        .body
        .split("href=\"/office/requests/")
        .skip(1)
        .filter(|rest| rest.contains(&marker) && rest.find(&marker) < rest.find("</tr>"))
        .filter_map(|rest| rest.split('"').next())
        .map(|id| format!("/office/requests/{id}"))
        .next()
        .unwrap_or_else(|| panic!("no {kind} request in the queue: {}", queue.body))
}

/// Asks for something in the learner's privacy centre.
async fn ask(portal: &Portal, learner: &str, path: &str, fields: &[(&str, &str)]) {
    let asked = portal.post(path, fields, Some(learner)).await;
    assert_eq!(
        asked.location(),
        "/account/privacy?requested=1",
        "{}",
        asked.body
    );
}

fn status_of(page: &Reply) -> &str {
    page.body
        .split("<dd class=\"status\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no status: {}", page.body))
}

async fn wait_for_mail(mail: &Mailbox, to: &str, subject: &str) -> String {
    for _ in 0..100 {
        if let Some(found) = mail.to(to).into_iter().find(|m| m.contains(subject)) {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no {subject:?} reached {to}: {:?}", mail.to(to));
}

/// K21, J09: a correction is carried out only after the identity check, the person is told,
/// and Peoplecert — which was sent the name for the learner's exam — gets an email naming the
/// learner as it knows them (the old name, the candidate number) with the corrected name.
#[tokio::test]
async fn the_office_corrects_after_checking_identity_and_the_person_is_told() {
    let mail = Mailbox::start().await;
    let portal = start_with(DataDir::new(), &["--pack", "jtec"], Some(&mail));
    let learner = session(&portal, "learner").await;
    let officer = staff_session(&portal, "privacy-officer").await;
    crate::exams::book_itil_exam(&portal, &learner).await;
    ask(
        &portal,
        &learner,
        "/account/privacy/correction",
        &[("details", "My name is Ada Lovelace.")],
    )
    .await;

    let queue = portal.get("/office/requests", Some(&officer)).await;
    assert!(
        queue
            .body
            .contains("Demo learner &lt;learner@demo.pledge.invalid&gt;"),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("days left") && queue.body.contains("not checked"));
    let page = newest_request(&portal, &officer, "correction").await;
    let shown = portal.get(&page, Some(&officer)).await;
    assert!(
        shown.body.contains("My name is Ada Lovelace."),
        "what they wrote"
    );
    assert_eq!(status_of(&shown), "open");

    // Nothing is carried out before the identity check; bad input changes nothing.
    let early = portal
        .post(
            &format!("{page}/answer"),
            &[("field", "display_name"), ("value", "Ada Lovelace")],
            Some(&officer),
        )
        .await;
    assert_eq!(early.status, 422);
    assert!(
        early
            .body
            .contains("Check their identity before answering.")
    );
    assert!(
        early.body.contains("value=\"Ada Lovelace\""),
        "what was typed is kept"
    );
    let unknown = portal
        .post(
            &format!("{page}/verify"),
            &[("method", "astrology")],
            Some(&officer),
        )
        .await;
    assert_eq!(unknown.status, 422);
    let checked = portal
        .post(
            &format!("{page}/verify"),
            &[("method", "email-confirmation")],
            Some(&officer),
        )
        .await;
    assert_eq!(checked.location(), format!("{page}?done=identity"));
    let empty = portal
        .post(
            &format!("{page}/answer"),
            &[("field", "display_name"), ("value", " ")],
            Some(&officer),
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(
        empty.body.contains("id=\"field-value-problem\""),
        "next to the field"
    );
    assert_eq!(status_of(&portal.get(&page, Some(&officer)).await), "open");

    let answered = portal
        .post(
            &format!("{page}/answer"),
            &[("field", "display_name"), ("value", "Ada Lovelace")],
            Some(&officer),
        )
        .await;
    assert_eq!(answered.location(), format!("{page}?done=answered"));
    let shown = portal
        .get(&format!("{page}?done=answered"), Some(&officer))
        .await;
    assert_eq!(status_of(&shown), "answered");
    assert!(
        shown
            .body
            .contains("Ada Lovelace &lt;learner@demo.pledge.invalid&gt;"),
        "corrected"
    );
    assert!(shown.body.contains("the person is told"));
    let told = wait_for_mail(&mail, LEARNER, "We have answered your request").await;
    assert!(told.contains("/account/privacy"));
    let centre = portal.get("/account/privacy", Some(&learner)).await;
    assert!(centre.body.contains("<td>correction</td>") && centre.body.contains("answered"));
    let partner = wait_for_mail(&mail, "dataprotection@peoplecert.org", "Correction from").await;
    for needed in [
        "please correct it in your records too, by ",
        "The correct name is: Ada Lovelace",
        "Name: Demo learner",
        "Candidate number: C",
    ] {
        assert!(partner.contains(needed), "{needed:?} in {partner}");
    }
}

#[tokio::test]
async fn a_refusal_needs_a_reason_the_person_reads_and_an_extension_is_told() {
    let mail = Mailbox::start().await;
    let portal = start_with(DataDir::new(), &["--pack", "jtec"], Some(&mail));
    let learner = session(&portal, "learner").await;
    let officer = staff_session(&portal, "privacy-officer").await;
    let centre = portal.get("/account/privacy", Some(&learner)).await;
    let purpose = centre
        .body
        .split("name=\"purpose-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let field = format!("purpose-{purpose}");
    ask(
        &portal,
        &learner,
        "/account/privacy/restriction",
        &[(&field, "on"), ("reason", "I dispute my marks")],
    )
    .await;
    let page = newest_request(&portal, &officer, "restriction").await;
    let shown = portal.get(&page, Some(&officer)).await;
    assert!(
        shown.body.contains(&format!(
            "id=\"{field}\" name=\"{field}\" value=\"on\" checked"
        )),
        "the purpose asked for is ticked: {}",
        shown.body
    );

    let blank = portal
        .post(
            &format!("{page}/refuse"),
            &[("reason", "  ")],
            Some(&officer),
        )
        .await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("Give the reason the person will read."));
    let extended = portal
        .post(&format!("{page}/extend"), &[], Some(&officer))
        .await;
    assert_eq!(extended.location(), format!("{page}?done=extended"));
    assert_eq!(
        status_of(&portal.get(&page, Some(&officer)).await),
        "extended"
    );
    let told = wait_for_mail(&mail, LEARNER, "We need more time").await;
    assert!(told.contains("we will answer it by"), "{told}");
    let again = portal
        .post(&format!("{page}/extend"), &[], Some(&officer))
        .await;
    assert_eq!(again.status, 422, "one extension only");

    let refused = portal
        .post(
            &format!("{page}/refuse"),
            &[("reason", "Your marks were checked twice.")],
            Some(&officer),
        )
        .await;
    assert_eq!(refused.location(), format!("{page}?done=refused"));
    let shown = portal.get(&page, Some(&officer)).await;
    assert_eq!(status_of(&shown), "refused");
    assert!(
        !shown.body.contains("/answer\""),
        "a closed request has no forms"
    );
    let told = wait_for_mail(&mail, LEARNER, "We cannot do what you asked").await;
    assert!(told.contains("Your marks were checked twice."), "{told}");
    let late = portal
        .post(&format!("{page}/answer"), &[(&field, "on")], Some(&officer))
        .await;
    assert_eq!(late.status, 422, "a refused request cannot be answered");
}

#[tokio::test]
async fn j36_a_legal_hold_stops_an_erasure_until_it_is_released() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &["--pack", "jtec"], None);
        let learner = session(&portal, "learner").await;
        let officer = staff_session(&portal, "privacy-officer").await;

        // Bad input on the hold form: each problem next to its field, nothing placed.
        let nobody = portal
            .post(
                "/office/holds",
                &[
                    ("email", "nobody@example.org"),
                    ("reason", "Claim"),
                    ("owner", "Legal"),
                ],
                Some(&officer),
            )
            .await;
        assert_eq!(nobody.status, 422);
        assert!(
            nobody
                .body
                .contains("Nobody has an account with this address.")
        );
        let bad_date = portal
            .post(
                "/office/holds",
                &[
                    ("email", LEARNER),
                    ("reason", "Claim"),
                    ("owner", "Legal"),
                    ("expires", "next week"),
                ],
                Some(&officer),
            )
            .await;
        assert_eq!(bad_date.status, 422);
        assert!(bad_date.body.contains("id=\"field-expires-problem\""));
        let no_reason = portal
            .post(
                "/office/holds",
                &[("email", LEARNER), ("owner", "Legal")],
                Some(&officer),
            )
            .await;
        assert_eq!(no_reason.status, 422);
        assert!(
            no_reason
                .body
                .contains("A legal hold needs a reason and an owner.")
        );
        assert!(
            portal
                .get("/office/holds", Some(&officer))
                .await
                .body
                .contains("No holds.")
        );

        let placed = portal
            .post(
                "/office/holds",
                &[
                    ("email", LEARNER),
                    ("reason", "Dispute over fees, claim 2026-17"),
                    ("owner", "Legal team"),
                    ("expires", "2030-01-31"),
                ],
                Some(&officer),
            )
            .await;
        assert_eq!(placed.location(), "/office/holds?changed=1");
        let holds = portal.get("/office/holds", Some(&officer)).await;
        assert!(
            holds.body.contains("Dispute over fees, claim 2026-17")
                && holds.body.contains("2030-01-31 23:59 UTC")
        );

        ask(
            &portal,
            &learner,
            "/account/privacy/erasure",
            &[("confirm", "yes")],
        )
        .await;
        let page = newest_request(&portal, &officer, "deletion").await;
        portal
            .post(
                &format!("{page}/verify"),
                &[("method", "signed-in")],
                Some(&officer),
            )
            .await;
        let unconfirmed = portal
            .post(&format!("{page}/answer"), &[], Some(&officer))
            .await;
        assert_eq!(unconfirmed.status, 422);
        assert!(
            unconfirmed
                .body
                .contains("Tick the box to confirm there are no grounds to refuse.")
        );
        let held = portal
            .post(
                &format!("{page}/answer"),
                &[("confirm", "yes")],
                Some(&officer),
            )
            .await;
        assert_eq!(held.status, 422);
        assert!(
            held.body
                .contains("A legal hold is in force on this person: nothing was erased.")
        );
        assert_eq!(
            portal.get("/account", Some(&learner)).await.status,
            200,
            "still here"
        );

        let release = holds
            .body
            .split("action=\"/office/holds/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        let released = portal
            .post(&format!("/office/holds/{release}"), &[], Some(&officer))
            .await;
        assert_eq!(released.location(), "/office/holds?changed=1");
        assert!(
            portal
                .get("/office/holds", Some(&officer))
                .await
                .body
                .contains("released ")
        );
        let erased = portal
            .post(
                &format!("{page}/answer"),
                &[("confirm", "yes")],
                Some(&officer),
            )
            .await;
        assert_eq!(erased.location(), format!("{page}?done=answered"));
        let shown = portal.get(&page, Some(&officer)).await;
        assert_eq!(status_of(&shown), "answered");
        assert!(shown.body.contains("(erased)"), "{}", shown.body);
        let gone = portal.get("/account", Some(&learner)).await;
        assert_eq!(
            gone.location(),
            "/signin?next=/account",
            "the erased person's sessions ended"
        );
    }
}

#[tokio::test]
async fn the_office_forms_refuse_everyone_but_privacy_officers() {
    let portal = start_with(DataDir::new(), &["--pack", "jtec"], None);
    let learner = session(&portal, "learner").await;
    ask(
        &portal,
        &learner,
        "/account/privacy/correction",
        &[("details", "Wrong name")],
    )
    .await;
    let officer = staff_session(&portal, "privacy-officer").await;
    let page = newest_request(&portal, &officer, "correction").await;
    let forms = [
        (format!("{page}/verify"), vec![("method", "signed-in")]),
        (format!("{page}/extend"), vec![]),
        (format!("{page}/refuse"), vec![("reason", "no")]),
        (
            format!("{page}/answer"),
            vec![("field", "display_name"), ("value", "Mallory")],
        ),
        (
            "/office/holds".to_owned(),
            vec![("email", LEARNER), ("reason", "r"), ("owner", "o")],
        ),
    ];
    for role in [
        "learner",
        "administrator",
        "support-agent",
        "content-moderator",
        "finance",
    ] {
        let someone = if role == "learner" {
            learner.clone()
        } else {
            staff_session(&portal, role).await
        };
        for (path, fields) in &forms {
            let denied = portal.post(path, fields, Some(&someone)).await;
            assert_eq!(denied.status, 403, "{path} as {role}");
        }
    }
    for (path, fields) in &forms {
        let anonymous = portal.post(path, fields, None).await;
        assert!(
            anonymous.location().starts_with("/signin?next=/office/"),
            "{path}"
        );
    }
    let shown = portal.get(&page, Some(&officer)).await;
    assert_eq!(status_of(&shown), "open");
    assert!(
        shown.body.contains("not checked yet"),
        "nothing was recorded"
    );
    assert!(
        portal
            .get("/office/holds", Some(&officer))
            .await
            .body
            .contains("No holds.")
    );
    let made_up = portal
        .post("/office/requests/not-an-id/answer", &[], Some(&officer))
        .await;
    assert_eq!(made_up.status, 404);
}

#[tokio::test]
async fn the_record_of_processing_is_rendered_from_the_policy_for_the_office() {
    let portal = crate::support::start();
    let officer =
        crate::support::sign_in_demo(&portal, "privacy-officer", "__Host-kx_session").await;
    let record = portal.get("/office/processing", Some(&officer)).await;
    assert_eq!(record.status, 200);
    assert!(
        record
            .body
            .contains("record of processing activities (GDPR Art. 30)"),
        "{}",
        record.body
    );
    let policy = pledge_policy::packs::load_pack("kexara").unwrap();
    for purpose in &policy.policy().purposes {
        assert!(
            record.body.contains(&purpose.name),
            "{} is in the record",
            purpose.name
        );
    }
}

/// Changes the MAC of audit record `seq` in the portal's own database, as an intruder with
/// database access would.
async fn tamper_with_audit_record(portal: &Portal, seq: i64) {
    use sea_orm::ConnectionTrait;
    let (url, sql) = match portal.postgres_main() {
        Some(url) => (
            url,
            format!(
                "UPDATE audit_record SET mac = decode(md5('a') || md5('b'), 'hex') WHERE seq = {seq}"
            ),
        ),
        None => (
            format!(
                "sqlite://{}",
                portal.data_dir().unwrap().join("portal.db").display()
            ),
            format!("UPDATE audit_record SET mac = zeroblob(32) WHERE seq = {seq}"),
        ),
    };
    let db = sea_orm::Database::connect(&url).await.unwrap();
    let changed = db.execute_unprepared(&sql).await.unwrap();
    assert_eq!(changed.rows_affected(), 1);
    db.close().await.unwrap();
}

#[tokio::test]
async fn k30_the_audit_viewer_filters_who_read_whose_data_and_the_chain_check_finds_tampering() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let officer =
            crate::support::sign_in_demo(&portal, "privacy-officer", "__Host-kx_session").await;
        let learner = crate::support::sign_in_demo(&portal, "learner", "__Host-kx_session").await;
        assert_eq!(
            portal.get("/account/privacy", Some(&learner)).await.status,
            200
        );

        let all = portal.get("/office/audit", Some(&officer)).await;
        assert_eq!(all.status, 200);
        assert!(all.body.contains("entries match"), "{}", all.body);
        let reads = portal
            .get(
                &format!("/office/audit?person={LEARNER}&action=read"),
                Some(&officer),
            )
            .await;
        let rows: Vec<&str> = reads.body.split("<tr><td>").skip(1).collect();
        assert!(
            !rows.is_empty(),
            "the learner's reads are listed: {}",
            reads.body
        );
        assert!(
            rows.iter()
                .all(|row| row.contains("<td>read</td><td>Demo learner (")),
            "only reads about the learner: {rows:?}"
        );
        assert!(
            rows.iter()
                .any(|row| row.starts_with(|c: char| c.is_ascii_digit())
                    && row.contains("<td>Demo learner (")
                    && row.contains("</td><td>read</td>")),
            "the learner reading their own privacy centre is there"
        );
        let by_officer = portal
            .get(
                "/office/audit?actor=privacy-officer@demo.pledge.invalid",
                Some(&officer),
            )
            .await;
        assert!(
            by_officer.body.contains("<td>Demo privacy officer ("),
            "the officer's own reads of names are audited"
        );
        assert!(
            by_officer
                .body
                .contains("value=\"privacy-officer@demo.pledge.invalid\""),
            "the filter is kept"
        );

        for (query, problem) in [
            (
                "person=nobody@example.org",
                "Nobody has an account with the person",
            ),
            ("actor=somebody", "is neither an account"),
            ("from=yesterday", "Write the from date as YYYY-MM-DD."),
            ("action=teleport", "Choose an action from the list."),
        ] {
            let refused = portal
                .get(&format!("/office/audit?{query}"), Some(&officer))
                .await;
            assert_eq!(refused.status, 200, "{query}");
            assert!(refused.body.contains(problem), "{query}: {}", refused.body);
            assert!(
                !refused.body.contains("class=\"audit-trail\""),
                "{query}: nothing listed"
            );
        }
        let future = portal
            .get("/office/audit?from=2999-01-01", Some(&officer))
            .await;
        assert!(future.body.contains("0 entries match."));

        let signed = portal
            .post("/office/audit/checkpoint", &[], Some(&officer))
            .await;
        assert_eq!(signed.location(), "/office/audit?verify=1");
        let verified = portal.get("/office/audit?verify=1", Some(&officer)).await;
        assert!(
            verified.body.contains("The chain verifies:"),
            "{}",
            verified.body
        );
        let denied = portal
            .post("/office/audit/checkpoint", &[], Some(&learner))
            .await;
        assert_eq!(denied.status, 403);

        tamper_with_audit_record(&portal, 3).await;
        let damaged = portal.get("/office/audit?verify=1", Some(&officer)).await;
        assert!(
            damaged
                .body
                .contains("The chain does not verify: from record 3 on it cannot be trusted"),
            "{}",
            damaged.body
        );
    }
}

/// Moves every closed ticket's closing day back to 2015, as if three years and more had
/// passed since (the portal reads the real clock).
async fn age_closed_tickets(portal: &Portal, closed_at: time::OffsetDateTime) {
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let url = match portal.postgres_main() {
        Some(url) => url,
        None => format!(
            "sqlite://{}",
            portal.data_dir().unwrap().join("portal.db").display()
        ),
    };
    let db = sea_orm::Database::connect(&url).await.unwrap();
    let mut update = Query::update();
    update
        .table("ticket")
        .value("closed_at", closed_at)
        .and_where(Expr::col("closed_at").is_not_null());
    let changed = db.execute(&update).await.unwrap();
    assert_eq!(changed.rows_affected(), 1);
    db.close().await.unwrap();
}

#[tokio::test]
async fn k37_the_retention_dashboard_shows_what_is_due_now_and_soon_and_applying_deletes_it() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let officer =
            crate::support::sign_in_demo(&portal, "privacy-officer", "__Host-kx_session").await;
        let learner = crate::support::sign_in_demo(&portal, "learner", "__Host-kx_session").await;
        portal
            .post(
                "/support",
                &[
                    ("subject", "Old question"),
                    ("body", "How long is a course?"),
                ],
                Some(&learner),
            )
            .await;
        let mine = portal.get("/support", Some(&learner)).await;
        let ticket = mine
            .body
            .split("action=\"/support/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap()
            .to_owned();
        let closed = portal
            .post(&format!("/support/{ticket}/close"), &[], Some(&learner))
            .await;
        assert_eq!(closed.status, 303);

        let page = portal.get("/office/retention", Some(&officer)).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("Support interactions") && page.body.contains("3 years"),
            "the schedule: {}",
            page.body
        );
        assert!(page.body.contains("No sweep has run yet."));
        let nothing = portal
            .get("/office/retention?preview=1", Some(&officer))
            .await;
        assert!(nothing.body.contains("are due now."), "{}", nothing.body);
        assert!(
            !nothing.body.contains("<td>ticket</td>"),
            "a ticket closed today is kept"
        );

        // Closed almost three years ago: not due now, due within a month, not within a week.
        let soon = time::OffsetDateTime::now_utc() - time::Duration::days(3 * 365 - 20);
        age_closed_tickets(&portal, soon).await;
        let ticket_due = |body: &str| {
            body.split("class=\"due-records\"")
                .nth(1)
                .is_some_and(|rows| rows.contains("<td>ticket</td><td>support-history</td>"))
        };
        let now = portal
            .get("/office/retention?preview=1", Some(&officer))
            .await;
        assert!(!ticket_due(&now.body), "not due yet");
        let week = portal
            .get("/office/retention?preview=1&within=7", Some(&officer))
            .await;
        assert!(week.body.contains("Due within 7 days"), "{}", week.body);
        assert!(!ticket_due(&week.body));
        let month = portal
            .get("/office/retention?preview=1&within=30", Some(&officer))
            .await;
        assert!(ticket_due(&month.body), "due soon: {}", month.body);
        let odd = portal
            .get("/office/retention?preview=1&within=5", Some(&officer))
            .await;
        assert!(odd.body.contains("Look ahead by 0, 7, 30 or 90 days."));
        assert!(
            portal
                .get("/office/retention?preview=1", Some(&officer))
                .await
                .body
                .contains("are due now."),
            "looking ahead changed nothing"
        );

        age_closed_tickets(&portal, time::macros::datetime!(2015-01-05 9:00 UTC)).await;
        let due = portal
            .get("/office/retention?preview=1", Some(&officer))
            .await;
        let records = due
            .body
            .split("class=\"due-records\"")
            .nth(1)
            .unwrap_or_default();
        assert!(
            records.contains("<td>ticket</td><td>support-history</td><td>deleted</td>"),
            "{}",
            due.body
        );
        assert!(
            due.body.contains("<td>dry run</td>"),
            "the dry run is in the history"
        );
        assert_eq!(
            portal
                .post("/office/retention/apply", &[], Some(&learner))
                .await
                .status,
            403
        );
        let applied = portal
            .post("/office/retention/apply", &[], Some(&officer))
            .await;
        assert_eq!(applied.location(), "/office/retention?applying=1");
        let mut history = String::new();
        for _ in 0..100 {
            history = portal.get("/office/retention", Some(&officer)).await.body;
            if history.contains("<td>applied</td><td>finished") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(
            history.contains("<td>applied</td><td>finished"),
            "{history}"
        );
        let mine = portal.get("/support", Some(&learner)).await;
        assert!(!mine.body.contains("Old question"), "the ticket is gone");
    }
}

/// J08, J09: the registry dates what Peoplecert keeps; an erasure is forwarded to Peoplecert
/// as an email it can act on — read from the SMTP sink: the person by the candidate number
/// Peoplecert issued and the name and address it was sent, what to do, by when, the reference
/// to quote — and the office tracks it until it records Peoplecert's confirmation.
#[tokio::test]
async fn j08_j09_the_partner_registry_dates_what_peoplecert_keeps_and_logs_forwarded_erasures() {
    let mail = Mailbox::start().await;
    let portal = start_with(DataDir::new(), &["--pack", "jtec"], Some(&mail));
    let learner = session(&portal, "learner").await;
    let officer = staff_session(&portal, "privacy-officer").await;
    let before = portal.get("/office/partners", Some(&officer)).await;
    assert_eq!(before.status, 200);
    assert!(before.body.contains("Peoplecert"), "{}", before.body);
    assert!(
        before.body.contains("Online proctoring recordings"),
        "what it keeps"
    );
    assert!(
        before
            .body
            .contains("No request has been forwarded to a partner.")
    );

    crate::exams::book_itil_exam(&portal, &learner).await;

    let after = portal.get("/office/partners", Some(&officer)).await;
    let reminders = after
        .body
        .split("class=\"partner-reminders\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", after.body));
    assert!(
        reminders.contains("Online proctoring recordings"),
        "J08: {reminders}"
    );
    let year = time::OffsetDateTime::now_utc().year() + 1;
    assert!(
        reminders.contains(&format!("<td>{year}-")),
        "kept one year from the booking: {reminders}"
    );
    assert!(
        after.body.contains("1 times, last"),
        "the disclosure is counted"
    );

    ask(
        &portal,
        &learner,
        "/account/privacy/erasure",
        &[("confirm", "yes")],
    )
    .await;
    let request = newest_request(&portal, &officer, "deletion").await;
    portal
        .post(
            &format!("{request}/verify"),
            &[("method", "signed-in")],
            Some(&officer),
        )
        .await;
    let erased = portal
        .post(
            &format!("{request}/answer"),
            &[("confirm", "yes")],
            Some(&officer),
        )
        .await;
    assert_eq!(erased.location(), format!("{request}?done=answered"));
    let logged = portal.get("/office/partners", Some(&officer)).await;
    let forwarded = logged
        .body
        .split("class=\"forwarded\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", logged.body));
    assert!(
        forwarded.contains("<td>Peoplecert</td><td>an erasure<br>"),
        "J09: {forwarded}"
    );
    let email = wait_for_mail(&mail, "dataprotection@peoplecert.org", "Erasure request").await;
    let candidate = email
        .split("Candidate number: ")
        .nth(1)
        .map(|rest| rest.chars().take(9).collect::<String>())
        .unwrap_or_default();
    assert!(
        candidate.starts_with('C') && candidate[1..].chars().all(|c| c.is_ascii_digit()),
        "Peoplecert is told its own candidate number: {email}"
    );
    for needed in [
        "Dear Peoplecert",
        "please erase everything you hold about them",
        "Name: Demo learner",
        "Email address: learner@demo.pledge.invalid",
        "quoting reference",
    ] {
        assert!(email.contains(needed), "{needed:?} in {email}");
    }
    let by = email
        .split("too, unless the law requires you to keep it (then tell us what and why), by ")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .unwrap_or_else(|| panic!("a date to act by: {email}"));
    let month_on = time::OffsetDateTime::now_utc() + time::Duration::days(28);
    assert!(
        by.split(' ').count() == 3 && by.ends_with(&month_on.year().to_string()),
        "a day a month on, in words: {by}"
    );
    let reference = email
        .split("quoting reference ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    assert!(
        forwarded.contains(&reference),
        "the office lists the reference the partner quotes"
    );
    let confirmed = portal
        .post(
            &format!("/office/partners/forwarded/{reference}/confirm"),
            &[],
            Some(&officer),
        )
        .await;
    assert_eq!(confirmed.location(), "/office/partners?confirmed=1");
    let tracked = portal.get("/office/partners", Some(&officer)).await;
    let forwarded = tracked.body.split("class=\"forwarded\"").nth(1).unwrap();
    assert!(
        !forwarded.contains("Record the partner"),
        "confirmed: {forwarded}"
    );
    let learner_again = portal.get("/office/partners", Some(&learner)).await;
    assert!(
        learner_again.location().starts_with("/signin"),
        "the erased learner's session ended"
    );
}
