//! `portal-server`: the Pledge reference portal, as a library whose one entry point, [`run`],
//! is the `portal-server` binary (the library exists so that the fuzz targets reach the
//! decoders through [`fuzzing`]).
//!
//! Opens the store (SQLite files in `--data-dir` by default, PostgreSQL with `DATABASE_URL`;
//! see the `config` module), adds the demo catalogue to an empty store, and serves the Leptos pages and
//! server functions, and the browser bundle from `--site-root`/pkg. Prints
//! `listening on http://ADDRESS` once it accepts connections; stops cleanly on Ctrl-C.

mod accounts;
mod admin;
mod assessments;
mod breaches;
mod certificate_pdf;
mod client_address;
mod config;
mod cookies;
mod demo;
mod denials;
pub mod fuzzing;
mod headers;
mod learning;
mod mail;
mod marketing;
mod office;
mod outbox;
mod page_cache;
mod partner_mail;
mod payments;
mod policy_notices;
mod privacy;
mod scheduler;
mod second_step;
mod session;
mod support;
mod tours;
mod web;

/// The table of who may open each page and call each server function: read at run time to
/// tell a refused attempt from a plain "not found" (`denials`), and by the authorisation tests.
#[allow(dead_code)] // the examples and forgery kinds serve the HTTP tests
mod access;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::serve::ListenerExt as _;
use clap::Parser;
use leptos::config::LeptosOptions;
use pledge_policy::ValidPolicy;
use pledge_store::Store;
use portal_app::state::PortalState;

/// The Pledge reference portal.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The policy the portal keeps: a built-in pack (kexara, westmontera, jtec) or a file.
    #[arg(long, default_value = "kexara")]
    pack: String,
    /// Where the embedded SQLite databases live (and the outgoing mail, without SMTP).
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
    /// The address people reach the portal at, used in emailed links (default: `http://` and
    /// the listening address).
    #[arg(long)]
    public_url: Option<String>,
    /// Who email comes from.
    #[arg(long, default_value = "Pledge Training <no-reply@pledge.invalid>")]
    mail_from: String,
    /// A reverse proxy of this deployment, by address (repeat for several): requests from it
    /// are counted against the client address it adds to `X-Forwarded-For`, not its own.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// How often the retention schedule is applied by itself (`1day`, `6h`, `30s`): due
    /// records deleted or anonymised, people below the minimum age erased. With several
    /// instances, one of them runs each sweep.
    #[arg(long, default_value = "1day", value_parser = cadence)]
    sweep_every: std::time::Duration,
    /// Where the four secrets are kept when they do not come from the environment: a file
    /// outside the data directory, so that a copy of the data does not carry the key that
    /// opens it (default: `secrets.json` in a `<data-dir>.secrets` directory beside it).
    #[arg(long)]
    secrets_file: Option<PathBuf>,
}

/// A sweep cadence: a duration of at least a second.
fn cadence(text: &str) -> Result<std::time::Duration, String> {
    let every = humantime::parse_duration(text).map_err(|e| format!("{text:?}: {e}"))?;
    if every < std::time::Duration::from_secs(1) {
        return Err(format!("{text:?}: sweep at most once a second"));
    }
    Ok(every)
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

/// The portal: reads the command line, opens the store and serves until Ctrl-C.
///
/// # Errors
/// A bad command line or configuration, a store that cannot be opened or migrated, an
/// address that cannot be listened on.
pub async fn run() -> Result<()> {
    let args = Args::parse();
    let policy = load_policy(&args.pack)?;
    let secrets_file = args
        .secrets_file
        .clone()
        .unwrap_or_else(|| config::default_secrets_file(&args.data_dir));
    let store_config = config::store_config(&args.data_dir, &secrets_file)?;
    let store = Store::open(&store_config)
        .await
        .context("opening the store")?;
    publish(&store, &policy).await?;
    policy_notices::announce(&store, &policy).await?;
    let cookie_history = policy_notices::cookies_asked_again(&store, &policy).await?;
    if !args.no_demo {
        let now = time::OffsetDateTime::now_utc();
        let added = demo::seed(&store, &policy, now).await?;
        if added > 0 {
            eprintln!("portal: added {added} demo courses");
        }
        let tours = demo::seed_tours(&store, &policy, now).await?;
        if tours > 0 {
            eprintln!("portal: added {tours} demo tours");
        }
        let people = demo::seed_people(&store, &policy, now).await?;
        if !people.is_empty() {
            eprintln!(
                "portal: added demo accounts {} (password: {})",
                people.join(", "),
                demo::DEMO_PASSWORD
            );
        }
        demo::seed_teaching(&store, &policy, now).await?;
        demo::seed_funded_enrolment(&store, &policy, now).await?;
    }
    let portal = PortalState {
        store,
        policy: Arc::new(policy),
    };
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("listening on {}", args.addr))?;
    let addr = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    let options = LeptosOptions::builder()
        .output_name("portal")
        .site_root(args.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    // The sandbox processor's secrets come from a deployment secret, so that every instance
    // of a deployment agrees on them.
    let sandbox = Arc::new(payments::sandbox::Sandbox::new(
        &public_url,
        &portal.policy.policy().organisation.name,
        &store_config.pseudonym_key,
    ));
    let server = web::Server::new(web::Shared {
        processor: Arc::new(payments::sandbox::SharedSandbox(Arc::clone(&sandbox))),
        cookie: session::SessionCookie::for_policy(&portal.policy, &public_url)?,
        cookies: cookies::CookieRules::for_policy(&portal.policy, &public_url)?
            .with_history(cookie_history),
        mailer: Arc::new(mail::Mailer::from_env(&args.data_dir)?),
        from: args
            .mail_from
            .parse()
            .with_context(|| format!("--mail-from {:?} is not a mailbox", args.mail_from))?,
        public_origin: origin_of(&public_url),
        public_url,
        options,
        portal,
        outbox_wake: Arc::default(),
        pages: Arc::default(),
        clients: client_address::ClientAddress::trusting(args.trusted_proxies.clone()),
    });
    outbox::spawn(server.clone());
    scheduler::spawn(server.clone(), args.sweep_every);
    let app = web::router(server, &args.site_root, Some(sandbox));
    println!("listening on http://{addr}");
    // A response written in more than one piece (a streamed body, a file) would otherwise wait
    // for the client's delayed ACK under Nagle's algorithm, some 40 ms per response.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            eprintln!("portal: cannot set TCP_NODELAY: {error}");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("serving")
}

/// Publishes the policy in force, so that its history and what changed stay on record (a
/// version already published with the same text changes nothing).
async fn publish(store: &Store, policy: &ValidPolicy) -> Result<()> {
    let info = &policy.policy().policy;
    let text = pledge_policy::to_toml(policy.policy()).context("writing the policy as TOML")?;
    store
        .publish_policy(
            &info.id.to_string(),
            &info.version,
            &text,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .with_context(|| {
            format!(
                "publishing policy {} version {}: a policy whose text changed needs a new \
                 `version` in its [policy] table (or start with a fresh --data-dir)",
                info.id, info.version
            )
        })?;
    Ok(())
}

/// The scheme, host and port of `url` (what a browser sends as `Origin`).
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}
