//! Paying for a course without JavaScript, over real HTTP, on both backends: the checkout
//! form, the sandbox processor's own card page, its signed webhook, the receipt, the refund by
//! finance staff; who may see what (W42); forged, stale and replayed webhooks; and no card
//! number anywhere in the database or the logs (W11, W12).

use hmac::{KeyInit, Mac};

use crate::support::{Backend, Mailbox, Portal, Reply, start_on};

pub(crate) const DEMO_PASSWORD: &str = "demo tangerine orbit 2026";
const COOKIE: &str = "__Host-kx_session";
const COURSE: &str = "/courses/itil-4-foundation";
const TEST_CARD: &str = "4242 4242 4242 4242";

pub async fn demo_session(portal: &Portal, role: &str) -> String {
    let reply = portal
        .post(
            "/signin",
            &[
                ("email", &format!("{role}@demo.pledge.invalid")),
                ("password", DEMO_PASSWORD),
                ("next", "/"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, 303, "{role} signs in: {}", reply.body);
    reply.cookie_pair(COOKIE)
}

/// The path of a full address on the portal.
fn path_of(portal: &Portal, location: &str) -> String {
    location
        .strip_prefix(&format!("http://{}", portal.addr))
        .unwrap_or(location)
        .to_owned()
}

/// Starts the checkout as `cookie`; returns the processor's card page path.
async fn checkout(portal: &Portal, cookie: &str, name: &str) -> String {
    let reply = portal
        .post(
            &format!("{COURSE}/checkout"),
            &[("billing_name", name)],
            Some(cookie),
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let card_page = path_of(portal, reply.location());
    assert!(
        card_page.starts_with("/sandbox-processor/pay/"),
        "{card_page}"
    );
    card_page
}

async fn pay(portal: &Portal, card_page: &str, card: &str) -> Reply {
    portal
        .post(
            card_page,
            &[("card_number", card), ("expiry", "12/39"), ("cvc", "123")],
            None,
        )
        .await
}

/// What looks like a card number, as scanners for PCI DSS look for one: a run of 13 to 19
/// digits (single spaces or hyphens between them allowed), standing alone (no letter or digit
/// either side, so hex digests do not count), with a card network's leading digits and a valid
/// Luhn check digit.
pub fn card_like_numbers(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let starts_run =
            chars[at].is_ascii_digit() && (at == 0 || !chars[at - 1].is_alphanumeric());
        if !starts_run {
            at += 1;
            continue;
        }
        let mut digits = String::new();
        let mut end = at;
        while end < chars.len() {
            let c = chars[end];
            let joins =
                matches!(c, ' ' | '-') && chars.get(end + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                digits.push(c);
            } else if !joins {
                break;
            }
            end += 1;
        }
        let stands_alone = chars.get(end).is_none_or(|c| !c.is_alphanumeric());
        let network = [
            "4", "51", "52", "53", "54", "55", "2", "34", "37", "6011", "65",
        ]
        .iter()
        .any(|prefix| digits.starts_with(prefix));
        if stands_alone && (13..=19).contains(&digits.len()) && network && luhn(&digits) {
            found.push(digits);
        }
        at = end.max(at + 1);
    }
    found
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Everything the portal stored and logged: its SQLite files (or a dump of its PostgreSQL
/// database) and its log.
pub fn everything_kept(portal: &Portal) -> Vec<u8> {
    let mut kept = std::fs::read(&portal.log).unwrap_or_default();
    if let Some(url) = portal.postgres_main() {
        let dump = std::process::Command::new("pg_dump")
            .arg(&url)
            .output()
            .expect("pg_dump runs");
        assert!(
            dump.status.success(),
            "{}",
            String::from_utf8_lossy(&dump.stderr)
        );
        kept.extend(dump.stdout);
    }
    if let Some(dir) = portal.data_dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                kept.extend(std::fs::read(&path).unwrap());
            }
        }
    }
    kept
}

/// The cards the tests type, in the forms they were typed and as bare digits.
const TYPED_CARDS: [&str; 3] = ["4242424242424242", "4242424242424241", "4000000000000002"];

/// W12: no card number, neither the ones typed nor anything like one, in `kept`.
pub fn assert_no_card_numbers(kept: &[u8]) {
    let text = String::from_utf8_lossy(kept);
    for card in TYPED_CARDS {
        let spaced: Vec<String> = card
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        for form in [card.to_owned(), spaced.join(" "), spaced.join("-")] {
            assert!(!text.contains(&form), "W12: the card {form} was kept");
        }
    }
    assert_eq!(
        card_like_numbers(kept),
        Vec::<String>::new(),
        "W12: nothing like a card number in the database or the logs"
    );
}

#[test]
fn the_card_number_scan_finds_card_numbers_and_not_ordinary_numbers() {
    assert_eq!(
        card_like_numbers(b"paid with 4242 4242 4242 4242."),
        ["4242424242424242"]
    );
    assert_eq!(
        card_like_numbers(b"(4000-0000-0000-0002)"),
        ["4000000000000002"]
    );
    assert!(card_like_numbers(b"R20261202-0192ABCDEF 2026-12-02 10:00 49900").is_empty());
    assert!(
        card_like_numbers(b"a94242424242424242f").is_empty(),
        "digits inside a hex digest"
    );
}

#[tokio::test]
async fn w11_a_learner_pays_for_a_course_on_the_processors_page_and_gets_a_receipt() {
    for backend in Backend::BOTH {
        let mail = Mailbox::start().await;
        let portal = start_on(backend, &[], Some(&mail));
        let learner = demo_session(&portal, "learner").await;
        let page = portal.get(COURSE, Some(&learner)).await;
        assert!(
            page.body.contains("Pay CAD 499.00 and enrol"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("card_number"),
            "our pages never ask for a card"
        );

        let refused = portal
            .post(
                &format!("{COURSE}/checkout"),
                &[("billing_name", " ")],
                Some(&learner),
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(
            refused
                .body
                .contains("Enter the name the receipt should be made out to.")
        );
        let none = portal.get("/account/payments", Some(&learner)).await;
        assert!(
            none.body.contains("You have not made any payment."),
            "nothing was written"
        );

        let card_page = checkout(&portal, &learner, "Ada Learner").await;
        let form = portal.get(&card_page, None).await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("Sandbox Payments") && form.body.contains("CAD 499.00"));

        let wrong = pay(&portal, &card_page, "4242 4242 4242 4241").await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.body.contains("That card number is not valid"));
        assert!(!wrong.body.contains("4241"), "the number is not sent back");
        let declined = pay(&portal, &card_page, "4000 0000 0000 0002").await;
        assert_eq!(declined.status, 422);
        assert!(declined.body.contains("Your card was declined"));
        let lesson = portal
            .get("/learn/itil-4-foundation/1", Some(&learner))
            .await;
        assert_eq!(lesson.status, 403, "nothing is delivered before payment");

        let paid = pay(&portal, &card_page, TEST_CARD).await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let receipt_page = path_of(&portal, paid.location());
        assert!(receipt_page.starts_with("/payments/"), "{receipt_page}");
        let receipt = portal.get(&receipt_page, Some(&learner)).await;
        assert_eq!(receipt.status, 200);
        for shown in [
            "Receipt",
            "Paid",
            "Ada Learner",
            "CAD 499.00",
            "Thank you: you are enrolled",
        ] {
            assert!(receipt.body.contains(shown), "{shown}: {}", receipt.body);
        }
        let lesson = portal
            .get("/learn/itil-4-foundation/1", Some(&learner))
            .await;
        assert_eq!(lesson.status, 200, "paid: the lessons open");
        let list = portal.get("/account/payments", Some(&learner)).await;
        assert!(list.body.contains("Course: ITIL 4 Foundation") && list.body.contains("R20"));

        // The receipt also comes by email, once, through the outbox.
        let learner_address = "learner@demo.pledge.invalid";
        let link = mail.link(learner_address, "payments").await;
        assert_eq!(link, receipt_page);
        let emailed = mail.to(learner_address).pop().unwrap_or_default();
        for said in [
            "Your receipt R20",
            "Course: ITIL 4 Foundation",
            "CAD 499.00",
            "Ada Learner",
        ] {
            assert!(emailed.contains(said), "{said}: {emailed}");
        }
        assert_no_card_numbers(emailed.as_bytes());
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
        let receipts = mail
            .to(learner_address)
            .iter()
            .filter(|m| m.contains("Your receipt"))
            .count();
        assert_eq!(receipts, 1, "the outbox sends a receipt once");

        // Someone else cannot read the receipt, and cannot tell that it exists.
        let other = demo_session(&portal, "instructor").await;
        let theirs = portal.get(&receipt_page, Some(&other)).await;
        assert_eq!(theirs.status, 404);
        assert!(!theirs.body.contains("Ada Learner"));
        let anonymous = portal.get(&receipt_page, None).await;
        assert!(!anonymous.body.contains("Ada Learner"));

        let kept = everything_kept(&portal);
        assert!(kept.len() > 10_000, "the scan reads the real files");
        assert_no_card_numbers(&kept);
    }
}

#[tokio::test]
async fn w42_only_finance_sees_payments_and_refunds_close_the_course() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let card_page = checkout(&portal, &learner, "Ada Learner").await;
        let receipt_page = path_of(
            &portal,
            pay(&portal, &card_page, TEST_CARD).await.location(),
        );
        let id = receipt_page.trim_start_matches("/payments/").to_owned();

        for role in [
            "content-moderator",
            "learner",
            "support-agent",
            "administrator",
        ] {
            let cookie = demo_session(&portal, role).await;
            let page = portal.get("/finance/payments", Some(&cookie)).await;
            assert_eq!(page.status, 403, "{role} may not see payments");
            assert!(!page.body.contains("Ada Learner"), "{role}");
            let refund = portal
                .post(
                    &format!("/finance/payments/{id}/refund"),
                    &[],
                    Some(&cookie),
                )
                .await;
            assert_eq!(refund.status, 403, "{role} may not refund");
        }
        let anonymous = portal
            .post(&format!("/finance/payments/{id}/refund"), &[], None)
            .await;
        assert_eq!(anonymous.location(), "/signin?next=/finance/payments");

        let finance = demo_session(&portal, "finance").await;
        let page = portal.get("/finance/payments", Some(&finance)).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Ada Learner") && page.body.contains("Refund"));
        let refund = portal
            .post(
                &format!("/finance/payments/{id}/refund"),
                &[],
                Some(&finance),
            )
            .await;
        assert_eq!(refund.location(), "/finance/payments?refunded=1");
        let again = portal
            .post(
                &format!("/finance/payments/{id}/refund"),
                &[],
                Some(&finance),
            )
            .await;
        assert_eq!(again.status, 422, "a refund is made once");
        assert!(again.body.contains("Only a paid payment can be refunded."));

        let mut refunded = false;
        for _ in 0..50 {
            let receipt = portal.get(&receipt_page, Some(&learner)).await;
            if receipt.body.contains("Refunded") {
                refunded = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(refunded, "the processor's refund notification arrives");
        let lesson = portal
            .get("/learn/itil-4-foundation/1", Some(&learner))
            .await;
        assert_eq!(lesson.status, 403, "a refunded course closes");
    }
}

/// ASVS V7 (log failed authorisation): a content moderator who opens another person's payment
/// page is told there is no such page, and the attempt is on the audit record as `denied`,
/// naming the payment asked for; the office's audit log filters on it, and a moderator refused
/// again and again raises an alert there. The owner's own reading is no refusal.
#[tokio::test]
async fn a_probe_for_someone_elses_payment_is_denied_on_the_record_and_alerts_the_office() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let card_page = checkout(&portal, &learner, "Ada Learner").await;
        let receipt_page = path_of(
            &portal,
            pay(&portal, &card_page, TEST_CARD).await.location(),
        );
        let own = portal.get(&receipt_page, Some(&learner)).await;
        assert_eq!(own.status, 200, "the owner reads their receipt");
        let officer = demo_session(&portal, "privacy-officer").await;
        let listed = portal
            .get("/office/audit?outcome=denied", Some(&officer))
            .await;
        assert_eq!(listed.status, 200);
        assert!(
            !listed.body.contains("Demo content moderator"),
            "nothing refused yet"
        );

        let moderator = demo_session(&portal, "content-moderator").await;
        for _ in 0..5 {
            let probe = portal.get(&receipt_page, Some(&moderator)).await;
            assert_eq!(probe.status, 404, "existence is not revealed");
            assert!(!probe.body.contains("Ada Learner"));
        }
        let listed = portal
            .get("/office/audit?outcome=denied", Some(&officer))
            .await;
        assert_eq!(listed.status, 200);
        let rows = listed.body.matches("Demo content moderator").count();
        assert!(rows >= 5, "each refusal is an entry ({rows} found)");
        assert!(listed.body.contains("denied"));
        assert!(
            !listed.body.contains("Demo learner"),
            "the filter keeps refusals only: the owner's reads are not listed"
        );
        assert!(
            listed.body.contains("Refused again and again"),
            "five refusals within a day raise the office's alert"
        );
        let everything = portal.get("/office/audit", Some(&officer)).await;
        assert!(everything.body.contains("Refused again and again"));
        let bad = portal
            .get("/office/audit?outcome=maybe", Some(&officer))
            .await;
        assert!(bad.body.contains("Choose an outcome from the list."));
    }
}

