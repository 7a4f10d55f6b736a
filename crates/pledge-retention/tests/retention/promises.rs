//! Retention promises of the seed packs, proved through the engine. Test names carry the IDs.

use pledge_domain::LifecycleEvent::{
    AccountDeleted, Collected, CommentPosted, Logged, ProgrammeEnded, Refunded, ResultIssued,
    TicketClosed, Transaction, Unsubscribed,
};
use pledge_retention::{Decision, DeleteCause, HeldBy, KeepUntil, RequestKind};

use crate::support::{Record, day, engine};

fn kept_until(decision: &Decision) -> Option<time::OffsetDateTime> {
    match decision {
        Decision::Keep {
            until: KeepUntil::At(at),
            ..
        } => Some(*at),
        _ => None,
    }
}

#[test]
fn k33_account_information_is_kept_one_year_after_account_deletion() {
    let e = engine("kexara");
    let record = Record::of("account").with(AccountDeleted, day(10));
    assert_eq!(kept_until(&record.decide(e, day(11))), Some(day(10 + 365)));
    let due = record.decide(e, day(10 + 366));
    assert!(
        matches!(
            due,
            Decision::Delete {
                cause: DeleteCause::Expired,
                ..
            }
        ),
        "{due:?}"
    );
    assert!(due.explain(e).contains("K33"), "{}", due.explain(e));
    let alive = Record::of("account");
    assert!(matches!(
        alive.decide(e, day(5000)),
        Decision::Keep {
            until: KeepUntil::Event(AccountDeleted),
            ..
        }
    ));
}

#[test]
fn k34_learning_progress_goes_when_the_account_is_deleted() {
    let e = engine("kexara");
    let record = Record::of("learning-progress").with(AccountDeleted, day(100));
    assert!(matches!(
        record.decide(e, day(99)),
        Decision::Keep {
            until: KeepUntil::Event(AccountDeleted),
            ..
        }
    ));
    let due = record.decide(e, day(100));
    assert!(
        matches!(due, Decision::Delete { since, .. } if since == day(100)),
        "{due:?}"
    );
}

#[test]
fn k35_payment_records_are_anonymised_seven_years_after_the_latest_transaction_or_refund() {
    let e = engine("kexara");
    let record = Record::of("billing")
        .with(Transaction, day(0))
        .with(Refunded, day(40));
    let seven_years_after_refund = time::macros::datetime!(2032-02-10 0:00 UTC);
    assert_eq!(
        kept_until(&record.decide(e, day(41))),
        Some(seven_years_after_refund)
    );
    let due = record.decide(e, seven_years_after_refund);
    let Decision::Anonymise { fields, .. } = &due else {
        panic!("{due:?}")
    };
    assert_eq!(fields, &["payer_name", "billing_address"]);
    assert!(
        due.explain(e).contains("strip payer_name, billing_address"),
        "{}",
        due.explain(e)
    );
}

#[test]
fn k35_k22_payment_records_outlive_an_erasure_request_but_account_data_does_not() {
    let e = engine("kexara");
    let billing = Record::of("billing")
        .with(Transaction, day(0))
        .request(RequestKind::Erasure, day(30));
    assert!(matches!(
        billing.decide(e, day(31)),
        Decision::Keep {
            until: KeepUntil::At(_),
            ..
        }
    ));
    let account = Record::of("account").request(RequestKind::Erasure, day(30));
    let due = account.decide(e, day(31));
    assert!(
        matches!(
            due,
            Decision::Delete {
                cause: DeleteCause::ErasureRequested,
                ..
            }
        ),
        "{due:?}"
    );
    assert!(
        due.explain(e).starts_with("Erase now"),
        "{}",
        due.explain(e)
    );
}

#[test]
fn k36_marketing_records_are_kept_two_years_after_unsubscribing() {
    let e = engine("kexara");
    // Communication preferences are also account information (K33): both clocks must run out.
    let record = Record::of("communication-preferences")
        .with(Unsubscribed, day(0))
        .with(AccountDeleted, day(10));
    assert_eq!(
        kept_until(&record.decide(e, day(20))),
        Some(time::macros::datetime!(2027-01-01 0:00 UTC))
    );
    assert!(record.decide(e, day(731)).is_due());
}

#[test]
fn k37_support_interactions_are_kept_three_years_after_the_ticket_closes() {
    let e = engine("kexara");
    let record = Record::of("support-history").with(TicketClosed, day(0));
    assert_eq!(
        kept_until(&record.decide(e, day(1))),
        Some(time::macros::datetime!(2028-01-01 0:00 UTC))
    );
    assert!(record.decide(e, day(3 * 365 + 1)).is_due());
}

#[test]
fn j30_comment_ip_addresses_go_after_30_days_while_comments_stay() {
    let e = engine("jtec");
    let metadata = Record::of("comment-metadata").with(CommentPosted, day(0));
    assert!(!metadata.decide(e, day(29)).is_due());
    assert!(metadata.decide(e, day(30)).is_due());
    let comment = Record::of("comments").with(CommentPosted, day(0));
    let kept = comment.decide(e, day(10_000));
    assert!(
        matches!(
            kept,
            Decision::Keep {
                until: KeepUntil::Indefinitely,
                ..
            }
        ),
        "{kept:?}"
    );
    assert!(
        kept.explain(e).contains("indefinitely"),
        "{}",
        kept.explain(e)
    );
}

