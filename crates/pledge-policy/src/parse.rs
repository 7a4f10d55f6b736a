//! Reading policy files: TOML text to [`Policy`], with errors that say where and what.
//!
//! The `toml` crate does the parsing; this module turns its byte spans into file, line and
//! column, and finds the span of any [`FieldPath`] so that validation and lint messages can point
//! at the same places.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::model::{FORMAT_VERSION, Policy};
use crate::path::{FieldPath, Segment};
use crate::{Diagnostic, PolicyError};

/// Parses `text` (read from `file`, used only in messages) into a [`Policy`].
///
/// Unknown keys, wrong types, missing fields and malformed values are errors. The result has the
/// right shape but is not yet checked: pass it to [`crate::validate`].
///
/// # Errors
/// [`PolicyError::Syntax`] with the line and column of the first problem.
pub fn parse(file: &str, text: &str) -> Result<Policy, PolicyError> {
    let policy: Policy = toml::from_str(text).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        let message = err.message().trim_end().to_owned();
        PolicyError::Syntax(diagnostic_at(file, text, span, String::new(), message))
    })?;
    if policy.format != FORMAT_VERSION {
        let path = crate::path!("format");
        return Err(PolicyError::Syntax(diagnostic_for(
            file,
            text,
            &path,
            format!(
                "this file is in policy format {}, but this version of Pledge reads format {}",
                policy.format, FORMAT_VERSION
            ),
        )));
    }
    Ok(policy)
}

/// Writes a policy back to TOML. Parsing the result gives an equal [`Policy`].
///
/// # Errors
/// Only if the policy holds a value TOML cannot represent (a date before year 0).
pub fn to_toml(policy: &Policy) -> Result<String, toml::ser::Error> {
    toml::to_string(policy)
}

/// The byte range of the value at `path` in `text`, or of its nearest enclosing value that
/// exists. `None` when `text` is not TOML.
pub fn locate(text: &str, path: &FieldPath) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut best = 0..0;
    let mut current: Option<&Spanned<DeValue<'_>>> = None;
    for segment in path.segments() {
        let next = match (segment, current) {
            (Segment::Key(key), None) => root.get_ref().get(key.as_str()),
            (Segment::Key(key), Some(value)) => value.get_ref().get(key.as_str()),
            (Segment::Index(index), Some(value)) => value.get_ref().get(*index),
            (Segment::Index(_), None) => None,
        };
        match next {
            Some(value) => {
                best = value.span();
                current = Some(value);
            }
            None => break,
        }
    }
    Some(best)
}

/// A diagnostic pointing at the value at `path` in `text`.
pub fn diagnostic_for(file: &str, text: &str, path: &FieldPath, message: String) -> Diagnostic {
    let span = locate(text, path).unwrap_or(0..0);
    diagnostic_at(file, text, span, path.to_string(), message)
}

fn diagnostic_at(
    file: &str,
    text: &str,
    span: Range<usize>,
    field: String,
    message: String,
) -> Diagnostic {
    let (line, column) = line_and_column(text, span.start);
    Diagnostic {
        file: file.to_owned(),
        line,
        column,
        field,
        message,
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 6), (2, 1));
        assert_eq!(line_and_column(text, 9), (2, 3));
        assert_eq!(line_and_column(text, 999), (3, 1));
    }

    #[test]
    fn locate_finds_nested_array_values() {
        let text = "[[retention]]\nid = \"a\"\n[[retention]]\nid = \"b\"\nname = \"x\"\n";
        let span = locate(text, &crate::path!("retention", 1, "name")).expect("toml");
        assert_eq!(text.get(span), Some("\"x\""));
        // A missing key falls back to its table: for an array of tables, the element's header.
        let missing = locate(text, &crate::path!("retention", 1, "nope")).expect("toml");
        assert_eq!(
            missing.start,
            text.rfind("[[retention]]").expect("second header")
        );
    }
}
