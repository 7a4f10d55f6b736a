//! Results files from exam bodies: the CSV an exam body sends back (one row per candidate,
//! with the candidate number it knows them by and the result), imported by an instructor.
//!
//! The whole file is checked before anything is written: every row must name a candidate of
//! an exam booking of a course the instructor teaches, once, with a result of the size a form
//! takes; a problem on any line refuses the file, naming each line. Rows are then recorded one
//! by one through [`Store::record_exam_result`] (so a funded course's result goes to its funder,
//! recorded as a disclosure). A row whose booking already has the same result is left as it
//! is, so importing a file again — after a failure half way, say — finishes the job and
//! changes nothing twice.

use std::collections::BTreeMap;

use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use time::OffsetDateTime;

use crate::accounts::FieldProblem;
use crate::exams::ExamBooking;
use crate::{Store, StoreError};

/// The form field a results file is uploaded in.
pub const RESULTS_FILE: &str = "results_file";

/// The most rows a file may hold.
pub const MAX_ROWS: usize = 5_000;

/// The most problems a refusal lists before it says how many more there are.
const LISTED_PROBLEMS: usize = 20;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Results recorded.
    pub recorded: usize,
    /// Rows whose booking already had that result.
    pub unchanged: usize,
    /// Results shared with a funder (each a recorded disclosure).
    pub shared: usize,
}

/// One row to record.
struct Row<'a> {
    booking: &'a ExamBooking,
    result: String,
}

fn problem(message: String) -> FieldProblem {
    FieldProblem {
        field: RESULTS_FILE,
        message,
    }
}

/// The columns holding the candidate number and the result, from the header row.
fn columns(headers: &csv::StringRecord) -> Result<(usize, usize), FieldProblem> {
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    match (
        find(&["candidate", "candidate number", "candidate_number"]),
        find(&["result"]),
    ) {
        (Some(candidate), Some(result)) => Ok((candidate, result)),
        _ => Err(problem(
            "The first line must name the columns, including \u{201c}candidate\u{201d} and \
             \u{201c}result\u{201d}."
                .to_owned(),
        )),
    }
}

/// One row of a results file: the line it is on, the candidate number and the result, as
/// written (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultLine {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// The candidate number the exam body knows the candidate by.
    pub candidate: String,
    /// The result as the exam body gave it.
    pub result: String,
}

/// Reads the rows of the results file `text`, whatever it holds (untrusted bytes from an
/// upload): its header must name the candidate and result columns; blank rows are skipped.
///
/// # Errors
/// Every problem found, each naming its line: not CSV, no such columns, a line that cannot be
/// read, more than [`MAX_ROWS`] rows.
pub fn read_results_file(text: &str) -> Result<Vec<ResultLine>, Vec<FieldProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| vec![problem("The file is not a CSV file.".to_owned())])?
        .clone();
    let (candidate_at, result_at) = columns(&headers).map_err(|p| vec![p])?;
    let (mut lines, mut problems) = (Vec::new(), Vec::new());
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 2;
        if index >= MAX_ROWS {
            problems.push(problem(format!(
                "The file has more than {MAX_ROWS} rows: split it."
            )));
            break;
        }
        let Ok(record) = record else {
            problems.push(problem(format!("Line {line} cannot be read as CSV.")));
            continue;
        };
        let candidate = record.get(candidate_at).unwrap_or_default().to_owned();
        let result = record.get(result_at).unwrap_or_default().to_owned();
        if !(candidate.is_empty() && result.is_empty()) {
            lines.push(ResultLine {
                line,
                candidate,
                result,
            });
        }
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

/// Checks every row of `text` against `bookings`; the rows to record, the rows already done,
/// or every problem found.
fn check<'a>(
    text: &str,
    bookings: &'a [ExamBooking],
) -> Result<(Vec<Row<'a>>, usize), Vec<FieldProblem>> {
    let lines = read_results_file(text).map_err(listed)?;
    let by_candidate: BTreeMap<&str, &ExamBooking> = bookings
        .iter()
        .map(|b| (b.candidate_number.as_str(), b))
        .collect();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let (mut rows, mut unchanged, mut problems) = (Vec::new(), 0, Vec::new());
    for ResultLine {
        line,
        candidate,
        result,
    } in lines
    {
        if let Some(first) = seen.insert(candidate.clone(), line) {
            problems.push(problem(format!(
                "Line {line}: candidate {candidate} is already on line {first}."
            )));
            continue;
        }
        let Some(booking) = by_candidate.get(candidate.as_str()) else {
            problems.push(problem(format!(
                "Line {line}: no exam booking of a course you teach has candidate number \
                 \u{201c}{candidate}\u{201d}."
            )));
            continue;
        };
        if result.is_empty() || result.chars().count() > 200 {
            problems.push(problem(format!(
                "Line {line}: give the result as the exam body gave it (up to 200 characters)."
            )));
            continue;
        }
        match &booking.result {
            Some(done) if *done == result => unchanged += 1,
            Some(done) => problems.push(problem(format!(
                "Line {line}: candidate {candidate} already has the result \u{201c}{done}\u{201d}; \
                 an import does not change a result."
            ))),
            None => rows.push(Row { booking, result }),
        }
    }
    if problems.is_empty() {
        Ok((rows, unchanged))
    } else {
        Err(listed(problems))
    }
}

