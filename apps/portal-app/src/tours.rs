//! Group tours: the catalogue (`/tours`), a tour's page with its departures and the booking
//! form (`/tours/{slug}`), one's own bookings (`/tours/bookings`), and the tour coordinators'
//! manifests (`/tours/manage`), the only place accessibility needs are shown (K05).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, FormOutcome, Input, use_outcome};
use crate::islands::BookingSummary;

/// The explicit consent a booker gives for accessibility needs; its hash is the proof.
pub const NEEDS_CONSENT: &str = "I give my explicit consent to keeping these accessibility needs, which may reveal health information, to arrange this tour, and to sharing them with the partner that runs it. I can withdraw this consent at any time.";

/// How many traveller rows the booking form offers.
pub const TRAVELLER_ROWS: usize = 4;

/// A departure as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartureView {
    /// Its id.
    pub id: String,
    /// "2027-01-10 to 2027-01-15".
    pub dates: String,
    /// Seats still free.
    pub seats_left: i32,
    /// Seats in all.
    pub capacity: i32,
}

/// A tour as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TourCard {
    /// Its address.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// What it is.
    pub summary: String,
    /// Price per seat, as shown.
    pub price: String,
    /// Price per seat, in cents of `currency`.
    pub price_cents: i64,
    /// The price's currency code.
    pub currency: String,
    /// The partner that runs it, by name.
    pub operator: String,
    /// Its departures.
    pub departures: Vec<DepartureView>,
    /// Whether this portal takes bookings (the policy declares the data).
    pub bookable: bool,
}

/// A booking as the booker or a coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingView {
    /// The tour.
    pub tour: String,
    /// The departure's dates.
    pub dates: String,
    /// Seats.
    pub seats: i32,
    /// `held`, `confirmed` or `cancelled`.
    pub status: String,
    /// Who travels: (name, date of birth).
    pub travellers: Vec<(String, String)>,
    /// Travel preferences.
    pub preferences: String,
    /// Accessibility needs (coordinators only).
    pub accessibility: Option<String>,
}

/// A departure's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestView {
    /// The tour.
    pub tour: String,
    /// The departure.
    pub departure: DepartureView,
    /// Its bookings.
    pub bookings: Vec<BookingView>,
}

