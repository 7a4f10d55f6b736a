//! Support and community: one's own tickets with their replies (`/support`), the support
//! agents' queue (`/support/queue`), course discussion (published comments on a course's page,
//! anonymous) and the content moderators' queue (`/moderation`), which alone shows where a
//! comment came from (J11).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, FormOutcome, Input, use_outcome};

/// A ticket as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    /// Its id.
    pub id: String,
    /// Its subject.
    pub subject: String,
    /// `open` or `closed`.
    pub status: String,
    /// Its messages: (from, body, when).
    pub messages: Vec<(String, String, String)>,
}

/// A comment as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    /// Its id.
    pub id: String,
    /// What it says.
    pub body: String,
    /// When (date).
    pub posted: String,
    /// Where it came from: address and browser (the moderation queue only).
    pub origin: Option<(String, String)>,
}

#[cfg(feature = "ssr")]
pub use server_fns::course_comments;
pub use server_fns::{moderation_list, my_tickets, ticket_queue};

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    #[cfg(feature = "ssr")]
    fn ticket_view(t: pledge_store::support::Ticket) -> TicketView {
        TicketView {
            id: t.id.to_string(),
            subject: t.subject,
            status: t.status,
            messages: t
                .messages
                .into_iter()
                .map(|m| {
                    let from = if m.from == "support-agent" {
                        "Support"
                    } else {
                        "You"
                    };
                    (from.to_owned(), m.body, m.sent_at.date().to_string())
                })
                .collect(),
        }
    }

    #[cfg(feature = "ssr")]
    fn comment_view(c: pledge_store::support::Comment) -> CommentView {
        CommentView {
            id: c.id.to_string(),
            body: c.body,
            posted: c.posted_at.date().to_string(),
            origin: c
                .ip_address
                .map(|ip| (ip, c.user_agent.unwrap_or_default())),
        }
    }

    /// The caller's tickets (audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`].
    #[server(endpoint = "my-tickets", input = GetUrl)]
    pub async fn my_tickets() -> Result<Vec<TicketView>, PortalError> {
        let session = crate::state::require_viewer("/support")?;
        let state = crate::state::portal_state()?;
        let tickets = state
            .store
            .tickets_of(&state.policy, session.person, crate::state::now())
            .await?;
        Ok(tickets.into_iter().map(ticket_view).collect())
    }

    /// The open tickets, for support agents only (audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "ticket-queue", input = GetUrl)]
    pub async fn ticket_queue() -> Result<Vec<TicketView>, PortalError> {
        let session = crate::state::require_viewer("/support/queue")?;
        if !session.has(pledge_domain::Role::SupportAgent) {
            crate::state::set_status(http::StatusCode::FORBIDDEN);
            return Err(PortalError::Forbidden);
        }
        let state = crate::state::portal_state()?;
        let tickets = state
            .store
            .open_tickets_for_agents(&state.policy, session.person, crate::state::now())
            .await?;
        Ok(tickets
            .into_iter()
            .map(|t| {
                let mut view = ticket_view(t);
                for message in &mut view.messages {
                    if message.0 == "You" {
                        "Learner".clone_into(&mut message.0);
                    }
                }
                view
            })
            .collect())
    }

    /// The published comments of the course at `slug` (part of its page). Public; no names,
    /// no origins.
    ///
    /// # Errors
    /// Store failures.
    #[cfg(feature = "ssr")]
    pub async fn course_comments(slug: String) -> Result<Vec<CommentView>, PortalError> {
        let state = crate::state::portal_state()?;
        let comments = state.store.published_comments(&slug).await?;
        Ok(comments.into_iter().map(comment_view).collect())
    }

    /// The comments waiting for moderation, with their origin, for content moderators only.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "moderation", input = GetUrl)]
    pub async fn moderation_list() -> Result<Vec<CommentView>, PortalError> {
        let session = crate::state::require_viewer("/moderation")?;
        if !session.has(pledge_domain::Role::ContentModerator) {
            crate::state::set_status(http::StatusCode::FORBIDDEN);
            return Err(PortalError::Forbidden);
        }
        let state = crate::state::portal_state()?;
        let queue = state
            .store
            .moderation_queue(&state.policy, session.person, crate::state::now())
            .await?;
        Ok(queue.into_iter().map(|(_, c)| comment_view(c)).collect())
    }
}

/// A reply form under a ticket.
fn reply_form(id: String, outcome: &FormOutcome, agent: bool) -> AnyView {
    let mine = outcome.value("ticket") == id;
    let problem = outcome.problem("body").filter(|_| mine);
    let typed = if mine {
        outcome.value("body")
    } else {
        String::new()
    };
    let base = if agent { "/support/queue" } else { "/support" };
    view! {
        <form method="post" action=format!("/support/{id}/reply") class="stacked">
            <input type="hidden" name="ticket" value=id.clone()/>
            <input type="hidden" name="back" value=base/>
            <div class="field" class:invalid=problem.is_some()>
                <label for=format!("reply-{id}")>"Reply"</label>
                {problem.clone().map(|t| view! { <p class="problem">{t}</p> })}
                <textarea id=format!("reply-{id}") name="body" rows="3" maxlength="5000">{typed}</textarea>
            </div>
            <button type="submit">"Send the reply"</button>
        </form>
        <form method="post" action=format!("/support/{id}/close") class="inline">
            <input type="hidden" name="back" value=base/>
            <button type="submit" class="link">"Close the ticket"</button>
        </form>
    }
    .into_any()
}

