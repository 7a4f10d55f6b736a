//! The access and portability export (K20, J35): one ZIP holding, for every table of the store
//! with rows about people (from [`crate::declared`]), the person's data as JSON and as CSV; an
//! `index.html` to read in a browser, with a section per module (what it is, how many records,
//! links to its files, and its first rows as a table); and a `manifest.json` with each file's
//! fields, size and SHA-256.
//!
//! CSV cells that a spreadsheet would run as formulas (`=`, `+`, `-`, `@`, tab, carriage
//! return) are prefixed with `'` (OWASP ASVS 1.2.10), so an export cannot attack its reader.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use pledge_audit::ActorKey;
use pledge_domain::PersonId;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::audit::decode_about;
use crate::declared;
use crate::records::{self, timestamp};
use crate::{Store, StoreError};

/// The export format's name and version, written in the manifest.
pub const EXPORT_FORMAT: &str = "pledge-export/1";

/// How hard the ZIP's deflate works: the fastest level, since an export is made on demand
/// while someone waits, and JSON and CSV compress well even so.
const DEFLATE_LEVEL: i64 = 1;

/// One module's part of an export: its field names and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleExport {
    /// The module's name, which names its files (`person.json`, `person.csv`).
    pub module: &'static str,
    /// What the module holds, for the index.
    pub title: &'static str,
    /// The fields, in column order.
    pub fields: Vec<&'static str>,
    /// One value per field for each row, in field order.
    pub rows: Vec<Vec<Value>>,
}

impl ModuleExport {
    /// The rows as JSON objects keyed by field, in field order.
    fn objects(&self) -> Objects<'_> {
        Objects(self)
    }
}

/// A module's rows serialised as an array of objects without building the objects.
struct Objects<'a>(&'a ModuleExport);

/// One row serialised as an object.
struct Object<'a>(&'a [&'static str], &'a [Value]);

impl Serialize for Objects<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.rows.len()))?;
        for row in &self.0.rows {
            seq.serialize_element(&Object(&self.0.fields, row))?;
        }
        seq.end()
    }
}

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, value) in self.0.iter().zip(self.1) {
            map.serialize_entry(field, value)?;
        }
        map.end()
    }
}

