//! `cargo xtask promises`: how many of each pack's promises a passing test proves.
//!
//! A test proves a promise by naming its ID (`k41_…`, `…_j20_j22_…`): the project's rule is that
//! tests are named after the promises they prove. `cargo xtask test` (and `ci`) keep the names
//! of the tests that passed in `<target>/xtask/passed-tests.txt` and print this table at the
//! end; `cargo xtask promises` prints it again from that file. The promise IDs come from the
//! promise matrix, `docs/promises.md`, which a tidy test keeps equal to the register.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Where the passing tests' names are kept between runs.
fn record(root: &Path) -> PathBuf {
    crate::portal::target_dir(root)
        .join("xtask")
        .join("passed-tests.txt")
}

/// Keeps the names of the tests that passed, for `cargo xtask promises`.
pub fn save(root: &Path, passed: &[String]) -> Result<()> {
    let path = record(root);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, passed.join("\n")).with_context(|| format!("writing {}", path.display()))
}

/// Prints the table from the last run's passing tests.
pub fn run(root: &Path) -> Result<()> {
    let path = record(root);
    let Ok(text) = std::fs::read_to_string(&path) else {
        bail!(
            "no test run on record ({} is missing): run `cargo xtask test` first",
            path.display()
        );
    };
    let passed: Vec<String> = text.lines().map(str::to_owned).collect();
    print(root, &passed)
}

/// Prints, per pack, how many promises a passing test names, and which are not yet named.
pub fn print(root: &Path, passed: &[String]) -> Result<()> {
    let ids = register(root)?;
    let named = named_ids(passed);
    println!("| pack | promises | proven by a passing test | not yet |");
    println!("|---|---|---|---|");
    for (prefix, pack) in [('W', "westmontera"), ('J', "jtec"), ('K', "kexara")] {
        let of_pack: Vec<&String> = ids.iter().filter(|id| id.starts_with(prefix)).collect();
        let missing: Vec<&str> = of_pack
            .iter()
            .filter(|id| !named.contains(&id.to_lowercase()))
            .map(|id| id.as_str())
            .collect();
        println!(
            "| {pack} | {} | {} | {} |",
            of_pack.len(),
            of_pack.len() - missing.len(),
            if missing.is_empty() {
                "none".to_owned()
            } else {
                missing.join(" ")
            }
        );
    }
    Ok(())
}

/// The promise IDs of the matrix's rows (`| W01 | …`), in order.
fn register(root: &Path) -> Result<Vec<String>> {
    let path = root.join("docs/promises.md");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let ids: Vec<String> = text
        .lines()
        .filter_map(|line| line.strip_prefix("| "))
        .filter_map(|rest| rest.split(' ').next())
        .filter(|id| is_promise_id(id))
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        bail!("{} has no promise rows", path.display());
    }
    Ok(ids)
}

fn is_promise_id(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('W' | 'J' | 'K'))
        && text.len() == 3
        && chars.all(|c| c.is_ascii_digit())
}

/// The lower-case promise IDs (`k41`) the tests' own names carry as words.
fn named_ids(passed: &[String]) -> BTreeSet<String> {
    passed
        .iter()
        .filter_map(|path| path.rsplit("::").next())
        .flat_map(|name| name.split('_'))
        .filter(|word| is_promise_id(&word.to_uppercase()))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promise_is_named_by_a_whole_word_of_the_tests_own_name() {
        let passed = [
            "cookies::banner::k39_k41_the_banner_asks".to_owned(),
            "w43_a_person_registers".to_owned(),
            "k05_module::unrelated_name".to_owned(),
            "tidy::k400_is_not_a_promise".to_owned(),
        ];
        let named = named_ids(&passed);
        assert_eq!(
            named.into_iter().collect::<Vec<_>>(),
            ["k39", "k41", "w43"],
            "module names and longer numbers do not count"
        );
    }
}
