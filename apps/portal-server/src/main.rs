//! `portal-server`: the Pledge reference portal.
//!
//! Opens the store (SQLite files in `--data-dir` by default, PostgreSQL with `DATABASE_URL`;
//! see [`config`]), adds the demo catalogue to an empty store, and serves the Leptos pages and
//! server functions, and the browser bundle from `--site-root`/pkg. Prints
//! `listening on http://ADDRESS` once it accepts connections; stops cleanly on Ctrl-C.

mod config;
mod demo;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use clap::Parser;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use pledge_policy::ValidPolicy;
use pledge_store::Store;
use portal_app::state::PortalState;
use portal_app::{App, shell};
use tower_http::services::ServeDir;

/// The Pledge reference portal.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The policy the portal keeps: a built-in pack (kexara, westmontera, jtec) or a file.
    #[arg(long, default_value = "kexara")]
    pack: String,
    /// Where the embedded SQLite databases and generated secrets live.
    #[arg(long, default_value = "out/portal")]
    data_dir: PathBuf,
    /// The address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// The directory holding `pkg/` (the browser bundle and the style sheet).
    #[arg(long, default_value = "target/site")]
    site_root: PathBuf,
    /// Start without adding the demo catalogue to an empty store.
    #[arg(long)]
    no_demo: bool,
}

fn load_policy(spec: &str) -> Result<ValidPolicy> {
    if let Some(pack) = pledge_policy::packs::find(spec) {
        return pack
            .load()
            .with_context(|| format!("the built-in pack {spec} does not load"));
    }
    let text = std::fs::read_to_string(spec).with_context(|| {
        format!("--pack {spec} is neither a built-in pack (kexara, westmontera, jtec) nor a readable file")
    })?;
    pledge_policy::load(spec, &text)
        .map_err(|e| anyhow::anyhow!("--pack {spec} is not a valid policy: {e}"))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let policy = load_policy(&args.pack)?;
    let store = Store::open(&config::store_config(&args.data_dir)?)
        .await
        .context("opening the store")?;
    if !args.no_demo {
        let added = demo::seed(&store, time::OffsetDateTime::now_utc()).await?;
        if added > 0 {
            eprintln!("portal: added {added} demo courses");
        }
    }
    let state = PortalState {
        store,
        policy: Arc::new(policy),
    };
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("listening on {}", args.addr))?;
    let addr = listener.local_addr()?;
    let options = LeptosOptions::builder()
        .output_name("portal")
        .site_root(args.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let app = router(options, state, &args.site_root);
    println!("listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")
}

/// Every route: the pages, the server functions, and the bundle.
fn router(options: LeptosOptions, state: PortalState, site_root: &std::path::Path) -> Router {
    let routes = generate_route_list(App);
    let shell_options = options.clone();
    Router::new()
        .nest_service("/pkg", ServeDir::new(site_root.join("pkg")))
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
}
