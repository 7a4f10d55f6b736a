//! The course catalogue: what anyone may browse before signing in. Nothing here is personal
//! data, so nothing is sealed and reads are not audited; adding courses is a staff action that
//! the portal authorises before it calls [`Store::add_course`].

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Order, Query};
use sea_orm::{ConnectionTrait, QueryResult};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::db;
use crate::{Store, StoreError};

/// A course to add to the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCourse {
    /// Its address (`/courses/{slug}`): lower-case letters, digits and single hyphens.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// What it teaches, in a paragraph.
    pub summary: String,
    /// Its price in the currency's smallest unit (0: free).
    pub price_cents: i64,
    /// An ISO 4217 code, such as `CAD`.
    pub currency: String,
    /// Whether the catalogue lists it.
    pub published: bool,
}

/// A course as the catalogue shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    /// Its id.
    pub id: Uuid,
    /// Its address.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// What it teaches.
    pub summary: String,
    /// Its price in the currency's smallest unit (0: free).
    pub price_cents: i64,
    /// Its price's currency.
    pub currency: String,
}

impl Course {
    /// Whether enrolling costs nothing.
    pub const fn is_free(&self) -> bool {
        self.price_cents == 0
    }
}

/// Which published courses to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourseFilter {
    /// Words the title or summary must contain (case does not matter); blank lists everything.
    pub text: String,
    /// Which prices to list.
    pub price: PriceFilter,
}

/// Which prices a catalogue listing includes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PriceFilter {
    /// Free and paid courses.
    #[default]
    Any,
    /// Free courses only.
    Free,
    /// Paid courses only.
    Paid,
}

/// The longest search text the catalogue accepts.
pub const MAX_SEARCH_LEN: usize = 100;

const COLUMNS: [&str; 6] = ["id", "slug", "title", "summary", "price_cents", "currency"];

pub(crate) fn valid_slug(slug: &str) -> bool {
    (1..=96).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

fn check(course: &NewCourse) -> Result<(), StoreError> {
    if !valid_slug(&course.slug) {
        return Err(StoreError::Invalid(
            "a course's address is 1 to 96 lower-case letters, digits and single hyphens",
        ));
    }
    if course.title.trim().is_empty() || course.title.chars().count() > 200 {
        return Err(StoreError::Invalid(
            "a course's title is 1 to 200 characters",
        ));
    }
    if course.price_cents < 0 {
        return Err(StoreError::Invalid("a course's price cannot be negative"));
    }
    if course.currency.len() != 3 || !course.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(StoreError::Invalid(
            "a currency is a three-letter ISO 4217 code such as CAD",
        ));
    }
    Ok(())
}

fn check_search(filter: &CourseFilter) -> Result<(), StoreError> {
    if filter.text.trim().chars().count() > MAX_SEARCH_LEN {
        return Err(StoreError::Invalid(
            "the search is longer than 100 characters",
        ));
    }
    Ok(())
}

/// `text` as a `LIKE` pattern matching it anywhere, its own wildcards escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn course_of(row: &QueryResult) -> Result<Course, StoreError> {
    let broken = |_| StoreError::Corrupt { what: "course" };
    Ok(Course {
        id: row.try_get_by_index(0).map_err(broken)?,
        slug: row.try_get_by_index(1).map_err(broken)?,
        title: row.try_get_by_index(2).map_err(broken)?,
        summary: row.try_get_by_index(3).map_err(broken)?,
        price_cents: row.try_get_by_index(4).map_err(broken)?,
        currency: row.try_get_by_index(5).map_err(broken)?,
    })
}

impl Store {
    /// A number that changes whenever this process changes the catalogue (adds a course), so
    /// that what was rendered from it can be dropped at once.
    #[must_use]
    pub fn catalogue_generation(&self) -> u64 {
        self.catalogue.generation()
    }

    /// Adds a course to the catalogue and returns its id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a malformed address, title, price or currency, or when
    /// another course has the address already (nothing is written); database failures.
    pub async fn add_course(
        &self,
        course: &NewCourse,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        check(course)?;
        if self.course_by_slug(&course.slug).await?.is_some() {
            return Err(StoreError::Invalid("another course has this address"));
        }
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("course")
            .columns(COLUMNS.into_iter().chain(["published", "created_at"]))
            .values([
                id.into(),
                course.slug.clone().into(),
                course.title.trim().to_owned().into(),
                course.summary.trim().to_owned().into(),
                course.price_cents.into(),
                course.currency.clone().into(),
                course.published.into(),
                now.into(),
            ])
            .map_err(|_| StoreError::Invalid("course values"))?;
        if let Err(err) = self.db.execute(&insert).await {
            // Another writer may have taken the address since the check: the unique index
            // refused the row, and the caller hears why.
            if self.course_by_slug(&course.slug).await?.is_some() {
                return Err(StoreError::Invalid("another course has this address"));
            }
            return Err(db("add a course")(err));
        }
        self.catalogue.invalidate();
        Ok(id)
    }

