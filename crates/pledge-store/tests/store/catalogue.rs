//! The course catalogue on both backends: listing, searching, filtering by price, the
//! refusals that leave the catalogue as it was, and the in-memory catalogue (what it lists is
//! what the database lists; changes made by another instance show within its freshness).

use std::time::Duration;

use pledge_store::{CourseFilter, NewCourse, PriceFilter, Store, StoreError};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::support::{now, on_both};

fn course(slug: &str, title: &str, price_cents: i64) -> NewCourse {
    NewCourse {
        slug: slug.to_owned(),
        title: title.to_owned(),
        summary: format!("About {title}: 100% practical."),
        price_cents,
        currency: "CAD".to_owned(),
        published: true,
    }
}

fn titles(courses: &[pledge_store::Course]) -> Vec<&str> {
    courses.iter().map(|c| c.title.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_catalogue_lists_searches_and_filters_published_courses() {
    on_both(async |store, _, _| {
        store
            .add_course(&course("privacy-basics", "Privacy basics", 0), now())
            .await
            .unwrap();
        store
            .add_course(&course("itil-4", "ITIL 4 Foundation", 49_900), now())
            .await
            .unwrap();
        store
            .add_course(
                &NewCourse {
                    published: false,
                    ..course("draft", "Data draft", 0)
                },
                now(),
            )
            .await
            .unwrap();

        let all = store
            .published_courses(&CourseFilter::default())
            .await
            .unwrap();
        assert_eq!(titles(&all), ["ITIL 4 Foundation", "Privacy basics"]);
        let free = CourseFilter {
            price: PriceFilter::Free,
            ..CourseFilter::default()
        };
        assert_eq!(
            titles(&store.published_courses(&free).await.unwrap()),
            ["Privacy basics"]
        );
        let search = |text: &str| CourseFilter {
            text: text.to_owned(),
            price: PriceFilter::Any,
        };
        assert_eq!(
            titles(&store.published_courses(&search("itil")).await.unwrap()),
            ["ITIL 4 Foundation"],
            "search ignores case"
        );
        assert_eq!(
            titles(&store.published_courses(&search("100%")).await.unwrap()).len(),
            2,
            "a percent sign is matched literally"
        );
        assert!(
            store
                .published_courses(&search("0_p"))
                .await
                .unwrap()
                .is_empty(),
            "an underscore is matched literally"
        );
        assert!(
            store
                .published_courses(&search("draft"))
                .await
                .unwrap()
                .is_empty(),
            "unpublished courses are not listed"
        );
        assert!(matches!(
            store.published_courses(&search(&"x".repeat(101))).await,
            Err(StoreError::Invalid(_))
        ));

        let found = store.course_by_slug("itil-4").await.unwrap().unwrap();
        assert!(!found.is_free());
        assert_eq!(found.price_cents, 49_900);
        assert!(store.course_by_slug("nothing").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_course_leaves_the_catalogue_as_it_was() {
    on_both(async |store, _, _| {
        store
            .add_course(&course("privacy-basics", "Privacy basics", 0), now())
            .await
            .unwrap();
        for bad in [
            course("privacy-basics", "Another", 0),
            course("Bad Slug", "Title", 0),
            course("negative", "Title", -5),
        ] {
            assert!(matches!(
                store.add_course(&bad, now()).await,
                Err(StoreError::Invalid(_))
            ));
        }
        let all = store
            .published_courses(&CourseFilter::default())
            .await
            .unwrap();
        assert_eq!(titles(&all), ["Privacy basics"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_in_memory_catalogue_lists_what_the_database_lists_for_any_search() {
    on_both(async |store, _, _| {
        let catalogue = [
            ("privacy-basics", "Privacy basics", 0),
            ("itil-4", "ITIL 4 Foundation", 49_900),
            ("data-flows", "Data flows_and 50% more", 1_000),
            ("zeta", "zeta lower-case first letter", 0),
            ("a-backslash", "Back\\slash", 0),
        ];
        for (slug, title, price) in catalogue {
            store
                .add_course(&course(slug, title, price), now())
                .await
                .unwrap();
        }
        // Searches built from the letters, digits and wildcards the catalogue's text holds.
        let searches = "[a-zA-Z0-9 %_\\\\-]{0,6}";
        let mut runner = TestRunner::deterministic();
        for _ in 0..150 {
            let text = searches.new_tree(&mut runner).unwrap().current();
            for price in [PriceFilter::Any, PriceFilter::Free, PriceFilter::Paid] {
                let filter = CourseFilter {
                    text: text.clone(),
                    price,
                };
                assert_eq!(
                    store.published_courses(&filter).await.unwrap(),
                    store.query_published_courses(&filter).await.unwrap(),
                    "{filter:?}"
                );
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_course_added_by_another_instance_is_listed_once_the_snapshot_is_stale() {
    on_both(async |store, config, _| {
        let other = Store::open(config).await.unwrap();
        store.set_catalogue_freshness(Duration::from_millis(300));
        assert!(
            store
                .published_courses(&CourseFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        other
            .add_course(&course("privacy-basics", "Privacy basics", 0), now())
            .await
            .unwrap();
        assert!(
            other
                .published_courses(&CourseFilter::default())
                .await
                .unwrap()
                .len()
                == 1,
            "the instance that added it lists it at once"
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        let listed = store
            .published_courses(&CourseFilter::default())
            .await
            .unwrap();
        assert_eq!(titles(&listed), ["Privacy basics"]);
    })
    .await;
}
