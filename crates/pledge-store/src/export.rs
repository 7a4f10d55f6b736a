//! The access and portability export (K20, J35): one ZIP holding, for every table of the store
//! with rows about people (from [`crate::declared`]), the person's data as JSON and as CSV, a human-readable `index.html`, and a
//! `manifest.json` with each file's fields, size and SHA-256.
//!
//! CSV cells that a spreadsheet would run as formulas (`=`, `+`, `-`, `@`, tab, carriage
//! return) are prefixed with `'` (OWASP ASVS 1.2.10), so an export cannot attack its reader.

use std::io::{Cursor, Write as _};

use pledge_audit::{ActorKey, Query};
use pledge_domain::PersonId;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::declared;
use crate::records;
use crate::{Store, StoreError};

/// The export format's name and version, written in the manifest.
pub const EXPORT_FORMAT: &str = "pledge-export/1";

/// One module's part of an export: its field names and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleExport {
    /// The module's name, which names its files (`person.json`, `person.csv`).
    pub module: &'static str,
    /// What the module holds, for the index.
    pub title: &'static str,
    /// The fields, in column order.
    pub fields: Vec<&'static str>,
    /// One object per row, keyed by field.
    pub rows: Vec<Map<String, Value>>,
}

/// Text for a CSV cell that no spreadsheet will evaluate.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn timestamp(at: OffsetDateTime) -> Result<String, StoreError> {
    at.format(&Rfc3339)
        .map_err(|_| StoreError::Corrupt { what: "timestamp" })
}

fn csv_of(module: &ModuleExport) -> Result<Vec<u8>, StoreError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let corrupt = |_| StoreError::Corrupt { what: "CSV export" };
    writer.write_record(&module.fields).map_err(corrupt)?;
    for row in &module.rows {
        let cells: Vec<String> = module
            .fields
            .iter()
            .map(|f| neutralise(&text(row.get(*f).unwrap_or(&Value::Null))))
            .collect();
        writer.write_record(&cells).map_err(corrupt)?;
    }
    writer
        .into_inner()
        .map_err(|_| StoreError::Corrupt { what: "CSV export" })
}

fn index_of(person: PersonId, generated: &str, modules: &[ModuleExport]) -> String {
    let esc = |s: &str| html_escape::encode_text(s).into_owned();
    let mut html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Your data</title></head>\n<body>\n\
         <h1>Your data</h1>\n<p>Everything we hold about {} on {}.</p>\n",
        esc(&person.to_string()),
        esc(generated)
    );
    for module in modules {
        html.push_str(&format!("<h2>{}</h2>\n<table>\n<tr>", esc(module.title)));
        for field in &module.fields {
            html.push_str(&format!("<th>{}</th>", esc(field)));
        }
        html.push_str("</tr>\n");
        for row in &module.rows {
            html.push_str("<tr>");
            for field in &module.fields {
                html.push_str(&format!(
                    "<td>{}</td>",
                    esc(&text(row.get(*field).unwrap_or(&Value::Null)))
                ));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// Packs `modules` into the export ZIP.
///
/// # Errors
/// Only when a value cannot be written (never for well-formed modules).
pub fn bundle(
    person: PersonId,
    generated_at: OffsetDateTime,
    modules: &[ModuleExport],
) -> Result<Vec<u8>, StoreError> {
    let generated = timestamp(generated_at)?;
    let mut files: Vec<(String, Vec<u8>, &'static str, Vec<&'static str>)> = Vec::new();
    for module in modules {
        let json = serde_json::to_vec_pretty(&module.rows).map_err(|_| StoreError::Corrupt {
            what: "JSON export",
        })?;
        files.push((
            format!("{}.json", module.module),
            json,
            module.module,
            module.fields.clone(),
        ));
        files.push((
            format!("{}.csv", module.module),
            csv_of(module)?,
            module.module,
            module.fields.clone(),
        ));
    }
    files.push((
        "index.html".to_owned(),
        index_of(person, &generated, modules).into_bytes(),
        "index",
        Vec::new(),
    ));
    let listed: Vec<Value> = files
        .iter()
        .map(|(name, bytes, module, fields)| {
            let digest: [u8; 32] = Sha256::digest(bytes).into();
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            json!({ "name": name, "module": module, "fields": fields, "bytes": bytes.len(), "sha256": hex })
        })
        .collect();
    let manifest = json!({
        "format": EXPORT_FORMAT,
        "person": person.to_string(),
        "generated_at": generated,
        "files": listed,
    });
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|_| StoreError::Corrupt { what: "manifest" })?;
    files.push(("manifest.json".to_owned(), manifest, "manifest", Vec::new()));

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let broken = |_| StoreError::Corrupt { what: "ZIP export" };
    for (name, bytes, _, _) in &files {
        zip.start_file(name.as_str(), options).map_err(broken)?;
        zip.write_all(bytes)
            .map_err(|_| StoreError::Corrupt { what: "ZIP export" })?;
    }
    Ok(zip.finish().map_err(broken)?.into_inner())
}

impl Store {
    /// The access and portability export of `person`: every module's data as a ZIP. The
    /// export itself is written to the audit log.
    ///
    /// # Errors
    /// [`StoreError::PersonNotFound`], [`StoreError::Erased`], or failures.
    pub async fn export_bundle(
        &self,
        person: PersonId,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, StoreError> {
        self.export_person(person, actor, now).await?;
        let key = self.keys.get(person).await?;
        let mut modules = Vec::new();
        for table in declared::owned_tables() {
            modules.push(ModuleExport {
                module: table.table,
                title: table.title,
                fields: records::export_fields(table),
                rows: self.records_of(table, person, key.as_ref()).await?,
            });
        }
        let records = self.audit.records(&self.db).await?;
        let mut accesses = Vec::new();
        let about = Query {
            subject: Some(self.audit.subject(person)),
            ..Query::default()
        };
        for logged in about.run(&records)? {
            let event = &logged.entry.event;
            let mut row = Map::new();
            row.insert("at".into(), json!(timestamp(logged.entry.at)?));
            row.insert(
                "action".into(),
                json!(format!("{:?}", event.action).to_lowercase()),
            );
            row.insert("by".into(), json!(event.actor.to_string()));
            row.insert(
                "purpose".into(),
                json!(event.purpose.as_ref().map(ToString::to_string)),
            );
            let categories: Vec<String> =
                event.categories.iter().map(ToString::to_string).collect();
            row.insert("data".into(), json!(categories.join(", ")));
            accesses.push(row);
        }
        modules.push(ModuleExport {
            module: "accesses",
            title: "Who used your data, when and why",
            fields: vec!["at", "action", "by", "purpose", "data"],
            rows: accesses,
        });
        bundle(person, now, &modules)
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(neutralise("Ada"), "Ada");
        assert_eq!(neutralise(""), "");
    }
}