    /// The published courses that match `filter`, by title (in code-point order, on either
    /// backend). They come from the store's in-memory snapshot of the catalogue: a course
    /// added through this store is listed at once, a change made elsewhere within
    /// [`crate::CATALOGUE_FRESHNESS`].
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a search text over [`MAX_SEARCH_LEN`] characters; database
    /// failures.
    pub async fn published_courses(
        &self,
        filter: &CourseFilter,
    ) -> Result<Vec<Course>, StoreError> {
        check_search(filter)?;
        let everything = CourseFilter::default();
        self.catalogue
            .published(filter, || self.query_published_courses(&everything))
            .await
    }

    /// How long the in-memory catalogue is used before it is read again (zero: read on every
    /// listing). Shared by every clone of this store.
    pub fn set_catalogue_freshness(&self, freshness: std::time::Duration) {
        self.catalogue.set_freshness(freshness);
    }

    /// The published courses that match `filter`, asked of the database itself (what the
    /// in-memory catalogue is loaded from, and checked against).
    ///
    /// # Errors
    /// As [`Store::published_courses`].
    pub async fn query_published_courses(
        &self,
        filter: &CourseFilter,
    ) -> Result<Vec<Course>, StoreError> {
        check_search(filter)?;
        let text = filter.text.trim();
        let mut select = Query::select();
        select
            .columns(COLUMNS)
            .from("course")
            .and_where(Expr::col("published").eq(true))
            .order_by("title", Order::Asc);
        match filter.price {
            PriceFilter::Any => {}
            PriceFilter::Free => {
                select.and_where(Expr::col("price_cents").eq(0));
            }
            PriceFilter::Paid => {
                select.and_where(Expr::col("price_cents").gt(0));
            }
        }
        if !text.is_empty() {
            let pattern = contains_pattern(text);
            let like = |column: &'static str| {
                Expr::expr(Func::lower(Expr::col(column)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))
            };
            select.and_where(like("title").or(like("summary")));
        }
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("list the catalogue"))?;
        let mut courses = rows.iter().map(course_of).collect::<Result<Vec<_>, _>>()?;
        // The same order on both backends, whatever PostgreSQL's collation.
        courses.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.slug.cmp(&b.slug)));
        Ok(courses)
    }

    /// The course with `id`, published or not.
    ///
    /// # Errors
    /// Database failures.
    pub async fn course_by_id(&self, id: Uuid) -> Result<Option<Course>, StoreError> {
        self.course_where(Expr::col("id").eq(id)).await
    }

    /// The course at `slug`, published or not.
    ///
    /// # Errors
    /// Database failures.
    pub async fn course_by_slug(&self, slug: &str) -> Result<Option<Course>, StoreError> {
        self.course_where(Expr::col("slug").eq(slug)).await
    }

    async fn course_where(
        &self,
        condition: sea_orm::sea_query::SimpleExpr,
    ) -> Result<Option<Course>, StoreError> {
        let mut select = Query::select();
        select.columns(COLUMNS).from("course").and_where(condition);
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a course"))?;
        row.as_ref().map(course_of).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::{NewCourse, check, contains_pattern, valid_slug};

    #[test]
    fn addresses_are_lower_case_words_joined_by_single_hyphens() {
        for good in ["gdpr-basics", "a", "itil4-foundation"] {
            assert!(valid_slug(good), "{good}");
        }
        for bad in ["", "GDPR", "-a", "a-", "a--b", "a b", "é", &"a".repeat(97)] {
            assert!(!valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn a_course_needs_a_title_a_price_and_a_currency() {
        let good = NewCourse {
            slug: "gdpr-basics".into(),
            title: "GDPR basics".into(),
            summary: String::new(),
            price_cents: 0,
            currency: "CAD".into(),
            published: true,
        };
        assert!(check(&good).is_ok());
        for bad in [
            NewCourse {
                title: "  ".into(),
                ..good.clone()
            },
            NewCourse {
                price_cents: -1,
                ..good.clone()
            },
            NewCourse {
                currency: "cad".into(),
                ..good.clone()
            },
            NewCourse {
                currency: "CADX".into(),
                ..good.clone()
            },
        ] {
            assert!(check(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern("Data"), "%data%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
