//! Declared personal data: the live schema on both backends and every policy pack agree with
//! the store's declarations, so an undeclared table or column fails the build.

use std::collections::BTreeSet;

use pledge_store::declared::{self, Database};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::on_both;

async fn columns(db: &impl ConnectionTrait) -> BTreeSet<(String, String)> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public'"
        }
        _ => {
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("schema query")
        .into_iter()
        .map(|row| {
            let table: String = row.try_get("", "table_name").expect("table");
            let column: String = row.try_get("", "column_name").expect("column");
            (table, column)
        })
        .collect()
}

fn declared_columns(database: Database) -> BTreeSet<(String, String)> {
    declared::TABLES
        .iter()
        .filter(|t| t.database == database)
        .flat_map(|t| {
            t.personal
                .iter()
                .copied()
                .chain(t.other.iter().map(|(c, _)| *c))
                .map(move |c| (t.table.to_owned(), c.to_owned()))
        })
        .collect()
}

/// W45, J32, K32: data is only kept under a declared category with a purpose and a retention
/// rule; a table or column nobody declared fails this test.
#[tokio::test(flavor = "multi_thread")]
async fn w45_j32_k32_every_table_and_column_in_the_schema_is_declared() {
    on_both(async |store, _, _| {
        let main = columns(store.connection()).await;
        assert_eq!(
            main,
            declared_columns(Database::Main),
            "main database vs declarations"
        );
        let keys = columns(store.keys().connection()).await;
        assert_eq!(
            keys,
            declared_columns(Database::KeyStore),
            "key store vs declarations"
        );
    })
    .await;
}

#[test]
fn every_personal_column_is_claimed_by_a_category_of_every_pack() {
    for pack in pledge_policy::packs::ALL {
        let policy = pack.load().expect("pack loads");
        assert_eq!(
            declared::unclaimed_columns(&policy),
            Vec::<String>::new(),
            "{}",
            pack.name
        );
        assert_eq!(
            declared::unknown_claims(&policy),
            Vec::<String>::new(),
            "{}",
            pack.name
        );
    }
}