/// The sandbox's webhook secret, derived the way the portal derives it from the deployment's
/// pseudonym key (read from the generated secrets).
fn webhook_secret(portal: &Portal) -> [u8; 32] {
    let secrets = std::fs::read_to_string(portal.secrets_file().unwrap()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&secrets).unwrap();
    let seed = hex::decode(json["PLEDGE_PSEUDONYM_KEY"].as_str().unwrap()).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&seed).unwrap();
    mac.update(b"pledge/sandbox-processor/webhook");
    mac.finalize().into_bytes().into()
}

fn signed(secret: &[u8; 32], timestamp: i64, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

async fn notify(portal: &Portal, signature: Option<&str>, body: &str) -> Reply {
    let header = signature
        .map(|s| format!("Sandbox-Signature: {s}\r\n"))
        .unwrap_or_default();
    portal
        .raw(format!(
            "POST /payments/webhook/sandbox HTTP/1.0\r\nHost: {}\r\nContent-Type: application/json\r\n\
             {header}Content-Length: {}\r\n\r\n{body}",
            portal.addr,
            body.len()
        ))
        .await
}

#[tokio::test]
async fn forged_stale_and_replayed_webhooks_change_nothing() {
    let portal = start_on(Backend::Sqlite, &[], None);
    let learner = demo_session(&portal, "learner").await;
    let card_page = checkout(&portal, &learner, "Ada Learner").await;
    // The checkout's reference, as the processor would name it in a notification: the
    // receipt page is not paid yet, so read it from the pending payment's processor page.
    let secret = webhook_secret(&portal);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let reference = {
        let token = card_page.trim_start_matches("/sandbox-processor/pay/");
        let payload = token.split('.').next().unwrap();
        use base64::Engine as _;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        let session: serde_json::Value = serde_json::from_slice(&json).unwrap();
        session["id"].as_str().unwrap().to_owned()
    };
    let body = format!(
        r#"{{"id":"evt_forged","type":"checkout.completed","created":{now},"checkout":"{reference}","client_reference":""}}"#
    );
    let unsigned = notify(&portal, None, &body).await;
    assert_eq!(unsigned.status, 400);
    let forged = notify(&portal, Some(&signed(&[9u8; 32], now, &body)), &body).await;
    assert_eq!(forged.status, 400, "{}", forged.body);
    let stale = notify(&portal, Some(&signed(&secret, now - 3600, &body)), &body).await;
    assert_eq!(stale.status, 400, "a replay of an old delivery is refused");
    let lesson = portal
        .get("/learn/itil-4-foundation/1", Some(&learner))
        .await;
    assert_eq!(lesson.status, 403, "none of them paid anything");

    let genuine = notify(&portal, Some(&signed(&secret, now, &body)), &body).await;
    assert_eq!(
        (genuine.status, genuine.body.as_str()),
        (200, "payment paid\n")
    );
    let replayed = notify(&portal, Some(&signed(&secret, now, &body)), &body).await;
    assert_eq!(
        (replayed.status, replayed.body.as_str()),
        (200, "already applied\n")
    );
    let lesson = portal
        .get("/learn/itil-4-foundation/1", Some(&learner))
        .await;
    assert_eq!(lesson.status, 200);

    let unknown = body.replace(&reference, "cs_nobody");
    let unknown = unknown.replace("evt_forged", "evt_other");
    let answer = notify(&portal, Some(&signed(&secret, now, &unknown)), &unknown).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "no such payment\n")
    );
}