#[test]
fn j33_programme_data_lasts_the_programme_and_results_one_year() {
    let e = engine("jtec");
    let programme = Record::of("programme-records").with(ProgrammeEnded, day(200));
    assert!(!programme.decide(e, day(199)).is_due());
    assert!(programme.decide(e, day(200)).is_due());
    let results = Record::of("exam-results").with(ResultIssued, day(100));
    assert_eq!(
        kept_until(&results.decide(e, day(101))),
        Some(day(100 + 365))
    );
}

#[test]
fn w38_w45_performance_logs_are_purged_automatically_after_30_days() {
    let e = engine("westmontera");
    let log = Record::of("performance-logs").with(Logged, day(0));
    assert!(!log.decide(e, day(29)).is_due());
    let due = log.decide(e, day(30));
    assert!(due.is_due());
    assert!(due.explain(e).contains("W45"), "{}", due.explain(e));
}

#[test]
fn a_legal_hold_beats_expiry_and_erasure_until_it_lapses() {
    let e = engine("kexara");
    let record = Record::of("support-history")
        .with(TicketClosed, day(0))
        .held(Some(day(5000)))
        .request(RequestKind::Erasure, day(10));
    let held = record.decide(e, day(2000));
    assert!(
        matches!(held, Decision::Held(HeldBy::LegalHold { .. })),
        "{held:?}"
    );
    assert!(
        held.explain(e).contains("litigation"),
        "{}",
        held.explain(e)
    );
    assert!(record.decide(e, day(5000)).is_due(), "the hold lapsed");
}

#[test]
fn k20_an_open_access_request_holds_the_data_it_covers() {
    let e = engine("kexara");
    let record = Record::of("support-history")
        .with(TicketClosed, day(0))
        .request(RequestKind::Access, day(2000));
    let held = record.decide(e, day(2001));
    assert!(
        matches!(held, Decision::Held(HeldBy::OpenRequest { .. })),
        "{held:?}"
    );
    assert!(held.explain(e).contains("PIPEDA s.8(8)"));
}

#[test]
fn the_forecast_lists_what_falls_due_in_a_window_in_order() {
    let e = engine("kexara");
    let records = [
        (
            "late",
            Record::of("support-history").with(TicketClosed, day(10)),
        ),
        (
            "early",
            Record::of("support-history").with(TicketClosed, day(0)),
        ),
        (
            "outside",
            Record::of("support-history").with(TicketClosed, day(400)),
        ),
        (
            "undated",
            Record::of("support-history").with(Collected, day(0)),
        ),
    ];
    let forecast = e.forecast(
        records.iter().map(|(name, r)| (*name, r.facts(e))),
        day(1000),
        day(3 * 365 + 30),
    );
    let names: Vec<&str> = forecast.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(names, ["early", "late"]);
    assert_eq!(forecast[0].2.as_str(), "support-interactions");
}

#[test]
fn unknown_categories_are_refused_clearly() {
    let e = engine("kexara");
    let err = e
        .category(&pledge_domain::CategoryId::new("nope").unwrap())
        .expect_err("unknown");
    assert!(err.to_string().contains("`nope`"));
}

/// Every retention rule of every pack runs its own clock: for each category only one rule
/// covers, a record whose anchor events happened on day 0 is kept until the rule's period has
/// passed (or its event happened, or forever) and is due from then on.
#[test]
fn w48_w49_w50_j32_j34_k32_every_retention_rule_of_every_pack_runs_its_clock() {
    use pledge_policy::model::Clock;
    let mut checked = 0;
    for pack in ["westmontera", "jtec", "kexara"] {
        let policy = pledge_policy::packs::load_pack(pack).expect("pack");
        let e = engine(pack);
        let p = policy.policy();
        for rule in &p.retention {
            for category in &rule.categories {
                let covering = p
                    .retention
                    .iter()
                    .filter(|r| r.categories.contains(category))
                    .count();
                if covering != 1 {
                    continue;
                }
                let mut record = Record::of(category.as_str());
                let due = match &rule.clock {
                    Clock::After(after) => {
                        for event in &after.events {
                            record = record.with(*event, day(0));
                        }
                        Some(after.period.after(day(0)).expect("in range"))
                    }
                    Clock::Until(event) => {
                        record = record.with(*event, day(0));
                        Some(day(0))
                    }
                    Clock::Indefinite(_) => None,
                };
                match due {
                    Some(at) => {
                        let before = at - time::Duration::seconds(1);
                        if before >= day(0) {
                            assert!(
                                !record.decide(e, before).is_due(),
                                "{pack}/{}: early",
                                rule.id
                            );
                        }
                        let decision = record.decide(e, at);
                        assert!(decision.is_due(), "{pack}/{}: not due at {at}", rule.id);
                        let named = decision.explain(e);
                        assert!(
                            rule.sources.iter().all(|id| named.contains(id.as_str())),
                            "{named}"
                        );
                    }
                    None => assert!(
                        !record.decide(e, day(100_000)).is_due(),
                        "{pack}/{}",
                        rule.id
                    ),
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 30,
        "only {checked} single-rule categories checked"
    );
}
