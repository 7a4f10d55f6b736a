//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz): each takes bytes as an
//! attacker could send them and runs the portal's own code that decodes them, asserting what
//! must hold whatever the bytes. A panic here is a finding; each one found becomes a
//! regression test beside the code it broke.

use std::sync::{Arc, OnceLock};

use axum::http::{HeaderMap, HeaderValue};
use time::OffsetDateTime;

use crate::payments::processor::{PaymentProcessor, WebhookError};
use crate::payments::sandbox::{SIGNATURE_HEADER, Sandbox, SharedSandbox};

/// A form body, decoded as every form handler decodes it and read by each form's field
/// readers. What must hold: a page to return to is always a path on this site.
pub fn form(body: &[u8]) {
    let fields = crate::web::decode_form(body);
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    for next in [field("next"), field("back")] {
        let local = crate::accounts::local_path(next);
        assert!(is_local(local), "{next:?} led to {local:?}");
        let local = crate::cookies::local_path_or_home(next);
        assert!(is_local(local), "{next:?} led to {local:?}");
    }
    let _ = crate::accounts::parse_date(field("date_of_birth"));
    let _ = crate::breaches::moment(field("noticed_at"), "noticed_at");
    let _ = crate::office::expiry(field("expires"));
    let _ = crate::office::request_page(field("id"));
    let _ = crate::tours::travellers(&fields);
    let _ = crate::assessments::picked(&fields, 50);
    let _ = crate::admin::chosen(&fields);
    let _ = crate::cookies::asked(&fields);
    let _ = crate::cookies::source_of(&fields);
    let _ = crate::support::back_to(&fields, true);
    let _ = crate::payments::sandbox::card_problem(&fields);
}

/// Whether `path` stays on this site.
fn is_local(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\')
}

/// The moment the webhook target checks signatures at.
const NOW: i64 = 1_800_000_000;

fn sandbox() -> &'static SharedSandbox {
    static SANDBOX: OnceLock<SharedSandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        SharedSandbox(Arc::new(Sandbox::new(
            "http://127.0.0.1:3000",
            "Fuzz",
            &[7; 32],
        )))
    })
}

/// A processor notification as the webhook route gets it. The first byte chooses: even, the
/// first line of the rest is the signature header and the remainder the body (a forger's
/// request); odd, the rest is the body, correctly signed (so that what the processor could
/// send is parsed too). What must hold: a correctly signed body is never refused as unsigned,
/// stale or badly signed.
pub fn webhook(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let processor = sandbox();
    let (header, body) = if mode % 2 == 0 {
        let mut parts = rest.splitn(2, |&b| b == b'\n');
        let header = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        (header, parts.next().unwrap_or_default())
    } else {
        (processor.0.sign(NOW, rest), rest)
    };
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&header) {
        headers.insert(SIGNATURE_HEADER, value);
    }
    let now = OffsetDateTime::from_unix_timestamp(NOW).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let verdict = processor.verify_notification(&headers, body, now);
    if mode % 2 == 1 {
        assert!(
            !matches!(
                verdict,
                Err(WebhookError::Unsigned | WebhookError::Stale(_) | WebhookError::BadSignature)
            ),
            "a signed body was refused: {verdict:?}"
        );
    }
}

/// A results file as an instructor uploads it, read as the import reads it.
pub fn results_file(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(lines) = pledge_store::exam_results::read_results_file(&text) {
        assert!(lines.len() <= pledge_store::exam_results::MAX_ROWS);
        assert!(
            lines
                .iter()
                .zip(lines.iter().skip(1))
                .all(|(a, b)| a.line < b.line)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every input a fuzz run found (saved in `fuzz/regressions/<target>/` with its fix) runs
    /// through its target again.
    #[test]
    fn inputs_fuzzing_found_stay_fixed() {
        let regressions =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
        type Target = fn(&[u8]);
        let targets: [(&str, Target); 3] = [
            ("forms", form),
            ("webhook", webhook),
            ("results_file", results_file),
        ];
        for (target, run) in targets {
            let Ok(inputs) = std::fs::read_dir(regressions.join(target)) else {
                continue;
            };
            for input in inputs.flatten() {
                run(&std::fs::read(input.path()).unwrap());
            }
        }
    }

    #[test]
    fn the_targets_take_ordinary_and_odd_inputs() {
        form(b"next=%2F%2Fevil.example&date_of_birth=2000-02-30&q1=9&traveller_1_name=A");
        form(b"next=/\\evil&back=\x00\xff");
        webhook(b"\x01{\"id\":\"evt_1\",\"type\":\"checkout.completed\"}");
        webhook(b"\x00t=1,v1=00\n{}");
        webhook(b"");
        results_file(b"candidate,result\nC1,Pass\n\"unclosed");
    }
}