/// `problems`, the first [`LISTED_PROBLEMS`] of them and a count of the rest.
fn listed(mut problems: Vec<FieldProblem>) -> Vec<FieldProblem> {
    if problems.len() > LISTED_PROBLEMS {
        let more = problems.len() - LISTED_PROBLEMS;
        problems.truncate(LISTED_PROBLEMS);
        problems.push(problem(format!("… and {more} more problems.")));
    }
    problems
}

impl Store {
    /// Imports the results file `text` for `staff` (see the module's notes).
    ///
    /// # Errors
    /// [`StoreError::Refused`] (field [`RESULTS_FILE`]) naming every problem, nothing
    /// written; [`StoreError::Invalid`] for a file with no result in it; failures (rows
    /// recorded before one stay recorded, and importing the file again finishes).
    pub async fn import_exam_results(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<ImportReport, StoreError> {
        let bookings = self.exam_bookings_taught_by(policy, staff, now).await?;
        let (rows, unchanged) = check(text, &bookings).map_err(StoreError::Refused)?;
        if rows.is_empty() && unchanged == 0 {
            return Err(StoreError::Invalid("the file holds no result"));
        }
        let mut report = ImportReport {
            unchanged,
            ..ImportReport::default()
        };
        for row in rows {
            let funder = self
                .record_exam_result(policy, staff, row.booking.id, &row.result, now)
                .await?;
            report.recorded += 1;
            report.shared += usize::from(funder.is_some());
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(candidate: &str, result: Option<&str>) -> ExamBooking {
        ExamBooking {
            id: uuid::Uuid::now_v7(),
            person: PersonId::from_uuid(uuid::Uuid::now_v7()),
            exam: "ITIL 4 Foundation".into(),
            partner: "peoplecert".into(),
            candidate_number: candidate.into(),
            result: result.map(str::to_owned),
            sitting_at: OffsetDateTime::UNIX_EPOCH,
            status: "booked".into(),
        }
    }

    fn messages(text: &str, bookings: &[ExamBooking]) -> Vec<String> {
        match check(text, bookings) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_iter().map(|p| p.message).collect(),
        }
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_blank_lines_are_skipped() {
        let bookings = [booking("PC-1", None), booking("PC-2", Some("Pass"))];
        let text = "Result , Exam, Candidate Number\nFail,ITIL,PC-1\n\nPass,ITIL,PC-2\n";
        let (rows, unchanged) = check(text, &bookings).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].result, "Fail");
        assert_eq!(unchanged, 1, "the same result again is left as it is");
    }

    #[test]
    fn every_problem_is_named_by_its_line() {
        let bookings = [booking("PC-1", None), booking("PC-2", Some("Pass"))];
        let text = "candidate,result\nPC-1,Pass\nPC-9,Pass\nPC-1,Fail\nPC-2,Fail\n";
        let found = messages(text, &bookings);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("Line 3: no exam booking"));
        assert!(found[1].starts_with("Line 4: candidate PC-1 is already on line 2"));
        assert!(found[2].contains("does not change a result"));
        assert!(
            messages("name,score\nPC-1,Pass\n", &bookings)[0].contains("must name the columns")
        );
        let long = format!("candidate,result\nPC-1,{}\n", "x".repeat(201));
        assert!(messages(&long, &bookings)[0].contains("up to 200 characters"));
    }

    #[test]
    fn a_long_list_of_problems_is_cut_short() {
        let text: String = std::iter::once("candidate,result\n".to_owned())
            .chain((0..30).map(|n| format!("X-{n},Pass\n")))
            .collect();
        let found = messages(&text, &[]);
        assert_eq!(found.len(), LISTED_PROBLEMS + 1);
        assert_eq!(found.last().unwrap(), "… and 10 more problems.");
    }
}
