//! Accounts on both backends: registration under the age rule (K43, K44), verification,
//! signing in with lockout, the policy's session timeouts (W43, J22) and the sessions that end
//! at sign-out, password change and reset.

use pledge_domain::{PersonId, Role};
use pledge_policy::ValidPolicy;
use pledge_store::accounts::{Client, EmailLink, Lasting, Registered, Registration, SignInStep};
use pledge_store::mfa;
use pledge_store::{Store, StoreError};
use time::{Duration, OffsetDateTime, macros::date};

use crate::support::{count, kexara, now, on_both};

const PASSWORD: &str = "tangerine obelisk wharf 1987";

fn adult(email: &str) -> Registration {
    Registration {
        display_name: "Ada Lovelace".to_owned(),
        email: email.to_owned(),
        date_of_birth: Some(date!(1990 - 12 - 10)),
        password: PASSWORD.to_owned(),
        guardian_email: None,
    }
}

fn client() -> Client {
    Client {
        ip_address: "203.0.113.9".to_owned(),
        user_agent: "test".to_owned(),
    }
}

async fn register(
    store: &Store,
    policy: &ValidPolicy,
    form: &Registration,
) -> (PersonId, EmailLink) {
    match store.register_account(form, policy, now()).await.unwrap() {
        Registered::Created { person, verify, .. } => (person, verify),
        other => panic!("expected a new account, got {other:?}"),
    }
}

async fn verified(store: &Store, policy: &ValidPolicy, email: &str) -> PersonId {
    let (person, link) = register(store, policy, &adult(email)).await;
    assert_eq!(
        store.verify_email(&link.token, now()).await.unwrap(),
        person
    );
    person
}

async fn sign_in(
    store: &Store,
    policy: &ValidPolicy,
    email: &str,
    password: &str,
    at: OffsetDateTime,
) -> Result<pledge_store::accounts::SignedIn, StoreError> {
    store
        .sign_in(email, password, Lasting::Standard, &client(), policy, at)
        .await
        .map(|step| step.done().expect("no second step on this account"))
}

