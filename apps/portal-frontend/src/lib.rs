//! The portal's browser bundle: takes over the page the server rendered (hydration), so that
//! links and forms work without full page loads. Every page also works without it.

/// Called by the script the server puts in every page once the bundle has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(portal_app::App);
}
