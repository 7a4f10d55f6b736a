//! The one error type of this crate, and the located diagnostics it carries.

use std::fmt;

/// A message about one place in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file name given to the parser.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The field concerned, in the file's own key names (empty for the whole file).
    pub field: String,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.field.is_empty() {
            write!(f, " (at `{}`)", self.field)?;
        }
        Ok(())
    }
}

/// Everything that can go wrong when reading a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file is not TOML, or not shaped like a policy (unknown key, wrong type, missing
    /// field, malformed value).
    #[error("{0}")]
    Syntax(Diagnostic),
    /// The file is shaped like a policy but breaks its rules (unknown references, missing legal
    /// bases, duplicates, …). Every problem found is listed.
    #[error("{} problem(s) in {file}:\n{}", problems.len(), render_list(problems))]
    Invalid {
        /// The file name given to the parser.
        file: String,
        /// Every problem, in file order.
        problems: Vec<Diagnostic>,
    },
    /// No built-in policy pack has this name.
    #[error("there is no built-in policy pack named `{name}`; the packs are: {known}")]
    UnknownPack {
        /// The name asked for.
        name: String,
        /// The names that exist, comma-separated.
        known: String,
    },
}

impl PolicyError {
    /// Every diagnostic the error carries.
    pub fn diagnostics(&self) -> Vec<&Diagnostic> {
        match self {
            PolicyError::Syntax(diagnostic) => vec![diagnostic],
            PolicyError::Invalid { problems, .. } => problems.iter().collect(),
            PolicyError::UnknownPack { .. } => Vec::new(),
        }
    }
}

fn render_list(problems: &[Diagnostic]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
