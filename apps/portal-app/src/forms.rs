//! Forms that work without JavaScript and keep what was typed.
//!
//! Every form posts to its own page's address. The server checks it; on success it redirects
//! (303, so a reload does not post again), and on a refusal it renders the same page again with
//! a [`FormOutcome`]: the values typed (never passwords) and a message next to each field that
//! needs one. The outcome reaches the page through a resource (a leftover of full hydration:
//! in islands mode a plain context read would do, one resource less per form page).

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a refused form submission comes back with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOutcome {
    /// What was typed, by field name (password fields are never kept).
    pub values: BTreeMap<String, String>,
    /// What is wrong, by field name.
    pub problems: BTreeMap<String, String>,
    /// A message about the whole form.
    pub message: Option<String>,
}

impl FormOutcome {
    /// An outcome with one message for the whole form.
    pub fn message(values: BTreeMap<String, String>, message: impl Into<String>) -> Self {
        Self {
            values,
            problems: BTreeMap::new(),
            message: Some(message.into()),
        }
    }

    /// What was typed into `field`, or nothing.
    pub fn value(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }

    /// What is wrong with `field`, if anything.
    pub fn problem(&self, field: &str) -> Option<String> {
        self.problems.get(field).cloned()
    }

    /// Whether there is anything to show.
    pub fn is_refusal(&self) -> bool {
        self.message.is_some() || !self.problems.is_empty()
    }
}

/// The outcome of the submission this page answers, if it answers one. Created by each form's
/// page; empty when the page was simply opened.
pub fn use_outcome() -> Resource<FormOutcome> {
    let outcome = use_context::<FormOutcome>().unwrap_or_default();
    Resource::new_blocking(|| (), move |()| std::future::ready(outcome.clone()))
}

/// The message about the whole form, as an alert at its top.
#[component]
pub fn FormMessage(
    /// The submission being answered.
    outcome: FormOutcome,
) -> impl IntoView {
    outcome
        .message
        .map(|message| view! { <p class="form-message" role="alert">{message}</p> })
}

/// How a field is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// One line of text.
    Text,
    /// An email address.
    Email,
    /// A password: never sent back into the page.
    Password,
}

impl Input {
    const fn html_type(self) -> &'static str {
        match self {
            Input::Text => "text",
            Input::Email => "email",
            Input::Password => "password",
        }
    }
}

/// One labelled input with its hint and, after a refusal, its problem, tied together for
/// screen readers (`aria-describedby`, `aria-invalid`).
#[component]
pub fn Field(
    /// The submission being answered.
    outcome: FormOutcome,
    /// The field's name in the form.
    name: &'static str,
    /// Its label.
    label: &'static str,
    /// How it is typed in.
    input: Input,
    /// The browser's autofill hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Help shown under the label.
    #[prop(optional, into)]
    hint: Option<String>,
    /// Whether the form needs it.
    #[prop(default = true)]
    required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let problem = outcome.problem(name);
    let problem_id = problem.as_ref().map(|_| format!("{id}-problem"));
    let described = [hint_id.clone(), problem_id.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let value = match input {
        Input::Password => String::new(),
        _ => outcome.value(name),
    };
    view! {
        <div class="field" class:invalid=problem.is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            {problem.clone().map(|text| view! { <p class="problem" id=problem_id.clone()>{text}</p> })}
            <input
                id=id
                name=name
                type=input.html_type()
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=problem.is_some().then_some("true")
                aria-describedby=(!described.is_empty()).then_some(described)
            />
        </div>
    }
}
