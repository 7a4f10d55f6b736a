//! Field paths: where in a policy file a value lives (`retention[2].clock.after.period`).
//!
//! Validation and linting work on the parsed model, which has no positions. They name the field
//! they complain about with a [`FieldPath`] written in the file's own key names; [`crate::locate`]
//! turns that back into a line and column using the spans the TOML parser recorded.

use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A key of a table.
    Key(String),
    /// An index into an array (an array of tables such as `[[retention]]`).
    Index(usize),
}

/// A path from the root of a policy file to one value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The root of the file.
    pub const fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by a key.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        Self(segments)
    }

    /// This path extended by an index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Self(segments)
    }

    /// The steps of the path.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The path without its last step (the root stays the root).
    #[must_use]
    pub fn parent(&self) -> Self {
        let mut segments = self.0.clone();
        segments.pop();
        Self(segments)
    }
}

/// Builds a [`FieldPath`] from keys and indices: `path!("retention", 2, "clock")`.
#[macro_export]
macro_rules! path {
    ($($segment:expr),* $(,)?) => {{
        let path = $crate::FieldPath::root();
        $( let path = $crate::path::PathStep::extend($segment, &path); )*
        path
    }};
}

/// Something that can extend a path: a key (`&str`) or an index (`usize`).
pub trait PathStep {
    /// `path` extended by this step.
    fn extend(self, path: &FieldPath) -> FieldPath;
}

impl PathStep for &str {
    fn extend(self, path: &FieldPath) -> FieldPath {
        path.key(self)
    }
}

impl PathStep for usize {
    fn extend(self, path: &FieldPath) -> FieldPath {
        path.index(self)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if position == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_print_like_toml_accessors() {
        let path = crate::path!("retention", 2, "clock", "after");
        assert_eq!(path.to_string(), "retention[2].clock.after");
        assert_eq!(path.parent().to_string(), "retention[2].clock");
        assert_eq!(crate::FieldPath::root().to_string(), "");
    }
}
