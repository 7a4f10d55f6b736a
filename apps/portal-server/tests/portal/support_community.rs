//! Support tickets and course discussion without JavaScript, on both backends: tickets are
//! their owner's and the support agents' only; comments keep where they came from for the
//! moderators (J11), wait for approval and are published without it; the denials per role.

use crate::payments::demo_session;
use crate::support::{Backend, start_on};

#[tokio::test]
async fn a_ticket_is_answered_by_support_and_seen_by_no_one_else() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let empty = portal
            .post(
                "/support",
                &[("subject", "Login trouble"), ("body", " ")],
                Some(&learner),
            )
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.body.contains("Write your question") && empty.body.contains("Login trouble"));
        let opened = portal
            .post(
                "/support",
                &[
                    ("subject", "Login trouble"),
                    ("body", "My code is refused."),
                ],
                Some(&learner),
            )
            .await;
        assert_eq!(opened.location(), "/support");
        let mine = portal.get("/support", Some(&learner)).await;
        assert!(
            mine.body.contains("Login trouble · open") && mine.body.contains("My code is refused.")
        );
        let start = mine.body.find("/support/").and_then(|i| {
            let rest = &mine.body[i + 9..];
            rest.find("/reply").map(|end| rest[..end].to_owned())
        });
        let ticket = start.expect("a reply form");

        let other = demo_session(&portal, "instructor").await;
        let theirs = portal.get("/support", Some(&other)).await;
        assert!(
            !theirs.body.contains("Login trouble"),
            "not someone else's tickets"
        );
        let meddle = portal
            .post(
                &format!("/support/{ticket}/reply"),
                &[("body", "Hi")],
                Some(&other),
            )
            .await;
        assert_eq!(meddle.status, 422, "no replying to someone else's ticket");
        let shut = portal
            .post(&format!("/support/{ticket}/close"), &[], Some(&other))
            .await;
        assert_eq!(shut.status, 422, "no closing someone else's ticket");
        assert!(
            shut.body.contains("There is no such ticket."),
            "{}",
            shut.body
        );
        let blank = portal
            .post(
                &format!("/support/{ticket}/reply"),
                &[("body", "   ")],
                Some(&learner),
            )
            .await;
        assert_eq!(blank.status, 422);
        assert!(
            blank.body.contains("Write your reply: 1 to"),
            "{}",
            blank.body
        );
        let mine = portal.get("/support", Some(&learner)).await;
        assert!(
            mine.body.contains("Login trouble · open"),
            "the ticket is still open: {}",
            mine.body
        );
        for role in ["learner", "instructor", "content-moderator", "finance"] {
            let cookie = demo_session(&portal, role).await;
            let queue = portal.get("/support/queue", Some(&cookie)).await;
            assert_eq!(queue.status, 403, "{role}");
            assert!(!queue.body.contains("My code is refused."), "{role}");
        }
        let agent = demo_session(&portal, "support-agent").await;
        let queue = portal.get("/support/queue", Some(&agent)).await;
        assert!(queue.body.contains("My code is refused."));
        let answered = portal
            .post(
                &format!("/support/{ticket}/reply"),
                &[
                    ("body", "Check your phone's clock."),
                    ("back", "/support/queue"),
                ],
                Some(&agent),
            )
            .await;
        assert_eq!(answered.location(), "/support/queue");
        let mine = portal.get("/support", Some(&learner)).await;
        assert!(
            mine.body.contains("Check your phone&#x27;s clock.")
                || mine.body.contains("Check your phone's clock.")
        );
        let closed = portal
            .post(&format!("/support/{ticket}/close"), &[], Some(&learner))
            .await;
        assert_eq!(closed.status, 303);
        let late = portal
            .post(
                &format!("/support/{ticket}/reply"),
                &[("body", "More")],
                Some(&learner),
            )
            .await;
        assert_eq!(late.status, 422, "a closed ticket takes no replies");
    }
}

