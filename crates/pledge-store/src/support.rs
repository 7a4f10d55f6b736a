//! Support tickets and course discussion comments.
//!
//! A ticket and every message in it belong to the person who opened it: the messages, staff
//! replies included, are sealed under their key, so they are exported and erased with the
//! rest of their data. Only the person and support agents read a ticket (the portal checks
//! the role); every read is audited.
//!
//! Comments are posted with the address and browser they came from (J11: for spam detection),
//! wait for a content moderator, and are published only once approved — without the poster's
//! name. The moderation queue shows the address and browser; the published page never does.
//! The retention sweep clears those two after the policy's period and keeps the comment.

use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::{FieldProblem, broken, refused};
use crate::error::db;
use crate::records::Field;
use crate::vault::FieldRef;
use crate::{Store, StoreError};

const SUBJECT: FieldRef = FieldRef {
    table: "ticket",
    column: "subject",
};
const MESSAGE: FieldRef = FieldRef {
    table: "ticket_message",
    column: "body",
};
const COMMENT: FieldRef = FieldRef {
    table: "comment",
    column: "body",
};
const IP: FieldRef = FieldRef {
    table: "comment",
    column: "ip_address",
};
const AGENT: FieldRef = FieldRef {
    table: "comment",
    column: "user_agent",
};

/// The longest message or comment accepted.
pub const MAX_TEXT: usize = 5_000;

/// One message of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketMessage {
    /// `person` or `support-agent`.
    pub from: String,
    /// What it says.
    pub body: String,
    /// When.
    pub sent_at: OffsetDateTime,
}

/// A ticket with its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its id.
    pub id: Uuid,
    /// Whose.
    pub person: PersonId,
    /// Its subject.
    pub subject: String,
    /// `open` or `closed`.
    pub status: String,
    /// When it was opened.
    pub opened_at: OffsetDateTime,
    /// Its messages, oldest first.
    pub messages: Vec<TicketMessage>,
}

/// A comment as the moderation queue shows it (with where it came from) or as published
/// (without).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: Uuid,
    /// What it says.
    pub body: String,
    /// When it was posted.
    pub posted_at: OffsetDateTime,
    /// The address it came from (the moderation queue only).
    pub ip_address: Option<String>,
    /// The browser it came from (the moderation queue only).
    pub user_agent: Option<String>,
}

/// Where a comment came from (J11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin<'a> {
    /// The client's address.
    pub ip_address: &'a str,
    /// Its `User-Agent`.
    pub user_agent: &'a str,
}

fn text_problem(field: &'static str, text: &str, what: &str) -> Option<FieldProblem> {
    let length = text.trim().chars().count();
    (length == 0 || length > MAX_TEXT)
        .then(|| refused(field, format!("Write {what}: 1 to {MAX_TEXT} characters.")))
}

