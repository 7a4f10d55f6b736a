//! Workspace-wide checks that are not about one crate. The tests are in `tidy/`.
