//! The access and portability export (K20, J35): one ZIP holding, for every table of the store
//! with rows about people (from [`crate::declared`]), the person's data as JSON and as CSV; an
//! `index.html` to read in a browser, with a section per module (what it is, how many records,
//! links to its files, and its first rows as a table); and a `manifest.json` with each file's
//! fields, size and SHA-256.
//!
//! Each module's JSON file is an array of objects, one object a line, so that it reads well in
//! a text editor and loads in any JSON parser. Rows are written into both files (and the
//! index) as they are decoded; no row is kept as a tree of values.
//!
//! CSV cells that a spreadsheet would run as formulas (`=`, `+`, `-`, `@`, tab, carriage
//! return) are prefixed with `'` (OWASP ASVS 1.2.10), so an export cannot attack its reader.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use pledge_audit::{ActorKey, SubjectKey};
use pledge_domain::PersonId;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::audit::entry_about;
use crate::declared;
use crate::records::{self, Datum, timestamp};
use crate::{Store, StoreError};

/// The export format's name and version, written in the manifest.
pub const EXPORT_FORMAT: &str = "pledge-export/1";

/// How hard the ZIP's deflate works: the fastest level, since an export is made on demand
/// while someone waits, and JSON and CSV compress well even so.
const DEFLATE_LEVEL: i64 = 1;

/// Rows of a module shown in `index.html`; all of them are in its CSV and JSON files.
const PREVIEW_ROWS: usize = 100;

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

/// The text form of `datum` (`None` for no value), formatted into `scratch` unless it is text
/// already.
fn text_of<'a>(datum: &'a Datum, scratch: &'a mut String) -> Result<Option<&'a str>, StoreError> {
    scratch.clear();
    match datum {
        Datum::Null => return Ok(None),
        Datum::Text(text) => return Ok(Some(text)),
        Datum::Integer(n) => {
            let _ = write!(scratch, "{n}");
        }
        Datum::Boolean(b) => scratch.push_str(if *b { "true" } else { "false" }),
        Datum::Uuid(id) => {
            let mut buffer = Uuid::encode_buffer();
            scratch.push_str(id.hyphenated().encode_lower(&mut buffer));
        }
        Datum::Time(at) => scratch.push_str(&timestamp(*at)?),
    }
    Ok(Some(scratch))
}

fn json_broken<E>(_: E) -> StoreError {
    StoreError::Corrupt {
        what: "JSON export",
    }
}

fn csv_broken<E>(_: E) -> StoreError {
    StoreError::Corrupt { what: "CSV export" }
}

fn esc(html: &mut String, text: &str) {
    html_escape::encode_text_to_string(text, html);
}

/// Writes one module's rows, as they are decoded, into its JSON file, its CSV file and its
/// section of the index.
struct ModuleWriter {
    module: &'static str,
    title: &'static str,
    fields: Vec<&'static str>,
    /// Each field's JSON key with its quotes and colon, escaped once.
    keys: Vec<Vec<u8>>,
    json: Vec<u8>,
    csv: csv::Writer<Vec<u8>>,
    /// The index's table of the first rows, without its closing tag.
    preview: String,
    /// Whether this writer's first rows go into the preview (not for a continuation).
    previewed: bool,
    rows: usize,
    scratch: String,
}

impl ModuleWriter {
    /// A writer for a module expected to hold about `expected_rows` rows (to size buffers).
    fn new(
        module: &'static str,
        title: &'static str,
        fields: Vec<&'static str>,
        expected_rows: usize,
    ) -> Result<Self, StoreError> {
        let keys = fields
            .iter()
            .map(|field| {
                let mut key = serde_json::to_vec(field).map_err(json_broken)?;
                key.push(b':');
                Ok(key)
            })
            .collect::<Result<_, StoreError>>()?;
        let row_guess = 32 * (fields.len() + 1) * (expected_rows + 1);
        let mut csv = csv::Writer::from_writer(Vec::with_capacity(row_guess));
        csv.write_record(&fields).map_err(csv_broken)?;
        let mut preview = String::from("<table>\n<tr>");
        for field in &fields {
            preview.push_str("<th>");
            esc(&mut preview, field);
            preview.push_str("</th>");
        }
        preview.push_str("</tr>\n");
        Ok(Self {
            module,
            title,
            fields,
            keys,
            json: {
                let mut json = Vec::with_capacity(2 * row_guess);
                json.extend_from_slice(b"[\n");
                json
            },
            csv,
            preview,
            previewed: true,
            rows: 0,
            scratch: String::new(),
        })
    }

