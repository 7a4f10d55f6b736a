//! The published catalogue kept in memory, so that browsing it does not queue for the database.
//!
//! The catalogue is the page everyone sees first and the one read most; it changes only when
//! staff add a course. [`CatalogueCache`] holds the published courses, loaded by one query and
//! filtered in memory for each search.
//!
//! Invariants:
//! - A course added through this store is listed by the next read on this process: adding
//!   bumps the cache's generation, and a load that began before the bump is never kept.
//! - A change made elsewhere (another portal instance on the same PostgreSQL, or a write through
//!   [`Store::connection`](crate::Store::connection)) is listed once the snapshot is older than
//!   the freshness window ([`DEFAULT_FRESHNESS`] unless set).
//! - Only one load runs at a time; readers that find the snapshot stale wait for it rather than
//!   each sending the same query.
//! - Filtering in memory lists exactly what the SQL filter in [`crate::catalogue`] lists, in the
//!   same order (a property test compares the two).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::catalogue::{Course, CourseFilter, PriceFilter};

/// How long a snapshot is used before it is loaded again, by default.
pub const DEFAULT_FRESHNESS: Duration = Duration::from_secs(2);

/// A published course with the lower-cased text the search matches against.
#[derive(Debug)]
struct Listed {
    course: Course,
    title_lower: String,
    summary_lower: String,
}

#[derive(Debug)]
struct Snapshot {
    courses: Arc<[Listed]>,
    loaded_at: Instant,
    generation: u64,
}

/// The in-memory published catalogue shared by every clone of a [`Store`](crate::Store).
#[derive(Debug)]
pub(crate) struct CatalogueCache {
    snapshot: RwLock<Option<Snapshot>>,
    generation: AtomicU64,
    loading: tokio::sync::Mutex<()>,
    freshness: RwLock<Duration>,
}

impl Default for CatalogueCache {
    fn default() -> Self {
        Self {
            snapshot: RwLock::new(None),
            generation: AtomicU64::new(0),
            loading: tokio::sync::Mutex::new(()),
            freshness: RwLock::new(DEFAULT_FRESHNESS),
        }
    }
}

impl CatalogueCache {
    /// Forgets the snapshot: the next read loads the catalogue again.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The generation: it changes whenever this process changes the catalogue.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Sets how long a snapshot is used (zero: every read loads the catalogue).
    pub(crate) fn set_freshness(&self, freshness: Duration) {
        if let Ok(mut current) = self.freshness.write() {
            *current = freshness;
        }
    }

    fn freshness(&self) -> Duration {
        self.freshness.read().map_or(DEFAULT_FRESHNESS, |f| *f)
    }

    /// The snapshot's courses, when it is of the current generation and fresh.
    fn current(&self) -> Option<Arc<[Listed]>> {
        let generation = self.generation.load(Ordering::SeqCst);
        let freshness = self.freshness();
        let snapshot = self.snapshot.read().ok()?;
        snapshot
            .as_ref()
            .filter(|s| s.generation == generation && s.loaded_at.elapsed() < freshness)
            .map(|s| Arc::clone(&s.courses))
    }

    /// The published courses matching `filter`, loading them with `load` when the snapshot is
    /// stale. `text` must already be trimmed and checked for length.
    pub(crate) async fn published<F, Fut, E>(
        &self,
        filter: &CourseFilter,
        load: F,
    ) -> Result<Vec<Course>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Course>, E>>,
    {
        if let Some(courses) = self.current() {
            return Ok(matching(&courses, filter));
        }
        let _loading = self.loading.lock().await;
        // Another reader may have loaded it while this one waited.
        if let Some(courses) = self.current() {
            return Ok(matching(&courses, filter));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let courses: Arc<[Listed]> = load().await?.into_iter().map(listed).collect();
        if let Ok(mut snapshot) = self.snapshot.write() {
            *snapshot = Some(Snapshot {
                courses: Arc::clone(&courses),
                loaded_at: Instant::now(),
                generation,
            });
        }
        Ok(matching(&courses, filter))
    }
}

fn listed(course: Course) -> Listed {
    Listed {
        title_lower: course.title.to_lowercase(),
        summary_lower: course.summary.to_lowercase(),
        course,
    }
}

/// The courses of `all` (published, ordered by title) that `filter` lists.
fn matching(all: &[Listed], filter: &CourseFilter) -> Vec<Course> {
    let text = filter.text.trim().to_lowercase();
    all.iter()
        .filter(|listed| match filter.price {
            PriceFilter::Any => true,
            PriceFilter::Free => listed.course.price_cents == 0,
            PriceFilter::Paid => listed.course.price_cents > 0,
        })
        .filter(|listed| {
            text.is_empty()
                || listed.title_lower.contains(&text)
                || listed.summary_lower.contains(&text)
        })
        .map(|listed| listed.course.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(title: &str, summary: &str, price_cents: i64) -> Course {
        Course {
            id: uuid::Uuid::now_v7(),
            slug: title.to_lowercase().replace(' ', "-"),
            title: title.to_owned(),
            summary: summary.to_owned(),
            price_cents,
            currency: "CAD".to_owned(),
        }
    }

    fn titles(courses: &[Course]) -> Vec<&str> {
        courses.iter().map(|c| c.title.as_str()).collect()
    }

    #[test]
    fn search_matches_title_or_summary_regardless_of_case_and_price_filters_apply() {
        let all: Vec<Listed> = [
            course("Data Basics", "Start here", 0),
            course("ITIL", "Service management and DATA flows", 49_900),
            course("Safety", "On site", 1_000),
        ]
        .into_iter()
        .map(listed)
        .collect();
        let find = |text: &str, price| {
            let filter = CourseFilter {
                text: text.to_owned(),
                price,
            };
            matching(&all, &filter)
        };
        assert_eq!(
            titles(&find("data", PriceFilter::Any)),
            ["Data Basics", "ITIL"]
        );
        assert_eq!(titles(&find("  DATA ", PriceFilter::Paid)), ["ITIL"]);
        assert_eq!(titles(&find("", PriceFilter::Free)), ["Data Basics"]);
        assert!(find("nothing like it", PriceFilter::Any).is_empty());
    }

    #[tokio::test]
    async fn one_load_serves_reads_until_invalidated() {
        let cache = CatalogueCache::default();
        let loads = AtomicU64::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(vec![course("A", "", 0)])
        };
        let any = CourseFilter::default();
        assert_eq!(cache.published(&any, load).await.map(|c| c.len()), Ok(1));
        assert_eq!(cache.published(&any, load).await.map(|c| c.len()), Ok(1));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        cache.invalidate();
        assert_eq!(cache.published(&any, load).await.map(|c| c.len()), Ok(1));
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        cache.set_freshness(Duration::ZERO);
        assert_eq!(cache.published(&any, load).await.map(|c| c.len()), Ok(1));
        assert_eq!(loads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_load_that_fails_keeps_nothing() {
        let cache = CatalogueCache::default();
        let any = CourseFilter::default();
        let failed = cache
            .published(&any, || async { Err::<Vec<Course>, _>("database away") })
            .await;
        assert_eq!(failed, Err("database away"));
        let loaded = cache
            .published(&any, || async { Ok::<_, &str>(vec![course("A", "", 0)]) })
            .await;
        assert_eq!(loaded.map(|c| c.len()), Ok(1));
    }
}