#[tokio::test]
async fn j11_comments_wait_for_a_moderator_who_alone_sees_where_they_came_from() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let course = "/courses/privacy-essentials";
        let empty = portal
            .post(
                &format!("{course}/comments"),
                &[("body", "")],
                Some(&learner),
            )
            .await;
        assert_eq!(empty.status, 422);
        assert!(
            empty.body.contains("id=\"field-comment-body-problem\"")
                && empty
                    .body
                    .contains("Write your comment: 1 to 5000 characters."),
            "the problem sits next to the field: {}",
            empty.body
        );
        let too_long = "x".repeat(5001);
        let long = portal
            .post(
                &format!("{course}/comments"),
                &[("body", too_long.as_str())],
                Some(&learner),
            )
            .await;
        assert_eq!(long.status, 422);
        assert!(long.body.contains(&too_long), "what was typed is kept");
        let posted = portal
            .post(
                &format!("{course}/comments"),
                &[("body", "Lesson two helped a lot.")],
                Some(&learner),
            )
            .await;
        assert_eq!(posted.location(), format!("{course}?commented=1"));
        let page = portal.get(course, None).await;
        assert!(
            !page.body.contains("Lesson two helped a lot."),
            "not before approval"
        );

        for role in ["learner", "support-agent", "finance", "instructor"] {
            let cookie = demo_session(&portal, role).await;
            let queue = portal.get("/moderation", Some(&cookie)).await;
            assert_eq!(queue.status, 403, "{role}");
            assert!(!queue.body.contains("127.0.0.1"), "{role}");
        }
        let moderator = demo_session(&portal, "content-moderator").await;
        let queue = portal.get("/moderation", Some(&moderator)).await;
        assert!(queue.body.contains("Lesson two helped a lot."));
        assert!(
            queue.body.contains("from 127.0.0.1"),
            "J11: the address is kept for moderation"
        );
        let start = queue.body.find("/moderation/").unwrap() + 12;
        let comment = queue.body[start..start + 36].to_owned();
        let learner_approves = portal
            .post(
                &format!("/moderation/{comment}"),
                &[("decision", "approve")],
                Some(&learner),
            )
            .await;
        assert_eq!(learner_approves.status, 403);
        let undecided = portal
            .post(
                &format!("/moderation/{comment}"),
                &[("decision", "publish-twice")],
                Some(&moderator),
            )
            .await;
        assert_eq!(undecided.status, 422);
        assert!(
            undecided.body.contains("Choose approve or reject"),
            "{}",
            undecided.body
        );
        assert!(
            !portal
                .get(course, None)
                .await
                .body
                .contains("Lesson two helped a lot."),
            "a refused decision publishes nothing"
        );
        let approved = portal
            .post(
                &format!("/moderation/{comment}"),
                &[("decision", "approve")],
                Some(&moderator),
            )
            .await;
        assert_eq!(approved.location(), "/moderation");
        let page = portal.get(course, None).await;
        assert!(
            page.body.contains("Lesson two helped a lot."),
            "published once approved"
        );
        assert!(
            !page.body.contains("127.0.0.1") && !page.body.contains("Demo learner"),
            "without origin or name"
        );

        // A rejected comment is never published.
        portal
            .post(
                &format!("{course}/comments"),
                &[("body", "Buy cheap watches here.")],
                Some(&learner),
            )
            .await;
        let queue = portal.get("/moderation", Some(&moderator)).await;
        let start = queue.body.find("/moderation/").unwrap() + 12;
        let spam = queue.body[start..start + 36].to_owned();
        let rejected = portal
            .post(
                &format!("/moderation/{spam}"),
                &[("decision", "reject")],
                Some(&moderator),
            )
            .await;
        assert_eq!(rejected.location(), "/moderation");
        assert!(
            !portal
                .get(course, None)
                .await
                .body
                .contains("Buy cheap watches here."),
            "rejected comments stay unpublished"
        );
        assert!(
            !portal
                .get("/moderation", Some(&moderator))
                .await
                .body
                .contains("Buy cheap watches here."),
            "and leave the queue"
        );
    }
}