pub use server_fns::{list_tours, my_bookings, tour_detail, tour_manifests};

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    #[cfg(feature = "ssr")]
    fn departure_view(d: &pledge_store::tours::Departure) -> DepartureView {
        DepartureView {
            id: d.id.to_string(),
            dates: format!("{} to {}", d.starts_at.date(), d.returns_at.date()),
            seats_left: d.seats_left(),
            capacity: d.capacity,
        }
    }

    #[cfg(feature = "ssr")]
    fn card(state: &crate::state::PortalState, tour: pledge_store::tours::Tour) -> TourCard {
        let operator = pledge_domain::PartnerId::new(tour.operator.clone())
            .ok()
            .and_then(|id| state.policy.partner(&id).map(|p| p.name.clone()))
            .unwrap_or(tour.operator);
        TourCard {
            slug: tour.slug,
            title: tour.title,
            summary: tour.summary,
            price: format!(
                "{} {}.{:02} per seat",
                tour.currency,
                tour.price_cents / 100,
                tour.price_cents % 100
            ),
            price_cents: tour.price_cents,
            currency: tour.currency,
            operator,
            departures: tour.departures.iter().map(departure_view).collect(),
            bookable: pledge_store::declared::module_enabled(&state.policy, "tours"),
        }
    }

    #[cfg(feature = "ssr")]
    fn booking_view(b: pledge_store::tours::Booking) -> BookingView {
        BookingView {
            tour: b.tour,
            dates: departure_view(&b.departure).dates,
            seats: b.seats,
            status: b.status,
            travellers: b
                .travellers
                .into_iter()
                .map(|t| (t.full_name, t.date_of_birth.to_string()))
                .collect(),
            preferences: b.preferences,
            accessibility: b.accessibility,
        }
    }

    /// Every tour. Public.
    ///
    /// # Errors
    /// Store failures.
    #[server(endpoint = "tours", input = GetUrl)]
    pub async fn list_tours() -> Result<Vec<TourCard>, PortalError> {
        let state = crate::state::portal_state()?;
        let tours = state.store.tours().await?;
        Ok(tours.into_iter().map(|t| card(&state, t)).collect())
    }

    /// The tour at `slug`. Public.
    ///
    /// # Errors
    /// [`PortalError::NotFound`].
    #[server(endpoint = "tour", input = GetUrl)]
    pub async fn tour_detail(slug: String) -> Result<TourCard, PortalError> {
        let state = crate::state::portal_state()?;
        match state.store.tour_by_slug(&slug).await? {
            Some(tour) => Ok(card(&state, tour)),
            None => {
                crate::state::set_status(http::StatusCode::NOT_FOUND);
                Err(PortalError::NotFound)
            }
        }
    }

    /// The caller's own bookings (audited), without accessibility needs.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`].
    #[server(endpoint = "my-bookings", input = GetUrl)]
    pub async fn my_bookings() -> Result<Vec<BookingView>, PortalError> {
        let session = crate::state::require_viewer("/tours/bookings")?;
        let state = crate::state::portal_state()?;
        let bookings = state
            .store
            .bookings_of(&state.policy, session.person, crate::state::now())
            .await?;
        Ok(bookings.into_iter().map(booking_view).collect())
    }

    /// Every departure's manifest, for tour coordinators only (K05); audited.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for every other role.
    #[server(endpoint = "tour-manifests", input = GetUrl)]
    pub async fn tour_manifests() -> Result<Vec<ManifestView>, PortalError> {
        let session = crate::state::require_viewer("/tours/manage")?;
        if !session.has(pledge_domain::Role::TourCoordinator) {
            crate::state::set_status(http::StatusCode::FORBIDDEN);
            return Err(PortalError::Forbidden);
        }
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let mut manifests = Vec::new();
        for tour in state.store.tours().await? {
            for departure in &tour.departures {
                let bookings = state
                    .store
                    .manifest(&state.policy, departure.id, session.person, now)
                    .await?;
                manifests.push(ManifestView {
                    tour: tour.title.clone(),
                    departure: departure_view(departure),
                    bookings: bookings.into_iter().map(booking_view).collect(),
                });
            }
        }
        Ok(manifests)
    }
}

