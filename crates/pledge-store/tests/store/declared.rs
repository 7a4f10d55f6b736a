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
                .chain(t.other.iter().map(|(c, _, _)| *c))
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

/// The modules each pack switches on: a module is on only when the pack claims all of its
/// personal data (Kexara has no survey category, Westmontera no tours, JTEC neither tours nor
/// payments), and no pack claims part of a module or a column the store does not have.
#[test]
fn w45_j32_k32_every_pack_claims_whole_modules_and_only_real_columns() {
    let all: BTreeSet<&str> = declared::TABLES.iter().map(|t| t.module).collect();
    let expected_off = [
        ("kexara", vec!["surveys"]),
        ("westmontera", vec!["tours"]),
        ("jtec", vec!["payments", "tours"]),
    ];
    for (name, off) in expected_off {
        let policy = pledge_policy::packs::find(name)
            .expect("pack")
            .load()
            .expect("loads");
        assert_eq!(
            declared::claim_problems(&policy),
            Vec::<String>::new(),
            "{name}"
        );
        let on = declared::enabled_modules(&policy);
        let missing: Vec<&str> = all.iter().copied().filter(|m| !on.contains(m)).collect();
        assert_eq!(missing, off, "{name}");
        for required in declared::REQUIRED_MODULES {
            assert!(on.contains(required), "{name} must enable {required}");
        }
    }
}

#[test]
fn a_pack_that_claims_part_of_a_module_is_refused() {
    let kexara = pledge_policy::packs::find("kexara").expect("pack");
    let text = kexara.text.replace("\"ticket_message.body\", ", "");
    let policy = pledge_policy::load("kexara.toml", &text).expect("still a valid policy");
    let problems = declared::claim_problems(&policy);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("module support") && problems[0].contains("ticket_message.body"));
    assert!(!declared::enabled_modules(&policy).contains("support"));
}

/// W04, W05, W06, W09, W13, K02, K03, K06, K07, K08, K09: each category these promises name is
/// kept only in store tables and columns the store declares, and its personal columns are
/// sealed (the claims resolve to declared sealed columns or tables about people).
#[test]
fn w04_w05_w06_w09_w13_k02_k03_k06_k07_k08_k09_categories_live_in_declared_storage() {
    let cases = [
        ("westmontera", "account-profile"),
        ("westmontera", "date-of-birth"),
        ("westmontera", "account-credentials"),
        ("westmontera", "learning-progress"),
        ("westmontera", "course-interactions"),
        ("westmontera", "technical-data"),
        ("kexara", "contact-details"),
        ("kexara", "billing"),
        ("kexara", "learning-progress"),
        ("kexara", "communication-preferences"),
        ("kexara", "device-data"),
    ];
    let known: BTreeSet<String> = declared::TABLES
        .iter()
        .flat_map(declared::claims_of)
        .collect();
    for (pack, category) in cases {
        let policy = pledge_policy::packs::find(pack)
            .expect("pack")
            .load()
            .expect("loads");
        let claims = &policy
            .policy()
            .categories
            .iter()
            .find(|c| c.id.as_str() == category)
            .expect("category")
            .stored_in;
        assert!(!claims.is_empty(), "{pack}: {category} is stored nowhere");
        for claim in claims {
            assert!(known.contains(claim), "{pack}: {category} claims {claim}");
            if let Some((table, column)) = claim.split_once('.') {
                let table = declared::table(Database::Main, table).expect("declared");
                assert!(table.personal.contains(&column), "{claim} is sealed");
            }
        }
    }
}
