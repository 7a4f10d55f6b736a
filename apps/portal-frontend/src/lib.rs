//! The portal's browser bundle: brings the server-rendered pages' islands to life (live notes
//! on forms, confirmations). Every page also works without it.

// The islands' entry points are exported by `portal-app`; naming the crate links them in.
use portal_app as _;

/// Called by the script the server puts in every page once the bundle has loaded; the islands
/// are hydrated right after it, each through its own export.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