/// Whether a spreadsheet would evaluate `cell` as a formula.
fn needs_neutralising(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Text for a CSV cell that no spreadsheet will evaluate.
pub fn neutralise(cell: &str) -> String {
    if needs_neutralising(cell) {
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

fn csv_of(module: &ModuleExport) -> Result<Vec<u8>, StoreError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let corrupt = |_| StoreError::Corrupt { what: "CSV export" };
    writer.write_record(&module.fields).map_err(corrupt)?;
    for row in &module.rows {
        for value in row {
            match value {
                Value::String(s) if !needs_neutralising(s) => writer.write_field(s),
                other => writer.write_field(neutralise(&text(other))),
            }
            .map_err(corrupt)?;
        }
        writer.write_record(None::<&[u8]>).map_err(corrupt)?;
    }
    writer
        .into_inner()
        .map_err(|_| StoreError::Corrupt { what: "CSV export" })
}

const PAGE_HEAD: &str =
    "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>";
const PAGE_BODY: &str = "</title></head>\n<body>\n";
const PAGE_TAIL: &str = "</body>\n</html>\n";

fn esc(html: &mut String, text: &str) {
    html_escape::encode_text_to_string(text, html);
}

/// Rows of a module shown in `index.html`; all of them are in its CSV and JSON files.
const PREVIEW_ROWS: usize = 100;

/// `index.html`: who the export is about, when it was made, and each module's section.
fn index_page(person: PersonId, generated: &str, modules: &[(usize, Summary)]) -> String {
    let mut html =
        format!("{PAGE_HEAD}Your data{PAGE_BODY}<h1>Your data</h1>\n<p>Everything we hold about ");
    esc(&mut html, &person.to_string());
    html.push_str(" on ");
    esc(&mut html, generated);
    html.push_str(
        ". Each section says how many records there are and shows the first ones; every \
         record is in the section's CSV file (for a spreadsheet) and JSON file (for another \
         service).</p>\n",
    );
    for (_, summary) in modules {
        html.push_str(&summary.section);
    }
    html.push_str(PAGE_TAIL);
    html
}

/// A module's section of the index: title, record count, links, and its first rows.
fn section_of(module: &ModuleExport) -> String {
    let shown = module.rows.len().min(PREVIEW_ROWS);
    let mut html = String::with_capacity(48 * (shown + 2) * (module.fields.len() + 1));
    let name = module.module;
    html.push_str("<h2>");
    esc(&mut html, module.title);
    let _ = write!(
        html,
        "</h2>\n<p>{} record{}; files: <a href=\"{name}.csv\">{name}.csv</a>, \
         <a href=\"{name}.json\">{name}.json</a>",
        module.rows.len(),
        if module.rows.len() == 1 { "" } else { "s" },
    );
    if shown < module.rows.len() {
        let _ = write!(html, ". The first {shown} are shown here");
    }
    html.push_str(".</p>\n");
    if shown == 0 {
        return html;
    }
    html.push_str("<table>\n<tr>");
    for field in &module.fields {
        html.push_str("<th>");
        esc(&mut html, field);
        html.push_str("</th>");
    }
    html.push_str("</tr>\n");
    for row in module.rows.iter().take(shown) {
        html.push_str("<tr>");
        for value in row {
            html.push_str("<td>");
            match value {
                Value::Null => {}
                Value::String(s) => esc(&mut html, s),
                other => esc(&mut html, &other.to_string()),
            }
            html.push_str("</td>");
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// A module's part of the index, made by the worker that packed the module.
struct Summary {
    section: String,
}

/// One file of the ZIP, with what the manifest says about it.
struct ExportFile {
    name: String,
    bytes: Vec<u8>,
    module: &'static str,
    fields: Vec<&'static str>,
}

impl ExportFile {
    /// The file's line in the manifest.
    fn listing(&self) -> Value {
        json!({
            "name": self.name,
            "module": self.module,
            "fields": self.fields,
            "bytes": self.bytes.len(),
            "sha256": sha256_hex(&self.bytes),
        })
    }
}

/// A module's JSON and CSV files.
fn files_of(module: &ModuleExport) -> Result<[ExportFile; 2], StoreError> {
    let json = serde_json::to_vec_pretty(&module.objects()).map_err(|_| StoreError::Corrupt {
        what: "JSON export",
    })?;
    Ok([
        ExportFile {
            name: format!("{}.json", module.module),
            bytes: json,
            module: module.module,
            fields: module.fields.clone(),
        },
        ExportFile {
            name: format!("{}.csv", module.module),
            bytes: csv_of(module)?,
            module: module.module,
            fields: module.fields.clone(),
        },
    ])
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn zip_broken<E>(_: E) -> StoreError {
    StoreError::Corrupt { what: "ZIP export" }
}

fn add_file(zip: &mut ZipWriter<Cursor<Vec<u8>>>, file: &ExportFile) -> Result<(), StoreError> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL));
    zip.start_file(file.name.as_str(), options)
        .map_err(zip_broken)?;
    zip.write_all(&file.bytes).map_err(zip_broken)
}

/// Makes a module: decodes its rows (the part worth doing on another thread).
type ModuleJob<'a> = Box<dyn FnOnce() -> Result<ModuleExport, StoreError> + Send + 'a>;

/// What one worker packed: a ZIP of its modules' files, their manifest lines and their
/// lines of the index, each tagged with the module's position in the export.
struct PackedPart {
    zip: Vec<u8>,
    listed: Vec<(usize, Value)>,
    summaries: Vec<(usize, Summary)>,
}

fn pack_part<'a>(
    jobs: impl IntoIterator<Item = (usize, ModuleJob<'a>)>,
) -> Result<PackedPart, StoreError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut listed = Vec::new();
    let mut summaries = Vec::new();
    for (position, job) in jobs {
        let module = job()?;
        for file in files_of(&module)? {
            listed.push((position, file.listing()));
            add_file(&mut zip, &file)?;
        }
        summaries.push((
            position,
            Summary {
                section: section_of(&module),
            },
        ));
    }
    Ok(PackedPart {
        zip: zip.finish().map_err(zip_broken)?.into_inner(),
        listed,
        summaries,
    })
}

/// A thread that packs the modules it is sent while the next ones are still being read.
struct Packer {
    jobs: std::sync::mpsc::Sender<(usize, ModuleJob<'static>)>,
    done: tokio::sync::oneshot::Receiver<Result<PackedPart, StoreError>>,
    /// Rows sent so far, to share the work out.
    load: usize,
}

fn worker_lost() -> StoreError {
    StoreError::Corrupt {
        what: "export worker",
    }
}

impl Packer {
    fn start() -> Result<Self, StoreError> {
        let (jobs, inbox) = std::sync::mpsc::channel();
        let (report, done) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("pledge-export".to_owned())
            .spawn(move || {
                let _ = report.send(pack_part(inbox));
            })
            .map_err(|_| worker_lost())?;
        Ok(Self {
            jobs,
            done,
            load: 0,
        })
    }

    /// Hands a module over; a worker that stopped (after a failure) reports why in
    /// [`Self::finish`], so a refused send is not an error here.
    fn send(&mut self, position: usize, size: usize, job: ModuleJob<'static>) {
        self.load += size;
        let _ = self.jobs.send((position, job));
    }

    async fn finish(self) -> Result<PackedPart, StoreError> {
        drop(self.jobs);
        self.done.await.map_err(|_| worker_lost())?
    }
}

/// The ZIP from packed parts: their files merged, then the index and the manifest.
fn finish_zip(
    person: PersonId,
    generated_at: OffsetDateTime,
    parts: Vec<PackedPart>,
) -> Result<Vec<u8>, StoreError> {
    let generated = timestamp(generated_at)?;
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut listed = Vec::new();
    let mut summaries = Vec::new();
    for part in parts {
        let archive = ZipArchive::new(Cursor::new(part.zip)).map_err(zip_broken)?;
        zip.merge_archive(archive).map_err(zip_broken)?;
        listed.extend(part.listed);
        summaries.extend(part.summaries);
    }
    // The manifest and the index list modules in the export's order (a stable sort keeps each
    // module's files in the order they were made).
    listed.sort_by_key(|(position, _)| *position);
    summaries.sort_by_key(|(position, _)| *position);
    let index = ExportFile {
        name: "index.html".to_owned(),
        bytes: index_page(person, &generated, &summaries).into_bytes(),
        module: "index",
        fields: Vec::new(),
    };
    add_file(&mut zip, &index)?;
    let mut files: Vec<Value> = listed.into_iter().map(|(_, line)| line).collect();
    files.push(index.listing());
    let manifest = json!({
        "format": EXPORT_FORMAT,
        "person": person.to_string(),
        "generated_at": generated,
        "files": files,
    });
    let manifest = ExportFile {
        name: "manifest.json".to_owned(),
        bytes: serde_json::to_vec_pretty(&manifest)
            .map_err(|_| StoreError::Corrupt { what: "manifest" })?,
        module: "manifest",
        fields: Vec::new(),
    };
    add_file(&mut zip, &manifest)?;
    Ok(zip.finish().map_err(zip_broken)?.into_inner())
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
    let jobs = modules.iter().enumerate().map(|(position, module)| {
        let job: ModuleJob<'_> = Box::new(move || Ok(module.clone()));
        (position, job)
    });
    finish_zip(person, generated_at, vec![pack_part(jobs)?])
}

/// The "who used your data" rows of an export: one per audit entry about the person.
fn access_rows(
    entries: &[(pledge_audit::Record, pledge_audit::Entry)],
) -> Result<Vec<Vec<Value>>, StoreError> {
    entries
        .iter()
        .map(|(_, entry)| {
            let event = &entry.event;
            let categories: Vec<&str> = event.categories.iter().map(|c| c.as_str()).collect();
            Ok(vec![
                Value::String(timestamp(entry.at)?),
                Value::String(event.action.as_str().to_owned()),
                Value::String(event.actor.to_string()),
                event
                    .purpose
                    .as_ref()
                    .map_or(Value::Null, |p| Value::String(p.to_string())),
                Value::String(categories.join(", ")),
            ])
        })
        .collect()
}

impl Store {
    /// The access and portability export of `person`: every module's data as a ZIP. The
    /// export itself is written to the audit log.
    ///
    /// The rows are read one query per table on the store's connection; each table, as soon
    /// as it is read, goes to one of two worker threads that decode it (opening sealed
    /// columns), write its files and compress them while the next table is read.
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
        let mut packers = [Packer::start()?, Packer::start()?];
        let mut dispatch = |position: usize, size: usize, job: ModuleJob<'static>| {
            let [a, b] = &mut packers;
            let idle = if a.load <= b.load { a } else { b };
            idle.send(position, size, job);
        };
        // The history first: it is usually the largest module, and is decoded while the
        // tables are read. It comes last in the export.
        let tables: Vec<&'static declared::TableDeclaration> = declared::owned_tables().collect();
        let subject = self.audit.subject(person);
        let history = self.audit.rows_about(&self.db, subject).await?;
        dispatch(
            tables.len(),
            history.len(),
            Box::new(move || {
                Ok(ModuleExport {
                    module: "accesses",
                    title: "Who used your data, when and why",
                    fields: vec!["at", "action", "by", "purpose", "data"],
                    rows: access_rows(&decode_about(history, subject)?)?,
                })
            }),
        );
        for (position, table) in tables.into_iter().enumerate() {
            let rows = self.rows_of(table, person).await?;
            let key = key.clone();
            dispatch(
                position,
                rows.len(),
                Box::new(move || {
                    Ok(ModuleExport {
                        module: table.table,
                        title: table.title,
                        fields: records::export_fields(table),
                        rows: records::decode_records(table, person, key.as_ref(), &rows)?,
                    })
                }),
            );
        }
        let [a, b] = packers;
        let parts = vec![a.finish().await?, b.finish().await?];
        finish_zip(person, now, parts)
    }
}

#[cfg(test)]
mod tests {
    use super::{ModuleExport, PREVIEW_ROWS, neutralise, section_of};
    use serde_json::json;

    #[test]
    fn a_long_module_shows_its_first_rows_and_says_where_the_rest_are() {
        let module = ModuleExport {
            module: "comment",
            title: "Comments",
            fields: vec!["body"],
            rows: (0..150).map(|n| vec![json!(format!("c{n}"))]).collect(),
        };
        let section = section_of(&module);
        assert!(section.contains("150 records"), "{section}");
        assert!(
            section.contains("The first 100 are shown here"),
            "{section}"
        );
        assert!(section.contains("href=\"comment.csv\""));
        assert_eq!(section.matches("<tr>").count(), PREVIEW_ROWS + 1);
        let empty = section_of(&ModuleExport {
            rows: Vec::new(),
            ..module
        });
        assert!(
            empty.contains("0 records") && !empty.contains("<table>"),
            "{empty}"
        );
    }

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(neutralise("Ada"), "Ada");
        assert_eq!(neutralise(""), "");
    }
}
