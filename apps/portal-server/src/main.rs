//! The `portal-server` binary: the Pledge reference portal (see the library's [`run`]).

use portal_server::run;

/// mimalloc instead of the system allocator: rendering a page allocates many small strings,
/// and glibc's malloc was a sixth of the server's time under load (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