    /// Writes one row: one value per field, in field order.
    fn push(&mut self, row: &[Datum]) -> Result<(), StoreError> {
        self.json.push(b'{');
        let shown = self.rows < PREVIEW_ROWS && self.previewed;
        if shown {
            self.preview.push_str("<tr>");
        }
        for (position, (key, datum)) in self.keys.iter().zip(row).enumerate() {
            if position > 0 {
                self.json.push(b',');
            }
            self.json.extend_from_slice(key);
            let text = text_of(datum, &mut self.scratch)?;
            match (datum, text) {
                (_, None) => self.json.extend_from_slice(b"null"),
                (Datum::Integer(_) | Datum::Boolean(_), Some(raw)) => {
                    self.json.extend_from_slice(raw.as_bytes());
                }
                (_, Some(text)) => {
                    serde_json::to_writer(&mut self.json, text).map_err(json_broken)?;
                }
            }
            match text {
                Some(cell) if needs_neutralising(cell) => self.csv.write_field(format!("'{cell}")),
                Some(cell) => self.csv.write_field(cell),
                None => self.csv.write_field(""),
            }
            .map_err(csv_broken)?;
            if shown {
                self.preview.push_str("<td>");
                if let Some(cell) = text {
                    esc(&mut self.preview, cell);
                }
                self.preview.push_str("</td>");
            }
        }
        self.json.extend_from_slice(b"},\n");
        self.csv.write_record(None::<&[u8]>).map_err(csv_broken)?;
        if shown {
            self.preview.push_str("</tr>\n");
        }
        self.rows += 1;
        Ok(())
    }

    /// A writer for rows that follow this writer's: no CSV header and no preview, to be
    /// [`Self::absorb`]ed once written.
    fn continuation(&self) -> Self {
        Self {
            module: self.module,
            title: self.title,
            fields: self.fields.clone(),
            keys: self.keys.clone(),
            json: Vec::with_capacity(self.json.capacity()),
            csv: csv::Writer::from_writer(Vec::with_capacity(self.csv.get_ref().capacity())),
            preview: String::new(),
            previewed: false,
            rows: 0,
            scratch: String::new(),
        }
    }

    /// Appends the rows a [`Self::continuation`] wrote.
    fn absorb(&mut self, next: Self) -> Result<(), StoreError> {
        self.json.extend_from_slice(&next.json);
        let theirs = next.csv.into_inner().map_err(csv_broken)?;
        let empty = csv::Writer::from_writer(Vec::new());
        let mut mine = std::mem::replace(&mut self.csv, empty)
            .into_inner()
            .map_err(csv_broken)?;
        mine.extend_from_slice(&theirs);
        self.csv = csv::Writer::from_writer(mine);
        self.rows += next.rows;
        Ok(())
    }

    /// The module's two files and its section of the index.
    fn finish(self) -> Result<ModuleFiles, StoreError> {
        let section = self.section();
        let csv = self.csv.into_inner().map_err(csv_broken)?;
        // Rows end in ",\n" as they are written; the last one's comma goes.
        let mut json = self.json;
        if self.rows == 0 {
            json.clear();
            json.extend_from_slice(b"[]\n");
        } else {
            json.truncate(json.len().saturating_sub(2));
            json.extend_from_slice(b"\n]\n");
        }
        let file = |extension: &str, bytes: Vec<u8>| ExportFile {
            name: format!("{}.{extension}", self.module),
            bytes,
            module: self.module,
            fields: self.fields.clone(),
        };
        Ok(ModuleFiles {
            files: [file("json", json), file("csv", csv)],
            section,
        })
    }

    /// The module's section of the index: title, record count, links, and its first rows.
    fn section(&self) -> String {
        let (name, rows) = (self.module, self.rows);
        let shown = rows.min(PREVIEW_ROWS);
        let mut html = String::with_capacity(self.preview.len() + 256);
        html.push_str("<h2>");
        esc(&mut html, self.title);
        let _ = write!(
            html,
            "</h2>\n<p>{rows} record{}; files: <a href=\"{name}.csv\">{name}.csv</a>, \
             <a href=\"{name}.json\">{name}.json</a>",
            if rows == 1 { "" } else { "s" },
        );
        if shown < rows {
            let _ = write!(html, ". The first {shown} are shown here");
        }
        html.push_str(".</p>\n");
        if shown > 0 {
            html.push_str(&self.preview);
            html.push_str("</table>\n");
        }
        html
    }
}

/// Tables with at least this many rows are written on two threads, each taking half.
const SPLIT_ROWS: usize = 1_000;

