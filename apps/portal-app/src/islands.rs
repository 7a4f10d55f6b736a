//! The interactive parts of the portal: the only components the browser bundle carries.
//!
//! The portal renders in Leptos's islands mode: every page is plain server-rendered HTML whose
//! links load pages and whose forms post, and only these components (`#[island]`) come alive
//! in the browser, to help while a form is being filled in. Each renders the same HTML on the
//! server as it does before its first change in the browser, so a page without scripts shows
//! and does exactly the same, minus the live help. Their props are serialised into the page.

// `#[island]` adds a struct of each island's props (and its wire form), undocumented.
#![allow(missing_docs)]

use leptos::prelude::*;

/// The last element of every page: once the bundle has brought every island above it to
/// life, it marks the page (`<body data-hydrated="true">`) for tests and curious readers.
#[island]
pub fn PageReady() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// What the live length check says about a new password of `typed` characters against the
/// policy's minimum of `min_length`. Empty before anything is typed.
pub fn password_length_note(typed: usize, min_length: usize) -> String {
    match (typed, min_length.saturating_sub(typed)) {
        (0, _) => String::new(),
        (_, 0) => "Long enough.".to_owned(),
        (_, 1) => "1 more character needed.".to_owned(),
        (_, missing) => format!("{missing} more characters needed."),
    }
}

/// A new password's field (label, hint, the server's problem after a refusal) with a live
/// note of how many more characters the policy needs. The server still checks everything;
/// the note only saves a round trip.
#[island]
pub fn NewPasswordField(
    /// The field's name in the form.
    name: String,
    /// Its label.
    label: String,
    /// The rule, shown under the label.
    hint: String,
    /// What the server found wrong with the last submission, if anything.
    problem: Option<String>,
    /// The policy's minimum length, in characters.
    min_length: u8,
) -> impl IntoView {
    let typed = RwSignal::new(0_usize);
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let note_id = format!("{id}-length");
    let problem_id = format!("{id}-problem");
    let described = if problem.is_some() {
        format!("{hint_id} {problem_id} {note_id}")
    } else {
        format!("{hint_id} {note_id}")
    };
    let invalid = problem.is_some();
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            <p class="hint" id=hint_id>{hint}</p>
            {problem.map(|text| view! { <p class="problem" id=problem_id>{text}</p> })}
            <input
                id=id
                name=name
                type="password"
                autocomplete="new-password"
                required=true
                aria-invalid=invalid.then_some("true")
                aria-describedby=described
                on:input=move |event| typed.set(event_target_value(&event).chars().count())
            />
            <p class="length-note" id=note_id aria-live="polite">
                {move || password_length_note(typed.get(), usize::from(min_length))}
            </p>
        </div>
    }
}

/// What the booking summary says for `seats` filled-in travellers at `price_cents` each.
pub fn booking_summary(seats: usize, price_cents: i64, currency: &str) -> String {
    if seats == 0 {
        return "Fill in at least one traveller: each takes one seat.".to_owned();
    }
    let seats_i64 = i64::try_from(seats).unwrap_or(i64::MAX);
    let total = price_cents.saturating_mul(seats_i64);
    let noun = if seats == 1 { "seat" } else { "seats" };
    format!(
        "{seats} {noun}: {currency} {}.{:02} in all.",
        total / 100,
        total % 100
    )
}

/// Under a tour's booking form: the seats and the price so far, counted from the traveller
/// rows with a name as they are filled in. `filled` is what the server saw (the rows kept
/// after a refused submission).
#[island]
pub fn BookingSummary(
    /// The price of one seat, in cents.
    price_cents: i64,
    /// Its currency code.
    currency: String,
    /// Traveller rows with a name when the page was rendered.
    filled: usize,
) -> impl IntoView {
    let seats = RwSignal::new(filled);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::input, move |_| {
            seats.set(filled_traveller_rows());
        });
        // The listener lives as long as the page.
        std::mem::forget(handle);
    }
    let summary_currency = currency.clone();
    view! {
        <p class="booking-summary" aria-live="polite">
            {move || booking_summary(seats.get(), price_cents, &summary_currency)}
        </p>
    }
}

/// The traveller rows of the booking form that have a name typed in.
#[cfg(feature = "hydrate")]
fn filled_traveller_rows() -> usize {
    use leptos::wasm_bindgen::JsCast;
    let page = document();
    crate::tours::pledge_names::NAMES
        .iter()
        .filter_map(|name| page.get_element_by_id(&format!("field-{name}")))
        .filter_map(|element| element.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
        .filter(|input| !input.value().trim().is_empty())
        .count()
}

/// A submit button that asks first (`question`) and lets the form go only when confirmed.
/// Without scripts it is a plain submit button: the server's own checks still apply.
#[island]
pub fn ConfirmButton(
    /// The button's text.
    label: String,
    /// What the browser asks before the form is sent.
    question: String,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            on:click=move |event| {
                if !confirmed(&question) {
                    event.prevent_default();
                }
            }
        >
            {label}
        </button>
    }
}

/// Whether the person answers yes to `question` (always yes where there is no browser).
fn confirmed(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(question).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_note_counts_down_to_the_policys_minimum() {
        assert_eq!(password_length_note(0, 12), "");
        assert_eq!(password_length_note(3, 12), "9 more characters needed.");
        assert_eq!(password_length_note(11, 12), "1 more character needed.");
        assert_eq!(password_length_note(12, 12), "Long enough.");
        assert_eq!(password_length_note(40, 12), "Long enough.");
    }

    #[test]
    fn the_booking_summary_multiplies_the_seat_price() {
        assert!(booking_summary(0, 129_900, "GBP").contains("at least one traveller"));
        assert_eq!(
            booking_summary(1, 129_900, "GBP"),
            "1 seat: GBP 1299.00 in all."
        );
        assert_eq!(
            booking_summary(3, 129_950, "EUR"),
            "3 seats: EUR 3898.50 in all."
        );
    }
}
