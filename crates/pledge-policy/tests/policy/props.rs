//! Property tests: written policies parse back equal; diff is empty exactly for equal policies;
//! the parser never panics, on arbitrary bytes or on structurally mutated valid policies.

use proptest::prelude::*;
use proptest::sample::Index;
use toml::Value;

use pledge_policy::{Policy, diff, packs, parse, to_toml};

use crate::support::MINIMAL;

/// The valid policies mutations start from: the minimal policy and every pack that loads.
fn bases() -> Vec<(String, Policy)> {
    let mut out = vec![(
        "minimal".to_owned(),
        parse("minimal.toml", MINIMAL).expect("parses"),
    )];
    for pack in packs::ALL {
        if let Ok(policy) = pack.load() {
            out.push((pack.name.to_owned(), policy.into_inner()));
        }
    }
    out
}

/// One step into a TOML value.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Item(usize),
}

/// A structural edit of a TOML value.
#[derive(Debug, Clone)]
enum Edit {
    SetString(String),
    SetInteger(i64),
    SetBool(bool),
    Empty,
    Remove,
    Duplicate,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => "[a-z0-9 \\-\"'\\\\\n\u{e9}\u{1F600}]{0,16}".prop_map(Edit::SetString),
        1 => prop_oneof![Just("session".to_owned()), Just("3 weeks".to_owned()),
            Just("contact".to_owned()), Just("consent".to_owned()), Just("0 days".to_owned()),
            Just("K01".to_owned())].prop_map(Edit::SetString),
        1 => any::<i64>().prop_map(Edit::SetInteger),
        1 => any::<bool>().prop_map(Edit::SetBool),
        1 => Just(Edit::Empty),
        2 => Just(Edit::Remove),
        1 => Just(Edit::Duplicate),
    ]
}

/// Every path in `value`, root first.
fn paths(value: &Value) -> Vec<Vec<Step>> {
    let mut out = vec![Vec::new()];
    match value {
        Value::Table(table) => {
            for (key, inner) in table {
                for mut rest in paths(inner) {
                    rest.insert(0, Step::Key(key.clone()));
                    out.push(rest);
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                for mut rest in paths(inner) {
                    rest.insert(0, Step::Item(i));
                    out.push(rest);
                }
            }
        }
        _ => {}
    }
    out
}

fn apply(value: &mut Value, path: &[Step], edit: &Edit) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut parent = value;
    for step in parents {
        let next = match (step, parent) {
            (Step::Key(k), Value::Table(t)) => t.get_mut(k),
            (Step::Item(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(v) => parent = v,
            None => return,
        }
    }
    let replacement = match edit {
        Edit::SetString(s) => Some(Value::String(s.clone())),
        Edit::SetInteger(n) => Some(Value::Integer(*n)),
        Edit::SetBool(b) => Some(Value::Boolean(*b)),
        Edit::Empty => Some(Value::Array(Vec::new())),
        Edit::Remove | Edit::Duplicate => None,
    };
    match (last, parent) {
        (Step::Key(k), Value::Table(t)) => match (edit, replacement) {
            (_, Some(v)) => {
                t.insert(k.clone(), v);
            }
            (Edit::Remove, None) => {
                t.remove(k);
            }
            _ => {}
        },
        (Step::Item(i), Value::Array(a)) if *i < a.len() => match (edit, replacement) {
            (_, Some(v)) => a[*i] = v,
            (Edit::Remove, None) => {
                a.remove(*i);
            }
            (Edit::Duplicate, None) => {
                let copy = a[*i].clone();
                a.insert(*i, copy);
            }
            _ => {}
        },
        _ => {}
    }
}

/// A base policy, its TOML text after up to four structural edits, and the base itself.
fn mutated() -> impl Strategy<Value = (Policy, String)> {
    let bases = bases();
    (
        any::<Index>(),
        prop::collection::vec((any::<Index>(), edit_strategy()), 1..4),
    )
        .prop_map(move |(which, edits)| {
            let (_, base) = which.get(&bases).clone();
            let mut value = Value::try_from(&base).expect("policies serialise");
            for (at, edit) in &edits {
                let all = paths(&value);
                let path = at.get(&all).clone();
                apply(&mut value, &path, edit);
            }
            let text = toml::to_string(&value).unwrap_or_default();
            (base, text)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse("fuzz.toml", &text);
        let _ = pledge_policy::load("fuzz.toml", &text);
    }

    #[test]
    fn the_parser_never_panics_on_mutated_policies((_base, text) in mutated()) {
        let _ = pledge_policy::load("mutated.toml", &text);
    }

    #[test]
    fn written_policies_parse_back_to_the_same_policy((_base, text) in mutated()) {
        if let Ok(policy) = parse("mutated.toml", &text) {
            let written = to_toml(&policy).expect("serialises");
            let again = parse("written.toml", &written);
            prop_assert_eq!(again.as_ref().ok(), Some(&policy), "{}", written);
        }
    }

    #[test]
    fn diff_is_empty_exactly_when_policies_are_equal((base, text) in mutated()) {
        prop_assert!(diff(&base, &base).is_empty());
        if let Ok(other) = parse("mutated.toml", &text) {
            prop_assert!(diff(&other, &other).is_empty());
            prop_assert_eq!(diff(&base, &other).is_empty(), base == other);
            prop_assert_eq!(diff(&other, &base).is_empty(), base == other);
        }
    }
}