/// Writes `rows` with `write` into `writer` and finishes the module; a long module is written
/// in two halves at once (the second by a [`ModuleWriter::continuation`]), so that the last
/// large table read does not leave one core waiting for the other.
fn write_module<R: Send>(
    mut writer: ModuleWriter,
    mut rows: Vec<R>,
    write: impl Fn(&[R], &mut ModuleWriter) -> Result<(), StoreError> + Sync,
) -> Result<ModuleFiles, StoreError> {
    if rows.len() < SPLIT_ROWS.max(2 * PREVIEW_ROWS) {
        write(&rows, &mut writer)?;
        drop(rows);
        return writer.finish();
    }
    let tail = rows.split_off(rows.len() / 2);
    let mut second = writer.continuation();
    let write = &write;
    let (first, second) = std::thread::scope(|scope| {
        let other = scope.spawn(move || {
            let written = write(&tail, &mut second);
            drop(tail);
            written.map(|()| second)
        });
        let here = write(&rows, &mut writer);
        drop(rows);
        (here, other.join())
    });
    first?;
    writer.absorb(second.map_err(|_| worker_lost())??)?;
    writer.finish()
}

/// A module, written: its JSON and CSV files and its section of the index.
struct ModuleFiles {
    files: [ExportFile; 2],
    section: String,
}

const PAGE_HEAD: &str =
    "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>";
const PAGE_BODY: &str = "</title></head>\n<body>\n";
const PAGE_TAIL: &str = "</body>\n</html>\n";

/// `index.html`: who the export is about, when it was made, and each module's section.
fn index_page(person: PersonId, generated: &str, sections: &[(usize, String)]) -> String {
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
    for (_, section) in sections {
        html.push_str(section);
    }
    html.push_str(PAGE_TAIL);
    html
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

/// Writes a module: decodes its rows and writes its files (the part worth doing on another
/// thread).
type ModuleJob = Box<dyn FnOnce() -> Result<ModuleFiles, StoreError> + Send>;

/// What one worker packed: a ZIP of its modules' files, their manifest lines and their
/// sections of the index, each tagged with the module's position in the export.
struct PackedPart {
    zip: Vec<u8>,
    listed: Vec<(usize, Value)>,
    sections: Vec<(usize, String)>,
}

fn pack_part(jobs: impl IntoIterator<Item = (usize, ModuleJob)>) -> Result<PackedPart, StoreError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut listed = Vec::new();
    let mut sections = Vec::new();
    for (position, job) in jobs {
        let module = job()?;
        for file in &module.files {
            listed.push((position, file.listing()));
            add_file(&mut zip, file)?;
        }
        sections.push((position, module.section));
    }
    Ok(PackedPart {
        zip: zip.finish().map_err(zip_broken)?.into_inner(),
        listed,
        sections,
    })
}