fn fields(error: StoreError) -> Vec<&'static str> {
    match error {
        StoreError::Refused(problems) => problems.iter().map(|p| p.field).collect(),
        other => panic!("expected a refused form, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_adult_registers_verifies_and_signs_in_as_a_learner() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let (person, link) = register(&store, &policy, &adult("ada@example.org")).await;
        assert_eq!(link.address, "ada@example.org");
        let early = sign_in(&store, &policy, "ada@example.org", PASSWORD, now()).await;
        assert!(
            matches!(early, Err(StoreError::EmailNotVerified)),
            "{early:?}"
        );

        assert_eq!(
            store.verify_email(&link.token, now()).await.unwrap(),
            person
        );
        let again = store.verify_email(&link.token, now()).await;
        assert!(
            matches!(again, Err(StoreError::LinkInvalid)),
            "a link works once"
        );

        let signed = sign_in(&store, &policy, " ADA@example.org ", PASSWORD, now())
            .await
            .unwrap();
        let session = store.session(&signed.token, now()).await.unwrap().unwrap();
        assert_eq!(session.person, person);
        assert_eq!(session.roles, [Role::Learner]);
        let stored = count(
            &store,
            &format!(
                "SELECT COUNT(*) FROM session WHERE token_hash = '{}'",
                signed.token
            ),
        )
        .await;
        assert_eq!(stored, 0, "the session secret itself is never stored");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn k43_below_the_minimum_age_nothing_is_kept() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let child = Registration {
            date_of_birth: Some(date!(2016 - 01 - 01)),
            ..adult("kid@example.org")
        };
        let refused = store.register_account(&child, &policy, now()).await;
        assert!(matches!(
            refused,
            Err(StoreError::BelowMinimumAge { minimum: 13 })
        ));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM person").await, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM account").await, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_record").await, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn k44_a_minor_signs_in_only_after_the_guardian_confirms() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let teen = Registration {
            display_name: "Sam".to_owned(),
            date_of_birth: Some(date!(2011 - 06 - 01)),
            ..adult("sam@example.org")
        };
        let without = store
            .register_account(&teen, &policy, now())
            .await
            .unwrap_err();
        assert_eq!(fields(without), ["guardian_email"]);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM person").await, 0);

        let teen = Registration {
            guardian_email: Some("parent@example.org".to_owned()),
            ..teen
        };
        let Registered::Created {
            person: minor,
            verify,
            guardian: Some(invite),
        } = store.register_account(&teen, &policy, now()).await.unwrap()
        else {
            panic!("a guardian invitation is expected");
        };
        assert_eq!(invite.address, "parent@example.org");
        store.verify_email(&verify.token, now()).await.unwrap();
        let waiting = sign_in(&store, &policy, "sam@example.org", PASSWORD, now()).await;
        assert!(
            matches!(waiting, Err(StoreError::AwaitingGuardian)),
            "{waiting:?}"
        );

        let invitation = store
            .guardian_invitation(&invite.token, now())
            .await
            .unwrap();
        assert_eq!(invitation.minor_name, "Sam");
        assert!(invitation.needs_password);
        let weak = store
            .confirm_guardian(&invite.token, Some(("Pat", "password")), &policy, now())
            .await
            .unwrap_err();
        assert_eq!(fields(weak), ["password"]);
        let guardian = store
            .confirm_guardian(&invite.token, Some(("Pat", PASSWORD)), &policy, now())
            .await
            .unwrap();
        assert_eq!(guardian, invite.person);
        let reused = store
            .confirm_guardian(&invite.token, Some(("Pat", PASSWORD)), &policy, now())
            .await;
        assert!(matches!(reused, Err(StoreError::LinkInvalid)));

        let session = sign_in(&store, &policy, "sam@example.org", PASSWORD, now())
            .await
            .unwrap();
        assert_eq!(session.person, minor);
        let parent = sign_in(&store, &policy, "parent@example.org", PASSWORD, now())
            .await
            .unwrap();
        let parent = store.session(&parent.token, now()).await.unwrap().unwrap();
        assert_eq!(parent.roles, [Role::Learner, Role::Guardian]);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM guardian_link WHERE confirmed_at IS NOT NULL"
            )
            .await,
            1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_form_names_every_field_and_writes_nothing() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let bad = Registration {
            display_name: "  ".to_owned(),
            email: "not-an-address".to_owned(),
            date_of_birth: None,
            password: "short".to_owned(),
            guardian_email: None,
        };
        let error = store
            .register_account(&bad, &policy, now())
            .await
            .unwrap_err();
        assert_eq!(
            fields(error),
            ["display_name", "email", "date_of_birth", "password"]
        );
        let common = Registration {
            password: "password1234".to_owned(),
            ..adult("ada@example.org")
        };
        let error = store
            .register_account(&common, &policy, now())
            .await
            .unwrap_err();
        assert_eq!(
            fields(error),
            ["password"],
            "a common password of 12 characters"
        );
        let own_name = Registration {
            password: "Ada Lovelace Ada".to_owned(),
            ..adult("ada@example.org")
        };
        let error = store
            .register_account(&own_name, &policy, now())
            .await
            .unwrap_err();
        assert_eq!(
            fields(error),
            ["password"],
            "a password made of the person's name"
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM person").await, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_record").await, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_known_address_creates_nothing_and_reaches_only_its_owner() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let owner = verified(&store, &policy, "ada@example.org").await;
        let people = count(&store, "SELECT COUNT(*) FROM person").await;
        let again = store
            .register_account(&adult("Ada@Example.org"), &policy, now())
            .await
            .unwrap();
        assert_eq!(
            again,
            Registered::AlreadyRegistered {
                person: owner,
                address: "Ada@Example.org".to_owned()
            }
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM person").await, people);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_failures_read_alike_and_lock_the_account() {
    let policy = kexara();
    on_both(async |store, _, _| {
        verified(&store, &policy, "ada@example.org").await;
        let unknown = sign_in(&store, &policy, "nobody@example.org", PASSWORD, now())
            .await
            .unwrap_err();
        let wrong = sign_in(
            &store,
            &policy,
            "ada@example.org",
            "wrong password here",
            now(),
        )
        .await
        .unwrap_err();
        assert_eq!(unknown.to_string(), wrong.to_string());
        for _ in 1..pledge_store::accounts::LOCKOUT_AFTER {
            let _ = sign_in(&store, &policy, "ada@example.org", "wrong again!!", now()).await;
        }
        let locked = sign_in(&store, &policy, "ada@example.org", PASSWORD, now()).await;
        assert!(
            matches!(locked, Err(StoreError::SignInRefused)),
            "right password, locked"
        );
        let later = now() + pledge_store::accounts::LOCKOUT_FOR + Duration::seconds(1);
        sign_in(&store, &policy, "ada@example.org", PASSWORD, later)
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn w43_sessions_end_when_idle_and_at_their_absolute_timeout() {
    let policy = kexara();
    on_both(async |store, _, _| {
        verified(&store, &policy, "ada@example.org").await;
        let idle = sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
            .await
            .unwrap();
        let quiet = now() + Duration::minutes(31);
        assert!(store.session(&idle.token, quiet).await.unwrap().is_none());

        let busy = sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
            .await
            .unwrap();
        assert_eq!(busy.expires_at, now() + Duration::hours(12));
        let mut at = now();
        while at < now() + Duration::hours(12) - Duration::minutes(20) {
            at += Duration::minutes(20);
            assert!(
                store.session(&busy.token, at).await.unwrap().is_some(),
                "{at}"
            );
        }
        let end = now() + Duration::hours(12);
        assert!(store.session(&busy.token, end).await.unwrap().is_none());
        assert!(store.session("not a token", now()).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn j22_remember_me_lasts_the_policy_period_without_an_idle_limit() {
    let policy = kexara();
    on_both(async |store, _, _| {
        verified(&store, &policy, "ada@example.org").await;
        let remembered = store
            .sign_in(
                "ada@example.org",
                PASSWORD,
                Lasting::Remembered,
                &client(),
                &policy,
                now(),
            )
            .await
            .unwrap()
            .done()
            .unwrap();
        assert_eq!(remembered.lasting, Lasting::Remembered);
        assert_eq!(remembered.expires_at, now() + Duration::weeks(2));
        let days_later = now() + Duration::days(13);
        assert!(
            store
                .session(&remembered.token, days_later)
                .await
                .unwrap()
                .is_some()
        );
        let after = now() + Duration::weeks(2);
        assert!(
            store
                .session(&remembered.token, after)
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_and_changing_the_password_end_sessions() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let person = verified(&store, &policy, "ada@example.org").await;
        let one = sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
            .await
            .unwrap();
        let two = sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
            .await
            .unwrap();
        assert_ne!(one.token, two.token, "every sign-in gets a new session id");
        store.end_session(&one.token, now()).await.unwrap();
        assert!(store.session(&one.token, now()).await.unwrap().is_none());
        assert!(store.session(&two.token, now()).await.unwrap().is_some());

        let wrong = store
            .change_password(
                person,
                "not it at all",
                "another fine phrase 2026",
                &policy,
                now(),
            )
            .await
            .unwrap_err();
        assert_eq!(fields(wrong), ["current_password"]);
        assert!(store.session(&two.token, now()).await.unwrap().is_some());
        store
            .change_password(person, PASSWORD, "another fine phrase 2026", &policy, now())
            .await
            .unwrap();
        assert!(store.session(&two.token, now()).await.unwrap().is_none());
        assert!(
            sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
                .await
                .is_err()
        );
        sign_in(
            &store,
            &policy,
            "ada@example.org",
            "another fine phrase 2026",
            now(),
        )
        .await
        .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_link_works_once_before_it_expires_and_ends_every_session() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let person = verified(&store, &policy, "ada@example.org").await;
        let live = sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
            .await
            .unwrap();
        assert!(
            store
                .request_password_reset("nobody@example.org", &policy, now())
                .await
                .unwrap()
                .is_none()
        );
        let link = store
            .request_password_reset("ada@example.org", &policy, now())
            .await
            .unwrap()
            .unwrap();
        let weak = store
            .reset_password(&link.token, "short", &policy, now())
            .await
            .unwrap_err();
        assert_eq!(fields(weak), ["new_password"]);
        let late = now() + pledge_store::accounts::RESET_FOR;
        assert!(matches!(
            store
                .reset_password(&link.token, "brand new phrase 77", &policy, late)
                .await,
            Err(StoreError::LinkInvalid)
        ));
        assert_eq!(
            store
                .reset_password(&link.token, "brand new phrase 77", &policy, now())
                .await
                .unwrap(),
            person
        );
        assert!(store.session(&live.token, now()).await.unwrap().is_none());
        assert!(matches!(
            store
                .reset_password(&link.token, "brand new phrase 78", &policy, now())
                .await,
            Err(StoreError::LinkInvalid)
        ));
        sign_in(
            &store,
            &policy,
            "ada@example.org",
            "brand new phrase 77",
            now(),
        )
        .await
        .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_ends_every_session() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let person = verified(&store, &policy, "ada@example.org").await;
        let live = sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
            .await
            .unwrap();
        store
            .erase_person(person, &policy, store.audit().service("test"), now())
            .await
            .unwrap();
        assert!(store.session(&live.token, now()).await.unwrap().is_none());
        assert!(
            sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
                .await
                .is_err()
        );
    })
    .await;
}

async fn with_second_step(store: &Store, person: PersonId) -> (String, Vec<String>) {
    let enrolment = store
        .begin_second_step(person, "Kexara", "ada@example.org")
        .await
        .unwrap();
    assert!(enrolment.otpauth_url.starts_with("otpauth://totp/"));
    let again = store
        .begin_second_step(person, "Kexara", "ada@example.org")
        .await
        .unwrap();
    assert_eq!(
        again.secret, enrolment.secret,
        "an unconfirmed secret is shown again"
    );
    let wrong = store
        .confirm_second_step(person, "000000", now())
        .await
        .unwrap_err();
    assert_eq!(fields(wrong), ["code"]);
    let code = mfa::current_code(&enrolment.secret, now()).unwrap();
    let recovery = store
        .confirm_second_step(person, &code, now())
        .await
        .unwrap();
    assert_eq!(recovery.len(), mfa::RECOVERY_CODES);
    (enrolment.secret, recovery)
}

async fn challenge(store: &Store, policy: &ValidPolicy, at: OffsetDateTime) -> String {
    match store
        .sign_in(
            "ada@example.org",
            PASSWORD,
            Lasting::Standard,
            &client(),
            policy,
            at,
        )
        .await
        .unwrap()
    {
        SignInStep::CodeNeeded { challenge } => challenge,
        SignInStep::Done(_) => panic!("a second step was expected"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn k26_with_a_second_step_a_password_alone_does_not_sign_in() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let person = verified(&store, &policy, "ada@example.org").await;
        let (secret, recovery) = with_second_step(&store, person).await;
        let later = now() + Duration::minutes(2);
        let challenge_one = challenge(&store, &policy, later).await;
        let wrong = store
            .complete_sign_in(&challenge_one, "123456", &client(), &policy, later)
            .await
            .unwrap_err();
        assert_eq!(fields(wrong), ["code"]);
        let code = mfa::current_code(&secret, later).unwrap();
        let signed = store
            .complete_sign_in(&challenge_one, &code, &client(), &policy, later)
            .await
            .unwrap();
        let session = store.session(&signed.token, later).await.unwrap().unwrap();
        assert!(session.second_step);
        assert!(
            matches!(
                store
                    .complete_sign_in(&challenge_one, &code, &client(), &policy, later)
                    .await,
                Err(StoreError::LinkInvalid)
            ),
            "a challenge works once"
        );

        let challenge_two = challenge(&store, &policy, later).await;
        let replayed = store
            .complete_sign_in(&challenge_two, &code, &client(), &policy, later)
            .await
            .unwrap_err();
        assert_eq!(fields(replayed), ["code"], "a code works once");
        let typed = recovery[0].to_uppercase().replace('-', " ");
        store
            .complete_sign_in(&challenge_two, &typed, &client(), &policy, later)
            .await
            .unwrap();
        assert_eq!(
            store.recovery_codes_left(person).await.unwrap(),
            mfa::RECOVERY_CODES - 1
        );
        let challenge_three = challenge(&store, &policy, later).await;
        assert!(
            store
                .complete_sign_in(&challenge_three, &recovery[0], &client(), &policy, later)
                .await
                .is_err(),
            "a recovery code works once"
        );
        let expired = challenge(&store, &policy, later).await;
        let too_late = later + pledge_store::accounts::SECOND_STEP_FOR;
        let fresh = mfa::current_code(&secret, too_late).unwrap();
        assert!(matches!(
            store
                .complete_sign_in(&expired, &fresh, &client(), &policy, too_late)
                .await,
            Err(StoreError::LinkInvalid)
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn w43_staff_cannot_turn_the_required_second_step_off() {
    let westmontera = pledge_policy::packs::find("westmontera")
        .unwrap()
        .load()
        .unwrap();
    on_both(async |store, _, _| {
        let person = verified(&store, &westmontera, "ada@example.org").await;
        assert!(!mfa::required(
            &westmontera,
            &store.roles_of(person).await.unwrap()
        ));
        store
            .grant_role(&westmontera, person, Role::PrivacyOfficer, None, now())
            .await
            .unwrap();
        assert!(mfa::required(
            &westmontera,
            &store.roles_of(person).await.unwrap()
        ));
        with_second_step(&store, person).await;
        let refused = store
            .turn_off_second_step(person, PASSWORD, &westmontera)
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{refused:?}"
        );
        assert!(store.second_step_enabled(person).await.unwrap());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn k26_a_learner_may_turn_the_second_step_off_with_the_password() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let person = verified(&store, &policy, "ada@example.org").await;
        with_second_step(&store, person).await;
        let wrong = store
            .turn_off_second_step(person, "nope", &policy)
            .await
            .unwrap_err();
        assert_eq!(fields(wrong), ["current_password"]);
        store
            .turn_off_second_step(person, PASSWORD, &policy)
            .await
            .unwrap();
        assert!(!store.second_step_enabled(person).await.unwrap());
        sign_in(&store, &policy, "ada@example.org", PASSWORD, now())
            .await
            .unwrap();
    })
    .await;
}