fn ticket_list(list: Vec<TicketView>, outcome: &FormOutcome, agent: bool) -> AnyView {
    list.into_iter()
        .map(|t| {
            let reply = (t.status == "open").then(|| reply_form(t.id.clone(), outcome, agent));
            view! {
                <section class="ticket">
                    <h2>{format!("{} · {}", t.subject, t.status)}</h2>
                    <ol class="messages">
                        {t.messages.iter().map(|(from, body, at)| view! { <li><strong>{format!("{from}, {at}: ")}</strong>{body.clone()}</li> }).collect_view()}
                    </ol>
                    {reply}
                </section>
            }
        })
        .collect_view()
        .into_any()
}

/// `/support`: one's tickets and a form for a new one.
#[component]
pub fn SupportPage() -> impl IntoView {
    let tickets = Resource::new_blocking(|| (), |()| my_tickets());
    let outcome = use_outcome();
    view! {
        <h1>"Support"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match tickets.await {
                    Ok(list) => {
                        let new_ticket = outcome.value("ticket").is_empty();
                        let form_outcome = if new_ticket { outcome.clone() } else { FormOutcome::default() };
                        view! {
                            <FormMessage outcome=outcome.clone()/>
                            <form method="post" action="/support" class="stacked">
                                <h2>"Ask a question"</h2>
                                <Field outcome=form_outcome.clone() name="subject" label="Subject" input=Input::Text/>
                                <div class="field" class:invalid=form_outcome.problem("body").is_some()>
                                    <label for="field-body">"Your question"</label>
                                    {form_outcome.problem("body").map(|t| view! { <p class="problem" id="field-body-problem">{t}</p> })}
                                    <textarea id="field-body" name="body" rows="4" maxlength="5000">{form_outcome.value("body")}</textarea>
                                </div>
                                <button type="submit">"Send"</button>
                            </form>
                            {ticket_list(list, &outcome, false)}
                        }.into_any()
                    }
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/support">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/support/queue`: the support agents' open tickets.
#[component]
pub fn TicketQueuePage() -> impl IntoView {
    let tickets = Resource::new_blocking(|| (), |()| ticket_queue());
    let outcome = use_outcome();
    view! {
        <h1>"Open tickets"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match tickets.await {
                    Ok(list) if list.is_empty() => view! { <p>"No open tickets."</p> }.into_any(),
                    Ok(list) => ticket_list(list, &outcome, true).into_any(),
                    Err(PortalError::Forbidden) => view! { <p class="error" role="alert">"Only support agents see the ticket queue."</p> }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/support/queue">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The discussion under a course: published comments and, for a signed-in person, a form.
#[component]
pub fn Discussion(
    /// The course's address.
    slug: String,
    /// Its published comments.
    comments: Vec<CommentView>,
) -> impl IntoView {
    let query = use_query_map();
    let posted = move || query.read().get("commented").is_some();
    let list = if comments.is_empty() {
        view! { <p class="hint">"No comments yet."</p> }.into_any()
    } else {
        view! { <ul class="comments">{comments.into_iter().map(|c| view! { <li><span class="hint">{c.posted}</span> " " {c.body}</li> }).collect_view()}</ul> }.into_any()
    };
    // A refused comment comes back with its text and the problem next to the field (the
    // course page is a server component: the outcome is read from the request's context).
    // Only the field's own problem: a message about the whole page belongs to the other forms
    // on it (enrol, pay, book an exam), which show it where they are.
    let outcome = use_context::<FormOutcome>().unwrap_or_default();
    let problem = outcome.problem("body");
    let described = if problem.is_some() {
        "field-comment-body-hint field-comment-body-problem"
    } else {
        "field-comment-body-hint"
    };
    view! {
        <section class="discussion">
            <h2>"Discussion"</h2>
            {move || posted().then(|| view! { <p class="notice" role="status">"Thank you: your comment appears once a moderator approves it."</p> })}
            {list}
            <form method="post" action=format!("/courses/{slug}/comments") class="stacked">
                <div class="field" class:invalid=problem.is_some()>
                    <label for="field-comment-body">"Add a comment"</label>
                    <p class="hint" id="field-comment-body-hint">"Comments are published without your name once a moderator approves them. We keep the address and browser they came from, for the time our privacy policy says, to fight spam."</p>
                    {problem.clone().map(|text| view! { <p class="problem" id="field-comment-body-problem">{text}</p> })}
                    <textarea id="field-comment-body" name="body" rows="3" maxlength="5000" aria-describedby=described aria-invalid=problem.is_some().then_some("true")>{outcome.value("body")}</textarea>
                </div>
                <button type="submit">"Post"</button>
            </form>
        </section>
    }
}

/// `/moderation`: comments waiting for a content moderator.
#[component]
pub fn ModerationPage() -> impl IntoView {
    let queue = Resource::new_blocking(|| (), |()| moderation_list());
    // A refused decision comes back with its reason above the list.
    let outcome = use_context::<FormOutcome>().unwrap_or_default();
    view! {
        <h1>"Comments to moderate"</h1>
        <FormMessage outcome=outcome/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(list) if list.is_empty() => view! { <p>"Nothing is waiting."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="moderation">
                            {list.into_iter().map(|c| {
                                let (ip, agent) = c.origin.clone().unwrap_or_default();
                                view! {
                                    <li>
                                        <p>{c.body}</p>
                                        <p class="hint">{format!("Posted {} from {ip} with {agent}", c.posted)}</p>
                                        <form method="post" action=format!("/moderation/{}", c.id) class="inline">
                                            <button type="submit" name="decision" value="approve">"Approve"</button>
                                            " "
                                            <button type="submit" name="decision" value="reject">"Reject"</button>
                                        </form>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(PortalError::Forbidden) => view! { <p class="error" role="alert">"Only content moderators moderate comments."</p> }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/moderation">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