/// A thread that packs the modules it is sent while the next ones are still being read.
struct Packer {
    jobs: std::sync::mpsc::Sender<(usize, ModuleJob)>,
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
    fn send(&mut self, position: usize, size: usize, job: ModuleJob) {
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
    let mut sections = Vec::new();
    for part in parts {
        let archive = ZipArchive::new(Cursor::new(part.zip)).map_err(zip_broken)?;
        zip.merge_archive(archive).map_err(zip_broken)?;
        listed.extend(part.listed);
        sections.extend(part.sections);
    }
    // The manifest and the index list modules in the export's order (a stable sort keeps each
    // module's files in the order they were made).
    listed.sort_by_key(|(position, _)| *position);
    sections.sort_by_key(|(position, _)| *position);
    let index = ExportFile {
        name: "index.html".to_owned(),
        bytes: index_page(person, &generated, &sections).into_bytes(),
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

/// The "who used your data" module of an export: one row per audit entry about the person.
/// Makes `datum` the text of `value`, reusing its string when it holds one.
fn set_text(datum: &mut Datum, value: impl std::fmt::Display) {
    match datum {
        Datum::Text(text) => {
            text.clear();
            let _ = write!(text, "{value}");
        }
        other => *other = Datum::Text(value.to_string()),
    }
}

fn write_accesses(rows: Vec<Vec<u8>>, subject: SubjectKey) -> Result<ModuleFiles, StoreError> {
    let writer = ModuleWriter::new(
        "accesses",
        "Who used your data, when and why",
        vec!["at", "action", "by", "purpose", "data"],
        rows.len(),
    )?;
    write_module(writer, rows, |rows, writer| {
        // One row, its texts rewritten in place for each entry.
        let mut row = [
            Datum::Null,
            Datum::Null,
            Datum::Null,
            Datum::Null,
            Datum::Null,
        ];
        for stored in rows {
            let entry = entry_about(stored, subject)?;
            let event = &entry.event;
            let [at, action, by, purpose, data] = &mut row;
            *at = Datum::Time(entry.at);
            set_text(action, event.action.as_str());
            set_text(by, event.actor);
            match &event.purpose {
                Some(id) => set_text(purpose, id),
                None => *purpose = Datum::Null,
            }
            set_text(data, "");
            if let Datum::Text(text) = data {
                for (n, category) in event.categories.iter().enumerate() {
                    if n > 0 {
                        text.push_str(", ");
                    }
                    text.push_str(category.as_str());
                }
            }
            writer.push(&row)?;
        }
        Ok(())
    })
}

impl Store {
    /// The access and portability export of `person`: every module's data as a ZIP. The
    /// export itself is written to the audit log.
    ///
    /// The rows are read one query per table on the store's connection, the tables first and
    /// the person's history last; each, as soon as it is read, goes to one of two worker
    /// threads that decode it (opening sealed columns), write its files and compress them
    /// while the next is read. A module of 1,000 rows or more is written in two
    /// halves at once, so that the last large one does not leave a core idle.
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
        let mut dispatch = |position: usize, size: usize, job: ModuleJob| {
            let [a, b] = &mut packers;
            let idle = if a.load <= b.load { a } else { b };
            idle.send(position, size, job);
        };
        // The tables first, so that their decoding (opening sealed columns is the costly
        // part) starts at once; the history, last in the export too, is read while they are
        // written.
        let tables: Vec<&'static declared::TableDeclaration> = declared::owned_tables().collect();
        let history_position = tables.len();
        for (position, table) in tables.into_iter().enumerate() {
            let rows = self.rows_of(table, person).await?;
            let key = key.clone();
            dispatch(
                position,
                rows.len(),
                Box::new(move || {
                    let fields = records::export_fields(table);
                    let writer = ModuleWriter::new(table.table, table.title, fields, rows.len())?;
                    write_module(writer, rows, |rows, writer| {
                        records::decode_records(table, person, key.as_ref(), rows, |row| {
                            writer.push(row)
                        })
                    })
                }),
            );
        }
        let subject = self.audit.subject(person);
        let history = self.audit.entries_about(&self.db, subject).await?;
        dispatch(
            history_position,
            history.len(),
            Box::new(move || write_accesses(history, subject)),
        );
        let [a, b] = packers;
        let parts = vec![a.finish().await?, b.finish().await?];
        finish_zip(person, now, parts)
    }
}

#[cfg(test)]
mod tests {
    use super::{ModuleWriter, PREVIEW_ROWS, neutralise};
    use crate::records::Datum;

    fn written(rows: &[Vec<Datum>]) -> super::ModuleFiles {
        let mut writer =
            ModuleWriter::new("comment", "Comments", vec!["body", "score", "at"], 0).unwrap();
        for row in rows {
            writer.push(row).unwrap();
        }
        writer.finish().unwrap()
    }

    #[test]
    fn a_long_module_shows_its_first_rows_and_says_where_the_rest_are() {
        let rows: Vec<Vec<Datum>> = (0..150)
            .map(|n| vec![Datum::Text(format!("c{n}")), Datum::Integer(n), Datum::Null])
            .collect();
        let section = written(&rows).section;
        assert!(section.contains("150 records"), "{section}");
        assert!(
            section.contains("The first 100 are shown here"),
            "{section}"
        );
        assert!(section.contains("href=\"comment.csv\""));
        assert_eq!(section.matches("<tr>").count(), PREVIEW_ROWS + 1);
        let empty = written(&[]).section;
        assert!(
            empty.contains("0 records") && !empty.contains("<table>"),
            "{empty}"
        );
    }

    #[test]
    fn each_value_keeps_its_type_in_json_and_its_text_in_csv() {
        let at = time::macros::datetime!(2026-11-23 10:00 UTC);
        let id = uuid::Uuid::from_u128(7);
        let files = written(&[
            vec![
                Datum::Text("a \"quoted\"\nline".into()),
                Datum::Integer(-3),
                Datum::Time(at),
            ],
            vec![Datum::Uuid(id), Datum::Boolean(true), Datum::Null],
        ]);
        let [json, csv] = &files.files;
        let parsed: serde_json::Value = serde_json::from_slice(&json.bytes).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!([
                {"body": "a \"quoted\"\nline", "score": -3, "at": "2026-11-23T10:00:00Z"},
                {"body": id.to_string(), "score": true, "at": null},
            ])
        );
        assert_eq!(
            String::from_utf8(json.bytes.clone())
                .unwrap()
                .lines()
                .count(),
            4,
            "one object a line, between the brackets"
        );
        let csv = String::from_utf8(csv.bytes.clone()).unwrap();
        assert_eq!(
            csv,
            format!(
                "body,score,at\n\"a \"\"quoted\"\"\nline\",'-3,2026-11-23T10:00:00Z\n{id},true,\n"
            )
        );
        let empty: serde_json::Value =
            serde_json::from_slice(&written(&[]).files[0].bytes).unwrap();
        assert_eq!(empty, serde_json::json!([]));
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