impl Store {
    /// Opens a ticket for `person` with its first message.
    ///
    /// # Errors
    /// [`StoreError::Refused`] (fields `subject`, `body`); failures.
    pub async fn open_ticket(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        subject: &str,
        body: &str,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let problems: Vec<FieldProblem> = [
            (subject.chars().count() > 200)
                .then(|| refused("subject", "A subject is at most 200 characters."))
                .or_else(|| text_problem("subject", subject, "a subject")),
            text_problem("body", body, "your question"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !problems.is_empty() {
            return Err(StoreError::Refused(problems));
        }
        let txn = self.write_txn("start opening a ticket").await?;
        let actor = self.audit.actor(person);
        let ticket = self
            .insert_record_in(
                &txn,
                policy,
                "ticket",
                person,
                vec![
                    ("subject", Field::Sealed(subject.trim().to_owned())),
                    ("status", Field::plain("open")),
                    ("opened_at", Field::plain(now)),
                    ("closed_at", Field::plain(None::<OffsetDateTime>)),
                ],
                actor,
                now,
            )
            .await?;
        self.add_message(&txn, policy, ticket, person, None, body, now)
            .await?;
        txn.commit().await.map_err(db("commit a ticket"))?;
        Ok(ticket)
    }

    #[allow(clippy::too_many_arguments)]
    async fn add_message(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        policy: &ValidPolicy,
        ticket: Uuid,
        owner: PersonId,
        agent: Option<PersonId>,
        body: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let fields = vec![
            ("ticket_id", Field::plain(ticket)),
            (
                "author_role",
                Field::plain(if agent.is_some() {
                    "support-agent"
                } else {
                    "person"
                }),
            ),
            ("author_id", Field::plain(agent.map(|a| a.as_uuid()))),
            ("body", Field::Sealed(body.trim().to_owned())),
            ("sent_at", Field::plain(now)),
        ];
        let actor = self.audit.actor(agent.unwrap_or(owner));
        self.insert_record_in(txn, policy, "ticket_message", owner, fields, actor, now)
            .await?;
        Ok(())
    }

    /// Adds a reply to `ticket`: by its owner (`agent` none; `author` must own it) or by the
    /// support agent `agent` (whose role the caller checked). A reply reopens nothing closed.
    ///
    /// # Errors
    /// [`StoreError::Refused`] (field `body`); [`StoreError::Invalid`] for someone else's,
    /// unknown or closed ticket; failures.
    pub async fn reply_to_ticket(
        &self,
        policy: &ValidPolicy,
        ticket: Uuid,
        author: PersonId,
        agent: bool,
        body: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if let Some(problem) = text_problem("body", body, "your reply") {
            return Err(StoreError::Refused(vec![problem]));
        }
        let (owner, status) = self.ticket_owner(ticket).await?;
        if !agent && owner != author {
            return Err(StoreError::Invalid("there is no such ticket"));
        }
        if status != "open" {
            return Err(StoreError::Invalid("this ticket is closed"));
        }
        let txn = self.write_txn("start replying").await?;
        self.add_message(
            &txn,
            policy,
            ticket,
            owner,
            agent.then_some(author),
            body,
            now,
        )
        .await?;
        txn.commit().await.map_err(db("commit a reply"))
    }

    /// Closes `ticket` (its owner, or an agent: the caller checked which).
    ///
    /// # Errors
    /// [`StoreError::Invalid`]; failures.
    pub async fn close_ticket(
        &self,
        ticket: Uuid,
        author: PersonId,
        agent: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (owner, _) = self.ticket_owner(ticket).await?;
        if !agent && owner != author {
            return Err(StoreError::Invalid("there is no such ticket"));
        }
        let mut update = Query::update();
        update
            .table("ticket")
            .value("status", "closed")
            .value("closed_at", now)
            .and_where(Expr::col("id").eq(ticket))
            .and_where(Expr::col("status").eq("open"));
        self.db
            .execute(&update)
            .await
            .map_err(db("close a ticket"))?;
        Ok(())
    }

    async fn ticket_owner(&self, ticket: Uuid) -> Result<(PersonId, String), StoreError> {
        let mut select = Query::select();
        select
            .columns(["person_id", "status"])
            .from("ticket")
            .and_where(Expr::col("id").eq(ticket));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a ticket"))?
            .ok_or(StoreError::Invalid("there is no such ticket"))?;
        Ok((
            PersonId::from_uuid(row.try_get_by_index(0).map_err(broken("ticket"))?),
            row.try_get_by_index(1).map_err(broken("ticket"))?,
        ))
    }

    /// `person`'s tickets, newest first, with their messages; audited.
    ///
    /// # Errors
    /// Failures.
    pub async fn tickets_of(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Ticket>, StoreError> {
        let mut select = tickets_query();
        select.and_where(Expr::col("person_id").eq(person.as_uuid()));
        let tickets = self.open_tickets(select).await?;
        self.audit_reads(policy, self.audit.actor(person), "ticket", &[person], now)
            .await?;
        Ok(tickets)
    }

    /// Every open ticket, oldest first, for support agents (`staff`); audited per person.
    ///
    /// # Errors
    /// Failures.
    pub async fn open_tickets_for_agents(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Ticket>, StoreError> {
        let mut select = tickets_query();
        select.and_where(Expr::col("status").eq("open"));
        let mut tickets = self.open_tickets(select).await?;
        tickets.reverse();
        let mut people: Vec<PersonId> = tickets.iter().map(|t| t.person).collect();
        people.sort();
        people.dedup();
        self.audit_reads(policy, self.audit.actor(staff), "ticket", &people, now)
            .await?;
        Ok(tickets)
    }

    async fn open_tickets(&self, select: SelectStatement) -> Result<Vec<Ticket>, StoreError> {
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read tickets"))?;
        let mut tickets = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = broken("ticket");
            let id: Uuid = row.try_get_by_index(0).map_err(&get)?;
            let person = PersonId::from_uuid(row.try_get_by_index(1).map_err(&get)?);
            let Some(key) = self.keys.get(person).await? else {
                continue;
            };
            let subject: Vec<u8> = row.try_get_by_index(2).map_err(&get)?;
            let mut messages = Query::select();
            messages
                .columns(["author_role", "body", "sent_at"])
                .from("ticket_message")
                .and_where(Expr::col("ticket_id").eq(id))
                .order_by("sent_at", Order::Asc)
                .order_by("id", Order::Asc);
            let mut thread = Vec::new();
            for message in self
                .db
                .query_all(&messages)
                .await
                .map_err(db("read messages"))?
            {
                let body: Vec<u8> = message.try_get_by_index(1).map_err(&get)?;
                thread.push(TicketMessage {
                    from: message.try_get_by_index(0).map_err(&get)?,
                    body: key.open_text(MESSAGE, &body)?,
                    sent_at: message.try_get_by_index(2).map_err(&get)?,
                });
            }
            tickets.push(Ticket {
                id,
                person,
                subject: key.open_text(SUBJECT, &subject)?,
                status: row.try_get_by_index(3).map_err(&get)?,
                opened_at: row.try_get_by_index(4).map_err(&get)?,
                messages: thread,
            });
        }
        Ok(tickets)
    }

    /// Posts `person`'s comment on the course at `slug`, with where it came from (J11); it
    /// waits for a moderator.
    ///
    /// # Errors
    /// [`StoreError::Refused`] (field `body`); [`StoreError::Invalid`] for an unknown course;
    /// failures.
    pub async fn post_comment(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        slug: &str,
        body: &str,
        origin: Origin<'_>,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        if let Some(problem) = text_problem("body", body, "your comment") {
            return Err(StoreError::Refused(vec![problem]));
        }
        let course = self
            .course_by_slug(slug)
            .await?
            .ok_or(StoreError::NoSuchCourse)?;
        let agent: String = origin.user_agent.chars().take(512).collect();
        let fields = vec![
            ("course_id", Field::plain(course.id)),
            ("body", Field::Sealed(body.trim().to_owned())),
            ("ip_address", Field::Sealed(origin.ip_address.to_owned())),
            ("user_agent", Field::Sealed(agent)),
            ("status", Field::plain("pending")),
            ("posted_at", Field::plain(now)),
            ("moderated_by", Field::plain(None::<Uuid>)),
            ("moderated_at", Field::plain(None::<OffsetDateTime>)),
        ];
        let actor = self.audit.actor(person);
        self.insert_record(policy, "comment", person, fields, actor, now)
            .await
    }

    /// The approved comments of the course at `slug`, oldest first, without who posted them
    /// or from where.
    ///
    /// # Errors
    /// Failures.
    pub async fn published_comments(&self, slug: &str) -> Result<Vec<Comment>, StoreError> {
        let Some(course) = self.course_by_slug(slug).await? else {
            return Ok(Vec::new());
        };
        self.comments_where(Some(course.id), "approved", false)
            .await
    }

    /// Every comment waiting for moderation, oldest first, with where it came from, for
    /// content moderators (`staff`); audited per poster.
    ///
    /// # Errors
    /// Failures.
    pub async fn moderation_queue(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<(PersonId, Comment)>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["person_id"])
            .from("comment")
            .and_where(Expr::col("status").eq("pending"));
        let mut people: Vec<PersonId> = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read comments"))?
            .iter()
            .filter_map(|row| row.try_get_by_index::<Uuid>(0).ok())
            .map(PersonId::from_uuid)
            .collect();
        let comments = self.comments_with_posters(None, "pending", true).await?;
        people.sort();
        people.dedup();
        self.audit_reads(policy, self.audit.actor(staff), "comment", &people, now)
            .await?;
        Ok(comments)
    }

    /// A content moderator approves or rejects a pending comment.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a comment not waiting; failures.
    pub async fn moderate_comment(
        &self,
        comment: Uuid,
        staff: PersonId,
        approve: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut update = Query::update();
        update
            .table("comment")
            .value("status", if approve { "approved" } else { "rejected" })
            .value("moderated_by", staff.as_uuid())
            .value("moderated_at", now)
            .and_where(Expr::col("id").eq(comment))
            .and_where(Expr::col("status").eq("pending"));
        let done = self
            .db
            .execute(&update)
            .await
            .map_err(db("moderate a comment"))?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Invalid(
                "this comment is not waiting for moderation",
            ))
        }
    }

    async fn comments_where(
        &self,
        course: Option<Uuid>,
        status: &str,
        with_origin: bool,
    ) -> Result<Vec<Comment>, StoreError> {
        Ok(self
            .comments_with_posters(course, status, with_origin)
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect())
    }

    async fn comments_with_posters(
        &self,
        course: Option<Uuid>,
        status: &str,
        with_origin: bool,
    ) -> Result<Vec<(PersonId, Comment)>, StoreError> {
        let mut select = Query::select();
        select
            .columns([
                "id",
                "person_id",
                "body",
                "ip_address",
                "user_agent",
                "posted_at",
            ])
            .from("comment")
            .and_where(Expr::col("status").eq(status))
            .order_by("posted_at", Order::Asc)
            .order_by("id", Order::Asc);
        if let Some(course) = course {
            select.and_where(Expr::col("course_id").eq(course));
        }
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read comments"))?;
        let mut comments = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = broken("comment");
            let person = PersonId::from_uuid(row.try_get_by_index(1).map_err(&get)?);
            let Some(key) = self.keys.get(person).await? else {
                continue;
            };
            let body: Vec<u8> = row.try_get_by_index(2).map_err(&get)?;
            let open = |field: FieldRef, column: usize| -> Result<Option<String>, StoreError> {
                if !with_origin {
                    return Ok(None);
                }
                let sealed: Option<Vec<u8>> = row.try_get_by_index(column).map_err(&get)?;
                // The sweep clears these after the policy's period: an empty value is gone.
                sealed
                    .filter(|s| !s.is_empty())
                    .map(|s| key.open_text(field, &s))
                    .transpose()
            };
            comments.push((
                person,
                Comment {
                    id: row.try_get_by_index(0).map_err(&get)?,
                    body: key.open_text(COMMENT, &body)?,
                    posted_at: row.try_get_by_index(5).map_err(&get)?,
                    ip_address: open(IP, 3)?,
                    user_agent: open(AGENT, 4)?,
                },
            ));
        }
        Ok(comments)
    }
}

fn tickets_query() -> SelectStatement {
    let mut select = Query::select();
    select
        .columns(["id", "person_id", "subject", "status", "opened_at"])
        .from("ticket")
        .order_by("opened_at", Order::Desc)
        .order_by("id", Order::Desc);
    select
}
