//! The course catalogue on both backends: listing, searching, filtering by price, and the
//! refusals that leave the catalogue as it was.

use pledge_store::{CourseFilter, NewCourse, PriceFilter, StoreError};

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
