//! The access and portability export: a ZIP with JSON and CSV per module, an index and a
//! manifest whose hashes match, on both backends.

use std::io::{Cursor, Read};

use pledge_domain::PurposeId;
use pledge_policy::model::RightKind;
use pledge_store::{NewPerson, StoreError};
use sha2::{Digest, Sha256};

use crate::support::{now, on_both};

fn file(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} missing"))
        .read_to_end(&mut bytes)
        .expect("read");
    bytes
}

/// K20, J35, W53: a person's export holds every module as JSON and CSV, a readable index, who
/// used their data and why (K30), and a manifest whose hashes prove the files; spreadsheet
/// formulas in their data are neutralised in the CSV.
#[tokio::test(flavor = "multi_thread")]
async fn k20_j35_w53_the_export_is_a_complete_verifiable_zip() {
    let kexara = pledge_policy::packs::load_pack("kexara").unwrap();
    on_both(async |store, _, _| {
        let actor = store.audit().service("privacy-office");
        let person = NewPerson {
            display_name: "=HYPERLINK(\"http://evil.example\")<b>".into(),
            email: "eve@example.org".into(),
            date_of_birth: Some(time::macros::date!(1985 - 04 - 01)),
        };
        let id = store.create_person(&person, actor, now()).await.unwrap();
        store
            .read_person(
                id,
                actor,
                PurposeId::new("customer-support").unwrap(),
                now(),
            )
            .await
            .unwrap();
        store
            .open_request(id, RightKind::Access, &kexara, now(), actor)
            .await
            .unwrap();
        let bytes = store.export_bundle(id, actor, now()).await.unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP");

        let manifest: serde_json::Value =
            serde_json::from_slice(&file(&mut zip, "manifest.json")).unwrap();
        assert_eq!(manifest["format"], "pledge-export/1");
        let listed = manifest["files"].as_array().unwrap();
        let names: Vec<&str> = listed.iter().map(|f| f["name"].as_str().unwrap()).collect();
        for name in [
            "person.json",
            "person.csv",
            "subject_request.json",
            "subject_request.csv",
            "accesses.json",
            "disclosure.json",
            "accesses.csv",
            "index.html",
        ] {
            assert!(names.contains(&name), "{name} not in the manifest");
        }
        for entry in listed {
            let content = file(&mut zip, entry["name"].as_str().unwrap());
            let digest: String = Sha256::digest(&content)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                entry["sha256"].as_str().unwrap(),
                digest,
                "{}",
                entry["name"]
            );
            assert_eq!(entry["bytes"].as_u64().unwrap(), content.len() as u64);
        }

        let profile: serde_json::Value =
            serde_json::from_slice(&file(&mut zip, "person.json")).unwrap();
        assert_eq!(profile[0]["email"], "eve@example.org");
        assert_eq!(profile[0]["date_of_birth"], "1985-04-01");
        let csv = String::from_utf8(file(&mut zip, "person.csv")).unwrap();
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        let index = String::from_utf8(file(&mut zip, "index.html")).unwrap();
        assert!(
            index.contains("href=\"person.csv\"") && index.contains("href=\"accesses.json\""),
            "the index links each module's files: {index}"
        );
        assert!(
            index.contains("&lt;b&gt;") && !index.contains("<b>"),
            "the index must escape data"
        );
        let accesses: serde_json::Value =
            serde_json::from_slice(&file(&mut zip, "accesses.json")).unwrap();
        let actions: Vec<&str> = accesses
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.contains(&"read") && actions.contains(&"export"),
            "{actions:?}"
        );
        let requests: serde_json::Value =
            serde_json::from_slice(&file(&mut zip, "subject_request.json")).unwrap();
        assert_eq!(requests[0]["kind"], "access");

        store
            .erase_person(id, &crate::support::kexara(), actor, now())
            .await
            .unwrap();
        assert!(matches!(
            store.export_bundle(id, actor, now()).await,
            Err(StoreError::Erased(_))
        ));
    })
    .await;
}
