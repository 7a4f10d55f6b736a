//! Policy-layer benchmarks: parse, validate, lint, render and diff each seed pack.
//!
//! Baseline: parsing the same text into an untyped `toml::Table`, the least any reader of the
//! file must do. The ratios say what Pledge's typing, checking and rendering cost on top.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pledge_policy::{diff, lint, load, packs, parse, render};

fn policy_layer(c: &mut Criterion) {
    for pack in packs::ALL {
        let Ok(valid) = pack.load() else {
            continue;
        };
        let mut group = c.benchmark_group(format!("policy-{}", pack.name));
        group.bench_function("baseline", |b| {
            b.iter(|| {
                black_box(pack.text)
                    .parse::<toml::Table>()
                    .map(|t| t.len())
                    .unwrap_or(0)
            });
        });
        group.bench_function("parse", |b| {
            b.iter(|| parse(pack.file, black_box(pack.text)).is_ok())
        });
        group.bench_function("parse_validate", |b| {
            b.iter(|| load(pack.file, black_box(pack.text)).is_ok());
        });
        group.bench_function("lint", |b| b.iter(|| lint(black_box(&valid)).len()));
        group.bench_function("render_html", |b| {
            b.iter(|| render::privacy_policy(black_box(&valid)).to_html().len());
        });
        group.bench_function("render_all", |b| {
            b.iter(|| {
                let policy = black_box(&valid);
                render::privacy_policy(policy).to_markdown().len()
                    + render::cookie_table(policy).to_html().len()
                    + render::retention_schedule(policy).to_html().len()
                    + render::record_of_processing(policy).to_html().len()
            });
        });
        group.bench_function("diff_self", |b| {
            b.iter(|| diff(black_box(valid.policy()), black_box(valid.policy())).is_empty());
        });
        group.finish();
    }
}

criterion_group!(benches, policy_layer);
criterion_main!(benches);