/// `/tours`: every tour with its departures.
#[component]
pub fn ToursPage() -> impl IntoView {
    let tours = Resource::new_blocking(|| (), |()| list_tours());
    view! {
        <h1>"Group tours"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tours.await {
                    Ok(list) if list.is_empty() => view! { <p>"No tours are offered at the moment."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="courses tours">
                            {list.into_iter().map(|tour| {
                                let href = format!("/tours/{}", tour.slug);
                                let next = tour.departures.first().map(|d| format!("Next departure {} · {} seats left", d.dates, d.seats_left));
                                view! {
                                    <li class="course">
                                        <h2><a href=href>{tour.title}</a></h2>
                                        <p>{tour.summary}</p>
                                        <p class="price">{tour.price}</p>
                                        {next.map(|n| view! { <p class="hint">{n}</p> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A multi-line text field that keeps what was typed.
#[component]
fn NoteField(
    outcome: FormOutcome,
    name: &'static str,
    label: &'static str,
    hint: &'static str,
) -> impl IntoView {
    let id = format!("field-{name}");
    let problem = outcome.problem(name);
    view! {
        <div class="field" class:invalid=problem.is_some()>
            <label for=id.clone()>{label}</label>
            <p class="hint">{hint}</p>
            {problem.clone().map(|text| view! { <p class="problem" id=format!("{id}-problem")>{text}</p> })}
            <textarea id=id name=name maxlength="1000" rows="3">{outcome.value(name)}</textarea>
        </div>
    }
}

/// The booking form of a tour.
#[component]
fn BookingForm(tour: TourCard, outcome: FormOutcome) -> impl IntoView {
    let chosen = outcome.value("departure");
    let seats_problem = outcome.problem("seats");
    let consent_problem = outcome.problem("accessibility_consent");
    let consented = outcome.value("accessibility_consent") == "yes";
    let filled = pledge_names::NAMES
        .iter()
        .filter(|name| !outcome.value(name).trim().is_empty())
        .count();
    let rows = (1..=TRAVELLER_ROWS).map(|n| {
        let name: &'static str = pledge_names::NAMES.get(n - 1).copied().unwrap_or("traveller_1_name");
        let birth: &'static str = pledge_names::BIRTHS.get(n - 1).copied().unwrap_or("traveller_1_birth");
        view! {
            <fieldset class="traveller">
                <legend>{format!("Traveller {n}")}</legend>
                <Field outcome=outcome.clone() name=name label="Full name" input=Input::Text required={n == 1}/>
                <Field outcome=outcome.clone() name=birth label="Date of birth" input=Input::Text hint="YYYY-MM-DD" required={n == 1}/>
            </fieldset>
        }
    }).collect_view();
    view! {
        <form method="post" action=format!("/tours/{}/book", tour.slug) class="stacked booking">
            <FormMessage outcome=outcome.clone()/>
            <div class="field" class:invalid=seats_problem.is_some()>
                <label for="field-departure">"Departure"</label>
                {seats_problem.clone().map(|text| view! { <p class="problem" id="field-seats-problem">{text}</p> })}
                <select id="field-departure" name="departure">
                    {tour.departures.iter().map(|d| {
                        let selected = chosen == d.id;
                        view! {
                            <option value=d.id.clone() selected=selected disabled={d.seats_left == 0}>
                                {format!("{} ({} seats left)", d.dates, d.seats_left)}
                            </option>
                        }
                    }).collect_view()}
                </select>
            </div>
            <p class="hint">"Each traveller takes one seat. Leave the rows you do not need empty."</p>
            {rows}
            <NoteField outcome=outcome.clone() name="preferences" label="Travel preferences (optional)" hint="Room, diet, seating. Shared with the partner that runs the tour."/>
            <NoteField outcome=outcome.clone() name="accessibility_needs" label="Accessibility needs (optional)" hint="Only our tour coordinators and the partner running the tour see these."/>
            <div class="field" class:invalid=consent_problem.is_some()>
                {consent_problem.clone().map(|text| view! { <p class="problem" id="field-accessibility_consent-problem">{text}</p> })}
                <label class="check">
                    <input type="checkbox" name="accessibility_consent" value="yes" checked=consented/>
                    " " {NEEDS_CONSENT}
                </label>
            </div>
            <Field outcome=outcome.clone() name="billing_name" label="Name on the receipt" input=Input::Text autocomplete="name" hint="You pay by card on our payment processor's page; your card details never reach us."/>
            <BookingSummary price_cents=tour.price_cents currency=tour.currency.clone() filled=filled/>
            <button type="submit">"Book and pay"</button>
        </form>
    }
}

/// The form's field names, in traveller order (shared with the server's handler).
pub mod pledge_names {
    /// Each traveller row's name field.
    pub const NAMES: [&str; 4] = [
        "traveller_1_name",
        "traveller_2_name",
        "traveller_3_name",
        "traveller_4_name",
    ];
    /// Each traveller row's date-of-birth field.
    pub const BIRTHS: [&str; 4] = [
        "traveller_1_birth",
        "traveller_2_birth",
        "traveller_3_birth",
        "traveller_4_birth",
    ];
}

/// `/tours/{slug}`: a tour, its departures and the booking form.
#[component]
pub fn TourPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let found = Resource::new_blocking(slug, tour_detail);
    let viewer = Resource::new_blocking(|| (), |()| crate::account::whoami());
    let outcome = use_outcome();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                let signed_in = matches!(viewer.await, Ok(Some(_)));
                match found.await {
                    Ok(tour) => {
                        let slug = tour.slug.clone();
                        let booking = if !tour.bookable {
                            view! { <p class="notice">"This site does not take tour bookings."</p> }.into_any()
                        } else if signed_in {
                            view! { <BookingForm tour=tour.clone() outcome=outcome/> }.into_any()
                        } else {
                            view! { <p><a href=format!("/signin?next=/tours/{slug}")>"Sign in to book"</a></p> }.into_any()
                        };
                        view! {
                            <article class="course-page">
                                <h1>{tour.title.clone()}</h1>
                                <p>{tour.summary.clone()}</p>
                                <p class="price">{tour.price.clone()}</p>
                                <p class="hint">{format!("Run by {}, who receive the travellers' names, preferences and, with consent, accessibility needs.", tour.operator)}</p>
                                <table class="departures">
                                    <thead><tr><th>"Departure"</th><th>"Seats left"</th></tr></thead>
                                    <tbody>
                                        {tour.departures.iter().map(|d| view! {
                                            <tr><td>{d.dates.clone()}</td><td>{format!("{} of {}", d.seats_left, d.capacity)}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {booking}
                            </article>
                        }.into_any()
                    }
                    Err(PortalError::NotFound) => view! { <h1>"Tour not found"</h1> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One booking's lines.
fn booking_lines(booking: BookingView) -> impl IntoView {
    view! {
        <li class="booking">
            <strong>{format!("{} · {}", booking.tour, booking.dates)}</strong>
            {format!(" · {} · {}", if booking.seats == 1 { "1 seat".to_owned() } else { format!("{} seats", booking.seats) }, booking.status)}
            <ul>
                {booking.travellers.into_iter().map(|(name, birth)| view! { <li>{format!("{name} (born {birth})")}</li> }).collect_view()}
            </ul>
            {(!booking.preferences.is_empty()).then(|| view! { <p>{format!("Preferences: {}", booking.preferences)}</p> })}
            {booking.accessibility.map(|needs| view! { <p class="needs">{format!("Accessibility needs: {needs}")}</p> })}
        </li>
    }
}

/// `/tours/bookings`: the signed-in person's bookings.
#[component]
pub fn MyBookingsPage() -> impl IntoView {
    let bookings = Resource::new_blocking(|| (), |()| my_bookings());
    view! {
        <h1>"Your tour bookings"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match bookings.await {
                    Ok(list) if list.is_empty() => view! { <p>"You have no tour bookings. " <a href="/tours">"See the tours"</a></p> }.into_any(),
                    Ok(list) => view! { <ul class="bookings">{list.into_iter().map(booking_lines).collect_view()}</ul> }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/tours/bookings">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/tours/manage`: the tour coordinators' manifests, with "send to the operator".
#[component]
pub fn ManageToursPage() -> impl IntoView {
    let manifests = Resource::new_blocking(|| (), |()| tour_manifests());
    let query = use_query_map();
    let sent = move || query.read().get("sent");
    view! {
        <h1>"Tour manifests"</h1>
        {move || sent().map(|n| view! { <p class="notice" role="status">{format!("The manifest was sent to the tour's operator; {n} bookings' details were recorded as shared.")}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match manifests.await {
                    Ok(list) => view! {
                        {list.into_iter().map(|m| {
                            let action = format!("/tours/manage/{}/send", m.departure.id);
                            view! {
                                <section class="manifest">
                                    <h2>{format!("{} · {}", m.tour, m.departure.dates)}</h2>
                                    <p>{format!("{} of {} seats taken", m.departure.capacity - m.departure.seats_left, m.departure.capacity)}</p>
                                    <ul class="bookings">{m.bookings.into_iter().map(booking_lines).collect_view()}</ul>
                                    <form method="post" action=action><button type="submit">"Send the manifest to the operator"</button></form>
                                </section>
                            }
                        }).collect_view()}
                    }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/tours/manage">"sign in"</a> "."</p> }.into_any(),
                    Err(PortalError::Forbidden) => view! { <p class="error" role="alert">"Only tour coordinators can see tour manifests."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
